""" "Connect with X": OAuth 1.0a three-legged, with tweepy's OAuth1UserHandler.

tweepy hard-codes https://api.twitter.com/oauth/{request_token,authorize,access_token}; every
requests_oauthlib session it makes gets the URL-rewriting adapters XClient uses, so the
signature is computed over the canonical URL and the request goes to the account's base URL
(a self-hosted proxy or the loopback fake). The app-only bearer token (POST /oauth2/token) is
fetched the same way: tweepy's OAuth2AppHandler posts with a bare `requests.post`.

Errors map to the channels.http family and never carry a secret, a token or a verifier."""

from __future__ import annotations

import hmac
import json
import logging
from typing import Any
from urllib.parse import quote

import requests
import tweepy
from django.conf import settings
from requests_oauthlib import OAuth1Session
from requests_oauthlib.oauth1_session import TokenRequestDenied

from channels.base import OAuthApp, OAuthChoice, OAuthDenied, OAuthStart
from channels.http import (
    ApiAuthError,
    ApiError,
    ApiOutcomeUnknown,
    ApiPermanentError,
    ApiRateLimited,
    make_session,
    transport_error,
)

from .client import CANONICAL_BASE, XClient, _reset_from

logger = logging.getLogger("hovor.channels.x")

AUTHORIZE_URL = CANONICAL_BASE + "/oauth/authorize"
BEARER_TOKEN_URL = CANONICAL_BASE + "/oauth2/token"


def api_base(base_url: str) -> str:
    """Where requests go: the account's base URL, else the configured X API base."""
    return (base_url or settings.X_API_BASE).rstrip("/")


class RoutedOAuth1UserHandler(tweepy.OAuth1UserHandler):  # type: ignore[misc]
    """tweepy's handler with every OAuth1Session it makes (one at the start, a new one for the
    access token) routed through Hovor's adapters: default timeouts, and the canonical URL
    rewritten to `base_url` after signing."""

    def __init__(self, consumer_key: str, consumer_secret: str, *, base_url: str, callback: str | None = None):
        self._routing = make_session(canonical=CANONICAL_BASE, base_url=api_base(base_url))
        super().__init__(consumer_key, consumer_secret, callback=callback)

    @property
    def oauth(self) -> OAuth1Session:
        return self._oauth

    @oauth.setter
    def oauth(self, session: OAuth1Session) -> None:
        for prefix, adapter in self._routing.adapters.items():
            session.mount(prefix, adapter)
        self._oauth = session


def _scrub(text: str, secrets: tuple[str, ...]) -> str:
    for secret in secrets:
        if secret:
            text = text.replace(secret, "…")
    return text


def _x_says(response: requests.Response, secrets: tuple[str, ...]) -> str:
    """What X's error answer says: v1.1 `errors[].message`, v2 `detail`, or the plain text."""
    text = response.text or ""
    try:
        body = json.loads(text)
    except ValueError:
        body = None
    parts: list[str] = []
    if isinstance(body, dict):
        for error in body.get("errors") or []:
            if isinstance(error, dict) and error.get("message"):
                code = f" (code {error['code']})" if error.get("code") is not None else ""
                parts.append(f"{error['message']}{code}")
        if not parts and body.get("detail"):
            parts.append(str(body["detail"]))
    elif text.strip() and not text.lstrip().startswith("<"):
        parts.append(" ".join(text.split())[:200])
    said = "; ".join(parts) or str(response.reason or "no reason given")
    return _scrub(said, secrets)


def error_for(response: requests.Response, *, what: str, secrets: tuple[str, ...]) -> ApiError:
    """An error answer from X's OAuth endpoints, mapped to the channels error family."""
    status = response.status_code
    message = f"X {status} on {what}: {_x_says(response, secrets)}"
    if status == 401 or (status == 403 and what == "the bearer token"):
        hint = ". Check the API key and secret (and that the app may use OAuth 1.0a)."
        return ApiAuthError(message + hint, status=status)
    if status == 429:
        return ApiRateLimited(message, retry_at=_reset_from(response))
    if status >= 500:
        return ApiOutcomeUnknown(message, status=status)
    return ApiPermanentError(message, status=status)


def _failure(exc: Exception, *, what: str, secrets: tuple[str, ...]) -> ApiError:
    """tweepy wraps every failure of its OAuth calls in TweepyException(e): map the cause."""
    cause: BaseException | None = exc
    while isinstance(cause, tweepy.TweepyException) and cause.__context__ is not None:
        cause = cause.__context__
    if isinstance(cause, TokenRequestDenied):
        return error_for(cause.response, what=what, secrets=secrets)
    if isinstance(cause, requests.RequestException):
        return transport_error(cause, who="X", what=what)
    # TokenMissing and undecodable answers: X answered 2xx with something that is not a token.
    return ApiOutcomeUnknown(f"unreadable answer from X ({what})")


