"""Splitting one Meta webhook delivery (`object: "page"` or `"instagram"`) into raw events.

Meta batches: one POST can carry many `entry` objects, each with many `messaging` items
and/or `changes`. Every item becomes one RawEvent whose payload is self-contained (the
item plus the id and time of the entry it came in), so a stored event can be parsed again
later without the delivery around it.

Event kinds and platform ids (what a redelivery dedupes on):

- messaging items: `message` (platform id: `message.mid`), `message_echo` (our own sends,
  `echo:<mid>`), `message_deleted` / `message_unsupported` (Instagram's `is_deleted` /
  `is_unsupported`), `delivery`, `read`, `reaction`, `postback`, `referral`, `optin`,
  `message_edit`, … named after the item's key; `standby` items (another app holds the
  thread) are kept under `standby`.
- changes: named by the platform's `classify_change` (Facebook: `comment.add`,
  `comment.edited`, `comment.remove`, `comment.own`, `feed.<item>` …; Instagram: `comment`,
  `comment.own`, `mention` …), with the id it returns.

Structure is checked here (entry and item shapes); field types are checked by parsing
every event before anything is stored (see MetaPageConnector.webhook_events)."""
from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable
from typing import Any

from channels.base import MalformedWebhook
from channels.types import RawEvent

from .webhooks import envelope_list, envelope_object

MAX_ID_LENGTH = 180  # InboundEvent.platform_id holds 200; prefixes need the rest
TOKEN_RE = re.compile(r"[a-z][a-z0-9_]{0,39}")

# Keys of a messaging item that name what it is, in the order they are looked for.
MESSAGING_KEYS = (
    "message",
    "delivery",
    "read",
    "reaction",
    "postback",
    "referral",
    "optin",
    "message_edit",
    "account_linking",
    "pass_thread_control",
    "take_thread_control",
    "request_thread_control",
    "app_roles",
    "policy_enforcement",
    "game_play",
    "response_feedback",
)

# (field, value, entry id, own ids) -> (kind, platform id)
ChangeClassifier = Callable[[str, dict[str, Any], str, frozenset[str]], tuple[str, str]]


def digest(value: Any, length: int = 24) -> str:
    """A short stable fingerprint of a JSON value (for events that carry no id of their own)."""
    raw = json.dumps(value, sort_keys=True, ensure_ascii=True, separators=(",", ":"))
    return hashlib.sha256(raw.encode("ascii")).hexdigest()[:length]


def bounded_id(value: str) -> str:
    """Ids as Meta sent them, unless too long for the events table: then a fingerprint."""
    return value if len(value) <= MAX_ID_LENGTH else "sha256:" + digest(value, 64)


def token(value: Any, default: str = "other") -> str:
    """A platform-given word (verb, item, field) safe to use in an event kind."""
    return value if isinstance(value, str) and TOKEN_RE.fullmatch(value) else default


def id_of(value: Any) -> str:
    """An id Meta sends as a string (older payloads: a number); "" if absent or unusable."""
    if isinstance(value, bool):
        return ""
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return value
    return ""


def messaging_kind(item: dict[str, Any], own_ids: frozenset[str]) -> str:
    for key in MESSAGING_KEYS:
        if key not in item:
            continue
        if key != "message":
            return key
        message = envelope_object(item["message"], "message")
        sender = id_of((item.get("sender") or {}).get("id")) if isinstance(item.get("sender"), dict) else ""
        if message.get("is_echo") is True or (sender and sender in own_ids):
            return "message_echo"
        if message.get("is_deleted") is True:
            return "message_deleted"
        if message.get("is_unsupported") is True:
            return "message_unsupported"
        return "message"
    return "messaging_other"


def messaging_event_id(kind: str, item: dict[str, Any]) -> str:
    sender = item.get("sender")
    sender_id = id_of(sender.get("id")) if isinstance(sender, dict) else ""
    body = item.get(kind) if kind in item else item.get("message")
    mid = id_of(body.get("mid")) if isinstance(body, dict) else ""
    if kind == "message":
        if not mid:
            raise MalformedWebhook("message has no mid")
        return bounded_id(mid)
    if kind in ("message_echo", "message_deleted", "message_unsupported") and mid:
        return bounded_id(f"{kind.removeprefix('message_')}:{mid}")
    if kind in ("delivery", "read") and isinstance(body, dict):
        mark = id_of(body.get("watermark")) or mid or digest(body)
        return bounded_id(f"{kind}:{sender_id}:{mark}")
    return bounded_id(f"{kind}:{sender_id}:{id_of(item.get('timestamp'))}:{mid or digest(item)}")


def split_delivery(
    data: dict[str, Any], *, own_ids: frozenset[str], classify_change: ChangeClassifier
) -> list[RawEvent]:
    """One RawEvent per messaging item, standby item and change, in delivery order."""
    events: list[RawEvent] = []
    for entry in envelope_list(data.get("entry"), "entry"):
        entry = envelope_object(entry, "entry item")
        entry_id = id_of(entry.get("id"))
        if not entry_id:
            raise MalformedWebhook("entry has no id")
        entry_time = entry.get("time")
        if entry_time is not None and (isinstance(entry_time, bool) or not isinstance(entry_time, int)):
            raise MalformedWebhook("entry time is not a number")
        own = own_ids | {entry_id}
        for item in envelope_list(entry.get("messaging"), "messaging"):
            item = envelope_object(item, "messaging item")
            kind = messaging_kind(item, own)
            events.append(
                RawEvent(
                    platform_id=messaging_event_id(kind, item),
                    kind=kind,
                    payload={"entry_id": entry_id, "entry_time": entry_time, "item": item},
                    recipient=entry_id,
                )
            )
        for item in envelope_list(entry.get("standby"), "standby"):
            item = envelope_object(item, "standby item")
            events.append(
                RawEvent(
                    platform_id=bounded_id(f"standby:{messaging_event_id(messaging_kind(item, own), item)}"),
                    kind="standby",
                    payload={"entry_id": entry_id, "entry_time": entry_time, "item": item},
                    recipient=entry_id,
                )
            )
        changes = envelope_list(entry.get("changes"), "changes")
        if not changes and isinstance(entry.get("field"), str) and "value" in entry:
            # Some of Meta's Instagram examples put one change directly on the entry.
            changes = [{"field": entry["field"], "value": entry["value"]}]
        for change in changes:
            change = envelope_object(change, "changes item")
            field = change.get("field")
            if not isinstance(field, str):
                raise MalformedWebhook("change has no field")
            value = envelope_object(change.get("value"), "change value")
            kind, platform_id = classify_change(field, value, entry_id, own)
            events.append(
                RawEvent(
                    platform_id=bounded_id(platform_id),
                    kind=kind,
                    payload={"entry_id": entry_id, "entry_time": entry_time, "field": field, "value": value},
                    recipient=entry_id,
                )
            )
    return events
