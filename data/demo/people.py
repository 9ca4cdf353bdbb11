"""Requesters (the company's employees) and their e-mail / Telegram identities, bulk-loaded."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from data.demo import spec
from data.demo.copy import CopyWriter, ints, texts, timestamps
from data.demo.names import NameMaker


@dataclass
class Requesters:
    n: int
    first_names: list[str]
    has_telegram: np.ndarray  # bool per requester (index = id - 1)
    weight: np.ndarray  # how often each one writes (a few write a lot)
    organisations: list[str]  # per requester (index = id - 1): SLA policies may match on it

    def pick(self, rng: np.random.Generator, n: int) -> np.ndarray:
        """Requester ids for n tickets."""
        return rng.choice(self.n, size=n, p=self.weight) + 1


def create_requesters(writer: CopyWriter, n: int, seed: int, since: int) -> Requesters:
    rng = np.random.default_rng([seed, 2])
    names = NameMaker(seed * 104729 + 3)
    domains = rng.choice(len(spec.COMPANY_DOMAINS), size=n, p=[0.8, 0.2])
    people = [names.person() for _ in range(n)]
    emails = [f"{local}@{spec.COMPANY_DOMAINS[d]}" for (_, _, local), d in zip(people, domains.tolist())]
    created = since - rng.integers(86400, 400 * 86400, n)
    ids = np.arange(1, n + 1)
    organisations = [spec.ORGANISATIONS[spec.COMPANY_DOMAINS[d]] for d in domains.tolist()]
    writer.put("requesters", ("id", "name", "email", "organisation", "locale", "created_at"), [
        ints(ids), texts([p[0] for p in people]), texts(emails), texts(organisations), ["ru"] * n,
        timestamps(created)])
    has_tg = rng.random(n) < 0.35
    portal = rng.random(n) < 0.6
    tg_ids = np.flatnonzero(has_tg) + 1
    chat_ids = 100_000_000 + rng.choice(900_000_000, size=len(tg_ids), replace=False)
    n_tg = len(tg_ids)
    writer.put("requester_identities",
               ("id", "requester_id", "channel", "address", "display", "verified_at", "created_at"), [
                   ints(np.arange(1, n + n_tg + 1)), ints(np.concatenate([ids, tg_ids])),
                   ["email"] * n + ["telegram"] * n_tg,
                   texts([e.lower() for e in emails] + [str(c) for c in chat_ids.tolist()]),
                   texts([None] * n + [names.telegram_handle(people[i - 1][2]) for i in tg_ids.tolist()]),
                   timestamps(np.where(portal, created + 3600, -1)) + timestamps(created[tg_ids - 1] + 7200),
                   timestamps(created) + timestamps(created[tg_ids - 1] + 7200)])
    weight = 1.0 / (np.arange(n) + 8.0) ** 0.8
    rng.shuffle(weight)
    return Requesters(n, [p[1] for p in people], has_tg, weight / weight.sum(), organisations)


__all__ = ["Requesters", "create_requesters", "ints"]
