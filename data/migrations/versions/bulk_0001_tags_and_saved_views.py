"""tickets.tags (free-form, GIN-indexed for the list's tag filter) and saved_views (named list/board filters)

Adding the column with a constant default is a catalog change in PostgreSQL 11+: no table rewrite, even at a
million tickets. The GIN index is built once over empty arrays.

Revision ID: bulk_0001
Revises: scale2_0001
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "bulk_0001"
down_revision = "scale2_0001"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("tickets", sa.Column("tags", postgresql.ARRAY(sa.Text()), server_default="{}", nullable=False))
    op.create_index("ix_tickets_tags", "tickets", ["tags"], postgresql_using="gin")
    op.create_table(
        "saved_views",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=True),
        sa.Column("page", sa.String(length=10), server_default="tickets", nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("filter", postgresql.JSONB(astext_type=sa.Text()), server_default="{}", nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint("page IN ('tickets', 'board')", name=op.f("ck_saved_views_page")),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_saved_views_user_id_users"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["team_id"], ["teams.id"], name=op.f("fk_saved_views_team_id_teams"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_saved_views")),
        sa.UniqueConstraint("user_id", "page", "name", name=op.f("uq_saved_views_user_id_page_name")),
    )
    op.create_index("ix_saved_views_team", "saved_views", ["team_id"])


def downgrade():
    op.drop_table("saved_views")
    op.drop_index("ix_tickets_tags", table_name="tickets")
    op.drop_column("tickets", "tags")
