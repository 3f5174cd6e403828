"""The customer's profile and merging two customers into one person (and back)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import cast

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .. import events
from ..live import bump_on_commit
from ..models import Customer, CustomerMerge, Identity, Tag, Ticket, TicketEvent
from ..search import search_refresh_customers
from .tickets import TicketActionError

# What the profile form edits, and what a merge may fill in on the customer kept.
PROFILE_FIELDS = ("name", "email", "phone", "language", "notes")
FILLED_BY_MERGE = ("name", "email", "phone", "language")
MAX_TAGS = 20


@dataclass(frozen=True)
class CustomerChanges:
    """The profile as the agent submitted it (every field: the form sends them all)."""

    name: str
    email: str
    phone: str
    language: str
    notes: str
    tags: tuple[str, ...]


def _clean(changes: CustomerChanges) -> dict[str, object]:
    email = changes.email.strip().lower()
    if email:
        try:
            validate_email(email)
        except ValidationError:
            raise TicketActionError(_("That is not an email address.")) from None
    raw_phone = changes.phone.strip()
    phone = "".join(ch for ch in raw_phone if ch.isdigit())
    if raw_phone and (len(phone) < 6 or len(phone) > 15 or any(ch.isalpha() for ch in raw_phone)):
        raise TicketActionError(_("That is not a phone number."))
    language = changes.language.strip().lower()
    if len(language) > 10:
        raise TicketActionError(_("That is not a language code."))
    name = " ".join(changes.name.split())
    if len(name) > 300:
        raise TicketActionError(_("The name is too long."))
    tags: list[str] = []
    for tag in changes.tags:
        tag = " ".join(tag.split())
        if tag and tag.casefold() not in {t.casefold() for t in tags}:
            if len(tag) > 50:
                raise TicketActionError(_("A tag is at most 50 characters."))
            tags.append(tag)
    if len(tags) > MAX_TAGS:
        raise TicketActionError(_("At most %(count)s tags.") % {"count": MAX_TAGS})
    return {"name": name, "email": email, "phone": phone, "language": language,
            "notes": changes.notes.strip(), "tags": tags}


def _tags_named(names: list[str]) -> list[Tag]:
    """The tags of these names (any case), created where new: the same list tickets use."""
    found: list[Tag] = []
    for name in names:
        tag = Tag.objects.filter(name__iexact=name).first() or Tag.objects.create(name=name)
        found.append(tag)
    return found


@transaction.atomic
def customer_update(*, customer: Customer, changes: CustomerChanges, actor: User) -> Customer:
    """Edit the profile; the change is in the activity of each of the customer's
    conversations (old and new values), and search finds them by the new name, email and
    phone."""
    if customer.erased_at is not None or customer.merged_into_id is not None:
        raise TicketActionError(_("This customer can no longer be edited."))
    values = _clean(changes)
    locked = Customer.objects.select_for_update().get(pk=customer.pk)
    old_tags = sorted(locked.tags.values_list("name", flat=True), key=str.casefold)
    changed: dict[str, dict[str, object]] = {}
    for key in PROFILE_FIELDS:
        if getattr(locked, key) != values[key]:
            changed[key] = {"old": getattr(locked, key), "new": values[key]}
            setattr(locked, key, values[key])
    new_tags = sorted(cast(list[str], values["tags"]), key=str.casefold)
    if [t.casefold() for t in old_tags] != [t.casefold() for t in new_tags]:
        changed["tags"] = {"old": old_tags, "new": new_tags}
        locked.tags.set(_tags_named(new_tags))
    if not changed:
        return locked
    locked.save(update_fields=list(PROFILE_FIELDS))
    events.record(
        [
            events.customer_updated(ticket=t, actor=actor, changes=changed)
            for t in Ticket.objects.filter(customer_id=locked.pk).only("id")
        ]
    )
    search_refresh_customers(customer_ids=[locked.pk])
    bump_on_commit()
    return locked


@transaction.atomic
def customers_merge(*, source: Customer, target: Customer, actor: User) -> CustomerMerge:
    """Make `source` part of `target`: its identities and conversations move over and the
    source stays behind as an empty pointer to the target, so the merge can be undone
    (customers_merge_undo). Profile fields the target lacks are taken from the source.
    Only ever on an agent's request, and never across brands."""
    if source.pk == target.pk:
        raise TicketActionError(_("A customer cannot be merged with themselves."))
    if source.brand_id != target.brand_id:
        raise TicketActionError(_("Customers of different brands are never merged."))
    locked = {
        c.pk: c for c in Customer.objects.select_for_update().filter(pk__in=[source.pk, target.pk]).order_by("pk")
    }
    if len(locked) != 2:
        raise TicketActionError(_("One of these customers no longer exists."))
    src, dst = locked[source.pk], locked[target.pk]
    if src.merged_into_id or dst.merged_into_id:
        raise TicketActionError(_("One of these customers is already merged into another."))
    identity_ids = list(Identity.objects.filter(customer_id=src.pk).values_list("pk", flat=True))
    tickets = list(Ticket.objects.filter(customer_id=src.pk).only("id"))
    Identity.objects.filter(pk__in=identity_ids).update(customer_id=dst.pk)
    Ticket.objects.filter(pk__in=[t.pk for t in tickets]).update(customer_id=dst.pk)
    filled = {}
    for key in FILLED_BY_MERGE:
        if not getattr(dst, key) and getattr(src, key):
            filled[key] = getattr(src, key)
            setattr(dst, key, getattr(src, key))
    if filled:
        dst.save(update_fields=list(filled))
    dst.tags.add(*src.tags.all())
    src.merged_into = dst
    src.save(update_fields=["merged_into"])
    merge = CustomerMerge.objects.create(
        source=src, target=dst, actor=actor, identity_ids=identity_ids, ticket_ids=[t.pk for t in tickets],
        filled=filled,
    )
    log: list[TicketEvent] = [
        events.customer_merged(ticket=t, actor=actor, source_id=src.pk, target_id=dst.pk, merge_id=merge.pk)
        for t in [*tickets, *Ticket.objects.filter(customer_id=dst.pk).exclude(pk__in=[t.pk for t in tickets])]
    ]
    events.record(log)
    search_refresh_customers(customer_ids=[dst.pk])
    bump_on_commit()
    return merge


