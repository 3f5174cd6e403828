"""One delivery attempt through a connector, as a result the domain's outbox acts on. The
connector raises the channels.http error family; this maps each onto Sent, Failed or RetryAt
and keeps the account's health. Nothing here knows of replies or tickets."""

from __future__ import annotations

import logging

from django.utils import timezone

from .health import account_failed, backoff
from .http import ApiAuthError, ApiError, ApiOutcomeUnknown, ApiPermanentError, ApiRateLimited
from .models import AccountStatus, BrandAccount
from .registry import get_connector, platform_label
from .types import DeliveryResult, Failed, OutboundRequest, RetryAt, Sent

logger = logging.getLogger("hovor.channels")


def outbound_send(
    *, account: BrandAccount, request: OutboundRequest, attempts: int, was_unknown: bool
) -> DeliveryResult:
    """Send `request` (after an unknown outcome, first ask the platform whether the earlier
    attempt got there, and send only if it did not)."""
    now = timezone.now()
    try:
        if account.status == AccountStatus.BROKEN:
            label = platform_label(account.platform)
            raise ApiAuthError(f"The brand's {label} account needs reconnecting by an admin.")
        connector = get_connector(account.platform)
        platform_id = connector.find_sent(account, request) if was_unknown else None
        if platform_id is None:
            platform_id = connector.send(account, request)
    except ApiRateLimited as exc:
        return RetryAt(at=exc.retry_at, error=exc.message, outcome_unknown=was_unknown)
    except ApiOutcomeUnknown as exc:
        return RetryAt(at=now + backoff(attempts), error=exc.message, outcome_unknown=True)
    except ApiAuthError as exc:
        account_failed(account=account, exc=exc)
        return Failed(error=exc.message)
    except ApiPermanentError as exc:
        if was_unknown:
            # A platform that refuses duplicates (X) may be refusing our own earlier attempt,
            # which landed after the first look (a late answer): look once more first.
            found = _look_again(account=account, request=request)
            if found is not None:
                return Sent(platform_id=found)
        return Failed(error=exc.message)
    except ApiError as exc:  # ApiUnavailable and friends: nothing was sent
        return RetryAt(at=now + backoff(attempts), error=exc.message, outcome_unknown=was_unknown)
    return Sent(platform_id=platform_id)


def _look_again(*, account: BrandAccount, request: OutboundRequest) -> str | None:
    try:
        return get_connector(account.platform).find_sent(account, request)
    except ApiError:
        return None


def press_acknowledge(*, account_id: int, ack: str, text: str) -> bool:
    """Answer one button press on the platform (ButtonPress.ack): once, best effort. An
    answer that fails is not retried: the platform's client stops waiting by itself, and a
    late "Thank you!" would only confuse. True when the platform took it."""
    account = BrandAccount.objects.filter(pk=account_id).first()
    if account is None or not ack:
        return False
    try:
        get_connector(account.platform).press_acknowledge(account, ack=ack, text=text)
    except (ApiError, NotImplementedError) as exc:
        logger.info("account %s: button press not acknowledged: %s", account_id, exc)
        return False
    return True
