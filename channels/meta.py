"""What Facebook, Instagram and WhatsApp share: Meta's webhook handshake and signature,
the Graph API's error family mapped onto ours, and "Connect with Facebook" (Facebook Login's
code flow) with the webhook registration that follows it. See ../shared/channels.md §0, §2–4.

Connecting (MetaLoginConnector; a platform sets its scopes and how it lists accounts):

1. oauth_begin: the admin's browser goes to ``{www.facebook.com|base}/vNN/dialog/oauth``
   with ``client_id``, ``redirect_uri``, ``state``, ``response_type=code`` and ``scope``.
2. Meta returns them to ``redirect_uri`` with ``code`` and ``state`` (or ``error=access_denied
   &error_reason=user_denied``: OAuthDenied). The view checks ``state``.
3. oauth_complete: ``GET /vNN/oauth/access_token`` (client_id, redirect_uri, client_secret,
   code) gives a user token, ``grant_type=fb_exchange_token`` a long-lived one (60 days);
   ``GET /debug_token`` with the app token (``app_id|app_secret``) says which permissions the
   admin granted and on which Pages / WhatsApp Business accounts (``granular_scopes``).
4. The platform lists what the token reaches: Pages (``/me/accounts``, every page of it),
   their Instagram accounts, or the shared WABAs' phone numbers; one OAuthChoice each, with
   a fresh ``verify_token`` for the webhook handshake.

Secrets (app secret, codes, tokens) travel only in query strings Meta documents and in
Authorization headers; they never reach a log line or an exception message."""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import secrets
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

import requests
from django.http import HttpRequest, HttpResponse

from .base import BaseConnector, MalformedWebhook, OAuthApp, OAuthChoice, OAuthDenied, OAuthStart, SignatureInvalid
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
DIALOG_BASE = "https://www.facebook.com"  # Facebook Login's consent dialog
GRAPH_VERSION = "v21.0"

