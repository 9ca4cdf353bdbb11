"""api: personal access tokens of staff for the metrics API (only a hash of each secret)

Revision ID: api_0001
Revises: scale_0001
"""
from alembic import op
import sqlalchemy as sa

revision = "api_0001"
down_revision = "scale_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "personal_tokens",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("prefix", sa.String(length=12), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_personal_tokens_user_id_users"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_personal_tokens")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_personal_tokens_token_hash")),
    )
    op.create_index(op.f("ix_personal_tokens_user_id"), "personal_tokens", ["user_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_personal_tokens_user_id"), table_name="personal_tokens")
    op.drop_table("personal_tokens")
