"""sendMessage as a plain JSON POST: the outbox's commonest call (the bot's answers, agents' text replies,
notifications) without python-telegram-bot's Bot machinery and without httpx.

Measured on this machine (loopback Bot API in another process, one message after another): `Bot.send_message`
3.5 ms of CPU a message, the same POST through an httpx.AsyncClient 2.7 ms (its connection pool, anyio and
tracing layers), the same bytes over a kept-alive asyncio stream 0.25–0.3 ms. So a text goes here as one
`json.dumps`, an HTTP/1.1 exchange framed by h11 (the protocol library under httpx) on one of a few
kept-alive connections, one `json.loads`, the message id. Errors are raised as python-telegram-bot raises
them (the same classes, messages and `retry_after`: telegram/request/_baserequest.py), so out.py treats both
ways alike — 429 waits, 403 and "chat not found" mark the chat unreachable. Files, edits and button answers
stay on the Bot; so does every text when a proxy is set for the Bot API's host (HTTPS_PROXY…: httpx
honours it, this client does not).
"""
from __future__ import annotations

import asyncio
import json
import ssl
import urllib.request
from functools import cache
from http import HTTPStatus
from urllib.parse import urlsplit

import h11
import httpx
from telegram import Bot
from telegram.error import (BadRequest, ChatMigrated, Conflict, Forbidden, InvalidToken, NetworkError, RetryAfter,
                            TelegramError, TimedOut)

USER_AGENT = "okno-telegram"


class _Connection:
    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter):
        self.reader, self.writer = reader, writer
        self.http = h11.Connection(h11.CLIENT)

    def usable(self) -> bool:
        """Still open and between two exchanges (the server may have closed an idle connection)."""
        return not self.writer.is_closing() and not self.reader.at_eof() and self.http.our_state is h11.IDLE

    def close(self) -> None:
        self.writer.close()


