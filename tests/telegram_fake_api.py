"""A loopback Bot API server: the real python-telegram-bot client talks HTTP to it in tests.

It speaks the parts of the Bot API the worker uses — getMe, deleteWebhook, setWebhook,
getUpdates (offset + long-poll timeout), sendMessage, sendDocument, sendPhoto, editMessageText, answerCallbackQuery,
getFile and file downloads — accepting form-encoded, multipart and JSON bodies and answering
with complete Bot API objects or Bot API errors (400, 403, 409, 429 with retry_after).
"""
from __future__ import annotations

import json
import random
import socket
import threading
import time
from email.parser import BytesParser
from email.policy import HTTP
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, unquote, urlsplit

TOKEN_SECRET = "AAFakeTokenForOknoTests_abcdefghijk"


def _value(text: str):
    """PTB sends nested objects (reply_markup...) as JSON strings inside form fields."""
    if text[:1] in "{[":
        try:
            return json.loads(text)
        except ValueError:
            return text
    return text


class FakeBotAPI:
    def __init__(self, token: str | None = None, username: str = "okno_test_bot"):
        # Each server is a different bot: update ids restart at 1, and the raw log is per bot.
        self.token = token or f"{random.randint(10**8, 10**10)}:{TOKEN_SECRET}"
        self.bot_id = int(self.token.split(":")[0])
        self.username = username
        self.lock = threading.Condition()
        self.pending: list[dict] = []  # updates not yet confirmed by an offset
        self.next_update_id = 1
        self.next_message_id = 500
        self.calls: list[tuple[float, str, dict]] = []  # (time, method, params) of every request
        self.errors: list[dict] = []  # scripted failures, consumed in order
        self.files: dict[str, tuple[str, bytes]] = {}  # file_id -> (file_path, content)
        self.webhook: dict = {}
        self.outgoing: list[dict] = []  # messages the bot sent, as the chat shows them
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    # --- lifecycle and URLs -------------------------------------------------------------------
    @property
    def root(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    @property
    def base_url(self) -> str:
        return self.root + "/bot"

    def start(self) -> "FakeBotAPI":
        self.thread.start()
        return self

    def stop(self) -> None:
        with self.lock:
            self.lock.notify_all()
        self.server.shutdown()
        self.server.server_close()

    # --- what tests script ----------------------------------------------------------------------
    def push(self, update: dict) -> int:
        """Queue an update (an update_id is given when missing); returns its id."""
        with self.lock:
            if isinstance(update, dict) and "update_id" not in update:
                update = {"update_id": self.next_update_id, **update}
            if isinstance(update, dict) and isinstance(update.get("update_id"), int):
                self.next_update_id = max(self.next_update_id, update["update_id"] + 1)
            self.pending.append(update)
            self.lock.notify_all()
            return update.get("update_id") if isinstance(update, dict) else None

    def fail_next(self, method: str, code: int, description: str, retry_after: int | None = None,
                  times: int = 1) -> None:
        """The next `times` calls of `method` answer with this Bot API error."""
        for _ in range(times):
            self.errors.append({"method": method, "code": code, "description": description,
                                "retry_after": retry_after})

    def add_file(self, file_id: str, content: bytes, path: str) -> None:
        self.files[file_id] = (path, content)

    def sent(self, method: str = "sendMessage", chat_id=None) -> list[dict]:
        with self.lock:
            return [p for _, m, p in self.calls if m == method
                    and (chat_id is None or str(p.get("chat_id")) == str(chat_id))]

    def call_times(self, method: str) -> list[float]:
        with self.lock:
            return [t for t, m, _ in self.calls if m == method]

    def wait_for(self, predicate, timeout: float = 10.0):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            result = predicate()
            if result:
                return result
            time.sleep(0.05)
        raise AssertionError("timed out waiting for the bot")

    # --- the Bot API ----------------------------------------------------------------------------
    def _me(self) -> dict:
        return {"id": self.bot_id, "is_bot": True, "first_name": "Okno", "username": self.username,
                "can_join_groups": True, "can_read_all_group_messages": False, "supports_inline_queries": False}

    def _message(self, params: dict) -> dict:
        chat_id = int(params["chat_id"])
        with self.lock:
            self.next_message_id += 1
            message_id = self.next_message_id
        chat = {"id": chat_id, "type": "private" if chat_id > 0 else "group"}
        if chat_id < 0:
            chat["title"] = "Group"
        message = {"message_id": int(params.get("message_id", message_id)), "date": int(time.time()),
                   "chat": chat, "from": self._me(), "text": params.get("text", "")}
        if params.get("reply_markup"):
            message["reply_markup"] = params["reply_markup"]
        with self.lock:
            self.outgoing.append(message)
        return message

    def _document(self, params: dict) -> dict:
        message = self._message({**params, "text": ""})
        message.pop("text")
        content = params.get("document") or b""
        message["document"] = {"file_id": f"doc{message['message_id']}", "file_unique_id": f"udoc{message['message_id']}",
                               "file_name": (params.get("_filenames") or {}).get("document"), "file_size": len(content)}
        if params.get("caption"):
            message["caption"] = params["caption"]
        return message

    def _photo(self, params: dict) -> dict:
        """A photo shows in the chat in a few sizes; the bytes are kept for the test to compare."""
        message = self._message({**params, "text": ""})
        message.pop("text")
        content = params.get("photo") or b""
        message["photo"] = [{"file_id": f"photo{message['message_id']}", "file_unique_id": f"uphoto{message['message_id']}",
                             "width": 640, "height": 480, "file_size": len(content)}]
        if params.get("caption"):
            message["caption"] = params["caption"]
        return message

    def _edit(self, params: dict) -> dict:
        """The chat shows the new text in place of the old message (and its buttons are gone)."""
        with self.lock:
            for message in self.outgoing:
                if message["chat"]["id"] == int(params["chat_id"]) and \
                        message["message_id"] == int(params["message_id"]):
                    message["text"] = params.get("text", "")
                    message.pop("reply_markup", None)
                    if params.get("reply_markup"):
                        message["reply_markup"] = params["reply_markup"]
                    message["edit_date"] = int(time.time())
                    return message
        raise _ApiError(400, "Bad Request: message to edit not found")

    def _get_updates(self, params: dict):
        offset = int(params.get("offset") or 0)
        timeout = float(params.get("timeout") or 0)
        limit = int(params.get("limit") or 100)
        deadline = time.monotonic() + timeout
        with self.lock:
            if offset:  # confirming: everything below the offset is forgotten
                self.pending = [u for u in self.pending if isinstance(u, dict)
                                and isinstance(u.get("update_id"), int) and u["update_id"] >= offset]
            while not self.pending and time.monotonic() < deadline:
                self.lock.wait(max(0.0, deadline - time.monotonic()))
            return list(self.pending[:limit])

    def answer(self, method: str, params: dict):
        if method == "getMe":
            return self._me()
        if method in ("deleteWebhook", "setWebhook"):
            self.webhook = params if method == "setWebhook" else {}
            return True
        if method == "getUpdates":
            return self._get_updates(params)
        if method == "sendMessage":
            return self._message(params)
        if method == "sendDocument":  # files the bot sends (the weekly summary's PDF)
            return self._document(params)
        if method == "sendPhoto":
            return self._photo(params)
        if method == "editMessageText":
            return self._edit(params)
        if method == "answerCallbackQuery":
            return True
        if method == "getFile":
            file_id = params.get("file_id")
            if file_id not in self.files:
                raise _ApiError(400, "Bad Request: invalid file_id")
            path, content = self.files[file_id]
            return {"file_id": file_id, "file_unique_id": file_id + "u", "file_size": len(content),
                    "file_path": path}
        raise _ApiError(404, "Not Found")

    def _scripted_error(self, method: str) -> dict | None:
        with self.lock:
            for i, err in enumerate(self.errors):
                if err["method"] == method:
                    return self.errors.pop(i)
        return None

    def _handler(self):
        api = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):  # keep test output quiet
                pass

            def setup(self):
                super().setup()
                # headers and body go out in two writes: without NODELAY each answer waits ~40 ms for an ACK
                self.request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

            def _reply(self, status: int, body: bytes, content_type: str = "application/json") -> None:
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                try:
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up on a long poll (a worker stopping)

            def _error(self, code: int, description: str, retry_after: int | None = None) -> None:
                body = {"ok": False, "error_code": code, "description": description}
                if retry_after is not None:
                    body["parameters"] = {"retry_after": retry_after}
                self._reply(code, json.dumps(body).encode())

            def _params(self) -> dict:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                ctype = self.headers.get("Content-Type", "")
                query = dict(parse_qsl(urlsplit(self.path).query))
                if ctype.startswith("application/json"):
                    return {**query, **(json.loads(raw) if raw else {})}
                if ctype.startswith("multipart/form-data"):
                    msg = BytesParser(policy=HTTP).parsebytes(
                        b"Content-Type: " + ctype.encode() + b"\r\n\r\n" + raw)
                    params = dict(query)
                    for part in msg.iter_parts():
                        name = part.get_param("name", header="content-disposition")
                        payload = part.get_payload(decode=True) or b""
                        params[name] = payload if part.get_filename() else _value(payload.decode())
                        if part.get_filename():  # uploaded files keep their names beside the bytes
                            params.setdefault("_filenames", {})[name] = part.get_filename()
                    return params
                pairs = parse_qsl(raw.decode(), keep_blank_values=True)
                return {**query, **{k: _value(v) for k, v in pairs}}

            def do_GET(self):
                self._route()

            def do_POST(self):
                self._route()

            def _route(self):
                path = unquote(urlsplit(self.path).path)  # the token's ':' arrives as %3A
                file_prefix = f"/file/bot{api.token}/"
                if path.startswith(file_prefix):
                    wanted = path[len(file_prefix):]
                    for stored_path, content in api.files.values():
                        if stored_path == wanted:
                            return self._reply(200, content, "application/octet-stream")
                    return self._reply(404, b"Not Found", "text/plain")
                prefix = f"/bot{api.token}/"
                if not path.startswith(prefix):
                    return self._error(401, "Unauthorized")
                method = path[len(prefix):]
                try:
                    params = self._params()
                except Exception as exc:  # a body the server can't read is the client's fault
                    return self._error(400, f"Bad Request: unreadable body ({exc})")
                with api.lock:
                    api.calls.append((time.monotonic(), method, params))
                scripted = api._scripted_error(method)
                if scripted:
                    return self._error(scripted["code"], scripted["description"], scripted["retry_after"])
                try:
                    result = api.answer(method, params)
                except _ApiError as err:
                    return self._error(err.code, err.description)
                self._reply(200, json.dumps({"ok": True, "result": result}).encode())

        return Handler


