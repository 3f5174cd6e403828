"""When each brand's team is at work: its business hours (staffed hours), in the brand's
own time zone. Polling runs faster inside them; the chat widget says when they begin."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Weekday(models.IntegerChoices):
    MONDAY = 0, _("Monday")
    TUESDAY = 1, _("Tuesday")
    WEDNESDAY = 2, _("Wednesday")
    THURSDAY = 3, _("Thursday")
    FRIDAY = 4, _("Friday")
    SATURDAY = 5, _("Saturday")
    SUNDAY = 6, _("Sunday")


class BusinessHours(models.Model):
    """A brand's weekly staffed hours. A brand without any is treated as always staffed."""

    brand = models.OneToOneField("channels.Brand", on_delete=models.CASCADE, related_name="business_hours")
    timezone = models.CharField(max_length=64, default="UTC")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "business hours"

    def __str__(self) -> str:
        return f"{self.brand} ({self.timezone})"


class OpeningPeriod(models.Model):
    """One staffed stretch starting on a weekday. `closes` at or before `opens` runs past
    midnight into the next day; equal times mean 24 hours (00:00–00:00 is the whole day).
    A channel with periods of its own keeps those hours instead of the brand's."""

    hours = models.ForeignKey(BusinessHours, on_delete=models.CASCADE, related_name="periods")
    weekday = models.PositiveSmallIntegerField(choices=Weekday.choices)
    opens = models.TimeField()
    closes = models.TimeField()
    # A channel platform ("email") with its own hours; blank: every channel without its own.
    platform = models.CharField(max_length=20, blank=True, default="")

    class Meta:
        ordering = ["weekday", "opens"]
        constraints = [
            models.CheckConstraint(condition=models.Q(weekday__lte=6), name="opening_period_weekday_range"),
        ]

    def __str__(self) -> str:
        return f"{Weekday(self.weekday).label} {self.opens:%H:%M}–{self.closes:%H:%M}"


class HolidayCountry(models.TextChoices):
    """Countries whose public holidays a team keeps (the `holidays` library's codes)."""

    NONE = "", _("No public holidays")
    CZ = "CZ", _("Czechia")
    PL = "PL", _("Poland")
    BG = "BG", _("Bulgaria")
    GB = "GB", _("United Kingdom")
    SK = "SK", _("Slovakia")
    DE = "DE", _("Germany")


class ShiftPlan(models.Model):
    """A team's weekly shift plan, in the team's own time zone. A team without any planned
    shift or exception counts all its members as on shift (shifts/availability.py)."""

    team = models.OneToOneField("inbox.Team", on_delete=models.CASCADE, related_name="shift_plan")
    timezone = models.CharField(max_length=64, default="Europe/Prague")
    country = models.CharField(max_length=2, choices=HolidayCountry.choices, blank=True, default="")
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.team} ({self.timezone})"


class WeeklyShift(models.Model):
    """One person's shift starting on a weekday, every week. `ends` at or before `starts`
    runs past midnight into the next day (22:00–06:00). Public holidays cancel it."""

    plan = models.ForeignKey(ShiftPlan, on_delete=models.CASCADE, related_name="shifts")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="weekly_shifts")
    weekday = models.PositiveSmallIntegerField(choices=Weekday.choices)
    starts = models.TimeField()
    ends = models.TimeField()

    class Meta:
        ordering = ["weekday", "starts", "id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(weekday__lte=6), name="weekly_shift_weekday_range"),
        ]

    def __str__(self) -> str:
        return f"{self.user} {Weekday(self.weekday).label} {self.starts:%H:%M}–{self.ends:%H:%M}"


class ExceptionKind(models.TextChoices):
    OFF = "off", _("Off (sick day, leave)")
    SWAP = "swap", _("Swap (someone else takes the shift)")
    EXTRA = "extra", _("Extra shift")


class ShiftException(models.Model):
    """A change on one date: `off` cancels the person's shifts starting that day, `swap`
    hands them to `replacement`, `extra` adds a shift (also on a public holiday)."""

    plan = models.ForeignKey(ShiftPlan, on_delete=models.CASCADE, related_name="exceptions")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="shift_exceptions")
    date = models.DateField()
    kind = models.CharField(max_length=8, choices=ExceptionKind.choices)
    replacement = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, null=True, blank=True, related_name="shift_swaps"
    )
    starts = models.TimeField(null=True, blank=True)
    ends = models.TimeField(null=True, blank=True)
    note = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["date", "id"]
        indexes = [models.Index(fields=["plan", "date"])]

    def __str__(self) -> str:
        return f"{self.user} {self.date} {self.kind}"


class Acknowledgement(models.Model):
    """A brand's out-of-hours acknowledgement: on unless an admin turns it off; `texts` holds
    the admin's own wording per language ({"cs": "…"}), with {time} and {brand} filled in.
    A brand without a row acknowledges with Hovor's default texts."""

    brand = models.OneToOneField("channels.Brand", on_delete=models.CASCADE, related_name="acknowledgement")
    enabled = models.BooleanField(default=True)
    texts = models.JSONField(default=dict, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.brand} ({'on' if self.enabled else 'off'})"
