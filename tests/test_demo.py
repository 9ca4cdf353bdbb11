"""The demo data generator: the Core12 story holds in SQL and the history is consistent."""
from __future__ import annotations

from datetime import date, datetime

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash

from data.config import get_config
from data.demo import NotEmptyError, is_empty, load
from data.ops.scratch import scratch_database

TODAY = date(2025, 6, 18)  # go-live 2024-12-01, history from 2024-06-18
TICKETS = 6000


@pytest.fixture(scope="module")
def demo(database_url):
    """A database of its own (the shared test database stays empty), loaded once for the module."""
    with scratch_database(database_url, "okno_demo") as url:
        engine = create_engine(url)
        try:
            with Session(engine) as s:
                empty_before = is_empty(s)
            summary = load(engine, tickets=TICKETS, seed=7, today=TODAY)
            with Session(engine) as s:
                empty_after = is_empty(s)
            yield {"engine": engine, "summary": summary, "empty": (empty_before, empty_after)}
        finally:
            engine.dispose()


def q(demo, sql, **params):
    with demo["engine"].connect() as c:
        return c.execute(text(sql), params).all()


def one(demo, sql, **params):
    return q(demo, sql, **params)[0][0]


def test_summary_and_is_empty(demo):
    s = demo["summary"]
    assert demo["empty"] == (True, False)
    assert s["tickets"] == TICKETS == one(demo, "SELECT count(*) FROM tickets")
    assert s["events"] == one(demo, "SELECT count(*) FROM ticket_events") > 5 * TICKETS
    assert s["comments"] == one(demo, "SELECT count(*) FROM comments") > TICKETS
    assert s["go_live"] == "2024-12-01"
    assert {login["email"] for login in s["logins"]} == {
        "admin@okno.demo", "manager@okno.demo", "agent@okno.demo", "analyst@okno.demo", "director@okno.demo"}
    assert s["seconds"] < 120  # ~5 s on an idle machine


def test_load_refuses_a_database_with_data(demo):
    with pytest.raises(NotEmptyError):
        load(demo["engine"], tickets=10, today=TODAY)
    assert one(demo, "SELECT count(*) FROM tickets") == TICKETS


def test_demo_logins(demo):
    rows = dict((email, (role, pw, team)) for email, role, pw, team in q(demo, """
        SELECT u.email, u.role, u.password_hash, t.name FROM users u LEFT JOIN teams t ON t.id = u.team_id
        WHERE u.email LIKE '%@okno.demo'"""))
    expected = {"admin@okno.demo": "admin", "manager@okno.demo": "manager", "agent@okno.demo": "agent",
                "analyst@okno.demo": "analyst", "director@okno.demo": "director"}
    for email, role in expected.items():
        assert rows[email][0] == role
    # One hash (computed once) serves every demo user; checking it is deliberately slow, so once.
    assert len({pw for _, pw, _ in rows.values()}) == 1
    assert check_password_hash(rows["admin@okno.demo"][1], "okno")
    assert not check_password_hash(rows["admin@okno.demo"][1], "wrong")
    assert rows["manager@okno.demo"][2] == rows["agent@okno.demo"][2] == "IT L1"
    assert one(demo, """SELECT t.lead_id = u.id FROM teams t, users u
                        WHERE t.name = 'IT L1' AND u.email = 'manager@okno.demo'""")
    assert one(demo, "SELECT count(*) FROM teams WHERE lead_id IS NULL") == 0
    # The demo agent has a lane on the first-line board and open work in it.
    assert one(demo, """SELECT count(*) FROM lanes l JOIN users u ON u.id = l.user_id JOIN boards b ON b.id = l.board_id
                        WHERE u.email = 'agent@okno.demo' AND b.name = 'IT: первая линия'""") == 1


