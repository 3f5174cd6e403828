"""One constructor per TicketEvent type. Actions call these; nothing else writes events."""
from __future__ import annotations

from typing import Any

from .enums import TicketEventType
from .models import CannedResponse, CsatSurvey, Message, ReplyDraft, Ticket, TicketEvent


def _event(ticket: Ticket, type: TicketEventType, actor: Any = None, **payload: Any) -> TicketEvent:
    return TicketEvent.objects.create(ticket=ticket, type=type, actor=actor, payload=payload)


def _unsaved(ticket: Ticket, type: TicketEventType, **payload: Any) -> TicketEvent:
    return TicketEvent(ticket=ticket, type=type, payload=payload)


def record(events: list[TicketEvent]) -> None:
    """Store events built unsaved (batch ingest writes them in one INSERT)."""
    TicketEvent.objects.bulk_create(events)


# Ingest builds these unsaved and records them together.
def ticket_created(*, ticket: Ticket, message: Message) -> TicketEvent:
    return _unsaved(ticket, TicketEventType.CREATED, message_id=message.pk)


def message_received(*, ticket: Ticket, message: Message) -> TicketEvent:
    return _unsaved(ticket, TicketEventType.MESSAGE_RECEIVED, message_id=message.pk)


def ticket_reopened(*, ticket: Ticket, message: Message) -> TicketEvent:
    return _unsaved(ticket, TicketEventType.REOPENED, message_id=message.pk)


def sentiment_changed(*, ticket: Ticket, message: Message, old: str, new: str) -> TicketEvent:
    return _unsaved(ticket, TicketEventType.SENTIMENT_CHANGED, message_id=message.pk, old=old, new=new)


def message_edited(*, ticket: Ticket, message: Message, previous: str, edit_id: str) -> TicketEvent:
    return _event(
        ticket, TicketEventType.MESSAGE_EDITED, message_id=message.pk, previous_text=previous, edit_id=edit_id
    )


def reply_queued(*, ticket: Ticket, message: Message, actor: Any, mode: str = "") -> TicketEvent:
    return _event(ticket, TicketEventType.REPLIED, actor=actor, message_id=message.pk, mode=mode)


def reply_sent(*, ticket: Ticket, message: Message, platform_id: str) -> TicketEvent:
    return _event(ticket, TicketEventType.REPLY_SENT, message_id=message.pk, platform_id=platform_id)


def reply_failed(*, ticket: Ticket, message: Message, error: str) -> TicketEvent:
    return _event(ticket, TicketEventType.REPLY_FAILED, message_id=message.pk, error=error)


def reply_retried(*, ticket: Ticket, message: Message, actor: Any) -> TicketEvent:
    return _event(ticket, TicketEventType.REPLY_RETRIED, actor=actor, message_id=message.pk)


def ticket_assigned(
    *,
    ticket: Ticket,
    actor: Any,
    assignee_id: int | None,
    previous_id: int | None,
    assignee_name: str = "",
    previous_name: str = "",
    reason: str = "",
    save: bool = True,
) -> TicketEvent:
    """Built unsaved with save=False (routing assigns a batch and records them in one INSERT).
    `reason`: why a person handed the conversation on (kept only when given)."""
    payload: dict[str, Any] = {
        "assignee_id": assignee_id,
        "previous_id": previous_id,
        "assignee_name": assignee_name,
        "previous_name": previous_name,
    }
    if reason:
        payload["reason"] = reason
    if not save:
        event = _unsaved(ticket, TicketEventType.ASSIGNED, **payload)
        event.actor = actor
        return event
    return _event(ticket, TicketEventType.ASSIGNED, actor=actor, **payload)


def status_changed(*, ticket: Ticket, actor: Any, old: str, new: str, save: bool = True) -> TicketEvent:
    """Built unsaved with save=False (a batch of status changes is recorded in one INSERT)."""
    if not save:
        event = _unsaved(ticket, TicketEventType.STATUS_CHANGED, old=old, new=new)
        event.actor = actor
        return event
    return _event(ticket, TicketEventType.STATUS_CHANGED, actor=actor, old=old, new=new)


def reply_delivery(*, ticket: Ticket, message: Message, status: str, error: str = "") -> TicketEvent:
    return _event(ticket, TicketEventType.REPLY_DELIVERY, message_id=message.pk, status=status, error=error)


# Customers and conversations (inbox/actions/customers.py, conversations.py): built unsaved,
# one per ticket concerned, and recorded together.
def _by(ticket: Ticket, type: TicketEventType, actor: Any, **payload: Any) -> TicketEvent:
    event = _unsaved(ticket, type, **payload)
    event.actor = actor
    return event


def customer_merged(*, ticket: Ticket, actor: Any, source_id: int, target_id: int, merge_id: int) -> TicketEvent:
    return _by(
        ticket, TicketEventType.CUSTOMER_MERGED, actor, source_id=source_id, target_id=target_id, merge_id=merge_id
    )


def customer_unmerged(*, ticket: Ticket, actor: Any, source_id: int, target_id: int, merge_id: int) -> TicketEvent:
    return _by(
        ticket, TicketEventType.CUSTOMER_UNMERGED, actor, source_id=source_id, target_id=target_id, merge_id=merge_id
    )


def customer_updated(*, ticket: Ticket, actor: Any, changes: dict[str, Any]) -> TicketEvent:
    """`changes`: field -> {"old", "new"}."""
    return _by(ticket, TicketEventType.CUSTOMER_UPDATED, actor, changes=changes)


