"""Meta's webhook edge, shared by Facebook, Instagram and WhatsApp: the hub.challenge
handshake (GET), the X-Hub-Signature-256 check of the raw body, and reading a delivery's
JSON envelope. Splitting a Page-style delivery into raw events is channels.meta.events."""

from __future__ import annotations

import hashlib
import hmac
from typing import Any

from django.http import HttpRequest, HttpResponse

from channels.base import MalformedWebhook, SignatureInvalid
from channels.parsing import loads_body


def signature_for(app_secret: str, body: bytes) -> str:
    """The X-Hub-Signature-256 value Meta sends for this exact body."""
    return "sha256=" + hmac.new(app_secret.encode(), body, hashlib.sha256).hexdigest()


def verify_signature(request: HttpRequest, app_secret: str) -> None:
    """HMAC-SHA256 of the raw bytes (never re-serialised: Meta escapes non-ASCII as \\uXXXX)."""
    if not app_secret:
        raise SignatureInvalid("the account has no app_secret to check signatures with")
    given = request.headers.get("X-Hub-Signature-256", "")
    if not given.startswith("sha256="):
        raise SignatureInvalid("missing X-Hub-Signature-256")
    if not hmac.compare_digest(given.lower(), signature_for(app_secret, request.body)):
        raise SignatureInvalid("bad X-Hub-Signature-256")


def handshake(request: HttpRequest, verify_token: str) -> HttpResponse:
    """GET ?hub.mode=subscribe&hub.verify_token=…&hub.challenge=… → the challenge, as text."""
    params = request.GET
    if params.get("hub.mode") != "subscribe" or not verify_token:
        raise SignatureInvalid("not a subscription handshake")
    if not hmac.compare_digest(params.get("hub.verify_token", ""), verify_token):
        raise SignatureInvalid("wrong hub.verify_token")
    return HttpResponse(params.get("hub.challenge", ""), content_type="text/plain")


def envelope_list(value: Any, what: str) -> list[Any]:
    """A list in a delivery's envelope (entry, changes, messaging …); absent is empty."""
    if value is None:
        return []
    if not isinstance(value, list):
        raise MalformedWebhook(f"{what} is not a list")
    return value


def envelope_object(value: Any, what: str) -> dict[str, Any]:
    """An object in a delivery's envelope (an entry, a change's value …)."""
    if not isinstance(value, dict):
        raise MalformedWebhook(f"{what} is not an object")
    return value


def json_body(request: HttpRequest, *, expected_object: str) -> dict[str, Any]:
    """The delivery as a dict, or MalformedWebhook (invalid UTF-8, bad JSON, wrong shape)."""
    try:
        data = loads_body(request.body)
    except ValueError as exc:
        raise MalformedWebhook(f"body is not JSON: {exc}") from exc
    if not isinstance(data, dict):
        raise MalformedWebhook("body is not a JSON object")
    if data.get("object") != expected_object:
        raise MalformedWebhook(f"object is {data.get('object')!r}, expected {expected_object!r}")
    if not isinstance(data.get("entry"), list):
        raise MalformedWebhook("entry is not a list")
    return data
