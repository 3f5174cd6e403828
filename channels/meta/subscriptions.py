"""Pointing a Meta app's webhooks at Hovor once an account is connected: the app's
subscription for an object (``POST /{app-id}/subscriptions``, which Meta verifies with the
hub.challenge handshake first) and a Page's subscription to the app."""

from __future__ import annotations

from typing import Any

from channels.http import ApiError, ApiPermanentError

from .graph import GraphClient
from .login import LoginClient, app_token

CALLBACK_VERIFICATION_CODE = 2200  # Meta's GET to the callback URL did not return the challenge


def subscribed(data: dict[str, Any]) -> bool:
    """Meta's `{"success": true}` (the app subscriptions edge answers `"true"`)."""
    return data.get("success") in (True, "true")


def verification_failed(exc: ApiError, callback_url: str) -> ApiError:
    """Meta's "callback verification failed" said in words an admin can act on."""
    if f"(code {CALLBACK_VERIFICATION_CODE}" not in exc.message:
        return exc
    return ApiPermanentError(
        f"Meta could not verify {callback_url}: it must answer Meta's GET with the challenge, which Hovor does "
        f"only for this account's verify token and only where Meta can reach it. ({exc.message})",
        status=exc.status,
    )


def app_id_for(*, base_url: str, token: str) -> str:
    """``GET /app``: the id of the app a token was issued to."""
    data = GraphClient(base_url=base_url, access_token=token).get("app", {"fields": "id"})
    app_id = data.get("id")
    if not isinstance(app_id, (str, int)) or isinstance(app_id, bool) or not str(app_id):
        raise ApiPermanentError("Meta did not say which app the account's token belongs to")
    return str(app_id)


def subscribe_app(
    *,
    base_url: str,
    app_id: str,
    app_secret: str,
    object_name: str,
    callback_url: str,
    verify_token: str,
    fields: tuple[str, ...],
) -> str:
    """Point the app's webhooks for `object_name` at `callback_url` (``POST
    /{app-id}/subscriptions`` with the app token). Meta first GETs the URL with the verify
    token and refuses (code 2200) unless the challenge comes back. Fields the app was
    already subscribed to are kept. Returns the callback URL this replaced ("" if none)."""
    client = LoginClient(
        base_url=base_url, hidden=(app_secret, verify_token), access_token=app_token(app_id, app_secret)
    )
    previous = ""
    kept: list[str] = []
    for subscription in client.get(f"{app_id}/subscriptions").get("data") or []:
        if isinstance(subscription, dict) and subscription.get("object") == object_name:
            previous = str(subscription.get("callback_url") or "")
            listed = subscription.get("fields") or []
            kept = [str(f.get("name")) for f in listed if isinstance(f, dict) and f.get("name")]
    wanted = list(fields) + sorted(set(kept) - set(fields))
    try:
        data = client.post(
            f"{app_id}/subscriptions",
            {
                "object": object_name,
                "callback_url": callback_url,
                "fields": ",".join(wanted),
                "verify_token": verify_token,
                "include_values": "true",
            },
        )
    except ApiError as exc:
        raise verification_failed(exc, callback_url) from exc
    if not subscribed(data):
        raise ApiPermanentError(f"Meta did not confirm the app's {object_name} webhook subscription")
    return previous if previous != callback_url else ""


def subscribe_page(*, base_url: str, page_id: str, page_token: str, app_id: str, fields: tuple[str, ...]) -> list[str]:
    """Subscribe the app to a Page's webhooks (``POST /{page-id}/subscribed_apps`` with the
    Page token, needs pages_manage_metadata), keeping fields the app already had there."""
    client = GraphClient(base_url=base_url, access_token=page_token)
    kept: list[str] = []
    for entry in client.get(f"{page_id}/subscribed_apps").get("data") or []:
        if isinstance(entry, dict) and str(entry.get("id")) == app_id:
            kept = [str(f) for f in entry.get("subscribed_fields") or [] if isinstance(f, str)]
    wanted = list(fields) + sorted(set(kept) - set(fields))
    if not subscribed(client.post(f"{page_id}/subscribed_apps", {"subscribed_fields": ",".join(wanted)})):
        raise ApiPermanentError("Meta did not confirm the Page's webhook subscription")
    return wanted