def test_reference_data(demo):
    assert [r[0] for r in q(demo, "SELECT code FROM priorities ORDER BY rank")] == \
        ["urgent", "high", "normal", "low", "can_wait"]
    assert one(demo, "SELECT time_limit_minutes FROM board_columns c JOIN boards b ON b.id = c.board_id "
                     "WHERE b.name = 'IT: первая линия' AND c.kind = 'queue'") == 3
    assert one(demo, "SELECT count(*) FROM lanes l JOIN boards b ON b.id = l.board_id "
                     "WHERE b.name = 'Приоритизация' AND l.owner_id IS NOT NULL") == 5
    # On the prioritisation board the unit chosen in the form decides the lane, whose owner scores the card;
    # the card's assignee is of the board's team (IT L3), as the schema requires of every assignee.
    assert one(demo, """SELECT count(*) FROM tickets t JOIN lanes l ON l.id = t.lane_id
                        JOIN boards b ON b.id = t.board_id LEFT JOIN users u ON u.id = t.assignee_id
                        WHERE b.name = 'Приоритизация' AND (l.name <> t.fields ->> 'unit'
                              OR u.team_id IS DISTINCT FROM b.team_id AND t.assignee_id IS NOT NULL)""") == 0
    schema = one(demo, "SELECT field_schema FROM request_types WHERE name = 'Не работает принтер'")
    location = next(f for f in schema if f["key"] == "location")
    assert location["show_when"] == {"field": "remote_help", "equals": False}
    checklist = one(demo, "SELECT checklist FROM request_types WHERE name = 'Договор'")
    assert [c["required_on_submit"] for c in checklist] == [True, True, True]
    children = one(demo, "SELECT children FROM request_types WHERE name = 'Выход нового сотрудника'")
    assert len(children) == 3
    assert one(demo, "SELECT count(*) FROM services WHERE code IN ('it','hr','legal','accounting','ideas') "
                     "AND auto_reply_template LIKE '%{number}%'") == 5


L1 = "(SELECT b.id FROM boards b JOIN teams t ON t.id = b.team_id WHERE t.line_level = 1)"


def test_story_per_agent_throughput(demo):
    """Full months only: Jul-Nov 2024 before the go-live, Dec 2024-May 2025 after it."""
    rows = q(demo, f"""
        WITH m AS (
            SELECT date_trunc('month', t.resolved_at AT TIME ZONE :tz) AS mon, t.assignee_id, count(*) AS n
            FROM tickets t JOIN users u ON u.id = t.assignee_id
                 AND u.team_id = (SELECT team_id FROM boards WHERE id = {L1})
            WHERE t.board_id = {L1} AND t.status = 'done' GROUP BY 1, 2)
        SELECT mon >= '2024-12-01' AS after, avg(n), count(DISTINCT assignee_id) FROM m
        WHERE mon >= '2024-07-01' AND mon < '2025-06-01' GROUP BY 1 ORDER BY 1""", tz=get_config().timezone)
    (_, before, agents_before), (_, after, agents_after) = rows
    assert agents_before == agents_after == demo["summary"]["it_l1_agents"]
    assert 1.75 * 0.8 <= float(after) / float(before) <= 1.75 * 1.2


def test_story_handling_time(demo):
    rows = dict(q(demo, f"""
        SELECT resolved_at >= '2024-12-01' AS after,
               percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM resolved_at - started_at) / 86400)
        FROM tickets WHERE board_id = {L1} AND status = 'done' GROUP BY 1"""))
    assert 1.2 <= rows[False] <= 1.8
    assert rows[True] < 1.0
    # The queue's 3-minute limit: after the go-live the first reply is a matter of minutes.
    assert one(demo, f"""SELECT percentile_cont(0.5) WITHIN GROUP
                             (ORDER BY extract(epoch FROM first_response_at - created_at))
                         FROM tickets WHERE board_id = {L1} AND created_at >= '2024-12-01'""") < 5 * 60


