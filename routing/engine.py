"""The routing decision: which waiting conversation goes to whom, in batches.

A pass reads the queue (unassigned new or open conversations, not snoozed) in its order:
negative sentiment, urgent priority and overdue first responses jump it, then the longest
waiting first. It takes a chunk of those rows with FOR UPDATE SKIP LOCKED (two workers
routing at once split the queue, never one ticket twice), then locks the rows of the agents
who could take them, in id order (so two workers never deadlock), and only then counts their
open conversations: a count read after the lock includes everything another worker assigned
and committed before it let go, so nobody goes over capacity. Within the chunk the counts
are kept in memory.

For each conversation, in queue order:
  - a ticket that already had two people waits for a lead (CARE 5: never a third person);
    it may still go back to one of those two;
  - a returning customer goes back to the agent who last helped them, if that agent can take
    it now (on shift, online, sees the brand, under capacity);
  - otherwise the least loaded agent whose skills match its language, channel and brand;
    among equals the one given work longest ago (round robin).
Nobody available: it waits, and is taken the moment the queue is routed again (someone comes
online, finishes one, or the beat's pass)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from django.db import transaction
from django.db.models import Case, Count, F, IntegerField, Q, Value, When
from django.db.models.functions import Coalesce
from django.utils import timezone

from channels.models import BrandAccount
from inbox.actions.tickets import tickets_assign_batch
from inbox.enums import Sentiment, TicketPriority, TicketStatus
from inbox.models import Ticket
from inbox.selectors import agents_for_brand, tickets_people_handled
from shifts.availability import on_shift_user_ids

from .models import RoutingProfile
from .presence import online_q

CHUNK = 500
ROUTED_STATUSES = (TicketStatus.NEW, TicketStatus.OPEN)
# What counts against capacity: conversations assigned and not solved.
OPEN_STATUSES = (TicketStatus.NEW, TicketStatus.OPEN, TicketStatus.PENDING)
MAX_PEOPLE = 2


@dataclass
class _Agent:
    user_id: int
    capacity: int
    languages: frozenset[str]
    platforms: frozenset[str]
    brand_ids: frozenset[int]  # skills; empty: any they can see
    last_assigned_at: datetime | None
    load: int = 0

    def free(self) -> bool:
        return self.load < self.capacity

    def skilled(self, *, language: str, platform: str, brand_id: int) -> bool:
        return (
            (not self.languages or not language or language in self.languages)
            and (not self.platforms or platform in self.platforms)
            and (not self.brand_ids or brand_id in self.brand_ids)
        )

    def order(self) -> tuple[int, float, int]:
        last = self.last_assigned_at.timestamp() if self.last_assigned_at else 0.0
        return (self.load, last, self.user_id)


@dataclass
class RoutingPass:
    decisions: int = 0
    assigned: dict[int, int] = field(default_factory=dict)  # ticket id -> user id
    waiting: int = 0


def routable_user_ids(*, at: datetime) -> list[int]:
    """Agents who receive new work now: online (presence) and on shift (shifts)."""
    online = list(RoutingProfile.objects.filter(online_q(at=at)).values_list("user_id", flat=True))
    on_shift = on_shift_user_ids(user_ids=online, at=at)
    return sorted(u for u in online if u in on_shift)


def queue_order(qs, *, at: datetime):  # type: ignore[no-untyped-def]
    jump = Case(
        When(
            Q(sentiment=Sentiment.NEGATIVE) | Q(priority=TicketPriority.URGENT) | Q(first_response_due_at__lt=at),
            then=Value(0),
        ),
        default=Value(1),
        output_field=IntegerField(),
    )
    return qs.annotate(jump=jump, waited=Coalesce("waiting_since", "created_at")).order_by("jump", "waited", "pk")


def waiting_queue(*, at: datetime):  # type: ignore[no-untyped-def]
    """The conversations routing may give out, in queue order."""
    qs = Ticket.objects.filter(assignee__isnull=True, status__in=ROUTED_STATUSES, erased_at__isnull=True).filter(
        Q(snoozed_until__isnull=True) | Q(snoozed_until__lte=at)
    )
    return queue_order(qs, at=at)


def queue_route(*, at: datetime | None = None, ticket_ids: Iterable[int] | None = None) -> RoutingPass:
    """Route the waiting queue (or only these tickets of it). Idempotent: an assigned or
    solved ticket is not in the queue."""
    at = at or timezone.now()
    result = RoutingPass()
    agent_ids = routable_user_ids(at=at)
    if not agent_ids:
        return result
    qs = waiting_queue(at=at)
    if ticket_ids is not None:
        qs = qs.filter(pk__in=list(ticket_ids))
    queue = list(qs.values_list("pk", flat=True))
    visibility = _Visibility()
    for start in range(0, len(queue), CHUNK):
        chunk = queue[start : start + CHUNK]
        if _route_chunk(chunk, agent_ids=agent_ids, at=at, result=result, seen=visibility):
            rest = len(queue) - start - len(chunk)  # every agent at capacity: the rest wait
            result.decisions += rest
            result.waiting += rest
            break
    return result


class _Visibility:
    """Who can see a brand (inbox.selectors.agents_for_brand), asked once per brand a pass."""

    def __init__(self) -> None:
        self._by_brand: dict[int, frozenset[int]] = {}

    def sees(self, *, brand_id: int) -> frozenset[int]:
        if brand_id not in self._by_brand:
            self._by_brand[brand_id] = frozenset(agents_for_brand(brand_id=brand_id).values_list("pk", flat=True))
        return self._by_brand[brand_id]


@transaction.atomic
def _route_chunk(
    ticket_ids: list[int], *, agent_ids: list[int], at: datetime, result: RoutingPass, seen: _Visibility
) -> bool:
    """One chunk of the queue, in one transaction. True when no agent has room left."""
    # Re-read under lock: a row another worker holds is skipped (it routes it), one that
    # changed since the queue was read drops out of the filter.
    rows = list(
        waiting_queue(at=at)
        .filter(pk__in=ticket_ids)
        .select_for_update(skip_locked=True, of=("self",))
        .values_list("pk", "brand_id", "account_id", "language", "customer_id")
    )
    if not rows:
        return False
    agents = _lock_agents(agent_ids)
    if not any(a.free() for a in agents.values()):
        result.decisions += len(rows)
        result.waiting += len(rows)
        return True
    platforms = dict(
        BrandAccount.objects.filter(pk__in={r[2] for r in rows}).values_list("pk", "platform")
    )
    people = _people_so_far([r[0] for r in rows])
    helped_last = _helped_last(customer_ids={r[4] for r in rows}, exclude=[r[0] for r in rows])
    pools: dict[tuple[int, str, str], list[_Agent]] = {}
    given: list[_Agent] = []
    result_chunk: dict[int, int] = {}
    for pk, brand_id, account_id, language, customer_id in rows:
        result.decisions += 1
        platform = platforms.get(account_id, "")
        visible = seen.sees(brand_id=brand_id)
        had = people.get(pk, set())
        chosen: _Agent | None = None
        previous = agents.get(helped_last.get(customer_id, 0))
        if (
            previous is not None
            and previous.free()
            and previous.user_id in visible
            and (len(had) < MAX_PEOPLE or previous.user_id in had)
        ):
            chosen = previous
        if chosen is None:
            key = (brand_id, platform, language)
            if key not in pools:
                pools[key] = [
                    a for a in agents.values()
                    if a.user_id in visible and a.skilled(language=language, platform=platform, brand_id=brand_id)
                ]
            pool = [a for a in pools[key] if a.free()]
            pools[key] = pool
            if len(had) >= MAX_PEOPLE:
                pool = [a for a in pool if a.user_id in had]
            if pool:
                chosen = min(pool, key=_Agent.order)
        if chosen is None:
            result.waiting += 1
            continue
        chosen.load += 1
        chosen.last_assigned_at = at
        given.append(chosen)
        result_chunk[pk] = chosen.user_id
    if given:
        tickets_assign_batch(assignments=result_chunk, actor=None)
        result.assigned.update(result_chunk)
        RoutingProfile.objects.filter(user_id__in={a.user_id for a in given}).update(last_assigned_at=at, routable=True)
    return not any(a.free() for a in agents.values())


def _lock_agents(agent_ids: list[int]) -> dict[int, _Agent]:
    """Lock the agents' rows (id order), then read their load: see the module's docstring."""
    profiles = list(
        RoutingProfile.objects.filter(user_id__in=agent_ids)
        .select_for_update(of=("self",))
        .order_by("user_id")
        .values_list("pk", "user_id", "capacity", "languages", "platforms", "last_assigned_at")
    )
    brands: dict[int, set[int]] = defaultdict(set)
    for profile_id, brand_id in RoutingProfile.brands.through.objects.filter(
        routingprofile_id__in=[p[0] for p in profiles]
    ).values_list("routingprofile_id", "brand_id"):
        brands[profile_id].add(brand_id)
    loads = dict(
        Ticket.objects.filter(assignee_id__in=agent_ids, status__in=OPEN_STATUSES)
        .values("assignee_id")
        .annotate(n=Count("pk"))
        .values_list("assignee_id", "n")
    )
    return {
        user_id: _Agent(
            user_id=user_id,
            capacity=capacity,
            languages=frozenset(languages or ()),
            platforms=frozenset(platforms or ()),
            brand_ids=frozenset(brands.get(profile_id, ())),
            last_assigned_at=last,
            load=loads.get(user_id, 0),
        )
        for profile_id, user_id, capacity, languages, platforms, last in profiles
    }


def _people_so_far(ticket_ids: list[int]) -> dict[int, set[int]]:
    """Everyone each ticket has been assigned to: the handoff count (the inbox's selector,
    which the conversation header's "handled by N people" reads too)."""
    return tickets_people_handled(ticket_ids=ticket_ids)


def handoff_count(*, ticket_id: int) -> int:
    """How many people a conversation has had (2 means routing leaves it to a lead)."""
    return len(_people_so_far([ticket_id]).get(ticket_id, set()))


def _helped_last(*, customer_ids: set[int], exclude: list[int]) -> dict[int, int]:
    """Each returning customer's last assignee (of their latest earlier assigned ticket)."""
    last: dict[int, int] = {}
    for customer_id, assignee_id in (
        Ticket.objects.filter(customer_id__in=customer_ids, assignee__isnull=False)
        .exclude(pk__in=exclude)
        .order_by("customer_id", F("last_message_at").desc(), "-pk")
        .values_list("customer_id", "assignee_id")
    ):
        last.setdefault(customer_id, assignee_id)
    return last
