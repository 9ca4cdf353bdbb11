"""integrity: the schema keeps a card on its board (column, lane), its status equal to its column's kind,
its parents acyclic and its assignee on the board's teams; CHECKs on text sizes and ranges; teams.lead_id → users

Existing rows that break a rule are repaired first, each repair logged (and written to the ticket's history
where it changes what the analytics read), then the constraints are added.

Revision ID: integrity_0001
Revises: recurring_0001
"""
import json
import logging

from alembic import op
from sqlalchemy import text

revision = "integrity_0001"
down_revision = "recurring_0001"
branch_labels = None
depends_on = None

log = logging.getLogger("okno.migrations.integrity")

# Frozen here (data/limits.py DB_MAX holds the same numbers for the models): a migration never changes.
TITLE, TEXT, CHECKLIST_ITEM, HTML, FIELDS = 1000, 1_000_000, 4000, 2_000_000, 10_000_000
STAFF_WRITERS = "('admin', 'manager', 'agent')"

# The ticket columns a status change moves (data/tickets/status.py entering()): `m` holds from/to statuses.
ENTERING = """
    status = m.to_status, version = t.version + 1,
    started_at = CASE WHEN m.to_status = 'in_progress' THEN coalesce(t.started_at, now()) ELSE t.started_at END,
    resolved_at = CASE WHEN m.to_status = 'done' AND m.from_status <> 'done' THEN now() ELSE t.resolved_at END,
    reopened_count = t.reopened_count + CASE WHEN m.from_status = 'done' AND m.to_status <> 'done' THEN 1 ELSE 0 END"""

# May this user be the assignee of a ticket on board `b` handed to team `t`? Staff who write (agents,
# managers, admins); admins anywhere, the others on a board of no team or of a team they belong to or lead.
# Never NULL (a ticket handed to no team makes `IN (…, NULL)` unknown): NOT (…) must find every other user.
ELIGIBLE = f"""
    coalesce(u.role IN {STAFF_WRITERS} AND (u.role = 'admin' OR b.team_id IS NULL
        OR u.team_id IN (b.team_id, t.team_id)
        OR EXISTS (SELECT 1 FROM teams l WHERE l.lead_id = u.id AND l.id IN (b.team_id, t.team_id))), false)"""


def _repaired(what: str, rows) -> int:
    ids = sorted({r[0] for r in rows})
    if ids:
        shown = ", ".join(map(str, ids[:20])) + (" …" if len(ids) > 20 else "")
        log.warning("integrity_0001 repair: %s: %d row(s) (ids %s)", what, len(ids), shown)
    return len(ids)


def _event_data(why: str) -> str:
    return json.dumps({"repair": "integrity_0001", "why": why})


def _repair_placement(bind) -> None:
    # A card whose board has no column at all goes to its column's board; any other goes to a column of its
    # own board, of its column's kind when there is one.
    _repaired("card moved to its column's board (its own board has no columns)", bind.execute(text("""
        UPDATE tickets t SET board_id = c.board_id, version = t.version + 1
          FROM board_columns c
         WHERE c.id = t.column_id AND c.board_id <> t.board_id
           AND NOT EXISTS (SELECT 1 FROM board_columns o WHERE o.board_id = t.board_id)
        RETURNING t.id""")).all())
    _repaired("card moved to a column of its own board", bind.execute(text(f"""
        WITH m AS (
            SELECT t.id, t.column_id AS from_column, t.status AS from_status,
                   (SELECT o.id FROM board_columns o WHERE o.board_id = t.board_id
                     ORDER BY (o.kind <> c.kind), o.position, o.id LIMIT 1) AS to_column
              FROM tickets t JOIN board_columns c ON c.id = t.column_id
             WHERE c.board_id <> t.board_id),
        m2 AS (SELECT m.*, c.kind AS to_status FROM m JOIN board_columns c ON c.id = m.to_column),
        moved AS (
            UPDATE tickets t SET column_id = m.to_column, column_entered_at = now(), {ENTERING}
              FROM m2 m WHERE t.id = m.id
            RETURNING t.id, t.board_id, t.lane_id, m.from_column, m.to_column, m.from_status, m.to_status)
        INSERT INTO ticket_events (ticket_id, kind, board_id, from_column_id, to_column_id, from_lane_id, to_lane_id,
                                   from_status, to_status, data)
        SELECT id, 'moved', board_id, from_column, to_column, lane_id, lane_id, from_status, to_status,
               CAST(:data AS jsonb) FROM moved
        RETURNING ticket_id"""), {"data": _event_data("column_on_another_board")}).all())
    _repaired("status reset to its column's kind", bind.execute(text(f"""
        WITH m AS (
            SELECT t.id, t.status AS from_status, c.kind AS to_status
              FROM tickets t JOIN board_columns c ON c.id = t.column_id WHERE t.status <> c.kind),
        moved AS (
            UPDATE tickets t SET {ENTERING} FROM m WHERE t.id = m.id
            RETURNING t.id, t.board_id, t.column_id, t.lane_id, m.from_status, m.to_status)
        INSERT INTO ticket_events (ticket_id, kind, board_id, from_column_id, to_column_id, from_lane_id, to_lane_id,
                                   from_status, to_status, data)
        SELECT id, 'moved', board_id, column_id, column_id, lane_id, lane_id, from_status, to_status,
               CAST(:data AS jsonb) FROM moved
        RETURNING ticket_id"""), {"data": _event_data("status_not_column_kind")}).all())
    _repaired("card taken out of a lane of another board", bind.execute(text("""
        WITH moved AS (
            UPDATE tickets t SET lane_id = NULL, version = t.version + 1
              FROM lanes l WHERE l.id = t.lane_id AND l.board_id <> t.board_id
            RETURNING t.id, t.board_id, t.column_id, l.id AS from_lane, t.status)
        INSERT INTO ticket_events (ticket_id, kind, board_id, from_column_id, to_column_id, from_lane_id, to_lane_id,
                                   from_status, to_status, data)
        SELECT id, 'moved', board_id, column_id, column_id, from_lane, NULL, status, status, CAST(:data AS jsonb)
          FROM moved
        RETURNING ticket_id"""), {"data": _event_data("lane_on_another_board")}).all())


