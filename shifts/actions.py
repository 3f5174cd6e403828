"""Changes to staffed hours: one function per change, called by views, commands and tests."""

from __future__ import annotations

import zoneinfo
from collections.abc import Sequence

from django.db import transaction
from django.utils.translation import gettext as _

from channels.models import Brand

from .models import BusinessHours, OpeningPeriod
from .selectors import Period
from .signals import hours_changed


class InvalidHours(ValueError):
    pass


@transaction.atomic
def business_hours_set(*, brand: Brand, timezone: str, periods: Sequence[Period]) -> BusinessHours:
    """Replace a brand's weekly staffed hours. No periods at all means never staffed."""
    if timezone not in zoneinfo.available_timezones():
        raise InvalidHours(_("Unknown time zone %(zone)r: use a name like Europe/Prague.") % {"zone": timezone})
    for period in periods:
        if not 0 <= period.weekday <= 6:
            raise InvalidHours(_("Weekday %(day)s is not 0 (Monday) to 6 (Sunday).") % {"day": period.weekday})
    hours, _unused = BusinessHours.objects.select_for_update().get_or_create(brand=brand)
    hours.timezone = timezone
    hours.save()
    hours.periods.all().delete()
    OpeningPeriod.objects.bulk_create(
        OpeningPeriod(hours=hours, weekday=p.weekday, opens=p.opens, closes=p.closes) for p in periods
    )
    hours_changed.send(
        sender=BusinessHours, brand=brand, change="hours_changed",
        details={"timezone": timezone, "periods": len(periods),
                 "schedule": [f"{p.weekday} {p.opens:%H:%M}-{p.closes:%H:%M}" for p in periods]},
    )
    return hours


@transaction.atomic
def business_hours_clear(*, brand: Brand) -> None:
    """Back to "always staffed"."""
    deleted, _unused = BusinessHours.objects.filter(brand=brand).delete()
    if deleted:
        hours_changed.send(sender=BusinessHours, brand=brand, change="hours_cleared", details={})
