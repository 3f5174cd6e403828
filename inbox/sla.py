"""SLA clocks: which targets a conversation has (the most specific SlaPolicy, else the
channel's SLA class from settings) and when a reply is due, counted in calendar time or in
the brand's staffed hours (channels.hours, provided by shifts)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Q

from channels.hours import team_hours
from channels.registry import get_connector

from .enums import TicketStatus
from .models import SlaPolicy, Ticket

FIRST = "first"
NEXT = "next"


@dataclass(frozen=True)
class Targets:
    first: timedelta
    next: timedelta
    business_hours: bool = False


def first_response_due(*, platform: str, received_at: datetime) -> datetime:
    """The default first-response due time (ingest's first guess; policies refine it)."""
    sla_class = get_connector(platform).sla_class
    return received_at + settings.FIRST_RESPONSE_TARGETS[sla_class]


def default_targets(*, platform: str) -> Targets:
    target = settings.FIRST_RESPONSE_TARGETS[get_connector(platform).sla_class]
    return Targets(first=target, next=target)


def _specificity(policy: SlaPolicy) -> tuple[int, int, int]:
    return (policy.brand_id is not None, bool(policy.platform), bool(policy.priority))


def policy_pick(
    policies: Iterable[SlaPolicy], *, brand_id: int, platform: str, priority: str
) -> SlaPolicy | None:
    """The most specific policy matching (brand, then channel, then priority decide)."""
    matching = [
        p
        for p in policies
        if p.brand_id in (None, brand_id) and p.platform in ("", platform) and p.priority in ("", priority)
    ]
    return max(matching, key=lambda p: (_specificity(p), p.pk), default=None)


def targets_for(
    *, brand_id: int, platform: str, priority: str, policies: Iterable[SlaPolicy] | None = None
) -> Targets:
    if policies is None:
        policies = SlaPolicy.objects.filter(Q(brand_id=brand_id) | Q(brand__isnull=True))
    policy = policy_pick(policies, brand_id=brand_id, platform=platform, priority=priority)
    if policy is None:
        return default_targets(platform=platform)
    return Targets(
        first=timedelta(minutes=policy.first_response_minutes),
        next=timedelta(minutes=policy.next_response_minutes),
        business_hours=policy.business_hours,
    )


def due_after(*, brand_id: int, start: datetime, target: timedelta, business_hours: bool) -> datetime | None:
    """`target` after `start`: of staffed time with business hours (None if never staffed)."""
    if not business_hours:
        return start + target
    return team_hours().add_staffed_seconds(brand_id, start, target.total_seconds())


@dataclass(frozen=True)
class Clocks:
    first_response_due_at: datetime | None
    next_response_due_at: datetime | None
    sla_due_at: datetime | None
    sla_target: str


def clocks_for(ticket: Ticket, *, platform: str, policies: Iterable[SlaPolicy] | None = None) -> Clocks:
    """The clocks as the ticket's state says they run. The customer waiting (waiting_since)
    starts a clock: the first response's while none was sent, else the next response's.
    While the ball is in the customer's court (pending, solved, nothing unanswered) no clock
    runs: that is the pause, and the customer's next message starts it afresh."""
    targets = targets_for(brand_id=ticket.brand_id, platform=platform, priority=ticket.priority, policies=policies)
    first_due = ticket.first_response_due_at
    running = ticket.waiting_since is not None and ticket.status not in (TicketStatus.PENDING, TicketStatus.SOLVED)
    if not running or ticket.waiting_since is None:
        return Clocks(first_due, None, None, "")
    if ticket.first_response_at is None:
        first_due = due_after(
            brand_id=ticket.brand_id, start=ticket.waiting_since, target=targets.first,
            business_hours=targets.business_hours,
        )
        return Clocks(first_due, None, first_due, FIRST if first_due else "")
    next_due = due_after(
        brand_id=ticket.brand_id, start=ticket.waiting_since, target=targets.next,
        business_hours=targets.business_hours,
    )
    return Clocks(first_due, next_due, next_due, NEXT if next_due else "")
