"""ldap: directory groups mapped to roles and teams, staff users who sign in with the company directory

Revision ID: ldap_0001
Revises: jobs_0001
"""
from alembic import op
import sqlalchemy as sa

revision = "ldap_0001"
down_revision = "jobs_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "directory_groups",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("group_dn", sa.String(length=500), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint("role IN ('admin', 'manager', 'agent', 'analyst', 'director')",
                           name=op.f("ck_directory_groups_role")),
        sa.ForeignKeyConstraint(["team_id"], ["teams.id"], name=op.f("fk_directory_groups_team_id_teams"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_directory_groups")),
    )
    op.create_index("uq_directory_groups_group_dn", "directory_groups", [sa.text("lower(group_dn)")], unique=True)
    op.create_table(
        "directory_accounts",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("dn", sa.String(length=500), nullable=False),
        sa.Column("login", sa.String(length=254), nullable=False),
        sa.Column("disabled_reason", sa.String(length=20), nullable=True),
        sa.Column("synced_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_directory_accounts_user_id_users"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_directory_accounts")),
    )
    op.create_index(op.f("ix_directory_accounts_dn"), "directory_accounts", ["dn"], unique=False)
    op.create_index(op.f("ix_directory_accounts_login"), "directory_accounts", ["login"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_directory_accounts_login"), table_name="directory_accounts")
    op.drop_index(op.f("ix_directory_accounts_dn"), table_name="directory_accounts")
    op.drop_table("directory_accounts")
    op.drop_index("uq_directory_groups_group_dn", table_name="directory_groups")
    op.drop_table("directory_groups")
