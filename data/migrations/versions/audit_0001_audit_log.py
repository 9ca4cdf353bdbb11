"""audit: the append-only audit log (admin changes, sign-ins, exports, permission refusals)

Revision ID: audit_0001
Revises: weekly_0001

A trigger refuses UPDATE, DELETE and TRUNCATE on audit_entries. The one exception is the retention
prune (data/audit/log.py prune): it sets the transaction-local setting `okno.audit_prune` to 'on'
around its DELETE; the trigger lets a DELETE through only while that is set.
"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

revision = "audit_0001"
down_revision = "weekly_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "audit_entries",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("actor_label", sa.String(length=300), server_default="", nullable=False),
        sa.Column("address", postgresql.INET(), nullable=True),
        sa.Column("action", sa.String(length=60), nullable=False),
        sa.Column("object_type", sa.String(length=60), nullable=True),
        sa.Column("object_id", sa.String(length=60), nullable=True),
        sa.Column("object_label", sa.Text(), server_default="", nullable=False),
        sa.Column("before", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("after", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_entries")),
    )
    op.create_index("ix_audit_entries_at", "audit_entries", ["at"])
    op.create_index("ix_audit_entries_actor_at", "audit_entries", ["actor_id", "at"])
    op.create_index("ix_audit_entries_action_at", "audit_entries", ["action", "at"])
    op.create_index("ix_audit_entries_object", "audit_entries", ["object_type", "object_id"])
    op.execute("""
CREATE FUNCTION audit_entries_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' AND current_setting('okno.audit_prune', true) = 'on' THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION 'audit_entries is append-only: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
END $$""")
    op.execute("""CREATE TRIGGER audit_entries_append_only BEFORE UPDATE OR DELETE ON audit_entries
                  FOR EACH ROW EXECUTE FUNCTION audit_entries_append_only()""")
    op.execute("""CREATE TRIGGER audit_entries_no_truncate BEFORE TRUNCATE ON audit_entries
                  FOR EACH STATEMENT EXECUTE FUNCTION audit_entries_append_only()""")


def downgrade() -> None:
    op.drop_table("audit_entries")
    op.execute("DROP FUNCTION audit_entries_append_only()")
