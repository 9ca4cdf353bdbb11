"""tickets: stored sort keys for the list's priority, assignee and service sorts, each with its index

The list sorts a million tickets by priority rank, assignee name or service name. Through joins
that is a sort of every matching row (over a second at 1M); on a column of the ticket with an
index it is an index walk that stops after one page. Triggers keep the keys right on every write
path: a ticket's insert or change of priority, assignee or service, and a priority's new rank or
a user's or service's new name (those update the tickets that carry it — rare admin edits).

Revision ID: scale_0001
Revises: integrity_0001
"""
from alembic import op

revision = "scale_0001"
down_revision = "integrity_0001"
branch_labels = None
depends_on = None

# (ticket column, reference table, its value, the ticket's foreign key, type)
KEYS = [("priority_rank", "priorities", "rank", "priority_id", "integer"),
        ("assignee_sort", "users", "name", "assignee_id", "text"),
        ("service_sort", "services", "name", "service_id", "text")]


def upgrade() -> None:
    for column, table, value, fk, kind in KEYS:
        op.execute(f"ALTER TABLE tickets ADD COLUMN {column} {kind}")
    # An insert takes a key the loader already set (the demo COPYs them); a change of the reference
    # always looks it up again.
    inserted = "\n".join(f"""    IF NEW.{column} IS NULL AND NEW.{fk} IS NOT NULL THEN
      NEW.{column} := (SELECT {value} FROM {table} WHERE id = NEW.{fk});
    END IF;""" for column, table, value, fk, _ in KEYS)
    updated = "\n".join(f"""    IF NEW.{fk} IS DISTINCT FROM OLD.{fk} THEN
      NEW.{column} := (SELECT {value} FROM {table} WHERE id = NEW.{fk});
    END IF;""" for column, table, value, fk, _ in KEYS)
    op.execute(f"""
CREATE FUNCTION okno_ticket_sort_keys() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
{inserted}
  ELSE
{updated}
  END IF;
  RETURN NEW;
END $$""")
    op.execute("""CREATE TRIGGER tickets_sort_keys BEFORE INSERT OR UPDATE OF priority_id, assignee_id, service_id
                  ON tickets FOR EACH ROW EXECUTE FUNCTION okno_ticket_sort_keys()""")
    for column, table, value, fk, _ in KEYS:
        op.execute(f"""
CREATE FUNCTION okno_{table}_{value}_to_tickets() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE tickets SET {column} = NEW.{value} WHERE {fk} = NEW.id AND {column} IS DISTINCT FROM NEW.{value};
  RETURN NULL;
END $$""")
        op.execute(f"""CREATE TRIGGER {table}_{value}_to_tickets AFTER UPDATE OF {value} ON {table} FOR EACH ROW
                       WHEN (OLD.{value} IS DISTINCT FROM NEW.{value}) EXECUTE FUNCTION okno_{table}_{value}_to_tickets()""")
    op.execute("SET LOCAL maintenance_work_mem = '256MB'")
    op.execute("UPDATE tickets t SET " + ", ".join(f"{column} = (SELECT {value} FROM {table} WHERE id = t.{fk})"
                                                   for column, table, value, fk, _ in KEYS)
               + " WHERE " + " OR ".join(f"t.{fk} IS NOT NULL" for *_, fk, _ in KEYS))
    for column, *_ in KEYS:
        # The list orders by key, then newest first; a descending sort walks the same index backwards.
        op.execute(f"CREATE INDEX ix_tickets_{column} ON tickets ({column} ASC NULLS LAST, id DESC)")


def downgrade() -> None:
    for column, table, value, *_ in KEYS:
        op.execute(f"DROP TRIGGER {table}_{value}_to_tickets ON {table}")
        op.execute(f"DROP FUNCTION okno_{table}_{value}_to_tickets()")
    op.execute("DROP TRIGGER tickets_sort_keys ON tickets")
    op.execute("DROP FUNCTION okno_ticket_sort_keys()")
    for column, *_ in KEYS:
        op.execute(f"DROP INDEX ix_tickets_{column}")
        op.execute(f"ALTER TABLE tickets DROP COLUMN {column}")
