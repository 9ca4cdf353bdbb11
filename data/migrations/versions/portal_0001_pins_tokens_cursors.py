"""portal: one-time PINs, integration tokens, round-robin cursors

Revision ID: portal_0001
Revises: sla_0001
"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

revision = "portal_0001"
down_revision = "sla_0001"  # was '0001': a branch of its own until the branches became one line
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "portal_pins",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("address", sa.String(254), nullable=False),
        sa.Column("purpose", sa.String(10), server_default="login", nullable=False),
        sa.Column("pin_hash", sa.String(64), nullable=False),
        sa.Column("ip", sa.String(64), nullable=True),
        sa.Column("payload", postgresql.JSONB(astext_type=sa.Text()), server_default="{}", nullable=False),
        sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("purpose IN ('login', 'link')", name=op.f("ck_portal_pins_purpose")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_portal_pins")),
    )
    op.create_index("ix_portal_pins_address_created", "portal_pins", ["address", "created_at"])
    op.create_index("ix_portal_pins_ip_created", "portal_pins", ["ip", "created_at"])
    op.create_table(
        "integration_tokens",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("prefix", sa.String(12), nullable=False),
        sa.Column("service_id", sa.Integer(), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["service_id"], ["services.id"], name=op.f("fk_integration_tokens_service_id_services"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["created_by_id"], ["users.id"], name=op.f("fk_integration_tokens_created_by_id_users"),
                                ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_integration_tokens")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_integration_tokens_token_hash")),
    )
    op.create_table(
        "routing_cursors",
        sa.Column("key", sa.String(80), nullable=False),
        sa.Column("last_user_id", sa.Integer(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_routing_cursors")),
    )


def downgrade() -> None:
    op.drop_table("routing_cursors")
    op.drop_table("integration_tokens")
    op.drop_index("ix_portal_pins_ip_created", table_name="portal_pins")
    op.drop_index("ix_portal_pins_address_created", table_name="portal_pins")
    op.drop_table("portal_pins")
