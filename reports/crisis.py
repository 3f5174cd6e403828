"""The crisis alarm: negative customers' messages per brand in the last window, compared
with the usual level for the same hour of the week over the previous weeks. A spike tells
the brand's leads in Hovor and by email, once per brand and window."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth.models import User
from django.utils import timezone
from django.utils.translation import gettext as _

from inbox.enums import Direction, Role, Sentiment
from inbox.models import Message, Team
from notifications.actions import notify
from notifications.models import NotificationKind

WINDOW = timedelta(minutes=15)
LOOK_BACK = 4  # windows the watch checks again: late messages still count in theirs
WEEKS = 4


@dataclass(frozen=True)
class Spike:
    brand_id: int
    window_start: datetime
    negative: int
    usual: float


def _negative(brand_id: int, start: datetime, end: datetime) -> int:
    return Message.objects.filter(
        ticket__brand_id=brand_id, direction=Direction.IN, automated__isnull=True, sentiment=Sentiment.NEGATIVE,
        sent_at__gte=start, sent_at__lt=end,
    ).count()


def crisis_check(*, brand_id: int, now: datetime | None = None) -> Spike | None:
    """A spike when the window's negative messages reach HOVOR_CRISIS_MIN and exceed
    HOVOR_CRISIS_FACTOR × the mean of the same window in the previous WEEKS weeks."""
    now = now or timezone.now()
    start = now - (now - now.replace(minute=0, second=0, microsecond=0)) % WINDOW  # windows on the quarter hour
    start -= WINDOW  # the last complete window
    count = _negative(brand_id, start, start + WINDOW)
    usual = sum(
        _negative(brand_id, start - timedelta(weeks=w), start - timedelta(weeks=w) + WINDOW)
        for w in range(1, WEEKS + 1)
    ) / WEEKS
    if count >= settings.HOVOR_CRISIS_MIN and count > settings.HOVOR_CRISIS_FACTOR * usual:
        return Spike(brand_id, start, count, usual)
    return None


def crisis_alert(*, spike: Spike) -> int:
    """Tell the brand's leads (idempotent per brand and window). Returns how many were told."""
    leads = User.objects.filter(
        is_active=True, agent_profile__role=Role.LEAD, teams__in=Team.objects.filter(brands=spike.brand_id)
    ).distinct()
    query = urlencode({"brand": spike.brand_id, "view": "all"})  # the brand's conversations, newest first
    told = 0
    for lead in leads:
        made = notify(
            recipient=lead, kind=NotificationKind.CRISIS, email=True, url=f"/?{query}",
            text=_("Crisis alarm: %(n)s negative messages in 15 minutes (usually %(usual).1f)")
            % {"n": spike.negative, "usual": spike.usual},
            key=f"crisis:{spike.brand_id}:{spike.window_start.isoformat()}",
        )
        told += made is not None
    return told
