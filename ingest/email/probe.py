""""Test connection" on the mailbox form: sign in with the settings as typed, open the folder, sign out.

Nothing is read, marked or stored. A short timeout bounds each network wait, so a wrong host answers in
seconds rather than the worker's minute. The answer is a Text (translated by the page): success with the
folder's message count, or the step that failed with the server's or the socket's own words.
"""
from __future__ import annotations

import imaplib
import socket
import ssl
import threading
from dataclasses import dataclass

from data.catalog.secrets import reveal
from data.errors import Text
from data.models import Mailbox

TIMEOUT = 10.0  # seconds for each connect/read; the whole EWS probe gets twice that


@dataclass
class ProbeResult:
    ok: bool
    text: Text


def _reason(err: BaseException) -> str:
    """The error as the server or the OS said it: imaplib's b'[AUTHENTICATIONFAILED] …' without the bytes dress."""
    arg = err.args[0] if len(err.args) == 1 else None
    if isinstance(arg, bytes):
        return arg.decode("utf-8", "replace")
    text = str(err) or type(err).__name__
    return text[2:-1] if text.startswith(("b'", 'b"')) else text


def probe(mailbox: Mailbox, timeout: float = TIMEOUT) -> ProbeResult:
    """Try the mailbox's settings (a transient Mailbox from data.catalog.mailboxes.probe_settings)."""
    if mailbox.kind == "ews":
        return _probe_ews(mailbox, timeout)
    return _probe_imap(mailbox, timeout)


def _probe_imap(box: Mailbox, timeout: float) -> ProbeResult:
    port = box.port or (993 if box.use_ssl else 143)
    where = f"{box.host}:{port}"
    try:
        cls = imaplib.IMAP4_SSL if box.use_ssl else imaplib.IMAP4
        conn = cls(box.host, port, timeout=timeout)
    except (OSError, ssl.SSLError, imaplib.IMAP4.error) as err:
        if isinstance(err, (socket.timeout, TimeoutError)):
            return ProbeResult(False, Text("mailboxes.probe.timeout", where=where, seconds=int(timeout)))
        return ProbeResult(False, Text("mailboxes.probe.connect_failed", where=where, error=_reason(err)))
    try:
        try:
            conn.login(box.username or box.address, reveal(box.secret) or "")
        except imaplib.IMAP4.error as err:
            return ProbeResult(False, Text("mailboxes.probe.login_failed", user=box.username or box.address,
                                            error=_reason(err)))
        folder = box.folder or "INBOX"
        status, data = conn.select('"' + folder.replace("\\", "\\\\").replace('"', '\\"') + '"', readonly=True)
        if status != "OK":
            return ProbeResult(False, Text("mailboxes.probe.folder_failed", folder=folder,
                                            error=_reason(imaplib.IMAP4.error(data[0] if data else status))))
        count = int(data[0]) if data and data[0] and data[0].isdigit() else 0
        return ProbeResult(True, Text("mailboxes.probe.ok", folder=folder, count=count))
    except (OSError, imaplib.IMAP4.error) as err:
        if isinstance(err, (socket.timeout, TimeoutError)):
            return ProbeResult(False, Text("mailboxes.probe.timeout", where=where, seconds=int(timeout)))
        return ProbeResult(False, Text("mailboxes.probe.connect_failed", where=where, error=_reason(err)))
    finally:
        try:
            conn.logout()
        except Exception:  # already closed by the server after a failure: nothing to sign out of
            pass


def _probe_ews(box: Mailbox, timeout: float) -> ProbeResult:
    """exchangelib has no per-call timeout to pass: the probe runs in a thread and is given up on after
    2 × timeout (the thread ends on its own when exchangelib's socket timeout fires)."""
    from ingest.email.ews import account_for, folder_of
    outcome: dict = {}

    def run():
        account = None
        try:
            account = account_for(box)
            folder = folder_of(account, box.folder)
            folder.refresh()
            outcome["result"] = ProbeResult(True, Text("mailboxes.probe.ok", folder=box.folder or "INBOX",
                                                       count=int(folder.total_count or 0)))
        except Exception as err:  # exchangelib raises many kinds (UnauthorizedError, TransportError, ErrorFolderNotFound…)
            outcome["result"] = ProbeResult(False, Text("mailboxes.probe.ews_failed", where=box.host,
                                                        error=f"{type(err).__name__}: {_reason(err)}"[:500]))
        finally:
            if account is not None:
                try:
                    account.protocol.close()
                except Exception:
                    pass

    worker = threading.Thread(target=run, name="mailbox-probe", daemon=True)
    worker.start()
    worker.join(2 * timeout)
    return outcome.get("result") or ProbeResult(False, Text("mailboxes.probe.timeout", where=box.host,
                                                            seconds=int(2 * timeout)))
