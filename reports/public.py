"""The public reply-time figure of a brand: the median first-response time of the
conversations opened in the last hours, cached, with no customer data in it."""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.core.cache import cache
from django.utils import timezone

from .banner import render_banner
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


def banner_png_cached(*, brand_name: str, text: str, size: str) -> tuple[bytes, str]:
    """The banner's PNG and its ETag, rendered once per name, sentence and size and kept as
    long as the figure is: a new figure is a new sentence and so a new key."""
    digest = hashlib.sha256("\x00".join((brand_name, text, size)).encode()).hexdigest()[:32]
    key = f"reports:banner:{digest}"
    png = cache.get(key)
    if not isinstance(png, bytes):
        png = render_banner(brand_name=brand_name, text=text, size=size)
        cache.set(key, png, CACHE_SECONDS)
    return png, f'"{hashlib.sha256(png).hexdigest()[:32]}"'
