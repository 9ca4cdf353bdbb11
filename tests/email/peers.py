"""Real protocol peers on loopback for the email tests: Debian's dovecot (IMAP) and aiosmtpd (SMTP)."""
from __future__ import annotations

import getpass
import grp
import imaplib
import os
import pwd
import socket
import subprocess
import tempfile
import time
from pathlib import Path

DOVECOT = "/usr/sbin/dovecot"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Dovecot:
    """An unprivileged dovecot: 127.0.0.1, a high port, no TLS, a passwd-file, maildirs in a temp dir."""

    def __init__(self):
        self.dir = Path(tempfile.mkdtemp(prefix="okno-dovecot-"))
        self.port = free_port()
        self.users: dict[str, str] = {}

    def _accounts(self) -> tuple[str, str, int, int]:
        """(internal user, login user, mail uid, mail gid): as root, dovecot's own users and nobody."""
        if os.getuid() == 0:  # dovecot refuses to run its login and mail processes as root
            return "dovecot", "dovenull", pwd.getpwnam("nobody").pw_uid, grp.getgrnam("nogroup").gr_gid
        user = getpass.getuser()
        return user, user, os.getuid(), os.getgid()

    def config(self) -> str:
        internal, login, uid, gid = self._accounts()
        return f"""
protocols = imap
listen = 127.0.0.1
base_dir = {self.dir}/run
state_dir = {self.dir}/state
log_path = {self.dir}/dovecot.log
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
default_internal_user = {internal}
default_login_user = {login}
first_valid_uid = {min(uid, 100)}
mail_location = maildir:{self.dir}/mail/%u
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {self.dir}/passwd
}}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={self.dir}/home/%u
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {self.port}
  }}
  inet_listener imaps {{
    port = 0
  }}
  chroot =
}}
service anvil {{
  chroot =
}}
service stats {{
  unix_listener stats-reader {{
    user = {internal}
  }}
  unix_listener stats-writer {{
    user = {internal}
    mode = 0666
  }}
}}
namespace inbox {{
  inbox = yes
  separator = /
  mailbox Processed {{
    auto = create
  }}
}}
"""

    def add_user(self, name: str, password: str) -> None:
        self.users[name] = password
        (self.dir / "passwd").write_text("".join(f"{u}:{{PLAIN}}{p}::::::\n" for u, p in self.users.items()))

    def start(self) -> Dovecot:
        _internal, _login, uid, gid = self._accounts()
        self.dir.chmod(0o755)
        for sub in ("run", "state", "mail", "home"):
            (self.dir / sub).mkdir(exist_ok=True)
        for sub in ("mail", "home"):
            os.chown(self.dir / sub, uid, gid)
        (self.dir / "passwd").touch()
        (self.dir / "dovecot.conf").write_text(self.config())
        subprocess.run([DOVECOT, "-c", str(self.dir / "dovecot.conf")], check=True, stdin=subprocess.DEVNULL,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # it daemonises: no pipes
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.5).close()
                return self
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("dovecot did not start: " + (self.dir / "dovecot.log").read_text(errors="replace"))

    def stop(self) -> None:
        subprocess.run([DOVECOT, "-c", str(self.dir / "dovecot.conf"), "stop"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def client(self, user: str) -> imaplib.IMAP4:
        conn = imaplib.IMAP4("127.0.0.1", self.port)
        conn.login(user, self.users[user])
        return conn

    def append(self, user: str, raw: bytes, folder: str = "INBOX", flags: str = "") -> None:
        conn = self.client(user)
        try:
            status, data = conn.append(folder, flags or None, None, raw)
            assert status == "OK", data
        finally:
            conn.logout()

    def flags(self, user: str, folder: str = "INBOX") -> list[str]:
        conn = self.client(user)
        try:
            conn.select(folder, readonly=True)
            _s, data = conn.uid("FETCH", "1:*", "(FLAGS)")
            return [d.decode() for d in data if d]
        finally:
            conn.logout()

    def count(self, user: str, folder: str = "INBOX") -> int:
        conn = self.client(user)
        try:
            _s, data = conn.select(folder, readonly=True)
            return int(data[0])
        finally:
            conn.logout()


class SmtpSink:
    """aiosmtpd on 127.0.0.1 (a free port chosen first) that keeps every message it accepts."""

    def __init__(self, refuse: str | None = None):
        self.messages: list[tuple[str, list[str], bytes]] = []
        self.refuse = refuse  # e.g. "451 try later" or "550 no such user"
        self.port = free_port()
        self.controller = None

    async def handle_DATA(self, server, session, envelope):
        if self.refuse:
            return self.refuse
        self.messages.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.original_content or
                              envelope.content))
        return "250 OK"

    def start(self) -> SmtpSink:
        from aiosmtpd.controller import Controller
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)
        self.controller.start()
        return self

    def stop(self) -> None:
        if self.controller:
            self.controller.stop()