class _ApiError(Exception):
    def __init__(self, code: int, description: str):
        super().__init__(description)
        self.code, self.description = code, description


# --- builders for the updates a user's client would produce ------------------------------------
def user(user_id: int = 4242, first_name: str = "Ирина", language_code: str = "ru", username: str | None = "irina"):
    u = {"id": user_id, "is_bot": False, "first_name": first_name, "language_code": language_code}
    if username:
        u["username"] = username
    return u


def text_message(text: str, chat_id: int = 4242, message_id: int = 1, reply_to: dict | None = None, **user_kw):
    sender = user(user_id=chat_id if chat_id > 0 else 4242, **user_kw)
    chat = {"id": chat_id, "type": "private", "first_name": sender["first_name"]} if chat_id > 0 else \
        {"id": chat_id, "type": "group", "title": "Бухгалтерия"}
    message = {"message_id": message_id, "date": int(time.time()), "chat": chat, "from": sender, "text": text}
    if text.startswith("/"):
        message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}]
    if reply_to is not None:
        message["reply_to_message"] = reply_to
    return {"message": message}


def callback(data: str, chat_id: int = 4242, message: dict | None = None, query_id: str | None = None, **user_kw):
    sender = user(user_id=chat_id, **user_kw)
    msg = message or {"message_id": 1, "date": int(time.time()), "chat": {"id": chat_id, "type": "private"},
                      "text": "…"}
    return {"callback_query": {"id": query_id or f"cq{time.monotonic_ns()}", "from": sender,
                               "chat_instance": "ci1", "data": data, "message": msg}}


