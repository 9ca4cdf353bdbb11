"""From a simulated chunk to table rows: the tickets' current state is derived from their events
(only those up to `now`), ids are assigned, and everything is COPYed in."""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timezone

import numpy as np

from data.demo import spec
from data.demo.calendar import utc_offset
from data.demo.chunk import CHANNELS, CHECKLIST_TEXTS, ONB, PRIO_VALUE0, SERVICE_CODES, VALUES, Chunk, Context
from data.demo.copy import NULL as NULL_FIELD, CopyWriter, bools, instants, ints, optional_bools, texts, timestamps
from data.demo.sla import ChunkSla, chunk_sla
from data.demo.history import BLOCK_REASONS, K, S, STATUSES
from data.demo.replies import P, phrases
from data.demo.texts import FILE_NAMES, fill_dates

PDF = (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj 2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj "
       b"3 0 obj<</Type/Page/MediaBox[0 0 595 842]/Parent 2 0 R>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n")
PDF_SHA = hashlib.sha256(PDF).hexdigest()
PDF_FIELD = texts(["\\x" + PDF.hex()])[0]  # bytea hex input, escaped for COPY


SLICE = 100_000


@dataclass
class Ids:
    """The last id used per table; chunks continue from here."""
    ticket: int = 0
    sla: int = 0
    event: int = 0
    comment: int = 0
    checklist: int = 0
    attachment: int = 0


def _last(tix: np.ndarray, mask: np.ndarray, n: int, values: np.ndarray, first=False, fill=-1) -> np.ndarray:
    """Per ticket, the value of the last (or first) row where mask holds; rows are sorted by ticket, time."""
    idx = np.flatnonzero(mask)
    out = np.full(n, fill, dtype=np.int64)
    if len(idx):
        g = tix[idx]
        edge = np.r_[True, g[1:] != g[:-1]] if first else np.r_[g[1:] != g[:-1], True]
        out[g[edge]] = values[idx[edge]]
    return out


