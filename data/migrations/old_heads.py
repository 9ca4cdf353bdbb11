"""Bring a database migrated under the old branched graph onto the single line of migrations.

Until the branches were chained, each feature's migrations formed an Alembic branch off 0001 and
`upgrade heads` applied them all, so alembic_version held one row per branch head. The same revisions
now form one line, and two things break on such a database: Alembic refuses to upgrade from several
rows that lie on one line, and one row now means "this revision and every one before it on the line",
which was not so before (a database at email_0001 alone had no SLA tables).

join_old_heads() runs, in the upgrade's transaction, the revisions such a database lacks below its
newest old head, then leaves that head as the only row; the upgrade then goes on along the line.
"""
from __future__ import annotations

import logging
from collections.abc import Callable, Iterable

from alembic.operations import Operations
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import text
from sqlalchemy.engine import Connection

log = logging.getLogger(__name__)

# The graph as it was (a frozen fact): each revision's parent, and a relation it creates, which shows
# in the schema whether it ran.
OLD_GRAPH: dict[str, tuple[str | None, str]] = {
    "0001": (None, "tickets"),
    "sla_0001": ("0001", "business_calendars"),
    "portal_0001": ("0001", "portal_pins"),
    "portal_0002": ("portal_0001", "column_fanouts"),
    "telegram_0001": ("0001", "telegram_drafts"),
    "core_0002": ("0001", "ix_tickets_title"),
    "analytics_0001": ("0001", "analytics_daily"),
    "email_0001": ("0001", "mailboxes"),
    "weekly_0001": ("0001", "export_jobs"),
}


class UnknownMigrationState(RuntimeError):
    """alembic_version and the schema agree with neither the old graph nor the line."""


def applied_under_old_graph(heads: Iterable[str]) -> set[str]:
    """The revisions a set of old heads stands for: each head and its ancestors in the old graph."""
    done: set[str] = set()
    for rev in heads:
        while rev is not None and rev not in done:
            done.add(rev)
            rev = OLD_GRAPH[rev][0]
    return done


def plan(current: set[str], line: list[str], exists: Callable[[str], bool]) -> tuple[list[str], str] | None:
    """(revisions to run, the one row to keep) for a database in the old state; None when it is on the line.

    `line` is every revision from base to head; `exists(relation)` looks at the schema.
    """
    if not current or not current <= OLD_GRAPH.keys():
        return None  # empty, or already at a revision the old graph never had
    newest = max(current, key=line.index)
    done = applied_under_old_graph(current)
    missing = [rev for rev in line[:line.index(newest)] if rev not in done]
    if len(current) == 1:
        if not missing:
            return None  # both readings of this row agree
        # One row reads two ways: "on the line up to here" or "this old branch only". The schema decides.
        present = [rev for rev in missing if exists(OLD_GRAPH[rev][1])]
        if len(present) == len(missing):
            return None
        if present:
            raise UnknownMigrationState(
                f"alembic_version holds {newest!r}, but of the revisions before it only {present} left their "
                f"tables and {sorted(set(missing) - set(present))} did not; repair the schema or alembic_version")
    return missing, newest


def join_old_heads(connection: Connection, script: ScriptDirectory) -> None:
    """Rewrite an old multi-head state into one row on the line, in the caller's transaction."""
    has_table = connection.execute(text("SELECT to_regclass('alembic_version') IS NOT NULL")).scalar()
    if not has_table:
        return
    current = set(connection.execute(text("SELECT version_num FROM alembic_version")).scalars())
    line = [s.revision for s in reversed(list(script.walk_revisions()))]

    def exists(relation: str) -> bool:
        return connection.execute(text("SELECT to_regclass(:r) IS NOT NULL"), {"r": relation}).scalar()

    steps = plan(current, line, exists)
    if steps is None:
        return
    missing, keep = steps
    with Operations.context(MigrationContext.configure(connection)):
        for rev in missing:  # in line order, which keeps the old graph's one chain (portal_0001, portal_0002)
            script.get_revision(rev).module.upgrade()
    connection.execute(text("DELETE FROM alembic_version"))
    connection.execute(text("INSERT INTO alembic_version (version_num) VALUES (:v)"), {"v": keep})
    log.warning("alembic_version held the old branch heads %s; ran the missing %s; kept %s as the one row",
                sorted(current), missing or "none", keep)
