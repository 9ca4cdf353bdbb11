"""Apply Alembic migrations programmatically (`python -m data migrate`)."""
from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, pool

from data import db
from data.migrations.old_heads import join_old_heads

HERE = Path(__file__).resolve().parent


def alembic_config(url: str | None = None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(HERE / "migrations"))
    if url:
        cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def upgrade(url: str | None = None, revision: str = "head") -> None:
    """Bring the database to `revision` along the one line of migrations, in one transaction.

    A database migrated while features had branches of their own is first joined onto the line
    (data/migrations/old_heads.py); if anything fails, nothing of it stays.
    """
    cfg = alembic_config(url)
    engine = create_engine(db.normalise_url(url) if url else db.database_url(), poolclass=pool.NullPool)
    try:
        with engine.begin() as connection:
            join_old_heads(connection, ScriptDirectory.from_config(cfg))
            cfg.attributes["connection"] = connection  # env.py migrates in this transaction
            command.upgrade(cfg, revision)
    finally:
        engine.dispose()


def autogenerate(message: str, url: str | None = None) -> None:
    """Developers: write a new migration from the difference between models and database."""
    command.revision(alembic_config(url), message=message, autogenerate=True)