def test_every_ticket_state_matches_its_events(demo):
    bad = q(demo, """
        WITH placed AS (
            SELECT DISTINCT ON (ticket_id) ticket_id, at, board_id, to_column_id, to_lane_id, to_status
            FROM ticket_events WHERE kind IN ('created', 'moved') ORDER BY ticket_id, at DESC, id DESC),
        entered AS (  -- moving between lanes of a column does not restart the column's clock
            SELECT ticket_id, max(at) AS at FROM ticket_events
            WHERE kind = 'created' OR (kind = 'moved' AND to_column_id <> from_column_id) GROUP BY 1),
        started AS (SELECT ticket_id, min(at) AS at FROM ticket_events
                    WHERE kind = 'moved' AND to_status = 'in_progress' GROUP BY 1),
        created AS (SELECT ticket_id, min(at) AS at, count(*) AS n FROM ticket_events
                    WHERE kind = 'created' GROUP BY 1),
        assigned AS (SELECT DISTINCT ON (ticket_id) ticket_id, to_user_id FROM ticket_events
                     WHERE kind IN ('created', 'assigned') ORDER BY ticket_id, at DESC, id DESC)
        SELECT t.id FROM tickets t
        JOIN placed p ON p.ticket_id = t.id JOIN created c ON c.ticket_id = t.id JOIN entered n ON n.ticket_id = t.id
        LEFT JOIN started s ON s.ticket_id = t.id LEFT JOIN assigned a ON a.ticket_id = t.id
        WHERE c.n <> 1 OR c.at <> t.created_at OR p.board_id <> t.board_id OR p.to_column_id <> t.column_id
           OR p.to_lane_id IS DISTINCT FROM t.lane_id OR p.to_status <> t.status OR n.at <> t.column_entered_at
           OR s.at IS DISTINCT FROM t.started_at OR a.to_user_id IS DISTINCT FROM t.assignee_id
           OR (t.status = 'done') <> (t.resolved_at IS NOT NULL)
           OR (t.status = 'done' AND t.resolved_at <> p.at) OR t.version <> 1
           OR t.updated_at < p.at OR t.created_at > t.column_entered_at""")
    assert bad == []
    assert one(demo, "SELECT count(*) FROM tickets t WHERE NOT EXISTS "
                     "(SELECT 1 FROM ticket_events e WHERE e.ticket_id = t.id)") == 0


def test_columns_lanes_and_statuses_belong_together(demo):
    assert one(demo, """SELECT count(*) FROM tickets t JOIN board_columns c ON c.id = t.column_id
                        WHERE c.board_id <> t.board_id OR c.kind <> t.status""") == 0
    assert one(demo, """SELECT count(*) FROM tickets t JOIN lanes l ON l.id = t.lane_id
                        WHERE l.board_id <> t.board_id""") == 0
    # On agent-lane boards a card that is being worked sits in its assignee's lane.
    assert one(demo, """SELECT count(*) FROM tickets t JOIN boards b ON b.id = t.board_id AND b.lane_mode = 'agent'
                        LEFT JOIN lanes l ON l.id = t.lane_id
                        WHERE t.status <> 'queue' AND l.user_id IS DISTINCT FROM t.assignee_id""") == 0
    assert one(demo, """SELECT count(*) FROM ticket_events e JOIN board_columns c ON c.id = e.to_column_id
                        WHERE e.kind = 'moved' AND (c.board_id <> e.board_id OR c.kind <> e.to_status)""") == 0
    assert one(demo, "SELECT count(*) FROM tickets t JOIN teams tm ON tm.id = t.team_id "
                     "JOIN boards b ON b.id = t.board_id WHERE b.team_id <> t.team_id") == 0


def test_some_requests_arrive_between_midnight_and_four(demo):
    """The analytics' day boundaries are local midnight: the demo must have events on both sides of it."""
    night = one(demo, """SELECT count(*) FROM ticket_events
                         WHERE extract(hour FROM at AT TIME ZONE 'Europe/Moscow') < 4""")
    assert 0.0005 * TICKETS < night < 0.02 * TICKETS


