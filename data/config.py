"""All configuration comes from environment variables, read here and nowhere else."""
from __future__ import annotations

import os
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent


def _int(name: str, default: int) -> int:
    try:
        return int(os.environ.get(name, default))
    except ValueError:
        return default


@dataclass(frozen=True)
class Config:
    database_url: str | None = field(default_factory=lambda: os.environ.get("DATABASE_URL") or None)
    # A read replica (streaming replication of the same database) for analytics and exports; unset: they
    # read the primary. Reads there may lag the primary by the replication delay (docs/scaling.md).
    database_replica_url: str | None = field(default_factory=lambda: os.environ.get("DATABASE_REPLICA_URL") or None)
    # Embedded PostgreSQL (pgserver) keeps its cluster here when DATABASE_URL is unset.
    embedded_dir: Path = field(default_factory=lambda: Path(os.environ.get("OKNO_DATA_DIR", ROOT / ".okno")))
    # Demo mode (OKNO_DEMO=1, set by `make run`): the only mode that may start without a strong SECRET_KEY.
    demo: bool = field(default_factory=lambda: os.environ.get("OKNO_DEMO", "0") == "1")
    # Signs session cookies and keys PIN hashes. No default: check_secrets() refuses a missing or weak one.
    secret_key: str = field(default_factory=lambda: os.environ.get("SECRET_KEY") or _demo_key("secret_key"))
    # Encrypts mailbox passwords (data/catalog/secrets.py), so SECRET_KEY can rotate without losing them.
    encryption_key: str | None = field(
        default_factory=lambda: os.environ.get("OKNO_ENCRYPTION_KEY") or _demo_key("encryption_key") or None)
    # Reverse proxies in front of the app that set X-Forwarded-For (0: trust nobody; the socket address counts).
    proxy_hops: int = field(default_factory=lambda: _int("OKNO_PROXY_HOPS", 0))
    # Staff sign-in: wrong passwords before each next try waits (1 s, doubling), and before the lock.
    login_delay_after: int = field(default_factory=lambda: _int("OKNO_LOGIN_DELAY_AFTER", 3))
    login_lock_after: int = field(default_factory=lambda: _int("OKNO_LOGIN_LOCK_AFTER", 5))
    # The same from one client address, over all accounts (higher: offices share one address).
    login_address_lock_after: int = field(default_factory=lambda: _int("OKNO_LOGIN_ADDRESS_LOCK_AFTER", 30))
    # A lock ends after this many minutes, or earlier when an admin lifts it (/admin/sign-in).
    login_lock_minutes: int = field(default_factory=lambda: _int("OKNO_LOGIN_LOCK_MINUTES", 60))
    port: int = field(default_factory=lambda: _int("PORT", 8050))
    timezone: str = field(default_factory=lambda: os.environ.get("OKNO_TIMEZONE", "Europe/Moscow"))
    public_url: str = field(default_factory=lambda: os.environ.get("OKNO_PUBLIC_URL", "http://127.0.0.1:8050"))
    # Outgoing mail (notifications, PINs, replies) when no mailbox is configured for a service.
    smtp_host: str = field(default_factory=lambda: os.environ.get("SMTP_HOST", "127.0.0.1"))
    smtp_port: int = field(default_factory=lambda: _int("SMTP_PORT", 25))
    smtp_user: str | None = field(default_factory=lambda: os.environ.get("SMTP_USER") or None)
    smtp_password: str | None = field(default_factory=lambda: os.environ.get("SMTP_PASSWORD") or None)
    mail_from: str = field(default_factory=lambda: os.environ.get("OKNO_MAIL_FROM", "okno@localhost"))
    telegram_bot_token: str | None = field(default_factory=lambda: os.environ.get("TELEGRAM_BOT_TOKEN") or None)
    telegram_api_url: str = field(default_factory=lambda: os.environ.get("TELEGRAM_API_URL", "https://api.telegram.org/bot"))
    telegram_webhook_secret: str | None = field(default_factory=lambda: os.environ.get("TELEGRAM_WEBHOOK_SECRET") or None)
    # Service code for plain messages written to the bot outside a form (default: the first active service).
    telegram_default_service: str | None = field(default_factory=lambda: os.environ.get("TELEGRAM_DEFAULT_SERVICE") or None)
    # Telegram: a batch writes its plain new requests and replies together (ingest/telegram/together.py);
    # OKNO_TELEGRAM_SET_INTAKE=0 handles every update the per-update way (the same result, slower; for comparing).
    telegram_set_intake: bool = field(default_factory=lambda: os.environ.get("OKNO_TELEGRAM_SET_INTAKE", "1") != "0")
    # The weekly summary goes out on Mondays from this local hour (company time zone).
    weekly_send_hour: int = field(default_factory=lambda: _int("OKNO_WEEKLY_HOUR", 8))
    max_attachment_bytes: int = field(default_factory=lambda: _int("OKNO_MAX_ATTACHMENT_MB", 10) * 1024 * 1024)
    # Email: a larger message goes to quarantine (kept raw) instead of becoming a ticket.
    max_message_bytes: int = field(default_factory=lambda: _int("OKNO_MAX_MESSAGE_MB", 25) * 1024 * 1024)
    # Email: a reply to a resolved ticket reopens it within this many days (a mailbox may override it).
    email_reopen_days: int = field(default_factory=lambda: _int("OKNO_EMAIL_REOPEN_DAYS", 14))
    # Email: a batch writes its plain new requests and replies together (ingest/email/new_tickets.py, replies.py);
    # OKNO_EMAIL_SET_INTAKE=0 sends every message the per-message way (the same result, slower; for comparing).
    email_set_intake: bool = field(default_factory=lambda: os.environ.get("OKNO_EMAIL_SET_INTAKE", "1") != "0")
    # Email: a spam score (X-Spam-Score / X-Spam-Level stars) at or above this goes to quarantine.
    spam_score: int = field(default_factory=lambda: _int("OKNO_SPAM_SCORE", 5))
    # Attachments people may upload (portal, API, Telegram's voice and video too): file extensions, and files per request.
    attachment_types: tuple[str, ...] = field(default_factory=lambda: tuple(
        e.strip().lower().lstrip(".") for e in os.environ.get(
            "OKNO_ATTACHMENT_TYPES", "pdf,png,jpg,jpeg,gif,webp,txt,csv,doc,docx,xls,xlsx,odt,ods,rtf,zip,eml,"
            "ogg,oga,mp3,m4a,mp4,mov,webm").split(",")
        if e.strip()))
    max_attachments: int = field(default_factory=lambda: _int("OKNO_MAX_ATTACHMENTS", 10))
    # Size limits of text people type (data/limits.py; README "Configuration"), in characters. A value above
    # the database's own limit for that kind of text is lowered to it.
    max_title_chars: int = field(default_factory=lambda: _int("OKNO_MAX_TITLE_CHARS", 500))
    max_text_chars: int = field(default_factory=lambda: _int("OKNO_MAX_TEXT_CHARS", 100_000))
    max_checklist_item_chars: int = field(default_factory=lambda: _int("OKNO_MAX_CHECKLIST_ITEM_CHARS", 1000))
    max_field_chars: int = field(default_factory=lambda: _int("OKNO_MAX_FIELD_CHARS", 10_000))
    max_name_chars: int = field(default_factory=lambda: _int("OKNO_MAX_NAME_CHARS", 120))
    max_rating_comment_chars: int = field(default_factory=lambda: _int("OKNO_MAX_RATING_COMMENT_CHARS", 2000))
    # Satisfaction: a resolved ticket's requester may rate it for this many days (data/csat).
    csat_days: int = field(default_factory=lambda: _int("OKNO_CSAT_DAYS", 7))
    # Approvals (data/approvals): a card waiting for approval sits in a "waiting" column, so its SLA clock is
    # paused; 0 keeps it in its usual column with the clock running. Email approval links live this many days.
    approval_pauses_sla: bool = field(default_factory=lambda: os.environ.get("OKNO_APPROVAL_PAUSES_SLA", "1") != "0")
    approval_link_days: int = field(default_factory=lambda: _int("OKNO_APPROVAL_LINK_DAYS", 7))
    # Portal PINs: sends per address and per IP per hour, wrong tries per code before it dies.
    pin_sends_per_address: int = field(default_factory=lambda: _int("OKNO_PIN_SENDS_PER_ADDRESS", 5))
    pin_sends_per_ip: int = field(default_factory=lambda: _int("OKNO_PIN_SENDS_PER_IP", 20))
    pin_attempts: int = field(default_factory=lambda: _int("OKNO_PIN_ATTEMPTS", 5))  # per code and address
    # Wrong PINs from one client address an hour (any requester), and per code from all addresses.
    pin_failures_per_ip: int = field(default_factory=lambda: _int("OKNO_PIN_FAILURES_PER_IP", 20))
    pin_attempts_total: int = field(default_factory=lambda: _int("OKNO_PIN_ATTEMPTS_TOTAL", 50))
    # Debian's Chromium prints the weekly summary to PDF.
    chromium: Path = field(default_factory=lambda: Path(os.environ.get("OKNO_CHROMIUM", "/usr/bin/chromium")))
    # Cookies are marked Secure when served over https in production.
    # The audit log keeps this many days of rows (0: keep everything); older rows are pruned by the scheduler.
    audit_retention_days: int = field(default_factory=lambda: _int("OKNO_AUDIT_RETENTION_DAYS", 365))
    secure_cookies: bool = field(default_factory=lambda: os.environ.get("OKNO_SECURE_COOKIES", "0") == "1")
    # Company directory sign-in (LDAP / Active Directory; README "Company directory"). Off when LDAP_URL is unset.
    ldap_url: str | None = field(default_factory=lambda: os.environ.get("LDAP_URL") or None)  # ldap:// or ldaps://
    ldap_start_tls: bool = field(default_factory=lambda: os.environ.get("LDAP_START_TLS", "0") == "1")
    ldap_ca_file: str | None = field(default_factory=lambda: os.environ.get("LDAP_CA_FILE") or None)
    ldap_base_dn: str = field(default_factory=lambda: os.environ.get("LDAP_BASE_DN", ""))
    # The service account that finds a user's entry and groups (anonymous search when unset).
    ldap_bind_dn: str | None = field(default_factory=lambda: os.environ.get("LDAP_BIND_DN") or None)
    ldap_bind_password: str | None = field(default_factory=lambda: os.environ.get("LDAP_BIND_PASSWORD") or None)
    # {login} is replaced by the escaped sign-in name. The default suits Active Directory; OpenLDAP:
    # (|(uid={login})(mail={login})).
    ldap_user_filter: str = field(default_factory=lambda: os.environ.get(
        "LDAP_USER_FILTER", "(|(sAMAccountName={login})(userPrincipalName={login})(mail={login}))"))
    # Groups come from this attribute of the user's entry, or, when LDAP_GROUP_FILTER is set, from a search
    # ({dn} = the user's escaped DN), e.g. (&(objectClass=groupOfNames)(member={dn})).
    ldap_group_attr: str = field(default_factory=lambda: os.environ.get("LDAP_GROUP_ATTR", "memberOf"))
    ldap_group_filter: str | None = field(default_factory=lambda: os.environ.get("LDAP_GROUP_FILTER") or None)
    ldap_timeout: int = field(default_factory=lambda: _int("LDAP_TIMEOUT", 5))
    # The attribute holding the DN of a user's manager (approvals' "requester's manager" step).
    ldap_manager_attr: str = field(default_factory=lambda: os.environ.get("LDAP_MANAGER_ATTR", "manager"))


