"""Command line for the data layer.

    python -m data migrate                     apply migrations
    python -m data create-user EMAIL NAME ROLE [--password P] [--team NAME]
    python -m data demo [--tickets N] [--seed S] [--if-empty]
    python -m data url                         print the database URL (starts embedded PostgreSQL)
    python -m data sla-backfill [--batch N]    recompute the SLA of every ticket from its history
    python -m data analytics-rollup [--refresh] build (or bring up to date) the daily analytics rollup
    python -m data weekly-send [--week 2026-W46] [--now]   queue the weekly summary (see docs/weekly.md)
    python -m data set-password EMAIL [--password P]       a staff user's new password (ends their sessions)
    python -m data create-token EMAIL [--name NAME]        a personal access token for the metrics API (printed once)
    python -m data reseal-secrets              re-encrypt mailbox passwords with OKNO_ENCRYPTION_KEY
    python -m data create-integration-token SERVICE [--name NAME]   a web-form API token (printed once)
    python -m data events list|ensure|detach MONTH   the monthly partitions of ticket_events (docs/scaling.md)

Wrong arguments (not a number, 0 or less, an unknown email, service or team) are one line on stderr and
exit 2; a database that cannot be reached is one line and exit 1 (data/ops/cli.py).
"""
from __future__ import annotations

from datetime import datetime
import argparse
import getpass
import json
import sys

from sqlalchemy import select

from data import db
from data.ops.cli import positive_int, run
from data.identity import accounts as auth
from data.config import InsecureConfig, check_secrets
from data.errors import OknoError
from data.migrate import upgrade
from data.models import ROLES, Team


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m data")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("migrate", help="apply database migrations")
    sub.add_parser("url", help="print the database URL")
    cu = sub.add_parser("create-user", help="create a staff user")
    cu.add_argument("email")
    cu.add_argument("name")
    cu.add_argument("role", choices=ROLES)
    cu.add_argument("--password")
    cu.add_argument("--team")
    demo = sub.add_parser("demo", help="load demo data")
    demo.add_argument("--tickets", type=positive_int, default=20000, help="how many requests (1 or more; default 20000)")
    demo.add_argument("--seed", type=int, default=7)  # any whole number
    demo.add_argument("--if-empty", action="store_true", help="only when the database has no users")
    backfill = sub.add_parser("sla-backfill", help="recompute the SLA of every ticket from its history")
    backfill.add_argument("--batch", type=positive_int, default=5000)
    rollup = sub.add_parser("analytics-rollup", help="build the daily analytics rollup (docs/analytics.md)")
    rollup.add_argument("--refresh", action="store_true", help="only the tickets changed since the last run")
    ws = sub.add_parser("weekly-send", help="queue the weekly summary to its subscribers")
    ws.add_argument("--week", help="ISO week to send now, e.g. 2026-W46 (a manual send)")
    ws.add_argument("--now", action="store_true", help="send the last full week now, whatever the day")
    sp = sub.add_parser("set-password", help="set a staff user's password (their sessions end)")
    sp.add_argument("email")
    sp.add_argument("--password")
    ct = sub.add_parser("create-token", help="a staff user's personal access token for the metrics API (docs/api.md)")
    ct.add_argument("email")
    ct.add_argument("--name", default="command line", help="what the token is for (default: command line)")
    sub.add_parser("reseal-secrets", help="re-encrypt mailbox passwords with OKNO_ENCRYPTION_KEY (docs/security.md)")
    tok = sub.add_parser("create-integration-token", help="print a new web-form API token (docs/api.md)")
    tok.add_argument("service", help="the service (code or id) whose requests the token may create")
    tok.add_argument("--name", help="what the token is for, shown in Administration (default: provisioned)")
    ev = sub.add_parser("events", help="monthly partitions of the event history (docs/scaling.md)")
    ev_sub = ev.add_subparsers(dest="action", required=True)
    ev_sub.add_parser("list", help="the partitions, their rows (estimated) and size")
    ensure = ev_sub.add_parser("ensure", help="create this month's partition and the next ones")
    ensure.add_argument("--ahead", type=positive_int, default=3, help="months ahead (default 3)")
    det = ev_sub.add_parser("detach", help="detach a past month for archiving (it stays as a plain table)")
    det.add_argument("month", help="YYYY-MM")
    args = parser.parse_args(argv)
    if args.command in KEYED_COMMANDS:
        try:
            check_secrets()
        except InsecureConfig as refusal:
            print(refusal, file=sys.stderr)
            return 2

    return run(lambda: _run(args, db.database_url()))  # one boundary: a refusal reads as one line, exit 2


