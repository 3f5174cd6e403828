"""Facebook Page deliveries (channels/facebook/fixtures/) -> raw events -> what Hovor makes
of each. Every fixture is declared here with what every one of its events becomes (a
message, a delivery status, ignored with a reason, or refused as malformed), so a new
fixture without an expectation fails `test_every_fixture_is_declared`."""
from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from channels.base import MalformedWebhook
from channels.facebook.connector import connector
from channels.facebook.parser import (
    EVENT_HANDLERS,
    IGNORED_EVENTS,
    classify_change,
    edit_platform_id,
    parse,
)
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

FIXTURES = Path(__file__).resolve().parents[3] / "channels" / "facebook" / "fixtures"
FIXTURE_NAMES = sorted(p.stem for p in FIXTURES.glob("*.json"))

PAGE = "104512345678901"
JANA, PETR, MARIA = "7129834501234567", "6538291047712345", "8021746390055123"
ANNA = NormalizedAuthor(external_id="25781234567890123", display_name="Anna Dvořáková")
TOMAS = NormalizedAuthor(external_id="25789876543210987", display_name="Tomáš Král")
POSTNUM = "122165432109876543"
POST = f"{PAGE}_{POSTNUM}"
C1, C2, C3 = f"{POSTNUM}_1234567890123456", f"{POSTNUM}_1234567890654321", f"{POSTNUM}_1234567890777777"
OURS1 = "m_p9Xb2Qw7Lk3Nz8Rt5Vy1Cd6Fg0Hj4Mn8Pq2St6Uv0Wx4Yz8Ab2Cd6Ef0Gh4Ij8Kl2Mn6Op0Qr4St8Uv2WxYQ"
FAMILY = "\U0001f468\u200d\U0001f469\u200d\U0001f467\u200d\U0001f466"
FLAG_CZ = "\U0001f1e8\U0001f1ff"

IGNORED = "ignored"


