"""Who is on shift at a moment: the one question routing asks of the shift plan.

A team without a shift plan counts all its members as on shift (as a brand without staffed
hours is always staffed): Hovor routes from the first minute, and a lead who plans shifts
narrows it. People in no team count as on shift too. The plan (weekly shifts, exceptions,
public holidays) answers for the rest, with four queries however many people are asked."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta

from django.db.models import Exists, OuterRef, Q

from inbox.models import Team

from .models import ShiftException, ShiftPlan, WeeklyShift
from .plan import Stretch, local_window, plan_stretches

LOOKAHEAD_DAYS = 21


def _planned(plans: Iterable[ShiftPlan]) -> dict[int, ShiftPlan]:
    """Plans that plan something (a shift or an exception), by id."""
    return {p.pk: p for p in plans}


def _stretches_for(
    plans: dict[int, ShiftPlan], at: datetime, *, days_before: int, days_after: int
) -> dict[int, list[Stretch]]:
    """Every planned team's stretches around `at`, by plan id (two queries)."""
    if not plans:
        return {}
    shifts: dict[int, list[WeeklyShift]] = defaultdict(list)
    for shift in WeeklyShift.objects.filter(plan_id__in=plans):
        shifts[shift.plan_id].append(shift)
    moment = at.astimezone(UTC)
    exceptions: dict[int, list[ShiftException]] = defaultdict(list)
    for exc in ShiftException.objects.filter(
        plan_id__in=plans,
        date__gte=(moment - timedelta(days=days_before + 1)).date(),
        date__lte=(moment + timedelta(days=days_after + 1)).date(),
    ):
        exceptions[exc.plan_id].append(exc)
    out = {}
    for pk, plan in plans.items():
        first, last = local_window(plan, at, days_before=days_before, days_after=days_after)
        out[pk] = plan_stretches(
            plan=plan, shifts=shifts[pk], exceptions=exceptions[pk], first_day=first, last_day=last
        )
    return out


def _plans_with_something(team_ids: Iterable[int]) -> dict[int, ShiftPlan]:
    has_shift = Exists(WeeklyShift.objects.filter(plan=OuterRef("pk")))
    has_exception = Exists(ShiftException.objects.filter(plan=OuterRef("pk")))
    qs = ShiftPlan.objects.filter(team_id__in=list(team_ids)).filter(Q(has_shift) | Q(has_exception))
    return _planned(qs)


def on_shift_user_ids(*, user_ids: Iterable[int], at: datetime) -> set[int]:
    """Of these people, those on shift at `at`."""
    wanted = set(user_ids)
    if not wanted:
        return set()
    teams_of: dict[int, set[int]] = defaultdict(set)
    for user_id, team_id in Team.members.through.objects.filter(user_id__in=wanted).values_list("user_id", "team_id"):
        teams_of[user_id].add(team_id)
    team_ids = {t for ts in teams_of.values() for t in ts}
    plans = _plans_with_something(team_ids)
    planned_team_ids = {p.team_id for p in plans.values()}
    # Nobody in a team, or in a team that plans nothing: on shift (no plan narrows them).
    on = {u for u in wanted if not teams_of[u] or teams_of[u] - planned_team_ids}
    moment = at.astimezone(UTC)
    for pk, stretches in _stretches_for(plans, at, days_before=1, days_after=0).items():
        members = {u for u in wanted if plans[pk].team_id in teams_of[u]}
        on |= {s.user_id for s in stretches if s.user_id in members and s.start <= moment < s.end}
    return on


def next_on_shift_at(
    *, at: datetime, team_ids: Iterable[int] | None = None, brand_id: int | None = None
) -> datetime | None:
    """When someone of these teams (or of the brand's teams) is next on shift: `at` itself
    while someone is, None when nobody is planned in the next three weeks. A team that plans
    nothing (and has members) is always on shift."""
    if team_ids is None:
        if brand_id is None:
            raise ValueError("team_ids or brand_id")
        team_ids = Team.objects.filter(brands=brand_id).values_list("pk", flat=True)
    ids = set(team_ids)
    plans = _plans_with_something(ids)
    planned = {p.team_id for p in plans.values()}
    staffed_unplanned = Team.members.through.objects.filter(team_id__in=ids - planned).exists()
    if staffed_unplanned:
        return at
    moment = at.astimezone(UTC)
    best: datetime | None = None
    for stretches in _stretches_for(plans, at, days_before=1, days_after=LOOKAHEAD_DAYS).values():
        for s in stretches:
            if s.start <= moment < s.end:
                return at
            if s.start > moment and (best is None or s.start < best):
                best = s.start
    return best