def test_events_ascend_and_moves_chain(demo):
    assert one(demo, """SELECT count(*) FROM (SELECT at < lag(at) OVER (PARTITION BY ticket_id ORDER BY id) AS bad
                        FROM ticket_events) x WHERE bad""") == 0
    # Every move starts where the previous one ended.
    assert one(demo, """SELECT count(*) FROM (
                          SELECT kind, from_column_id,
                                 lag(to_column_id) OVER (PARTITION BY ticket_id ORDER BY id) AS prev
                          FROM ticket_events WHERE kind IN ('created', 'moved')) x
                        WHERE kind = 'moved' AND from_column_id <> prev""") == 0
    assert one(demo, "SELECT max(at) FROM ticket_events") <= one(demo, "SELECT max(updated_at) FROM tickets")


def test_first_response_is_the_first_public_agent_reply(demo):
    assert one(demo, """SELECT count(*) FROM tickets t LEFT JOIN LATERAL (
                          SELECT min(created_at) AS at FROM comments c
                          WHERE c.ticket_id = t.id AND c.is_public AND c.author_user_id IS NOT NULL) r ON true
                        WHERE r.at IS DISTINCT FROM t.first_response_at""") == 0
    assert one(demo, "SELECT count(*) FROM comments "
                     "WHERE (author_user_id IS NULL) = (author_requester_id IS NULL)") == 0
    assert one(demo, """SELECT count(*) FROM comments c WHERE NOT EXISTS (SELECT 1 FROM ticket_events e
                        WHERE e.ticket_id = c.ticket_id AND e.kind = 'comment' AND e.at = c.created_at
                        AND (e.data ->> 'comment_id')::bigint = c.id
                        AND e.to_value = CASE WHEN c.is_public THEN 'public' ELSE 'internal' END)""") == 0
    # Priority changes name priority ids, as tickets.set_priority writes them; the ticket has the last one.
    assert one(demo, """SELECT count(*) FROM ticket_events e JOIN tickets t ON t.id = e.ticket_id
                        WHERE e.kind = 'priority' AND e.id = (SELECT max(id) FROM ticket_events x
                              WHERE x.ticket_id = e.ticket_id AND x.kind = 'priority')
                          AND e.to_value <> t.priority_id::text""") == 0
    assert one(demo, "SELECT count(*) FROM ticket_events WHERE kind = 'priority'") > 0


def test_backlog_escalations_reopens_children_checklists(demo):
    open_ = one(demo, "SELECT count(*) FROM tickets WHERE status <> 'done'")
    assert 20 <= open_ <= 400
    assert one(demo, f"SELECT count(*) FROM tickets WHERE board_id = {L1} AND status <> 'done'") >= 5
    assert one(demo, "SELECT count(*) FROM ticket_events WHERE kind = 'escalated'") > 0.05 * TICKETS
    reopened = one(demo, f"SELECT avg((reopened_count > 0)::int) FROM tickets WHERE board_id = {L1}")
    assert 0.005 < reopened < 0.06
    assert one(demo, """SELECT count(*) FROM tickets c JOIN tickets p ON p.id = c.parent_id
                        WHERE c.created_at < p.created_at OR (p.status = 'done' AND (c.status <> 'done'
                              OR c.resolved_at > p.resolved_at))""") == 0
    assert one(demo, "SELECT count(*) FROM tickets WHERE parent_id IS NOT NULL") > 0
    assert one(demo, "SELECT count(*) FROM checklist_items WHERE done AND (done_at IS NULL)") == 0
    assert one(demo, "SELECT count(DISTINCT channel) FROM tickets") == 5
    # Go-live is local midnight (Moscow): a request at 01:30 on 1 December is after it.
    assert one(demo, """SELECT count(*) FROM tickets WHERE channel = 'telegram'
                        AND (created_at AT TIME ZONE 'Europe/Moscow') < '2024-12-01'""") == 0