@transaction.atomic
def customers_merge_undo(*, merge: CustomerMerge, actor: User) -> CustomerMerge:
    """Put a merge back: the identities and conversations that came from the source go
    back to it (those still with the target), and the fields the merge filled in are
    emptied again where nobody changed them since."""
    merge = CustomerMerge.objects.select_for_update().get(pk=merge.pk)
    if merge.undone_at is not None:
        raise TicketActionError(_("This merge was already undone."))
    locked = {
        c.pk: c
        for c in Customer.objects.select_for_update().filter(pk__in=[merge.source_id, merge.target_id]).order_by("pk")
    }
    src, dst = locked[merge.source_id], locked[merge.target_id]
    if dst.merged_into_id is not None:
        raise TicketActionError(_("Undo the later merge of this customer first."))
    Identity.objects.filter(pk__in=merge.identity_ids, customer_id=dst.pk).update(customer_id=src.pk)
    back = list(Ticket.objects.filter(pk__in=merge.ticket_ids, customer_id=dst.pk).only("id"))
    Ticket.objects.filter(pk__in=[t.pk for t in back]).update(customer_id=src.pk)
    restored = [key for key, value in merge.filled.items() if getattr(dst, key) == value]
    for key in restored:
        setattr(dst, key, "")
    if restored:
        dst.save(update_fields=restored)
    src.merged_into = None
    src.save(update_fields=["merged_into"])
    merge.undone_at = timezone.now()
    merge.undone_by = actor
    merge.save(update_fields=["undone_at", "undone_by"])
    stayed = Ticket.objects.filter(customer_id=dst.pk).only("id")
    events.record(
        [
            events.customer_unmerged(ticket=t, actor=actor, source_id=src.pk, target_id=dst.pk, merge_id=merge.pk)
            for t in [*back, *stayed]
        ]
    )
    search_refresh_customers(customer_ids=[src.pk, dst.pk])
    bump_on_commit()
    return merge