def begin(app: OAuthApp, *, callback_url: str) -> OAuthStart:
    """A request token for this callback, and the consent page the admin's browser goes to."""
    secrets = (app.client_secret,)
    handler = RoutedOAuth1UserHandler(app.client_id, app.client_secret, base_url=app.base_url, callback=callback_url)
    try:
        url: str = handler.get_authorization_url()
    except tweepy.TweepyException as exc:
        raise _failure(exc, what="the request token", secrets=secrets) from None
    token = handler.request_token or {}
    if not token.get("oauth_token") or not token.get("oauth_token_secret"):
        raise ApiOutcomeUnknown("X answered the request token call without a token")
    if token.get("oauth_callback_confirmed") != "true":
        raise ApiPermanentError("X did not confirm the callback URL (oauth_callback_confirmed); check the app settings")
    base = api_base(app.base_url)
    if base != CANONICAL_BASE and url.startswith(CANONICAL_BASE):
        url = base + url[len(CANONICAL_BASE) :]
    return OAuthStart(
        authorize_url=url,
        saved={"oauth_token": str(token["oauth_token"]), "oauth_token_secret": str(token["oauth_token_secret"])},
    )


def complete(app: OAuthApp, *, callback_url: str, params: dict[str, str], saved: dict[str, str]) -> list[OAuthChoice]:
    """The callback: `oauth_token` + `oauth_verifier` on approval, `denied` on refusal. The
    verifier buys the user's access token; GET /2/users/me with it names the account."""
    if "denied" in params:
        raise OAuthDenied("access was not granted on X (Cancel was chosen on its consent page).")
    expected = saved.get("oauth_token", "")
    given = params.get("oauth_token", "")
    if not expected or not given or not hmac.compare_digest(given.encode(), expected.encode()):
        raise OAuthDenied("the answer from X belongs to another authorisation; start again.")
    verifier = params.get("oauth_verifier", "")
    if not verifier:
        raise OAuthDenied("X sent no verifier back; start again.")
    secrets = (app.client_secret, saved.get("oauth_token_secret", ""), verifier)
    handler = RoutedOAuth1UserHandler(app.client_id, app.client_secret, base_url=app.base_url, callback=callback_url)
    handler.request_token = {"oauth_token": expected, "oauth_token_secret": saved.get("oauth_token_secret", "")}
    try:
        access_token, access_token_secret = handler.get_access_token(verifier)
    except tweepy.TweepyException as exc:
        raise _failure(exc, what="the access token", secrets=secrets) from None
    credentials = {
        "consumer_key": app.client_id,
        "consumer_secret": app.client_secret,
        "access_token": str(access_token),
        "access_token_secret": str(access_token_secret),
    }
    try:
        credentials["bearer_token"] = app_bearer_token(
            base_url=app.base_url, consumer_key=app.client_id, consumer_secret=app.client_secret
        )
    except ApiError as exc:
        # Optional: user context does everything but registering webhooks, which fetches one then.
        logger.warning("X bearer token not obtained while connecting: %s", exc.message)
    me = XClient(base_url=app.base_url, credentials=credentials).me()
    user_id, username = str(me.get("id") or ""), str(me.get("username") or "")
    if not user_id or not username:
        raise ApiOutcomeUnknown("X did not say which account authorised the app (GET /2/users/me)")
    name = str(me.get("name") or "")
    handle = f"@{username}"
    return [
        OAuthChoice(
            handle=handle,
            platform_user_id=user_id,
            label=f"{handle} ({name})" if name else handle,
            credentials=credentials,
        )
    ]


def app_bearer_token(*, base_url: str, consumer_key: str, consumer_secret: str) -> str:
    """POST /oauth2/token (client credentials): the app's bearer token for app-only calls."""
    secrets = (consumer_secret,)
    session = make_session(canonical=CANONICAL_BASE, base_url=api_base(base_url))
    try:
        response = session.post(
            BEARER_TOKEN_URL,
            auth=(quote(consumer_key, safe=""), quote(consumer_secret, safe="")),
            data={"grant_type": "client_credentials"},
            headers={"Content-Type": "application/x-www-form-urlencoded;charset=UTF-8"},
        )
    except requests.RequestException as exc:
        raise transport_error(exc, who="X", what="the bearer token") from None
    finally:
        session.close()
    if response.status_code != 200:
        raise error_for(response, what="the bearer token", secrets=secrets)
    try:
        body: Any = response.json()
    except ValueError:
        body = None
    if not isinstance(body, dict) or body.get("token_type") != "bearer" or not body.get("access_token"):
        raise ApiOutcomeUnknown("unreadable answer from X (the bearer token)")
    return str(body["access_token"])