def write_chunk(writer: CopyWriter, ctx: Context, ch: Chunk, ids: Ids, chunk_no: int) -> dict[str, int]:
    """COPY one chunk: tickets (with their SLA columns), their SLA clocks, events, comments, checklists, files."""
    plan, cat = ctx.plan, ctx.cat
    now, n = plan.now, len(ch.created)
    ev, cm = ch.log.build()
    keep = ev["at"] <= now
    ev = {k: v[keep] for k, v in ev.items()}
    # Ticket ids follow creation time.
    gid = np.empty(n, dtype=np.int64)
    gid[np.argsort(ch.created, kind="stable")] = ids.ticket + 1 + np.arange(n)
    # Current state from each ticket's events in order.
    o = np.lexsort((ev["step"], ev["at"], ev["tix"]))
    e = {k: v[o] for k, v in ev.items()}
    tix, kind = e["tix"], e["kind"]
    moved = kind == K["moved"]
    placed = (kind == K["created"]) | moved
    board = _last(tix, placed, n, e["board"])
    column = _last(tix, placed, n, e["to_col"])
    lane = _last(tix, placed, n, e["to_lane"])
    status = _last(tix, placed, n, e["to_status"])
    at_placed = _last(tix, placed, n, e["at"])
    # A move between lanes of one column keeps the column's clock running (as tickets.move does).
    entered = _last(tix, (kind == K["created"]) | (moved & (e["to_col"] != e["from_col"])), n, e["at"])
    assignee = _last(tix, (kind == K["assigned"]) | (kind == K["created"]), n, e["to_user"])
    started = _last(tix, moved & (e["to_status"] == S["in_progress"]), n, e["at"], first=True)
    resolved = np.where(status == S["done"], at_placed, -1)
    updated = _last(tix, np.ones(len(tix), bool), n, e["at"])
    reopened = np.bincount(tix[moved & (e["from_status"] == S["done"]) & (e["to_status"] == S["in_progress"])],
                           minlength=n)
    prio_ev = _last(tix, kind == K["priority"], n, e["value"])
    # Blocked now: the last blocked/unblocked event up to `now` is a block (its value is the reason).
    block = _last(tix, (kind == K["blocked"]) | (kind == K["unblocked"]), n,
                  np.where(kind == K["blocked"], e["value"], -1))
    priority = np.where(prio_ev >= 0, (prio_ev - PRIO_VALUE0) % 5, ch.priority)
    # Comments: ids by time; the first public agent reply is the first response.
    keepc = cm["at"] <= now
    oc = np.flatnonzero(keepc)[np.lexsort((cm["tix"][keepc], cm["at"][keepc]))]
    cid = np.full(len(cm["at"]), -1, dtype=np.int64)
    cid[oc] = ids.comment + 1 + np.arange(len(oc))
    agent_public = keepc & (cm["public"] == 1) & (cm["author_user"] >= 0)
    first_resp = np.full(n, np.iinfo(np.int64).max)
    np.minimum.at(first_resp, cm["tix"][agent_public], cm["at"][agent_public])
    first_resp[first_resp == np.iinfo(np.int64).max] = -1
    # SLA from the same history the store would read back (status events; public agent replies and
    # requester messages up to now), so the tickets go in with their SLA columns already set.
    status_events = np.flatnonzero(((kind == K["created"]) | moved | (kind == K["escalated"])) & (e["to_status"] >= 0))
    by_ticket = np.lexsort((cm["at"], cm["tix"]))
    reply = by_ticket[agent_public[by_ticket]]
    message = by_ticket[(keepc & (cm["author_req"] >= 0))[by_ticket]]
    service_ids = np.asarray([cat.services[c] for c in SERVICE_CODES])[ch.service]
    type_ids = _type_ids(ctx, ch)
    priority_ids = np.asarray(cat.priority_ids)[priority]
    organisations = ctx.req.organisations
    matching = [(s, None if t < 0 else t, p, organisations[r - 1]) for s, t, p, r in
                zip(service_ids.tolist(), type_ids.tolist(), priority_ids.tolist(), ch.requester.tolist())]
    sla = chunk_sla(ctx.policies, float(now), ch.created, matching,
                    {"tix": tix[status_events], "at": e["at"][status_events],
                     "status": e["to_status"][status_events]},
                    {"tix": cm["tix"][reply], "at": cm["at"][reply]},
                    {"tix": cm["tix"][message], "at": cm["at"][message]})
    counts = {}
    counts["tickets"] = _tickets(writer, ctx, ch, gid, board, column, lane, status, assignee, priority,
                                 entered, started, resolved, updated, reopened, first_resp, block, ids, sla.columns)
    counts["sla_clocks"] = _clocks(writer, sla, gid, ids)
    # Events and comments go out in slices, so that their COPY text never holds a whole chunk.
    order = np.lexsort((e["step"], gid[tix], e["at"]))
    counts["events"] = sum(_events(writer, e, gid, cid, cm["public"], cat.priority_ids, ids, order[i:i + SLICE],
                                   ids.event + 1 + i) for i in range(0, len(order), SLICE))
    pick = np.random.default_rng([plan.seed, 20, chunk_no]).integers(0, 1 << 30, len(oc))
    counts["comments"] = sum(_comments(writer, ctx, ch, cm, oc[i:i + SLICE], cid, gid, pick[i:i + SLICE])
                             for i in range(0, len(oc), SLICE))
    cl = ch.checklist
    if cl:
        counts["checklist_items"] = writer.put("checklist_items", (
            "id", "ticket_id", "text", "position", "required", "done", "done_by_id", "done_at"), [
            ints(ids.checklist + 1 + np.arange(len(cl["tix"]))), ints(gid[cl["tix"]]),
            texts([CHECKLIST_TEXTS[t] for t in cl["text"].tolist()]), ints(cl["position"]),
            bools(cl["required"] == 1), bools(cl["at"] >= 0), ints(cl["user"]), timestamps(cl["at"])])
    att = ch.attach
    counts["attachments"] = writer.put("attachments", (
        "id", "ticket_id", "filename", "content_type", "size", "sha256", "content", "created_at"), [
        ints(ids.attachment + 1 + np.arange(len(att))), ints(gid[att]),
        texts([FILE_NAMES[spec.TYPE_CODES[t]] for t in ch.type_idx[att].tolist()]), ["application/pdf"] * len(att),
        [str(len(PDF))] * len(att), [PDF_SHA] * len(att), [PDF_FIELD] * len(att), timestamps(ch.created[att])])
    ids.ticket += n
    ids.sla += counts["sla_clocks"]
    ids.event += counts["events"]
    ids.comment += counts["comments"]
    ids.checklist += counts.get("checklist_items", 0)
    ids.attachment += counts["attachments"]
    counts["open"] = int(np.count_nonzero(status != S["done"]))
    return counts


