"""Reference data through the ORM: priorities, boards with columns and lanes, services, request
types with their forms, checklists, routing and child cards, reply templates."""
from __future__ import annotations

import copy
from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from data.models import Board, BoardColumn, Lane, Priority, ReplyTemplate, RequestType, Service
from data.demo import spec
from data.demo.staff import Staff, create_staff


@dataclass
class BoardInfo:
    key: str
    id: int
    team_id: int
    lane_mode: str
    queue: int = 0
    in_progress: list[int] = field(default_factory=list)
    waiting: int = 0
    done: int = 0
    lane_of_user: dict[int, int] = field(default_factory=dict)
    unit_lanes: list[int] = field(default_factory=list)


@dataclass
class TypeInfo:
    code: str
    id: int
    service: str
    service_id: int
    card_type: str
    priority: int | None  # index into spec.PRIORITIES of the default priority


@dataclass
class Catalog:
    staff: Staff
    priority_ids: list[int]
    boards: dict[str, BoardInfo]
    services: dict[str, int]
    types: dict[str, TypeInfo]


REPLY_TEMPLATES = [  # name, service code (None: all), body
    ("Заявка принята", None, "Здравствуйте, {requester}! Ваша заявка #{number} принята, ей занимается {agent}. "
                             "Ответим в ближайшее время."),
    ("Уточнение деталей", None, "{requester}, уточните, пожалуйста, детали по заявке #{number}: когда проблема "
                                "появилась и что уже пробовали сделать? {agent}"),
    ("Решено", None, "{requester}, заявка #{number} выполнена. Если что-то пойдёт не так — просто ответьте на это "
                     "сообщение, и мы вернёмся к ней. {agent}"),
    ("Передано на вторую линию", "it", "{requester}, ваша заявка #{number} передана специалистам второй линии. "
                                       "Статус можно смотреть на портале. {agent}"),
    ("Удалённое подключение", "it", "{requester}, подключусь к вашему компьютеру через пару минут — не выключайте "
                                    "его, пожалуйста. {agent}"),
    ("Нужны документы", "hr", "{requester}, для заявки #{number} не хватает документов. Пришлите их ответом на это "
                              "сообщение. {agent}"),
    ("Договор на согласовании", "legal", "{requester}, договор по заявке #{number} ушёл на согласование. "
                                         "Сообщим, как только получим ответ. {agent}"),
    ("Счёт оплачен", "accounting", "{requester}, счёт по заявке #{number} оплачен, платёжное поручение во "
                                   "вложении. {agent}"),
    ("Спасибо за идею", "ideas", "{requester}, спасибо за идею #{number}! Продакт-менеджеры рассмотрят её и "
                                 "расскажут о решении. {agent}"),
]
REPLY_TEMPLATES_EN = [
    ("Request received", None, "Hello {requester}! Your request #{number} has been received; {agent} is on it."),
    ("Resolved", None, "{requester}, request #{number} is done. Reply to this message if anything goes wrong. {agent}"),
]


def create_catalog(session: Session, team_sizes: dict[str, int], seed: int) -> Catalog:
    priorities = [Priority(code=c, rank=r, name_ru=ru, name_en=en, color=col) for c, r, ru, en, col in spec.PRIORITIES]
    session.add_all(priorities)
    staff = create_staff(session, team_sizes, seed)
    boards = _create_boards(session, staff)
    services = {}
    for position, (code, (name, description, board_key, team_key)) in enumerate(spec.SERVICES.items()):
        board = boards[board_key]
        services[code] = Service(
            code=code, name=name, description=description, board_id=board.id, column_id=board.queue,
            team_id=staff.team_ids[team_key], allowed_domains=list(spec.COMPANY_DOMAINS),
            notify={"on_status_change": True, "on_public_reply": True},
            auto_reply_template="Ваша заявка #{number} принята", position=position)
    session.add_all(services.values())
    session.flush()
    priority_index = {p[0]: i for i, p in enumerate(spec.PRIORITIES)}
    types = {}
    position = 0
    for code, t in spec.TYPES.items():
        position += 1
        prio = priority_index.get(t.get("priority", "normal"))
        rt = RequestType(
            service_id=services[t["service"]].id, code=code, name=t["name"], card_type=t["card_type"],
            description=f"{t['name']}: заполните поля формы, и заявка попадёт к нужному специалисту.",
            field_schema=copy.deepcopy(t["fields"]), checklist=copy.deepcopy(t.get("checklist", [])),
            default_priority_id=priorities[prio].id, routing=_routing(t["routing"], staff, boards),
            children=_children(t.get("children"), boards, staff), children_mode="parallel", position=position)
        session.add(rt)
        types[code] = rt
    for name, service, body in REPLY_TEMPLATES:
        session.add(ReplyTemplate(name=name, body=body, service_id=services[service].id if service else None))
    for name, service, body in REPLY_TEMPLATES_EN:
        session.add(ReplyTemplate(name=name, body=body, service_id=None, locale="en"))
    session.flush()
    return Catalog(
        staff=staff, priority_ids=[p.id for p in priorities], boards=boards,
        services={c: s.id for c, s in services.items()},
        types={c: TypeInfo(c, rt.id, spec.TYPES[c]["service"], rt.service_id, rt.card_type,
                           priority_index.get(spec.TYPES[c].get("priority", "normal"))) for c, rt in types.items()})