def photo_message(file_id: str, size: int, chat_id: int = 4242, caption: str | None = None, message_id: int = 1):
    update = text_message("", chat_id=chat_id, message_id=message_id)
    msg = update["message"]
    del msg["text"]
    msg["photo"] = [{"file_id": file_id + "_s", "file_unique_id": "s", "width": 90, "height": 90, "file_size": 100},
                    {"file_id": file_id, "file_unique_id": "l", "width": 800, "height": 600, "file_size": size}]
    if caption:
        msg["caption"] = caption
    return update


def media_message(kind: str, file_id: str, size: int, chat_id: int = 4242, caption: str | None = None,
                  message_id: int = 1, file_name: str | None = None, mime_type: str | None = None,
                  reply_to: dict | None = None, **user_kw):
    """A document, voice message, video, video note or audio as a phone's client sends it."""
    update = text_message("", chat_id=chat_id, message_id=message_id, reply_to=reply_to, **user_kw)
    msg = update["message"]
    del msg["text"]
    media = {"file_id": file_id, "file_unique_id": "u" + file_id, "file_size": size}
    if kind in ("voice", "video", "video_note", "audio"):
        media["duration"] = 3
    if kind in ("video", "video_note"):
        media.update({"width": 320, "height": 320} if kind == "video" else {"length": 320})
    if file_name:
        media["file_name"] = file_name
    if mime_type:
        media["mime_type"] = mime_type
    msg[kind] = media
    if caption:
        msg["caption"] = caption
    return update
