"""Viber callback fixtures -> raw events -> NormalizedMessage / NormalizedStatus. Every file in
channels/viber/fixtures/ is declared here with what it parses to, that it is skipped, or the
error it raises, so a new fixture without an expectation fails."""
from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from channels.parsing import MalformedPayload, SkippedEvent, UnsupportedEventType
from channels.types import Attachment, ButtonPress, NormalizedAuthor, NormalizedMessage, NormalizedStatus
from channels.viber.connector import connector
from channels.viber.parser import EVENT_HANDLERS, IGNORED_EVENTS, parse, raw_event, storable
from tests.channels.parsing_support import skipped

FIXTURES = Path(__file__).resolve().parents[3] / "channels" / "viber" / "fixtures"
FIXTURE_NAMES = sorted(p.stem for p in FIXTURES.glob("*.json"))

IVAN = NormalizedAuthor(
    external_id="t6h4QmXz1pB3nK8dLw0JvQ==", handle="Иван Петров", display_name="Иван Петров",
    avatar_url="https://media-direct.cdn.viber.com/download_photo?dlid=0Jf7Cq3Xc2&fltp=jpg&imsz=0000",
)
JANA = NormalizedAuthor(
    external_id="Pk2dW9sYtq0LmR4eXcN7hA==", handle="Jana Nováková", display_name="Jana Nováková",
    avatar_url="https://media-direct.cdn.viber.com/download_photo?dlid=9aHk2Lp0Qr&fltp=jpg&imsz=0000",
)
ANON = NormalizedAuthor(external_id="Zx8vB1nM3qW5eR7tY9uI0o==")
SKIPPED = "skipped"
CSAT_TRACKING = '{"hovor_buttons":{"1":"csat:42:1","2":"csat:42:2","3":"csat:42:3","4":"csat:42:4","5":"csat:42:5"}}'
MEDIA = "https://dl-media.viber.com/"


def at(ms: int) -> datetime:
    return datetime.fromtimestamp(ms / 1000, UTC)


def msg(token: int, ms: int, author: NormalizedAuthor, text: str, mtype: str, *,
        attachments: tuple[Attachment, ...] = (), tracking: str = "", press: str = "") -> NormalizedMessage:
    lang = {"Иван Петров": ("bg", "BG"), "Jana Nováková": ("cs", "CZ")}.get(author.display_name, ("pl", "PL"))
    return NormalizedMessage(
        platform_id=str(token), author=author, text=text, sent_at=at(ms), kind="message",
        thread_key=author.external_id, attachments=attachments, public=False,
        extra={"sender_id": author.external_id, "message_type": mtype, "timestamp": ms,
               "language": lang[0], "country": lang[1], **({"tracking_data": tracking} if tracking else {})},
        press=ButtonPress(payload=press) if press else None,
    )


EXPECTED: dict[str, Any] = {
    "message__text_bulgarian": msg(5741311803571721087, 1764651600123, IVAN,
                                   "Здравейте! Поръчка 4521 още не е пристигнала 😟", "text"),
    "message__text_czech": msg(5741311803571721088, 1764651660456, JANA,
                               "Dobrý den, kde je můj balík? Příliš žluťoučký kůň 📦", "text"),
    # A reply button of our keyboard: its label back as text, the payload from tracking_data.
    "message__keyboard_reply_csat": msg(5741311803571721188, 1764652260456, JANA, "5", "text",
                                        tracking=CSAT_TRACKING, press="csat:42:5"),
    "message__text_no_name": msg(5741311803571721089, 1764651720789, ANON,
                                 "Dzień dobry, czy mogę zwrócić zamówienie?", "text"),
    "message__picture": msg(
        5741311803571721090, 1764651781000, JANA, "Takhle to přišlo", "picture",
        attachments=(Attachment("IMG_20251202_101300.jpg", "image/jpeg", 184320, MEDIA + "1/share/2/long/vibes/icon/"
                     "image/0x0/95e0/5688fdffdaa5cd2be0b0e6e0cc1ff2f45a3fe4d7ad8b2a1a6e1d2c6f6c3e95e0.jpg"),),
    ),
    "message__picture_no_caption": msg(
        5741311803571721091, 1764651790000, IVAN, "", "picture",
        attachments=(Attachment("picture.jpg", "image/jpeg", 96234,
                                MEDIA + "1/share/2/long/vibes/icon/image/0x0/77aa/77aa.jpg"),),
    ),
    "message__video": msg(
        5741311803571721092, 1764651800000, JANA, "", "video",
        attachments=(Attachment("video.mp4", "video/mp4", 3145728,
                                MEDIA + "5/media/2/short/any/sig/video/0x0/1a2b/1a2b.mp4"),),
    ),
    "message__file": msg(
        5741311803571721093, 1764651810000, IVAN, "", "file",
        attachments=(Attachment("фактура-4521.pdf", "application/pdf", 48213,
                                MEDIA + "5/share/2/long/vibes/icon/file/0x0/3c4d/faktura-4521.pdf"),),
    ),
    "message__sticker": msg(
        5741311803571721094, 1764651820000, JANA, "[sticker]", "sticker",
        attachments=(Attachment("sticker-114408.png", "image/png", None, "https://viber.com/sticker/114408.png"),),
    ),
    "message__location": msg(5741311803571721095, 1764651830000, IVAN,
                             "[location 42.6977, 23.3219: бул. Витоша 1, София]", "location"),
    "message__contact": msg(5741311803571721096, 1764651840000, JANA, "[contact Petr Novák +420601123456]", "contact"),
    "message__url": msg(5741311803571721097, 1764651850000, IVAN, "https://shop.example.bg/orders/4521", "url"),
    "message__malformed_no_sender": MalformedPayload,
    "message__malformed_text_not_string": MalformedPayload,
    "delivered__reply": NormalizedStatus(platform_id="5741311803571800001", status="delivered", at=at(1764651900000)),
    "seen__reply": NormalizedStatus(platform_id="5741311803571800001", status="read", at=at(1764651960000)),
    "failed__reply": NormalizedStatus(
        platform_id="5741311803571800002", status="failed", at=at(1764652020000),
        error="Viber could not deliver the message: Receiver is not subscribed",
    ),
    "subscribed__user": SKIPPED,
    "unsubscribed__user": SKIPPED,
    "conversation_started__open": SKIPPED,
    "webhook__set": None,  # answered 200 and not stored
}


