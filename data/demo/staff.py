"""Teams and staff users: the five demo logins, agents and a lead per team, business-unit owners."""
from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy.orm import Session
from werkzeug.security import generate_password_hash

from data.models import Team, User
from data.demo import spec
from data.demo.names import NameMaker

# email, name, role, team key (None: no team); the manager leads IT L1, the agent works in it.
DEMO_LOGINS = [
    ("admin@okno.demo", "Константин Орлов", "admin", None),
    ("manager@okno.demo", "Марина Волкова", "manager", "l1"),
    ("agent@okno.demo", "Алексей Петров", "agent", "l1"),
    ("analyst@okno.demo", "Анна Кузнецова", "analyst", None),
    ("director@okno.demo", "Дмитрий Соколов", "director", None),
]


@dataclass
class Staff:
    team_ids: dict[str, int] = field(default_factory=dict)
    agents: dict[str, list[int]] = field(default_factory=dict)  # team key -> agent user ids
    leads: dict[str, int] = field(default_factory=dict)  # team key -> lead user id
    unit_owners: list[int] = field(default_factory=list)  # parallel to spec.UNITS
    first_names: dict[int, str] = field(default_factory=dict)
    demo_user_ids: dict[str, int] = field(default_factory=dict)
    count: int = 0


def create_staff(session: Session, team_sizes: dict[str, int], seed: int) -> Staff:
    """team_sizes: agents per team key, the demo agent included in IT L1."""
    password_hash = generate_password_hash(spec.DEMO_PASSWORD)  # once: hashing is deliberately slow
    names = NameMaker(seed * 7919 + 17)
    for email, *_ in DEMO_LOGINS:
        names.used[email.split("@")[0]] = 1
    staff = Staff()
    teams = {}
    for key, name, level in spec.TEAMS:
        teams[key] = Team(name=name, line_level=level)
        session.add(teams[key])
    session.flush()
    staff.team_ids = {k: t.id for k, t in teams.items()}

    def add(email: str, name: str, role: str, team: str | None) -> User:
        user = User(email=email, name=name, password_hash=password_hash, role=role,
                    team_id=staff.team_ids[team] if team else None)
        session.add(user)
        return user

    fixed = {email: add(email, name, role, team) for email, name, role, team in DEMO_LOGINS}
    leads = {"l1": fixed["manager@okno.demo"]}
    agents: dict[str, list[User]] = {"l1": [fixed["agent@okno.demo"]]}
    for key, _, _ in spec.TEAMS:
        if key not in leads:
            full, _, local = names.person()
            leads[key] = add(f"{local}@{spec.STAFF_DOMAIN}", full, "manager", key)
        members = agents.setdefault(key, [])
        while len(members) < team_sizes[key]:
            full, _, local = names.person()
            members.append(add(f"{local}@{spec.STAFF_DOMAIN}", full, "agent", key))
    owners = []
    for _unit in spec.UNITS:
        full, _, local = names.person()
        owners.append(add(f"{local}@{spec.STAFF_DOMAIN}", full, "manager", None))
    session.flush()
    for key, lead in leads.items():
        teams[key].lead_id = lead.id
    staff.leads = {k: u.id for k, u in leads.items()}
    staff.agents = {k: [u.id for u in us] for k, us in agents.items()}
    staff.unit_owners = [u.id for u in owners]
    staff.demo_user_ids = {email: u.id for email, u in fixed.items()}
    every = list(fixed.values()) + list(leads.values()) + [u for us in agents.values() for u in us] + owners
    staff.first_names = {u.id: u.name.split()[0] for u in every}
    staff.count = len({u.id for u in every})
    session.flush()
    return staff
