"""An IMAP mailbox (imaplib): new messages by UID cursor and UNSEEN flag, raw MIME with BODY.PEEK[].

The cursor is (UIDVALIDITY, last UID), saved in the transaction that stores each message. Unread
messages at or below the cursor (or any message left in the folder, when handled mail is moved
away) are fetched again: they were committed but not yet marked read or moved when a worker
stopped, and the inbound dedup turns them into an acknowledgement only.
"""
from __future__ import annotations

import imaplib
import re
import threading
from dataclasses import dataclass
from datetime import date
from typing import Iterator

from sqlalchemy import func, update

from data.catalog.secrets import reveal
from data.models import Mailbox

from ingest.email.ahead import read_ahead

FETCH_BATCH = 50  # messages per UID FETCH: one round trip for many, a bounded response
READ_AHEAD = 400  # messages fetched ahead of the batch being written (two batches, ~14 MB of bench mail)
_UID = re.compile(rb"UID (\d+)")

@dataclass
class Fetched:
    key: int  # the UID
    raw: bytes


class ImapError(RuntimeError):
    pass


def _ok(response, what: str):
    status, data = response
    if status != "OK":
        raise ImapError(f"IMAP {what}: {status} {data!r}")
    return data


def _quote(folder: str) -> str:
    return '"' + folder.replace("\\", "\\\\").replace('"', '\\"') + '"'


class ImapSource:
    def __init__(self, mailbox: Mailbox, timeout: float = 60.0):
        self.mailbox = mailbox
        self.timeout = timeout
        self.conn: imaplib.IMAP4 | None = None
        self.uidvalidity: int | None = None
        self.last_uid = mailbox.imap_last_uid or 0
        # One connection, two threads: the read-ahead thread's UID FETCH and the writer's UID STORE take turns.
        self._lock = threading.Lock()
        self._reading: Iterator[Fetched] | None = None

    def __enter__(self) -> ImapSource:
        box = self.mailbox
        if not box.host:
            raise ImapError("no IMAP host configured")
        cls = imaplib.IMAP4_SSL if box.use_ssl else imaplib.IMAP4
        self.conn = cls(box.host, box.port or (993 if box.use_ssl else 143), timeout=self.timeout)
        _ok(self.conn.login(box.username or box.address, reveal(box.secret) or ""), "login")
        self.select(box.folder or "INBOX")
        return self

    def __exit__(self, *exc) -> None:
        if self._reading is not None:
            self._reading.close()  # stops the read-ahead thread before the connection goes
        if self.conn is not None:
            try:
                self.conn.logout()
            except Exception:
                pass

    def select(self, folder: str, readonly: bool = False) -> None:
        _ok(self.conn.select(_quote(folder), readonly=readonly), f"select {folder}")
        _name, values = self.conn.response("UIDVALIDITY")
        self.uidvalidity = int(values[0]) if values and values[0] else None

    # -- cursor ----------------------------------------------------------------------------------
    def check_cursor(self, session) -> None:
        """A new UIDVALIDITY means the folder was rebuilt: start again from UID 0 (dedup prevents repeats)."""
        if self.uidvalidity is not None and self.uidvalidity != self.mailbox.imap_uidvalidity:
            session.execute(update(Mailbox).where(Mailbox.id == self.mailbox.id)
                            .values(imap_uidvalidity=self.uidvalidity, imap_last_uid=0))
            self.last_uid = 0

    def save_cursor(self, session, message: Fetched) -> None:
        session.execute(update(Mailbox).where(Mailbox.id == self.mailbox.id)
                        .values(imap_last_uid=func.greatest(Mailbox.imap_last_uid, message.key)))

    # -- reading ---------------------------------------------------------------------------------
    def _search(self, *criteria: str) -> list[int]:
        data = self._uid("search", "SEARCH", *criteria)
        return [int(x) for x in b" ".join(d for d in data if d).split()]

    def fetch_new(self) -> Iterator[Fetched]:
        """New and left-behind messages in UID order, fetched by a thread up to READ_AHEAD ahead: the server
        sends the next messages while the caller writes these (ingest/email/ahead.py)."""
        self._reading = read_ahead(self._fetch_new(), READ_AHEAD)
        return self._reading

    def _fetch_new(self) -> Iterator[Fetched]:
        newer = [u for u in self._search("UID", f"{self.last_uid + 1}:*") if u > self.last_uid]
        # Left behind by a crash between commit and mark-read/move: unread mail, or (when handled mail is
        # moved away) anything still in the folder. The inbound dedup turns these into acknowledgements.
        pending = self._search("UNSEEN") if self.mailbox.after_processing == "mark_read" else self._search("ALL")
        uids = sorted(set(newer) | set(pending))
        for start in range(0, len(uids), FETCH_BATCH):
            yield from self.fetch_many(uids[start:start + FETCH_BATCH])

    def fetch_many(self, uids: list[int]) -> Iterator[Fetched]:
        """Several messages in one UID FETCH (one round trip), in UID order; expunged ones are left out."""
        if not uids:
            return
        data = self._uid("fetch", "FETCH", ",".join(map(str, uids)), "(UID BODY.PEEK[])")
        found = {}
        for item in data:
            if isinstance(item, tuple) and len(item) == 2:
                uid = _UID.search(item[0])
                if uid:
                    found[int(uid.group(1))] = item[1]
        for uid in uids:
            if uid in found:
                yield Fetched(uid, found[uid])

    def fetch(self, uid: int) -> bytes | None:
        data = self._uid("fetch", "FETCH", str(uid), "(BODY.PEEK[])")
        for item in data:
            if isinstance(item, tuple) and len(item) == 2:
                return item[1]
        return None  # expunged meanwhile

    def fetch_folder(self, folder: str, since: date | None) -> Iterator[Fetched]:
        """Every message of a folder (received since a date): the one-off import. Nothing is changed."""
        self.select(folder, readonly=True)
        criteria = ("SINCE", since.strftime("%d-%b-%Y")) if since else ("ALL",)
        for uid in self._search(*criteria):
            raw = self.fetch(uid)
            if raw is not None:
                yield Fetched(uid, raw)

    # -- after the commit ------------------------------------------------------------------------
    def acknowledge_many(self, messages: list[Fetched]) -> None:
        """acknowledge() of a batch in one command (a UID set)."""
        if messages:
            self._acknowledge(",".join(str(m.key) for m in messages))

    def acknowledge(self, message: Fetched) -> None:
        self._acknowledge(str(message.key))

    def _acknowledge(self, uid: str) -> None:
        if self.mailbox.after_processing == "move" and self.mailbox.move_to:
            target = _quote(self.mailbox.move_to)
            if "MOVE" in self.conn.capabilities:
                self._uid("move", "MOVE", uid, target)
                return
            self._uid("copy", "COPY", uid, target)
            self._uid("delete", "STORE", uid, "+FLAGS.SILENT", r"(\Deleted)")
            with self._lock:
                self.conn.expunge()
            return
        self._uid("mark read", "STORE", uid, "+FLAGS.SILENT", r"(\Seen)")

    def _uid(self, what: str, command: str, *args: str):
        """One UID command, its untagged responses read before another thread's command is sent."""
        with self._lock:
            return _ok(self.conn.uid(command, *args), what)
