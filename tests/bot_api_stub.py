"""A loopback Telegram Bot API for delivery tests: answers getMe, sendMessage and sendDocument with
complete objects, accepts JSON, form-encoded and multipart bodies, and records every call."""
from __future__ import annotations

import json
import threading
import time
from email.parser import BytesParser
from email.policy import HTTP
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs


def _fields(content_type: str, body: bytes) -> dict:
    if content_type.startswith("application/json"):
        return json.loads(body or b"{}")
    if content_type.startswith("multipart/form-data"):
        msg = BytesParser(policy=HTTP).parsebytes(f"Content-Type: {content_type}\r\n\r\n".encode() + body)
        out = {}
        for part in msg.iter_parts():
            name = part.get_param("name", header="content-disposition")
            data = part.get_payload(decode=True)
            filename = part.get_filename()
            out[name] = {"filename": filename, "data": data} if filename else data.decode("utf-8")
        return out
    return {k: v[0] for k, v in parse_qs(body.decode("utf-8")).items()}


class BotApi:
    def __init__(self):
        self.calls: list[tuple[str, dict]] = []
        self._next_id = 100
        api = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                fields = _fields(self.headers.get("Content-Type", ""), self.rfile.read(length))
                method = self.path.rsplit("/", 1)[-1]
                api.calls.append((method, fields))
                self._answer(api.result(method, fields))

            do_GET = do_POST

            def _answer(self, result):
                body = json.dumps({"ok": True, "result": result}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/bot"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def result(self, method: str, fields: dict):
        if method == "getMe":
            return {"id": 1, "is_bot": True, "first_name": "Okno", "username": "okno_bot"}
        self._next_id += 1
        chat = {"id": int(fields.get("chat_id", 0)), "type": "private", "first_name": "Director"}
        message = {"message_id": self._next_id, "date": int(time.time()), "chat": chat}
        if method == "sendDocument":
            doc = fields.get("document") or {}
            message["document"] = {"file_id": f"f{self._next_id}", "file_unique_id": f"u{self._next_id}",
                                   "file_name": doc.get("filename") if isinstance(doc, dict) else None}
        else:
            message["text"] = fields.get("text", "")
        return message

    def close(self):
        self.server.shutdown()
        self.server.server_close()
