"""The migrations form one line, and `upgrade head` reaches it from an empty database, from a database
made while each feature had a branch of its own (several rows in alembic_version), and from one only
partly migrated under that old graph. Each test migrates a database of its own."""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, inspect, text

from data import db
from data.migrate import alembic_config, upgrade
from data.migrations.old_heads import UnknownMigrationState
from data.models import Base
from data.ops.scratch import scratch_database

ROOT = Path(__file__).resolve().parents[1]
MIGRATIONS = ROOT / "data" / "migrations"

# The graph on main before the branches were chained: every revision's parent. It is history, written
# out here on purpose rather than read from the code under test.
OLD_PARENTS = {
    "0001": None,
    "analytics_0001": "0001",
    "core_0002": "0001",
    "email_0001": "0001",
    "portal_0001": "0001",
    "portal_0002": "portal_0001",
    "sla_0001": "0001",
    "telegram_0001": "0001",
    "weekly_0001": "0001",
}
OLD_HEADS = ["analytics_0001", "core_0002", "email_0001", "portal_0002", "sla_0001", "telegram_0001", "weekly_0001"]


@pytest.fixture
def empty_db():
    with scratch_database(db.database_url(), "okno_migrations", migrate=False) as url:
        yield url


@pytest.fixture
def old_graph(tmp_path) -> Path:
    """A copy of the migrations with today's files wired as the old branches (what main ran before)."""
    copy = tmp_path / "migrations"
    shutil.copytree(MIGRATIONS, copy, ignore=shutil.ignore_patterns("__pycache__"))
    for path in (copy / "versions").glob("*.py"):
        source = path.read_text()
        rev = re.search(r"^revision = ['\"](\w+)['\"]", source, re.M).group(1)
        if rev not in OLD_PARENTS:  # written after the branches became one line: not part of that graph
            path.unlink()
            continue
        parent = OLD_PARENTS[rev]
        path.write_text(re.sub(r"^down_revision = .*$", f"down_revision = {parent!r}", source, flags=re.M))
    assert sorted(ScriptDirectory(str(copy)).get_heads()) == OLD_HEADS
    return copy


def old_upgrade(url: str, old_graph: Path, revision: str) -> None:
    cfg = alembic_config(url)
    cfg.set_main_option("script_location", str(old_graph))
    command.upgrade(cfg, revision)


def head() -> str:
    (only,) = ScriptDirectory.from_config(alembic_config()).get_heads()
    return only


def versions(url: str) -> list[str]:
    engine = create_engine(url)
    try:
        with engine.connect() as c:
            return sorted(c.execute(text("SELECT version_num FROM alembic_version")).scalars())
    finally:
        engine.dispose()


def missing_tables(url: str) -> set[str]:
    """Tables the models declare that the database lacks."""
    engine = create_engine(url)
    try:
        return set(Base.metadata.tables) - set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def test_one_head():
    assert len(ScriptDirectory.from_config(alembic_config()).get_heads()) == 1


def test_the_old_revisions_keep_their_ids_on_one_line():
    script = ScriptDirectory.from_config(alembic_config())
    line = [s.revision for s in script.walk_revisions()]
    assert set(OLD_PARENTS) <= set(line)
    assert len(line) == len(set(line))
    assert all(len(script.get_revision(rev).nextrev) <= 1 for rev in line)  # no branch points


def test_upgrade_head_on_an_empty_database_creates_every_model_table(empty_db):
    upgrade(empty_db)
    assert missing_tables(empty_db) == set()
    assert versions(empty_db) == [head()]


def test_a_database_made_by_the_branched_code_reaches_head_through_python_m_data_migrate(empty_db):
    upgrade(empty_db, "weekly_0001")  # the last revision the branched code had
    engine = create_engine(empty_db)
    with engine.begin() as c:  # as main left it: one row per branch head
        c.execute(text("DELETE FROM alembic_version"))
        for rev in OLD_HEADS:
            c.execute(text("INSERT INTO alembic_version VALUES (:v)"), {"v": rev})
    engine.dispose()

    run = subprocess.run([sys.executable, "-m", "data", "migrate"], cwd=ROOT, capture_output=True, text=True,
                         env=dict(os.environ, DATABASE_URL=empty_db))

    assert run.returncode == 0, run.stderr
    assert "migrations applied" in run.stdout
    assert "old branch heads" in run.stderr  # the operator sees what was rewritten
    assert versions(empty_db) == [head()]
    assert missing_tables(empty_db) == set()


