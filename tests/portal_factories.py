"""Builders for catalog tests: a service with a request type carrying a form, checklist and routing."""
from __future__ import annotations

import itertools

from data.models import RequestType
from tests import factories as f

_seq = itertools.count(1)

PRINTER_FIELDS = [
    {"key": "remote_help", "type": "checkbox", "label": "Remote help"},
    {"key": "location", "type": "text", "label": "Location", "required": True,
     "show_when": {"field": "remote_help", "equals": False}},
    {"key": "topic", "type": "select", "label": "Topic", "required": True, "options": ["Printer", "Internet", "Other"]},
    {"key": "copies", "type": "number", "label": "Copies"},
    {"key": "since", "type": "date", "label": "Since"},
    {"key": "systems", "type": "multiselect", "label": "Systems", "options": ["CRM", "VPN", "Mail"]},
    {"key": "photo", "type": "file", "label": "Photo"},
]


def request_type(session, service, *, fields=None, checklist=None, routing=None, children=None,
                 children_mode="parallel", card_type="Question", priority=None, name="Other question"):
    rt = RequestType(service_id=service.id, code=f"rt{next(_seq)}", name=name, card_type=card_type,
                     field_schema=PRINTER_FIELDS if fields is None else fields, checklist=checklist or [],
                     routing=routing or {}, children=children or [], children_mode=children_mode,
                     default_priority_id=priority.id if priority else None)
    session.add(rt)
    session.flush()
    return rt


def desk(session):
    """A team with two agents and a lead, an agent-lane board, an IT service with the printer form."""
    team = f.team(session)
    lead = f.user(session, "manager", team, name="Lead")
    alice = f.user(session, "agent", team, name="Alice")
    bob = f.user(session, "agent", team, name="Bob")
    board = f.board(session, team, agents=[alice, bob])
    service = f.service(session, board)
    service.team_id = team.id
    session.flush()
    return dict(team=team, lead=lead, alice=alice, bob=bob, board=board, service=service)
