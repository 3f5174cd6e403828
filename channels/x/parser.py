"""X payloads -> NormalizedMessage.

Stored raw events are self-contained, so they can be re-parsed later without the page or
delivery they came in:

- ``mention`` / ``search``: ``{"tweet": <v2 tweet>, "author": <v2 user or null>}`` from the
  mentions timeline or the recent-search endpoint (same tweet ids, so one dedupe space);
- ``dm``: ``{"event": <v2 dm_event>, "sender": <v2 user or null>, "media": [<v2 media>]?}``;
- ``aaa_tweet``: ``{"tweet": <v1.1 tweet>}`` from an Account Activity ``tweet_create_events``;
- ``aaa_dm``: ``{"event": <v1.1 message_create event>, "users": {id: <v1.1 user>}}`` from
  ``direct_message_events``;
- ``dm_own`` / ``tweet_own``: the brand's own DMs and tweets, explicitly skipped (stored,
  marked ignored: channels.parsing.SkippedEvent), as are retweets and DM events that are not
  messages (someone joining a group conversation).

Polling and webhooks describe the same tweet or DM with the same platform id (tweet id,
DM event id) and parse to the same NormalizedMessage, so whichever arrives second is a
duplicate. The one thing a v1.1 tweet cannot tell is a reply's conversation root, so an
Account Activity reply has no thread_key (it threads by in_reply_to instead)."""
from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from channels import parsing
from channels.base import MalformedWebhook
from channels.parsing import Handler, MalformedPayload, Parsed, SkippedEvent
from channels.types import Attachment, NormalizedAuthor, NormalizedMessage, RawEvent


def unescape_text(text: str) -> str:
    """X returns tweet and DM text with &, < and > as HTML entities; undo exactly those."""
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def parse_time(value: str) -> datetime:
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as exc:
        raise MalformedPayload(f"bad created_at {value!r}") from exc


_MONTHS = {m: i for i, m in enumerate(("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov",
                                        "Dec"), start=1)}


def parse_v1_time(value: str) -> datetime:
    """v1.1's "Wed Oct 10 20:19:24 +0000 2018" (English names whatever the locale)."""
    try:
        _, month, day, clock, offset, year = value.split()
        hour, minute, second = (int(p) for p in clock.split(":"))
        if offset != "+0000":
            raise ValueError(offset)
        return datetime(int(year), _MONTHS[month], int(day), hour, minute, second, tzinfo=UTC)
    except (ValueError, KeyError) as exc:
        raise MalformedPayload(f"bad created_at {value!r}") from exc


