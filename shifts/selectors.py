"""Reads about staffed hours: is a brand's team at work at a moment, when does it next
start, which brands are off hours now (for the poller)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .models import BusinessHours

DAY = timedelta(days=1)


@dataclass(frozen=True)
class Period:
    weekday: int
    opens: time
    closes: time


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def _periods(hours: BusinessHours) -> list[Period]:
    return [Period(p.weekday, p.opens, p.closes) for p in hours.periods.all()]


def _stretches(hours: BusinessHours, around: datetime) -> list[tuple[datetime, datetime]]:
    """Staffed stretches, as aware datetimes, starting from the day before `around` to a
    week after it (enough to answer "now?" and "when next?")."""
    zone = _zone(hours.timezone)
    local = around.astimezone(zone)
    first_day = local.date() - DAY
    out = []
    for offset in range(9):
        day = first_day + timedelta(days=offset)
        for period in _periods(hours):
            if period.weekday != day.weekday():
                continue
            start = datetime.combine(day, period.opens, tzinfo=zone)
            end_day = day if period.closes > period.opens else day + DAY
            end = datetime.combine(end_day, period.closes, tzinfo=zone)
            # Wall-clock arithmetic: compare in UTC so DST gaps and folds stay ordered.
            out.append((start.astimezone(UTC), end.astimezone(UTC)))
    return sorted(out)


def is_staffed(hours: BusinessHours | None, at: datetime) -> bool:
    if hours is None:
        return True
    moment = at.astimezone(UTC)
    return any(start <= moment < end for start, end in _stretches(hours, at))


def next_staffed_at(hours: BusinessHours | None, at: datetime) -> datetime | None:
    """When the team is next at work: `at` itself while staffed, None if never."""
    if hours is None:
        return at
    moment = at.astimezone(UTC)
    for start, end in _stretches(hours, at):
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
