"""Instagram deliveries (channels/instagram/fixtures/) -> raw events -> what Hovor makes of
each. Every fixture is declared with what each of its events becomes."""
from __future__ import annotations

import base64
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from channels.base import MalformedWebhook
from channels.instagram.connector import connector
from channels.instagram.parser import EVENT_HANDLERS, IGNORED_EVENTS, classify_change, parse
from channels.meta.events import split_delivery
from channels.parsing import MalformedPayload, UnsupportedEventType
from channels.types import (
    Attachment,
    ButtonPress,
    NormalizedAuthor,
    NormalizedMessage,
    NormalizedStatus,
    RawEvent,
)
from tests.channels.parsing_support import skipped

FIXTURES = Path(__file__).resolve().parents[3] / "channels" / "instagram" / "fixtures"
FIXTURE_NAMES = sorted(p.stem for p in FIXTURES.glob("*.json"))

PAGE = "104512345678901"
IG = "17841405793187218"
KATERINA, IVAN, PAVLA = "1127845512345678", "1133556677889900", "1099887766554433"
MEDIA = "17998877665544332"
IGNORED = "ignored"


def igmid(n: int) -> str:
    raw = f"ig_message_item:1:IGMessageThread:{IG}:34028236684171030094912819947017{n:02d}".encode()
    return base64.b64encode(raw).decode().rstrip("=")


