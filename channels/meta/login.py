"""Connecting with Facebook (Facebook Login's code flow), shared by Facebook, Instagram and
WhatsApp; pointing the webhooks at Hovor afterwards is channels.meta.subscriptions. See
../shared/channels.md §0, §2–4.

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

import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

import requests

from channels.base import BaseConnector, OAuthApp, OAuthChoice, OAuthDenied, OAuthStart
from channels.http import ApiAuthError, ApiError, ApiPermanentError, transport_error

from .graph import GRAPH_VERSION, GraphClient, graph_error, graph_error_body

DIALOG_BASE = "https://www.facebook.com"  # Facebook Login's consent dialog

# What the token endpoint's refusals mean, by error_subcode, in words an admin can act on.
LOGIN_CODE_ERRORS: dict[int, str] = {
    36007: "The authorisation from Meta expired before Hovor used it (it lasts about ten minutes). Connect again.",
    36008: "Meta issued this authorisation for a different callback address (redirect_uri). Connect again from "
    "this page.",
    36009: "This authorisation from Meta was already used (the callback was opened twice or reloaded). Connect again.",
}
APP_CREDENTIAL_CODES = {1, 101}  # "Error validating client secret." / "Error validating application."


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

