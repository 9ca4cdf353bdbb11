"""Ticket lifecycles as events and comments, simulated for many tickets at once with numpy.

A *segment* is a ticket's stay on one board: it enters (created, or moved in from another board),
gets an assignee, a first public reply, moves to in-progress, maybe waits for the requester, and
is done (maybe reopened once) — or is transferred to the next board (an escalation). Durations
are drawn in business minutes and mapped to wall-clock time with the BusinessClock, so agents
work Mon–Fri 8–20 local time while requests arrive at any hour.
"""
from __future__ import annotations

import numpy as np

from data.demo.calendar import BusinessClock, utc_offset
from data.demo.replies import P

KINDS = ("created", "moved", "assigned", "priority", "field", "blocked", "unblocked", "comment", "checklist",
         "escalated", "type", "sla")
K = {k: i for i, k in enumerate(KINDS)}
STATUSES = ("queue", "in_progress", "waiting", "done")
S = {s: i for i, s in enumerate(STATUSES)}
EV_INT = ("tix", "at", "step", "kind", "actor_user", "actor_req", "board", "from_col", "to_col", "from_lane",
          "to_lane", "from_status", "to_status", "from_user", "to_user", "ref", "value")
CM_INT = ("tix", "at", "author_user", "author_req", "public", "purpose", "board")
STEPS_PER_SEGMENT = 40
# Why a card is blocked while in progress, as agents type it (the same reason spelled differently,
# which the blocked-time chart groups), with how often each is typed.
BLOCK_REASONS = ("Ждём ответ поставщика", "ждем ответ поставщика", "Ждём ответ поставщика.", "Нет доступа",
                 "нет доступа!", "Ждём согласования руководителя", "Нет запчастей на складе", "Ждём оплату счёта")
BLOCK_WEIGHTS = (0.2, 0.08, 0.05, 0.2, 0.07, 0.18, 0.12, 0.1)
P_BLOCK = 0.06
CALENDAR_PER_WORK_MINUTE = 2.8  # 7 x 24 h a week over 5 x 12 working hours


def handling_end(clock: BusinessClock, rng, b_start, dur, confirm) -> np.ndarray:
    """When work started at b_start and took dur working minutes, the wall-clock time it is done.

    Confirmed tickets are closed when the requester confirms, at the requester's hour (any day,
    not at night) rather than the agent's: this keeps handling times smooth across the overnight gap.
    """
    t_start = clock.from_bus(b_start)
    raw = t_start + dur * 60.0 * CALENDAR_PER_WORK_MINUTE
    hour = ((raw + utc_offset()) % 86400) / 3600
    raw = np.where(hour < 7, raw + (7 - hour) * 3600 + rng.uniform(0, 2 * 3600, len(raw)), raw)
    return np.where(confirm, raw, clock.from_bus(b_start + dur))


class Log:
    """Columnar buffers of one chunk's events and comments (ints; -1 is NULL)."""

    def __init__(self):
        self.events: list[tuple[int, dict]] = []
        self.comments: list[tuple[int, dict]] = []
        self.n_comments = 0

    def event(self, mask, **cols):
        n = int(np.count_nonzero(mask)) if mask is not None else len(cols["tix"])
        if n:
            self.events.append((n, {k: (v[mask] if mask is not None and np.ndim(v) else v) for k, v in cols.items()}))

    def comment(self, mask, tix, at, step, board, purpose, user=-1, req=-1, public=1):
        """A comment and its 'comment' event; `user` xor `req` is the author."""
        sel = (lambda v: v[mask] if np.ndim(v) else v) if mask is not None else (lambda v: v)
        tix, at = sel(tix), sel(at)
        n = len(tix)
        if not n:
            return
        ids = np.arange(self.n_comments, self.n_comments + n)
        self.n_comments += n
        cols = dict(tix=tix, at=at, author_user=sel(user), author_req=sel(req), public=public, purpose=purpose,
                    board=board)
        self.comments.append((n, cols))
        self.events.append((n, dict(tix=tix, at=at, step=step, kind=K["comment"], actor_user=sel(user),
                                    actor_req=sel(req), ref=ids)))

    @staticmethod
    def _build(blocks, names) -> dict[str, np.ndarray]:
        out = {}
        for name in names:
            parts = []
            for n, cols in blocks:
                v = cols.get(name, -1)
                parts.append(np.asarray(v, dtype=np.int64) if np.ndim(v) else np.full(n, v, dtype=np.int64))
            out[name] = np.concatenate(parts) if parts else np.zeros(0, dtype=np.int64)
        return out

    def build(self):
        return self._build(self.events, EV_INT), self._build(self.comments, CM_INT)


