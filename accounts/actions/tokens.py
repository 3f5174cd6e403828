"""Personal API tokens: created (the key returned once), revoked, and checked on every API
request straight from the database (no cache), so a revoked or expired key fails at once."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from django.contrib.auth.models import User
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from ..enums import TokenScope
from ..models import ApiToken
from ..signals import api_token_created, api_token_revoked

KEY_PREFIX = "hvr_"
EXPIRY_DAYS = (7, 30, 90, 365)
LAST_USED_GRANULARITY = timedelta(minutes=1)


class TokenError(ValueError):
    pass


def key_hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


@transaction.atomic
def api_token_create(
    *, user: User, name: str, scopes: list[str], expires_in_days: int, request: HttpRequest | None = None
) -> tuple[ApiToken, str]:
    """A new token and its key (shown to the person once; only its hash is stored)."""
    name = name.strip()
    if not name:
        raise TokenError(_("A token needs a name."))
    scopes = sorted(set(scopes))
    if not scopes or not set(scopes) <= set(TokenScope.values):
        raise TokenError(_("Pick at least one scope."))
    if expires_in_days not in EXPIRY_DAYS:
        raise TokenError(_("Pick an expiry."))
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user,
        name=name[:100],
        prefix=key[: len(KEY_PREFIX) + 6],
        key_hash=key_hash(key),
        scopes=scopes,
        expires_at=timezone.now() + timedelta(days=expires_in_days),
    )
    api_token_created.send(
        sender=ApiToken,
        user=user,
        actor=user,
        request=request,
        details={
            "token_id": token.pk,
            "name": token.name,
            "prefix": token.prefix,
            "scopes": scopes,
            "expires_at": token.expires_at.isoformat(),
        },
    )
    return token, key


@transaction.atomic
def api_token_revoke(*, token: ApiToken, actor: User, request: HttpRequest | None = None) -> ApiToken:
    token = ApiToken.objects.select_for_update().get(pk=token.pk)
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        api_token_revoked.send(
            sender=ApiToken,
            user=token.user,
            actor=actor,
            request=request,
            details={"token_id": token.pk, "name": token.name, "prefix": token.prefix},
        )
    return token


def api_token_for_key(key: str) -> ApiToken | None:
    """The live token this key is, or None (unknown, revoked, expired, or its user inactive)."""
    if not key.startswith(KEY_PREFIX):
        return None
    token = ApiToken.objects.select_related("user").filter(key_hash=key_hash(key)).first()
    now = timezone.now()
    if token is None or not token.is_live(now) or not token.user.is_active:
        return None
    if token.last_used_at is None or now - token.last_used_at > LAST_USED_GRANULARITY:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token