def _demo_key(name: str) -> str:
    """In demo mode, the key `make run` generated once under ./.okno (see run.py); elsewhere nothing."""
    if os.environ.get("OKNO_DEMO", "0") != "1":
        return ""
    path = Path(os.environ.get("OKNO_DATA_DIR", ROOT / ".okno")) / name
    return path.read_text().strip() if path.exists() else ""


# Keys that have shipped in source code or examples: as good as public.
KNOWN_KEYS = frozenset({"dev-insecure-change-me", "change-me", "changeme", "secret", "test-secret", "okno"})
MIN_KEY_LENGTH = 32
HOW_TO_MAKE_A_KEY = 'python -c "import secrets; print(secrets.token_urlsafe(48))"'


class InsecureConfig(RuntimeError):
    """Raised at start-up. Not a SystemExit: gunicorn would restart such a worker for ever, while an
    exception before the worker booted stops gunicorn (exit 3). Command lines print it and exit 2."""


def weak_key(key: str | None) -> bool:
    return not key or len(key) < MIN_KEY_LENGTH or key.strip().lower() in KNOWN_KEYS


def check_secrets(cfg: "Config | None" = None) -> None:
    """Refuse to run outside demo mode without a strong SECRET_KEY (and a strong OKNO_ENCRYPTION_KEY if set).

    Anyone who knows the key can forge a session cookie of any user, so a default or short key is refused."""
    cfg = cfg or get_config()
    if cfg.demo:
        return
    problems = []
    if weak_key(cfg.secret_key):
        problems.append(f"SECRET_KEY is missing or weak (it must be at least {MIN_KEY_LENGTH} random characters).")
    if cfg.encryption_key is not None and weak_key(cfg.encryption_key):
        problems.append(f"OKNO_ENCRYPTION_KEY is weak (it must be at least {MIN_KEY_LENGTH} random characters).")
    if problems:
        raise InsecureConfig("Okno refuses to start: " + " ".join(problems) + "\nMake a key with:\n    "
                             + HOW_TO_MAKE_A_KEY + "\nand set it in the environment (README, Configuration); "
                             "for a local try-out use `make run` (demo mode, OKNO_DEMO=1).")


_frozen: ContextVar[Config | None] = ContextVar("okno_frozen_config", default=None)


def get_config() -> Config:
    # Read anew each call (tests change the environment), except inside frozen(): a batch of thousands of
    # messages reads the same values, and ~50 environment reads per call were 2 ms of every email.
    return _frozen.get() or Config()


def freeze():
    """Read the environment once for what follows (until `thaw(token)`): a web request, a worker's batch."""
    return _frozen.set(Config())


def thaw(token) -> None:
    try:
        _frozen.reset(token)
    except ValueError:  # set in another context (a server that runs teardown elsewhere): just forget it
        _frozen.set(None)


@contextmanager
def frozen():
    """One Config for the work inside (a channel worker's batch): the environment is read once."""
    token = freeze()
    try:
        yield
    finally:
        thaw(token)


def company_tz() -> ZoneInfo:
    """The company time zone (OKNO_TIMEZONE): local dates, business hours and every time shown to people."""
    return ZoneInfo(get_config().timezone)
