"""`Authorization: Token hvr_…`: personal API tokens, with their scopes enforced here for
every API route (read: any GET; reply: writes on conversations; admin: every other write).
A key without the hvr_ prefix is left to DRF's TokenAuthentication (createapitoken's keys,
which keep every right their user has)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import User
from django.utils.translation import gettext as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.request import Request

from .actions.tokens import KEY_PREFIX, api_token_for_key
from .enums import TokenScope
from .models import ApiToken

SAFE_METHODS = ("GET", "HEAD", "OPTIONS")
# Route names (DRF router basenames) whose writes are conversation work, not administration
# (an agent's canned responses are their own writing tools).
REPLY_BASENAMES = ("ticket", "canned")


def required_scope(request: Request) -> str:
    if request.method in SAFE_METHODS:
        return TokenScope.READ
    match = request._request.resolver_match
    name = (match.url_name or "") if match else ""
    if name.split("-")[0] in REPLY_BASENAMES:
        return TokenScope.REPLY
    return TokenScope.ADMIN


class ScopedTokenAuthentication(BaseAuthentication):
    keyword = "Token"

    def authenticate(self, request: Request) -> tuple[User, ApiToken] | None:
        parts = get_authorization_header(request).split()
        if len(parts) != 2 or parts[0].lower() != self.keyword.lower().encode():
            return None
        try:
            key = parts[1].decode()
        except UnicodeError:
            return None
        if not key.startswith(KEY_PREFIX):
            return None  # DRF's TokenAuthentication (next in the list) takes it
        token = api_token_for_key(key)
        if token is None:
            raise exceptions.AuthenticationFailed(_("Invalid, expired or revoked token."))
        scope = required_scope(request)
        if not token.allows(scope):
            raise exceptions.PermissionDenied(_("This token lacks the %(scope)s scope.") % {"scope": scope})
        return token.user, token

    def authenticate_header(self, request: Any) -> str:
        return self.keyword


class ScopedTokenScheme(OpenApiAuthenticationExtension):
    """How the OpenAPI schema names personal tokens (defined here, so it registers with the class)."""

    target_class = ScopedTokenAuthentication
    name = "personalToken"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "`Token hvr_…`: a personal token from the profile page, with scopes read, reply, admin.",
        }
