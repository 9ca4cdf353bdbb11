"""Shared by the security tests: signing in over HTTP from a chosen client address."""
from __future__ import annotations

import re
import uuid

from data.db import session_scope
from tests import factories as f


def csrf_from(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def sign_in(client, email, password=f.PASSWORD, address="10.20.0.1"):
    """Post the login form as a browser at `address` (each test its own, so counts don't mix)."""
    token = csrf_from(client.get("/login", environ_base={"REMOTE_ADDR": address}).get_data(as_text=True))
    return client.post("/login", data={"email": email, "password": password, "csrf_token": token},
                       environ_base={"REMOTE_ADDR": address})


def new_user(role="agent") -> tuple[int, str]:
    with session_scope() as s:
        user = f.user(s, role, email=f"sec-{role}-{uuid.uuid4().hex[:8]}@example.com")
        return user.id, user.email


def unique_address() -> str:
    n = uuid.uuid4().int
    return f"10.{n % 250}.{(n >> 8) % 250}.{(n >> 16) % 250 + 1}"