def _type_ids(ctx: Context, ch: Chunk) -> np.ndarray:
    """The request type id per ticket; -1 for child cards (they have none)."""
    by_index = np.asarray([ctx.cat.types[c].id for c in spec.TYPE_CODES] + [-1])
    return by_index[np.where(ch.type_idx >= 0, ch.type_idx, len(spec.TYPE_CODES))]


def _clocks(writer: CopyWriter, sla: ChunkSla, gid: np.ndarray, ids: Ids) -> int:
    c = sla.clocks
    return writer.put("ticket_sla", (
        "id", "ticket_id", "policy_id", "target", "cycle", "target_seconds", "started_at", "stopped_at", "due_at",
        "at_risk_at", "elapsed_seconds", "paused_seconds", "state", "breached"), [
        ints(ids.sla + 1 + np.arange(len(c["tix"]))), ints(gid[np.asarray(c["tix"], dtype=np.int64)]),
        ints(c["policy_id"]), c["target"].tolist(), ints(c["cycle"]), ints(c["target_seconds"]),
        instants(c["started"]), instants(c["stopped"]), instants(c["due"]), instants(c["risk"]),
        list(map(repr, c["elapsed"].tolist())), list(map(repr, c["paused"].tolist())), c["state"].tolist(),
        bools(c["breached"])])


def _tickets(writer, ctx, ch, gid, board, column, lane, status, assignee, priority, entered, started, resolved,
             updated, reopened, first_resp, block, ids, sla: dict) -> int:
    cat, pools, n = ctx.cat, ctx.pools, len(gid)
    team_of_board = {b.id: b.team_id for b in cat.boards.values()}
    codes = spec.TYPE_CODES
    service_ids = np.asarray([cat.services[c] for c in SERVICE_CODES])[ch.service]
    priority_ids = np.asarray(cat.priority_ids)[priority]
    attach_id = np.full(n, -1, dtype=np.int64)
    attach_id[ch.attach] = ids.attachment + 1 + np.arange(len(ch.attach))
    titles, descriptions, fields, card_types, type_ids = [], [], [], [], []
    days = (ch.created + utc_offset()) // 86400  # local dates, as days since 1970-01-01
    for i in range(n):
        t, c = int(ch.type_idx[i]), int(ch.case[i])
        if t >= 0:
            code = codes[t]
            titles.append(pools.title[code][c])
            descriptions.append(pools.description[code][c])
            f = pools.fields[code][c]
            if "@" in f:
                f = fill_dates(f, datetime.fromtimestamp(int(days[i]) * 86400, timezone.utc).date())
                if attach_id[i] >= 0:
                    f = f.replace('"@FILE@"', f'{{"attachment_id": {attach_id[i]}, "filename": "{FILE_NAMES[code]}"}}')
            fields.append(f)
            card_types.append(cat.types[code].card_type)
            type_ids.append(cat.types[code].id)
        else:
            tpl = spec.ONBOARDING_CHILDREN[ch.child_tpl[i]]
            employee = pools.employee["onboarding"][c]
            number = int(gid[ch.parent[i]]) + 1000
            titles.append(tpl["title"].format(employee=employee))
            descriptions.append(f"Создано автоматически по заявке #{number} «Выход нового сотрудника»: {employee}.")
            fields.append(f'{{"employee": "{employee}", "parent_number": {number}}}')
            card_types.append(tpl["card_type"])
            type_ids.append(-1)
    number = gid + 1000
    return writer.put("tickets", (
        "id", "number", "title", "description", "service_id", "request_type_id", "card_type", "requester_id",
        "assignee_id", "team_id", "priority_id", "board_id", "column_id", "lane_id", "status", "position",
        "channel", "fields", "parent_id", "version", "created_at", "updated_at", "column_entered_at",
        "started_at", "first_response_at", "resolved_at", "reopened_count", "sla_policy_id", "first_response_due_at",
        "resolution_due_at", "sla_first_response_breached", "sla_resolution_breached", "sla_due_at",
        "sla_at_risk_at", "priority_rank", "assignee_sort", "service_sort", "blocked", "blocked_reason"), [
        ints(gid), ints(number), texts(titles), texts(descriptions),
        ints(service_ids), ints(type_ids), texts(card_types),
        ints(ch.requester), ints(assignee), ints(np.vectorize(team_of_board.get, otypes=[np.int64])(board)),
        ints(priority_ids), ints(board), ints(column), ints(lane),
        [STATUSES[s] for s in status.tolist()], (-number).astype(str).tolist(),  # newest on top, as tickets.create
        [CHANNELS[c] for c in ch.channel.tolist()],
        texts(fields), ints(np.where(ch.parent >= 0, gid[np.maximum(ch.parent, 0)], -1)), ["1"] * n,
        timestamps(ch.created), timestamps(updated), timestamps(entered), timestamps(started),
        timestamps(first_resp), timestamps(resolved), ints(reopened),
        ints(sla["policy_id"]), instants(sla["fr_due"]), instants(sla["res_due"]),
        optional_bools(sla["fr_breached"]), optional_bools(sla["res_breached"]), instants(sla["due"]),
        instants(sla["risk"]), *_sort_keys(ctx, priority_ids, assignee, service_ids), bools(block >= 0),
        texts([BLOCK_REASONS[b] if b >= 0 else None for b in block.tolist()])])


