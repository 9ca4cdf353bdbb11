"""Team boundaries in the service layer: an agent of team A can neither change nor see team B's tickets,
whichever service or Dash callback they call; roles that span teams behave as docs/security.md says."""
from __future__ import annotations

import json
import re
import uuid

import pytest
from sqlalchemy import func, select

from data import permissions
from data.boards import moves as board_moves
from data.boards import setup as boards
from data.db import session_scope
from data.errors import PermissionDenied, ValidationError
from data.exports import jobs as export_jobs
from data.models import Attachment, ChecklistItem, Comment, Ticket, TicketEvent, User
from data.tickets import actions as tickets
from data.tickets import attachments, checklists, children, escalation
from data.tickets import query as ticket_query
from data.tickets.filters import TicketFilter
from tests import factories as f


def build(session, lines: bool = True):
    """Two teams (the L1 and L2 lines when `lines`), each with a board, an agent and a ticket; a shared board
    with no team. Committed copies get no line levels: they must not become other tests' escalation targets."""
    tag = uuid.uuid4().hex[:6]
    a = f.team(session, f"A {tag}", line_level=1 if lines else None)
    b = f.team(session, f"B {tag}", line_level=2 if lines else None)
    w = {"team_a": a, "team_b": b}
    for key, team in (("a", a), ("b", b)):
        w[f"agent_{key}"] = f.user(session, "agent", team)
        w[f"board_{key}"] = f.board(session, team, agents=[w[f"agent_{key}"]])
        w[f"ticket_{key}"] = tickets.create(session, w[f"agent_{key}"], title=f"{key} {tag} printer",
                                            board_id=w[f"board_{key}"].id)
        w[f"item_{key}"] = checklists.add(session, w[f"agent_{key}"], w[f"ticket_{key}"].id, "check cable")
    w["board_shared"] = f.board(session, None, name=f"Shared {tag}")
    w["ticket_shared"] = tickets.create(session, w["agent_b"], title=f"shared {tag}", board_id=w["board_shared"].id)
    w["tag"] = tag
    return w


@pytest.fixture
def world(session):
    return build(session)


def _row(session, ticket_id):
    session.expire_all()
    t = session.get(Ticket, ticket_id)
    return (t.board_id, t.column_id, t.lane_id, t.assignee_id, t.priority_id, t.blocked, t.team_id, t.version,
            session.scalar(select(func.count()).select_from(TicketEvent).where(TicketEvent.ticket_id == ticket_id)),
            session.scalar(select(func.count()).select_from(Comment).where(Comment.ticket_id == ticket_id)),
            session.scalar(select(func.count()).select_from(Attachment).where(Attachment.ticket_id == ticket_id)),
            tuple(session.execute(select(ChecklistItem.id, ChecklistItem.done)
                                  .where(ChecklistItem.ticket_id == ticket_id).order_by(ChecklistItem.id)).all()),
            session.scalar(select(func.count()).select_from(Ticket).where(Ticket.parent_id == ticket_id)))


# Each write a staff member can make on a ticket, as team A's agent aims it at team B's ticket.
WRITES = {
    "move_within_b": lambda s, w, me, t: tickets.move(s, me, t.id, f.column(w["board_b"], "in_progress").id),
    "move_b_to_own_board": lambda s, w, me, t: tickets.move(s, me, t.id, f.column(w["board_a"], "queue").id),
    "board_move_payload": lambda s, w, me, t: board_moves.apply(
        s, me, {"ticket": t.id, "version": t.version, "column": f.column(w["board_b"], "done").id}),
    "assign_to_self": lambda s, w, me, t: tickets.assign(s, me, t.id, me.id),
    "unassign": lambda s, w, me, t: tickets.assign(s, me, t.id, None),
    "set_priority": lambda s, w, me, t: tickets.set_priority(s, me, t.id, f.priority(s).id),
    "block": lambda s, w, me, t: tickets.set_blocked(s, me, t.id, True, "waiting for parts"),
    "reply": lambda s, w, me, t: tickets.comment(s, me, t.id, "Fixed?", public=True),
    "note": lambda s, w, me, t: tickets.comment(s, me, t.id, "internal", public=False),
    "escalate": lambda s, w, me, t: escalation.escalate(s, me, t.id),
    "checklist_add": lambda s, w, me, t: checklists.add(s, me, t.id, "one more"),
    "checklist_tick": lambda s, w, me, t: checklists.tick(s, me, w["item_b"].id, True),
    "child_card": lambda s, w, me, t: children.create(s, me, t.id, w["board_a"].id, "sub-task"),
    "attachment": lambda s, w, me, t: attachments.store(
        s, t, [{"filename": "a.txt", "content": b"x", "content_type": "text/plain"}], actor=me),
}


