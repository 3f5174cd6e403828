"""Pointing X's Account Activity webhooks at Hovor through the API: a webhook for the URL
(V2 Webhooks API, app-only bearer), then the account's user subscribed to it (user context).

X checks the URL with a CRC before it registers it, and again about hourly; the CRC answer
and the delivery signatures use the account's consumer secret (channels.x.connector)."""

from __future__ import annotations

import logging
import re
from typing import TYPE_CHECKING, Any

from channels.http import ApiError, ApiPermanentError

from .client import XClient
from .oauth import app_bearer_token

if TYPE_CHECKING:
    from channels.models import BrandAccount

logger = logging.getLogger("hovor.channels.x")

USER_CONTEXT_FIELDS = ("consumer_key", "consumer_secret", "access_token", "access_token_secret")


def _reason(exc: ApiError) -> str:
    """The reason X's webhook API leads its messages with (CrcValidationFailed …), if any."""
    for reason in ("CrcValidationFailed", "UrlValidationFailed", "DuplicateUrlFailed", "WebhookLimitExceeded"):
        if reason in exc.message:
            return reason
    return ""


def _client(account: BrandAccount) -> XClient:
    credentials: dict[str, Any] = dict(account.credentials)
    missing = [name for name in USER_CONTEXT_FIELDS if not credentials.get(name)]
    if missing:
        raise ApiPermanentError(f"Registering X webhooks needs the account's {', '.join(missing)}.")
    if not credentials.get("bearer_token"):
        # The webhook calls are app-only: the app's bearer token, from its key and secret.
        credentials["bearer_token"] = app_bearer_token(
            base_url=account.base_url,
            consumer_key=str(credentials["consumer_key"]),
            consumer_secret=str(credentials["consumer_secret"]),
        )
    return XClient(base_url=account.base_url, credentials=credentials, account_ref=str(account.pk))


def _crc_refused(url: str, exc: ApiError) -> ApiPermanentError:
    return ApiPermanentError(
        f"X could not verify {url}: its challenge (CRC) was not answered correctly within 3 seconds. "
        "X must reach the URL over HTTPS, and the account's consumer secret must be the app's. "
        f"({exc.message})",
        status=exc.status,
    )


def _webhook_for(client: XClient, account: BrandAccount, url: str) -> tuple[str, str]:
    """The id of a valid webhook for `url` (reused, re-validated or new) and what was done."""
    hooks = client.webhooks()
    same = next((h for h in hooks if h.get("url") == url), None)
    if same is not None:
        webhook_id = str(same["id"])
        if same.get("valid") is True:
            return webhook_id, "already registered"
        try:
            client.validate_webhook(webhook_id)
        except ApiPermanentError as exc:
            raise _crc_refused(url, exc) if _reason(exc) == "CrcValidationFailed" else exc from None
        return webhook_id, "validated again"
    try:
        return str(client.create_webhook(url)["id"]), "registered"
    except ApiPermanentError as exc:
        reason = _reason(exc)
        if reason == "CrcValidationFailed":
            raise _crc_refused(url, exc) from None
        if reason != "WebhookLimitExceeded":
            raise
        stale = str((account.options or {}).get("webhook_id") or "")
        shared = _sibling_webhook(account, hooks)
        if shared is not None and not any(str(h.get("id")) == stale for h in hooks):
            # The app's one webhook already points at Hovor for another account of this app:
            # subscribing this user to it is enough; Hovor files each delivery by for_user_id.
            return str(shared["id"]), f"shared (it is {shared['url']})"
        if not any(str(h.get("id")) == stale for h in hooks):
            raise ApiPermanentError(
                f"The X app has no webhook left for {url}: delete an unused one in the developer console. "
                f"({exc.message})",
                status=exc.status,
            ) from None
    # This account's own webhook for an older URL (Hovor moved) takes the place it needs.
    logger.info("x account %s: replacing its webhook %s for an older URL", account.pk, stale)
    client.delete_webhook(stale)
    try:
        return str(client.create_webhook(url)["id"]), "registered (replacing the one for the old URL)"
    except ApiPermanentError as exc:
        raise _crc_refused(url, exc) if _reason(exc) == "CrcValidationFailed" else exc from None


def _sibling_webhook(account: BrandAccount, hooks: list[dict[str, Any]]) -> dict[str, Any] | None:
    """A valid webhook of this app whose URL is Hovor's for another active X account of the
    same app (same consumer key)."""
    from channels.models import AccountStatus, BrandAccount

    key = str(account.credentials.get("consumer_key") or "")
    for hook in hooks:
        match = re.search(r"/webhooks/x/(\d+)/?$", str(hook.get("url") or ""))
        if hook.get("valid") is not True or match is None or int(match.group(1)) == account.pk:
            continue
        sibling = BrandAccount.objects.filter(pk=int(match.group(1)), platform="x", status=AccountStatus.ACTIVE).first()
        if sibling is not None and key and str(sibling.credentials.get("consumer_key") or "") == key:
            return hook
    return None


def register(account: BrandAccount, webhook_url: str) -> str:
    client = _client(account)
    webhook_id, done = _webhook_for(client, account, webhook_url)
    if not client.subscribed(webhook_id) and not client.subscribe(webhook_id):
        raise ApiPermanentError(f"X did not subscribe {account.handle} to webhook {webhook_id}.")
    account.options = {**(account.options or {}), "webhook_id": webhook_id}
    account.save(update_fields=["options"])
    handle = account.handle if account.handle.startswith("@") else f"@{account.handle}"
    return f"X webhook {webhook_id} {done} and {handle} subscribed."
