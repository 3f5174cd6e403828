"""A cheap 'something changed' stamp for live inbox updates: agents' browsers poll with
If-None-Match and get 304 until an action bumps the stamp."""
from __future__ import annotations

import time

from django.core.cache import cache
from django.db import transaction

KEY = "hovor:inbox-version"


def bump_on_commit() -> None:
    transaction.on_commit(lambda: cache.set(KEY, f"{time.time_ns()}", timeout=None))


def current_version() -> str:
    value = cache.get(KEY)
    if value is None:
        value = f"{time.time_ns()}"
        cache.set(KEY, value, timeout=None)
    return str(value)