@pytest.mark.parametrize("write", sorted(WRITES))
def test_agent_cannot_write_on_another_teams_ticket(session, world, write):
    target = world["ticket_b"]
    if write == "escalate":  # escalation goes up a line: aim at team A's line-1 ticket from team B's agent
        me, target = world["agent_b"], world["ticket_a"]
    else:
        me = world["agent_a"]
    before = _row(session, target.id)
    with pytest.raises(PermissionDenied):
        WRITES[write](session, world, me, session.get(Ticket, target.id))
    assert _row(session, target.id) == before


def test_agent_may_not_give_a_ticket_to_someone_outside_its_board(session, world):
    lead_a = f.user(session, "manager", world["team_a"])
    before = _row(session, world["ticket_a"].id)
    with pytest.raises(ValidationError) as err:  # the assignee field is wrong: someone of another team
        tickets.assign(session, lead_a, world["ticket_a"].id, world["agent_b"].id)
    assert world["board_a"].name in err.value.message("en") and "assignee" in err.value.fields
    assert _row(session, world["ticket_a"].id) == before


def test_own_team_shared_boards_and_channels_still_write(session, world):
    me = world["agent_a"]
    for t in (world["ticket_a"], world["ticket_shared"]):
        tickets.assign(session, me, t.id, me.id)
        tickets.comment(session, me, t.id, "on it", public=False)
        tickets.set_blocked(session, me, t.id, True, "parts")
    escalated = escalation.escalate(session, me, world["ticket_a"].id)  # A is line 1: off to B's board
    assert escalated.board_id == world["board_b"].id
    with pytest.raises(PermissionDenied):  # and now it is B's ticket
        tickets.comment(session, me, escalated.id, "one more thing", public=False)
    # Channels keep their own rules: a requester writes on their own ticket, whatever board it is on.
    req = f.requester(session, email=f"{world['tag']}@corp.example")
    own = tickets.create(session, req, title="from the portal", board_id=world["board_b"].id,
                         requester_id=req.id, channel="portal")
    tickets.comment(session, req, own.id, "any news?", channel="portal")
    tickets.comment(session, None, own.id, "auto-reply", system=True)
    assert session.scalar(select(func.count()).select_from(Comment).where(Comment.ticket_id == own.id)) == 2


def test_agent_sees_only_own_team_tickets_and_boards(session, world):
    me, tag = world["agent_a"], world["tag"]
    listed = {r["number"] for r in ticket_query.page(session, me, TicketFilter(q=tag), limit=100)}
    assert listed == {world["ticket_a"].number, world["ticket_shared"].number}
    assert ticket_query.count(session, me, TicketFilter(q=tag)) == (2, True)
    exported = b"".join(ticket_query.export_csv(session, me, TicketFilter(q=tag), ["number"])).decode()
    assert str(world["ticket_b"].number) not in exported and str(world["ticket_a"].number) in exported
    assert export_jobs.start(session, me, query={"q": tag}, fmt="xlsx").rows_total == 2
    # The #number lookup: neither the list's search nor the card opens team B's ticket.
    assert ticket_query.page(session, me, TicketFilter(q=f"#{world['ticket_b'].number}")) == []
    with pytest.raises(PermissionDenied):
        tickets.get_by_number(session, me, world["ticket_b"].number)
    names = {b.name for b in boards.usable(session, me)}
    assert world["board_a"].name in names and world["board_shared"].name in names
    assert world["board_b"].name not in names
    with pytest.raises(PermissionDenied):
        boards.get(session, me, world["board_b"].id)


