"""signin: users.session_version (server-side logout), login throttles, wrong PINs per address

Revision ID: signin_0001
Revises: ldap_0001
"""
from alembic import op
import sqlalchemy as sa

revision = "signin_0001"
down_revision = "ldap_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("users", sa.Column("session_version", sa.Integer(), server_default="0", nullable=False))
    op.create_table(
        "login_throttles",
        sa.Column("scope", sa.String(length=10), nullable=False),
        sa.Column("key", sa.String(length=254), nullable=False),
        sa.Column("failures", sa.Integer(), server_default="0", nullable=False),
        sa.Column("last_failed_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("scope IN ('account', 'address')", name=op.f("ck_login_throttles_scope")),
        sa.PrimaryKeyConstraint("scope", "key", name=op.f("pk_login_throttles")),
    )
    op.create_table(
        "pin_failures",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("pin_id", sa.BigInteger(), nullable=False),
        sa.Column("ip", sa.String(length=64), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(["pin_id"], ["portal_pins.id"], name=op.f("fk_pin_failures_pin_id_portal_pins"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pin_failures")),
    )
    op.create_index("ix_pin_failures_pin_ip", "pin_failures", ["pin_id", "ip"])
    op.create_index("ix_pin_failures_ip_at", "pin_failures", ["ip", "at"])


def downgrade() -> None:
    op.drop_table("pin_failures")
    op.drop_table("login_throttles")
    op.drop_column("users", "session_version")
