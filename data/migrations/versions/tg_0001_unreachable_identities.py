"""tg: a requester identity the channel can no longer reach (a Telegram user who blocked the bot or
deleted the chat): when and why, shown on the card; replies then go to the requester's email.

Revision ID: tg_0001
Revises: ux_0001
"""
import sqlalchemy as sa
from alembic import op

revision = "tg_0001"
down_revision = "ux_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("requester_identities", sa.Column("unreachable_at", sa.DateTime(timezone=True)))
    op.add_column("requester_identities", sa.Column("unreachable_reason", sa.Text()))


def downgrade() -> None:
    op.drop_column("requester_identities", "unreachable_reason")
    op.drop_column("requester_identities", "unreachable_at")