def _sort_keys(ctx: Context, priority_ids, assignee, service_ids) -> list[list[str]]:
    keys = ctx.sort_keys
    if not keys:
        return [[NULL_FIELD] * len(assignee)] * 3
    return [ints([keys["priority_rank"].get(p, -1) for p in priority_ids.tolist()]),
            texts([keys["assignee_sort"].get(a) for a in assignee.tolist()]),
            texts([keys["service_sort"].get(s) for s in service_ids.tolist()])]


def _events(writer, e, gid, cid, public, priority_ids, ids, order, first_id) -> int:
    """Event rows; comment, priority and checklist events carry what tickets.comment / set_priority write.
    The per-kind values are gathered with numpy (object arrays): a million tickets have eight million events."""
    e = {k: v[order] for k, v in e.items()}
    kind, ref, value = e["kind"], e["ref"], e["value"]
    n = len(kind)
    data, from_value, to_value = (np.full(n, None, dtype=object) for _ in range(3))
    comment = kind == K["comment"]
    data[comment] = [f'{{"comment_id": {c}, "system": false}}' for c in cid[ref[comment]].tolist()]
    to_value[comment] = np.where(public[ref[comment]] != 0, "public", "internal")
    checklist = kind == K["checklist"]
    data[checklist] = [f'{{"item_id": {i}, "done": true}}' for i in (ids.checklist + 1 + ref[checklist]).tolist()]
    priority = kind == K["priority"]
    change = value[priority] - PRIO_VALUE0
    ids_text = np.asarray([str(p) for p in priority_ids], dtype=object)
    from_value[priority], to_value[priority] = ids_text[change // 5], ids_text[change % 5]
    blocked = kind == K["blocked"]  # the reason, as set_blocked records it
    to_value[blocked] = _OBJECTS["block_reasons"][value[blocked]]
    other = ~(comment | checklist | priority | blocked) & (value >= 0)
    for target, column in ((from_value, 0), (to_value, 1), (data, 2)):
        target[other] = _OBJECTS["values"][column][value[other]]
    return writer.put("ticket_events", (
        "id", "ticket_id", "at", "kind", "actor_user_id", "actor_requester_id", "board_id", "from_column_id",
        "to_column_id", "from_lane_id", "to_lane_id", "from_status", "to_status", "from_user_id", "to_user_id",
        "from_value", "to_value", "data"), [
        ints(first_id + np.arange(n)), ints(gid[e["tix"]]), timestamps(e["at"]),
        _OBJECTS["kinds"][kind].tolist(), ints(e["actor_user"]), ints(e["actor_req"]), ints(e["board"]),
        ints(e["from_col"]), ints(e["to_col"]), ints(e["from_lane"]), ints(e["to_lane"]),
        _OBJECTS["statuses"][e["from_status"] + 1].tolist(), _OBJECTS["statuses"][e["to_status"] + 1].tolist(),
        ints(e["from_user"]), ints(e["to_user"]), texts(from_value.tolist()), texts(to_value.tolist()),
        texts(data.tolist())])


def _object_array(values) -> np.ndarray:
    out = np.empty(len(values), dtype=object)
    out[:] = list(values)
    return out


# Lookup tables of field values by code (gathered with numpy indexing, not per row in Python).
_OBJECTS = {
    "kinds": _object_array(sorted(K, key=K.get)),
    "statuses": _object_array([NULL_FIELD] + sorted(S, key=S.get)),  # by status + 1: -1 is NULL
    "block_reasons": _object_array(BLOCK_REASONS),
    "values": [_object_array([v[i] for v in VALUES]) for i in range(3)],
}


def _comments(writer, ctx, ch, cm, oc, cid, gid, pick) -> int:
    staff_names, req_names = ctx.cat.staff.first_names, ctx.req.first_names
    tix, user, req = cm["tix"][oc], cm["author_user"][oc], cm["author_req"][oc]
    board, purpose, public = cm["board"][oc], cm["purpose"][oc], cm["public"][oc]
    channel, ids = ch.channel[tix], cid[oc]
    # The body: one of its board's phrases for its purpose (by `pick`), names and number filled in.
    chosen = _PHRASES["first"][board, purpose] + pick % _PHRASES["count"][board, purpose]
    bodies = _PHRASES["text"][chosen]
    fill = np.flatnonzero(_PHRASES["template"][chosen])
    bodies[fill] = [body.format(r=req_names[r - 1], a=staff_names.get(u, ""), n=number) for body, r, u, number in zip(
        bodies[fill].tolist(), ch.requester[tix[fill]].tolist(), user[fill].tolist(), (gid[tix[fill]] + 1000).tolist())]
    agent = user >= 0
    channels = _OBJECTS["comment_channels"][channel]
    channels[agent] = "agent"
    delivery = np.full(len(oc), "none", dtype=object)
    delivery[agent & (public != 0) & ((channel == _EMAIL) | (channel == _TELEGRAM))] = "sent"
    external = np.full(len(oc), None, dtype=object)
    mail = ~agent & (channel == _EMAIL)
    external[mail] = [f"<okno-demo-{g}@{spec.COMPANY_DOMAINS[0]}>" for g in ids[mail].tolist()]
    return writer.put("comments", (
        "id", "ticket_id", "author_user_id", "author_requester_id", "is_public", "is_system", "body", "channel",
        "external_id", "delivery_state", "created_at"), [
        ints(ids), ints(gid[tix]), ints(user), ints(req), bools(public == 1), ["f"] * len(oc),
        texts(bodies.tolist()), channels.tolist(), texts(external.tolist()), delivery.tolist(),
        timestamps(cm["at"][oc])])


def _phrase_table() -> dict[str, np.ndarray]:
    """Every board's phrases by purpose, flattened: where each (board, purpose) list starts, its length,
    the texts and whether a text has names to fill in."""
    lists = [phrases(b) for b in spec.BOARDS]
    count = np.asarray([[len(options) for options in by_purpose] for by_purpose in lists], dtype=np.int64)
    text = _object_array([t for by_purpose in lists for options in by_purpose for t in options])
    return {"count": count, "first": (np.cumsum(count) - count.ravel()).reshape(count.shape), "text": text,
            "template": np.asarray(["{" in t for t in text], dtype=bool)}


_PHRASES = _phrase_table()
_EMAIL, _TELEGRAM = CHANNELS.index("email"), CHANNELS.index("telegram")
# A requester's comment arrives by the ticket's channel (the API's through the portal); agents write as "agent".
_OBJECTS["comment_channels"] = _object_array(["portal" if c == "api" else c for c in CHANNELS])


__all__ = ["Ids", "write_chunk", "P", "ONB"]
