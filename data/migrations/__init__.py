"""Alembic migrations: one line of revisions under versions/, applied by `python -m data migrate`.

A new migration revises the current head (`alembic_config()` in data/migrate.py points Alembic here).
old_heads.py brings databases migrated while each feature had a branch of its own onto the line.
"""
