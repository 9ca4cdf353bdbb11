"""analytics rollup from the event history: resolutions, reopens, status flows, exact distributions

The old analytics_daily kept tickets' current state (last resolution, binned first responses, cycle
time capped at 61 days); its rows can't be converted, so the tables are recreated empty and the
state row is removed: the next refresh (the job worker's, once a minute) rebuilds the whole rollup.

Revision ID: history_0001
Revises: api_0001
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "history_0001"
down_revision = "api_0001"
branch_labels = None
depends_on = None


def _dims():
    return [sa.Column("service_id", sa.Integer()), sa.Column("team_id", sa.Integer()),
            sa.Column("board_id", sa.Integer()), sa.Column("assignee_id", sa.Integer()),
            sa.Column("priority_id", sa.Integer()), sa.Column("channel", sa.String(10))]


def upgrade() -> None:
    for view in ("analytics_daily_coarse", "analytics_daily_agent", "analytics_dist_month"):
        op.execute(f"DROP MATERIALIZED VIEW IF EXISTS {view}")
    op.drop_table("analytics_daily")
    op.execute("DELETE FROM analytics_state")
    op.create_table(
        "analytics_daily",
        sa.Column("id", sa.BigInteger(), primary_key=True),
        *_dims(),
        sa.Column("stream", sa.SmallInteger(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("created", sa.Integer(), server_default="0", nullable=False),
        sa.Column("created_hours", postgresql.ARRAY(sa.Integer())),
        sa.Column("resolved", sa.Integer(), server_default="0", nullable=False),
        sa.Column("resolved_sla_met", sa.Integer(), server_default="0", nullable=False),
        sa.Column("resolved_sla_breached", sa.Integer(), server_default="0", nullable=False),
        sa.Column("reopens", sa.Integer(), server_default="0", nullable=False),
        sa.Column("status_net", postgresql.ARRAY(sa.Integer())),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_analytics_daily")),
    )
    op.create_index("ix_analytics_daily_day", "analytics_daily", ["day"])
    op.create_table(
        "analytics_dist",
        sa.Column("id", sa.BigInteger(), primary_key=True),
        *_dims(),
        sa.Column("metric", sa.SmallInteger(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("value", sa.Integer(), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.Column("breached", sa.Integer(), server_default="0", nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_analytics_dist")),
    )
    op.create_index("ix_analytics_dist_metric_day", "analytics_dist", ["metric", "day"])


def downgrade() -> None:
    for view in ("analytics_daily_coarse", "analytics_daily_agent", "analytics_dist_month"):
        op.execute(f"DROP MATERIALIZED VIEW IF EXISTS {view}")
    op.drop_table("analytics_dist")
    op.drop_table("analytics_daily")
    op.execute("DELETE FROM analytics_state")
    op.create_table(
        "analytics_daily",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("day", sa.Date(), nullable=False),
        *_dims(),
        sa.Column("created", sa.Integer(), server_default="0", nullable=False),
        sa.Column("created_hours", postgresql.ARRAY(sa.Integer())),
        sa.Column("response_hist", postgresql.ARRAY(sa.Integer())),
        sa.Column("response_breached", postgresql.ARRAY(sa.Integer())),
        sa.Column("unanswered", sa.Integer(), server_default="0", nullable=False),
        sa.Column("resolved", sa.Integer(), server_default="0", nullable=False),
        sa.Column("resolved_sla_met", sa.Integer(), server_default="0", nullable=False),
        sa.Column("resolved_sla_breached", sa.Integer(), server_default="0", nullable=False),
        sa.Column("resolved_reopened", sa.Integer(), server_default="0", nullable=False),
        sa.Column("cycle_hist", postgresql.ARRAY(sa.Integer())),
        sa.Column("reopens", sa.Integer(), server_default="0", nullable=False),
        sa.Column("reached", postgresql.ARRAY(sa.Integer())),
        sa.Column("stream", sa.SmallInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_analytics_daily")),
    )
    op.create_index("ix_analytics_daily_day", "analytics_daily", ["day"])
