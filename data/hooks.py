"""What happens after a ticket changes, in the same transaction: SLA recompute, rules, fan-out.

Service functions call `fire(session, trigger, ticket, actor, **context)` after writing a change
and its event. Features subscribe with `@on("moved")` in their own module, listed in
HANDLER_MODULES so that the subscription exists in every process (web and workers alike).
Triggers: created, moved, assigned, priority, commented, field_changed, blocked, escalated, approved;
"depth_exceeded" handlers run when MAX_DEPTH stops a chain.
"""
from __future__ import annotations

import importlib
import logging
from collections import defaultdict
from typing import Callable

log = logging.getLogger(__name__)

# Modules whose import registers handlers. Each feature adds its module here.
HANDLER_MODULES: tuple[str, ...] = ("data.intake.fanout", "data.messaging.notify", "data.tickets.children", "data.boards.lanes", "data.sla.recompute",
                                   "data.automation.rules", "data.csat.ask")

_handlers: dict[str, list[Callable]] = defaultdict(list)
_loaded = False
# Rules may change tickets, which fires triggers again; the depth stops a rule from triggering itself forever.
MAX_DEPTH = 5


def on(*triggers: str):
    def register(fn: Callable) -> Callable:
        for trigger in triggers:
            _handlers[trigger].append(fn)
        return fn
    return register


def _load() -> None:
    global _loaded
    if not _loaded:
        _loaded = True
        for name in HANDLER_MODULES:
            importlib.import_module(name)


def fire(session, trigger: str, ticket, actor, **context) -> None:
    _load()
    depth = session.info.get("okno_hook_depth", 0)
    if depth >= MAX_DEPTH:
        log.warning("hook depth %d reached on ticket %s (%s); not running handlers again", depth, ticket.id, trigger)
        # Let features record the stop (rules write a rule_log entry naming the rule that looped).
        for handler in _handlers.get("depth_exceeded", ()):
            handler(session, trigger, ticket, actor, **context)
        return
    session.info["okno_hook_depth"] = depth + 1
    try:
        for handler in [*_handlers.get(trigger, ()), *_handlers.get("*", ())]:
            handler(session, trigger, ticket, actor, **context)
    finally:
        session.info["okno_hook_depth"] = depth
