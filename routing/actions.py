"""Every change routing makes: an agent's skills and capacity, their presence, and the sweep
that notices who stopped being available (offline, shift over) and gives their untouched
conversations to someone who is here. Assignments go through inbox.actions.tickets.ticket_assign
(which writes the ASSIGNED event), never around it."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta

from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone
from kombu.exceptions import KombuError
from redis.exceptions import RedisError

from channels.models import Brand
from inbox.actions.tickets import ticket_assign
from inbox.enums import Direction
from inbox.models import Message, Ticket

from .engine import ROUTED_STATUSES, RoutingPass, queue_route, routable_user_ids
from .models import PresenceStatus, RoutingProfile

logger = logging.getLogger("hovor.routing")


class RoutingError(Exception):
    """A request that cannot be carried out; the message is for the person."""


def profile_for(*, user: User) -> RoutingProfile:
    profile, _ = RoutingProfile.objects.get_or_create(user=user)
    return profile


@transaction.atomic
def profile_update(
    *, user: User, languages: Iterable[str], platforms: Iterable[str], brands: Iterable[Brand], capacity: int
) -> RoutingProfile:
    if capacity < 0 or capacity > 200:
        raise RoutingError("Capacity must be between 0 and 200.")
    profile = RoutingProfile.objects.select_for_update().get(pk=profile_for(user=user).pk)
    profile.languages = sorted({code.strip().lower() for code in languages if code.strip()})
    profile.platforms = sorted({p for p in platforms if p})
    profile.capacity = capacity
    profile.save(update_fields=["languages", "platforms", "capacity"])
    profile.brands.set(list(brands))
    transaction.on_commit(_route_soon)  # more room or new skills: the queue may move
    return profile


@transaction.atomic
def presence_set(*, user: User, presence: str, at: datetime | None = None) -> RoutingProfile:
    """The agent's choice in the top bar (online, away, offline). Going online is a heartbeat
    and activity too; the availability change takes effect at once (see availability_sweep)."""
    if presence not in PresenceStatus.values:
        raise RoutingError("Unknown presence.")
    at = at or timezone.now()
    profile = RoutingProfile.objects.select_for_update().get(pk=profile_for(user=user).pk)
    profile.presence = presence
    profile.heartbeat_at = at
    profile.active_at = at
    profile.save(update_fields=["presence", "heartbeat_at", "active_at"])
    transaction.on_commit(lambda: _sweep_soon(user_ids=[user.pk]))
    return profile


def presence_heartbeat(*, user: User, idle_seconds: float, at: datetime | None = None) -> None:
    """The top bar says the tab is open and how long its person has been idle. One UPDATE."""
    at = at or timezone.now()
    idle = min(max(idle_seconds, 0.0), 24 * 3600.0)
    active = at - timedelta(seconds=idle)
    if not RoutingProfile.objects.filter(user=user).update(heartbeat_at=at, active_at=active):
        RoutingProfile.objects.get_or_create(user=user, defaults={"heartbeat_at": at, "active_at": active})


def availability_sweep(*, at: datetime | None = None, user_ids: Iterable[int] | None = None) -> RoutingPass:
    """Who became available or stopped being (presence, inactivity, shifts) since the last
    sweep. Those who stopped give back their untouched conversations (no reply from them
    yet; answered ones stay); then the queue is routed. Idempotent: the stored `routable`
    flag is the last state seen, so a second run finds nothing changed."""
    at = at or timezone.now()
    now_routable = set(routable_user_ids(at=at))
    profiles = RoutingProfile.objects.all()
    if user_ids is not None:
        profiles = profiles.filter(user_id__in=list(user_ids))
    was = dict(profiles.values_list("user_id", "routable"))
    lost = [u for u, flag in was.items() if flag and u not in now_routable]
    gained = [u for u, flag in was.items() if not flag and u in now_routable]
    if lost:
        RoutingProfile.objects.filter(user_id__in=lost).update(routable=False)
        for user_id in lost:
            tickets_give_back(user_id=user_id)
    if gained:
        RoutingProfile.objects.filter(user_id__in=gained).update(routable=True)
    return queue_route(at=at)


def untouched_tickets(*, user_id: int):  # type: ignore[no-untyped-def]
    """The agent's conversations they have not answered yet."""
    replied = Message.objects.filter(ticket=OuterRef("pk"), direction=Direction.OUT, author_user_id=user_id)
    return Ticket.objects.filter(assignee_id=user_id, status__in=ROUTED_STATUSES).exclude(Exists(replied))


def tickets_give_back(*, user_id: int) -> list[int]:
    """Back to the queue: each one its own transaction and ASSIGNED event (to nobody)."""
    given_back = []
    for ticket_id in untouched_tickets(user_id=user_id).values_list("pk", flat=True):
        with transaction.atomic():
            ticket = Ticket.objects.select_for_update().filter(pk=ticket_id, assignee_id=user_id).first()
            if ticket is None:
                continue
            ticket_assign(ticket=ticket, assignee=None, actor=None)
            given_back.append(ticket_id)
    return given_back


# The tasks module imports these actions; the actions queue its tasks only after commit, so
# the import waits until then. With the broker away the beat's sweep (30 s) catches up.
def _route_soon() -> None:
    from .tasks import route_queue

    _queue(route_queue.delay)


def _sweep_soon(*, user_ids: list[int]) -> None:
    from .tasks import sweep_availability

    _queue(lambda: sweep_availability.delay(user_ids))


def _queue(send: Callable[[], object]) -> None:
    try:
        send()
    except (KombuError, RedisError, OSError) as exc:
        logger.warning("routing not queued now, the beat's sweep will: the broker is away (%s)", exc)
