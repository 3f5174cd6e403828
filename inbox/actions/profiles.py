"""Names from the platform: Messenger and Instagram messages carry only the person's id, so
their customers would show as "(no name)". After ingest, a task asks the platform's user
profile API once per identity (inbox.fetch_profile), caches the answer on the identity with
the time, and names the customer from it unless someone already gave them a name. Ingest
never waits for it; a failing lookup is tried a few times, then left."""

from __future__ import annotations

import logging

from django.db import transaction
from django.utils import timezone

from channels.http import ApiAuthError, ApiError, ApiPermanentError
from channels.models import BrandAccount
from channels.registry import UnknownPlatform, get_connector

from ..live import bump_on_commit
from ..models import Customer, Identity
from ..search import search_refresh_customers

logger = logging.getLogger("hovor.inbox.profiles")

MAX_PROFILE_ATTEMPTS = 3


def profile_wanted(identity: Identity) -> bool:
    """Whether the platform should be asked about this identity: it has no name yet, was
    never answered for, and has tries left."""
    return not identity.display_name and identity.profile_fetched_at is None and (
        identity.profile_attempts < MAX_PROFILE_ATTEMPTS
    )


def platform_fetches_profiles(platform: str) -> bool:
    try:
        return get_connector(platform).fetches_profiles
    except UnknownPlatform:
        return False


def identity_profile_fetch(*, identity_id: int, account_id: int) -> bool:
    """Ask the platform once, through the account they wrote to, for the person behind
    `identity_id`; True when it named them.
    Counts the attempt first (so a crash-looping lookup stops after MAX_PROFILE_ATTEMPTS);
    a transient failure raises for the task's retry, a refusal ends it."""
    identity = Identity.objects.select_related("customer").filter(pk=identity_id).first()
    if identity is None or not profile_wanted(identity) or identity.customer.erased_at is not None:
        return False
    Identity.objects.filter(pk=identity.pk).update(profile_attempts=identity.profile_attempts + 1)
    account = BrandAccount.objects.filter(
        pk=account_id, brand_id=identity.brand_id, platform=identity.platform
    ).first()
    if account is None:
        return False
    try:
        author = get_connector(identity.platform).fetch_profile(account, identity.external_id)
    except (ApiPermanentError, ApiAuthError) as exc:
        logger.info("identity %s: no profile from %s: %s", identity.pk, identity.platform, exc.message)
        Identity.objects.filter(pk=identity.pk).update(profile_fetched_at=timezone.now())
        return False
    except ApiError:
        if identity.profile_attempts + 1 >= MAX_PROFILE_ATTEMPTS:
            return False
        raise
    return identity_profile_apply(
        identity_id=identity.pk,
        name=author.display_name if author else "",
        handle=author.handle if author else "",
        avatar_url=author.avatar_url if author else "",
    )


@transaction.atomic
def identity_profile_apply(*, identity_id: int, name: str, handle: str, avatar_url: str) -> bool:
    """Cache what the platform said on the identity (with the time) and name the customer
    from it, unless the customer has a name already (an agent's or another channel's)."""
    identity = Identity.objects.select_for_update(of=("self",)).select_related("customer").get(pk=identity_id)
    identity.profile_fetched_at = timezone.now()
    fields = ["profile_fetched_at"]
    for key, value in (("display_name", name), ("handle", handle), ("avatar_url", avatar_url)):
        if value and not getattr(identity, key):
            setattr(identity, key, value)
            fields.append(key)
    identity.save(update_fields=fields)
    customer = Customer.objects.select_for_update().get(pk=identity.customer_id)
    fallback = {"", identity.external_id, identity.handle.lstrip("@")}
    named = bool(name) and customer.erased_at is None and customer.name.strip() in fallback
    if named:
        customer.name = name
        customer.save(update_fields=["name"])
    if len(fields) > 1 or named:
        search_refresh_customers(customer_ids=[customer.pk])
        bump_on_commit(tickets=list(customer.tickets.all()))
    return named
