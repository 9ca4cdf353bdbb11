"""approvals: request types that need approval, the approval each ticket waits for, each approver's decision;
a requester's manager (by hand or from the directory's `manager`), and the `approval` ticket event

Revision ID: approvals_0001
Revises: a11y_0001
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "approvals_0001"
down_revision = "a11y_0001"
branch_labels = None
depends_on = None

OLD_KINDS = ("created", "moved", "assigned", "priority", "field", "blocked", "unblocked", "comment", "checklist",
             "escalated", "type", "sla")


def _kinds(kinds) -> str:
    return "kind IN (" + ", ".join(f"'{k}'" for k in kinds) + ")"


def upgrade() -> None:
    op.add_column("request_types", sa.Column("approval", JSONB, server_default="{}", nullable=False))
    op.add_column("requesters", sa.Column("manager_id", sa.Integer,
                                          sa.ForeignKey("users.id", ondelete="SET NULL",
                                                        name=op.f("fk_requesters_manager_id_users"))))
    op.add_column("directory_accounts", sa.Column("manager_dn", sa.String(500)))
    op.drop_constraint(op.f("ck_ticket_events_kind"), "ticket_events", type_="check")
    op.create_check_constraint(op.f("ck_ticket_events_kind"), "ticket_events", _kinds(OLD_KINDS + ("approval",)))
    op.create_table(
        "approval_flows",
        sa.Column("ticket_id", sa.BigInteger, sa.ForeignKey("tickets.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("state", sa.String(10), server_default="pending", nullable=False),
        sa.Column("steps", JSONB, server_default="[]", nullable=False),
        sa.Column("step", sa.SmallInteger, server_default="0", nullable=False),
        sa.Column("return_column_id", sa.Integer),
        sa.Column("return_lane_id", sa.Integer),
        sa.Column("started_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True)),
        sa.CheckConstraint("state IN ('pending', 'approved', 'rejected')", name=op.f("ck_approval_flows_state")),
    )
    op.create_index("ix_approval_flows_pending", "approval_flows", ["ticket_id"],
                    postgresql_where=sa.text("state = 'pending'"))
    op.create_table(
        "ticket_approvals",
        sa.Column("id", sa.BigInteger, primary_key=True),
        sa.Column("ticket_id", sa.BigInteger, sa.ForeignKey("tickets.id", ondelete="CASCADE"), nullable=False),
        sa.Column("step", sa.SmallInteger, nullable=False),
        sa.Column("approver_id", sa.Integer, sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
        sa.Column("token_hash", sa.String(64), unique=True),
        sa.Column("expires_at", sa.DateTime(timezone=True)),
        sa.Column("asked_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.Column("decision", sa.String(10)),
        sa.Column("comment", sa.Text),
        sa.Column("channel", sa.String(10)),
        sa.Column("decided_at", sa.DateTime(timezone=True)),
        sa.CheckConstraint("decision IS NULL OR decision IN ('approved', 'rejected')",
                           name=op.f("ck_ticket_approvals_decision")),
        sa.CheckConstraint("(decision IS NULL) = (decided_at IS NULL)",
                           name=op.f("ck_ticket_approvals_decided_when_decision")),
        sa.CheckConstraint("comment IS NULL OR char_length(comment) <= 4000",
                           name=op.f("ck_ticket_approvals_comment_length")),
    )
    op.create_index("uq_ticket_approvals_step_approver", "ticket_approvals", ["ticket_id", "step", "approver_id"],
                    unique=True)
    op.create_index("ix_ticket_approvals_waiting", "ticket_approvals", ["approver_id"],
                    postgresql_where=sa.text("decision IS NULL"))


def downgrade() -> None:
    op.drop_table("ticket_approvals")
    op.drop_table("approval_flows")
    op.execute("DELETE FROM ticket_events WHERE kind = 'approval'")
    op.drop_constraint(op.f("ck_ticket_events_kind"), "ticket_events", type_="check")
    op.create_check_constraint(op.f("ck_ticket_events_kind"), "ticket_events", _kinds(OLD_KINDS))
    op.drop_column("directory_accounts", "manager_dn")
    op.drop_column("requesters", "manager_id")
    op.drop_column("request_types", "approval")
