"""ticket_events: partitioned by month of `at` (declarative range partitioning), rows and ids kept

Monthly partitions (UTC months) from the oldest event's month to three months ahead, and a default
partition for anything outside them; data/ops/event_partitions.py creates later months (the daily job) and
detaches old ones for archiving. The primary key becomes (id, at): a partitioned table's unique keys must
hold the partition key; ids still come from the same sequence, so they stay unique and keep their values.
No foreign key points at ticket_events; its own (ticket, users, requesters) are re-created on the parent.

The rows are copied once (INSERT … SELECT, indexes built after): at 8 M events (a million tickets)
expect minutes; run it in a maintenance window.

Revision ID: scale2_0001
Revises: a11y_0001
"""
from datetime import date, datetime, timezone

from alembic import op
from sqlalchemy import text

revision = "scale2_0001"
down_revision = "kbcsat_0001"
branch_labels = None
depends_on = None

AHEAD = 3


def _month(d: date, n: int = 0) -> date:
    index = d.year * 12 + d.month - 1 + n
    return date(index // 12, index % 12 + 1, 1)


def _definitions(bind, table: str) -> tuple[list[tuple[str, str]], list[str]]:
    """(secondary indexes as (name, CREATE statement), foreign keys as ADD CONSTRAINT clauses) of `table`."""
    indexes = bind.execute(text("""
        SELECT c.relname, pg_get_indexdef(i.indexrelid) FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
         WHERE i.indrelid = CAST(:t AS regclass) AND NOT i.indisprimary ORDER BY 1"""), {"t": table}).all()
    fks = bind.execute(text("""
        SELECT format('ADD CONSTRAINT %I %s', conname, pg_get_constraintdef(oid)) FROM pg_constraint
         WHERE conrelid = CAST(:t AS regclass) AND contype = 'f' ORDER BY conname"""), {"t": table}).scalars().all()
    # A partitioned table's index definition says ON ONLY (the parent alone); the new table needs them whole.
    return [(name, sql.replace(" ON ONLY ", " ON ")) for name, sql in indexes], list(fks)


def _swap_out(bind, old_name: str) -> tuple[list[tuple[str, str]], list[str]]:
    """Rename ticket_events (and its index names) out of the way; its definitions, to re-create."""
    indexes, fks = _definitions(bind, "ticket_events")
    op.execute(f"ALTER TABLE ticket_events RENAME TO {old_name}")
    op.execute(f"ALTER INDEX pk_ticket_events RENAME TO pk_{old_name}")
    for name, _sql in indexes:
        op.execute(f"ALTER INDEX {name} RENAME TO {name}_{old_name[len('ticket_events_'):]}")
    return indexes, fks


def _finish(old_name: str, primary_key: str, indexes, fks) -> None:
    op.execute(f"INSERT INTO ticket_events SELECT * FROM {old_name}")
    op.execute(f"DROP TABLE {old_name}")
    op.execute(f"ALTER TABLE ticket_events ADD CONSTRAINT pk_ticket_events PRIMARY KEY ({primary_key})")
    for _name, sql in indexes:
        op.execute(sql)
    for fk in fks:
        op.execute(f"ALTER TABLE ticket_events {fk}")
    op.execute("ANALYZE ticket_events")


def upgrade():
    bind = op.get_bind()
    oldest = bind.execute(text("SELECT min(at) FROM ticket_events")).scalar()
    indexes, fks = _swap_out(bind, "ticket_events_unpartitioned")
    op.execute("CREATE TABLE ticket_events (LIKE ticket_events_unpartitioned INCLUDING DEFAULTS "
               "INCLUDING CONSTRAINTS) PARTITION BY RANGE (at)")
    # Before the old table goes: a sequence owned by its column would be dropped with it.
    op.execute("ALTER SEQUENCE ticket_events_id_seq OWNED BY ticket_events.id")
    op.execute("CREATE TABLE ticket_events_default PARTITION OF ticket_events DEFAULT")
    now = datetime.now(timezone.utc).date()
    month = _month((oldest.astimezone(timezone.utc).date() if oldest else now))
    last = _month(now, AHEAD)
    while month <= last:
        upper = _month(month, 1)
        op.execute(f"CREATE TABLE ticket_events_{month:%Y_%m} PARTITION OF ticket_events "
                   f"FOR VALUES FROM ('{month:%Y-%m-%d} 00:00:00+00') TO ('{upper:%Y-%m-%d} 00:00:00+00')")
        month = upper
    _finish("ticket_events_unpartitioned", "id, at", indexes, fks)


def downgrade():
    """One plain table again, with the rows of the attached partitions (a detached month stays the table
    it became: put it back with ATTACH PARTITION before downgrading if it must come along)."""
    bind = op.get_bind()
    indexes, fks = _swap_out(bind, "ticket_events_partitioned")
    op.execute("CREATE TABLE ticket_events (LIKE ticket_events_partitioned INCLUDING DEFAULTS INCLUDING CONSTRAINTS)")
    op.execute("ALTER SEQUENCE ticket_events_id_seq OWNED BY ticket_events.id")
    _finish("ticket_events_partitioned", "id", indexes, fks)