class BotApi:
    """One bot's sendMessage over up to `connections` kept-alive connections; `async with BotApi(bot) as api:`.
    `direct` is False when a proxy stands between us and the Bot API: then out.py sends through the Bot."""

    def __init__(self, bot: Bot, connections: int = 8, timeout: float = 5.0):
        url = urlsplit(f"{bot.base_url}/sendMessage")  # base_url already ends with the token
        self.tls = url.scheme == "https"
        self.host, self.port = url.hostname or "", url.port or (443 if self.tls else 80)
        self.authority = url.netloc.rsplit("@", 1)[-1]
        self.target = url.path + (f"?{url.query}" if url.query else "")
        self.timeout = timeout
        self.direct = not (urllib.request.getproxies().get(url.scheme) and not urllib.request.proxy_bypass(self.host))
        self.connections = connections
        self.idle: list[_Connection] = []
        self.slots: asyncio.Semaphore | None = None  # made in the loop that sends

    async def __aenter__(self) -> "BotApi":
        return self

    async def __aexit__(self, *_exc) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        idle, self.idle = self.idle, []
        for conn in idle:
            conn.close()

    async def send_message(self, chat_id: str | int, text: str, buttons: list | None = None,
                           reply_to: int | None = None) -> int:
        """The message id Telegram gave the text; `buttons`: rows of (label, callback data)."""
        data: dict = {"chat_id": chat_id, "text": text}
        if reply_to is not None:  # what Bot.send_message(reply_to_message_id=…, allow_sending_without_reply=True) sends
            data["reply_parameters"] = {"message_id": reply_to, "allow_sending_without_reply": True}
        if buttons:
            data["reply_markup"] = {"inline_keyboard": [[{"text": label, "callback_data": value} for label, value in row]
                                                        for row in buttons]}
        status, payload = await self._post(json.dumps(data, ensure_ascii=False).encode())
        if 200 <= status <= 299:
            try:
                return json.loads(payload)["result"]["message_id"]
            except (ValueError, KeyError, TypeError) as err:
                raise NetworkError(f"Invalid server response: {payload[:200]!r}") from err
        raise error_of(status, payload)

    async def _post(self, body: bytes) -> tuple[int, bytes]:
        if self.slots is None:
            self.slots = asyncio.Semaphore(self.connections)
        async with self.slots:
            conn = None
            while self.idle and conn is None:
                conn = self.idle.pop()
                if not conn.usable():
                    conn.close()
                    conn = None
            try:
                async with asyncio.timeout(self.timeout):
                    if conn is None:
                        reader, writer = await asyncio.open_connection(
                            self.host, self.port, ssl=_tls() if self.tls else None,
                            server_hostname=self.host if self.tls else None)
                        conn = _Connection(reader, writer)
                    status, payload = await self._exchange(conn, body)
            except TimeoutError as err:
                if conn is not None:
                    conn.close()
                raise TimedOut from err
            except (OSError, h11.ProtocolError, asyncio.IncompleteReadError) as err:
                if conn is not None:
                    conn.close()
                raise NetworkError(f"{err.__class__.__name__}: {err}") from err
            except BaseException:  # cancelled mid-exchange: the connection's state is unknown
                if conn is not None:
                    conn.close()
                raise
            if conn.http.our_state is h11.DONE and conn.http.their_state is h11.DONE:
                conn.http.start_next_cycle()
                self.idle.append(conn)
            else:  # the server closes it (Connection: close) or the exchange ended oddly
                conn.close()
            return status, payload

    async def _exchange(self, conn: _Connection, body: bytes) -> tuple[int, bytes]:
        http = conn.http
        conn.writer.write(http.send(h11.Request(method="POST", target=self.target, headers=[
            ("Host", self.authority), ("User-Agent", USER_AGENT), ("Content-Type", "application/json"),
            ("Content-Length", str(len(body)))])) + http.send(h11.Data(data=body)) + http.send(h11.EndOfMessage()))
        await conn.writer.drain()
        status, chunks = 0, []
        while True:
            event = http.next_event()
            if event is h11.NEED_DATA:
                http.receive_data(await conn.reader.read(65536))  # b"": the server closed the connection
            elif isinstance(event, h11.Response):
                status = event.status_code
            elif isinstance(event, h11.Data):
                chunks.append(event.data)
            elif isinstance(event, h11.EndOfMessage):
                return status, b"".join(chunks)
            elif isinstance(event, h11.ConnectionClosed):
                raise h11.RemoteProtocolError("the server closed the connection before answering")


@cache
def _tls() -> ssl.SSLContext:
    """One TLS context for the process, as httpx builds it (certifi's CAs, SSL_CERT_FILE): reading the CA
    bundle takes milliseconds."""
    return httpx.create_ssl_context()


def error_of(code: int, payload: bytes) -> TelegramError:
    """The exception python-telegram-bot raises for this HTTP status and Bot API error body."""
    try:
        message = f"{HTTPStatus(code).phrase} ({code})"
    except ValueError:
        message = f"Unknown HTTPError ({code})"
    try:
        body = json.loads(payload)
        if not isinstance(body, dict):
            raise ValueError("not an object")
    except ValueError:
        message += f". Parsing the server response {payload!r} failed"
    else:
        message = body.get("description") or message
        parameters = body.get("parameters")
        if parameters:
            if parameters.get("migrate_to_chat_id"):
                return ChatMigrated(parameters["migrate_to_chat_id"])
            if parameters.get("retry_after"):
                return RetryAfter(parameters["retry_after"])
            message += f". The server response contained unknown parameters: {parameters}"
    if code == HTTPStatus.FORBIDDEN:
        return Forbidden(message)
    if code in (HTTPStatus.NOT_FOUND, HTTPStatus.UNAUTHORIZED):
        return InvalidToken(message)
    if code == HTTPStatus.BAD_REQUEST:
        return BadRequest(message)
    if code == HTTPStatus.CONFLICT:
        return Conflict(message)
    return NetworkError(message)
