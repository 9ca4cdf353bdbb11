"""The tickets' insert triggers around the demo's bulk load: dropped while the rows are COPYed, then
each one's effect produced once for the whole load by the trigger's own function, and the trigger
created again from its stored definition (same name, same definition, same enabled state).

Why dropped and not disabled: PostgreSQL decides how COPY inserts from the triggers a table has,
enabled or not. A BEFORE ROW trigger makes it insert row by row instead of in batches, and a trigger
with a transition table makes it keep every inserted row (with its description and search vector)
for the statement's end. Disabled, they still cost that; dropped, they cost nothing.

How the effect is produced: the function runs over a small temporary table that carries the same
trigger (the definition retargeted) and receives the distinct values the function reads — the
(assignee, board, team) of every assignment, every distinct subject, every (reference, key) pair.
Each of these functions reads only those columns, so the result equals one call per ticket. Only the
triggers named in REPLAYS are dropped; any other trigger stays in place and fires as usual.
"""
from __future__ import annotations

import logging
import time
from dataclasses import dataclass

log = logging.getLogger(__name__)

# The tickets' stored sort keys: (ticket column, reference table, its value, the ticket's foreign key).
# The demo COPYs them already set; the insert trigger fills only a missing one.
SORT_KEYS = (("priority_rank", "priorities", "rank", "priority_id"),
             ("assignee_sort", "users", "name", "assignee_id"),
             ("service_sort", "services", "name", "service_id"))
_FKS = ", ".join(fk for *_, fk in SORT_KEYS)
_KEYS = ", ".join(column for column, *_ in SORT_KEYS)

# Trigger name -> (columns of the temporary table as a SELECT from tickets, the rows it receives).
REPLAYS = {
    # Refuses an assignee who is not on the board's teams: checked once per distinct assignment.
    "tickets_assignee_on_team_insert": (
        "id, assignee_id, board_id, team_id",
        "SELECT min(id), assignee_id, board_id, team_id FROM tickets WHERE assignee_id IS NOT NULL GROUP BY 2, 3, 4"),
    # Adds the subjects' words to search_words: once over the distinct subjects.
    "tickets_search_words_insert": ("title", "SELECT DISTINCT title FROM tickets"),
    # Fills a sort key the row lacks: over the distinct (references, keys), each key also kept as it was.
    "tickets_sort_keys": (
        f"{_FKS}, {_KEYS}, " + ", ".join(f"{column} AS was_{column}" for column, *_ in SORT_KEYS),
        f"SELECT DISTINCT {_FKS}, {_KEYS}, {_KEYS} FROM tickets"),
}
REPLAY_TABLE = "okno_demo_trigger_replay"


@dataclass
class Dropped:
    table: str
    name: str
    definition: str  # pg_get_triggerdef: CREATE TRIGGER … ON public.<table> …
    enabled: str  # pg_trigger.tgenabled: O (origin), D, R, A


def drop_insert_triggers(cur, tables) -> list[Dropped]:
    """Drop the known insert triggers of `tables`; return what is needed to put them back."""
    cur.execute("""
        SELECT tgrelid::regclass::text, tgname, pg_get_triggerdef(oid), tgenabled FROM pg_trigger
        WHERE tgrelid = ANY(%s::regclass[]) AND NOT tgisinternal AND tgname = ANY(%s) ORDER BY 1, 2""",
                (list(tables), list(REPLAYS)))
    dropped = [Dropped(*row) for row in cur.fetchall()]
    for t in dropped:
        cur.execute(f'DROP TRIGGER "{t.name}" ON {t.table}')
    return dropped


def restore(cur, dropped: list[Dropped]) -> None:
    """Produce each dropped trigger's effect on the loaded rows, then create the trigger again."""
    for t in dropped:
        started = time.perf_counter()
        replay(cur, t)
        cur.execute(t.definition)
        if t.enabled != "O":
            mode = {"D": "DISABLE", "R": "ENABLE REPLICA", "A": "ENABLE ALWAYS"}[t.enabled]
            cur.execute(f'ALTER TABLE {t.table} {mode} TRIGGER "{t.name}"')
        log.debug("%.1f s: trigger %s replayed and created again", time.perf_counter() - started, t.name)


def replay(cur, t: Dropped) -> None:
    """Run the trigger's function over the distinct values it reads, through a temporary table."""
    columns, rows = REPLAYS[t.name]
    cur.execute(f"CREATE TEMPORARY TABLE {REPLAY_TABLE} AS SELECT {columns} FROM {t.table} WITH NO DATA")
    on = f" ON {t.table} " if f" ON {t.table} " in t.definition else f" ON public.{t.table} "
    cur.execute(t.definition.replace(on, f" ON pg_temp.{REPLAY_TABLE} ", 1))
    cur.execute(f"INSERT INTO {REPLAY_TABLE} {rows}")
    if t.name == "tickets_sort_keys":
        _write_back_sort_keys(cur, t.table)
    cur.execute(f"DROP TABLE {REPLAY_TABLE}")


def _write_back_sort_keys(cur, table: str) -> None:
    """Tickets whose (references, keys) the function changed get the keys it set (none when the
    loader set every key itself, which it does: then nothing is updated and no row is rewritten)."""
    keys = [column for column, *_ in SORT_KEYS]
    fks = [fk for *_, fk in SORT_KEYS]

    def row(alias: str, names) -> str:
        return "(" + ", ".join(f"{alias}.{n}" for n in names) + ")"
    was = [f"was_{k}" for k in keys]
    changed = f"{row('r', keys)} IS DISTINCT FROM {row('r', was)}"
    cur.execute(f"SELECT count(*) FROM {REPLAY_TABLE} r WHERE {changed}")
    if cur.fetchone()[0]:
        cur.execute(f"""UPDATE {table} t SET ({', '.join(keys)}) = {row('r', keys)} FROM {REPLAY_TABLE} r
                        WHERE {changed} AND {row('t', fks)} IS NOT DISTINCT FROM {row('r', fks)}
                          AND {row('t', keys)} IS NOT DISTINCT FROM {row('r', was)}""")


__all__ = ["SORT_KEYS", "REPLAYS", "Dropped", "drop_insert_triggers", "restore"]
