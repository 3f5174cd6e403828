"""Account administration on the connector side: connecting brand accounts (by form or a
platform's consent flow), new credentials, the widget's presentation, "test connection",
webhook registration and disconnecting. Inbound lives in channels.inbound, one delivery
attempt in channels.outbound; the pipeline that turns them into tickets is the domain's."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from .base import BaseConnector, OAuthChoice
from .crypto import CredentialsError, encrypted_with_current_key, reencrypt
from .http import ApiAuthError, ApiError, ApiPermanentError
from .models import AccountStatus, Brand, BrandAccount
from .registry import UnknownPlatform, get_connector
from .signals import account_changed
from .webhooks import forget_account

logger = logging.getLogger("hovor.channels")

# --- accounts -------------------------------------------------------------------------
# Secrets the platform's webhook side was set up with; a new authorisation keeps them.
WEBHOOK_SECRET_KEYS = frozenset({"verify_token", "webhook_secret"})


@transaction.atomic
def brand_account_connect(
    *,
    brand: Brand,
    platform: str,
    handle: str,
    base_url: str = "",
    credentials: dict[str, Any],
    options: dict[str, Any] | None = None,
    platform_user_id: str = "",
) -> BrandAccount:
    get_connector(platform)  # raises UnknownPlatform for a platform we have no connector for
    account = BrandAccount(
        brand=brand,
        platform=platform,
        handle=handle,
        base_url=base_url,
        options=options or {},
        platform_user_id=platform_user_id,
    )
    account.credentials = credentials
    account.save()
    _changed(account, "connected", fields=sorted(credentials))
    return account


@transaction.atomic
def brand_account_connect_authorised(
    *, brand: Brand, platform: str, choice: OAuthChoice, base_url: str = ""
) -> tuple[BrandAccount, bool]:
    """Connect the account an admin authorised on the platform (OAuth). Authorising an
    account the brand already has (a revoked or expired token) gives it the new tokens and
    makes it active again, keeping its history. Returns (account, created)."""
    existing = (
        BrandAccount.objects.select_for_update()
        .filter(brand=brand, platform=platform)
        .filter(
            Q(handle=choice.handle) | Q(platform_user_id=choice.platform_user_id)
            if choice.platform_user_id
            else Q(handle=choice.handle)
        )
        .order_by("pk")
        .first()
    )
    if existing is None:
        account = brand_account_connect(
            brand=brand,
            platform=platform,
            handle=choice.handle,
            base_url=base_url,
            credentials=dict(choice.credentials),
            options=dict(choice.options),
            platform_user_id=choice.platform_user_id,
        )
        return account, True
    existing.handle = choice.handle
    existing.base_url = base_url
    existing.options = {**existing.options, **choice.options}
    if choice.platform_user_id:
        existing.platform_user_id = choice.platform_user_id
    existing.save(update_fields=["handle", "base_url", "options", "platform_user_id"])
    # The tokens are replaced whole (a stale key must not survive a re-authorisation), but the
    # webhook secrets stay: the platform's side was configured with them.
    kept = {k: v for k, v in existing.credentials.items() if k in WEBHOOK_SECRET_KEYS and v}
    existing.credentials = {}
    fresh = {**dict(choice.credentials), **kept}
    account = brand_account_update_credentials(account=existing, credentials=fresh, change="reauthorised")
    return account, False


@dataclass(frozen=True)
class ConnectionCheck:
    ok: bool
    details: dict[str, str]
    error: str = ""


def brand_account_test(*, account: BrandAccount) -> ConnectionCheck:
    """The admin's "test connection": ask the platform who these credentials are."""
    try:
        details = get_connector(account.platform).test_connection(account)
    except NotImplementedError as exc:
        return ConnectionCheck(ok=False, details={}, error=str(exc))
    except ApiError as exc:
        return ConnectionCheck(ok=False, details={}, error=exc.message)
    if account.platform_user_id == "" and details.get("id"):
        BrandAccount.objects.filter(pk=account.pk).update(platform_user_id=details["id"])
    return ConnectionCheck(ok=True, details=details)


@transaction.atomic
def brand_account_update_credentials(
    *, account: BrandAccount, credentials: dict[str, Any], change: str = "credentials_changed"
) -> BrandAccount:
    """New credentials (a re-authorised token): the account is healthy again until proven not."""
    changed = sorted(k for k, v in credentials.items() if v not in ("", None))
    merged = {**account.credentials, **{k: v for k, v in credentials.items() if v not in ("", None)}}
    account.credentials = merged
    account.status = AccountStatus.ACTIVE
    account.last_error = ""
    account.consecutive_failures = 0
    account.rate_limited_until = None
    account.save(
        update_fields=["credentials_encrypted", "status", "last_error", "consecutive_failures", "rate_limited_until"]
    )
    _forget_cached(account.pk)
    _changed(account, change, fields=changed)
    return account


