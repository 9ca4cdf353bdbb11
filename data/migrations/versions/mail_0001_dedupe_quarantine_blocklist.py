"""mail: content hash dedup, quarantine state and reason keys on inbound messages; blocked senders;
the reopen window and plus-addressed replies per mailbox

Revision ID: mail_0001
Revises: history_0001
"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

revision = "mail_0001"
down_revision = "history_0001"
branch_labels = None
depends_on = None

OLD_STATES = "state IN ('received', 'processed', 'failed', 'skipped')"
NEW_STATES = "state IN ('received', 'processed', 'failed', 'skipped', 'quarantined')"


def upgrade() -> None:
    op.add_column("inbound_messages", sa.Column("content_hash", sa.String(length=80), nullable=True))
    op.add_column("inbound_messages", sa.Column("reason_key", sa.String(length=80), nullable=True))
    op.add_column("inbound_messages", sa.Column("reason_args", postgresql.JSONB(), nullable=True))
    op.alter_column("inbound_messages", "state", type_=sa.String(length=12), existing_nullable=False)
    op.drop_constraint(op.f("ck_inbound_messages_state"), "inbound_messages", type_="check")
    op.create_check_constraint(op.f("ck_inbound_messages_state"), "inbound_messages", NEW_STATES)
    # One message, one row, whatever mailbox or redelivery brought it (ingest/email/dedupe.py).
    op.create_index("uq_inbound_messages_content_hash", "inbound_messages", ["channel", "content_hash"], unique=True,
                    postgresql_where=sa.text("content_hash IS NOT NULL"))
    op.create_index("ix_inbound_messages_quarantined", "inbound_messages", ["state"],
                    postgresql_where=sa.text("state = 'quarantined'"))
    op.create_index("ix_inbound_messages_received", "inbound_messages", ["received_at"])
    op.add_column("mailboxes", sa.Column("reopen_days", sa.Integer(), nullable=True))
    op.add_column("mailboxes", sa.Column("plus_addressing", sa.Boolean(), server_default="false", nullable=False))
    op.create_table(
        "blocked_senders",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("pattern", sa.String(length=254), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(["created_by_id"], ["users.id"], name=op.f("fk_blocked_senders_created_by_id_users"),
                                ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_blocked_senders")),
        sa.UniqueConstraint("pattern", name=op.f("uq_blocked_senders_pattern")),
    )


def downgrade() -> None:
    op.drop_table("blocked_senders")
    op.drop_column("mailboxes", "plus_addressing")
    op.drop_column("mailboxes", "reopen_days")
    op.drop_index("ix_inbound_messages_received", table_name="inbound_messages")
    op.drop_index("ix_inbound_messages_quarantined", table_name="inbound_messages")
    op.drop_index("uq_inbound_messages_content_hash", table_name="inbound_messages")
    op.execute("UPDATE inbound_messages SET state = 'failed' WHERE state = 'quarantined'")
    op.drop_constraint(op.f("ck_inbound_messages_state"), "inbound_messages", type_="check")
    op.create_check_constraint(op.f("ck_inbound_messages_state"), "inbound_messages", OLD_STATES)
    op.alter_column("inbound_messages", "state", type_=sa.String(length=10), existing_nullable=False)
    op.drop_column("inbound_messages", "reason_args")
    op.drop_column("inbound_messages", "reason_key")
    op.drop_column("inbound_messages", "content_hash")
