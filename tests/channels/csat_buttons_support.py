"""Helpers for the satisfaction-button tests of each platform: an agent answers and solves
(the question goes out through the outbox at once, tasks running eagerly), and what a
press must leave behind."""
from __future__ import annotations

from typing import Any

from inbox.actions.replies import ticket_reply
from inbox.actions.tickets import ticket_set_status
from inbox.enums import Direction, TicketEventType, TicketStatus
from inbox.models import CsatSurvey, Message, OutboundMessage, Ticket, TicketEvent


def solve_and_ask(*, ticket: Ticket, agent: Any, answer: str = "Balík je na cestě, dorazí zítra.") -> CsatSurvey:
    """The agent answers and solves: one survey, its question sent (through the fake)."""
    ticket_reply(ticket=ticket, agent=agent, text=answer)
    ticket_set_status(ticket=ticket, status=TicketStatus.SOLVED, actor=agent)
    survey = CsatSurvey.objects.select_related("message").get(ticket=ticket)
    assert survey.message is not None and survey.asked_at is not None
    outbound = OutboundMessage.objects.get(message=survey.message)
    assert outbound.status == "sent", outbound.last_error
    return survey


def payloads(survey: CsatSurvey) -> list[str]:
    return [f"csat:{survey.pk}:{n}" for n in range(1, 6)]


def assert_rated(survey: CsatSurvey, rating: int) -> None:
    """The press stored the rating (by button), the conversation is still solved, and no
    customer message came of it."""
    survey.refresh_from_db()
    assert (survey.rating, survey.answered_via) == (rating, "button")
    ticket = Ticket.objects.get(pk=survey.ticket_id)
    assert ticket.status == TicketStatus.SOLVED
    events = list(TicketEvent.objects.filter(ticket=ticket).values_list("type", flat=True))
    assert events.count(TicketEventType.CSAT_ANSWERED) == 1
    assert TicketEventType.REOPENED not in events
    newest_in = Message.objects.filter(ticket=ticket, direction=Direction.IN).order_by("-id").first()
    assert newest_in is not None and newest_in.sent_at < survey.asked_at  # the press is no message