def parse_ms_timestamp(value: str) -> datetime:
    """A v1.1 DM's created_timestamp (epoch milliseconds, a string), to the whole second as
    the v2 API reports the same event's created_at."""
    if not value.isdigit():
        raise MalformedPayload(f"bad created_timestamp {value!r}")
    return datetime.fromtimestamp(int(value) // 1000, UTC)


LANGUAGE_TAG = re.compile(r"[a-z]{2,3}(?:-[A-Za-z0-9]{2,4})?")  # "en", "pt-BR", "zh-Hant": X's BCP 47 tags


def _language(lang: str) -> str:
    """X's tag for the post's language; "" for none, X's "undetermined" codes, or anything
    that is no language tag (it would not fit the inbox's column)."""
    if lang in ("", "und", "zxx", "qme", "qht") or not LANGUAGE_TAG.fullmatch(lang):
        return ""
    return lang


def replied_to(tweet: dict[str, Any]) -> str:
    return _referenced(tweet, "replied_to")


def _referenced(tweet: dict[str, Any], kind: str) -> str:
    for ref in parsing.optional_list(tweet, "referenced_tweets"):
        if isinstance(ref, dict) and ref.get("type") == kind:
            return parsing.int_id(ref, "id")
    return ""


def dm_conversation_key(a: str, b: str) -> str:
    """X's id of the one-to-one conversation between two users: "{smaller}-{larger}"."""
    low, high = sorted((a, b), key=int)
    return f"{low}-{high}"


def note_text(tweet: dict[str, Any]) -> str:
    """A long post's whole text: v2's `note_tweet.text` (the post's `text` is cut at 280
    weighted characters), also in account-activity payloads, where it may come wrapped as
    `note_tweet.note_tweet_results.result.text`. "" for a post that is not long."""
    note = parsing.optional_object(tweet, "note_tweet")
    if not note:
        return ""
    results = parsing.optional_object(note, "note_tweet_results", where="note_tweet")
    if results:
        note = parsing.optional_object(results, "result", where="note_tweet.note_tweet_results")
    return parsing.optional_string(note, "text", where="note_tweet")


# --- v2 tweets (mentions timeline, recent search) -------------------------------------
def _v2_tweet_message(payload: dict[str, Any], kind: str) -> list[NormalizedMessage]:
    tweet = parsing.object_(payload, "tweet")
    author = parsing.optional_object(payload, "author")
    author_id = parsing.int_id(tweet, "author_id")
    username = parsing.optional_string(author, "username")
    created = tweet.get("created_at")
    lang = parsing.optional_string(tweet, "lang")
    tweet_id = parsing.int_id(tweet, "id")
    text = unescape_text(note_text(tweet) or parsing.string(tweet, "text"))
    in_reply_to = replied_to(tweet)
    if _referenced(tweet, "retweeted"):
        raise SkippedEvent("a retweet: it carries no words of the customer's own")
    return [
        NormalizedMessage(
            platform_id=tweet_id,
            author=NormalizedAuthor(
                external_id=author_id,
                handle=f"@{username}" if username else "",
                display_name=parsing.optional_string(author, "name"),
            ),
            text=text,
            sent_at=parse_time(created) if isinstance(created, str) else datetime.now(UTC),
            kind=kind,
            thread_key=parsing.optional_int_id(tweet, "conversation_id") or tweet_id,
            in_reply_to=in_reply_to,
            language=_language(lang),
            public=True,
        )
    ]


def parse_mention(payload: dict[str, Any]) -> list[NormalizedMessage]:
    return _v2_tweet_message(payload, "mention")


def parse_search(payload: dict[str, Any]) -> list[NormalizedMessage]:
    """A post that names the brand without tagging it (found by the brand-keyword search).
    Answered like a mention (a public reply, or moved to a DM); its own kind lets agents
    and reports tell that the customer did not address the brand."""
    return _v2_tweet_message(payload, "search_mention")


# --- v2 DMs ---------------------------------------------------------------------------
MEDIA_CONTENT_TYPES = {"photo": "image/jpeg", "animated_gif": "video/mp4", "video": "video/mp4"}


def _attachment(url: str, media_type: str) -> Attachment:
    filename = url.rsplit("/", 1)[-1].split("?", 1)[0] or "attachment"
    return Attachment(filename=filename, content_type=MEDIA_CONTENT_TYPES.get(media_type, "application/octet-stream"),
                      url=url)


def parse_dm(payload: dict[str, Any]) -> list[NormalizedMessage]:
    event = parsing.object_(payload, "event")
    sender = parsing.optional_object(payload, "sender")
    event_type = parsing.optional_string(event, "event_type", where="event") or "MessageCreate"
    if event_type != "MessageCreate":
        raise SkippedEvent(f"a {event_type} DM event (someone joined or left a group conversation): nothing to answer")
    media = parsing.optional_list(payload, "media")
    by_key = {m.get("media_key"): m for m in media if isinstance(m, dict)}
    attachments = []
    keys = parsing.optional_list(parsing.optional_object(event, "attachments"), "media_keys", where="attachments")
    for key in keys:
        item = by_key.get(key)
        if item is not None:
            url = parsing.optional_string(item, "url") or parsing.optional_string(item, "preview_image_url")
            attachments.append(_attachment(url, parsing.optional_string(item, "type")))
    username = parsing.optional_string(sender, "username")
    created = parsing.optional_string(event, "created_at")
    return [
        NormalizedMessage(
            platform_id=parsing.numeric_id(event, "id"),
            author=NormalizedAuthor(
                external_id=parsing.numeric_id(event, "sender_id"),
                handle=f"@{username}" if username else "",
                display_name=parsing.optional_string(sender, "name"),
            ),
            text=unescape_text(parsing.string(event, "text")),
            sent_at=parse_time(created) if created else datetime.now(UTC),
            kind="dm",
            thread_key=parsing.string(event, "dm_conversation_id"),
            attachments=tuple(attachments),
            public=False,
        )
    ]


# --- Account Activity (v1.1 shapes) ---------------------------------------------------
def parse_aaa_tweet(payload: dict[str, Any]) -> list[NormalizedMessage]:
    tweet = parsing.object_(payload, "tweet")
    user = parsing.object_(tweet, "user")
    if tweet.get("retweeted_status") is not None:
        raise SkippedEvent("a retweet: it carries no words of the customer's own")  # as for polling
    tweet_id = parsing.numeric_id(tweet, "id_str")
    text = parsing.string(tweet, "text")
    if tweet.get("truncated") is True or "extended_tweet" in tweet:
        # Compatibility mode cuts text at 140 characters; the whole post is here.
        extended = parsing.object_(tweet, "extended_tweet")
        text = note_text(extended) or parsing.string(extended, "full_text")
    text = note_text(tweet) or text
    in_reply_to = parsing.optional_string(tweet, "in_reply_to_status_id_str")
    screen_name = parsing.optional_string(user, "screen_name")
    return [
        NormalizedMessage(
            platform_id=tweet_id,
            author=NormalizedAuthor(
                external_id=parsing.numeric_id(user, "id_str"),
                handle=f"@{screen_name}" if screen_name else "",
                display_name=parsing.optional_string(user, "name"),
            ),
            text=unescape_text(text),
            sent_at=parse_v1_time(parsing.string(tweet, "created_at")),
            kind="mention",
            # v1.1 has no conversation id: a root post is its own conversation, a reply
            # threads by in_reply_to.
            thread_key="" if in_reply_to else tweet_id,
            in_reply_to=in_reply_to,
            language=_language(parsing.optional_string(tweet, "lang")),
            public=True,
        )
    ]


def parse_aaa_dm(payload: dict[str, Any]) -> list[NormalizedMessage]:
    event = parsing.object_(payload, "event")
    users = parsing.optional_object(payload, "users")
    event_type = parsing.string(event, "type", where="event")
    if event_type != "message_create":
        raise SkippedEvent(f"a {event_type} DM event, not a message")
    create = parsing.object_(event, "message_create")
    sender_id = parsing.numeric_id(create, "sender_id")
    recipient_id = parsing.numeric_id(parsing.object_(create, "target"), "recipient_id")
    data = parsing.object_(create, "message_data")
    sender = users.get(sender_id) or {}
    if not isinstance(sender, dict):
        raise MalformedPayload("users entry is not an object")
    attachments = []
    attachment = parsing.optional_object(data, "attachment")
    if attachment.get("type") == "media":
        media = parsing.object_(attachment, "media")
        url = parsing.string(media, "media_url_https", where="media")
        attachments.append(_attachment(url, parsing.optional_string(media, "type")))
    screen_name = parsing.optional_string(sender, "screen_name")
    return [
        NormalizedMessage(
            platform_id=parsing.numeric_id(event, "id"),
            author=NormalizedAuthor(
                external_id=sender_id,
                handle=f"@{screen_name}" if screen_name else "",
                display_name=parsing.optional_string(sender, "name"),
            ),
            text=unescape_text(parsing.string(data, "text")),
            sent_at=parse_ms_timestamp(parsing.string(event, "created_timestamp")),
            kind="dm",
            thread_key=dm_conversation_key(sender_id, recipient_id),
            attachments=tuple(attachments),
            public=False,
        )
    ]


EVENT_HANDLERS: dict[str, Handler] = {
    "mention": parse_mention,
    "search": parse_search,
    "dm": parse_dm,
    "aaa_tweet": parse_aaa_tweet,
    "aaa_dm": parse_aaa_dm,
}
# The brand's own DMs (the DM list holds sent and received) and own posts (Account
# Activity sends them too): stored, so they are read once, and never made into messages.
IGNORED_EVENTS: dict[str, str] = {
    "dm_own": "a DM the brand sent (ours, or from the X app)",
    "tweet_own": "a post by the brand itself",
}


def parse(kind: str, payload: dict[str, Any]) -> Parsed:
    return parsing.dispatch(kind, payload, handlers=EVENT_HANDLERS, ignored=IGNORED_EVENTS)


# --- pages and deliveries -> raw events -----------------------------------------------
def _users_by_id(page: dict[str, Any]) -> dict[Any, dict[str, Any]]:
    includes = page.get("includes") or {}
    users = includes.get("users") if isinstance(includes, dict) else None
    return {u.get("id"): u for u in users or [] if isinstance(u, dict)}


def tweet_events(page: dict[str, Any], kind: str = "mention", *, brand_id: str = "") -> list[RawEvent]:
    """Split one v2 tweets page (mentions or search) into self-contained raw events; the
    brand's own posts (a search without -from: finds them) become tweet_own."""
    users = _users_by_id(page)
    events = []
    for tweet in page.get("data") or []:
        if not isinstance(tweet, dict) or not tweet.get("id"):
            continue
        own = bool(brand_id) and str(tweet.get("author_id")) == brand_id
        events.append(
            RawEvent(platform_id=str(tweet["id"]), kind="tweet_own" if own else kind,
                     payload={"tweet": tweet, "author": users.get(tweet.get("author_id"))})
        )
    return events


def dm_events(page: dict[str, Any], *, brand_id: str) -> list[RawEvent]:
    """Split one v2 dm_events page into raw events; the brand's own DMs become dm_own."""
    users = _users_by_id(page)
    includes = page.get("includes") or {}
    media = {m.get("media_key"): m for m in (includes.get("media") or []) if isinstance(m, dict)}
    events = []
    for event in page.get("data") or []:
        if not isinstance(event, dict) or not event.get("id"):
            continue
        payload: dict[str, Any] = {"event": event, "sender": users.get(event.get("sender_id"))}
        keys = (event.get("attachments") or {}).get("media_keys") if isinstance(event.get("attachments"), dict) else []
        wanted = [media[k] for k in keys or [] if k in media]
        if wanted:
            payload["media"] = wanted
        own = brand_id and str(event.get("sender_id")) == brand_id
        events.append(RawEvent(platform_id=str(event["id"]), kind="dm_own" if own else "dm", payload=payload))
    return events


# Account Activity keys: those that carry customer messages, and those Hovor does not use.
AAA_HANDLED = frozenset({"tweet_create_events", "direct_message_events"})
AAA_IGNORED = frozenset({
    "favorite_events", "follow_events", "unfollow_events", "block_events", "unblock_events", "mute_events",
    "unmute_events", "user_event", "direct_message_indicate_typing_events", "direct_message_mark_read_events",
    "tweet_delete_events",
})
# Envelope keys that are not events.
AAA_ENVELOPE = frozenset({"for_user_id", "users", "apps", "user_has_blocked", "is_blocked_by", "source", "target"})


def aaa_events(body: Any, *, brand_id: str = "") -> list[RawEvent]:
    """Split an Account Activity delivery into raw events, with the same platform ids as
    polling. `brand_id` (the subscribed user, for_user_id when not given) marks the
    brand's own posts and DMs. Raises MalformedWebhook for a body of the wrong shape, and
    for an event that would not parse, so a bad delivery is refused whole."""
    if not isinstance(body, dict):
        raise MalformedWebhook("body is not a JSON object")
    if not set(body) & (AAA_HANDLED | AAA_IGNORED):
        raise MalformedWebhook("not an Account Activity delivery: no event in it")
    if not set(body) & AAA_HANDLED:
        return []  # likes, follows, typing, read receipts, deletions, revokes: nothing to answer
    for_user_id = body.get("for_user_id")
    if not isinstance(for_user_id, str) or not for_user_id.isdigit():
        raise MalformedWebhook("for_user_id is missing or not a numeric string")
    brand_id = brand_id or for_user_id
    events: list[RawEvent] = []
    tweets = body.get("tweet_create_events", [])
    dms = body.get("direct_message_events", [])
    if not isinstance(tweets, list) or not isinstance(dms, list):
        raise MalformedWebhook("tweet_create_events / direct_message_events is not a list")
    for tweet in tweets:
        if not isinstance(tweet, dict) or not isinstance(tweet.get("user"), dict):
            raise MalformedWebhook("a tweet_create_events item is not a tweet object")
        tweet_id = tweet.get("id_str")
        if not isinstance(tweet_id, str) or not tweet_id.isdigit():
            raise MalformedWebhook("a tweet has no id_str")
        own = tweet["user"].get("id_str") == brand_id
        events.append(RawEvent(platform_id=tweet_id, kind="tweet_own" if own else "aaa_tweet",
                               payload={"tweet": tweet}))
    users = body.get("users", {})
    if not isinstance(users, dict):
        raise MalformedWebhook("users is not an object")
    for event in dms:
        if not isinstance(event, dict) or not isinstance(event.get("message_create"), dict):
            raise MalformedWebhook("a direct_message_events item is not a message_create event")
        event_id = event.get("id")
        if not isinstance(event_id, str) or not event_id.isdigit():
            raise MalformedWebhook("a direct message event has no id")
        create = event["message_create"]
        sender_id = str(create.get("sender_id"))
        recipient_id = str((create.get("target") or {}).get("recipient_id") if isinstance(create.get("target"), dict)
                           else "")
        own = sender_id == brand_id
        subset = {uid: users[uid] for uid in (sender_id, recipient_id) if uid in users}
        events.append(RawEvent(platform_id=event_id, kind="dm_own" if own else "aaa_dm",
                               payload={"event": event, "users": subset}))
    for event in events:  # validate at the edge: a delivery we cannot read is refused whole
        try:
            parse(event.kind, event.payload)
        except SkippedEvent:
            continue
        except (ValueError, TypeError, KeyError, AttributeError) as exc:
            raise MalformedWebhook(f"event {event.platform_id}: {exc}") from exc
    return events
