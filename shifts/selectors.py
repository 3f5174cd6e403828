"""Reads about staffed hours: is a brand's team at work at a moment, when does it next
start, which brands are off hours now (for the poller)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.contrib.auth.models import User
from django.db.models import QuerySet

from inbox.models import Team

from .models import BusinessHours, ExceptionKind, ShiftException, ShiftPlan, WeeklyShift
from .plan import Stretch, holiday_name, plan_stretches, zone_of

LOOKAHEAD_DAYS = 21

DAY = timedelta(days=1)


@dataclass(frozen=True)
class Period:
    weekday: int
    opens: time
    closes: time
    platform: str = ""


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def channel_periods(hours: BusinessHours, platform: str = "") -> list[Period]:
    """The channel's own periods if it has any, else the brand's (those without a channel)."""
    every = [Period(p.weekday, p.opens, p.closes, p.platform) for p in hours.periods.all()]
    own = [p for p in every if platform and p.platform == platform]
    return own or [p for p in every if not p.platform]


def channels_with_hours(hours: BusinessHours | None) -> set[str]:
    return {p.platform for p in hours.periods.all() if p.platform} if hours else set()


def _stretches(hours: BusinessHours, around: datetime, platform: str = "") -> list[tuple[datetime, datetime]]:
    """Staffed stretches, as aware datetimes, starting from the day before `around` to a
    week after it (enough to answer "now?" and "when next?")."""
    zone = _zone(hours.timezone)
    local = around.astimezone(zone)
    first_day = local.date() - DAY
    periods = channel_periods(hours, platform)
    out = []
    for offset in range(9):
        day = first_day + timedelta(days=offset)
        for period in periods:
            if period.weekday != day.weekday():
                continue
            start = datetime.combine(day, period.opens, tzinfo=zone)
            end_day = day if period.closes > period.opens else day + DAY
            end = datetime.combine(end_day, period.closes, tzinfo=zone)
            # Wall-clock arithmetic: compare in UTC so DST gaps and folds stay ordered.
            out.append((start.astimezone(UTC), end.astimezone(UTC)))
    return sorted(out)


def is_staffed(hours: BusinessHours | None, at: datetime, platform: str = "") -> bool:
    if hours is None:
        return True
    moment = at.astimezone(UTC)
    return any(start <= moment < end for start, end in _stretches(hours, at, platform))


def next_staffed_at(hours: BusinessHours | None, at: datetime, platform: str = "") -> datetime | None:
    """When the team is next at work: `at` itself while staffed, None if never."""
    if hours is None:
        return at
    moment = at.astimezone(UTC)
    for start, end in _stretches(hours, at, platform):
        if start <= moment < end:
            return at
        if start > moment:
            return start.astimezone(_zone(hours.timezone))
    return None


def add_staffed_seconds(hours: BusinessHours | None, at: datetime, seconds: float) -> datetime | None:
    """The moment `seconds` of staffed time after `at` (SLA clocks in business hours):
    counted in UTC across stretches, so overnight periods and DST changes add up right.
    None if the team is never at work."""
    if hours is None:
        return at + timedelta(seconds=seconds)
    moment, left = at.astimezone(UTC), timedelta(seconds=seconds)
    for _ in range(60):  # weeks looked ahead at most
        stretches = _stretches(hours, moment)
        if not stretches:
            return None
        for start, end in stretches:
            if end <= moment:
                continue
            start = max(start, moment)
            if start + left <= end:
                return (start + left).astimezone(_zone(hours.timezone))
            left -= end - start
            moment = end
        moment = max(moment, stretches[-1][1])
    return None


def hours_for_brand(brand_id: int) -> BusinessHours | None:
    return BusinessHours.objects.filter(brand_id=brand_id).prefetch_related("periods").first()


def off_hours_brand_ids(at: datetime) -> set[int]:
    """Brands whose team is not at work at `at` (brands without hours are always staffed)."""
    return {hours.brand_id for hours in BusinessHours.objects.prefetch_related("periods") if not is_staffed(hours, at)}


# --- the team's shift plan, as its page draws it ----------------------------------------


@dataclass(frozen=True)
class PlanCell:
    stretches: list[Stretch]
    off: bool
    away_to: str  # the name of who took this person's shift (a swap), if anyone


@dataclass(frozen=True)
class PlanRow:
    user_id: int
    name: str
    cells: list[PlanCell]


@dataclass(frozen=True)
class PlanDay:
    day: date
    holiday: str | None
    today: bool


@dataclass(frozen=True)
class PlanWeek:
    plan: ShiftPlan
    days: list[PlanDay]
    rows: list[PlanRow]
    shifts: list[WeeklyShift]
    exceptions: list[ShiftException]
    on_now: list[tuple[str, Stretch]]
    next_up: list[tuple[str, Stretch]]
    planned: bool


def _name(user: User) -> str:
    profile = getattr(user, "agent_profile", None)
    return (profile.display_name if profile is not None else "") or user.get_username()


def plan_week(*, team: Team, plan: ShiftPlan, week_start: date, now: datetime) -> PlanWeek:
    """The week from `week_start` (a Monday): each member's shifts per day once holidays and
    exceptions apply, the weekly shifts and this week's exceptions to edit, who is on now and
    who is next."""
    members = sorted(team.members.select_related("agent_profile"), key=lambda u: _name(u).lower())
    names = {u.pk: _name(u) for u in members}
    shifts = list(plan.shifts.select_related("user__agent_profile"))
    week_end = week_start + timedelta(days=6)
    zone = zone_of(plan.timezone)
    today = now.astimezone(zone).date()
    first = min(week_start, today) - DAY
    last = max(week_end, today + timedelta(days=LOOKAHEAD_DAYS))
    all_exceptions = list(
        plan.exceptions.filter(date__gte=first, date__lte=last).select_related("user__agent_profile", "replacement")
    )
    stretches = plan_stretches(plan=plan, shifts=shifts, exceptions=all_exceptions, first_day=first, last_day=last)
    days = [week_start + timedelta(days=i) for i in range(7)]
    rows = []
    for user in members:
        cells = []
        for day in days:
            mine = [s for s in stretches if s.user_id == user.pk and s.day == day]
            changes = [e for e in all_exceptions if e.date == day and e.user_id == user.pk]
            swap = next((e for e in changes if e.kind == ExceptionKind.SWAP and e.replacement_id), None)
            cells.append(
                PlanCell(
                    stretches=mine,
                    off=any(e.kind == ExceptionKind.OFF for e in changes),
                    away_to=names.get(swap.replacement_id, "") if swap and swap.replacement_id else "",
                )
            )
        rows.append(PlanRow(user.pk, names[user.pk], cells))
    moment = now.astimezone(UTC)
    on_now = [(names.get(s.user_id, "?"), s) for s in stretches if s.start <= moment < s.end]
    upcoming = [s for s in stretches if s.start > moment]
    next_up = [(names.get(s.user_id, "?"), s) for s in upcoming if s.start == upcoming[0].start] if upcoming else []
    return PlanWeek(
        plan=plan,
        days=[PlanDay(d, holiday_name(plan.country, d), d == today) for d in days],
        rows=rows,
        shifts=shifts,
        exceptions=[e for e in all_exceptions if week_start <= e.date <= week_end],
        on_now=on_now,
        next_up=next_up,
        planned=bool(shifts or all_exceptions),
    )


def plan_teams_for(*, user: User) -> QuerySet[Team]:
    """The teams whose plan this person sees: admins every team, anyone else their own."""
    qs = Team.objects.order_by("name", "id")
    return qs if user.is_staff else qs.filter(members=user)
