"""The Telegram worker: `python -m ingest telegram` (long polling) or `--webhook URL` (several hosts).

Polling: getUpdates → store raw (commit) → only then confirm with the next offset → handle the
stored updates → deliver the outbox (by `--senders` processes of their own while the next batch is
handled: sender.py; or here after each batch with `--senders 0`). Webhook: Telegram posts to /telegram/webhook on any app host
(web/telegram_webhook.py stores and handles the update); this process then only registers the
webhook and keeps delivering the outbox and re-handling anything a host left behind.
"""
from __future__ import annotations

import argparse
import asyncio
import logging
import signal
import subprocess
import sys
import warnings

from telegram import Bot
from telegram.error import Conflict, InvalidToken, NetworkError, RetryAfter, TelegramError
from telegram.ext import ApplicationBuilder

from data.ops.cli import positive_seconds
from data.config import get_config

from ingest.telegram import sender
from ingest.telegram.api import BotApi
from ingest.telegram.inbox import process_pending, store_updates
from ingest.telegram.out import PARALLEL_CHATS, deliver_due

log = logging.getLogger("okno.telegram")
ALLOWED_UPDATES = ["message", "callback_query", "my_chat_member"]


def file_url(api_url: str) -> str:
    """https://api.telegram.org/bot → https://api.telegram.org/file/bot (a self-hosted server alike)."""
    base = api_url.rstrip("/")
    return base[:-4] + "/file/bot" if base.endswith("/bot") else base + "/file/bot"


# The Bot API puts the token in every request URL; httpx logs each request URL at INFO (httpcore at
# DEBUG), python-telegram-bot logs its API URL at DEBUG. Wherever a bot is built those loggers are
# raised, so the token never reaches a log even when the rest of the process logs at DEBUG.
QUIET_LOGGERS = {"httpx": logging.WARNING, "httpcore": logging.WARNING, "telegram": logging.INFO}


def quiet_http_logs() -> None:
    for name, level in QUIET_LOGGERS.items():
        logging.getLogger(name).setLevel(level)


class RedactToken(logging.Filter):
    """Last line of defence on the worker's log handlers: the token, if a message or traceback holds it,
    is printed as `<bot token>` (an error from a library may quote the URL it called)."""

    def __init__(self, token: str):
        super().__init__()
        self.token = token

    def filter(self, record: logging.LogRecord) -> bool:
        if not self.token:
            return True
        message = record.getMessage()
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if self.token in message or (record.exc_text and self.token in record.exc_text):
            record.msg, record.args = message.replace(self.token, "<bot token>"), None
            if record.exc_text:
                record.exc_text = record.exc_text.replace(self.token, "<bot token>")
        return True


def known_missing_sniffio() -> None:
    """httpcore runs `import sniffio` on every request (httpcore/_synchronization.py). Without the package
    (pinned in requirements.txt) each of those imports searched sys.path again: 5 stat() calls per path
    entry, ~0.3 ms a Bot API call. Marking it absent once makes the import fail at once, as it would anyway."""
    try:
        import sniffio  # noqa: F401
    except ImportError:
        sys.modules.setdefault("sniffio", None)


def build_bot(token: str, api_url: str, poll_timeout: float = 25) -> Bot:
    quiet_http_logs()
    known_missing_sniffio()
    app = (ApplicationBuilder().token(token).base_url(api_url).base_file_url(file_url(api_url))
           .updater(None).get_updates_read_timeout(poll_timeout + 10).build())
    return app.bot