def test_the_old_graph_upgraded_to_all_heads_then_migrated(empty_db, old_graph):
    old_upgrade(empty_db, old_graph, "heads")
    assert versions(empty_db) == OLD_HEADS
    upgrade(empty_db)
    assert versions(empty_db) == [head()]
    assert missing_tables(empty_db) == set()


@pytest.mark.parametrize("applied", [
    ["0001"],
    ["email_0001"],  # a feature branch's database: the last revision on the line, with nothing before it
    ["portal_0002"],
    ["sla_0001", "analytics_0001"],
    ["portal_0001", "core_0002", "weekly_0001"],
])
def test_a_partly_migrated_old_database_reaches_head_with_every_table(empty_db, old_graph, applied):
    for rev in applied:
        old_upgrade(empty_db, old_graph, rev)
    assert versions(empty_db) == sorted(applied)
    assert missing_tables(empty_db)

    upgrade(empty_db)

    assert versions(empty_db) == [head()]
    assert missing_tables(empty_db) == set()


def test_a_state_neither_graph_explains_is_refused_and_left_as_it_was(empty_db, old_graph):
    # email_0001 alone, yet the SLA tables exist and the portal ones do not: no reading fits.
    old_upgrade(empty_db, old_graph, "email_0001")
    old_upgrade(empty_db, old_graph, "sla_0001")
    engine = create_engine(empty_db)
    with engine.begin() as c:
        c.execute(text("DELETE FROM alembic_version WHERE version_num = 'sla_0001'"))
    engine.dispose()
    before = missing_tables(empty_db)

    with pytest.raises(UnknownMigrationState, match="email_0001"):
        upgrade(empty_db)

    assert versions(empty_db) == ["email_0001"]
    assert missing_tables(empty_db) == before


def test_downgrade_to_base_and_up_again(empty_db):
    cfg = alembic_config(empty_db)
    upgrade(empty_db)
    command.downgrade(cfg, "telegram_0001")  # one row mid-line: the line, not an old branch
    upgrade(empty_db)
    assert versions(empty_db) == [head()]

    command.downgrade(cfg, "base")
    engine = create_engine(empty_db)
    assert set(inspect(engine).get_table_names()) == {"alembic_version"}
    engine.dispose()
    assert versions(empty_db) == []

    upgrade(empty_db)
    assert versions(empty_db) == [head()]
    assert missing_tables(empty_db) == set()


def test_existing_done_columns_get_an_outcome_and_declined_names_read_declined(empty_db):
    """adminforms_0001: done columns become 'done', those named like отклон*/declin*/reject* 'declined'."""
    cfg = alembic_config(empty_db)
    command.upgrade(cfg, "bulk_0001")
    engine = create_engine(empty_db)
    try:
        with engine.begin() as c:
            board = c.execute(text("INSERT INTO boards (name, lane_mode) VALUES ('B', 'none') RETURNING id")).scalar()
            for position, (name, kind) in enumerate([("Готово", "done"), ("Отклонено", "done"),
                                                     ("Rejected", "done"), ("В работе", "in_progress")]):
                c.execute(text("INSERT INTO board_columns (board_id, name, kind, position) VALUES (:b, :n, :k, :p)"),
                          {"b": board, "n": name, "k": kind, "p": position})
        command.upgrade(cfg, "adminforms_0001")
        with engine.connect() as c:
            rows = dict(c.execute(text("SELECT name, outcome FROM board_columns")).all())
    finally:
        engine.dispose()
    assert rows == {"Готово": "done", "Отклонено": "declined", "Rejected": "declined", "В работе": None}
