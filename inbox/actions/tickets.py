from __future__ import annotations

from dataclasses import dataclass
from functools import partial

from django.contrib.auth.models import User
from django.db import transaction
from django.urls import reverse

from channels.models import BrandAccount
from channels.types import NormalizedMessage
from notifications.actions import notify
from notifications.models import NotificationKind

from ..live import bump_on_commit
from ..models import Message, Ticket
from .ingest import IncomingItem, tickets_ingest_batch
from .state import UnknownStatus, ticket_assignee_change, ticket_status_change, tickets_assignee_change


class TicketActionError(Exception):
    """A request an agent made that cannot be carried out; the message is for them."""


@dataclass(frozen=True)
class IngestResult:
    message: Message
    created: bool  # False: this platform message was already in the inbox
    new_ticket: bool


def ticket_ingest_message(
    *, account: BrandAccount, incoming: NormalizedMessage, inbound_event_id: int | None = None
) -> IngestResult:
    """Thread one customer message into the inbox (a batch of one; see ingest.py).
    Idempotent: the same platform message ingested twice yields one Message."""
    result = tickets_ingest_batch(account=account, items=[IncomingItem(incoming, inbound_event_id)])
    if result.created:
        message = result.created[0]
        return IngestResult(message=message, created=True, new_ticket=message.ticket_id in result.new_ticket_ids)
    existing = Message.objects.get(account=account, platform_id=incoming.platform_id)
    return IngestResult(message=existing, created=False, new_ticket=False)


HANDOFF_REASON_MAX = 300


@transaction.atomic
def ticket_assign(*, ticket: Ticket, assignee: User | None, actor: User | None, reason: str = "") -> Ticket:
    """Give the conversation to `assignee` (None: back to the queue), with an optional reason
    for the handoff. The reason goes into the ASSIGNED event (the timeline shows it) and into
    the notification the new assignee gets when someone else handed it to them."""
    reason = " ".join(reason.split())[:HANDOFF_REASON_MAX]
    ticket = Ticket.objects.select_for_update().get(pk=ticket.pk)
    previous_id = ticket.assignee_id
    assignee_id = assignee.pk if assignee is not None else None
    if ticket_assignee_change(ticket=ticket, assignee_id=assignee_id, actor=actor, reason=reason):
        bump_on_commit(tickets=[ticket])
        if assignee is not None and actor is not None and assignee.pk != actor.pk:
            transaction.on_commit(partial(
                _tell_assignee, assignee=assignee, actor=actor, ticket_id=ticket.pk, reason=reason,
                handoff=previous_id is not None,
            ))
    return ticket


def _tell_assignee(*, assignee: User, actor: User, ticket_id: int, reason: str, handoff: bool) -> None:
    # No words of the actor's language: the notifications page shows the kind ("Handoff")
    # in the recipient's own language; the reason is the actor's own words.
    actor_name = getattr(getattr(actor, "agent_profile", None), "display_name", "") or actor.get_username()
    text = f"@{actor_name} → #{ticket_id}" + (f": {reason}" if reason else "")
    notify(
        recipient=assignee,
        kind=NotificationKind.HANDOFF if handoff else NotificationKind.ASSIGNED,
        text=text,
        url=reverse("inbox:ticket", args=[ticket_id]),
        ticket_id=ticket_id,
        actor=actor,
    )


@transaction.atomic
def tickets_assign_batch(*, assignments: dict[int, int], actor: User | None) -> list[Ticket]:
    """Give many tickets to people at once (routing's batch: ticket id -> user id), each
    with its ASSIGNED event, in a handful of queries whatever the batch's size (see
    state.tickets_assignee_change). Returns the tickets that changed."""
    changed = tickets_assignee_change(assignments=assignments, actor=actor)
    if changed:
        bump_on_commit(tickets=changed)
    return changed


@transaction.atomic
def ticket_set_status(*, ticket: Ticket, status: str, actor: User | None) -> Ticket:
    """An agent (or the API) sets the status."""
    ticket = Ticket.objects.select_for_update().get(pk=ticket.pk)
    try:
        changed = ticket_status_change(ticket=ticket, status=status, actor=actor)
    except UnknownStatus as exc:
        raise TicketActionError(str(exc)) from exc
    if changed:
        bump_on_commit(tickets=[ticket])
    return ticket