def lognormal(rng, median, sigma, n):
    return np.asarray(median, dtype=np.float64) * np.exp(sigma * rng.standard_normal(n))


def simulate(log: Log, clock: BusinessClock, rng: np.random.Generator, board, board_code: int, seg: dict,
             prm: dict) -> dict:
    """One segment for m tickets. seg: arrays tix, t_in, assignee, auto, assign_actor, requester and
    optionally lane (unit boards), dur_med, resp_med, end_at_least (business minutes), entry
    ('created'|'transfer' with from_* arrays, escalate flag) and step0. Returns exit times."""
    tix, t_in = seg["tix"], seg["t_in"].astype(np.int64)
    m = len(tix)
    if m == 0:  # nothing reached this board (a small demo): the same shape, empty, so callers need no case
        none = np.zeros(0, np.int64)
        return {"transferred": np.zeros(0, bool), "t_out": none, "from_col": None, "from_lane": none,
                "from_user": none, "b_start": none, "b_end": none, "b_work_end": none}
    st = seg.get("step0", 0)
    user, req = seg["assignee"], seg["requester"]
    auto = np.broadcast_to(seg["auto"], (m,))
    if board.lane_mode == "agent":
        lane = np.array([board.lane_of_user[u] for u in user.tolist()], dtype=np.int64)
    else:
        lane = seg.get("lane", np.full(m, -1, dtype=np.int64))
    entry_lane = np.where(auto | (board.lane_mode != "agent"), lane, -1)
    ip = board.in_progress
    k = len(ip)
    cal = clock.from_bus

    if seg.get("entry", "created") == "created":
        # Routing may assign at creation: the created event then names the assignee (as tickets.create does).
        log.event(None, tix=tix, at=t_in, step=st, kind=K["created"], actor_req=seg.get("creator_req", req),
                  board=board.id, to_col=board.queue, to_lane=entry_lane, to_status=S["queue"],
                  to_user=np.where(auto, user, -1))
    else:
        if seg.get("escalate"):
            log.event(None, tix=tix, at=t_in, step=st, kind=K["escalated"], actor_user=seg["from_user"],
                      board=board.id, value=seg["value"])
        log.event(None, tix=tix, at=t_in, step=st + 1, kind=K["moved"], actor_user=seg["from_user"],
                  board=board.id, from_col=seg["from_col"], to_col=board.queue, from_lane=seg["from_lane"],
                  to_lane=entry_lane, from_status=seg["from_status"], to_status=S["queue"])
        log.event(None, tix=tix, at=t_in, step=st + 2, kind=K["assigned"], actor_user=seg["from_user"],
                  from_user=seg["from_user"], to_user=-1)

    b0 = clock.to_bus(t_in)
    b_assign = np.where(auto, b0, b0 + lognormal(rng, prm["assign_med"], 1.0, m))
    t_assign = np.where(auto, t_in, cal(b_assign))
    actor = np.where(auto, -1, seg["assign_actor"])
    if board.lane_mode == "agent":  # dragging the card into the agent's lane assigns it (tickets.move)
        log.event(~auto, tix=tix, at=t_assign, step=st + 3, kind=K["moved"], actor_user=actor, board=board.id,
                  from_col=board.queue, to_col=board.queue, from_lane=-1, to_lane=lane,
                  from_status=S["queue"], to_status=S["queue"])
    assigned = ~auto if seg.get("entry", "created") == "created" else None
    log.event(assigned, tix=tix, at=t_assign, step=st + 4, kind=K["assigned"], actor_user=actor, from_user=-1,
              to_user=user)
    resp_med = seg["resp_med"] if "resp_med" in seg else prm["resp_med"]
    b_resp = b_assign + lognormal(rng, resp_med, prm.get("resp_sigma", 1.0), m)
    t_resp = cal(b_resp)
    log.comment(None, tix, t_resp, st + 5, board_code, P["first"], user=user)
    b_start = b_resp + rng.uniform(0.1, 3.0, m)
    log.event(None, tix=tix, at=cal(b_start), step=st + 6, kind=K["moved"], actor_user=user, board=board.id,
              from_col=board.queue, to_col=ip[0], from_lane=lane, to_lane=lane,
              from_status=S["queue"], to_status=S["in_progress"])

    dur = np.maximum(lognormal(rng, seg["dur_med"] if "dur_med" in seg else prm["dur_med"],
                               prm.get("dur_sigma", 1.0), m), 1.0)
    transferred = rng.random(m) < prm.get("p_transfer", 0.0)
    b_transfer = b_start + rng.uniform(0.15, 0.6, m) * dur
    confirm = ~transferred & (rng.random(m) < prm.get("p_confirm", 0.0))
    if "end_at_least" in seg:
        confirm[:] = False
        dur = np.maximum(dur, seg["end_at_least"] + rng.uniform(10, 300, m) - b_start)
    t_done = np.floor(handling_end(clock, rng, b_start, dur, confirm))
    b_done = np.where(confirm, clock.to_bus(t_done), b_start + dur)
    b_ask = b_start + rng.uniform(0.3, 0.8, m) * (b_done - b_start)  # confirm path: agent asks to check
    t_ask = np.floor(cal(b_ask))
    t_done = np.where(confirm, np.maximum(t_done, t_ask + 120), t_done)
    work_end = np.where(confirm, b_ask, b_done)
    span = (work_end - b_start) / k
    for j in range(1, k):
        log.event(~transferred, tix=tix, at=cal(b_start + j * span), step=st + 7 + 5 * j, kind=K["moved"],
                  actor_user=user, board=board.id, from_col=ip[j - 1], to_col=ip[j], from_lane=lane, to_lane=lane,
                  from_status=S["in_progress"], to_status=S["in_progress"])
    waits = ~transferred & (rng.random(m) < prm.get("p_wait", 0.3))
    stage = rng.integers(0, k, m)
    w1 = b_start + (stage + rng.uniform(0.1, 0.4, m)) * span
    w2 = b_start + (stage + rng.uniform(0.6, 0.9, m)) * span
    ip_arr = np.asarray(ip)
    for j in range(k):
        w = waits & (stage == j)
        log.comment(w, tix, cal(w1), st + 8 + 5 * j, board_code, P["question"], user=user)
        log.event(w, tix=tix, at=cal(w1 + 0.05), step=st + 9 + 5 * j, kind=K["moved"], actor_user=user,
                  board=board.id, from_col=ip_arr[j], to_col=board.waiting, from_lane=lane, to_lane=lane,
                  from_status=S["in_progress"], to_status=S["waiting"])
        log.comment(w, tix, cal(w2), st + 10 + 5 * j, board_code, P["answer"], req=req)
        log.event(w, tix=tix, at=cal(w2 + 0.1), step=st + 11 + 5 * j, kind=K["moved"], actor_user=user,
                  board=board.id, from_col=board.waiting, to_col=ip_arr[j], from_lane=lane, to_lane=lane,
                  from_status=S["waiting"], to_status=S["in_progress"])
    _blocks(log, cal, tix, st, user, b_start, work_end, ~transferred, prm.get("p_block", P_BLOCK))
    b_end = np.where(transferred, b_transfer, work_end)
    notes = rng.random(m) < prm.get("p_note", 0.1)
    log.comment(notes, tix, cal(b_start + rng.uniform(0.05, 0.95, m) * (b_end - b_start)), st + 28, board_code,
                P["note"], user=user, public=0)
    log.comment(transferred, tix, cal(b_transfer - 0.2), st + 29, board_code, P["escalate"], user=user, public=0)
    plain = ~transferred & ~confirm
    said = plain & (rng.random(m) < prm.get("p_resolved_comment", 0.6))
    log.comment(said, tix, cal(b_done - np.minimum(0.5, 0.05 * dur)), st + 30, board_code, P["resolved"], user=user)
    log.event(plain, tix=tix, at=t_done, step=st + 31, kind=K["moved"], actor_user=user, board=board.id,
              from_col=ip[-1], to_col=board.done, from_lane=lane, to_lane=lane,
              from_status=S["in_progress"], to_status=S["done"])
    log.comment(confirm, tix, t_ask - 1, st + 29, board_code, P["check"], user=user)
    log.event(confirm, tix=tix, at=t_ask, step=st + 30, kind=K["moved"], actor_user=user, board=board.id,
              from_col=ip[-1], to_col=board.waiting, from_lane=lane, to_lane=lane,
              from_status=S["in_progress"], to_status=S["waiting"])
    log.comment(confirm, tix, t_done - np.minimum(rng.uniform(60, 600, m), (t_done - t_ask) // 2), st + 31,
                board_code, P["confirm"], req=req)
    log.event(confirm, tix=tix, at=t_done, step=st + 32, kind=K["moved"], actor_req=req, board=board.id,
              from_col=board.waiting, to_col=board.done, from_lane=lane, to_lane=lane,
              from_status=S["waiting"], to_status=S["done"])
    reopen = plain & (rng.random(m) < prm.get("p_reopen", 0.03))
    r1 = b_done + lognormal(rng, 300, 1.0, m)
    r2 = r1 + 0.5 + lognormal(rng, 120, 1.0, m)
    log.comment(reopen, tix, cal(r1), st + 32, board_code, P["reopen"], req=req)
    log.event(reopen, tix=tix, at=cal(r1 + 0.2), step=st + 33, kind=K["moved"], actor_req=req, board=board.id,
              from_col=board.done, to_col=ip[-1], from_lane=lane, to_lane=lane,
              from_status=S["done"], to_status=S["in_progress"])
    log.comment(reopen, tix, cal(r2 - 0.2), st + 34, board_code, P["redone"], user=user)
    log.event(reopen, tix=tix, at=cal(r2), step=st + 35, kind=K["moved"], actor_user=user, board=board.id,
              from_col=ip[-1], to_col=board.done, from_lane=lane, to_lane=lane,
              from_status=S["in_progress"], to_status=S["done"])
    b_final = np.where(transferred, b_transfer, np.where(reopen, r2, b_done))
    return {"transferred": transferred, "t_out": cal(b_transfer).astype(np.int64), "from_col": ip[0],
            "from_lane": lane, "from_user": user, "b_start": b_start, "b_end": b_final, "b_work_end": b_end}


def _blocks(log: Log, cal, tix, st, user, b_start, b_end, eligible, p_block: float) -> None:
    """Some cards are blocked for a while during the work, with a reason, then unblocked. A generator of
    their own, so every other draw of the story (and the seeds' numbers) stays as it was."""
    m = len(tix)
    rng = np.random.default_rng([int(tix[0]), m, 11])
    blocked = eligible & (rng.random(m) < p_block)
    since = b_start + rng.uniform(0.1, 0.5, m) * (b_end - b_start)
    until = since + rng.uniform(0.2, 0.45, m) * (b_end - b_start)
    reason = rng.choice(len(BLOCK_REASONS), size=m, p=BLOCK_WEIGHTS)
    log.event(blocked, tix=tix, at=cal(since), step=st + 26, kind=K["blocked"], actor_user=user, value=reason)
    log.event(blocked, tix=tix, at=cal(until), step=st + 27, kind=K["unblocked"], actor_user=user)