def test_sequences_continue_after_the_loaded_ids(demo):
    for table in ("tickets", "ticket_events", "comments", "requesters", "checklist_items"):
        assert one(demo, f"SELECT nextval(pg_get_serial_sequence('{table}', 'id')) > (SELECT max(id) FROM {table})")
    assert one(demo, "SELECT nextval('ticket_number_seq') > (SELECT max(number) FROM tickets)")


def test_sla_is_what_the_store_computes_from_the_loaded_history(demo):
    """The SLA columns and clocks COPYed with the tickets equal a recompute from the rows in the database."""
    from datetime import datetime

    from data.sla import policies as sla_policies
    from data.sla import store as sla_store

    now = datetime.fromisoformat(demo["summary"]["now"])
    ids = [r[0] for r in q(demo, "SELECT id FROM tickets WHERE id % 7 = 3 ORDER BY id")]
    with Session(demo["engine"]) as s:
        expected = sla_store.evaluate(s, ids, sla_policies.load(s), now)
        stored = {r[0]: r[1:] for r in s.execute(text(
            "SELECT id, sla_policy_id, extract(epoch FROM first_response_due_at), extract(epoch FROM resolution_due_at),"
            " sla_first_response_breached, sla_resolution_breached, extract(epoch FROM sla_due_at),"
            " extract(epoch FROM sla_at_risk_at) FROM tickets WHERE id = ANY(:ids)"), {"ids": ids})}
        clocks = {}
        for r in s.execute(text("SELECT ticket_id, target, cycle, state, breached, extract(epoch FROM due_at), "
                                "elapsed_seconds FROM ticket_sla WHERE ticket_id = ANY(:ids)"), {"ids": ids}):
            clocks.setdefault(r[0], []).append(tuple(r[1:]))
    states = set()
    for tid, (policy, found) in expected.items():
        values = sla_store.ticket_values(policy.id if policy else None, found)
        want = (values["policy_id"], values["fr_due"], values["res_due"], values["fr_breached"],
                values["res_breached"], values["due"], values["risk"])
        assert [round(float(v), 3) if isinstance(v, (int, float)) and not isinstance(v, bool) else v
                for v in stored[tid]] == [round(v, 3) if isinstance(v, float) else v for v in want], tid
        assert sorted((c[0], c[1], c[2], c[3], None if c[4] is None else round(float(c[4]), 3), round(c[5], 3))
                      for c in clocks.get(tid, [])) == sorted(
            (c.target, c.cycle, c.state, c.breached, None if c.due_at is None else round(c.due_at, 3),
             round(c.elapsed, 3)) for c in found), tid
        states |= {c.state for c in found}
    assert {"met", "breached", "running"} <= states  # the board has green, amber and red timers to show


def test_the_load_leaves_planner_statistics_and_no_dead_rows(demo):
    """After a load the planner knows the table sizes (list counts are estimates from them) and
    no row was written twice."""
    # A partitioned table (ticket_events, by month) counts as the sum of its partitions.
    rows = {r[0]: r[1:] for r in q(demo, """
        SELECT coalesce(p.relname, c.relname), sum(c.reltuples), sum(c.relpages), sum(c.relallvisible),
               sum(s.n_dead_tup)
        FROM pg_class c JOIN pg_stat_user_tables s ON s.relid = c.oid
        LEFT JOIN pg_inherits i ON i.inhrelid = c.oid LEFT JOIN pg_class p ON p.oid = i.inhparent
        WHERE coalesce(p.relname, c.relname) IN ('tickets', 'ticket_events', 'comments', 'ticket_sla')
          AND c.relkind = 'r' AND c.reltuples > 0
        GROUP BY 1""")}
    for table in ("tickets", "ticket_events", "comments", "ticket_sla"):
        reltuples, relpages, all_visible, dead = rows[table]
        assert reltuples == one(demo, f"SELECT count(*) FROM {table}"), table
        # Index-only scans need no heap visits on all-visible pages. VACUUM cannot mark a page whose rows are
        # newer than the oldest snapshot some concurrent transaction on the server holds, so a busy server
        # (parallel test workers) may leave a few pages unmarked; the load itself must leave almost none.
        assert relpages > 0 and all_visible >= 0.95 * relpages, (table, all_visible, relpages)
        assert dead == 0, table


