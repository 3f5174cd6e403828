"""When each brand's team is at work: its business hours (staffed hours), in the brand's
own time zone. Polling runs faster inside them; the chat widget says when they begin."""

from __future__ import annotations

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
    midnight into the next day; equal times mean 24 hours (00:00–00:00 is the whole day)."""

    hours = models.ForeignKey(BusinessHours, on_delete=models.CASCADE, related_name="periods")
    weekday = models.PositiveSmallIntegerField(choices=Weekday.choices)
    opens = models.TimeField()
    closes = models.TimeField()

    class Meta:
        ordering = ["weekday", "opens"]
        constraints = [
            models.CheckConstraint(condition=models.Q(weekday__lte=6), name="opening_period_weekday_range"),
        ]

    def __str__(self) -> str:
        return f"{Weekday(self.weekday).label} {self.opens:%H:%M}–{self.closes:%H:%M}"
