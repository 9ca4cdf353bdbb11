"""What entering a lane means beyond assignment: a support line's lane hands the card to that team.

(Agent lanes assign in tickets.move itself.) Bergauf's lines: moving a card into the L2 lane
escalates it to the L2 team, which the history records as `escalated`.
"""
from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from data import hooks
from data.models import Lane, Ticket
from data.tickets import escalation


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
    escalation.record_handover(session, ticket, actor, old, team_id)
