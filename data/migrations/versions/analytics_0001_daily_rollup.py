"""analytics daily rollup and its state

Revision ID: analytics_0001
Revises: core_0002
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "analytics_0001"
down_revision = "core_0002"  # was '0001': a branch of its own until the branches became one line
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "analytics_daily",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("service_id", sa.Integer()), sa.Column("team_id", sa.Integer()),
        sa.Column("board_id", sa.Integer()), sa.Column("assignee_id", sa.Integer()),
        sa.Column("priority_id", sa.Integer()), sa.Column("channel", sa.String(10)),
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
    op.create_table(
        "analytics_state",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("refreshed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_event_id", sa.BigInteger(), nullable=False, server_default="0"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_analytics_state")),
    )


def downgrade() -> None:
    op.drop_table("analytics_state")
    op.drop_table("analytics_daily")
