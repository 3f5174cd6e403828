"""A customer's data under the GDPR: export everything Hovor holds about one person, erase
them, and each brand's retention (conversations quiet for longer than N days are erased).

Erasing keeps the shape the reports count: every ticket and message row stays, with its
times, direction, channel and delivery status; what goes is what says who the person is or
what they wrote: names, identities (handles, addresses, numbers), message text,
attachments, the channel's threading data, the raw platform events and the chat session.

Nothing here imports the audit log: each export, erasure and retention run is told through
inbox.signals, and the audit log (which listens) records it in the same transaction."""
from __future__ import annotations

import io
import json
import re
import zipfile
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import Any

from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone

from channels.chat.selectors import chat_sessions_export
from channels.chat.services import chat_sessions_forget
from channels.models import Brand, InboundEvent
from channels.registry import UnknownPlatform, get_connector

from ..enums import Direction, TicketEventType
from ..models import Customer, Identity, Message, OutboundMessage, Ticket, TicketEvent
from ..signals import customer_data_handled, retention_changed

ERASED_PAYLOAD = {"erased": True}
RETENTION_BATCH = 200
# A beat run erases at most this many batches per brand; the next run goes on (idempotent).
RETENTION_MAX_BATCHES = 25


class PrivacyError(ValueError):
    """The request cannot be carried out; the message says why."""


# --- export -------------------------------------------------------------------------------
@dataclass(frozen=True)
class CustomerExport:
    filename: str
    content: bytes
    tickets: int
    messages: int
    files: int


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def _safe_name(name: str) -> str:
    name = re.sub(r"[\\/\x00-\x1f]+", "_", name).strip(". ") or "file"
    return name[:150]


def _message_data(message: Message) -> dict[str, Any]:
    author = "customer" if message.direction == Direction.IN else (
        getattr(getattr(message.author_user, "agent_profile", None), "display_name", "")
        or (message.author_user.get_username() if message.author_user else "Hovor")
    )
    return {
        "id": message.pk,
        "direction": message.direction,
        "kind": message.kind,
        "author": author,
        "text": message.text,
        "sent_at": _iso(message.sent_at),
        "platform_id": message.platform_id,
        "delivery_status": message.delivery_status,
        "language": message.language,
        "automated": message.automated,
        "attachments": message.attachments or [],
        "channel_data": message.extra or {},
    }


def _customer_tickets(customer: Customer) -> QuerySet[Ticket]:
    return Ticket.objects.filter(customer=customer).select_related("account", "brand").order_by("created_at", "id")


def _chat_keys(tickets: list[Ticket]) -> tuple[list[int], list[str]]:
    ids = [t.pk for t in tickets if t.account.platform == "chat"]
    rows = Message.objects.filter(ticket_id__in=ids, direction=Direction.IN).exclude(thread_key="")
    keys = sorted(set(rows.values_list("thread_key", flat=True)))
    return sorted({t.account_id for t in tickets if t.account.platform == "chat"}), keys