def test_manager_leads_own_teams_only_admin_spans_teams(session, world):
    lead = f.user(session, "manager", None)
    world["team_a"].lead_id = lead.id  # leads team A without being a member of it
    session.flush()
    tickets.assign(session, lead, world["ticket_a"].id, world["agent_a"].id)
    assert world["board_b"].name not in {b.name for b in boards.usable(session, lead)}
    with pytest.raises(PermissionDenied):
        tickets.set_priority(session, lead, world["ticket_b"].id, None)
    listed = {r["number"] for r in ticket_query.page(session, lead, TicketFilter(q=world["tag"]))}
    assert world["ticket_b"].number not in listed and world["ticket_a"].number in listed
    # An admin's role spans teams.
    admin = f.user(session, "admin")
    tickets.assign(session, admin, world["ticket_b"].id, world["agent_b"].id)
    tickets.comment(session, admin, world["ticket_b"].id, "admin note", public=False)
    listed = {r["number"] for r in ticket_query.page(session, admin, TicketFilter(q=world["tag"]))}
    assert {world["ticket_a"].number, world["ticket_b"].number} <= listed


@pytest.mark.parametrize("role", ["analyst", "director"])
def test_analyst_and_director_read_everything_and_write_nothing(session, world, role):
    reader = f.user(session, role)
    listed = {r["number"] for r in ticket_query.page(session, reader, TicketFilter(q=world["tag"]))}
    assert {world["ticket_a"].number, world["ticket_b"].number, world["ticket_shared"].number} <= listed
    assert tickets.get_by_number(session, reader, world["ticket_b"].number).id == world["ticket_b"].id
    before = _row(session, world["ticket_b"].id)
    with pytest.raises(PermissionDenied):
        tickets.comment(session, reader, world["ticket_b"].id, "hello", public=False)
    assert _row(session, world["ticket_b"].id) == before
    assert permissions.may_see(session, reader, world["ticket_b"])
    assert not permissions.may_touch(session, reader, world["ticket_b"])



# ---- a forged Dash callback over HTTP ----

@pytest.fixture
def web_world(database_url):
    with session_scope() as s:
        w = build(s, lines=False)
        return {"agent_a": w["agent_a"].email, "board_a": w["board_a"].id, "board_b": w["board_b"].id,
                "ticket_b": w["ticket_b"].id, "number_b": w["ticket_b"].number, "version_b": w["ticket_b"].version,
                "done_b": f.column(w["board_b"], "done").id, "queue_a": f.column(w["board_a"], "queue").id,
                "lane_a": f.lane_of(w["board_a"], w["agent_a"]).id}


def sign_in(client, email):
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").get_data(as_text=True)).group(1)
    assert client.post("/login", data={"email": email, "password": f.PASSWORD, "csrf_token": token}).status_code == 302


def post_callback(client, body):
    return client.post("/_dash-update-component", data=json.dumps(body),
                       headers={"Content-Type": "application/json",
                                "X-CSRFToken": client.get_cookie("_csrf_token").value})


def _state(ids_values):
    return [{"id": i, "property": p, "value": v} for i, p, v in ids_values]


def ticket_action(client, number, trigger, value, reply=None):
    """One of the card page's action callbacks (pages/ticket.py: one per action) as the browser sends it."""
    spec = next(c for c in client.get("/_dash-dependencies").get_json()
                if [i["id"] for i in c["inputs"]] == [trigger] and "tk-done.data" in c["output"])
    prop_name = spec["inputs"][0]["property"]
    states = {"tk-number": number, "tk-reply": reply}
    # "tk-done.data@…" alone, or "..tk-done.data@…...tk-comments.children.." when the action draws more (a reply)
    parts = [p.split("@")[0].rsplit(".", 1) for p in spec["output"].strip(".").split("...")]
    outputs = [{"id": i, "property": p} for i, p in parts]
    return {"output": spec["output"], "outputs": outputs if spec["output"].startswith("..") else outputs[0],
            "inputs": [{"id": trigger, "property": prop_name, "value": value}],
            "state": [{"id": st["id"], "property": st["property"], "value": states.get(st["id"])}
                      for st in spec["state"]],
            "changedPropIds": [f"{trigger}.{prop_name}"]}