# What an admin may set about how an account presents itself (the chat widget's look).
PRESENTATION_OPTIONS = ("title", "color", "greeting", "hours_text")


def brand_account_update_presentation(*, account: BrandAccount, values: dict[str, str]) -> BrandAccount:
    """Set the widget's title, colour, greeting and away text; an empty value restores the
    default. The widget validates what it shows (a colour must be #rgb or #rrggbb)."""
    options = dict(account.options or {})
    before = dict(options)
    for key in PRESENTATION_OPTIONS:
        if key not in values:
            continue
        value = values[key].strip()[:500]
        if value:
            options[key] = value
        else:
            options.pop(key, None)
    account.options = options
    account.save(update_fields=["options"])
    fields = sorted(k for k in PRESENTATION_OPTIONS if before.get(k) != options.get(k))
    if fields:
        _changed(account, "presentation_changed", fields=fields)
    return account


def brand_account_register_webhook(*, account: BrandAccount, webhook_url: str) -> ConnectionCheck:
    """Point the platform's webhooks for this account at Hovor through its API."""
    try:
        note = get_connector(account.platform).webhook_register(account, webhook_url)
    except NotImplementedError as exc:
        return ConnectionCheck(ok=False, details={}, error=str(exc))
    except ApiError as exc:
        logger.warning("account %s (%s): webhook registration refused: %s", account.pk, account.platform, exc.message)
        return ConnectionCheck(ok=False, details={}, error=exc.message)
    account.refresh_from_db(fields=["options", "credentials_encrypted"])
    account.options = {
        **account.options,
        "webhook_registered_at": timezone.now().isoformat(),
        "webhook_url": webhook_url,
    }
    account.save(update_fields=["options"])
    _forget_cached(account.pk)
    _changed(account, "webhook_registered", webhook_url=webhook_url)
    return ConnectionCheck(ok=True, details={"webhook": note})


@transaction.atomic
def brand_account_disconnect(*, account: BrandAccount) -> BrandAccount:
    """Stop polling and refuse its webhooks; the stored credentials are wiped."""
    account.credentials = {}
    account.status = AccountStatus.DISABLED
    account.save(update_fields=["credentials_encrypted", "status"])
    _forget_cached(account.pk)
    _changed(account, "disconnected")
    return account


def _changed(account: BrandAccount, change: str, **details: Any) -> None:
    """Tell the domain (the audit log) what an admin changed: field names, never values."""
    account_changed.send(sender=BrandAccount, account=account, change=change, details=details)


def _forget_cached(account_id: int) -> None:
    forget_account(account_id)


# --- message templates ----------------------------------------------------------------
def template_accounts() -> list[int]:
    """Active accounts whose platform has approved message templates to sync."""
    ids = BrandAccount.objects.exclude(status=AccountStatus.DISABLED).values_list("pk", "platform")
    return [pk for pk, platform in ids if _has_templates(platform)]


def _has_templates(platform: str) -> bool:
    try:
        connector = get_connector(platform)
    except UnknownPlatform:
        return False
    return type(connector).templates_sync is not BaseConnector.templates_sync


def account_templates_sync(*, account_id: int) -> int:
    """Fetch and cache one account's approved templates (0 for a gone or disabled account).
    A refused call is logged and kept as the account's last error; transient ones raise
    for the task to retry."""
    account = BrandAccount.objects.filter(pk=account_id).exclude(status=AccountStatus.DISABLED).first()
    if account is None or not _has_templates(account.platform):
        return 0
    try:
        return get_connector(account.platform).templates_sync(account)
    except (ApiPermanentError, ApiAuthError) as exc:
        logger.warning("account %s: message templates not synced: %s", account.pk, exc.message)
        return 0


# --- key rotation -----------------------------------------------------------------------
@dataclass(frozen=True)
class Rotation:
    reencrypted: int
    current: int
    empty: int
    failed: list[int]


def credentials_rotate() -> Rotation:
    """Re-encrypt every account's credentials with CREDENTIALS_KEY (after a rotation, old
    keys in CREDENTIALS_OLD_KEYS still open them). Row by row with compare-and-set, so a
    credential change made meanwhile is never overwritten; running it again changes nothing."""
    reencrypted = current = empty = 0
    failed: list[int] = []
    for pk, token in BrandAccount.objects.order_by("pk").values_list("pk", "credentials_encrypted").iterator():
        if not token:
            empty += 1
            continue
        if encrypted_with_current_key(token):
            current += 1
            continue
        try:
            fresh = reencrypt(token)
        except CredentialsError:
            logger.error("account %s: its credentials open with no configured key", pk)
            failed.append(pk)
            continue
        if BrandAccount.objects.filter(pk=pk, credentials_encrypted=token).update(credentials_encrypted=fresh):
            reencrypted += 1
            _forget_cached(pk)
        else:
            current += 1  # changed meanwhile: written with the current key by that change
    return Rotation(reencrypted=reencrypted, current=current, empty=empty, failed=failed)
