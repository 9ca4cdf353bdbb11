"""POST /telegram/webhook: Telegram's webhook on any app host (run several behind a balancer).

The request must carry X-Telegram-Bot-Api-Secret-Token (TELEGRAM_WEBHOOK_SECRET, given to
setWebhook by `python -m ingest telegram --webhook URL`). The raw update is committed first and
answered 200 even if handling fails: it stays stored and the worker's sweep handles it again.
"""
from __future__ import annotations

import asyncio
import hmac
import logging
import threading

from flask import Blueprint, request

from data.config import get_config

log = logging.getLogger("okno.telegram.webhook")
bp = Blueprint("telegram_webhook", __name__)
PATH = "/telegram/webhook"


def admits_webhook() -> bool:
    """web.auth guard hook: Telegram has no session; the view checks the secret token itself."""
    return request.path == PATH and request.method == "POST"


def _secret_ok() -> bool:
    secret = get_config().telegram_webhook_secret
    given = request.headers.get("X-Telegram-Bot-Api-Secret-Token", "")
    return bool(secret) and hmac.compare_digest(given.encode(), secret.encode())


async def _handle_now(token: str, api_url: str) -> None:
    from ingest.telegram.bot import build_bot
    from ingest.telegram.inbox import process_pending

    bot = build_bot(token, api_url)
    async with bot:  # getMe: the bot's id and username, which group mentions need
        await process_pending(bot, bot.id, bot.username or "", limit=20)


def _run(coro) -> None:
    """asyncio.run, also under servers (or test harnesses) that already run a loop in this thread."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        asyncio.run(coro)
        return
    errors: list[BaseException] = []
    thread = threading.Thread(target=lambda: _capture(coro, errors))
    thread.start()
    thread.join()
    if errors:
        raise errors[0]


def _capture(coro, errors: list) -> None:
    try:
        asyncio.run(coro)
    except BaseException as err:  # handed back to the request thread
        errors.append(err)


@bp.post(PATH)
def receive():
    cfg = get_config()
    if not cfg.telegram_bot_token or not _secret_ok():
        log.warning("telegram webhook refused: bad or missing secret token from %s", request.remote_addr)
        return {"ok": False, "description": "forbidden"}, 403
    from ingest.telegram.inbox import store_updates

    raw = request.get_json(silent=True)
    if raw is None:  # not JSON: still kept, and skipped with the reason
        raw = {"unreadable_body": request.get_data(as_text=True)[:100_000]}
    store_updates(int(cfg.telegram_bot_token.split(":")[0]), [raw])
    try:
        _run(_handle_now(cfg.telegram_bot_token, cfg.telegram_api_url))
    except Exception:
        log.exception("telegram webhook: handling deferred to the worker's sweep")
    return {"ok": True}