def _repair_parents(bind) -> None:
    """Break each parent cycle at its newest ticket (the highest id), until none is left."""
    while True:
        on_cycle = bind.execute(text("""
            WITH RECURSIVE walk(start, id) AS (
                SELECT id, parent_id FROM tickets WHERE parent_id IS NOT NULL
                UNION ALL
                SELECT w.start, t.parent_id FROM walk w JOIN tickets t ON t.id = w.id WHERE t.parent_id IS NOT NULL
            ) CYCLE id SET looped USING path
            SELECT DISTINCT start FROM walk WHERE id = start AND NOT looped""")).scalars().all()
        if not on_cycle:
            return
        # One cycle's members all reach each other: take the cycle of the highest id, break it there.
        newest = max(on_cycle)
        _repaired("parent cleared to break a parent cycle", bind.execute(text(
            "UPDATE tickets SET parent_id = NULL, version = version + 1 WHERE id = :id RETURNING id"),
            {"id": newest}).all())


def _repair_assignees(bind) -> None:
    _repaired("assignee cleared (not an agent or manager of the board's teams)", bind.execute(text(f"""
        WITH m AS (
            SELECT t.id, t.assignee_id FROM tickets t JOIN users u ON u.id = t.assignee_id
              JOIN boards b ON b.id = t.board_id WHERE NOT ({ELIGIBLE})),
        cleared AS (
            UPDATE tickets t SET assignee_id = NULL, version = t.version + 1 FROM m WHERE t.id = m.id
            RETURNING t.id, m.assignee_id)
        INSERT INTO ticket_events (ticket_id, kind, from_user_id, to_user_id, data)
        SELECT id, 'assigned', assignee_id, NULL, CAST(:data AS jsonb) FROM cleared
        RETURNING ticket_id"""), {"data": _event_data("assignee_not_on_board_team")}).all())
    _repaired("team lead cleared (no such user)", bind.execute(text("""
        UPDATE teams SET lead_id = NULL WHERE lead_id IS NOT NULL
           AND NOT EXISTS (SELECT 1 FROM users u WHERE u.id = teams.lead_id) RETURNING id""")).all())


def _cut(bind, table: str, column: str, limit: int, *, drop: bool = False) -> None:
    new = "NULL" if drop else f"left({column}, {limit - 1}) || '…'"
    _repaired(f"{table}.{column} {'dropped' if drop else 'truncated'} (over {limit} characters)", bind.execute(text(
        f"UPDATE {table} SET {column} = {new} WHERE char_length({column}) > {limit} RETURNING id")).all())


