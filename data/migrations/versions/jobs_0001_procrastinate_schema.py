"""jobs: procrastinate's job queue tables (data/jobs.py), for the version pinned in requirements.txt

Revision ID: jobs_0001
Revises: audit_0001

The schema SQL ships with procrastinate; it is applied as it is, through the raw psycopg connection
inside Alembic's transaction (SQLAlchemy's exec_driver_sql would read the `%` in its functions as
placeholders). Upgrading procrastinate later means a new migration that applies the files of
`SchemaManager.get_migrations_path()` between the two versions.
"""
from alembic import op

revision = 'jobs_0001'
down_revision = 'audit_0001'
branch_labels = None
depends_on = None

PROCRASTINATE_VERSION = "3.10.0"  # the schema below is this version's; requirements.txt pins it


def upgrade() -> None:
    from procrastinate.schema import SchemaManager
    bind = op.get_bind()
    # A database where an operator already applied it (`procrastinate schema --apply`) keeps its own.
    if bind.exec_driver_sql("SELECT to_regclass('procrastinate_jobs')").scalar() is None:
        bind.connection.driver_connection.execute(SchemaManager.get_schema())


def downgrade() -> None:
    # Everything procrastinate created is named procrastinate_*: tables (with their triggers and
    # indexes), then functions, then types.
    op.execute("""
    DO $$
    DECLARE r record;
    BEGIN
      FOR r IN SELECT tablename FROM pg_tables WHERE schemaname = current_schema()
               AND tablename LIKE 'procrastinate\\_%' LOOP
        EXECUTE format('DROP TABLE IF EXISTS %I CASCADE', r.tablename);
      END LOOP;
      FOR r IN SELECT p.oid::regprocedure AS sig FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
               WHERE n.nspname = current_schema() AND p.proname LIKE 'procrastinate\\_%' LOOP
        EXECUTE format('DROP FUNCTION IF EXISTS %s CASCADE', r.sig);
      END LOOP;
      FOR r IN SELECT t.typname FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
               WHERE n.nspname = current_schema() AND t.typname LIKE 'procrastinate\\_%' AND t.typtype IN ('e', 'c') LOOP
        EXECUTE format('DROP TYPE IF EXISTS %I CASCADE', r.typname);
      END LOOP;
    END $$""")
