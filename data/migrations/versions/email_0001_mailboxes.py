"""email channel: mailboxes, ticket participants, Message-ID lookups

Revision ID: email_0001
Revises: analytics_0001
"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

revision = "email_0001"
down_revision = "analytics_0001"  # was '0001': a branch of its own until the branches became one line
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "mailboxes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=4), nullable=False),
        sa.Column("address", sa.String(length=254), nullable=False),
        sa.Column("aliases", postgresql.ARRAY(sa.String(length=254)), server_default="{}", nullable=False),
        sa.Column("service_id", sa.Integer(), nullable=True),
        sa.Column("host", sa.String(length=253), nullable=True),
        sa.Column("port", sa.Integer(), nullable=True),
        sa.Column("use_ssl", sa.Boolean(), server_default="true", nullable=False),
        sa.Column("username", sa.String(length=254), nullable=True),
        sa.Column("secret", sa.Text(), nullable=True),
        sa.Column("auth_type", sa.String(length=20), nullable=True),
        sa.Column("folder", sa.String(length=200), server_default="INBOX", nullable=False),
        sa.Column("after_processing", sa.String(length=10), server_default="mark_read", nullable=False),
        sa.Column("move_to", sa.String(length=200), nullable=True),
        sa.Column("smtp_host", sa.String(length=253), nullable=True),
        sa.Column("smtp_port", sa.Integer(), nullable=True),
        sa.Column("smtp_ssl", sa.Boolean(), server_default="false", nullable=False),
        sa.Column("imap_uidvalidity", sa.BigInteger(), nullable=True),
        sa.Column("imap_last_uid", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("ews_sync_state", sa.Text(), nullable=True),
        sa.Column("enabled", sa.Boolean(), server_default="true", nullable=False),
        sa.Column("last_run_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint("kind IN ('ews', 'imap')", name=op.f("ck_mailboxes_kind")),
        sa.CheckConstraint("after_processing IN ('mark_read', 'move')", name=op.f("ck_mailboxes_after_processing")),
        sa.ForeignKeyConstraint(["service_id"], ["services.id"], name=op.f("fk_mailboxes_service_id_services"),
                                ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mailboxes")),
        sa.UniqueConstraint("address", name=op.f("uq_mailboxes_address")),
    )
    op.create_table(
        "ticket_participants",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("ticket_id", sa.BigInteger(), nullable=False),
        sa.Column("address", sa.String(length=254), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(["ticket_id"], ["tickets.id"], name=op.f("fk_ticket_participants_ticket_id_tickets"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ticket_participants")),
        sa.UniqueConstraint("ticket_id", "address", name=op.f("uq_ticket_participants_ticket_id_address")),
    )
    op.create_index("ix_outbox_external_id", "outbox", ["external_id"],
                    postgresql_where=sa.text("external_id IS NOT NULL"))
    op.create_index("ix_inbound_messages_external_id", "inbound_messages", ["external_id"])


def downgrade() -> None:
    op.drop_index("ix_inbound_messages_external_id", table_name="inbound_messages")
    op.drop_index("ix_outbox_external_id", table_name="outbox")
    op.drop_table("ticket_participants")
    op.drop_table("mailboxes")