def test_some_cards_are_blocked_for_a_reason_and_the_card_shows_its_last_block(demo):
    blocks = dict(q(demo, "SELECT kind, count(*) FROM ticket_events WHERE kind IN ('blocked', 'unblocked') GROUP BY 1"))
    assert 0.02 * TICKETS < blocks["blocked"] < 0.1 * TICKETS and blocks["unblocked"] <= blocks["blocked"]
    assert one(demo, "SELECT count(DISTINCT to_value) FROM ticket_events WHERE kind = 'blocked'") >= 5
    assert one(demo, "SELECT count(*) FROM ticket_events WHERE kind = 'blocked' AND to_value IS NULL") == 0
    # A ticket is blocked now exactly when its last blocked/unblocked event is a block, with that reason.
    assert one(demo, """SELECT count(*) FROM tickets t LEFT JOIN LATERAL (
                          SELECT kind, to_value FROM ticket_events e WHERE e.ticket_id = t.id
                          AND e.kind IN ('blocked', 'unblocked') ORDER BY e.at DESC, e.id DESC LIMIT 1) b ON true
                        WHERE t.blocked <> coalesce(b.kind = 'blocked', false)
                           OR t.blocked_reason IS DISTINCT FROM CASE WHEN b.kind = 'blocked' THEN b.to_value END""") == 0


def test_resolved_demo_tickets_carry_satisfaction_ratings(demo):
    asked = one(demo, "SELECT count(*) FROM ratings")
    rated = one(demo, "SELECT count(*) FROM ratings WHERE score IS NOT NULL")
    done = one(demo, "SELECT count(*) FROM tickets WHERE status = 'done' AND requester_id IS NOT NULL")
    assert asked == done > 0 and 0.25 < rated / asked < 0.45
    scores = dict(q(demo, "SELECT score, count(*) FROM ratings WHERE score IS NOT NULL GROUP BY 1"))
    assert set(scores) == {1, 2, 3, 4, 5} and scores[5] > scores[1]
    assert one(demo, "SELECT count(*) FROM ratings WHERE comment IS NOT NULL") > 0


def test_demo_holiday_requests_wait_for_approval_in_each_state(demo):
    """`python -m data demo` adds the approvals story after the load (here in a transaction rolled back)."""
    from data.demo import approvals as demo_approvals
    with demo["engine"].connect() as conn:
        trans = conn.begin()
        try:
            s = Session(bind=conn)
            assert demo_approvals.create(s, datetime.fromisoformat(demo["summary"]["now"])) == 5
            s.flush()
            states = dict(s.execute(text("SELECT state, count(*) FROM approval_flows GROUP BY state")).all())
            assert states == {"pending": 3, "approved": 1, "rejected": 1}
            assert s.scalar(text("""SELECT count(*) FROM ticket_approvals a JOIN users u ON u.id = a.approver_id
                                    WHERE u.email = 'manager@okno.demo' AND a.decision IS NULL""")) == 2
            waiting = s.scalars(text("""SELECT c.name FROM approval_flows f JOIN tickets t ON t.id = f.ticket_id
                                        JOIN board_columns c ON c.id = t.column_id WHERE f.state = 'pending'""")).all()
            assert waiting == ["На согласовании"] * 3
            s.close()
        finally:
            trans.rollback()