class TelegramWorker:
    def __init__(self, token: str, api_url: str, *, poll_timeout: float = 25, sweep_interval: float = 2.0,
                 webhook_url: str | None = None, webhook_secret: str | None = None, senders: int = 0):
        self.bot = build_bot(token, api_url, poll_timeout)
        self.api = BotApi(self.bot, PARALLEL_CHATS)  # texts over kept-alive connections (api.py)
        self.senders = senders if not webhook_url else 0  # sender processes (polling only); 0: send here
        self.children: list[subprocess.Popen] = []
        self.poll_timeout, self.sweep_interval = poll_timeout, sweep_interval
        self.webhook_url, self.webhook_secret = webhook_url, webhook_secret
        self.offset: int | None = None
        self.conflict_pause = 10.0  # seconds to wait when another consumer holds getUpdates (409)
        # One handler at a time in this process: handling does blocking DB calls inside the event
        # loop, and two turns of one chat would wait on each other's row lock forever.
        self.lock = asyncio.Lock()

    @property
    def bot_id(self) -> int:
        return self.bot.id

    async def work(self) -> None:
        """Pending updates, then the due outbox — unless sender processes deliver it (the sweep restarts
        one that died; meanwhile the rows wait, queued)."""
        async with self.lock:
            await process_pending(self.bot, self.bot_id, self.bot.username or "", api=self.api,
                                  send=not self.senders)
            if not self.senders:
                await deliver_due(self.bot, api=self.api)

    def start_senders(self) -> None:
        """Start the sender processes that are not running (first call, or one of them died)."""
        alive = [child for child in self.children if child.poll() is None]
        for child in self.children:
            if child.poll() is not None:
                log.error("telegram sender process %s exited with %s; starting another", child.pid, child.returncode)
        while len(alive) < self.senders:
            alive.append(subprocess.Popen([sys.executable, "-m", "ingest", "telegram", "--send-only",
                                           "--sweep-interval", str(self.sweep_interval)]))
        self.children = alive

    def stop_senders(self) -> None:
        for child in self.children:
            child.terminate()
        for child in self.children:
            try:
                child.wait(timeout=15)
            except subprocess.TimeoutExpired:
                child.kill()
        self.children = []

    async def poll_once(self) -> int:
        params = {"timeout": int(self.poll_timeout), "allowed_updates": ALLOWED_UPDATES}
        if self.offset is not None:
            params["offset"] = self.offset
        # Raw JSON, not Bot.get_updates(): the updates are stored before PTB parses them, so one it
        # can't parse is kept and skipped instead of failing the whole batch forever.
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message=r"Please use 'Bot\.getUpdates'")
            updates = await self.bot.do_api_request("getUpdates", api_kwargs=params) or []
        if not isinstance(updates, list):
            log.warning("getUpdates returned %r; ignored", type(updates).__name__)
            return 0
        store_updates(self.bot_id, updates)  # committed before the offset moves past them
        ids = [u["update_id"] for u in updates if isinstance(u, dict) and isinstance(u.get("update_id"), int)]
        if ids:
            self.offset = max(ids) + 1
        await self.work()
        return len(updates)

    async def poll_forever(self) -> None:
        delay = 1.0
        while True:
            try:
                await self.poll_once()
                delay = 1.0
            except RetryAfter as err:
                await asyncio.sleep(err.retry_after.total_seconds() if hasattr(err.retry_after, "total_seconds")
                                    else float(err.retry_after))
            except Conflict as err:  # another getUpdates consumer, or a webhook is set
                log.error("getUpdates conflict: %s — is another worker polling this bot?", err.message)
                await asyncio.sleep(self.conflict_pause)
            except (NetworkError, TelegramError, OSError) as err:
                log.warning("getUpdates failed (%s); retrying in %.0fs", err, delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 60)
            except Exception:  # a database outage must not kill the worker; the offset did not move
                log.exception("polling step failed; retrying in %.0fs", delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 60)

    async def sweep_forever(self) -> None:
        """Outbox delivery (agents' replies, notifications, retries) and leftovers of other hosts."""
        while True:
            try:
                if self.senders:
                    self.start_senders()
                await self.work()
            except Exception:
                log.exception("outbox sweep failed")
            await asyncio.sleep(self.sweep_interval)

    async def run(self, stop: asyncio.Event) -> None:
        await self.bot.initialize()
        try:
            if self.webhook_url:
                await self.bot.set_webhook(self.webhook_url, secret_token=self.webhook_secret,
                                           allowed_updates=ALLOWED_UPDATES)
                log.info("webhook set to %s", self.webhook_url)
                tasks = [asyncio.create_task(self.sweep_forever())]
            else:
                await self.bot.delete_webhook()  # getUpdates is refused while a webhook is set
                log.info("polling as @%s", self.bot.username)
                tasks = [asyncio.create_task(self.poll_forever()), asyncio.create_task(self.sweep_forever())]
            await stop.wait()
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
        finally:
            self.stop_senders()
            await self.api.aclose()
            await self.bot.shutdown()

    async def send_only(self, stop: asyncio.Event) -> None:
        """`--send-only`: this process only delivers the outbox (sender.py)."""
        await self.bot.initialize()
        try:
            await sender.send_forever(self.bot, stop, self.sweep_interval)
        finally:
            await self.bot.shutdown()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m ingest telegram", description=__doc__.splitlines()[0])
    parser.add_argument("--webhook", metavar="URL", help="register this public URL (…/telegram/webhook) instead of polling")
    parser.add_argument("--poll-timeout", type=positive_seconds, default=25, help="long-poll seconds (default 25)")
    parser.add_argument("--sweep-interval", type=positive_seconds, default=2.0, help="outbox check period in seconds")
    parser.add_argument("--senders", type=int, default=1, choices=range(0, 9), metavar="N",
                        help="processes that send the answers while the next updates are handled (polling; default 1, "
                             "0: send them in this process after each batch)")
    parser.add_argument("--send-only", action="store_true", help="only deliver the outbox (what --senders starts)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    quiet_http_logs()  # their INFO/DEBUG lines carry the bot token in the URL
    cfg = get_config()
    for handler in logging.getLogger().handlers:
        handler.addFilter(RedactToken(cfg.telegram_bot_token or ""))
    if not cfg.telegram_bot_token:
        log.error("TELEGRAM_BOT_TOKEN is not set")
        return 2
    if args.webhook and not cfg.telegram_webhook_secret:
        log.error("TELEGRAM_WEBHOOK_SECRET must be set for webhook mode")
        return 2
    worker = TelegramWorker(cfg.telegram_bot_token, cfg.telegram_api_url, poll_timeout=args.poll_timeout,
                            sweep_interval=args.sweep_interval, webhook_url=args.webhook,
                            webhook_secret=cfg.telegram_webhook_secret, senders=args.senders)

    async def _run() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):  # finish the update in hand, then exit
            loop.add_signal_handler(sig, stop.set)
        try:
            await (worker.send_only(stop) if args.send_only else worker.run(stop))
        except InvalidToken:
            log.error("Telegram rejected TELEGRAM_BOT_TOKEN")

    try:
        asyncio.run(_run())
    except KeyboardInterrupt:
        pass
    return 0
