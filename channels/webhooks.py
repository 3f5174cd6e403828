"""One webhook endpoint for every platform: /webhooks/<platform>/<account id>/.

It only verifies, stores and signals: the connector checks the signature first (403 when
bad or missing), splits the body into raw events (400 when unreadable), the events are
stored (a redelivery is stored once) and the domain is told (channels.signals.inbound_stored),
which queues their ingestion. Nothing is
created for a request that fails any check."""

from __future__ import annotations

import hmac
import logging
import time

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt

from .base import BaseConnector, WebhookRejected
from .inbound import inbound_events_store
from .models import AccountStatus, BrandAccount, InboundEvent
from .registry import UnknownPlatform, get_connector
from .types import RawEvent

logger = logging.getLogger("hovor.channels.webhooks")


def _reject(status: int, reason: str, *, platform: str, account_id: int) -> JsonResponse:
    logger.warning("webhook %s/%s rejected (%s): %s", platform, account_id, status, reason)
    return JsonResponse({"error": reason}, status=status)


@csrf_exempt
def webhook(request: HttpRequest, platform: str, account_id: int) -> HttpResponse:
    try:
        connector = get_connector(platform)
    except UnknownPlatform:
        return _reject(404, "unknown platform", platform=platform, account_id=account_id)
    account = _account(account_id, platform)
    if account is None or account.status == AccountStatus.DISABLED:
        return _reject(404, "unknown account", platform=platform, account_id=account_id)

    if request.method == "GET":
        try:
            response = connector.handshake(request, account)
        except WebhookRejected as exc:
            return _reject(exc.status, exc.reason, platform=platform, account_id=account_id)
        return response if response is not None else HttpResponse(status=405)
    if request.method != "POST":
        return HttpResponse(status=405)

    length = int(request.headers.get("Content-Length") or 0)
    if length > settings.HOVOR_WEBHOOK_MAX_BYTES:
        return _reject(413, "body too large", platform=platform, account_id=account_id)
    try:
        connector.verify(request, account)
        events = connector.webhook_events(request, account)
    except WebhookRejected as exc:
        return _reject(exc.status, exc.reason, platform=platform, account_id=account_id)
    unfit = _unstorable(events)
    if unfit:
        return _reject(400, unfit, platform=platform, account_id=account_id)

    new = 0
    for target, batch in _route(connector, account, events).items():
        # One INSERT in autocommit per account: stored (durably) before we answer 200.
        new += len(inbound_events_store(account=target, events=batch))
    return JsonResponse({"received": len(events), "new": new}, status=200)


PLATFORM_ID_MAX = InboundEvent._meta.get_field("platform_id").max_length or 200
KIND_MAX = InboundEvent._meta.get_field("kind").max_length or 50


def _unstorable(events: list[RawEvent]) -> str:
    """Why an event's key could not be stored (a NUL character, which no platform puts in
    an id, or an id longer than any platform's), or "" when all can."""
    for event in events:
        for name, value in (("platform id", event.platform_id), ("kind", event.kind), ("recipient", event.recipient)):
            if "\x00" in value:
                return f"the {name} holds a NUL character"
        if len(event.platform_id) > PLATFORM_ID_MAX or len(event.kind) > KIND_MAX:
            return "an id longer than any platform's"
    return ""


def _route(
    connector: BaseConnector, account: BrandAccount, events: list[RawEvent]
) -> dict[BrandAccount, list[RawEvent]]:
    """File each event under the account it is addressed to. A platform app has one webhook
    URL for all its accounts (Meta per app, X per app and tier), so a delivery that reached
    this account's URL may be for another Page, number or user of the same app."""
    own = connector.webhook_recipient_ids(account)
    routed: dict[BrandAccount, list[RawEvent]] = {}
    siblings: dict[str, BrandAccount | None] = {}
    for event in events:
        target = account
        if event.recipient and event.recipient not in own:
            if event.recipient not in siblings:
                siblings[event.recipient] = _sibling(connector, account, event.recipient)
            sibling = siblings[event.recipient]
            if sibling is not None:
                target = sibling
            elif not connector.keeps_unrouted:
                logger.warning(
                    "webhook %s/%s: event for %s, which no account of this app is, dropped",
                    account.platform,
                    account.pk,
                    event.recipient,
                )
                continue
        routed.setdefault(target, []).append(event)
    return routed


def _sibling(connector: BaseConnector, account: BrandAccount, recipient: str) -> BrandAccount | None:
    """The active account of the same platform app (same webhook secret) that `recipient` is."""
    secret = connector.webhook_app_secret(account)
    if not secret:
        return None
    candidates = (
        BrandAccount.objects.select_related("brand")
        .filter(platform=account.platform, status=AccountStatus.ACTIVE)
        .exclude(pk=account.pk)
    )
    for candidate in candidates:
        if recipient in connector.webhook_recipient_ids(candidate) and hmac.compare_digest(
            connector.webhook_app_secret(candidate).encode(), secret.encode()
        ):
            return candidate
    return None


# Webhook bursts hit the same account many times a second; its row (and decrypted
# credentials) is kept per process for a few seconds. A disconnect takes effect within that.
_ACCOUNT_TTL = 5.0
_accounts: dict[tuple[int, str], tuple[float, BrandAccount | None]] = {}


def forget_account(account_id: int | None = None) -> None:
    """Drop cached accounts (after new credentials or a disconnect, and between tests)."""
    if account_id is None:
        _accounts.clear()
    else:
        for key in [k for k in _accounts if k[0] == account_id]:
            _accounts.pop(key, None)


def _account(account_id: int, platform: str) -> BrandAccount | None:
    key = (account_id, platform)
    hit = _accounts.get(key)
    now = time.monotonic()
    if hit is not None and now - hit[0] < _ACCOUNT_TTL:
        return hit[1]
    account = BrandAccount.objects.select_related("brand").filter(pk=account_id, platform=platform).first()
    if len(_accounts) > 10_000:
        _accounts.clear()
    _accounts[key] = (now, account)
    return account
