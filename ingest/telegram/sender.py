"""Answers sent while the next batch is handled: the Telegram outbox's sender as a process of its own.

Handling a batch blocks the worker's event loop on PostgreSQL (SQLAlchemy is synchronous), so answers
sent from the same process wait for the handling, and the handling waits for them. A sender process
(`python -m ingest telegram --send-only`; the polling worker starts `--senders` of them) uses the second
core: it claims due Telegram rows as any worker does (FOR UPDATE SKIP LOCKED), sends them and records
them (out.py). It wakes on NOTIFY okno_telegram_outbox, which a batch's transaction sends with its
answers — PostgreSQL delivers it at commit, never before the rows can be seen — and every sweep interval
anyway (agents' replies, notifications and retries queued elsewhere). A notification that is missed
(the sender restarting) only delays a message until the next sweep: the rows are the queue.
"""
from __future__ import annotations

import asyncio
import logging

import psycopg
from sqlalchemy import text
from sqlalchemy.engine import make_url
from telegram import Bot

from data.db import database_url

from ingest.telegram import out
from ingest.telegram.api import BotApi

log = logging.getLogger("okno.telegram.sender")
CHANNEL = "okno_telegram_outbox"
ROUND = 1000  # rows delivered before the sender looks at its stop flag again


def notify(session) -> None:
    """Wake the senders when this transaction commits (its outbox rows are visible by then)."""
    session.execute(text("SELECT pg_notify(:channel, '')"), {"channel": CHANNEL})


async def _listen() -> psycopg.AsyncConnection:
    url = make_url(database_url()).set(drivername="postgresql")
    conn = await psycopg.AsyncConnection.connect(url.render_as_string(hide_password=False), autocommit=True)
    await conn.execute(f"LISTEN {CHANNEL}")
    return conn


async def _wait(conn: psycopg.AsyncConnection, timeout: float) -> None:
    """Until a notification comes (or came while the sender was busy: psycopg keeps those) or `timeout` passes;
    the others that queued up meanwhile are read too — one delivery round answers them all."""
    async for _notice in conn.notifies(timeout=timeout, stop_after=1):
        pass
    async for _notice in conn.notifies(timeout=0):
        pass


async def _until(stop: asyncio.Event, waiting) -> None:
    """`waiting`, or less when `stop` is set meanwhile (a long sweep interval must not hold up the exit)."""
    tasks = [asyncio.ensure_future(waiting), asyncio.ensure_future(stop.wait())]
    try:
        done, _pending = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
        for task in done:
            task.result()  # a lost connection is raised here
    finally:
        for task in tasks:
            task.cancel()


async def send_forever(bot: Bot, stop: asyncio.Event, sweep_interval: float = 2.0) -> None:
    """Deliver the Telegram outbox until `stop` is set: everything due, then wait for a NOTIFY or the sweep."""
    conn: psycopg.AsyncConnection | None = None
    async with BotApi(bot, out.PARALLEL_CHATS) as api:
        try:
            while not stop.is_set():
                try:
                    if conn is None:
                        conn = await _listen()  # before delivering: rows committed meanwhile wake the next wait
                    while await out.deliver_due(bot, limit=ROUND, api=api) and not stop.is_set():
                        pass
                    await _until(stop, _wait(conn, sweep_interval))
                except Exception:  # a database outage must not end the sender: listen again after a pause
                    log.exception("telegram sender step failed; again in %.0fs", sweep_interval)
                    if conn is not None:
                        await conn.close()
                        conn = None
                    await _until(stop, asyncio.sleep(sweep_interval))
        finally:
            if conn is not None:
                await conn.close()
