"""PostgreSQL's binary formats as numpy arrays: a query's columns read as binary arrays, rows written by
binary COPY — no Python object per row or per value, for the SLA of thousands of tickets at a time.

Instants travel as PostgreSQL keeps them: int64 microseconds since 2000-01-01 (NULL read back as
'infinity', i.e. INT64_MAX). `stored_instant` turns the clock's epoch seconds into that integer exactly
as to_timestamp(float8) does, so values computed in Python can be compared with stored ones in numpy.
"""
from __future__ import annotations

import numpy as np

HEADER = b"PGCOPY\n\xff\r\n\x00" + bytes(8)  # signature, flags, header extension length
TRAILER = b"\xff\xff"
NATIVE = {">i8": np.int64, ">i4": np.int32, ">i2": np.int16, ">f8": np.float64, "?": np.bool_}
EPOCH_2000_US = 946_684_800_000_000
EPOCH_2000_S = 946_684_800.0
NO_INSTANT = np.iinfo(np.int64).max  # 'infinity' as timestamptz: what coalesce(…, 'infinity') reads NULL as


def epoch_seconds(microseconds_since_2000: np.ndarray) -> np.ndarray:
    """Stored instants as epoch seconds: the same float8 as extract(epoch …)."""
    return (microseconds_since_2000 + EPOCH_2000_US).astype(np.float64) / 1e6


def stored_instant(seconds: np.ndarray) -> np.ndarray:
    """Epoch seconds (NaN: none) as the timestamptz to_timestamp() would store: PostgreSQL shifts to its
    2000 epoch, multiplies by 10^6 and rounds half to even (rint) — the same float operations here."""
    out = np.full(len(seconds), NO_INSTANT, np.int64)
    ok = ~np.isnan(seconds)
    out[ok] = np.rint((seconds[ok] - EPOCH_2000_S) * 1e6).astype(np.int64)
    return out


def fetch_arrays(cur, query: str, fields) -> dict[str, np.ndarray]:
    """A query's columns (never NULL) as numpy arrays: one binary array per column, parsed by numpy.
    (One value per column, not one message per row, which psycopg would hand to Python row by row.)"""
    columns = ", ".join(f"array_send(array_agg(q.{name}))" for name, _ in fields)
    cur.execute(f"SELECT {columns} FROM ({query}) q", binary=True)
    out = {}
    for (name, t), data in zip(fields, cur.fetchone()):
        if data is None:  # no rows
            out[name] = np.zeros(0, NATIVE[t])
            continue
        # After the 20-byte header of a one-dimensional array: (length, value) per element.
        out[name] = np.frombuffer(data, np.dtype([("len", ">i4"), ("v", t)]), offset=20)["v"].astype(NATIVE[t])
    return out


def copy_fixed(cur, table: str, fields, values: dict[str, np.ndarray]) -> None:
    """Rows into a table by one binary COPY, encoded by numpy (fixed-width columns, no NULLs)."""
    n = len(next(iter(values.values())))
    dtype = np.dtype([("n", ">i2")] + [x for name, t in fields for x in ((f"{name}_len", ">i4"), (name, t))])
    rows = np.empty(n, dtype)
    rows["n"] = len(fields)
    for name, t in fields:
        rows[f"{name}_len"] = np.dtype(t).itemsize
        rows[name] = values[name]
    with cur.copy(f"COPY {table} ({', '.join(name for name, _ in fields)}) FROM STDIN (FORMAT BINARY)") as copy:
        copy.write(HEADER + rows.tobytes() + TRAILER)


class Column:
    """One column of copy_rows: fixed-width values of a binary type (">i8", ">f8", "?", …) with an
    optional NULL mask, or codes into `labels` for a text column."""

    def __init__(self, name: str, values: np.ndarray, kind: str | None = None, null: np.ndarray | None = None,
                 labels: tuple[str, ...] | None = None):
        self.name, self.values, self.kind, self.null, self.labels = name, values, kind, null, labels


def copy_rows(cur, table: str, columns: list[Column]) -> None:
    """Rows into a table by one binary COPY, with NULLs and short text columns: every row's bytes laid out
    by numpy (the row's length depends on its NULLs and labels, so each field is placed at its offset)."""
    n = len(columns[0].values)
    payloads = []  # per column: bytes per row (0 for NULL) and the header each row gets
    for c in columns:
        if c.labels is not None:
            encoded = [label.encode() for label in c.labels]
            size = np.asarray([len(b) for b in encoded], np.int64)[c.values]
        else:
            size = np.full(n, np.dtype(c.kind).itemsize, np.int64)
        length = size.copy()
        if c.null is not None:
            size[c.null] = 0
            length[c.null] = -1
        payloads.append((size, length))
    row_size = 2 + sum(4 + size for size, _ in payloads)
    start = np.cumsum(row_size) - row_size
    buf = np.empty(int(row_size.sum()), np.uint8)
    count = np.frombuffer(np.array([len(columns)], ">i2").tobytes(), np.uint8)
    buf[start[:, None] + np.arange(2)] = count
    at = start + 2
    four = np.arange(4)
    for c, (size, length) in zip(columns, payloads):
        buf[at[:, None] + four] = length.astype(">i4").view(np.uint8).reshape(n, 4)
        at = at + 4
        present = np.ones(n, bool) if c.null is None else ~c.null
        if c.labels is not None:
            for code, label in enumerate(c.labels):
                data = np.frombuffer(label.encode(), np.uint8)
                rows = np.flatnonzero(present & (c.values == code))
                buf[at[rows, None] + np.arange(len(data))] = data
        else:
            width = np.dtype(c.kind).itemsize
            data = np.ascontiguousarray(c.values, dtype=c.kind).view(np.uint8).reshape(n, width)
            rows = np.flatnonzero(present)
            buf[at[rows, None] + np.arange(width)] = data[rows]
        at = at + size
    with cur.copy(f"COPY {table} ({', '.join(c.name for c in columns)}) FROM STDIN (FORMAT BINARY)") as copy:
        copy.write(HEADER + buf.tobytes() + TRAILER)
