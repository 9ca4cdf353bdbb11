"""analytics_flow, analytics_sle, analytics_csat and their coarse tables: flow efficiency's sums, the per-column
SLE ages and the satisfaction counts in the rollup (data/metrics/rollup_flow.py, rollup_csat.py); an index of the
block events (blocked time)

The tables start empty, so the analytics state is cleared: until the job worker's next refresh rebuilds the
whole rollup (these tables with it), pages compute from the events ("Live data").

Revision ID: effi_0001
Revises: compare_0001
"""
import sqlalchemy as sa
from alembic import op

revision = "effi_0001"
down_revision = "compare_0001"
branch_labels = None
depends_on = None

_DIMS = ("service_id", "team_id", "board_id", "assignee_id", "priority_id")
_SUMS = ("cycles", "skipped")
_SECONDS = ("active_s", "queued_s", "blocked_s")


def _flow_columns():
    return ([sa.Column(c, sa.Integer(), nullable=False) for c in _SUMS]
            + [sa.Column(c, sa.Numeric(), nullable=False) for c in _SECONDS])


def upgrade() -> None:
    op.create_table(
        "analytics_flow",
        sa.Column("id", sa.BigInteger(), primary_key=True),
        sa.Column("day", sa.Date(), nullable=False),
        *[sa.Column(d, sa.Integer()) for d in _DIMS], sa.Column("channel", sa.String(10)),
        *_flow_columns(),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_analytics_flow")),
    )
    op.create_index("ix_analytics_flow_day", "analytics_flow", ["day"])
    op.create_table(
        "analytics_flow_coarse",
        sa.Column("id", sa.BigInteger(), primary_key=True),
        sa.Column("day", sa.Date(), nullable=False),
        *[sa.Column(d, sa.Integer()) for d in _DIMS[:3]],
        *_flow_columns(),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_analytics_flow_coarse")),
    )
    op.create_index("ix_analytics_flow_coarse_day", "analytics_flow_coarse", ["day"])
    op.create_table(
        "analytics_sle",
        sa.Column("id", sa.BigInteger(), primary_key=True),
        sa.Column("day", sa.Date(), nullable=False),
        *[sa.Column(d, sa.Integer()) for d in _DIMS], sa.Column("channel", sa.String(10)),
        sa.Column("column_id", sa.Integer()), sa.Column("status", sa.String(12)),
        sa.Column("hours", sa.Integer(), nullable=False), sa.Column("n", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_analytics_sle")),
    )
    op.create_index("ix_analytics_sle_day", "analytics_sle", ["day"])
    op.create_table(
        "analytics_sle_month",
        sa.Column("id", sa.BigInteger(), primary_key=True),
        sa.Column("month", sa.Date(), nullable=False),
        *[sa.Column(d, sa.Integer()) for d in _DIMS[:3]],
        sa.Column("column_id", sa.Integer()), sa.Column("status", sa.String(12)),
        sa.Column("hours", sa.Integer(), nullable=False), sa.Column("n", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_analytics_sle_month")),
    )
    op.create_index("ix_analytics_sle_month_month", "analytics_sle_month", ["month"])
    _csat_tables()
    # Blocked time's spans, read in order without the events' pages (ON a partitioned table: each month's too).
    op.execute("CREATE INDEX ix_ticket_events_blocks ON ticket_events (ticket_id, at, id) INCLUDE (kind, to_value)"
               " WHERE kind IN ('blocked', 'unblocked')")
    op.execute("DELETE FROM analytics_state")


def _counts():
    return [sa.Column("agent_id", sa.Integer())] + [sa.Column(c, sa.Integer(), nullable=False)
                                                    for c in ("asked", "rated", "score_sum")]


def _csat_tables() -> None:
    op.create_table(
        "analytics_csat",
        sa.Column("id", sa.BigInteger(), primary_key=True),
        sa.Column("day", sa.Date(), nullable=False),
        *[sa.Column(d, sa.Integer()) for d in _DIMS], sa.Column("channel", sa.String(10)),
        *_counts(),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_analytics_csat")),
    )
    op.create_index("ix_analytics_csat_day", "analytics_csat", ["day"])
    op.create_table(
        "analytics_csat_coarse",
        sa.Column("id", sa.BigInteger(), primary_key=True),
        sa.Column("day", sa.Date(), nullable=False),
        *[sa.Column(d, sa.Integer()) for d in _DIMS[:3]],
        *_counts(),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_analytics_csat_coarse")),
    )
    op.create_index("ix_analytics_csat_coarse_day", "analytics_csat_coarse", ["day"])


def downgrade() -> None:
    op.execute("DROP INDEX ix_ticket_events_blocks")
    for table in ("analytics_csat_coarse", "analytics_csat", "analytics_sle_month", "analytics_sle",
                  "analytics_flow_coarse", "analytics_flow"):
        op.drop_table(table)
