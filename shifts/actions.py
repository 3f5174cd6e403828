"""Changes to staffed hours: one function per change, called by views, commands and tests."""

from __future__ import annotations

import zoneinfo
from collections.abc import Sequence
from datetime import date, time
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.contrib.auth.models import User
from django.db import transaction
from django.utils.translation import gettext as _

from channels.models import Brand
from inbox.models import Team

from .models import (
    BusinessHours,
    ExceptionKind,
    HolidayCountry,
    OpeningPeriod,
    ShiftException,
    ShiftPlan,
    WeeklyShift,
)
from .selectors import Period
from .signals import hours_changed


class InvalidHours(ValueError):
    pass


@transaction.atomic
def business_hours_set(*, brand: Brand, timezone: str, periods: Sequence[Period], platform: str = "") -> BusinessHours:
    """Replace a brand's weekly staffed hours (with `platform`, that channel's own hours;
    the time zone is the brand's for all). No periods at all means never staffed; a channel
    without periods of its own keeps the brand's."""
    if timezone not in zoneinfo.available_timezones():
        raise InvalidHours(_("Unknown time zone %(zone)r: use a name like Europe/Prague.") % {"zone": timezone})
    for period in periods:
        if not 0 <= period.weekday <= 6:
            raise InvalidHours(_("Weekday %(day)s is not 0 (Monday) to 6 (Sunday).") % {"day": period.weekday})
    hours, created = BusinessHours.objects.select_for_update().get_or_create(brand=brand)
    hours.timezone = timezone
    hours.save()
    if created and platform:  # the other channels stay staffed around the clock, as before
        OpeningPeriod.objects.bulk_create(
            OpeningPeriod(hours=hours, weekday=day, opens=time(0), closes=time(0)) for day in range(7)
        )
    hours.periods.filter(platform=platform).delete()
    OpeningPeriod.objects.bulk_create(
        OpeningPeriod(hours=hours, weekday=p.weekday, opens=p.opens, closes=p.closes, platform=platform)
        for p in periods
    )
    hours_changed.send(
        sender=BusinessHours,
        brand=brand,
        change="hours_changed",
        details={
            "timezone": timezone,
            "platform": platform,
            "periods": len(periods),
            "schedule": [f"{p.weekday} {p.opens:%H:%M}-{p.closes:%H:%M}" for p in periods],
        },
    )
    return hours


@transaction.atomic
def business_hours_clear(*, brand: Brand) -> None:
    """Back to "always staffed"."""
    deleted, _unused = BusinessHours.objects.filter(brand=brand).delete()
    if deleted:
        hours_changed.send(sender=BusinessHours, brand=brand, change="hours_cleared", details={})


@transaction.atomic
def business_hours_channel_clear(*, brand: Brand, platform: str) -> None:
    """The channel back to the brand's hours."""
    deleted, _unused = OpeningPeriod.objects.filter(hours__brand=brand, platform=platform).exclude(platform="").delete()
    if deleted:
        hours_changed.send(
            sender=BusinessHours, brand=brand, change="hours_changed", details={"platform": platform, "periods": 0}
        )


# --- the team's shift plan -------------------------------------------------------------


class InvalidShift(ValueError):
    """A shift or exception that cannot be planned (its message says why, for the lead)."""


def shift_plan_for(*, team: Team) -> ShiftPlan:
    plan, _ = ShiftPlan.objects.get_or_create(team=team)
    return plan


def shift_plan_set(*, team: Team, timezone: str, country: str) -> ShiftPlan:
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise InvalidShift(_("Unknown time zone: %(zone)s") % {"zone": timezone}) from exc
    if country not in HolidayCountry.values:
        raise InvalidShift(_("Unknown country."))
    plan = shift_plan_for(team=team)
    plan.timezone, plan.country = timezone, country
    plan.save(update_fields=["timezone", "country", "updated_at"])
    return plan


def _member(team: Team, user_id: int | None) -> User:
    user = team.members.filter(pk=user_id).first() if user_id else None
    if user is None:
        raise InvalidShift(_("Choose a member of the team."))
    return user


def weekly_shift_add(*, team: Team, user_id: int | None, weekday: int, starts: time, ends: time) -> WeeklyShift:
    user = _member(team, user_id)
    if weekday not in range(7):
        raise InvalidShift(_("Choose a day."))
    if starts == ends:
        raise InvalidShift(_("A shift needs different start and end times."))
    return WeeklyShift.objects.create(
        plan=shift_plan_for(team=team), user=user, weekday=weekday, starts=starts, ends=ends
    )


def weekly_shift_remove(*, team: Team, shift_id: int) -> None:
    WeeklyShift.objects.filter(plan__team=team, pk=shift_id).delete()


def shift_exception_add(
    *,
    team: Team,
    user_id: int | None,
    day: date,
    kind: str,
    replacement_id: int | None = None,
    starts: time | None = None,
    ends: time | None = None,
    note: str = "",
) -> ShiftException:
    user = _member(team, user_id)
    replacement = None
    if kind == ExceptionKind.SWAP:
        replacement = _member(team, replacement_id)
        if replacement.pk == user.pk:
            raise InvalidShift(_("A swap needs another person."))
    elif kind == ExceptionKind.EXTRA:
        if starts is None or ends is None or starts == ends:
            raise InvalidShift(_("An extra shift needs a start and an end time."))
    elif kind != ExceptionKind.OFF:
        raise InvalidShift(_("Choose what changes."))
    return ShiftException.objects.create(
        plan=shift_plan_for(team=team),
        user=user,
        date=day,
        kind=kind,
        replacement=replacement,
        starts=starts if kind == ExceptionKind.EXTRA else None,
        ends=ends if kind == ExceptionKind.EXTRA else None,
        note=note[:200],
    )


def shift_exception_remove(*, team: Team, exception_id: int) -> None:
    ShiftException.objects.filter(plan__team=team, pk=exception_id).delete()
