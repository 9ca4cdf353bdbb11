"""telegram conversation drafts

Revision ID: telegram_0001
Revises: portal_0002
"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

revision = "telegram_0001"
down_revision = "portal_0002"  # was '0001': a branch of its own until the branches became one line
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "telegram_drafts",
        sa.Column("chat_id", sa.String(length=40), nullable=False),
        sa.Column("requester_id", sa.Integer(), nullable=True),
        sa.Column("step", sa.String(length=20), server_default="idle", nullable=False),
        sa.Column("nonce", sa.String(length=12), nullable=False),
        sa.Column("locale", sa.String(length=5), server_default="ru", nullable=False),
        sa.Column("data", postgresql.JSONB(astext_type=sa.Text()), server_default="{}", nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(["requester_id"], ["requesters.id"], name=op.f("fk_telegram_drafts_requester_id_requesters"),
                                ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("chat_id", name=op.f("pk_telegram_drafts")),
    )
    # A reply to the bot's message finds its request through the outbox row that sent it.
    op.create_index("ix_outbox_telegram_sent", "outbox", ["recipient", "external_id"],
                    postgresql_where=sa.text("channel = 'telegram' AND external_id IS NOT NULL"))


def downgrade() -> None:
    op.drop_index("ix_outbox_telegram_sent", table_name="outbox")
    op.drop_table("telegram_drafts")
