from __future__ import annotations

from django.db import IntegrityError, transaction

from channels.models import Brand
from channels.types import NormalizedAuthor

from ..models import Customer, Identity


def identity_resolve(*, brand: Brand, platform: str, author: NormalizedAuthor) -> Identity:
    """The identity of this platform user for this brand, creating it (and a Customer) on
    first contact, and refreshing the handle/name the platform now shows."""
    identity = (
        Identity.objects.select_related("customer")
        .filter(brand=brand, platform=platform, external_id=author.external_id)
        .first()
    )
    if identity is None:
        try:
            with transaction.atomic():
                customer = Customer.objects.create(brand=brand, name=author.display_name or author.handle.lstrip("@"))
                return Identity.objects.create(
                    customer=customer,
                    brand=brand,
                    platform=platform,
                    external_id=author.external_id,
                    handle=author.handle,
                    display_name=author.display_name,
                )
        except IntegrityError:
            # Another worker created it a moment ago.
            return Identity.objects.select_related("customer").get(
                brand=brand, platform=platform, external_id=author.external_id
            )
    changed = []
    if author.handle and identity.handle != author.handle:
        identity.handle = author.handle
        changed.append("handle")
    if author.display_name and identity.display_name != author.display_name:
        identity.display_name = author.display_name
        changed.append("display_name")
    if changed:
        identity.save(update_fields=changed)
    return identity
