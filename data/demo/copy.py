"""Bulk loading with PostgreSQL COPY (psycopg 3), plus the sequence and statistics chores after it."""
from __future__ import annotations

import numpy as np

NULL_TIME = -1


def ints(values) -> list:
    """Python ints with None for the -1 sentinel."""
    return [None if v < 0 else v for v in np.asarray(values).tolist()]


def timestamps(seconds) -> list:
    """'YYYY-MM-DD HH:MM:SS+00' strings from epoch seconds; -1 becomes NULL."""
    s = np.asarray(seconds, dtype=np.int64)
    text = np.char.add(np.datetime_as_string(s.astype("datetime64[s]"), unit="s"), "+00").tolist()
    if (s < 0).any():
        return [None if v < 0 else t for v, t in zip(s.tolist(), text)]
    return text


def copy_rows(cur, table: str, columns, data: list[list]) -> int:
    """COPY column lists (one Python list per column) into table; returns the row count."""
    n = len(data[0]) if data else 0
    if not n:
        return 0
    with cur.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in zip(*data):
            copy.write_row(row)
    return n


TABLES_WITH_SERIAL_IDS = ("requesters", "requester_identities", "tickets", "ticket_events", "comments",
                          "checklist_items", "attachments")


def reset_sequences(cur) -> None:
    """After explicit ids, move each id sequence (and the ticket numbers) past the loaded rows."""
    for table in TABLES_WITH_SERIAL_IDS:
        cur.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                    f"GREATEST((SELECT max(id) FROM {table}), 1), (SELECT count(*) > 0 FROM {table}))")
    cur.execute("SELECT setval('ticket_number_seq', GREATEST((SELECT max(number) FROM tickets), 1001), "
                "(SELECT count(*) > 0 FROM tickets))")


def analyze(conn) -> None:
    with conn.cursor() as cur:
        for table in TABLES_WITH_SERIAL_IDS + ("users", "teams", "boards", "board_columns", "lanes", "services",
                                               "request_types", "priorities"):
            cur.execute(f"ANALYZE {table}")
