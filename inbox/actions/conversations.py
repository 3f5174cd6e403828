"""Two conversations of one customer made one timeline, a message split out into its own
conversation, and both undone. Every move is a TicketMerge row naming the messages moved;
the messages keep their own account, so a reply still goes out on the channel of the
message it answers (inbox/actions/replies.py)."""
from __future__ import annotations

from datetime import datetime

from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import Max, Min
from django.utils import timezone
from django.utils.translation import gettext as _

from .. import events
from ..enums import Direction, TicketStatus
from ..live import bump_on_commit
from ..models import Message, Ticket, TicketMerge
from ..search import search_refresh
from ..sla import first_response_due
from .sla import tickets_sla_refresh
from .tickets import TicketActionError


def _lock(*ids: int) -> dict[int, Ticket]:
    return {t.pk: t for t in Ticket.objects.select_for_update().filter(pk__in=ids).order_by("pk")}


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def _when(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def _refresh_wait(ticket: Ticket) -> None:
    """Waiting since, and the last message, from the messages the ticket holds now: the
    customer waits since their oldest message after our latest reply."""
    messages = Message.objects.filter(ticket_id=ticket.pk)
    last_out = messages.filter(direction=Direction.OUT).aggregate(at=Max("sent_at"))["at"]
    unanswered = messages.filter(direction=Direction.IN, automated__isnull=True)
    if last_out is not None:
        unanswered = unanswered.filter(sent_at__gt=last_out)
    waiting = unanswered.aggregate(at=Min("sent_at"))["at"]
    last = messages.aggregate(at=Max("sent_at"))["at"]
    ticket.waiting_since = waiting if ticket.status != TicketStatus.SOLVED else None
    if last is not None:
        ticket.last_message_at = last
    ticket.updated_at = timezone.now()
    ticket.save(update_fields=["waiting_since", "last_message_at", "updated_at"])


def _check_pair(source: Ticket, target: Ticket) -> None:
    if source.pk == target.pk:
        raise TicketActionError(_("A conversation cannot be merged with itself."))
    if source.customer_id != target.customer_id or source.brand_id != target.brand_id:
        raise TicketActionError(_("Only two conversations of the same customer can be merged."))
    if source.merged_into_id or target.merged_into_id:
        raise TicketActionError(_("One of these conversations is already merged into another."))


@transaction.atomic
def tickets_merge(*, source: Ticket, target: Ticket, actor: User) -> TicketMerge:
    """Every message of `source` joins `target`'s timeline (in time order, each keeping its
    channel); `source` is solved and points at `target` until the merge is undone."""
    locked = _lock(source.pk, target.pk)
    if len(locked) != 2:
        raise TicketActionError(_("One of these conversations no longer exists."))
    src, dst = locked[source.pk], locked[target.pk]
    _check_pair(src, dst)
    message_ids = list(Message.objects.filter(ticket_id=src.pk).values_list("pk", flat=True))
    before = {
        "source_status": src.status,
        "source_snoozed_until": _iso(src.snoozed_until),
        "target_subject": dst.subject,
        "target_first_response_due_at": _iso(dst.first_response_due_at),
    }
    Message.objects.filter(pk__in=message_ids).update(ticket_id=dst.pk)
    if not dst.subject and src.subject:
        dst.subject = src.subject  # an email's subject, for the replies that go out by email
    # The customer has waited since the earlier of the two.
    dues = [d for d in (src.first_response_due_at, dst.first_response_due_at) if d]
    if dst.first_response_at is None and dues:
        dst.first_response_due_at = min(dues)
    if dst.status == TicketStatus.SOLVED and src.status != TicketStatus.SOLVED:
        dst.status = TicketStatus.OPEN
    dst.save(update_fields=["subject", "first_response_due_at", "status"])
    src.status = TicketStatus.SOLVED
    src.merged_into = dst
    src.snoozed_until = None
    src.save(update_fields=["status", "merged_into", "snoozed_until"])
    merge = TicketMerge.objects.create(
        kind="merge", source=src, target=dst, message_ids=message_ids, before=before, actor=actor
    )
    _refresh_wait(src)
    _refresh_wait(dst)
    events.record(
        [
            events.tickets_merged(ticket=t, actor=actor, source_id=src.pk, target_id=dst.pk, merge_id=merge.pk)
            for t in (src, dst)
        ]
    )
    _after_move(src, dst)
    return merge


@transaction.atomic
def ticket_split_message(*, message: Message, actor: User) -> TicketMerge:
    """A customer message that started a new topic becomes its own conversation, with our
    replies to it; the conversation it came from keeps the rest."""
    message = Message.objects.select_related("account").get(pk=message.pk)
    src = _lock(message.ticket_id)[message.ticket_id]
    if src.merged_into_id:
        raise TicketActionError(_("This conversation is merged into another."))
    if message.direction != Direction.IN:
        raise TicketActionError(_("Only a customer's message can start a conversation of its own."))
    moving = [message.pk]
    if message.platform_id:
        moving += list(
            Message.objects.filter(
                ticket_id=src.pk, direction=Direction.OUT, in_reply_to_platform_id=message.platform_id
            ).values_list("pk", flat=True)
        )
    if not Message.objects.filter(ticket_id=src.pk).exclude(pk__in=moving).exists():
        raise TicketActionError(_("This is the whole conversation already."))
    now = timezone.now()
    dst = Ticket.objects.create(
        brand_id=src.brand_id,
        account=message.account,
        customer_id=src.customer_id,
        subject=src.subject if message.account_id == src.account_id else "",
        status=TicketStatus.OPEN,
        assignee_id=src.assignee_id,
        team_id=src.team_id,
        language=message.language or src.language,
        sentiment=message.sentiment,
        priority=src.priority,
        created_at=now,
        updated_at=now,
        last_message_at=message.sent_at,
        first_response_due_at=first_response_due(platform=message.account.platform, received_at=message.sent_at),
    )
    Message.objects.filter(pk__in=moving).update(ticket_id=dst.pk)
    merge = TicketMerge.objects.create(
        kind="split", source=src, target=dst, message_ids=moving, before={"source_status": src.status}, actor=actor
    )
    _refresh_wait(src)
    _refresh_wait(dst)
    events.record(
        [
            events.message_split(
                ticket=t, actor=actor, message_id=message.pk, source_id=src.pk, target_id=dst.pk, merge_id=merge.pk
            )
            for t in (src, dst)
        ]
    )
    _after_move(src, dst)
    return merge


@transaction.atomic
def tickets_merge_undo(*, merge: TicketMerge, actor: User) -> TicketMerge:
    """Undo a merge or a split: the messages moved go back (those still where they went;
    messages that arrived since stay), and a split's conversation is solved and points at
    the one it came from."""
    merge = TicketMerge.objects.select_for_update().get(pk=merge.pk)
    if merge.undone_at is not None:
        raise TicketActionError(_("This was already undone."))
    locked = _lock(merge.source_id, merge.target_id)
    src, dst = locked[merge.source_id], locked[merge.target_id]
    if merge.kind == "merge" and src.merged_into_id != dst.pk:
        raise TicketActionError(_("This merge cannot be undone any more."))
    if dst.merged_into_id is not None:
        raise TicketActionError(_("Undo the later merge of this conversation first."))
    Message.objects.filter(pk__in=merge.message_ids, ticket_id=dst.pk).update(ticket_id=src.pk)
    if merge.kind == "merge":
        src.status = merge.before.get("source_status", TicketStatus.OPEN)
        src.snoozed_until = _when(merge.before.get("source_snoozed_until"))
        src.merged_into = None
        src.save(update_fields=["status", "snoozed_until", "merged_into"])
        dst.subject = merge.before.get("target_subject", dst.subject)
        if dst.first_response_at is None:
            dst.first_response_due_at = _when(merge.before.get("target_first_response_due_at"))
        dst.save(update_fields=["subject", "first_response_due_at"])
        build = events.tickets_unmerged
    else:
        if src.status == TicketStatus.SOLVED and dst.status != TicketStatus.SOLVED:
            src.status = TicketStatus.OPEN
            src.save(update_fields=["status"])
        if not Message.objects.filter(ticket_id=dst.pk).exists():
            dst.status = TicketStatus.SOLVED
            dst.merged_into = src
            dst.save(update_fields=["status", "merged_into"])
        build = events.split_undone
    merge.undone_at = timezone.now()
    merge.undone_by = actor
    merge.save(update_fields=["undone_at", "undone_by"])
    _refresh_wait(src)
    _refresh_wait(dst)
    events.record(
        [build(ticket=t, actor=actor, source_id=src.pk, target_id=dst.pk, merge_id=merge.pk) for t in (src, dst)]
    )
    _after_move(src, dst)
    return merge


def _after_move(*tickets: Ticket) -> None:
    ids = [t.pk for t in tickets]
    search_refresh(ticket_ids=ids)
    tickets_sla_refresh(ticket_ids=ids)
    bump_on_commit(tickets=tickets)
