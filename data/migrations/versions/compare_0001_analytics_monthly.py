"""analytics_monthly: before/after's per agent (and team) monthly samples, kept exact by the rollup

The table starts empty, so the analytics state is cleared: until the job worker's next refresh rebuilds
the whole rollup (this table with it), pages compute from the events ("Live data").

Revision ID: compare_0001
Revises: adminforms_0001
"""
import sqlalchemy as sa
from alembic import op

revision = "compare_0001"
down_revision = "adminforms_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "analytics_monthly",
        sa.Column("group_kind", sa.SmallInteger(), nullable=False),
        sa.Column("scope", sa.SmallInteger(), nullable=False),
        sa.Column("scope_id", sa.Integer(), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.Column("resolved", sa.Integer(), nullable=False),
        sa.Column("sla_met_n", sa.Integer(), nullable=False),
        sa.Column("sla_n", sa.Integer(), nullable=False),
        sa.Column("handle_p50", sa.Double()),
        sa.Column("handle_p85", sa.Double()),
        sa.PrimaryKeyConstraint("group_kind", "scope", "scope_id", "month", "group_id",
                                name=op.f("pk_analytics_monthly")),
    )
    op.execute("DELETE FROM analytics_state")


def downgrade() -> None:
    op.drop_table("analytics_monthly")
