"""portal: child cards created when a card enters a column

Revision ID: portal_0002
Revises: portal_0001
"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

revision = "portal_0002"
down_revision = "portal_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "column_fanouts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("column_id", sa.Integer(), nullable=False),
        sa.Column("children", postgresql.JSONB(astext_type=sa.Text()), server_default="[]", nullable=False),
        sa.Column("children_mode", sa.String(10), server_default="parallel", nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(["column_id"], ["board_columns.id"], name=op.f("fk_column_fanouts_column_id_board_columns"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_column_fanouts")),
        sa.UniqueConstraint("column_id", name=op.f("uq_column_fanouts_column_id")),
    )


def downgrade() -> None:
    op.drop_table("column_fanouts")
