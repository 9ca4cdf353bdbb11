"""A real slapd on loopback for the directory sign-in tests, started once per test process, and the
LDAP_* settings that point Okno at it."""
from __future__ import annotations

import itertools

import pytest

from tests.ldap.slapd import BASE, SERVICE_DN, SERVICE_PW, Slapd, missing

_seq = itertools.count(1)


@pytest.fixture(scope="session")
def slapd():
    problem = missing()
    if problem:  # never a silent skip: CI (.ci/run) installs these packages
        pytest.fail(f"The directory sign-in tests need OpenLDAP on this machine. {problem}", pytrace=False)
    server = Slapd().start()
    yield server
    server.stop()


@pytest.fixture
def ldap_env(slapd, monkeypatch):
    """Directory sign-in switched on against the test slapd (Active Directory-style filter by default)."""
    monkeypatch.setenv("LDAP_URL", slapd.url)
    monkeypatch.setenv("LDAP_BASE_DN", BASE)
    monkeypatch.setenv("LDAP_BIND_DN", SERVICE_DN)
    monkeypatch.setenv("LDAP_BIND_PASSWORD", SERVICE_PW)
    for name in ("LDAP_USER_FILTER", "LDAP_GROUP_FILTER", "LDAP_GROUP_ATTR", "LDAP_START_TLS", "LDAP_CA_FILE"):
        monkeypatch.delenv(name, raising=False)
    return slapd


@pytest.fixture
def unique():
    """A fresh name per call: the directory lives for the whole test process."""
    return lambda prefix: f"{prefix}{next(_seq)}"