def load(name: str) -> dict[str, Any]:
    return json.loads((FIXTURES / f"{name}.json").read_text(encoding="utf-8"))


def test_every_fixture_has_an_expectation() -> None:
    assert sorted(EXPECTED) == FIXTURE_NAMES


def test_every_fixture_event_has_a_handler_or_is_ignored() -> None:
    for name in FIXTURE_NAMES:
        event = name.split("__", 1)[0]
        assert event in EVENT_HANDLERS or event in IGNORED_EVENTS, name
    assert not set(EVENT_HANDLERS) & set(IGNORED_EVENTS)


@pytest.mark.parametrize("name", FIXTURE_NAMES)
def test_fixture(name: str) -> None:
    callback = load(name)
    expected = EXPECTED[name]
    if expected is None:
        assert raw_event(callback) is None
        return
    event = raw_event(callback)
    assert event is not None
    assert event.kind == callback["event"]
    assert event.platform_id == f"{callback['event']}:{callback['message_token']}"
    if expected is MalformedPayload:
        with pytest.raises(MalformedPayload):
            parse(event.kind, event.payload)
    elif expected == SKIPPED:
        with pytest.raises(SkippedEvent) as caught:
            parse(event.kind, event.payload)
        assert caught.value.reason and not isinstance(caught.value, UnsupportedEventType)
        # What the ingest pipeline marks ignored, with the reason.
        assert skipped(connector.parse, event.kind, event.payload) == caught.value.reason
    else:
        assert list(parse(event.kind, event.payload)) == [expected]


def test_a_message_and_its_receipts_are_each_their_own_event() -> None:
    """delivered and seen of one message, and redeliveries, dedupe on event + token."""
    ids = [raw_event(load(n)).platform_id for n in ("delivered__reply", "seen__reply")]  # type: ignore[union-attr]
    assert ids == ["delivered:5741311803571800001", "seen:5741311803571800001"]
    again = raw_event(load("message__text_czech"))
    assert again is not None and again.platform_id == "message:5741311803571721088"


def test_unknown_event_is_kept_and_unsupported() -> None:
    event = raw_event({"event": "client_status_v2", "timestamp": 1764651000000, "message_token": 1})
    assert event is not None and event.kind == "client_status_v2"
    with pytest.raises(UnsupportedEventType):
        parse(event.kind, event.payload)
    odd = raw_event({"event": "Weird Event!", "timestamp": 1, "user_id": "u"})
    assert odd is not None and odd.kind == "other" and odd.platform_id == "other:u:1"


def test_a_newer_message_type_is_still_a_message() -> None:
    callback = load("message__text_czech")
    callback["message"] = {"type": "voice_note", "media": "https://x"}
    (parsed,) = parse("message", callback)
    assert isinstance(parsed, NormalizedMessage) and parsed.text == "[voice_note]"


@pytest.mark.parametrize(
    "change",
    [
        {"message_token": "abc"},
        {"message_token": True},
        {"timestamp": "yesterday"},
        {"sender": {"name": "no id"}},
        {"message": {"text": "no type"}},
        {"message": {"type": "location", "location": {"lat": 1}}},
        {"message": {"type": "file", "media": "https://x"}},
    ],
)
def test_malformed_messages(change: dict[str, Any]) -> None:
    callback = {**load("message__text_czech"), **change}
    with pytest.raises(MalformedPayload):
        event = raw_event(callback)
        assert event is not None
        parse(event.kind, event.payload)


def test_storable_replaces_nul_and_lone_surrogates() -> None:
    assert storable({"a": ["x\x00y", "\ud83d"]}) == {"a": ["x\ufffdy", "\ufffd"]}
