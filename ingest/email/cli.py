"""`python -m ingest email ...`: the email worker and its admin commands.

    python -m ingest email [--interval 30]        poll every mailbox forever, deliver the outbox
    python -m ingest email --once                 one pass over every mailbox and the outbox, then exit
    python -m ingest email add-mailbox --kind imap --address help@x --service it --host imap.x ...
    python -m ingest email list-mailboxes
    python -m ingest email import --mailbox N --folder INBOX [--since 2026-01-01]
    python -m ingest email import (--mailbox N | --service CODE) --path DIR_OR_MBOX   (also: --import PATH)
    python -m ingest email retry INBOUND_ID
"""
from __future__ import annotations

import argparse
import json
import os
from datetime import date

from sqlalchemy import or_, select

from data import db
from data.ops.cli import positive_seconds, row_id
from data.catalog import mailboxes
from data.errors import Text, ValidationError
from data.models import Service


def _service_id(session, ref: str | None) -> int | None:
    if not ref:
        return None
    cond = Service.code == ref if not ref.isdigit() else or_(Service.id == int(ref), Service.code == ref)
    found = session.scalar(select(Service.id).where(cond))
    if found is None:
        raise ValidationError("errors.cli.no_service", {"service": Text("errors.field.invalid")}, service=ref)
    return found


def _add_mailbox(args) -> int:
    password = os.environ.get(args.password_env) if args.password_env else args.password
    if args.password_env:
        password = f"env:{args.password_env}"  # keep the reference, not the value
    with db.session_scope() as s:
        values = {"kind": args.kind, "address": args.address, "name": args.name, "host": args.host or args.ews_url,
                  "port": args.port, "use_ssl": not args.no_ssl, "username": args.username, "folder": args.folder,
                  "auth_type": args.auth_type, "aliases": args.aliases or "", "smtp_host": args.smtp_host,
                  "smtp_port": args.smtp_port, "smtp_ssl": args.smtp_ssl,
                  "after_processing": "move" if args.move_to else "mark_read", "move_to": args.move_to,
                  "service_id": _service_id(s, args.service), "enabled": True}
        box = mailboxes.save(s, None, values, password=password)
        print(f"mailbox {box.id} {box.address} ({box.kind}) → service {box.service_id}")
    return 0


def port(value: str) -> int:
    number = row_id(value)
    if number > 65535:
        raise argparse.ArgumentTypeError(f"{number} is not a TCP port (1-65535)")
    return number


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m ingest email")
    p.add_argument("--once", action="store_true", help="one pass over every mailbox, then exit")
    p.add_argument("--interval", type=positive_seconds, default=float(os.environ.get("OKNO_EMAIL_POLL_SECONDS", 30)))
    p.add_argument("--import", dest="import_path", metavar="PATH", help="same as: import --path PATH")
    p.add_argument("--mailbox", type=row_id)
    p.add_argument("--service")
    sub = p.add_subparsers(dest="command")
    a = sub.add_parser("add-mailbox", help="configure a mailbox")
    a.add_argument("--kind", choices=("imap", "ews"), required=True)
    a.add_argument("--address", required=True)
    a.add_argument("--service", required=True, help="service code or id")
    a.add_argument("--name")
    a.add_argument("--host", help="IMAP host")
    a.add_argument("--ews-url", help="EWS endpoint, e.g. https://mail.example.com/EWS/Exchange.asmx")
    a.add_argument("--auth-type", help="EWS: NTLM (default) or basic")
    a.add_argument("--port", type=port)
    a.add_argument("--no-ssl", action="store_true")
    a.add_argument("--username")
    a.add_argument("--password")
    a.add_argument("--password-env", help="read the password from this environment variable at run time")
    a.add_argument("--folder", default="INBOX")
    a.add_argument("--move-to", help="move processed mail to this folder instead of marking it read")
    a.add_argument("--aliases", help="other addresses delivered to this mailbox, comma-separated")
    a.add_argument("--smtp-host")
    a.add_argument("--smtp-port", type=port)
    a.add_argument("--smtp-ssl", action="store_true")
    sub.add_parser("list-mailboxes")
    i = sub.add_parser("import", help="one-off import of a folder or of .eml files / an mbox")
    i.add_argument("--mailbox", type=row_id)
    i.add_argument("--service")
    i.add_argument("--folder")
    i.add_argument("--since", type=date.fromisoformat)
    i.add_argument("--path")
    r = sub.add_parser("retry", help="handle a failed inbound message again")
    r.add_argument("inbound_id", type=row_id)
    return p


def main(argv: list[str]) -> int:
    """Refusals (an unknown service or mailbox, a bad value) become one line and exit 2 in ingest/__main__.py."""
    args = _parser().parse_args(argv)
    if args.command == "add-mailbox":
        return _add_mailbox(args)
    if args.command == "list-mailboxes":
        with db.read_session() as s:
            for row in mailboxes.listing(s, None):
                print(json.dumps(row, default=str, ensure_ascii=False))
        return 0
    if args.command == "retry":
        from ingest.common import retry
        with db.session_scope() as s:
            outcome = retry(s, None, args.inbound_id)
        print(f"{args.inbound_id}: {outcome.state} {outcome.reason or ''}".strip())
        return 0
    if args.command == "import" or args.import_path:
        from ingest.email.mailbox_import import run_import

        def service_id_of():
            with db.read_session() as s:
                return _service_id(s, args.service)
        service_id = db.retry_reads(service_id_of)  # a long import may start during a database restart
        counts = run_import(mailbox_id=args.mailbox, service_id=service_id, folder=getattr(args, "folder", None),
                            since=getattr(args, "since", None), path=getattr(args, "path", None) or args.import_path)
        print(json.dumps(counts, ensure_ascii=False, indent=2))
        return 0
    from ingest.email.worker import run_forever, run_once
    if args.once:
        results = run_once()
        return 1 if any(r.error for r in results) else 0
    run_forever(args.interval)
    return 0
