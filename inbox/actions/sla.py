"""Keeping the SLA clocks on tickets (Ticket.sla_due_at and friends) in step with what
happened: called by ingest, replies, status and priority changes. The clocks are a pure
function of the ticket's state (inbox.sla.clocks_for), so recomputing is always safe."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Q
from django.utils.translation import gettext as _

from ..models import SlaPolicy, Ticket
from ..sla import clocks_for

FIELDS = ("first_response_due_at", "next_response_due_at", "sla_due_at", "sla_target")


def tickets_sla_refresh(*, ticket_ids: Iterable[int]) -> list[int]:
    """Recompute these tickets' clocks; returns the ids whose clocks changed. A wait that
    ended (no clock running) also ends its escalation, so the next wait escalates afresh."""
    ids = list(ticket_ids)
    if not ids:
        return []
    policies = list(SlaPolicy.objects.all())  # a handful of rows: matched in Python
    changed: list[Ticket] = []
    for ticket in Ticket.objects.filter(pk__in=ids).select_related("account"):
        clocks = clocks_for(ticket, platform=ticket.account.platform, policies=policies)
        breached_at = ticket.sla_breached_at if clocks.sla_due_at is not None else None
        new = (clocks.first_response_due_at, clocks.next_response_due_at, clocks.sla_due_at, clocks.sla_target)
        old = tuple(getattr(ticket, f) for f in FIELDS)
        if new == old and breached_at == ticket.sla_breached_at:
            continue
        for field, value in zip(FIELDS, new, strict=True):
            setattr(ticket, field, value)
        ticket.sla_breached_at = breached_at
        changed.append(ticket)
    if changed:
        Ticket.objects.bulk_update(changed, [*FIELDS, "sla_breached_at"])
    return [t.pk for t in changed]


def ticket_sla_refresh(*, ticket: Ticket) -> None:
    """One ticket's clocks; the instance passed in is updated to match."""
    if tickets_sla_refresh(ticket_ids=[ticket.pk]):
        fresh = Ticket.objects.only(*FIELDS, "sla_breached_at").get(pk=ticket.pk)
        for field in (*FIELDS, "sla_breached_at"):
            setattr(ticket, field, getattr(fresh, field))


class SlaPolicyError(ValueError):
    """A policy the form cannot take (said in the message)."""


def sla_policy_create(
    *,
    brand_id: int | None,
    platform: str,
    priority: str,
    first_response_minutes: int,
    next_response_minutes: int,
    business_hours: bool,
) -> SlaPolicy:
    """A policy for a brand, channel and priority (blank: any). Running clocks pick it up at
    their conversation's next event (a message, a reply, a status or priority change)."""
    if first_response_minutes < 1 or next_response_minutes < 1:
        raise SlaPolicyError(_("Targets are at least one minute."))
    same_brand = Q(brand__isnull=True) if brand_id is None else Q(brand_id=brand_id)
    if SlaPolicy.objects.filter(same_brand, platform=platform, priority=priority).exists():
        raise SlaPolicyError(_("A policy for this brand, channel and priority exists already."))
    return SlaPolicy.objects.create(
        brand_id=brand_id, platform=platform, priority=priority, first_response_minutes=first_response_minutes,
        next_response_minutes=next_response_minutes, business_hours=business_hours,
    )


def sla_policy_delete(*, policy: SlaPolicy) -> None:
    policy.delete()