def load(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((FIXTURES / f"{name}.json").read_bytes())
    return data


def events_of(name: str) -> list[RawEvent]:
    return split_delivery(load(name), own_ids=frozenset({PAGE, IG}), classify_change=classify_change)


def at(value: str) -> datetime:
    return datetime.fromisoformat(value).replace(tzinfo=UTC)


def dm(
    n: int, sender: str, text: str, when: str, *, in_reply_to: str = "",
    attachments: tuple[Attachment, ...] = (), extra: dict[str, Any] | None = None, press: ButtonPress | None = None,
) -> NormalizedMessage:
    return NormalizedMessage(
        platform_id=igmid(n),
        author=NormalizedAuthor(external_id=sender),
        text=text,
        sent_at=at(when),
        kind="dm",
        thread_key=sender,
        in_reply_to=in_reply_to,
        attachments=attachments,
        public=False,
        extra={"timestamp": int(at(when).timestamp() * 1000), **(extra or {})},
        press=press,
    )


def comment(
    comment_id: str, author: tuple[str, str], text: str, when: str, *, parent: str = "", media: str = MEDIA,
    media_type: str = "FEED",
) -> NormalizedMessage:
    top = parent or comment_id
    return NormalizedMessage(
        platform_id=comment_id,
        author=NormalizedAuthor(external_id=author[0], handle=f"@{author[1]}", display_name=author[1]),
        text=text,
        sent_at=at(when),
        kind="comment",
        thread_key=top,
        in_reply_to=parent,
        public=True,
        extra={"comment_id": comment_id, "parent_id": parent, "thread_comment_id": top, "media_id": media,
               "media_product_type": media_type, "created_time": int(at(when).timestamp())},
    )


T = "2026-11-20T15:30:12.345"
LOOKASIDE = "https://lookaside.fbsbx.com/ig_messaging_cdn/?asset_id="
KAT = (KATERINA, "katerina.novakova")

Outcome = list[NormalizedMessage | NormalizedStatus] | str | type[Exception]
EXPECTED: dict[str, list[tuple[str, Outcome]] | type[Exception]] = {
    "messages__text": [
        ("message", [dm(1, KATERINA, "Hi! Do you ship to Prague? I'd like to order the blue hoodie.", T)]),
    ],
    # A tapped quick reply of the satisfaction question: its title as text, its payload the press.
    "messages__quick_reply_csat": [
        ("message", [dm(40, KATERINA, "5", "2026-11-20T15:40:12.345", press=ButtonPress(payload="csat:42:5"))]),
    ],
    "messages__cyrillic_emoji": [("message", [dm(
        2, IVAN, "Здравейте! Кога ще имате отново размер S? 😍🔥", "2026-11-20T15:30:17.345")])],
    "messages__image": [("message", [dm(
        3, KATERINA, "", "2026-11-20T15:30:21.345",
        attachments=(Attachment("image", "image/jpeg", None,
                                LOOKASIDE + "17912345678901234&signature=AbCdEfGh12-IjKlMnOp_QrStUv"),))])],
    "messages__share": [("message", [dm(
        4, KATERINA, "", "2026-11-20T15:30:24.345",
        attachments=(Attachment("share", "text/uri-list", None, LOOKASIDE + "17923456789012345&signature=ShAr3d"),))])],
    "messages__story_mention": [("message", [dm(
        5, IVAN, "", "2026-11-20T15:30:27.345",
        attachments=(Attachment("story_mention", "image/jpeg", None,
                                LOOKASIDE + "17934567890123456&signature=St0ry"),))])],
    "messages__story_reply": [("message", [dm(
        6, KATERINA, "Is this in stock? 💙", "2026-11-20T15:30:30.345",
        extra={"reply_to_story": {"id": "17945678901234567",
                                  "url": LOOKASIDE + "17945678901234567&signature=Rpl"}})])],
    "messages__reply_to": [("message", [dm(
        7, KATERINA, "Perfect, thanks!", "2026-11-20T15:30:33.345", in_reply_to=igmid(50))])],
    "messages__deleted": [("message_deleted", IGNORED)],
    # Something Instagram will not show: a placeholder for the agent, never silence.
    "messages__unsupported": [
        ("message_unsupported", [
            NormalizedMessage(
                platform_id="aWdfbWVzc2FnZV9pdGVtOjE6SUdNZXNzYWdlVGhyZWFkOjE3ODQxNDA1NzkzMTg3MjE4OjM0MDI4MjM2Njg0MTcxMDMw"
                "MDk0OTEyODE5OTQ3MDE3MDg",
                author=NormalizedAuthor(external_id=IVAN), text="", sent_at=at("2026-11-20T15:30:39.345"), kind="dm",
                thread_key=IVAN, public=False,
                extra={"timestamp": 1795188639345, "unsupported": {"what": "", "detail": ""}},
            )
        ])
    ],
    "messages__echo": [("message_echo", IGNORED)],
    "messages__batched": [
        ("message", [dm(11, KATERINA, "one", "2026-11-21T09:00:00.000")]),
        ("message", [dm(12, IVAN, "два", "2026-11-21T09:00:00.100")]),
        ("message", [dm(13, PAVLA, "tři ✅", "2026-11-21T09:00:00.200")]),
        ("comment", [comment("17887766554433221", (PAVLA, "pavla.k"), "Krásné! 😍", "2026-11-21T09:00:01")]),
    ],
    "messages__malformed_timestamp_string": [("message", MalformedPayload)],
    "messaging_seen__read": [("read", [NormalizedStatus(igmid(50), "read", at("2026-11-20T15:30:45.345"))])],
    "message_reactions__love": [("reaction", IGNORED)],
    "messaging_postbacks__icebreaker": [("postback", IGNORED)],
    "comments__top_level": [("comment", [comment(
        "17865799348089039", KAT, "Máte tuhle mikinu i v černé? 🖤", "2026-11-20T16:00:05")])],
    "comments__reply": [("comment", [comment(
        "17865799348089040", KAT, "@acmecare a kdy?", "2026-11-20T16:05:05", parent="17865799348089039")])],
    "comments__by_account": [("comment.own", IGNORED)],
    "comments__entry_level_field": [("comment", [comment(
        "17865799348089042", (IVAN, "ivan_petrov"), "Супер! 👍", "2026-11-20T16:06:45", media="17998877665544333",
        media_type="REELS")])],
    "comments__malformed_text_object": [("comment", MalformedPayload)],
    "mentions__comment": [("field.mentions", IGNORED)],
    "live_comments__comment": [("field.live_comments", IGNORED)],
}


def test_every_fixture_is_declared() -> None:
    assert sorted(EXPECTED) == FIXTURE_NAMES


@pytest.mark.parametrize("name", FIXTURE_NAMES)
def test_fixture(name: str) -> None:
    expected = EXPECTED[name]
    if isinstance(expected, type):
        with pytest.raises(expected):
            events_of(name)
        return
    events = events_of(name)
    assert [e.kind for e in events] == [kind for kind, _ in expected]
    for event, (_, outcome) in zip(events, expected, strict=True):
        if outcome == IGNORED:
            skipped(parse, event.kind, event.payload)
        elif isinstance(outcome, type):
            with pytest.raises(outcome):
                parse(event.kind, event.payload)
        else:
            assert parse(event.kind, event.payload) == outcome


@pytest.mark.parametrize("name", FIXTURE_NAMES)
def test_fixture_event_kind_is_handled_or_ignored(name: str) -> None:
    for event in events_of(name):
        assert event.kind in EVENT_HANDLERS or event.kind in IGNORED_EVENTS, f"{name}: {event.kind!r} has no handler"


def test_handled_and_ignored_do_not_overlap() -> None:
    assert not set(EVENT_HANDLERS) & set(IGNORED_EVENTS)


def test_fixtures_are_meta_shaped() -> None:
    for name in FIXTURE_NAMES:
        raw = (FIXTURES / f"{name}.json").read_bytes()
        assert raw.isascii() and b"://" not in raw, name
        data = json.loads(raw)
        assert data["object"] == "instagram"
        assert all(entry["id"] == IG for entry in data["entry"]), name


def test_platform_ids() -> None:
    [message] = events_of("messages__text")
    assert message.platform_id == igmid(1)
    [deleted] = events_of("messages__deleted")
    assert deleted.platform_id == f"deleted:{igmid(3)}"  # not the message's own id: it must not dedupe with it
    [top] = events_of("comments__top_level")
    assert top.platform_id == "17865799348089039"
    [own] = events_of("comments__by_account")
    assert own.platform_id == "own:17865799348089041"


def test_a_comment_by_the_account_is_ignored_even_without_the_own_ids() -> None:
    [event] = split_delivery(load("comments__by_account"), own_ids=frozenset(), classify_change=classify_change)
    assert event.kind == "comment.own"  # the entry's id is the account's


def test_unknown_field_is_unsupported() -> None:
    kind, _ = classify_change("story_insights", {"media_id": "1"}, IG, frozenset())
    assert kind == "field.story_insights"
    with pytest.raises(UnsupportedEventType):
        parse("field.something_new", {})


@pytest.mark.parametrize(
    "mutate",
    [
        pytest.param(lambda d: d["entry"][0]["messaging"][0]["message"].update(text=42), id="text-number"),
        pytest.param(lambda d: d["entry"][0]["messaging"][0].update(sender="1127845512345678"), id="sender-string"),
        pytest.param(lambda d: d["entry"][0]["messaging"][0]["message"].update(attachments=[7]), id="attachment-int"),
    ],
)
def test_malformed_message_types(mutate: Any) -> None:
    data = load("messages__text")
    mutate(data)
    [event] = split_delivery(data, own_ids=frozenset(), classify_change=classify_change)
    with pytest.raises(MalformedPayload):
        connector.parse(event.kind, event.payload)


def test_malformed_structure() -> None:
    with pytest.raises(MalformedWebhook):
        split_delivery({"object": "instagram", "entry": [{"id": IG, "changes": [{"field": "comments", "value": []}]}]},
                       own_ids=frozenset(), classify_change=classify_change)
