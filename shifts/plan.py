"""The shift plan as stretches of time: who works from when to when, once the weekly shifts,
the public holidays and the date exceptions are applied. Pure functions over loaded rows, so
availability answers many people with a few queries and the page draws the same answer."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays

from .models import ExceptionKind, ShiftException, ShiftPlan, WeeklyShift

DAY = timedelta(days=1)


@dataclass(frozen=True)
class Stretch:
    """One person at work from `start` to `end` (aware, UTC); `day` is the local date the
    shift starts on; `kind` is "weekly", "swap" or "extra" (how it got here)."""

    user_id: int
    start: datetime
    end: datetime
    day: date
    kind: str
    starts: time
    ends: time


def zone_of(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


@lru_cache(maxsize=64)
def _holidays(country: str, year: int) -> dict[date, str]:
    return dict(holidays.country_holidays(country, years=year).items())


def holiday_name(country: str, day: date) -> str | None:
    """The public holiday on `day` in `country` (None on a working day or without a country)."""
    if not country:
        return None
    return _holidays(country, day.year).get(day)


def _span(day: date, starts: time, ends: time, zone: ZoneInfo) -> tuple[datetime, datetime]:
    # Wall-clock times on the local calendar, converted to UTC: a night shift across the
    # spring change is an hour shorter, across the autumn change an hour longer.
    start = datetime.combine(day, starts, tzinfo=zone)
    end = datetime.combine(day if ends > starts else day + DAY, ends, tzinfo=zone)
    return start.astimezone(UTC), end.astimezone(UTC)


def plan_stretches(
    *,
    plan: ShiftPlan,
    shifts: Iterable[WeeklyShift],
    exceptions: Iterable[ShiftException],
    first_day: date,
    last_day: date,
) -> list[Stretch]:
    """Stretches of shifts starting on the local dates first_day..last_day (inclusive)."""
    zone = zone_of(plan.timezone)
    by_weekday: dict[int, list[WeeklyShift]] = defaultdict(list)
    for shift in shifts:
        by_weekday[shift.weekday].append(shift)
    by_day: dict[date, list[ShiftException]] = defaultdict(list)
    for exc in exceptions:
        by_day[exc.date].append(exc)
    out: list[Stretch] = []
    day = first_day
    while day <= last_day:
        changes = by_day.get(day, [])
        off = {e.user_id for e in changes if e.kind == ExceptionKind.OFF}
        swaps = {e.user_id: e.replacement_id for e in changes if e.kind == ExceptionKind.SWAP and e.replacement_id}
        if holiday_name(plan.country, day) is None:
            for shift in by_weekday.get(day.weekday(), []):
                if shift.user_id in off:
                    continue
                user_id, kind = (swaps[shift.user_id], "swap") if shift.user_id in swaps else (shift.user_id, "weekly")
                start, end = _span(day, shift.starts, shift.ends, zone)
                out.append(Stretch(user_id, start, end, day, kind, shift.starts, shift.ends))
        for exc in changes:
            if exc.kind == ExceptionKind.EXTRA and exc.starts is not None and exc.ends is not None:
                start, end = _span(day, exc.starts, exc.ends, zone)
                out.append(Stretch(exc.user_id, start, end, day, "extra", exc.starts, exc.ends))
        day += DAY
    return sorted(out, key=lambda s: (s.start, s.user_id))


def local_window(plan: ShiftPlan, at: datetime, *, days_before: int = 1, days_after: int = 1) -> tuple[date, date]:
    local = at.astimezone(zone_of(plan.timezone)).date()
    return local - timedelta(days=days_before), local + timedelta(days=days_after)
