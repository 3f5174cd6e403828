"""The public reply-time figure of a brand: the median first-response time of the
conversations opened in the last hours, cached, with no customer data in it."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.core.cache import cache
from django.utils import timezone

from .metrics import figures
from .selectors import ReportScope, conversations_in

WINDOW = timedelta(hours=6)
CACHE_SECONDS = 300


@dataclass(frozen=True)
class ReplyTime:
    brand_id: int
    median_seconds: float | None  # None: nothing answered in the window
    rounded_minutes: int | None  # what the banner says: up to 5 min steps below an hour, then hours
    answered: int
    computed_at: datetime


def rounded(seconds: float) -> int:
    minutes = seconds / 60
    if minutes <= 60:
        return max(5, 5 * math.ceil(minutes / 5))
    return 60 * math.ceil(minutes / 60)


def reply_time(*, brand_id: int, now: datetime | None = None) -> ReplyTime:
    now = now or timezone.now()
    f = figures(conversations_in(ReportScope([brand_id], now - WINDOW, now)))
    median = f.first_reply_median
    return ReplyTime(brand_id, median, rounded(median) if median is not None else None, f.answered, now)


def reply_time_cached(*, brand_id: int) -> ReplyTime:
    key = f"reports:reply-time:{brand_id}"
    hit = cache.get(key)
    if isinstance(hit, ReplyTime):
        return hit
    value = reply_time(brand_id=brand_id)
    cache.set(key, value, CACHE_SECONDS)
    return value
