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
    op.create_index("ix_tickets_title", "tickets", ["title"])


def downgrade() -> None:
    op.drop_index("ix_tickets_title", table_name="tickets")
