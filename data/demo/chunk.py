"""One chunk of tickets (a slice of the year's arrivals, plus child cards) simulated on the boards."""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from data.demo import spec
from data.demo.catalog import Catalog
from data.demo.history import K, S, STEPS_PER_SEGMENT, Log, simulate
from data.demo.people import Requesters
from data.demo.plan import PARAMS, SERVICE_BOARD, Plan
from data.demo.texts import CasePools
from data.sla.policies import PolicySet

CHANNELS = ("email", "telegram", "portal", "api", "agent")
SERVICE_CODES = tuple(spec.SERVICES)
BOARD_KEYS = tuple(spec.BOARDS)
ONB = spec.TYPE_CODES.index("onboarding")
CHECKLIST_TEXTS = (spec.CONTRACT_CHECKLIST + spec.IDEA_CHECKLIST +
                   [t for c in spec.ONBOARDING_CHILDREN for t in c["checklist"]])
# Values of escalated / priority events: index -> (from_value, to_value, data JSON).
VALUES = [("IT L1", "IT L2", '{"from_line": 1, "to_line": 2}'), ("IT L2", "IT L3", '{"from_line": 2, "to_line": 3}')]
PRIO_VALUE0 = len(VALUES)
VALUES += [(a[0], b[0], None) for a in spec.PRIORITIES for b in spec.PRIORITIES]


@dataclass
class Context:
    plan: Plan
    cat: Catalog
    req: Requesters
    pools: CasePools
    policies: PolicySet = field(default_factory=lambda: PolicySet([]))  # SLA, computed as chunks are written
    # The tickets' stored sort keys: priority id -> rank, user id -> name, service id -> name.
    sort_keys: dict[str, dict] = field(default_factory=dict)
    agent_weight: dict[str, np.ndarray] = field(default_factory=dict)

    def __post_init__(self):
        rng = np.random.default_rng([self.plan.seed, 3])
        for team, agents in self.cat.staff.agents.items():
            w = 0.8 + 0.4 * rng.random(len(agents))  # some agents are a bit faster than others
            self.agent_weight[team] = w / w.sum()


@dataclass
class Chunk:
    n_main: int
    created: np.ndarray
    type_idx: np.ndarray  # -1 for child cards
    service: np.ndarray
    requester: np.ndarray
    channel: np.ndarray
    priority: np.ndarray  # initial priority index (priority events may raise it)
    case: np.ndarray  # index into the type's case pool (children: the parent's)
    parent: np.ndarray  # local index of the parent, -1
    child_tpl: np.ndarray  # index into spec.ONBOARDING_CHILDREN, -1
    log: Log
    checklist: dict  # tix, text, position, required, at (-1 not done), user
    attach: np.ndarray  # local ticket indices with an attachment


