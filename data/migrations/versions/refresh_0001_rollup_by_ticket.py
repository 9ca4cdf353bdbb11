"""The rollup refreshed ticket by ticket: analytics_tickets, one row per key in analytics_daily and
analytics_dist, and the smaller tables as plain tables instead of materialised views

A refresh now subtracts what changed tickets contributed when last counted (analytics_tickets remembers
their state) and adds what they contribute now, adding to rows in place: each key of analytics_daily and
analytics_dist is unique (NULLs equal). The rollup is emptied and its state cleared: until the job
worker's next refresh rebuilds it (at a million tickets, a few minutes; or `python -m data
analytics-rollup` right after migrating), pages compute from the events ("Live data").

Revision ID: refresh_0001
Revises: effi_0001
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "refresh_0001"
down_revision = "effi_0001"
branch_labels = None
depends_on = None

DIMS = ("service_id", "team_id", "board_id", "assignee_id", "priority_id", "channel")
# The materialised views older code built (data/metrics/rollup_tables.py now builds tables of these names).
VIEWS = ("analytics_dist_month_coarse", "analytics_cycle_agent_month", "analytics_dist_month", "analytics_agent_month",
         "analytics_daily_priority", "analytics_daily_agent", "analytics_daily_coarse")


def upgrade() -> None:
    for name in VIEWS:
        op.execute(f"DROP MATERIALIZED VIEW IF EXISTS {name}")
    op.execute("DELETE FROM analytics_state")
    op.execute("TRUNCATE analytics_daily, analytics_dist, analytics_monthly")
    op.create_index("ux_analytics_daily_key", "analytics_daily", ["stream", "day", *DIMS], unique=True,
                    postgresql_nulls_not_distinct=True)
    op.create_index("ux_analytics_dist_key", "analytics_dist", ["metric", "day", "value", *DIMS], unique=True,
                    postgresql_nulls_not_distinct=True)
    op.create_table(
        "analytics_tickets",
        sa.Column("ticket_id", sa.BigInteger(), nullable=False),
        sa.Column("last_event_id", sa.BigInteger()),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("first_response_at", sa.DateTime(timezone=True)),
        sa.Column("service_id", sa.Integer()),
        sa.Column("team_id", sa.Integer()),
        sa.Column("board_id", sa.Integer()),
        sa.Column("assignee_id", sa.Integer()),
        sa.Column("priority_id", sa.Integer()),
        sa.Column("channel", sa.String(10)),
        sa.Column("fr_breached", sa.Boolean()),
        sa.Column("res_cycles", postgresql.ARRAY(sa.Integer())),
        sa.Column("res_breached", postgresql.ARRAY(sa.Boolean())),
        sa.PrimaryKeyConstraint("ticket_id", name=op.f("pk_analytics_tickets")),
    )


def downgrade() -> None:
    for name in VIEWS:
        op.execute(f"DROP TABLE IF EXISTS {name}")
    op.execute("DELETE FROM analytics_state")  # older code rebuilds its views on its next refresh
    op.drop_table("analytics_tickets")
    op.drop_index("ux_analytics_dist_key", table_name="analytics_dist")
    op.drop_index("ux_analytics_daily_key", table_name="analytics_daily")
