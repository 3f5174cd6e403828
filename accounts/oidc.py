"""The OpenID Connect client (Authlib), built from settings: discovery at the issuer, the
authorization code flow with PKCE (S256), and the ID token checked against the provider's
JWKS for signature, issuer, audience (our client id), expiry and nonce before anyone is
signed in. A token that fails any of those is refused (SsoRefused)."""

from __future__ import annotations

from typing import Any

from authlib.integrations.django_client import OAuth
from django.conf import settings
from django.http import HttpRequest, HttpResponse

CLIENT_NAME = "hovor_oidc"
ID_TOKEN_LEEWAY_SECONDS = 30
# Set in the session of a person signed in through the provider (its issuer).
SSO_SESSION_KEY = "accounts:sso"
_clients: dict[tuple[str, str, str, str], Any] = {}


class SsoRefused(Exception):
    """The provider's answer is not one Hovor accepts (reason in the message, for the log)."""


def sso_enabled() -> bool:
    return bool(settings.OIDC_ISSUER and settings.OIDC_CLIENT_ID)


def _client() -> Any:
    """One Authlib client per configuration (it caches the discovery document and JWKS)."""
    config = (settings.OIDC_ISSUER, settings.OIDC_CLIENT_ID, settings.OIDC_CLIENT_SECRET, settings.OIDC_SCOPES)
    client = _clients.get(config)
    if client is None:
        oauth = OAuth()
        client = oauth.register(
            name=CLIENT_NAME,
            client_id=settings.OIDC_CLIENT_ID,
            client_secret=settings.OIDC_CLIENT_SECRET or None,
            server_metadata_url=f"{settings.OIDC_ISSUER}/.well-known/openid-configuration",
            client_kwargs={
                "scope": settings.OIDC_SCOPES,
                "code_challenge_method": "S256",
                "timeout": settings.HOVOR_HTTP_TIMEOUT,
            },
        )
        _clients[config] = client
    return client


def sso_redirect(request: HttpRequest, redirect_uri: str) -> HttpResponse:
    """To the provider's authorization endpoint (state, nonce and PKCE verifier in the session)."""
    return _client().authorize_redirect(request, redirect_uri)  # type: ignore[no-any-return]


def sso_claims(request: HttpRequest) -> dict[str, Any]:
    """The verified ID token's claims (plus the userinfo endpoint's, if the groups are not in
    the ID token), from the provider's callback. Raises SsoRefused."""
    client = _client()
    claims_options = {
        "iss": {"essential": True, "values": [settings.OIDC_ISSUER]},
        "exp": {"essential": True},
        "sub": {"essential": True},
    }
    try:
        token = client.authorize_access_token(request, claims_options=claims_options, leeway=ID_TOKEN_LEEWAY_SECONDS)
    except Exception as exc:  # Authlib and joserfc raise many kinds; any of them is a refusal
        raise SsoRefused(f"{type(exc).__name__}: {exc}") from exc
    userinfo = token.get("userinfo")
    if not userinfo:
        raise SsoRefused("no ID token in the provider's answer")
    claims = dict(userinfo)
    if settings.OIDC_GROUPS_CLAIM not in claims:
        try:
            extra = dict(client.userinfo(token=token))
        except Exception as exc:
            raise SsoRefused(f"userinfo: {type(exc).__name__}: {exc}") from exc
        if extra.get("sub") != claims.get("sub"):
            raise SsoRefused("userinfo is about another subject")
        claims = {**extra, **claims}
    return claims
