"""Who has a conversation open, and who of them is typing: ephemeral, so in Redis (or the
cache in the embedded mode) with short lifetimes, never a row per heartbeat.

Each open conversation tab says "still here" every few seconds (and whether its composer is
being typed in); a tab that closes says so at once, and one that vanishes is forgotten
VIEWING_SECONDS after its last word. With Redis, a ticket's viewers are one hash (a field per
agent) written field by field, so two agents' heartbeats never overwrite each other."""
from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import Any

import redis
from django.conf import settings
from django.core.cache import cache

# A tab heartbeats every 4 s (static/hovor/live.js): three missed and it is gone.
VIEWING_SECONDS = 12
# Typing shows this long after the last keystroke report (sent at most every 2 s).
TYPING_SECONDS = 6


@dataclass(frozen=True)
class Viewer:
    user_id: int
    name: str
    typing: bool

    @property
    def initials(self) -> str:
        words = [w for w in self.name.replace("-", " ").split() if w]
        return "".join(w[0] for w in words[:2]).upper() or "?"

    def as_json(self) -> dict[str, Any]:
        return {"id": self.user_id, "name": self.name, "initials": self.initials, "typing": self.typing}


def _key(ticket_id: int) -> str:
    return f"hovor:viewers:{ticket_id}"


_clients: dict[str, Any] = {}


def _redis() -> Any:
    if settings.REDIS_URL not in _clients:
        _clients[settings.REDIS_URL] = redis.Redis.from_url(settings.REDIS_URL)
    return _clients[settings.REDIS_URL]


def presence_touch(*, ticket_id: int, user_id: int, name: str, typing: bool, now: float | None = None) -> None:
    """This agent has the conversation open (typing in its composer, or not)."""
    now = time.time() if now is None else now
    value = json.dumps({"name": name, "seen": now, "typing_until": now + TYPING_SECONDS if typing else 0})
    if settings.REDIS_URL:
        pipe = _redis().pipeline()
        pipe.hset(_key(ticket_id), str(user_id), value)
        pipe.expire(_key(ticket_id), VIEWING_SECONDS * 5)
        pipe.execute()
        return
    entries = cache.get(_key(ticket_id)) or {}
    entries[str(user_id)] = value
    cache.set(_key(ticket_id), entries, timeout=VIEWING_SECONDS * 5)


def presence_leave(*, ticket_id: int, user_id: int) -> None:
    """The agent closed the conversation (or moved to another one)."""
    if settings.REDIS_URL:
        _redis().hdel(_key(ticket_id), str(user_id))
        return
    entries = cache.get(_key(ticket_id)) or {}
    if entries.pop(str(user_id), None) is not None:
        cache.set(_key(ticket_id), entries, timeout=VIEWING_SECONDS * 5)


def ticket_viewers(*, ticket_id: int, exclude_user_id: int | None = None, now: float | None = None) -> list[Viewer]:
    """Everyone who has the conversation open now, but `exclude_user_id` (the asker), by name."""
    now = time.time() if now is None else now
    if settings.REDIS_URL:
        raw = {k.decode(): v.decode() for k, v in _redis().hgetall(_key(ticket_id)).items()}
    else:
        raw = dict(cache.get(_key(ticket_id)) or {})
    viewers = []
    gone = []
    for user, value in raw.items():
        entry = json.loads(value)
        if entry["seen"] < now - VIEWING_SECONDS:
            gone.append(user)
        elif int(user) != exclude_user_id:
            viewers.append(Viewer(user_id=int(user), name=entry["name"], typing=entry["typing_until"] > now))
    if gone and settings.REDIS_URL:
        _redis().hdel(_key(ticket_id), *gone)
    return sorted(viewers, key=lambda v: (v.name.casefold(), v.user_id))
