"""tickets: an index on the SLA due time, for the list's "due" sort and its "due today" filter

Ordered like the other sort keys (scale_0001): (sla_due_at ASC NULLS LAST, id DESC), so ascending walks it
forwards and descending backwards, one page at a time, even at a million tickets.

Revision ID: a11y_0001
Revises: csat_0001
"""
from alembic import op

revision = "a11y_0001"
down_revision = "csat_0001"
branch_labels = None
depends_on = None


def upgrade():
    op.execute("CREATE INDEX ix_tickets_sla_due_at ON tickets (sla_due_at ASC NULLS LAST, id DESC)")


def downgrade():
    op.execute("DROP INDEX ix_tickets_sla_due_at")
