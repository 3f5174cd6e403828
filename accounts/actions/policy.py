from __future__ import annotations

from django.contrib.auth.models import User
from django.core.cache import cache
from django.db import transaction
from django.http import HttpRequest

from ..enums import TwoFactorRequirement
from ..models import SecurityPolicy
from ..selectors import POLICY_CACHE_KEY
from ..signals import security_policy_changed


class PolicyError(ValueError):
    pass


@transaction.atomic
def security_policy_set(*, actor: User, two_factor_required: str, request: HttpRequest | None = None) -> SecurityPolicy:
    """Who must use two-factor. The cached copy every request reads is dropped on commit."""
    if two_factor_required not in TwoFactorRequirement.values:
        raise PolicyError(f"Unknown requirement {two_factor_required!r}")
    policy, _ = SecurityPolicy.objects.select_for_update().get_or_create(pk=1)
    old = policy.two_factor_required
    policy.two_factor_required = two_factor_required
    policy.updated_by = actor
    policy.save()
    # Now and again after commit: a request that cached the old row in between is corrected.
    cache.delete(POLICY_CACHE_KEY)
    transaction.on_commit(lambda: cache.delete(POLICY_CACHE_KEY))
    if old != two_factor_required:
        security_policy_changed.send(
            sender=SecurityPolicy,
            user=None,
            actor=actor,
            request=request,
            details={"field": "two_factor_required", "old": old, "new": two_factor_required},
        )
    return policy