def customer_export(*, customer: Customer) -> CustomerExport:
    """A zip: customer.json (the person, identities, every conversation and message, the
    chat sessions), raw/<event>.json (the platform events as received) and files/ (what
    Hovor holds of attachments: an e-mail's original message and its parts)."""
    tickets = list(_customer_tickets(customer))
    messages = list(
        Message.objects.filter(ticket__in=tickets)
        .select_related("author_user__agent_profile")
        .order_by("sent_at", "id")
    )
    by_ticket: dict[int, list[Message]] = {}
    for m in messages:
        by_ticket.setdefault(m.ticket_id, []).append(m)
    events = InboundEvent.objects.filter(
        pk__in=[m.inbound_event_id for m in messages if m.inbound_event_id]
    ).select_related("account")
    buffer = io.BytesIO()
    files = 0
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        raw_index = []
        for event in events:
            archive.writestr(f"raw/{event.pk}.json", json.dumps(event.payload, ensure_ascii=False, indent=2))
            raw_index.append({"id": event.pk, "platform": event.account.platform, "kind": event.kind,
                              "platform_id": event.platform_id, "received_at": _iso(event.received_at),
                              "file": f"raw/{event.pk}.json"})
            try:
                stored = get_connector(event.account.platform).stored_files(event.kind, event.payload)
            except UnknownPlatform:
                stored = []
            for item in stored:
                archive.writestr(f"files/{event.pk}/{_safe_name(item.filename)}", item.content)
                files += 1
        account_ids, keys = _chat_keys(tickets)
        data = {
            "exported_at": _iso(timezone.now()),
            "brand": {"id": customer.brand_id, "name": customer.brand.name},
            "customer": {"id": customer.pk, "name": customer.name, "created_at": _iso(customer.created_at),
                         "erased_at": _iso(customer.erased_at)},
            "identities": [
                {"platform": i.platform, "external_id": i.external_id, "handle": i.handle,
                 "display_name": i.display_name, "email": i.email, "phone": i.phone, "avatar_url": i.avatar_url,
                 "created_at": _iso(i.created_at)}
                for i in Identity.objects.filter(customer=customer).order_by("id")
            ],
            "conversations": [
                {"id": t.pk, "channel": t.account.platform, "account": t.account.handle, "subject": t.subject,
                 "status": t.status, "language": t.language, "created_at": _iso(t.created_at),
                 "last_message_at": _iso(t.last_message_at),
                 "messages": [_message_data(m) for m in by_ticket.get(t.pk, [])]}
                for t in tickets
            ],
            "chat_sessions": chat_sessions_export(account_ids=account_ids, keys=keys),
            "raw_events": raw_index,
        }
        archive.writestr("customer.json", json.dumps(data, ensure_ascii=False, indent=2))
    export = CustomerExport(
        filename=f"hovor-customer-{customer.pk}.zip", content=buffer.getvalue(),
        tickets=len(tickets), messages=len(messages), files=files,
    )
    with transaction.atomic():
        customer_data_handled.send(
            sender=Customer, customer=customer, change="exported",
            details={"tickets": export.tickets, "messages": export.messages, "files": export.files},
        )
    return export


# --- erasure ------------------------------------------------------------------------------
@dataclass(frozen=True)
class Erased:
    tickets: int = 0
    messages: int = 0
    identities: int = 0
    raw_events: int = 0
    chat_sessions: int = 0
    customers: int = 0


def _tickets_erase_content(*, tickets: list[Ticket], now: datetime) -> Erased:
    """Empty the conversations' content, keeping every row with its times and direction.
    The caller holds the transaction."""
    ids = [t.pk for t in tickets]
    account_ids, keys = _chat_keys(tickets)
    messages = Message.objects.filter(ticket_id__in=ids)
    event_ids = [e for e in messages.values_list("inbound_event_id", flat=True) if e]
    count = messages.update(text="", attachments=[], extra={}, thread_key="", in_reply_to_platform_id="")
    OutboundMessage.objects.filter(message__ticket_id__in=ids).update(
        text="", extra={}, subject="", thread_key="", in_reply_to_platform_id=""
    )
    raw = InboundEvent.objects.filter(pk__in=event_ids).update(payload=ERASED_PAYLOAD, error="")
    # An edited message's earlier text is in its edit event too (inbox/actions/edits.py).
    for event in TicketEvent.objects.filter(ticket_id__in=ids, type=TicketEventType.MESSAGE_EDITED):
        if event.payload.get("previous_text"):
            TicketEvent.objects.filter(pk=event.pk).update(payload={**event.payload, "previous_text": ""})
    # The folded search copies (inbox/search.py) go too: nothing erased stays findable.
    Ticket.objects.filter(pk__in=ids).update(subject="", erased_at=now, search_who="", search_text="")
    sessions = chat_sessions_forget(account_ids=account_ids, keys=keys)
    _files_forget(ticket_ids=ids)
    return Erased(tickets=len(ids), messages=count, raw_events=raw, chat_sessions=sessions)


def _files_forget(*, ticket_ids: list[int]) -> None:
    """The stored files of the conversations (inbox/actions/attachments.py) go with them: the
    rows lose their names and platform references now, the bytes leave the storage once the
    erasure has committed (a rolled-back erasure keeps them)."""
    from ..models import Attachment

    files = Attachment.objects.filter(message__ticket_id__in=ticket_ids)
    names = [n for pair in files.values_list("file", "thumbnail") for n in pair if n]
    files.delete()

    def remove() -> None:
        for name in names:
            default_storage.delete(name)

    transaction.on_commit(remove)