def tickets_merged(*, ticket: Ticket, actor: Any, source_id: int, target_id: int, merge_id: int) -> TicketEvent:
    return _by(
        ticket, TicketEventType.TICKETS_MERGED, actor, source_id=source_id, target_id=target_id, merge_id=merge_id
    )


def tickets_unmerged(*, ticket: Ticket, actor: Any, source_id: int, target_id: int, merge_id: int) -> TicketEvent:
    return _by(
        ticket, TicketEventType.TICKETS_UNMERGED, actor, source_id=source_id, target_id=target_id, merge_id=merge_id
    )


def message_split(
    *, ticket: Ticket, actor: Any, message_id: int, source_id: int, target_id: int, merge_id: int
) -> TicketEvent:
    return _by(
        ticket, TicketEventType.MESSAGE_SPLIT, actor, message_id=message_id, source_id=source_id,
        target_id=target_id, merge_id=merge_id,
    )


def split_undone(*, ticket: Ticket, actor: Any, source_id: int, target_id: int, merge_id: int) -> TicketEvent:
    return _by(ticket, TicketEventType.SPLIT_UNDONE, actor, source_id=source_id, target_id=target_id, merge_id=merge_id)


# Triage (inbox/actions/triage.py).
def priority_changed(*, ticket: Ticket, actor: Any, old: str, new: str) -> TicketEvent:
    return _event(ticket, TicketEventType.PRIORITY_CHANGED, actor=actor, old=old, new=new)


def sla_breached(*, ticket: Ticket, target: str, due: str) -> TicketEvent:
    """`target` first or next; `due` the missed due time, ISO 8601."""
    return _event(ticket, TicketEventType.SLA_BREACHED, target=target, due=due)


def tags_changed(*, ticket: Ticket, actor: Any, added: list[str], removed: list[str]) -> TicketEvent:
    return _event(ticket, TicketEventType.TAGS_CHANGED, actor=actor, added=added, removed=removed)


def snoozed(*, ticket: Ticket, actor: Any, until: str) -> TicketEvent:
    """`until` as ISO 8601 (UTC)."""
    return _event(ticket, TicketEventType.SNOOZED, actor=actor, until=until)


def unsnoozed(*, ticket: Ticket, actor: Any, reason: str) -> TicketEvent:
    """`reason`: "agent" (cancelled), "time" (the snooze ran out) or "customer" (they wrote)."""
    return _event(ticket, TicketEventType.UNSNOOZED, actor=actor, reason=reason)


def team_changed(
    *, ticket: Ticket, actor: Any, old_id: int | None, new_id: int | None, old_name: str, new_name: str
) -> TicketEvent:
    return _event(
        ticket, TicketEventType.TEAM_CHANGED, actor=actor, old_id=old_id, new_id=new_id, old_name=old_name,
        new_name=new_name,
    )


def note_added(*, ticket: Ticket, message: Message, actor: Any, mentioned: list[int]) -> TicketEvent:
    return _event(ticket, TicketEventType.NOTE_ADDED, actor=actor, message_id=message.pk, mentioned=mentioned)


def draft_submitted(*, draft: ReplyDraft) -> TicketEvent:
    return _event(draft.ticket, TicketEventType.DRAFT_SUBMITTED, actor=draft.author, draft_id=draft.pk)


def draft_approved(*, draft: ReplyDraft, reviewer: Any, message: Message, edited: bool) -> TicketEvent:
    return _event(
        draft.ticket, TicketEventType.DRAFT_APPROVED, actor=reviewer, draft_id=draft.pk, message_id=message.pk,
        author_id=draft.author_id, edited=edited,
    )


def draft_returned(*, draft: ReplyDraft, reviewer: Any, comment: str) -> TicketEvent:
    return _event(
        draft.ticket, TicketEventType.DRAFT_RETURNED, actor=reviewer, draft_id=draft.pk,
        author_id=draft.author_id, comment=comment,
    )


def canned_used(*, ticket: Ticket, canned: CannedResponse, language: str, actor: Any) -> TicketEvent:
    return _event(
        ticket, TicketEventType.CANNED_USED, actor=actor, canned_id=canned.pk, shortcut=canned.shortcut,
        language=language,
    )


# Customer satisfaction (inbox/actions/csat.py).
def csat_requested(*, survey: CsatSurvey, actor: Any) -> TicketEvent:
    return _event(survey.ticket, TicketEventType.CSAT_REQUESTED, actor=actor, survey_id=survey.pk)


def csat_asked(*, survey: CsatSurvey, message: Message) -> TicketEvent:
    return _event(
        survey.ticket, TicketEventType.CSAT_ASKED, survey_id=survey.pk, message_id=message.pk,
        language=survey.language,
    )


def csat_answered(*, survey: CsatSurvey, rating: int, via: str, message: Message | None = None) -> TicketEvent:
    """`via`: "message" (the customer wrote the number), "link" (email page) or "button"."""
    return _event(
        survey.ticket, TicketEventType.CSAT_ANSWERED, survey_id=survey.pk, rating=rating, via=via,
        message_id=message.pk if message is not None else None, agent_id=survey.agent_id,
    )


def csat_review_invited(*, survey: CsatSurvey, message: Message) -> TicketEvent:
    return _event(survey.ticket, TicketEventType.CSAT_REVIEW_INVITED, survey_id=survey.pk, message_id=message.pk)


def csat_review_accepted(*, survey: CsatSurvey) -> TicketEvent:
    return _event(survey.ticket, TicketEventType.CSAT_REVIEW_ACCEPTED, survey_id=survey.pk)