def _repair_sizes_and_ranges(bind) -> None:
    _cut(bind, "tickets", "title", TITLE)
    for table, column in (("tickets", "description"), ("tickets", "blocked_reason"), ("comments", "body"),
                          ("services", "description"), ("services", "auto_reply_template"),
                          ("request_types", "description"), ("reply_templates", "body")):
        _cut(bind, table, column, TEXT)
    _cut(bind, "checklist_items", "text", CHECKLIST_ITEM)
    _cut(bind, "tickets", "description_html", HTML, drop=True)  # cut HTML is broken HTML; the text stays
    _cut(bind, "comments", "body_html", HTML, drop=True)
    _repaired(f"tickets.fields emptied (over {FIELDS} characters)", bind.execute(text(
        f"UPDATE tickets SET fields = '{{}}' WHERE char_length(fields::text) > {FIELDS} RETURNING id")).all())
    for table, sql in (
            ("board_columns", "UPDATE board_columns SET wip_limit = NULL, wip_hard = false WHERE wip_limit <= 0"),
            ("board_columns", "UPDATE board_columns SET time_limit_minutes = NULL WHERE time_limit_minutes <= 0"),
            ("lanes", "UPDATE lanes SET wip_limit = NULL WHERE wip_limit <= 0"),
            ("teams", "UPDATE teams SET line_level = NULL WHERE line_level < 1"),
            ("tickets", "UPDATE tickets SET position = 0 WHERE NOT (position > '-Infinity'::float8 "
                        "AND position < 'Infinity'::float8)"),
            ("tickets", "UPDATE tickets SET version = greatest(version, 1), reopened_count = greatest(reopened_count, 0)"
                        " WHERE version < 1 OR reopened_count < 0"),
            ("checklist_items", "UPDATE checklist_items SET position = 0 WHERE position < 0"),
            ("attachments", "UPDATE attachments SET size = octet_length(content) WHERE size < 0")):
        _repaired(f"{table}: out of range ({sql.split(' SET ')[1].split(' WHERE ')[0]})",
                  bind.execute(text(sql + " RETURNING id")).all())


CHECKS = [  # (table, name, condition)
    ("tickets", "description_size", f"char_length(description) <= {TEXT}"),
    ("tickets", "description_html_size", f"char_length(description_html) <= {HTML}"),
    ("tickets", "blocked_reason_size", f"char_length(blocked_reason) <= {TEXT}"),
    ("tickets", "fields_size", f"char_length(fields::text) <= {FIELDS}"),
    ("tickets", "position_finite", "position > '-Infinity'::float8 AND position < 'Infinity'::float8"),
    ("tickets", "counters", "version >= 1 AND reopened_count >= 0"),
    ("comments", "body_size", f"char_length(body) <= {TEXT}"),
    ("comments", "body_html_size", f"char_length(body_html) <= {HTML}"),
    ("checklist_items", "text_size", f"char_length(text) <= {CHECKLIST_ITEM}"),
    ("checklist_items", "position_not_negative", "position >= 0"),
    ("attachments", "size_not_negative", "size >= 0"),
    ("services", "description_size", f"char_length(description) <= {TEXT}"),
    ("services", "auto_reply_size", f"char_length(auto_reply_template) <= {TEXT}"),
    ("request_types", "description_size", f"char_length(description) <= {TEXT}"),
    ("reply_templates", "body_size", f"char_length(body) <= {TEXT}"),
    ("board_columns", "time_limit_positive", "time_limit_minutes IS NULL OR time_limit_minutes > 0"),
    ("lanes", "wip_positive", "wip_limit IS NULL OR wip_limit > 0"),
    ("teams", "line_level", "line_level IS NULL OR line_level >= 1"),
]

TRIGGERS = f"""
CREATE FUNCTION okno_ticket_parent_acyclic() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- One parent change at a time: two concurrent changes could each pass alone and close a cycle together.
    PERFORM pg_advisory_xact_lock(hashtext('okno.ticket_parent'));
    IF EXISTS (WITH RECURSIVE up(id) AS (
                   SELECT NEW.parent_id
                   UNION ALL
                   SELECT t.parent_id FROM up JOIN tickets t ON t.id = up.id WHERE t.parent_id IS NOT NULL
               ) CYCLE id SET looped USING path
               SELECT 1 FROM up WHERE id = NEW.id) THEN
        RAISE EXCEPTION 'ticket % cannot have % as its parent: that makes a cycle of parents', NEW.id, NEW.parent_id
            USING ERRCODE = 'check_violation', CONSTRAINT = 'tickets_parent_acyclic', TABLE = 'tickets';
    END IF;
    RETURN NEW;
END $$;

CREATE TRIGGER tickets_parent_acyclic BEFORE UPDATE OF parent_id ON tickets FOR EACH ROW
    WHEN (NEW.parent_id IS NOT NULL AND NEW.parent_id IS DISTINCT FROM OLD.parent_id)
    EXECUTE FUNCTION okno_ticket_parent_acyclic();

CREATE FUNCTION okno_ticket_assignee_on_team() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM users u, boards b, (SELECT NEW.team_id AS team_id) t
                    WHERE u.id = NEW.assignee_id AND b.id = NEW.board_id AND {ELIGIBLE}) THEN
        RAISE EXCEPTION 'user % may not be the assignee of ticket %: not an agent or manager of board %''s teams',
                        NEW.assignee_id, NEW.id, NEW.board_id
            USING ERRCODE = 'check_violation', CONSTRAINT = 'tickets_assignee_on_team', TABLE = 'tickets';
    END IF;
    RETURN NEW;
END $$;

CREATE TRIGGER tickets_assignee_on_team_insert BEFORE INSERT ON tickets FOR EACH ROW
    WHEN (NEW.assignee_id IS NOT NULL) EXECUTE FUNCTION okno_ticket_assignee_on_team();
CREATE TRIGGER tickets_assignee_on_team_update BEFORE UPDATE OF assignee_id, board_id, team_id ON tickets FOR EACH ROW
    WHEN (NEW.assignee_id IS NOT NULL AND (NEW.assignee_id IS DISTINCT FROM OLD.assignee_id
          OR NEW.board_id IS DISTINCT FROM OLD.board_id OR NEW.team_id IS DISTINCT FROM OLD.team_id))
    EXECUTE FUNCTION okno_ticket_assignee_on_team();
"""


