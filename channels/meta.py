"""What Facebook, Instagram and WhatsApp share: Meta's webhook handshake and signature,
and the Graph API's error family mapped onto ours. See ../shared/channels.md §0, §2–4."""
from __future__ import annotations

import hashlib
import hmac
import json
import logging
from datetime import UTC, datetime, timedelta
from typing import Any

import requests
from django.http import HttpRequest, HttpResponse

from .base import MalformedWebhook, SignatureInvalid
from .http import (
    ApiAuthError,
    ApiError,
    ApiOutcomeUnknown,
    ApiPermanentError,
    ApiRateLimited,
    make_session,
    transport_error,
)

logger = logging.getLogger("hovor.channels.meta")

GRAPH_BASE = "https://graph.facebook.com"
GRAPH_VERSION = "v21.0"

# Graph error codes that mean "slow down" (detected by code, not HTTP status).
THROTTLING_CODES = {4, 17, 32, 341, 613, 80001, 80002, 80003, 80004, 80005, 80006, 80007, 80008, 80009, 80014,
                    130429, 131048, 131056}
AUTH_CODES = {190, 102}
# Codes that mean Meta failed before or while acting; retry after checking nothing went out.
TRANSIENT_CODES = {1, 2}


# --- webhooks -------------------------------------------------------------------------
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


def json_body(request: HttpRequest, *, expected_object: str) -> dict[str, Any]:
    """The delivery as a dict, or MalformedWebhook (invalid UTF-8, bad JSON, wrong shape)."""
    try:
        data = json.loads(request.body.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise MalformedWebhook(f"body is not JSON: {exc}") from exc
    if not isinstance(data, dict):
        raise MalformedWebhook("body is not a JSON object")
    if data.get("object") != expected_object:
        raise MalformedWebhook(f"object is {data.get('object')!r}, expected {expected_object!r}")
    if not isinstance(data.get("entry"), list):
        raise MalformedWebhook("entry is not a list")
    return data


# --- Graph API ------------------------------------------------------------------------
def _retry_at(response: requests.Response | None) -> datetime:
    """From X-Business-Use-Case-Usage's estimated_time_to_regain_access (minutes), else 60 s."""
    now = datetime.now(UTC)
    minutes = 0
    if response is not None:
        try:
            usage = json.loads(response.headers.get("X-Business-Use-Case-Usage", "{}"))
            for entries in usage.values():
                for entry in entries:
                    minutes = max(minutes, int(entry.get("estimated_time_to_regain_access", 0)))
        except (ValueError, TypeError, AttributeError):
            minutes = 0
    return now + (timedelta(minutes=minutes) if minutes else timedelta(seconds=60))


def graph_error(response: requests.Response) -> ApiError:
    try:
        error = response.json().get("error") or {}
    except ValueError:
        error = {}
    code = error.get("code")
    subcode = error.get("error_subcode")
    text = f"{error.get('message') or response.reason} (code {code}" + (f"/{subcode})" if subcode else ")")
    message = f"Meta {response.status_code}: {text}"
    if code in THROTTLING_CODES:
        return ApiRateLimited(message, retry_at=_retry_at(response), status=response.status_code)
    if code in AUTH_CODES or response.status_code == 401:
        return ApiAuthError(message, status=response.status_code)
    if code in TRANSIENT_CODES or response.status_code >= 500:
        return ApiOutcomeUnknown(message, status=response.status_code)
    return ApiPermanentError(message, status=response.status_code)


class GraphClient:
    """requests against graph.facebook.com (or the account's base URL), Bearer token,
    one error family out."""

    label = "Meta"  # how errors name the platform

    def __init__(self, *, base_url: str, access_token: str, version: str = GRAPH_VERSION) -> None:
        self.base = (base_url or GRAPH_BASE).rstrip("/")
        self.version = version
        self.session = make_session()
        self.session.headers["Authorization"] = f"Bearer {access_token}"

    def url(self, path: str) -> str:
        return f"{self.base}/{self.version}/{path.lstrip('/')}"

    def request(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        try:
            response = self.session.request(method, self.url(path), **kwargs)
        except requests.RequestException as exc:
            raise transport_error(exc, who=self.label) from exc
        if response.status_code >= 400:
            raise self.error_for(response)
        try:
            data = response.json()
        except ValueError as exc:
            raise ApiOutcomeUnknown(f"unreadable answer from {self.label}") from exc
        if not isinstance(data, dict):
            raise ApiOutcomeUnknown(f"unreadable answer from {self.label}")
        if "error" in data:
            raise self.error_for(response)
        return data

    def error_for(self, response: requests.Response) -> ApiError:
        """The error family member for a failed answer (a platform refines it by code)."""
        return graph_error(response)

    def post(self, path: str, payload: dict[str, Any]) -> dict[str, Any]:
        return self.request("POST", path, json=payload)

    def get(self, path: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
        return self.request("GET", path, params=params)
