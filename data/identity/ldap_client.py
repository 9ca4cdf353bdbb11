"""The LDAP protocol side of directory sign-in (ldap3): connect, find a user's entry, check a password,
read groups. Knows nothing of Okno's users; data/identity/directory.py decides what an entry means."""
from __future__ import annotations

import re
import ssl
from dataclasses import dataclass, field

from ldap3 import BASE, NONE, SUBTREE, Connection, Server, Tls
from ldap3.core.exceptions import LDAPBindError, LDAPException
from ldap3.utils.conv import escape_filter_chars

from data.config import Config

ACCOUNT_DISABLED = 0x2  # Active Directory userAccountControl: ACCOUNTDISABLE


@dataclass
class Entry:
    dn: str
    mail: str | None = None
    principal: str | None = None  # userPrincipalName (AD)
    name: str | None = None
    account_control: int | None = None  # AD userAccountControl; None outside AD
    groups: list[str] = field(default_factory=list)
    manager: str | None = None  # the DN in the entry's manager attribute (approvals: the requester's manager)

    @property
    def disabled(self) -> bool:
        return bool(self.account_control and self.account_control & ACCOUNT_DISABLED)


def normalise_dn(dn: str) -> str:
    """DNs compare case-insensitively and without the spaces around separators ("CN=A, OU=B" = "cn=a,ou=b")."""
    return re.sub(r"\s*([,=+])\s*", r"\1", (dn or "").strip()).lower()


def _server(cfg: Config) -> Server:
    tls = None
    if cfg.ldap_url.lower().startswith("ldaps://") or cfg.ldap_start_tls:
        # Certificates are always checked: against LDAP_CA_FILE, or the system's trusted CAs.
        tls = Tls(validate=ssl.CERT_REQUIRED, ca_certs_file=cfg.ldap_ca_file)
    # get_info=NONE: no schema read on every sign-in (and no client-side check of AD-only attribute names).
    return Server(cfg.ldap_url, tls=tls, get_info=NONE, connect_timeout=cfg.ldap_timeout)


def connect(cfg: Config, user: str | None, password: str | None) -> Connection:
    """A bound connection (anonymous when user is None); raises LDAPException (LDAPBindError: refused)."""
    conn = Connection(_server(cfg), user=user, password=password, receive_timeout=cfg.ldap_timeout,
                      raise_exceptions=False, read_only=True)
    conn.open()
    if cfg.ldap_start_tls and not cfg.ldap_url.lower().startswith("ldaps://"):
        conn.start_tls()
    if not conn.bind():
        conn.unbind()
        raise LDAPBindError(conn.result.get("description") or "bind refused")
    return conn


def service_connection(cfg: Config) -> Connection:
    return connect(cfg, cfg.ldap_bind_dn, cfg.ldap_bind_password)


def password_ok(cfg: Config, dn: str, password: str) -> bool:
    """Bind as the user: the directory checks the password (an empty one would be an anonymous bind)."""
    if not password:
        return False
    try:
        connect(cfg, dn, password).unbind()
        return True
    except LDAPBindError:
        return False


def _first(entry: dict, name: str):
    value = entry["attributes"].get(name)
    if isinstance(value, list):
        value = value[0] if value else None
    return value or None


def find_user(conn: Connection, cfg: Config, login: str) -> Entry | None:
    """The one entry the user filter finds for this login; None when there is none or more than one."""
    attrs = ["mail", "userPrincipalName", "displayName", "cn", "userAccountControl", cfg.ldap_group_attr,
             cfg.ldap_manager_attr]
    query = cfg.ldap_user_filter.replace("{login}", escape_filter_chars(login))
    conn.search(cfg.ldap_base_dn, query, SUBTREE, attributes=attrs, size_limit=2)
    found = [e for e in conn.response or [] if e.get("type") == "searchResEntry"]
    if len(found) != 1:
        return None
    raw = found[0]
    control = _first(raw, "userAccountControl")
    groups = raw["attributes"].get(cfg.ldap_group_attr) or []
    entry = Entry(dn=raw["dn"], mail=_first(raw, "mail"), principal=_first(raw, "userPrincipalName"),
                  name=_first(raw, "displayName") or _first(raw, "cn"),
                  account_control=int(control) if control not in (None, "") else None,
                  groups=[groups] if isinstance(groups, str) else list(groups),
                  manager=_first(raw, cfg.ldap_manager_attr))
    if cfg.ldap_group_filter:
        conn.search(cfg.ldap_base_dn, cfg.ldap_group_filter.replace("{dn}", escape_filter_chars(entry.dn)),
                    SUBTREE, attributes=[])
        entry.groups = [e["dn"] for e in conn.response or [] if e.get("type") == "searchResEntry"]
    return entry


def check(cfg: Config) -> str | None:
    """Bind with the service account and read the base DN: None when both work, else what went wrong."""
    try:
        conn = service_connection(cfg)
        try:
            if not conn.search(cfg.ldap_base_dn, "(objectClass=*)", BASE, attributes=[]):
                return f"base DN {cfg.ldap_base_dn!r}: {conn.result.get('description')}"
        finally:
            conn.unbind()
    except LDAPException as err:
        return f"{type(err).__name__}: {err}"
    return None
