"""board_columns.outcome: how a finished request ended, 'done' or 'declined' (the portal shows them apart)

Every existing done column gets 'done'; done columns named like отклон*/declin*/reject* get 'declined'.
Other kinds keep NULL (only a done column ends a request).

Revision ID: adminforms_0001
Revises: bulk_0001
"""
from alembic import op
import sqlalchemy as sa

revision = "adminforms_0001"
down_revision = "bulk_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("board_columns", sa.Column("outcome", sa.String(length=12), nullable=True))
    op.create_check_constraint(op.f("ck_board_columns_outcome"), "board_columns",
                               "outcome IS NULL OR outcome IN ('done', 'declined')")
    op.execute("UPDATE board_columns SET outcome = CASE WHEN name ~* '(отклон|declin|reject)' THEN 'declined' "
               "ELSE 'done' END WHERE kind = 'done'")


def downgrade() -> None:
    op.drop_constraint(op.f("ck_board_columns_outcome"), "board_columns", type_="check")
    op.drop_column("board_columns", "outcome")
