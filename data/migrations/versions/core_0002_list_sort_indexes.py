"""Indexes for sorting the ticket list by title at a million tickets.

Revision ID: core_0002
Revises: 0001
"""
from alembic import op

revision = "core_0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("CREATE INDEX IF NOT EXISTS ix_tickets_title ON tickets (title)")


def downgrade() -> None:
    op.execute("DROP INDEX IF EXISTS ix_tickets_title")
