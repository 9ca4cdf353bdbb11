"""csat: satisfaction ratings, one per resolution of a ticket, with the hash of the single-use link token

Revision ID: csat_0001
Revises: kb_0001
"""
import sqlalchemy as sa
from alembic import op

revision = "csat_0001"
down_revision = "kb_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "ratings",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("ticket_id", sa.Integer, sa.ForeignKey("tickets.id", ondelete="CASCADE"), nullable=False),
        sa.Column("resolution", sa.Integer, nullable=False),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("requester_id", sa.Integer, sa.ForeignKey("requesters.id", ondelete="CASCADE"), nullable=False),
        sa.Column("agent_id", sa.Integer, sa.ForeignKey("users.id", ondelete="SET NULL")),
        sa.Column("channel", sa.String(10), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("asked_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("score", sa.SmallInteger),
        sa.Column("comment", sa.Text),
        sa.Column("rated_at", sa.DateTime(timezone=True)),
        sa.UniqueConstraint("ticket_id", "resolution", name=op.f("uq_ratings_ticket_resolution")),
        sa.CheckConstraint("score IS NULL OR score BETWEEN 1 AND 5", name=op.f("ck_ratings_score")),
        sa.CheckConstraint("comment IS NULL OR char_length(comment) <= 4000", name=op.f("ck_ratings_comment_length")),
        sa.CheckConstraint("(score IS NULL) = (rated_at IS NULL)", name=op.f("ck_ratings_rated_when_scored")),
    )
    op.create_index("ix_ratings_requester_id", "ratings", ["requester_id"])
    op.create_index("ix_ratings_agent_id", "ratings", ["agent_id"])
    op.create_index("ix_ratings_rated_at", "ratings", ["rated_at"])
    op.create_index("ix_ratings_resolved_at", "ratings", ["resolved_at"])


def downgrade() -> None:
    op.drop_table("ratings")
