"""calendar: the production calendar — shortened days on business calendars, a calendar's country, imported years

Revision ID: calendar_0001
Revises: signin_0001
"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

revision = "calendar_0001"
down_revision = "signin_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("business_calendars", sa.Column("short_days", postgresql.ARRAY(sa.Date()),
                                                  server_default="{}", nullable=False))
    op.add_column("business_calendars", sa.Column("country", sa.String(length=2), nullable=True))
    op.create_table(
        "production_years",
        sa.Column("country", sa.String(length=2), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=200), nullable=False),
        sa.Column("imported_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("imported_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["imported_by_id"], ["users.id"], name=op.f("fk_production_years_imported_by_id_users"),
                                ondelete="SET NULL"),
        sa.CheckConstraint("year BETWEEN 1990 AND 2200", name=op.f("ck_production_years_year")),
        sa.PrimaryKeyConstraint("country", "year", name=op.f("pk_production_years")),
    )
    op.create_table(
        "production_days",
        sa.Column("country", sa.String(length=2), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("kind", sa.String(length=5), nullable=False),
        sa.CheckConstraint("kind IN ('off', 'work', 'short')", name=op.f("ck_production_days_kind")),
        sa.CheckConstraint("extract(year FROM day) = year", name=op.f("ck_production_days_in_year")),
        sa.ForeignKeyConstraint(["country", "year"], ["production_years.country", "production_years.year"],
                                name=op.f("fk_production_days_country_production_years"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("country", "day", name=op.f("pk_production_days")),
    )


def downgrade() -> None:
    op.drop_table("production_days")
    op.drop_table("production_years")
    op.drop_column("business_calendars", "country")
    op.drop_column("business_calendars", "short_days")
