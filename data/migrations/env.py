"""Alembic environment: the URL comes from data.db, the metadata from data.models.

data.migrate.upgrade() hands in its connection (config.attributes["connection"]) so that joining old
branch heads and the migrations share one transaction; other commands connect here.
"""
from alembic import context
from sqlalchemy import create_engine, pool

from data.db import database_url
from data.models import Base

target_metadata = Base.metadata


def run_migrations(connection) -> None:
    context.configure(connection=connection, target_metadata=target_metadata, compare_type=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    given = context.config.attributes.get("connection")
    if given is not None:
        run_migrations(given)
        return
    url = context.config.get_main_option("sqlalchemy.url") or database_url()
    engine = create_engine(url, poolclass=pool.NullPool)
    with engine.connect() as connection:
        run_migrations(connection)


run_migrations_online()