def upgrade() -> None:
    bind = op.get_bind()
    _repair_placement(bind)
    _repair_parents(bind)
    _repair_assignees(bind)
    _repair_sizes_and_ranges(bind)

    op.execute("ALTER TABLE tickets ALTER COLUMN title TYPE varchar(1000)")
    op.execute("ALTER TABLE board_columns ADD CONSTRAINT uq_board_columns_id_board_id_kind UNIQUE (id, board_id, kind)")
    op.execute("ALTER TABLE lanes ADD CONSTRAINT uq_lanes_id_board_id UNIQUE (id, board_id)")
    op.execute("ALTER TABLE tickets DROP CONSTRAINT fk_tickets_column_id_board_columns")
    op.execute("ALTER TABLE tickets DROP CONSTRAINT fk_tickets_lane_id_lanes")
    op.execute("""ALTER TABLE tickets ADD CONSTRAINT fk_tickets_column_on_board_with_status
                  FOREIGN KEY (column_id, board_id, status) REFERENCES board_columns (id, board_id, kind)
                  ON UPDATE CASCADE""")
    op.execute("""ALTER TABLE tickets ADD CONSTRAINT fk_tickets_lane_on_board
                  FOREIGN KEY (lane_id, board_id) REFERENCES lanes (id, board_id) ON DELETE SET NULL (lane_id)""")
    for table, name, condition in CHECKS:
        op.execute(f"ALTER TABLE {table} ADD CONSTRAINT ck_{table}_{name} CHECK ({condition})")
    op.execute("""ALTER TABLE teams ADD CONSTRAINT fk_teams_lead_id_users
                  FOREIGN KEY (lead_id) REFERENCES users (id) ON DELETE SET NULL""")
    op.execute(TRIGGERS)


def downgrade() -> None:
    op.execute("DROP TRIGGER tickets_assignee_on_team_update ON tickets")
    op.execute("DROP TRIGGER tickets_assignee_on_team_insert ON tickets")
    op.execute("DROP FUNCTION okno_ticket_assignee_on_team()")
    op.execute("DROP TRIGGER tickets_parent_acyclic ON tickets")
    op.execute("DROP FUNCTION okno_ticket_parent_acyclic()")
    op.execute("ALTER TABLE teams DROP CONSTRAINT fk_teams_lead_id_users")
    for table, name, _condition in reversed(CHECKS):
        op.execute(f"ALTER TABLE {table} DROP CONSTRAINT ck_{table}_{name}")
    op.execute("ALTER TABLE tickets DROP CONSTRAINT fk_tickets_lane_on_board")
    op.execute("ALTER TABLE tickets DROP CONSTRAINT fk_tickets_column_on_board_with_status")
    op.execute("""ALTER TABLE tickets ADD CONSTRAINT fk_tickets_lane_id_lanes
                  FOREIGN KEY (lane_id) REFERENCES lanes (id) ON DELETE SET NULL""")
    op.execute("""ALTER TABLE tickets ADD CONSTRAINT fk_tickets_column_id_board_columns
                  FOREIGN KEY (column_id) REFERENCES board_columns (id)""")
    op.execute("ALTER TABLE lanes DROP CONSTRAINT uq_lanes_id_board_id")
    op.execute("ALTER TABLE board_columns DROP CONSTRAINT uq_board_columns_id_board_id_kind")
    op.execute("UPDATE tickets SET title = left(title, 300) WHERE char_length(title) > 300")
    op.execute("ALTER TABLE tickets ALTER COLUMN title TYPE varchar(300)")
