"""Reads for the skills page: whose skills a person may see and change, with their load."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.contrib.auth.models import User
from django.db.models import Count, Q, QuerySet

from inbox.permissions import is_admin, is_lead
from inbox.selectors import brands_visible_to

from .engine import OPEN_STATUSES
from .models import DEFAULT_CAPACITY, RoutingProfile
from .presence import presence_at


def agents_editable_by(*, user: User) -> QuerySet[User]:
    """Admins: every agent; a lead: the members of their teams; anyone else: nobody."""
    agents = User.objects.filter(is_active=True, agent_profile__isnull=False)
    if is_admin(user):
        return agents
    if is_lead(user):
        return agents.filter(teams__members=user).distinct()
    return agents.none()


@dataclass(frozen=True)
class SkillsRow:
    user: User
    profile: RoutingProfile | None
    presence: str
    load: int
    capacity: int
    editable: bool


def skills_rows(*, user: User, at: datetime) -> list[SkillsRow]:
    """The people on the page: those the viewer manages, and always the viewer."""
    editable = set(agents_editable_by(user=user).values_list("pk", flat=True))
    people = (
        User.objects.filter(Q(pk__in=editable) | Q(pk=user.pk))
        .select_related("agent_profile", "routing_profile")
        .prefetch_related("routing_profile__brands")
        .annotate(load=Count("assigned_tickets", filter=Q(assigned_tickets__status__in=OPEN_STATUSES)))
        .order_by("agent_profile__display_name", "pk")
    )
    rows = []
    for person in people:
        profile = getattr(person, "routing_profile", None)
        capacity = profile.capacity if profile is not None else DEFAULT_CAPACITY
        presence = presence_at(profile=profile, at=at)
        rows.append(SkillsRow(person, profile, presence, person.load, capacity, person.pk in editable))
    return rows


def brands_for_skills(*, user: User):  # type: ignore[no-untyped-def]
    return brands_visible_to(user=user).order_by("name")