def _run(args, url: str) -> int:
    if args.command == "url":
        print(url)
        return 0
    if args.command == "migrate":
        upgrade(url)
        print("migrations applied")
        return 0
    if args.command == "create-user":
        password = args.password or getpass.getpass("Password: ")
        with db.session_scope() as s:
            team_id = s.scalar(select(Team.id).where(Team.name == args.team)) if args.team else None
            if args.team and team_id is None:
                raise OknoError("errors.no_such_team", team=args.team)
            user = auth.create_user(s, email=args.email, name=args.name, password=password, role=args.role,
                                    team_id=team_id, actor="python -m data create-user")
            print(f"created user {user.id} {user.email} ({user.role})")
        return 0
    if args.command == "demo":
        from data import demo as demo_data
        from data.demo import build as demo_build
        if demo_build.pending(db.get_engine()):  # rows committed, then stopped: its indexes are still to build
            print("finishing an interrupted demo load (indexes, key checks, statistics)", file=sys.stderr)
            demo_build.finish(db.get_engine())
        with db.read_session() as s:
            empty = demo_data.is_empty(s)
        if args.if_empty and not empty:
            print("database already has data; demo not loaded")
            return 0
        if not empty:
            print("error: the database already has data; demo data is only loaded into an empty one "
                  "(--if-empty skips quietly)", file=sys.stderr)
            return 2
        summary = demo_data.load(db.get_engine(), tickets=args.tickets, seed=args.seed)
        from data.demo import approvals as demo_approvals  # a story on top of the simulated year, through the services
        with db.session_scope() as s:
            summary["approvals"] = demo_approvals.create(s, datetime.fromisoformat(summary["now"]))
        print(json.dumps(summary, ensure_ascii=False, indent=2, default=str))
        return 0
    if args.command == "sla-backfill":
        from data.sla import recompute as sla
        summary = sla.backfill(db.SessionFactory(), batch=args.batch,
                               progress=lambda n, sec: print(f"{n} tickets, {n / sec:.0f}/s", file=sys.stderr))
        print(json.dumps(summary))
        return 0
    if args.command == "analytics-rollup":
        from data.metrics import rollup as analytics_rollup
        with db.session_scope(analytics_rollup.ROLLUP_ISOLATION) as s:
            redone = analytics_rollup.refresh(s) if args.refresh else analytics_rollup.rebuild(s)
        print("analytics rollup " + (f"refreshed ({redone} tickets redone)" if args.refresh else "rebuilt"))
        return 0
    if args.command == "weekly-send":
        return _weekly_send(args)
    if args.command == "set-password":
        with db.session_scope() as s:
            user = auth.find_by_email(s, args.email)
            if user is None:
                raise OknoError("errors.no_such_user", email=args.email)
            auth.set_password(s, user, args.password or getpass.getpass("New password: "))
            print(f"password of {user.email} changed; their sessions have ended")
        return 0
    if args.command == "create-token":
        from data.identity import tokens
        with db.session_scope() as s:
            user = auth.find_by_email(s, args.email)
            if user is None:
                raise OknoError("errors.no_such_user", email=args.email)
            _row, secret = tokens.create(s, "python -m data create-token", user, args.name)
        print(secret)  # alone on stdout, so `TOKEN=$(python -m data create-token ...)` works
        print(f"personal access token {args.name!r} for {user.email}; it is not shown again", file=sys.stderr)
        return 0
    if args.command == "create-integration-token":
        return _integration_token(args)
    if args.command == "events":
        return _events(args)
    if args.command == "reseal-secrets":
        from data.catalog import secrets
        with db.session_scope() as s:
            print(f"{secrets.reseal_all(s)} mailbox passwords re-encrypted")
        return 0
    return 1


# Commands that sign, hash PINs or encrypt with the keys: they refuse to run with a default key.
KEYED_COMMANDS = {"demo", "weekly-send", "reseal-secrets"}


def _events(args) -> int:
    from data.ops import event_partitions as partitions
    if args.action == "list":
        with db.read_session() as s:
            for p in partitions.partitions(s):
                month = f"{p['month']:%Y-%m}" if p["month"] else "default"
                print(f"{p['name']}\t{month}\t~{p['rows']} rows\t{p['bytes'] // 1024} KB")
        return 0
    if args.action == "ensure":
        with db.session_scope() as s:
            made = partitions.ensure(s, ahead=args.ahead)
        print("created: " + ", ".join(made) if made else "every partition exists")
        return 0
    month = partitions.parse_month(args.month)
    with db.session_scope() as s:
        name = partitions.detach(s, month)
    print(f"{name} detached; archive it with `pg_dump -t {name}`, then DROP TABLE {name}")
    return 0


def _integration_token(args) -> int:
    """The secret on stdout alone (a provisioning script reads it); the audit log names the command."""
    from data.catalog import integrations, lookups
    with db.session_scope() as s:
        service = lookups.service_by_ref(s, args.service)
        if service is None:
            raise OknoError("errors.cli.no_service", service=args.service)
        row, secret = integrations.create_token(s, "python -m data create-integration-token",
                                                args.name or f"provisioned for {service.code}", service.id)
        print(f"token {row.id} ({row.name}) for service {service.code}; shown once:", file=sys.stderr)
    print(secret)
    return 0


def _weekly_send(args) -> int:
    """Without options: what the scheduler would send now (idempotent). --week/--now: a manual send."""
    from data.weekly import summary as weekly
    from data.weekly import delivery as weekly_delivery
    with db.session_scope() as s:
        if args.week or args.now:
            week = weekly.Week.parse(args.week) if args.week else weekly.last_full_week()
            result = weekly_delivery.send(s, week, manual=True)
        else:
            result = weekly_delivery.deliver_due(s)
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