# Graph error codes that mean "slow down" (detected by code, not HTTP status).
THROTTLING_CODES = {
    4,
    17,
    32,
    341,
    613,
    80001,
    80002,
    80003,
    80004,
    80005,
    80006,
    80007,
    80008,
    80009,
    80014,
    130429,
    131048,
    131056,
}
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
        if access_token:  # the OAuth token exchange authenticates with its parameters instead
            self.session.headers["Authorization"] = f"Bearer {access_token}"

    def url(self, path: str) -> str:
        return f"{self.base}/{self.version}/{path.lstrip('/')}"

    def send(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        try:
            return self.session.request(method, self.url(path), **kwargs)
        except requests.RequestException as exc:
            raise transport_error(exc, who=self.label) from exc

    def request(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        response = self.send(method, path, **kwargs)
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

    def pages(
        self, path: str, params: dict[str, Any] | None = None, *, max_pages: int = 200
    ) -> Iterator[dict[str, Any]]:
        """Every item of a cursor-paged edge: follows ``paging.cursors.after`` for as long as
        Meta says there is a ``paging.next`` page (the ``next`` URL itself carries the token
        in its query, so it is not requested as given)."""
        query = dict(params or {})
        seen: set[str] = set()
        for _ in range(max_pages):
            data = self.get(path, query)
            for item in data.get("data") or []:
                if isinstance(item, dict):
                    yield item
            paging = data.get("paging")
            paging = paging if isinstance(paging, dict) else {}
            cursors = paging.get("cursors")
            after = cursors.get("after") if isinstance(cursors, dict) else None
            if not paging.get("next") or not isinstance(after, str) or not after or after in seen:
                return
            seen.add(after)
            query["after"] = after
        raise ApiPermanentError(f"{self.label} kept paging {path} beyond {max_pages} pages")


# --- Facebook Login (connecting an account) ---------------------------------------------
# What the token endpoint's refusals mean, by error_subcode, in words an admin can act on.
LOGIN_CODE_ERRORS: dict[int, str] = {
    36007: "The authorisation from Meta expired before Hovor used it (it lasts about ten minutes). Connect again.",
    36008: "Meta issued this authorisation for a different callback address (redirect_uri). Connect again from "
    "this page.",
    36009: "This authorisation from Meta was already used (the callback was opened twice or reloaded). Connect again.",
}
APP_CREDENTIAL_CODES = {1, 101}  # "Error validating client secret." / "Error validating application."
CALLBACK_VERIFICATION_CODE = 2200  # Meta's GET to the callback URL did not return the challenge


def graph_error_body(response: requests.Response) -> dict[str, Any]:
    """The `error` object of a Graph error answer ({} when there is none)."""
    try:
        body = response.json()
    except ValueError:
        return {}
    error = body.get("error") if isinstance(body, dict) else None
    return error if isinstance(error, dict) else {}


def scrubbed(exc: ApiError, hidden: tuple[str, ...]) -> ApiError:
    """The same error with any of these secret values masked in its message."""
    text = exc.message
    for value in hidden:
        if value and len(value) >= 4:
            text = text.replace(value, "***")
    if text != exc.message:
        exc.message = text
        exc.args = (text,)
    return exc


def login_error(response: requests.Response) -> ApiError:
    """Graph's mapping, refined for Facebook Login's token endpoint: a wrong app id or
    secret is the admin's to fix (ApiAuthError, not a transient code 1); a used, expired or
    misdirected code says so."""
    error = graph_error_body(response)
    base = graph_error(response)
    code, subcode = error.get("code"), error.get("error_subcode")
    if isinstance(subcode, int) and subcode in LOGIN_CODE_ERRORS:
        return ApiPermanentError(f"{LOGIN_CODE_ERRORS[subcode]} ({base.message})", status=response.status_code)
    if code in APP_CREDENTIAL_CODES and response.status_code < 500:
        return ApiAuthError(
            "Meta refused the app ID or app secret; check both in the App Dashboard (App settings → Basic). "
            f"({base.message})",
            status=response.status_code,
        )
    return base


class LoginClient(GraphClient):
    """Graph calls made while connecting, before Hovor holds a token of its own: the token
    exchange (authenticated by the app secret and the code in its query, as Meta documents)
    and calls with the app token ``app_id|app_secret``. A transport failure never carries the
    URL, and Meta's words are scrubbed of the values in `hidden`."""

    def __init__(self, *, base_url: str, hidden: tuple[str, ...], access_token: str = "") -> None:
        super().__init__(base_url=base_url, access_token=access_token)
        self.hidden = tuple(h for h in hidden if h) + ((access_token,) if access_token else ())

    def send(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        try:
            return self.session.request(method, self.url(path), **kwargs)
        except requests.RequestException as exc:
            # Not chained: the request exception's text is the URL, with the secret in its query.
            raise scrubbed(transport_error(exc, who=self.label), self.hidden) from None

    def error_for(self, response: requests.Response) -> ApiError:
        return scrubbed(login_error(response), self.hidden)


def app_token(app_id: str, app_secret: str) -> str:
    """An app access token: Meta accepts ``app_id|app_secret`` as one."""
    return f"{app_id}|{app_secret}"


def authorize_url(app: OAuthApp, *, callback_url: str, state: str, scopes: tuple[str, ...]) -> str:
    """Facebook Login's consent dialog for these permissions (on the app's base URL when set)."""
    base = (app.base_url or DIALOG_BASE).rstrip("/")
    query = urlencode(
        {
            "client_id": app.client_id,
            "redirect_uri": callback_url,
            "state": state,
            "response_type": "code",
            "scope": ",".join(scopes),
        }
    )
    return f"{base}/{GRAPH_VERSION}/dialog/oauth?{query}"


def code_from(params: dict[str, str]) -> str:
    """The authorisation code of a callback, or OAuthDenied for a refusal
    (``error=access_denied&error_reason=user_denied``) or an answer without one."""
    if params.get("error") or params.get("error_reason"):
        if params.get("error_reason") == "user_denied" or params.get("error") == "access_denied":
            raise OAuthDenied("You cancelled on Facebook's consent page, so nothing was connected.")
        said = (params.get("error_description") or params.get("error") or params.get("error_reason") or "")[:200]
        raise OAuthDenied(f"Meta did not authorise Hovor: {said}")
    code = params.get("code") or ""
    if not code:
        raise OAuthDenied("Meta's answer carried no authorisation code. Connect again.")
    return code


@dataclass(frozen=True)
class MetaGrant:
    """What the admin granted: a long-lived user token, its permissions, and the assets
    (Pages, WhatsApp Business accounts) each permission covers (``granular_scopes``)."""

    user_token: str
    user_id: str
    scopes: frozenset[str]
    targets: dict[str, tuple[str, ...]] = field(default_factory=dict)
    expires_at: datetime | None = None


def _token_from(data: dict[str, Any]) -> tuple[str, int | None]:
    token = data.get("access_token")
    if not isinstance(token, str) or not token:
        raise ApiPermanentError("Meta answered the token exchange without an access token")
    expires_in = data.get("expires_in")
    return token, expires_in if isinstance(expires_in, int) and not isinstance(expires_in, bool) else None


def debug_token(*, base_url: str, app_id: str, app_secret: str, token: str) -> dict[str, Any]:
    """``GET /debug_token?input_token=…`` with the app token: what Meta knows of `token`
    (app, validity, expiry, scopes, granular_scopes)."""
    client = LoginClient(base_url=base_url, hidden=(app_secret, token), access_token=app_token(app_id, app_secret))
    data = client.get("debug_token", {"input_token": token}).get("data")
    if not isinstance(data, dict):
        raise ApiPermanentError("Meta's debug_token answer had no data")
    return data


def granted_targets(info: dict[str, Any]) -> dict[str, tuple[str, ...]]:
    """``granular_scopes`` as {permission: (asset id, …)}: the Pages or WhatsApp Business
    accounts the admin picked for it (absent when the permission is not per asset)."""
    targets: dict[str, tuple[str, ...]] = {}
    for item in info.get("granular_scopes") or []:
        if not isinstance(item, dict) or not isinstance(item.get("scope"), str):
            continue
        ids = item.get("target_ids")
        if isinstance(ids, list):
            targets[item["scope"]] = tuple(str(i) for i in ids if isinstance(i, (str, int)) and not isinstance(i, bool))
    return targets


def login_grant(app: OAuthApp, *, callback_url: str, params: dict[str, str], required: frozenset[str]) -> MetaGrant:
    """Steps 2–3 of connecting: the callback's code → a user token → a long-lived one,
    checked with debug_token (issued to this app, valid, with every `required` permission)."""
    code = code_from(params)
    if not app.client_id or not app.client_secret:
        raise ApiAuthError("Enter the Meta app's ID and app secret to connect.")
    exchange = LoginClient(base_url=app.base_url, hidden=(app.client_secret, code))
    short, _ = _token_from(
        exchange.get(
            "oauth/access_token",
            {
                "client_id": app.client_id,
                "redirect_uri": callback_url,
                "client_secret": app.client_secret,
                "code": code,
            },
        )
    )
    extend = LoginClient(base_url=app.base_url, hidden=(app.client_secret, short))
    token, expires_in = _token_from(
        extend.get(
            "oauth/access_token",
            {
                "grant_type": "fb_exchange_token",
                "client_id": app.client_id,
                "client_secret": app.client_secret,
                "fb_exchange_token": short,
            },
        )
    )
    info = debug_token(base_url=app.base_url, app_id=app.client_id, app_secret=app.client_secret, token=token)
    if info.get("is_valid") is not True:
        raise ApiAuthError("Meta says the token it just issued is not valid. Connect again.")
    if str(info.get("app_id") or "") != app.client_id:
        raise ApiAuthError("Meta issued the token to a different app than the one entered. Connect again.")
    scopes = frozenset(s for s in info.get("scopes") or [] if isinstance(s, str))
    missing = sorted(required - scopes)
    if missing:
        raise OAuthDenied(
            f"You did not allow {', '.join(missing)} on Facebook's consent page, and Hovor cannot work without "
            "it. Connect again and leave every permission switched on."
        )
    expires_at = datetime.now(UTC) + timedelta(seconds=expires_in) if expires_in else None
    return MetaGrant(
        user_token=token,
        user_id=str(info.get("user_id") or ""),
        scopes=scopes,
        targets=granted_targets(info),
        expires_at=expires_at,
    )


def new_verify_token() -> str:
    """A random webhook verify token for a newly connected account."""
    return secrets.token_urlsafe(24)


class MetaLoginConnector(BaseConnector):
    """ "Connect with Facebook" for a Meta platform: the shared code flow above. A platform
    names its permissions and lists the accounts a grant reaches (oauth_accounts)."""

    registers_webhooks = True
    oauth_scopes: tuple[str, ...] = ()
    # Requested but not needed: business_management matters only when the admin's role on
    # the Page or WhatsApp account comes through a business portfolio.
    oauth_optional_scopes: frozenset[str] = frozenset({"business_management"})
    oauth_nothing_found = "Meta shared no account Hovor can use."

    def oauth_begin(self, app: OAuthApp, *, callback_url: str, state: str) -> OAuthStart:
        return OAuthStart(
            authorize_url=authorize_url(app, callback_url=callback_url, state=state, scopes=self.oauth_scopes)
        )

    def oauth_complete(
        self, app: OAuthApp, *, callback_url: str, params: dict[str, str], saved: dict[str, str]
    ) -> list[OAuthChoice]:
        grant = login_grant(
            app,
            callback_url=callback_url,
            params=params,
            required=frozenset(self.oauth_scopes) - self.oauth_optional_scopes,
        )
        choices = self.oauth_accounts(app, grant)
        if not choices:
            raise OAuthDenied(self.oauth_nothing_found)
        return choices

    def oauth_accounts(self, app: OAuthApp, grant: MetaGrant) -> list[OAuthChoice]:
        raise NotImplementedError


def granted_pages(app: OAuthApp, grant: MetaGrant, *, fields: str) -> list[dict[str, Any]]:
    """The Pages the admin shared (``GET /me/accounts``, every page of it), each with its own
    Page access token (long-lived, as it comes from a long-lived user token)."""
    client = GraphClient(base_url=app.base_url, access_token=grant.user_token)
    return list(client.pages("me/accounts", {"fields": fields}))


# --- webhook registration ---------------------------------------------------------------
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