def _web_row(ticket_id):
    with session_scope() as s:
        return _row(s, ticket_id)


@pytest.mark.parametrize("trigger,value,reply", [("tk-assignee", "self", None), ("tk-send", 1, "Done, close it"),
                                                 ("tk-note", 1, "psst"), ("tk-escalate", 1, None)])
def test_forged_card_callback_is_refused_and_changes_nothing(app, web_world, trigger, value, reply):
    w = web_world
    with app.test_client() as client:
        sign_in(client, w["agent_a"])
        client.get("/lang/en")
        before = _web_row(w["ticket_b"])
        with session_scope() as s:
            me = s.scalar(select(User.id).where(User.email == w["agent_a"]))
        response = post_callback(client, ticket_action(client, w["number_b"], trigger,
                                                       me if value == "self" else value, reply))
        assert response.status_code in (200, 403), response.get_data(as_text=True)
        text = response.get_data(as_text=True)
        assert f"Ticket #{w['number_b']} belongs to another team" in text
        if response.status_code == 200:  # the card's own alert, in red
            outcome = response.get_json()["response"]["tk-done"]["data"]
            # A select is drawn again after a refusal (it shows the real assignee, here an error instead).
            assert outcome["color"] == "danger" and outcome["redraw"] is (trigger == "tk-assignee")
        assert _web_row(w["ticket_b"]) == before


def board_move(client, w, board_id, ticket_id, version, column_id):
    """The board's refresh callback (pages/board.py) with a drag's move payload, as team A's board page
    (one agent lane) sends it."""
    name = next(c["output"] for c in client.get("/_dash-dependencies").get_json()
                if "board-msg.children" in c["output"])
    cells = [{"id": {"type": "board-cell", "column": w["queue_a"], "lane": lane}, "property": "children"}
             for lane in (0, w["lane_a"])]
    move = {"ticket": ticket_id, "version": version, "column": column_id, "from_column": column_id}
    return {"output": name,
            "outputs": [[], cells, {"id": "board-lanes", "property": "children"},
                        {"id": "board-revs", "property": "data"}, {"id": "board-limits", "property": "data"},
                        {"id": "board-msg", "property": "children"}, {"id": "board-msg", "property": "is_open"}],
            "inputs": _state([("board-move", "data", move), ("board-poll", "n_intervals", None),
                              ("board-filter", "data", {}), ("board-more", "data", None)]),
            "state": _state([("board-id", "data", board_id), ("board-revs", "data", {"board": 0, "columns": {}}),
                             ("board-limits", "data", {})]),
            "changedPropIds": ["board-move.data"]}


def test_forged_board_move_is_refused_and_changes_nothing(app, web_world):
    w = web_world
    with app.test_client() as client:
        sign_in(client, w["agent_a"])
        client.get("/lang/ru")
        before = _web_row(w["ticket_b"])
        # Sent from team A's own board, aimed at team B's card: the board's alert says why.
        response = post_callback(client, board_move(client, w, w["board_a"], w["ticket_b"], w["version_b"],
                                                    w["queue_a"]))
        assert response.status_code == 200, response.get_data(as_text=True)
        message = response.get_json()["response"]["board-msg"]
        assert message["is_open"] is True
        assert f"Заявка #{w['number_b']} относится к другой команде" in message["children"]
        # Sent as if from team B's board: the page's fault alert says why (web/faults.py), no data.
        response = post_callback(client, board_move(client, w, w["board_b"], w["ticket_b"], w["version_b"],
                                                    w["done_b"]))
        assert response.status_code == 200
        fault = response.get_json()["response"]["okno-fault"]
        assert fault["is_open"] is True and "другой команде" in fault["children"]
        assert set(response.get_json()["response"]) == {"okno-fault"}
        assert _web_row(w["ticket_b"]) == before
