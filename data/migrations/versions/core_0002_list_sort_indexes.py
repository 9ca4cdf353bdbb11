"""Indexes for sorting the ticket list by title at a million tickets.

Revision ID: core_0002
Revises: telegram_0001
"""
from alembic import op

revision = "core_0002"
down_revision = "telegram_0001"  # was '0001': a branch of its own until the branches became one line
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("CREATE INDEX IF NOT EXISTS ix_tickets_title ON tickets (title)")


def downgrade() -> None:
    op.execute("DROP INDEX IF EXISTS ix_tickets_title")
