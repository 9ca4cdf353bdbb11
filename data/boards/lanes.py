"""What entering a lane means beyond assignment: a support line's lane hands the card to that team.

(Agent lanes assign in tickets.move itself.) Bergauf's lines: moving a card into the L2 lane
escalates it to the L2 team, which the history records as `escalated`.
"""
from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from data import hooks
from data.events import record
from data.models import Lane, Team, Ticket


@hooks.on("moved")
def _line_lane_sets_team(session: Session, trigger: str, ticket: Ticket, actor, **_context) -> None:
    if ticket.lane_id is None:
        return
    team_id = session.scalar(select(Lane.team_id).where(Lane.id == ticket.lane_id))
    if team_id is None or team_id == ticket.team_id:
        return
    old = ticket.team_id
    session.execute(update(Ticket).where(Ticket.id == ticket.id).values(team_id=team_id)
                    .execution_options(synchronize_session=False))
    ticket.team_id = team_id
    names = dict(session.execute(select(Team.id, Team.name).where(Team.id.in_([t for t in (old, team_id) if t]))).all())
    record(session, ticket, "escalated", actor, from_value=names.get(old), to_value=names.get(team_id),
           data={"from_team_id": old, "to_team_id": team_id})