def _create_boards(session: Session, staff: Staff) -> dict[str, BoardInfo]:
    result = {}
    for key, (name, lane_mode, team_key, columns) in spec.BOARDS.items():
        board = Board(name=name, lane_mode=lane_mode, team_id=staff.team_ids[team_key])
        session.add(board)
        session.flush()
        info = BoardInfo(key, board.id, staff.team_ids[team_key], lane_mode)
        for position, (col_name, kind, requester_status, options) in enumerate(columns):
            col = BoardColumn(board_id=board.id, name=col_name, kind=kind, position=position,
                              requester_status=requester_status, **options)
            session.add(col)
            session.flush()
            if kind == "in_progress":
                info.in_progress.append(col.id)
            else:
                setattr(info, kind, col.id)
        if lane_mode == "agent":
            for position, user_id in enumerate(staff.agents[team_key]):
                lane = Lane(board_id=board.id, name=_user_name(session, user_id), position=position,
                            user_id=user_id, team_id=staff.team_ids[team_key])
                session.add(lane)
                session.flush()
                info.lane_of_user[user_id] = lane.id
        elif lane_mode == "unit":
            for position, (unit, owner) in enumerate(zip(spec.UNITS, staff.unit_owners)):
                lane = Lane(board_id=board.id, name=unit, position=position, owner_id=owner)
                session.add(lane)
                session.flush()
                info.unit_lanes.append(lane.id)
                info.lane_of_user[owner] = lane.id
        result[key] = info
    return result


def _user_name(session: Session, user_id: int) -> str:
    from data.models import User
    return session.get(User, user_id).name


def _routing(routing: dict, staff: Staff, boards: dict[str, BoardInfo]) -> dict:
    out = {"assign": routing["assign"]}
    if "team" in routing:
        out["team_id"] = staff.team_ids[routing["team"]]
    user = routing.get("user")
    if user == "unit-owner":  # the lane of the chosen unit decides; its owner scores the card, L3 holds it
        out["assign"], out["team_id"] = "round_robin", staff.team_ids["l3"]
        out["rules"] = [{"field": "unit", "equals": unit, "lane_id": lane}
                        for unit, lane in zip(spec.UNITS, boards["prio"].unit_lanes)]
    elif user:
        team, which = user.split(":")
        agents = staff.agents[team]
        out["user_id"] = staff.leads[team] if which == "lead" else agents[int(which) % len(agents)]
    if routing.get("rules") == "printer-rule":  # the topic decides the card type and the assignee (FMCG)
        l1 = staff.agents["l1"]
        out["rules"] = [
            {"field": "topic", "equals": "Принтер", "card_type": "Hardware", "assignee_id": l1[0]},
            {"field": "topic", "equals": "Интернет", "card_type": "Network", "assignee_id": l1[-1]},
            {"field": "topic", "equals": "1С", "card_type": "1С", "team_id": staff.team_ids["l2"]},
        ]
    return out


def _children(kind: str | None, boards: dict[str, BoardInfo], staff: Staff) -> list:
    if kind != "onboarding":
        return []
    out = []
    for child in spec.ONBOARDING_CHILDREN:
        board = boards[child["board"]]
        team = spec.BOARDS[child["board"]][2]
        out.append({"board_id": board.id, "column_id": board.queue, "title": child["title"],
                    "card_type": child["card_type"], "checklist": [{"text": t, "required_on_submit": False}
                                                                    for t in child["checklist"]],
                    "assignee_id": staff.agents[team][0] if team == "acc" else None})
    return out
