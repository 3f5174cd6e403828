"""Cheap "something changed" stamps for live pages. Agents' pages ask once a second
(inbox.views.live) whether any stamp they depend on moved, and get 204 until one did.

Stamps live in the cache (Redis in production) and are bumped after commit:
- one per ticket (its thread, assignee and status),
- one per brand (any of its tickets: the inbox lists of agents who see that brand),
- `any` (any ticket at all: admins' inboxes cover every brand),
- `all`: everything, for changes with no one ticket (teams, merges); every page refreshes.
An action that knows its tickets passes them; `bump_on_commit()` with none is always right,
just less cheap for the other tabs."""
from __future__ import annotations

import hashlib
import time
from collections.abc import Iterable
from typing import TYPE_CHECKING

from django.core.cache import cache
from django.db import transaction

if TYPE_CHECKING:
    from .models import Ticket

KEY = "hovor:inbox-version"  # `all`
ANY_KEY = "hovor:live:any"


def ticket_key(ticket_id: int) -> str:
    return f"hovor:live:ticket:{ticket_id}"


def brand_key(brand_id: int) -> str:
    return f"hovor:live:brand:{brand_id}"


def _stamp() -> str:
    return f"{time.time_ns()}"


def bump_now(*, tickets: Iterable[Ticket] = ()) -> None:
    keys = set()
    for ticket in tickets:
        if ticket.pk is not None:
            keys.add(ticket_key(ticket.pk))
        keys.add(brand_key(ticket.brand_id))
    stamp = _stamp()
    if keys:
        cache.set_many(dict.fromkeys([*keys, ANY_KEY], stamp), timeout=None)
    else:
        cache.set(KEY, stamp, timeout=None)


def bump_on_commit(*, tickets: Iterable[Ticket] = ()) -> None:
    """After the caller's transaction commits, tell open pages. With `tickets`: those
    conversations and their brands' inboxes; without: everything."""
    chosen = list(tickets)
    transaction.on_commit(lambda: bump_now(tickets=chosen))


def current_version() -> str:
    """The `all` stamp (created on first read so that it is stable from then on)."""
    value = cache.get(KEY)
    if value is None:
        value = _stamp()
        cache.add(KEY, value, timeout=None)
        value = cache.get(KEY, value)
    return str(value)


def versions(*, brand_ids: Iterable[int] | None, ticket_id: int | None = None) -> tuple[str, str]:
    """(inbox, ticket) versions in one cache round trip. `brand_ids` None: every brand (an
    admin). The ticket's is empty without a ticket."""
    keys = [KEY, ANY_KEY] if brand_ids is None else [KEY, *(brand_key(b) for b in sorted(brand_ids))]
    if ticket_id is not None:
        keys.append(ticket_key(ticket_id))
    found = cache.get_many(keys)
    if KEY not in found:
        found[KEY] = current_version()
    inbox_keys = keys[:-1] if ticket_id is not None else keys
    inbox = version_digest(found.get(k, "") for k in inbox_keys)
    ticket = version_digest([found[KEY], found.get(ticket_key(ticket_id), "")]) if ticket_id is not None else ""
    return inbox, ticket


def version_digest(parts: Iterable[object]) -> str:
    return hashlib.blake2s("|".join(str(p) for p in parts).encode(), digest_size=8).hexdigest()