def load(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((FIXTURES / f"{name}.json").read_bytes())
    return data


def events_of(name: str) -> list[RawEvent]:
    return split_delivery(load(name), own_ids=frozenset({PAGE}), classify_change=classify_change)


def ms(value: str) -> datetime:
    return datetime.fromisoformat(value).replace(tzinfo=UTC)


def millis(value: str) -> int:
    return int(ms(value).timestamp() * 1000)


def dm(
    mid: str, sender: str, text: str, at: str, *, in_reply_to: str = "", attachments: tuple[Attachment, ...] = (),
    extra: dict[str, Any] | None = None, press: ButtonPress | None = None,
) -> NormalizedMessage:
    return NormalizedMessage(
        platform_id=mid,
        author=NormalizedAuthor(external_id=sender),
        text=text,
        sent_at=ms(at),
        kind="dm",
        thread_key=sender,
        in_reply_to=in_reply_to,
        attachments=attachments,
        public=False,
        extra={"timestamp": millis(at), **(extra or {})},
        press=press,
    )


def comment(
    comment_id: str, author: NormalizedAuthor, text: str, at: str, *, parent: str = POST,
    attachments: tuple[Attachment, ...] = (),
) -> NormalizedMessage:
    top = comment_id if parent == POST else parent
    created = int(ms(at).timestamp())
    return NormalizedMessage(
        platform_id=comment_id,
        author=author,
        text=text,
        sent_at=ms(at),
        kind="comment",
        thread_key=top,
        in_reply_to="" if parent == POST else parent,
        attachments=attachments,
        public=True,
        extra={"comment_id": comment_id, "post_id": POST, "parent_id": parent, "thread_comment_id": top,
               "created_time": created},
    )


IMG_URL = (
    "https://scontent.xx.fbcdn.net/v/t1.15752-9/468123456_1234567890123456_1234567890123456789_n.jpg"
    "?_nc_cat=105&ccb=1-7&_nc_sid=fc17b8&_nc_ohc=Xy7Zk2LmQwEQ7kNvgFe1x3Q&_nc_ad=z-m&_nc_cid=0&_nc_ht=scontent.xx"
    "&oh=03_Q7cD1QHq&oe=67A1B2C3"
)
PDF_URL = (
    "https://cdn.fbsbx.com/v/t59.2708-21/467123456_998877665544332_1122334455667788990_n.pdf/Faktura-2026-0411.pdf"
    "?_nc_cat=104&ccb=1-7&_nc_sid=2b0e22&_nc_ohc=Q2w3E4r5T6y7&_nc_ht=cdn.fbsbx.com&oh=03_Q7cD1Aa&oe=67A1C4D5&dl=1"
)
AUDIO_URL = (
    "https://cdn.fbsbx.com/v/t59.3654-21/467234567_887766554433221_2233445566778899001_n.mp4/"
    "audioclip-1795176610000-2871.mp4?_nc_cat=101&ccb=1-7&_nc_sid=d61c36&_nc_ohc=Zx1Cv2Bn3&_nc_ht=cdn.fbsbx.com"
    "&oh=03_Q7cD1Bb&oe=67A1D6E7"
)
VIDEO_URL = (
    "https://video.xx.fbcdn.net/v/t42.3356-2/467345678_776655443322110_3344556677889900112_n.mp4/"
    "video-1795176611.mp4?_nc_cat=108&ccb=1-7&_nc_sid=060d78&_nc_ohc=Mn4Bv5Cx6&vabr=1&_nc_ht=video.xx"
    "&oh=03_Q7cD1Cc&oe=67A1E8F9&dl=1"
)
STICKER_URL = (
    "https://scontent.xx.fbcdn.net/v/t39.1997-6/39178562_1505197616293642_5411344281094848512_n.png"
    "?stp=cp0_dst-png_p100x100&_nc_cat=1&ccb=1-7&_nc_sid=ac3552&_nc_ohc=Kj8Hg7Fd6&_nc_ht=scontent.xx&oh=00_AYC"
    "&oe=67A2F0A1"
)
LIKE_URL = (
    "https://scontent.xx.fbcdn.net/v/t39.1997-6/851557_369239266556155_759568595_n.png"
    "?_nc_cat=1&ccb=1-7&_nc_sid=ac3552&_nc_ohc=Lk9Jh8Gf7&_nc_ht=scontent.xx&oh=00_AYD&oe=67A2F1B2"
)
PHOTO_URL = (
    "https://scontent.xx.fbcdn.net/v/t39.30808-6/468999111_122165432109999999_8877665544332211_n.jpg"
    "?_nc_cat=103&ccb=1-7&_nc_sid=833d8c&_nc_ohc=Pq1Wr2Et3&_nc_ht=scontent.xx&oh=00_AYE&oe=67A3A1B2"
)

B1 = "m_B4tch1Q9wE3rT7yU1iO5pA9sD3fG7hJ1kL5zX9cV3bN7mQ1wE5rT9yU3iO7pA1sD5fG9hJ3kL7zX1cV5bN9mw"
B2 = "m_B4tch2Q0wE4rT8yU2iO6pA0sD4fG8hJ2kL6zX0cV4bN8mQ2wE6rT0yU4iO8pA2sD6fG0hJ4kL8zX2cV6bN0mw"
B3 = "m_B4tch3Q1wE5rT9yU3iO7pA1sD5fG9hJ3kL7zX1cV5bN9mQ3wE7rT1yU5iO9pA3sD7fG1hJ5kL9zX3cV7bN1mw"

Outcome = list[NormalizedMessage | NormalizedStatus] | str | type[Exception]

# fixture -> [(event kind, outcome)] in delivery order; or the exception splitting raises.
EXPECTED: dict[str, list[tuple[str, Outcome]] | type[Exception]] = {
    "messages__text": [("message", [dm(
        "m_TxGPnO0dXq0hZr0mhWdG6oI3X9N8QxJv6wHj2bE9JtY1fT0p6sB5kN-pQ2ZLcUqL8eVnAa3XyP1Wk7rHmD9gFw", JANA,
        "Hi, my order #4411 still hasn't arrived. Could you check what's going on?", "2026-11-20T09:14:03.512")])],
    "messages__czech_emoji": [("message", [dm(
        "m_Ab3Cd5Ef7Gh9Ij1Kl3Mn5Op7Qr9St1Uv3Wx5Yz7Ab9Cd1Ef3Gh5Ij7Kl9Mn1Op3Qr5St7Uv9Wx1Yz3Ab5Cd7w", PETR,
        f"Dobrý den, kde je moje objednávka č. 4411? 📦 Čekám už týden… Děkuji! {FAMILY}{FLAG_CZ}",
        "2026-11-20T10:02:41.077")])],
    "messages__cyrillic": [("message", [dm(
        "m_Zy9Xw7Vu5Ts3Rq1Po9Nm7Lk5Ji3Hg1Fe9Dc7Ba5Zy3Xw1Vu9Ts7Rq5Po3Nm1Lk9Ji7Hg5Fe3Dc1Ba9Zy7XwQ", MARIA,
        "Здравейте! Поръчката ми не е пристигнала. Можете ли да проверите?", "2026-11-20T11:45:09.930")])],
    "messages__reply_to": [("message", [dm(
        "m_4kLzQm8pR2sT6vX0bD3fH7jN1qU5wY9aC2eG6iK0mO4rS8uW2yA6cE0gI4kM8oQ2sU6wY0aC4eG8iK2mO6qSw", JANA,
        "Yes, that's the one \u2013 order #4411.", "2026-11-20T09:20:55.001", in_reply_to=OURS1)])],
    "messages__quick_reply": [("message", [dm(
        "m_Qu1ckR3plyQ4wE8rT2yU6iO0pA4sD8fG2hJ6kL0zX4cV8bN2mQ6wE0rT4yU8iO2pA6sD0fG4hJ8kL2zX6cV0bw", JANA,
        "Track my order", "2026-11-20T09:25:00.000", press=ButtonPress(payload="TRACK_ORDER"))])],
    "messages__quick_reply_csat": [("message", [dm(
        "m_CsatQu1ckR3plyZ9yX8wV7uT6sR5qP4oN3mL2kJ1iH0gF9eD8cB7aZ6yX5wV4uT3sR2qP1oN0mL9kJ8iH7gF6eDw", JANA,
        "5", "2026-11-20T10:30:00.000", press=ButtonPress(payload="csat:42:5"))])],
    "messages__image_attachment": [("message", [dm(
        "m_Im4geAtt4chm3ntX9yZ2bC5dE8fG1hJ4kL7mN0pQ3rS6tU9vW2xY5zA8bC1dE4fG7hJ0kL3mN6pQ9rS2tU5vWQ", PETR,
        "Takhle krabice dorazila 😞", "2026-11-20T12:01:17.444",
        attachments=(Attachment("468123456_1234567890123456_1234567890123456789_n.jpg", "image/jpeg", None, IMG_URL),),
    )])],
    "messages__file_audio_video": [("message", [dm(
        "m_F1l3sAudi0Vide0Q8wE2rT6yU0iO4pA8sD2fG6hJ0kL4zX8cV2bN6mQ0wE4rT8yU2iO6pA0sD4fG8hJ2kL6zXw", PETR,
        "", "2026-11-20T12:10:00.250",
        attachments=(
            Attachment("Faktura-2026-0411.pdf", "application/pdf", None, PDF_URL),
            Attachment("audioclip-1795176610000-2871.mp4", "audio/mp4", None, AUDIO_URL),
            Attachment("video-1795176611.mp4", "video/mp4", None, VIDEO_URL),
        ),
    )])],
    "messages__sticker_transition": [("message", [dm(
        "m_St1ck3rTr4ns1t10nQ7wE1rT5yU9iO3pA7sD1fG5hJ9kL3zX7cV1bN5mQ9wE3rT7yU1iO5pA9sD3fG7hJ1kLQ", JANA,
        "", "2026-11-20T12:15:30.900",
        attachments=(Attachment("sticker-1505197616293642.png", "image/png", None, STICKER_URL),),
    )])],
    "messages__like_sticker_legacy": [("message", [dm(
        "m_L1k3Th0mbsUpQ6wE0rT4yU8iO2pA6sD0fG4hJ8kL2zX6cV0bN4mQ8wE2rT6yU0iO4pA8sD2fG6hJ0kL4zX8cVw", JANA,
        "", "2026-11-20T12:16:02.300",
        attachments=(Attachment("sticker-369239263222822.png", "image/png", None, LIKE_URL),),
    )])],
    "messages__fallback_link": [("message", [dm(
        "m_L1nkSh4r3F4llb4ckQ5wE9rT3yU7iO1pA5sD9fG3hJ7kL1zX5cV9bN3mQ7wE1rT5yU9iO3pA7sD1fG5hJ9kLQ", MARIA,
        "https://www.acme.example/orders/4411", "2026-11-20T13:05:44.010",
        attachments=(Attachment("Order 4411 \u2013 Acme", "text/uri-list", None, "https://www.acme.example/orders/4411"),),
    )])],
    "messages__batched": [
        ("message", [dm(B1, JANA, "First of three", "2026-11-21T08:00:00.000")]),
        ("message", [dm(B2, PETR, "Druhá zpráva ✅", "2026-11-21T08:00:00.150")]),
        ("message", [dm(B3, MARIA, "Трето съобщение", "2026-11-21T08:00:00.300")]),
        ("delivery", [NormalizedStatus(OURS1, "delivered", ms("2026-11-21T08:00:00.350"))]),
    ],
    "messages__malformed_text_number": [("message", MalformedPayload)],
    "messages__malformed_mid_object": MalformedWebhook,
    "message_echoes__hovor_reply": [("message_echo", IGNORED)],
    "message_echoes__page_inbox": [("message_echo", IGNORED)],
    "message_deliveries__receipt": [
        ("delivery", [NormalizedStatus(OURS1, "delivered", ms("2026-11-20T09:16:41.200"))]),
    ],
    "message_deliveries__watermark_only": [("delivery", IGNORED)],
    "message_reads__watermark": [("read", IGNORED)],
    "message_reactions__love": [("reaction", IGNORED)],
    "messaging_postbacks__get_started": [("postback", IGNORED)],
    "message_edits__edit": [("message_edit", IGNORED)],
    "standby__message": [("standby", IGNORED)],
    "feed__comment_add_top_level": [("comment.add", [comment(
        C1, ANNA, "Kdy bude zase skladem velikost M? 🙏", "2026-11-20T14:02:10")])],
    "feed__comment_add_reply": [("comment.add", [comment(
        C2, ANNA, "A ještě: posíláte i na Slovensko?", "2026-11-20T14:12:10", parent=C1)])],
    "feed__comment_add_photo": [("comment.add", [comment(
        C3, TOMAS, "", "2026-11-20T14:17:10",
        attachments=(Attachment("468999111_122165432109999999_8877665544332211_n.jpg", "image/jpeg", None, PHOTO_URL),),
    )])],
    "feed__comment_edited": [("comment.edited", [NormalizedMessage(
        platform_id=edit_platform_id(C1, "Kdy bude zase skladem velikost M a L? 🙏"),
        author=ANNA,
        text="Kdy bude zase skladem velikost M a L? 🙏",
        sent_at=ms("2026-11-20T14:22:10"),
        kind="comment_edit",
        thread_key=C1,
        in_reply_to=C1,
        public=True,
        extra={"comment_id": C1, "post_id": POST, "parent_id": POST, "thread_comment_id": C1,
               "created_time": int(ms("2026-11-20T14:02:10").timestamp()), "edited_comment_of": C1},
    )])],
    "feed__comment_remove": [("comment.remove", IGNORED)],
    "feed__comment_hide": [("comment.hide", IGNORED)],
    "feed__comment_by_page": [("comment.own", IGNORED)],
    "feed__comment_without_from": [("comment.add", [comment(
        f"{POSTNUM}_1234567890555555",
        NormalizedAuthor(external_id=f"unknown-commenter:{POSTNUM}_1234567890555555", display_name="Facebook user"),
        "Super, díky!", "2026-11-20T14:32:10")])],
    "feed__malformed_message_list": [("comment.add", MalformedPayload)],
    "feed__reaction": [("feed.reaction", IGNORED)],
    "feed__status_post": [("feed.status", IGNORED)],
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
    if isinstance(EXPECTED[name], type):
        return
    for event in events_of(name):
        assert event.kind in EVENT_HANDLERS or event.kind in IGNORED_EVENTS, f"{name}: {event.kind!r} has no handler"


def test_handled_and_ignored_do_not_overlap() -> None:
    assert not set(EVENT_HANDLERS) & set(IGNORED_EVENTS)
    assert all(reason for reason in IGNORED_EVENTS.values())


def test_fixtures_are_meta_shaped() -> None:
    """As Meta sends them: non-ASCII escaped as \\uXXXX, '/' as '\\/', ids as strings."""
    for name in FIXTURE_NAMES:
        raw = (FIXTURES / f"{name}.json").read_bytes()
        assert raw.isascii(), name
        assert b"://" not in raw, f"{name}: Meta escapes '/' as '\\/'"
        data = json.loads(raw)
        assert data["object"] == "page"
        for entry in data["entry"]:
            assert isinstance(entry["id"], str) and entry["id"] == PAGE


# --- event ids: redeliveries dedupe, distinct things do not ----------------------------
def test_platform_ids() -> None:
    [message] = events_of("messages__text")
    assert message.platform_id.startswith("m_TxGP")
    [echo] = events_of("message_echoes__hovor_reply")
    assert echo.platform_id == f"echo:{OURS1}"
    [add] = events_of("feed__comment_add_top_level")
    [edit] = events_of("feed__comment_edited")
    [remove] = events_of("feed__comment_remove")
    assert add.platform_id == f"{C1}:add"
    assert remove.platform_id == f"{C1}:remove"
    assert edit.platform_id.startswith(f"{C1}:edited:")
    assert len({add.platform_id, edit.platform_id, remove.platform_id}) == 3


def test_two_different_edits_of_one_comment_are_two_events() -> None:
    first = load("feed__comment_edited")
    second = load("feed__comment_edited")
    second["entry"][0]["changes"][0]["value"]["message"] = "Kdy bude zase skladem velikost S?"
    split = [split_delivery(d, own_ids=frozenset(), classify_change=classify_change)[0] for d in (first, second)]
    assert split[0].platform_id != split[1].platform_id
    assert split[0].platform_id == events_of("feed__comment_edited")[0].platform_id  # a redelivery dedupes


def test_events_carry_their_entry() -> None:
    events = events_of("messages__batched")
    assert [e.payload["entry_id"] for e in events] == [PAGE] * 4
    assert set(events[0].payload) == {"entry_id", "entry_time", "item"}
    assert events[0].payload["item"]["message"]["text"] == "First of three"


def test_a_message_from_the_page_without_echo_flag_is_an_echo() -> None:
    data = load("messages__text")
    data["entry"][0]["messaging"][0]["sender"]["id"] = PAGE
    [event] = split_delivery(data, own_ids=frozenset(), classify_change=classify_change)
    assert event.kind == "message_echo"
    # and the parser skips it even under the wrong kind
    assert "echo" in skipped(parse, "message", event.payload)


def test_unknown_kind_is_unsupported_and_ignored_kinds_say_why() -> None:
    with pytest.raises(UnsupportedEventType):
        parse("field.ratings", {})
    assert "removed a comment" in skipped(parse, "comment.remove", {})


def test_other_fields_and_items_get_their_own_kinds() -> None:
    kind, _ = classify_change("ratings", {"review_text": "ok"}, PAGE, frozenset())
    assert kind == "field.ratings"
    kind, _ = classify_change("feed", {"item": "Bad Item!", "verb": "add"}, PAGE, frozenset())
    assert kind == "feed.other"


# --- malformed at the edge ------------------------------------------------------------
def _with_message(**changes: Any) -> dict[str, Any]:
    data = load("messages__text")
    data["entry"][0]["messaging"][0]["message"].update(changes)
    return data


@pytest.mark.parametrize(
    "data",
    [
        pytest.param({"object": "page", "entry": {"id": PAGE}}, id="entry-object"),
        pytest.param({"object": "page", "entry": ["x"]}, id="entry-item-string"),
        pytest.param({"object": "page", "entry": [{"time": 1}]}, id="entry-without-id"),
        pytest.param({"object": "page", "entry": [{"id": PAGE, "messaging": {"a": 1}}]}, id="messaging-object"),
        pytest.param({"object": "page", "entry": [{"id": PAGE, "messaging": [[]]}]}, id="messaging-item-list"),
        pytest.param({"object": "page", "entry": [{"id": PAGE, "time": "now"}]}, id="entry-time-string"),
        pytest.param({"object": "page", "entry": [{"id": PAGE, "changes": [{"value": {}}]}]}, id="change-no-field"),
        pytest.param({"object": "page", "entry": [{"id": PAGE, "changes": [{"field": "feed", "value": 3}]}]},
                     id="change-value-number"),
        pytest.param(_with_message(mid=None), id="message-without-mid"),
    ],
)
def test_malformed_structure_is_refused_when_split(data: dict[str, Any]) -> None:
    with pytest.raises(MalformedWebhook):
        split_delivery(data, own_ids=frozenset(), classify_change=classify_change)


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(_with_message(text=["hi"]), id="text-list"),
        pytest.param(_with_message(attachments={"type": "image"}), id="attachments-object"),
        pytest.param(_with_message(attachments=[{"payload": {"url": "https:\\/\\/x"}}]), id="attachment-no-type"),
        pytest.param(_with_message(reply_to="m_1"), id="reply-to-string"),
    ],
)
def test_malformed_types_raise_value_errors(data: dict[str, Any]) -> None:
    [event] = split_delivery(data, own_ids=frozenset(), classify_change=classify_change)
    with pytest.raises(MalformedPayload):
        parse(event.kind, event.payload)
    assert issubclass(MalformedPayload, ValueError)


def test_bad_timestamp_is_malformed() -> None:
    data = load("messages__text")
    data["entry"][0]["messaging"][0]["timestamp"] = True
    [event] = split_delivery(data, own_ids=frozenset(), classify_change=classify_change)
    with pytest.raises(MalformedPayload):
        connector.parse(event.kind, event.payload)


def test_numeric_ids_from_older_payloads_are_accepted() -> None:
    data = load("messages__text")
    data["entry"][0]["messaging"][0]["sender"]["id"] = int(JANA)
    data["entry"][0]["id"] = int(PAGE)
    [event] = split_delivery(data, own_ids=frozenset(), classify_change=classify_change)
    [message] = parse(event.kind, event.payload)
    assert isinstance(message, NormalizedMessage)
    assert message.author.external_id == JANA == message.thread_key