def simulate_chunk(ctx: Context, lo: int, hi: int, chunk_no: int) -> Chunk:
    plan, cat, staff = ctx.plan, ctx.cat, ctx.cat.staff
    rng = np.random.default_rng([plan.seed, 10, chunk_no])
    ty_main = plan.type_idx[lo:hi].astype(np.int64)
    n_main = hi - lo
    onb = np.flatnonzero(ty_main == ONB)
    parent = np.concatenate([np.full(n_main, -1), np.repeat(onb, 3)])
    child_tpl = np.concatenate([np.full(n_main, -1), np.tile(np.arange(3), len(onb))])
    n = len(parent)
    kids = np.arange(n_main, n)
    created = np.empty(n, dtype=np.int64)
    created[:n_main] = plan.arrivals[lo:hi]
    created[kids] = np.minimum(created[parent[kids]] + rng.integers(60, 600, len(kids)), plan.now - 1)
    type_idx = np.concatenate([ty_main, np.full(len(kids), -1)])
    svc_of_type = np.array([SERVICE_CODES.index(spec.TYPES[c]["service"]) for c in spec.TYPE_CODES])
    service = np.where(type_idx >= 0, svc_of_type[np.maximum(type_idx, 0)], 0)
    service[kids] = [SERVICE_CODES.index(spec.ONBOARDING_CHILDREN[j]["service"]) for j in child_tpl[kids]]
    requester = np.empty(n, dtype=np.int64)
    requester[:n_main] = ctx.req.pick(rng, n_main)
    requester[kids] = requester[parent[kids]]
    after = created >= plan.go_live_ts
    channel = _channels(rng, ctx.req.has_telegram[requester - 1], after)
    channel[kids] = CHANNELS.index("agent")
    default_prio = np.array([cat.types[c].priority for c in spec.TYPE_CODES])
    priority = np.where(rng.random(n) < 0.5, default_prio[np.maximum(type_idx, 0)],
                        rng.choice(5, size=n, p=spec.PRIORITY_SHARE))
    priority[kids] = 2
    case = rng.integers(0, ctx.pools.size, n)
    case[kids] = case[parent[kids]]
    log = Log()
    codes = {k: i for i, k in enumerate(BOARD_KEYS)}

    def pick(team, m):
        return rng.choice(staff.agents[team], size=m, p=ctx.agent_weight[team])

    def run(board, idx, t_in, assignee, auto, prm, **extra):
        team = spec.BOARDS[board][2]
        actor = np.where(rng.random(len(idx)) < 0.5, staff.leads[team], assignee)
        seg = dict(tix=idx, t_in=t_in, assignee=assignee, auto=auto, assign_actor=actor,
                   requester=requester[idx], **extra)
        return simulate(log, plan.clock, rng, cat.boards[board], codes[board], seg, prm)

    def escalate(res, idx, board, team, step0, value, prm):
        moved = res["transferred"]
        i = idx[moved]
        out = run(board, i, res["t_out"][moved], pick(team, len(i)), False, prm, entry="transfer",
                  step0=step0, escalate=value is not None, value=-1 if value is None else value,
                  from_col=res["from_col"], from_lane=res["from_lane"][moved], from_user=res["from_user"][moved],
                  from_status=S["in_progress"])
        return out, i

    board_of = np.array([BOARD_KEYS.index(SERVICE_BOARD[s]) for s in SERVICE_CODES])[service]
    main = np.zeros(n, bool)
    main[:n_main] = True
    step = STEPS_PER_SEGMENT
    # IT: first line, escalations to the second and third lines.
    i1 = np.flatnonzero(main & (board_of == codes["l1"]))
    a1 = after[i1]
    speed = np.asarray(spec.PRIORITY_SPEED)[priority[i1]]
    r1 = run("l1", i1, created[i1], pick("l1", len(i1)), a1, PARAMS["l1"],
             dur_med=np.where(a1, plan.l1_dur_med[1], plan.l1_dur_med[0]) * speed,
             resp_med=np.where(a1, PARAMS["l1_after"]["resp_med"], PARAMS["l1"]["resp_med"]) * np.sqrt(speed))
    r2, i2 = escalate(r1, i1, "l2", "l2", step, 0, PARAMS["l2"])
    escalate(r2, i2, "l3", "l3", 2 * step, 1, PARAMS["l3"])
    # Business-unit prioritisation: the best go on to "Готово для IT" on the third line.
    ip = np.flatnonzero(main & (board_of == codes["prio"]))
    unit_of_case = {c: np.asarray(ctx.pools.unit[c]) for c in ("improvement", "automation")}
    unit = np.where(type_idx[ip] == spec.TYPE_CODES.index("improvement"), unit_of_case["improvement"][case[ip]],
                    unit_of_case["automation"][case[ip]])  # the unit chosen in the form picks the lane
    # The unit's lane (its owner scores the card); an agent of the board's team (IT L3) is the assignee: only
    # the board's team may hold its cards.
    rp = run("prio", ip, created[ip], pick("l3", len(ip)), True, PARAMS["prio"],
             lane=np.asarray(cat.boards["prio"].unit_lanes)[unit])
    escalate(rp, ip, "l3", "l3", step, None, PARAMS["l3"])
    # Departments; fixed routing for some request types.
    checklist: list[tuple] = []
    for board in ("hr", "legal", "acc", "ideas"):
        idx = np.flatnonzero(main & (board_of == codes[board]) & (type_idx != ONB))
        team = spec.BOARDS[board][2]
        assignee = pick(team, len(idx))
        if board == "hr":  # routing: fixed assignees for sports compensation and vacancies
            for code, which in (("sport", 0), ("vacancy", 1)):
                agents = staff.agents[team]
                assignee[type_idx[idx] == spec.TYPE_CODES.index(code)] = agents[which % len(agents)]
        res = run(board, idx, created[idx], assignee, after[idx] & (board != "legal"), PARAMS[board])
        if board == "ideas":
            _tick(checklist, log, plan, idx, res, assignee, CHECKLIST_TEXTS.index(spec.IDEA_CHECKLIST[0]), 5)
    contract = np.flatnonzero(type_idx == spec.TYPE_CODES.index("contract"))
    for j in range(3):
        checklist.append((contract, np.full(len(contract), j), j, True, created[contract], -1))
    # New hires: child cards for payroll, accounting and admins, the parent closes after them.
    first_text = len(spec.CONTRACT_CHECKLIST) + len(spec.IDEA_CHECKLIST)
    child_end = np.zeros(len(kids))
    for j, tpl in enumerate(spec.ONBOARDING_CHILDREN):
        sel = np.flatnonzero(child_tpl[kids] == j)
        idx = kids[sel]
        team = spec.BOARDS[tpl["board"]][2]
        assignee = pick(team, len(idx))
        res = run(tpl["board"], idx, created[idx], assignee, True, PARAMS["child"], creator_req=-1)
        if len(idx):
            child_end[sel] = res["b_end"]
            _tick(checklist, log, plan, idx, res, assignee, first_text, len(tpl["checklist"]))
        first_text += len(tpl["checklist"])
    hr = spec.BOARDS["hr"][2]
    run("hr", onb, created[onb], np.full(len(onb), staff.leads[hr]), True, PARAMS["hr"],
        end_at_least=child_end.reshape(-1, 3).max(axis=1) if len(onb) else np.zeros(0))
    # Priority raised by a lead soon after creation.
    up = main & (priority > 0) & (rng.random(n) < 0.05)
    new_prio = priority - 1
    lead_of_board = np.array([staff.leads[spec.BOARDS[b][2]] for b in BOARD_KEYS])
    log.event(up, tix=np.arange(n), at=created + rng.integers(120, 4 * 3600, n), step=4, kind=K["priority"],
              actor_user=lead_of_board[board_of], value=PRIO_VALUE0 + 5 * priority + new_prio)
    cl = {k: np.concatenate([np.broadcast_to(np.asarray(c[i]), (len(c[0]),)) for c in checklist]).astype(np.int64)
          for i, k in enumerate(("tix", "text", "position", "required", "at", "user"))} if checklist else {}
    files = [spec.TYPE_CODES.index(c) for c in spec.TYPE_CODES if spec.TYPES[c].get("file")]
    attach = np.flatnonzero(np.isin(type_idx, files))
    return Chunk(n_main, created, type_idx, service, requester, channel, priority, case, parent, child_tpl, log,
                 cl, attach)


