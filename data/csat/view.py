"""The ratings of one ticket, newest resolution first, for its card page (the caller has checked access)."""
from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import select
from sqlalchemy.orm import Session

from data.models import Rating


def of_ticket(session: Session, ticket_id: int, now: datetime | None = None) -> list[dict]:
    now = now or datetime.now(timezone.utc)
    return [{"resolution": r.resolution + 1, "score": r.score, "comment": r.comment, "rated_at": r.rated_at,
             "channel": r.channel, "state": "rated" if r.score is not None else
             ("waiting" if r.expires_at > now else "expired")}
            for r in session.scalars(select(Rating).where(Rating.ticket_id == ticket_id)
                                     .order_by(Rating.resolution.desc()))]
