"""Which brands a person may see, as the connector side's API needs to know it. The inbox
owns teams; it registers a provider here when its app loads, so channels never imports it.
With no provider registered (a bare install of the connectors), everyone sees every brand."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db.models import QuerySet

from .models import Brand

BrandScope = Callable[[Any], QuerySet[Brand]]


def _every_brand(user: Any) -> QuerySet[Brand]:
    return Brand.objects.all()


_provider: BrandScope = _every_brand


def brand_scope_register(provider: BrandScope) -> None:
    global _provider
    _provider = provider


def brands_visible_to(user: Any) -> QuerySet[Brand]:
    return _provider(user)