def _channels(rng, has_tg: np.ndarray, after: np.ndarray) -> np.ndarray:
    out = np.empty(len(after), dtype=np.int64)
    for mask, shares in ((~after, spec.CHANNEL_SHARE_BEFORE), (after & has_tg, spec.CHANNEL_SHARE_AFTER_TG),
                         (after & ~has_tg, spec.CHANNEL_SHARE_AFTER)):
        idx = np.flatnonzero(mask)
        out[idx] = rng.choice([CHANNELS.index(c) for c in shares], size=len(idx), p=list(shares.values()))
    return out


def _tick(checklist, log, plan, idx, res, assignee, first_text, count):
    """Checklist items ticked one by one while the card is in progress."""
    for j in range(count):
        b = res["b_start"] + (j + 1) / (count + 1) * (res["b_work_end"] - res["b_start"])
        at = np.floor(plan.clock.from_bus(b)).astype(np.int64)
        done = at <= plan.now
        first_item = sum(len(c[0]) for c in checklist)
        checklist.append((idx, np.full(len(idx), first_text + j), j, False, np.where(done, at, -1),
                          np.where(done, assignee, -1)))
        log.event(done, tix=idx, at=at, step=28, kind=K["checklist"], actor_user=assignee,
                  ref=first_item + np.arange(len(idx)))