def _customer_forget(*, customer_ids: list[int], now: datetime) -> tuple[int, int]:
    """Names and identities gone; the customer row stays for the tickets that point at it."""
    identities, _unused = Identity.objects.filter(customer_id__in=customer_ids).delete()
    customers = Customer.objects.filter(pk__in=customer_ids).update(name="", erased_at=now)
    return customers, identities


@transaction.atomic
def customer_erase(*, customer: Customer) -> Erased:
    """Erase one person: every conversation's content, their identities and name. Running
    it again finds nothing left to erase and changes nothing more."""
    customer = Customer.objects.select_for_update().get(pk=customer.pk)
    now = timezone.now()
    content = _tickets_erase_content(tickets=list(_customer_tickets(customer)), now=now)
    _customers, identities = _customer_forget(customer_ids=[customer.pk], now=now)
    erased = Erased(**{**asdict(content), "identities": identities, "customers": 1})
    customer_data_handled.send(sender=Customer, customer=customer, change="erased", details=asdict(erased))
    return erased


# --- retention ----------------------------------------------------------------------------
@transaction.atomic
def brand_set_retention(*, brand: Brand, days: int | None) -> Brand:
    """Keep conversations `days` days after their last message (None: keep them)."""
    if days is not None and not 1 <= days <= 36500:
        raise PrivacyError("Retention is 1 to 36500 days, or blank to keep conversations.")
    brand = Brand.objects.select_for_update().get(pk=brand.pk)
    old = brand.retention_days
    if old != days:
        brand.retention_days = days
        brand.save(update_fields=["retention_days"])
        retention_changed.send(sender=Brand, brand=brand, change="retention_changed", details={"old": old, "new": days})
    return brand


def _due_tickets(*, brand: Brand, cutoff: datetime, limit: int) -> list[Ticket]:
    return list(
        Ticket.objects.filter(brand=brand, erased_at__isnull=True, last_message_at__lt=cutoff)
        .select_related("account")
        .order_by("last_message_at", "id")[:limit]
    )


@transaction.atomic
def _retention_batch(*, brand: Brand, cutoff: datetime, limit: int) -> Erased:
    tickets = _due_tickets(brand=brand, cutoff=cutoff, limit=limit)
    if not tickets:
        return Erased()
    now = timezone.now()
    content = _tickets_erase_content(tickets=tickets, now=now)
    # A customer none of whose conversations is left is erased too (name, identities).
    live = Ticket.objects.filter(customer_id=OuterRef("pk"), erased_at__isnull=True)
    gone = list(
        Customer.objects.filter(pk__in={t.customer_id for t in tickets}, erased_at__isnull=True)
        .exclude(Exists(live)).values_list("pk", flat=True)
    )
    customers, identities = _customer_forget(customer_ids=gone, now=now)
    return Erased(**{**asdict(content), "identities": identities, "customers": customers})


def retention_apply(*, brand: Brand, now: datetime | None = None,
                    batch_size: int = RETENTION_BATCH, max_batches: int = RETENTION_MAX_BATCHES) -> Erased:
    """Erase the brand's conversations whose last message is older than its retention, in
    batches (one transaction each); already erased ones are skipped, so a second run
    changes nothing. One audit entry per run that erased something."""
    if not brand.retention_days:
        return Erased()
    cutoff = (now or timezone.now()) - timedelta(days=brand.retention_days)
    total: dict[str, int] = asdict(Erased())
    for _batch in range(max_batches):
        erased = _retention_batch(brand=brand, cutoff=cutoff, limit=batch_size)
        for key, value in asdict(erased).items():
            total[key] += value
        if erased.tickets < batch_size:
            break
    result = Erased(**total)
    if result.tickets:
        with transaction.atomic():
            retention_changed.send(
                sender=Brand, brand=brand, change="retention_applied",
                details={"days": brand.retention_days, **total},
            )
    return result
