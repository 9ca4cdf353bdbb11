"""recurring: request templates filed on a schedule, and the occurrences filed (exactly once each)

Revision ID: recurring_0001
Revises: calendar_0001
"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

revision = "recurring_0001"
down_revision = "calendar_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "recurring_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("service_id", sa.Integer(), nullable=False),
        sa.Column("request_type_id", sa.Integer(), nullable=True),
        sa.Column("title", sa.String(length=500), nullable=False),
        sa.Column("description", sa.Text(), server_default="", nullable=False),
        sa.Column("fields", postgresql.JSONB(astext_type=sa.Text()), server_default="{}", nullable=False),
        sa.Column("requester_id", sa.Integer(), nullable=False),
        sa.Column("assignee_id", sa.Integer(), nullable=True),
        sa.Column("schedule", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("calendar_id", sa.Integer(), nullable=True),
        sa.Column("is_active", sa.Boolean(), server_default="true", nullable=False),
        sa.Column("next_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(["service_id"], ["services.id"], name=op.f("fk_recurring_requests_service_id_services"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["request_type_id"], ["request_types.id"],
                                name=op.f("fk_recurring_requests_request_type_id_request_types"), ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["requester_id"], ["requesters.id"],
                                name=op.f("fk_recurring_requests_requester_id_requesters"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["assignee_id"], ["users.id"], name=op.f("fk_recurring_requests_assignee_id_users"),
                                ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["calendar_id"], ["business_calendars.id"],
                                name=op.f("fk_recurring_requests_calendar_id_business_calendars"), ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["created_by_id"], ["users.id"], name=op.f("fk_recurring_requests_created_by_id_users"),
                                ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_recurring_requests")),
    )
    op.create_index(op.f("ix_recurring_requests_next_at"), "recurring_requests", ["next_at"])
    op.create_table(
        "recurring_runs",
        sa.Column("recurring_id", sa.Integer(), nullable=False),
        sa.Column("occurrence", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ticket_id", sa.BigInteger(), nullable=True),
        sa.Column("filed_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("error", sa.String(length=500), nullable=True),
        sa.Column("attempts", sa.Integer(), server_default="1", nullable=False),
        sa.ForeignKeyConstraint(["recurring_id"], ["recurring_requests.id"],
                                name=op.f("fk_recurring_runs_recurring_id_recurring_requests"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["ticket_id"], ["tickets.id"], name=op.f("fk_recurring_runs_ticket_id_tickets"),
                                ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("recurring_id", "occurrence", name=op.f("pk_recurring_runs")),
    )


def downgrade() -> None:
    op.drop_table("recurring_runs")
    op.drop_index(op.f("ix_recurring_requests_next_at"), table_name="recurring_requests")
    op.drop_table("recurring_requests")
