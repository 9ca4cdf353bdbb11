"""The loopback Bot API itself speaks what Telegram speaks: three body encodings, errors, file URLs."""
from __future__ import annotations

import json

import httpx

from tests.telegram_fake_api import FakeBotAPI


def test_bodies_errors_and_files():
    api = FakeBotAPI().start()
    try:
        url = f"{api.base_url}{api.token}"
        markup = {"inline_keyboard": [[{"text": "OK", "callback_data": "m:new"}]]}
        as_json = httpx.post(f"{url}/sendMessage", json={"chat_id": 5, "text": "json", "reply_markup": markup}).json()
        as_form = httpx.post(f"{url}/sendMessage", data={"chat_id": "5", "text": "form",
                                                         "reply_markup": json.dumps(markup)}).json()
        as_multipart = httpx.post(f"{url}/sendMessage", data={"chat_id": "-7", "text": "multipart"},
                                  files={"document": ("a.txt", b"hello")}).json()
        for answer, text in ((as_json, "json"), (as_form, "form"), (as_multipart, "multipart")):
            assert answer["ok"] and answer["result"]["text"] == text
            assert {"message_id", "date", "chat"} <= set(answer["result"])
        assert as_form["result"]["reply_markup"] == markup and as_multipart["result"]["chat"]["type"] == "group"
        assert httpx.post(f"{url}/getMe").json()["result"]["is_bot"] is True

        api.fail_next("sendMessage", 429, "Too Many Requests: retry after 3", retry_after=3)
        limited = httpx.post(f"{url}/sendMessage", data={"chat_id": "5", "text": "x"})
        assert limited.status_code == 429 and limited.json()["parameters"] == {"retry_after": 3}
        assert httpx.post(f"{api.base_url}123:wrong/getMe").status_code == 401

        api.add_file("f1", b"bytes", "documents/f1.pdf")
        path = httpx.post(f"{url}/getFile", data={"file_id": "f1"}).json()["result"]["file_path"]
        quoted = api.token.replace(":", "%3A")  # how clients put the token into file URLs
        assert httpx.get(f"{api.root}/file/bot{quoted}/{path}").content == b"bytes"

        api.push({"text_only": 1})
        got = httpx.post(f"{url}/getUpdates", data={"offset": "0", "timeout": "0"}).json()["result"]
        confirmed = httpx.post(f"{url}/getUpdates", data={"offset": str(got[0]["update_id"] + 1), "timeout": "0.2"})
        assert len(got) == 1 and confirmed.json()["result"] == []  # long poll waited, then answered empty
    finally:
        api.stop()
