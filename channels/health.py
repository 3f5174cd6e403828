"""An account's health as its platform calls reveal it: broken credentials stop polling until
an admin acts; other errors back off. One place writes it, for polls and sends alike."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from django.db.models import F
from django.utils import timezone

from .http import ApiAuthError, ApiError, ApiRateLimited
from .models import AccountStatus, BrandAccount

logger = logging.getLogger("hovor.channels")


# A platform that errs is retried at 2, 4, 8, 16 s and then every 30 s, never slower: when it
# is back, the held replies and polls go on within half a minute (the recovery the fault runs
# measure), and one call per half minute per account is no load on a platform that is down.
BACKOFF_CAP_SECONDS = 30


def backoff(attempts: int) -> timedelta:
    return timedelta(seconds=min(2 ** max(attempts, 1), BACKOFF_CAP_SECONDS))


def account_failed(*, account: BrandAccount, exc: ApiError) -> None:
    fields: dict[str, Any] = {"last_error": exc.message[:2000], "consecutive_failures": F("consecutive_failures") + 1}
    if isinstance(exc, ApiAuthError):
        fields["status"] = AccountStatus.BROKEN
    elif isinstance(exc, ApiRateLimited):
        fields["rate_limited_until"] = exc.retry_at
        fields.pop("consecutive_failures")
    else:
        fields["rate_limited_until"] = timezone.now() + backoff(account.consecutive_failures + 1)
    BrandAccount.objects.filter(pk=account.pk).update(**fields)
    logger.warning("account %s (%s): %s", account.pk, account.platform, exc.message)


def account_polled(*, account: BrandAccount, cursor: dict[str, Any]) -> None:
    BrandAccount.objects.filter(pk=account.pk).update(
        poll_cursor=cursor,
        last_polled_at=timezone.now(),
        consecutive_failures=0,
        last_error="",
        rate_limited_until=None,
    )
