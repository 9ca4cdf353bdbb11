"""`python -m ingest worker [--concurrency N]`: run the job queue (data/jobs.py) with its periodic schedule.

Start one per host, as many hosts as you like: they share the queue in PostgreSQL, no job runs twice,
and each periodic job runs once per tick whatever the number of workers. Ctrl-C or SIGTERM lets the
jobs in hand finish, then exits. The channels' periodic jobs are here because data/ never imports a
channel: polling every enabled mailbox (one job per mailbox, so workers share them), email and
Telegram outbox delivery.
"""
from __future__ import annotations

import argparse
import importlib
import logging

from sqlalchemy import select

from data import db
from data.ops.cli import positive_int, seconds_or_zero
from data.config import get_config
from data import jobs
from data.jobs import app, periodic
from data.models import Mailbox

log = logging.getLogger(__name__)
EVERY_30_S = "* * * * * */30"  # seconds are the 6th cron field
EVERY_10_S = "* * * * * */10"


@periodic("email_poll", EVERY_30_S)
def email_poll(timestamp: int) -> None:
    """Queue one poll per enabled mailbox; a mailbox whose poll is still waiting is not queued again."""
    with db.read_session() as s:
        ids = list(s.scalars(select(Mailbox.id).where(Mailbox.enabled).order_by(Mailbox.id)))
    for mailbox_id in ids:
        try:
            email_mailbox.configure(lock=f"mailbox-{mailbox_id}", queueing_lock=f"mailbox-{mailbox_id}") \
                .defer(mailbox_id=mailbox_id)
        except Exception as err:  # noqa: BLE001 — AlreadyEnqueued: the previous poll has not started yet
            log.debug("mailbox %s not queued: %s", mailbox_id, err)


@app.task(name="email_mailbox")
def email_mailbox(mailbox_id: int) -> None:
    from ingest.email.worker import poll_mailbox
    result = poll_mailbox(mailbox_id)
    if result.counts or result.error:
        log.info("mailbox %s: %s%s", mailbox_id, result.counts or "nothing new",
                 f" (error: {result.error})" if result.error else "")


@periodic("email_outbox", EVERY_10_S)
def email_outbox(timestamp: int) -> None:
    from ingest.email.out import deliver_due
    counts = deliver_due()
    if any(counts.values()):
        log.info("email outbox: %s", counts)


@periodic("telegram_outbox", EVERY_10_S)
async def telegram_outbox(timestamp: int) -> None:
    """Replies and notifications to Telegram (the bot's own loop, `python -m ingest telegram`, reads updates)."""
    cfg = get_config()
    if not cfg.telegram_bot_token:
        return
    from ingest.telegram.bot import build_bot
    from ingest.telegram.out import deliver_due
    async with build_bot(cfg.telegram_bot_token, cfg.telegram_api_url) as bot:
        tried = await deliver_due(bot)
    if tried:
        log.info("telegram outbox: %s tried", tried)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m ingest worker", description=__doc__.splitlines()[0])
    parser.add_argument("--concurrency", type=positive_int, default=4, help="jobs run at once in this process (default 4)")
    parser.add_argument("--import", dest="imports", action="append", default=[], metavar="MODULE",
                        help="also load the tasks of this module (extensions); repeatable")
    parser.add_argument("--shutdown-timeout", type=seconds_or_zero, default=30.0,
                        help="seconds the jobs in hand may take to finish after Ctrl-C/SIGTERM (default 30)")
    args = parser.parse_args(argv)
    for module in args.imports:
        try:
            importlib.import_module(module)
        except ImportError as err:
            parser.error(f"--import {module}: {err}")  # one line, exit 2
    jobs.retry_on_lost_database()
    # procrastinate logs every job start and end at INFO: with outbox jobs every 10 s that buries what
    # matters (our own job logs, failures). Its warnings and errors still show.
    logging.getLogger("procrastinate").setLevel(logging.WARNING)
    log.info("worker: %s tasks, %s periodic, concurrency %s", len(app.tasks),
             len(app.periodic_registry.periodic_tasks), args.concurrency)
    app.run_worker(concurrency=args.concurrency, shutdown_graceful_timeout=args.shutdown_timeout)
    return 0
