"""Failed staff sign-ins: a growing wait between tries, then a lock, per account and per client address.

Rules (settings in data/config.py): after OKNO_LOGIN_DELAY_AFTER failures in a row the next try must
wait 1 s, then 2, 4, ... (a try too early is refused without checking the password, and not counted);
after OKNO_LOGIN_LOCK_AFTER failures the account is locked for OKNO_LOGIN_LOCK_MINUTES, or until an
admin lifts it. A client address gets the same with OKNO_LOGIN_ADDRESS_LOCK_AFTER (offices share one
address, so it is higher). A run of failures ends with a success (account), an expired lock, or
OKNO_LOGIN_LOCK_MINUTES without failures. The server never sleeps: a refusal says how long to wait.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from data.config import get_config
from data.i18n import N_
from data.models import LoginThrottle, User
from data.permissions import require_admin

log = logging.getLogger("okno.signin")
MAX_DELAY = timedelta(minutes=5)


@dataclass
class Wait:
    scope: str  # "account" | "address"
    seconds: int
    locked: bool


def _limits(scope: str) -> tuple[int, int]:
    cfg = get_config()
    if scope == "account":
        return cfg.login_delay_after, cfg.login_lock_after
    return cfg.login_delay_after * 5, cfg.login_address_lock_after


def _row_wait(row: LoginThrottle, now: datetime) -> Wait | None:
    if row.locked_until is not None and row.locked_until > now:
        return Wait(row.scope, int((row.locked_until - now).total_seconds()) + 1, True)
    delay_after, _lock = _limits(row.scope)
    if row.locked_until is None and row.failures >= delay_after:
        delay = min(timedelta(seconds=2 ** (row.failures - delay_after)), MAX_DELAY)
        if row.last_failed_at + delay > now:
            return Wait(row.scope, int((row.last_failed_at + delay - now).total_seconds()) + 1, False)
    return None


def check(session: Session, email: str, address: str | None, now: datetime | None = None) -> Wait | None:
    """Whether a try for this account from this address must wait (or is locked); None: go ahead."""
    now = now or datetime.now(timezone.utc)
    keys = [("account", email)] + ([("address", address)] if address else [])
    for scope, key in keys:
        row = session.get(LoginThrottle, (scope, key))
        wait = row and _row_wait(row, now)
        if wait:
            return wait
    return None


def failed(session: Session, email: str, address: str | None, now: datetime | None = None) -> None:
    """Count a wrong password (or unknown email: the same, so nobody learns which accounts exist)."""
    now = now or datetime.now(timezone.utc)
    lock_for = timedelta(minutes=get_config().login_lock_minutes)
    for scope, key in [("account", email)] + ([("address", address)] if address else []):
        row = session.get(LoginThrottle, (scope, key), with_for_update=True)
        if row is None:
            session.execute(insert(LoginThrottle).values(scope=scope, key=key, failures=0, last_failed_at=now)
                            .on_conflict_do_nothing())
            row = session.get(LoginThrottle, (scope, key), with_for_update=True, populate_existing=True)
        if row.locked_until is not None and row.locked_until <= now:  # an expired lock starts afresh
            row.failures, row.locked_until = 0, None
        elif row.locked_until is None and row.last_failed_at < now - lock_for:  # so does a quiet hour
            row.failures = 0
        row.failures += 1
        row.last_failed_at = now
        if row.failures >= _limits(scope)[1] and row.locked_until is None:
            row.locked_until = now + lock_for
            log.warning("sign-in locked for %s %r after %d failures", scope, key, row.failures)
    session.flush()


def succeeded(session: Session, email: str) -> None:
    """A right password ends the account's run of failures (the address keeps its count)."""
    session.execute(delete(LoginThrottle).where(LoginThrottle.scope == "account", LoginThrottle.key == email))


def locks(session: Session, actor: User, now: datetime | None = None) -> list[LoginThrottle]:
    """Accounts and addresses locked now, for the admin page."""
    require_admin(actor, N_("errors.action.manage_signin_locks"))
    now = now or datetime.now(timezone.utc)
    return list(session.scalars(select(LoginThrottle).where(LoginThrottle.locked_until > now)
                                .order_by(LoginThrottle.scope, LoginThrottle.key)))


def unlock(session: Session, actor: User, scope: str, key: str) -> None:
    """An admin lifts a lock (and forgets the failures) before it ends."""
    require_admin(actor, N_("errors.action.manage_signin_locks"))
    session.execute(delete(LoginThrottle).where(LoginThrottle.scope == scope, LoginThrottle.key == key))
    log.warning("sign-in lock on %s %r lifted by user %s", scope, key, actor.id)
    session.flush()

