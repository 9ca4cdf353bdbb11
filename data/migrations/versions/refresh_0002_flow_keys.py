"""Flow efficiency's and the SLEs' rollup tables keyed one row per key (unique, NULLs equal), as analytics_daily
and analytics_dist are: a refresh adds each changed ticket's difference to their rows in place
(data/metrics/rollup_flow_delta.py) instead of recomputing whole days. Each key begins with the day (the
month), so it replaces the index on the day alone that the pages' ranges read.

The rows a build makes are already one per key, so the rollup is kept (no rebuild needed).

Revision ID: refresh_0002
Revises: refresh_0001
"""
from alembic import op

revision = "refresh_0002"
down_revision = "refresh_0001"
branch_labels = None
depends_on = None

DIMS = ("service_id", "team_id", "board_id", "assignee_id", "priority_id", "channel")
COARSE = DIMS[:3]
SLE = ("column_id", "status", "hours")
# table: (the index it replaces, its first column, the rest of the key)
KEYS = {
    "analytics_flow": ("ix_analytics_flow_day", "day", DIMS),
    "analytics_flow_coarse": ("ix_analytics_flow_coarse_day", "day", COARSE),
    "analytics_sle": ("ix_analytics_sle_day", "day", (*DIMS, *SLE)),
    "analytics_sle_month": ("ix_analytics_sle_month_month", "month", (*COARSE, *SLE)),
}


def upgrade() -> None:
    for table, (old, first, rest) in KEYS.items():
        op.create_index(f"ux_{table}_key", table, [first, *rest], unique=True, postgresql_nulls_not_distinct=True)
        op.drop_index(old, table_name=table)


def downgrade() -> None:
    for table, (old, first, _) in KEYS.items():
        op.create_index(old, table, [first])
        op.drop_index(f"ux_{table}_key", table_name=table)
