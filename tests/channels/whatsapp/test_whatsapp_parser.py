"""WhatsApp webhook fixtures -> NormalizedMessage / NormalizedStatus. Every file in
channels/whatsapp/fixtures/ is a whole delivery; it is split as the webhook splits it and
each event parsed. Each fixture is declared here with what it yields (or the error it
raises), so a new fixture without an expectation fails `test_every_fixture_is_declared`."""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from channels.base import MalformedWebhook
from channels.parsing import MalformedPayload, SkippedEvent, UnsupportedEventType
from channels.types import Attachment, ButtonPress, NormalizedAuthor, NormalizedMessage, NormalizedStatus
from channels.whatsapp.connector import split_delivery, validate_events
from channels.whatsapp.limits import Template, templates_from, window_closed, window_closed_message
from channels.whatsapp.parser import EVENT_HANDLERS, IGNORED_EVENTS, parse
from tests.channels.parsing_support import skipped

FIXTURES = Path(__file__).resolve().parents[3] / "channels" / "whatsapp" / "fixtures"
FIXTURE_NAMES = sorted(p.stem for p in FIXTURES.glob("*.json"))

SHEENA = ("16505551234", "Sheena Nelson")
JANA = ("420601234567", "Jana Nováková")
MARIA = ("359881234567", "Мария Петрова")
PIOTR = ("48601234567", "Piotr Nowak")
# Our own replies, which customers quote, react to, and which statuses report on.
OUR1 = "wamid.CAsVAgASGDQyMDYwMTIzNDU2NzozRUIwQzRBMUQyRjNFNEI1QTZDNy1PVVQx"
OUR2 = "wamid.CAsVAgASGDE2NTA1NTUxMjM0OjNFQjBBQTExQkIyMkNDMzNERDQ0LU9VVDI="
FAMILY = "\U0001f468\u200d\U0001f469\u200d\U0001f467\u200d\U0001f466"  # man, woman, girl, boy joined by ZWJ
FLAG_CZ = "\U0001f1e8\U0001f1ff"


def at(value: str) -> datetime:
    return datetime.strptime(value, "%Y-%m-%dT%H:%M:%S").replace(tzinfo=UTC)


def message(
    wamid: str,
    who: tuple[str, str],
    sent_at: str,
    text: str,
    *,
    in_reply_to: str = "",
    attachments: tuple[Attachment, ...] = (),
    press: str = "",
    **extra: Any,
) -> NormalizedMessage:
    wa_id, name = who
    when = at(sent_at)
    return NormalizedMessage(
        platform_id=wamid,
        author=NormalizedAuthor(external_id=wa_id, handle=f"+{wa_id}", display_name=name, phone=f"+{wa_id}"),
        text=text,
        sent_at=when,
        kind="message",
        thread_key=wa_id,
        in_reply_to=in_reply_to,
        attachments=attachments,
        public=False,
        extra={"timestamp": int(when.timestamp()), **extra},
        press=ButtonPress(payload=press) if press else None,
    )


def media(media_id: str, media_type: str, mime_type: str, sha256: str, **flags: bool) -> dict[str, Any]:
    return {"media": [{"id": media_id, "type": media_type, "mime_type": mime_type, "sha256": sha256, **flags}]}


WAMID = "wamid.CAsVAgASGD"
@dataclass(frozen=True)
class Skipped:
    """An event the parser deliberately skips (SkippedEvent with a reason, not an unknown kind)."""

    kind: str


Parsed = list[NormalizedMessage | NormalizedStatus | Skipped]
EXPECTED: dict[str, Parsed | type[Exception]] = {
    "messages__text": [
        message(
            WAMID + "E2NTA1NTUxMjM0OkExQjJDM0Q0RTVGNkE3QjhDOUQw", SHEENA, "2026-11-20T09:14:03",
            "Hi, my order #4411 still hasn't arrived. Could you check what's going on?",
        )
    ],
    "messages__text_czech_emoji": [
        message(
            WAMID + "QyMDYwMTIzNDU2NzpCMUMyRDNFNEY1QTZCN0M4RDlFMA==", JANA, "2026-11-20T10:05:48",
            f"Příliš žluťoučký kůň úpěl ďábelské ódy {FAMILY}{FLAG_CZ} Kde je můj balík? "
            '"Objednávka" č. 58213 / <b>&amp;</b>',
        )
    ],
    "messages__text_bulgarian": [
        message(
            WAMID + "M1OTg4MTIzNDU2NzpDMUQyRTNGNEE1QjZDN0Q4RTlGMA==", MARIA, "2026-11-20T10:12:09",
            "Здравейте! Поръчка № 58213 още не е пристигнала.\nКога да я очаквам? 🙏",
        )
    ],
    "messages__text_reply_with_context": [
        message(
            WAMID + "QyMDYwMTIzNDU2NzpEMUUyRjNBNEI1QzZEN0U4RjlBMA==", JANA, "2026-11-20T11:02:17",
            "Děkuji, ale číslo zásilky pořád nefunguje.", in_reply_to=OUR1,
        )
    ],
    "messages__text_forwarded": [
        # A forwarded message has a context without an id: it quotes nothing.
        message(
            WAMID + "Q4NjAxMjM0NTY3OkUxRjJBM0I0QzVENkU3RjhBOUIw", PIOTR, "2026-11-20T12:40:55",
            "Dostałem to od kuriera, czy to oszustwo? https://acme-paczka.example/pl",
        )
    ],
    "messages__image_caption": [
        message(
            WAMID + "E2NTA1NTUxMjM0OkYxQTJCM0M0RDVFNkY3QThCOUMw", SHEENA, "2026-11-20T09:20:41",
            "The box arrived like this 😞",
            attachments=(Attachment(filename="image-1003383421387256.jpg", content_type="image/jpeg"),),
            **media("1003383421387256", "image", "image/jpeg", "n4L9TMIYf8BxW8bmDBcnTq0cYV7/DZ7QoQ3ssyrAOOk="),
        )
    ],
    "messages__image_no_caption": [
        message(
            WAMID + "E2NTA1NTUxMjM0OkEyQjNDNEQ1RTZGN0E4QjlDMEQx", SHEENA, "2026-11-20T09:21:02", "",
            attachments=(Attachment(filename="image-1003383421387257.jpg", content_type="image/jpeg"),),
            **media("1003383421387257", "image", "image/jpeg", "lJ3mC+q7bw2vJHUBCeDO2dUGnp3aqcwKyPYjC8q2kYc="),
        )
    ],
    "messages__document": [
        message(
            WAMID + "QyMDYwMTIzNDU2NzpCMkMzRDRFNUY2QTdCOEM5RDBFMQ==", JANA, "2026-11-20T13:07:30",
            "Faktura k objednávce",
            attachments=(Attachment(filename="Faktura č. 2026-0412.pdf", content_type="application/pdf"),),
            **media("1578347366224563", "document", "application/pdf", "vPzH6uQF3xqZC1+0SWb3GQqVx8mB9Ok3b1GVRV2nWqE="),
        )
    ],
    "messages__audio_voice": [
        message(
            WAMID + "M1OTg4MTIzNDU2NzpDMkQzRTRGNUE2QjdDOEQ5RTBGMQ==", MARIA, "2026-11-20T13:15:12", "",
            attachments=(Attachment(filename="audio-842106764651935.ogg", content_type="audio/ogg; codecs=opus"),),
            **media("842106764651935", "audio", "audio/ogg; codecs=opus",
                    "9d5RdAmbvrhlq0pVaTTMxPYhcvZ1YhS6z9ZSGBwj9cQ=", voice=True),
        )
    ],
    "messages__video": [
        message(
            WAMID + "Q4NjAxMjM0NTY3OkQyRTNGNEE1QjZDN0Q4RTlGMEEx", PIOTR, "2026-11-20T14:00:00",
            "Tak wygląda uszkodzenie",
            attachments=(Attachment(filename="video-1130364738246213.mp4", content_type="video/mp4"),),
            **media("1130364738246213", "video", "video/mp4", "pJoG9k9ZnQXPvLCnyVdCaJqUrNbAsAVd4qC1xnG2OWc="),
        )
    ],
    "messages__sticker": [
        message(
            WAMID + "QyMDYwMTIzNDU2NzpFMkYzQTRCNUM2RDdFOEY5QTBCMQ==", JANA, "2026-11-20T14:22:09", "",
            attachments=(Attachment(filename="sticker-2000466307011342.webp", content_type="image/webp"),),
            **media("2000466307011342", "sticker", "image/webp", "Ue1XDkFfZiM3fqZ6jVgW5fzHmhUGkEGO5uWCEAWv2Kk=",
                    animated=False),
        )
    ],
    "messages__location": [
        message(
            WAMID + "QyMDYwMTIzNDU2NzpGMkEzQjRDNUQ2RTdGOEE5QjBDMQ==", JANA, "2026-11-20T15:31:44",
            "Location: Výdejní místo Staroměstská, Staroměstské nám. 1, 110 00 Praha 1\n"
            "50.0874654, 14.4212503 https://www.google.com/maps/search/?api=1&query=50.0874654,14.4212503\n"
            "https://www.zasilkovna.cz/pobocky/praha-1",
            location={"latitude": "50.0874654", "longitude": "14.4212503"},
        )
    ],
    "messages__location_pin_only": [
        message(
            WAMID + "E2NTA1NTUxMjM0OkEzQjRDNUQ2RTdGOEE5QjBDMUQy", SHEENA, "2026-11-20T15:40:00",
            "Location\n37.4829, -122.1491 https://www.google.com/maps/search/?api=1&query=37.4829,-122.1491",
            location={"latitude": "37.4829", "longitude": "-122.1491"},
        )
    ],
    "messages__interactive_button_reply": [
        message(
            WAMID + "E2NTA1NTUxMjM0OkIzQzRENUU2RjdBOEI5QzBEMUUy", SHEENA, "2026-11-20T16:01:05", "Track my order",
            in_reply_to=OUR2, reply={"type": "button_reply", "id": "track-order"}, press="track-order",
        )
    ],
    "messages__interactive_list_reply": [
        message(
            WAMID + "QyMDYwMTIzNDU2NzpDM0Q0RTVGNkE3QjhDOUQwRTFGMg==", JANA, "2026-11-20T16:03:40", "Vrácení peněz",
            in_reply_to=OUR1, reply={"type": "list_reply", "id": "refund"}, press="refund",
        )
    ],
    # A row of the satisfaction question's list: its title as text, its id the press.
    "messages__interactive_list_reply_csat": [
        message(
            WAMID + "QyMDYwMTIzNDU2NzpDc2F0TGlzdFJlcGx5NUFCQ0RFRg==", JANA, "2026-11-20T16:30:00", "5",
            in_reply_to=OUR1, reply={"type": "list_reply", "id": "csat:42:5"}, press="csat:42:5",
        )
    ],
    "messages__button_template_quick_reply": [
        message(
            WAMID + "E2NTA1NTUxMjM0OkQzRTRGNUE2QjdDOEQ5RTBGMUEy", SHEENA, "2026-11-21T08:00:12",
            "Yes, still need help", in_reply_to=OUR2, reply={"type": "button", "id": "STILL_NEED_HELP"},
            press="STILL_NEED_HELP",
        )
    ],
    "messages__contacts": [
        message(
            WAMID + "Q4NjAxMjM0NTY3OkUzRjRBNUI2QzdEOEU5RjBBMUIy", PIOTR, "2026-11-20T17:10:10",
            "Contact: Anna Wiśniewska (+48 601 555 123)\nContact: Acme Courier Desk (+48 22 555 00 00)",
        )
    ],
    "messages__batched_two_customers": [
        message(
            WAMID + "QyMDYwMTIzNDU2NzpFNEY1QTZCN0M4RDlFMEYxQTJCMw==", JANA, "2026-11-20T20:00:01",
            "Dobrý večer, máte otevřeno i zítra?",
        ),
        message(
            WAMID + "M1OTg4MTIzNDU2NzpGNEE1QjZDN0Q4RTlGMEExQjJDMw==", MARIA, "2026-11-20T20:00:02",
            "Благодаря за бързия отговор! 👍",
        ),
    ],
    # Skipped on purpose (IGNORED_EVENTS in channels/whatsapp/parser.py): stored, marked ignored.
    "messages__reaction": [Skipped("message.reaction")],
    "messages__reaction_removed": [Skipped("message.reaction")],
    # A type the Cloud API cannot show: a placeholder for the agent, never silence.
    "messages__unsupported": [
        message(
            WAMID + "E2NTA1NTUxMjM0OkI0QzVENkU3RjhBOUIwQzFEMkUz", SHEENA, "2026-11-20T18:00:00", "",
            unsupported={
                "what": "unsupported",
                "detail": "Message type unknown (code 131051). Message type is currently not supported.",
            },
        )
    ],
    "messages__system_changed_number": [Skipped("message.system")],
    "messages__order": [Skipped("message.order")],
    # Not a conversation's field (UNSTORED_FIELDS), or no items: nothing to store.
    "errors__value_errors": [],
    "message_template_status_update__approved": [],
    # A send from the WhatsApp Business app on the brand's number: an echo, stored and skipped.
    "smb_message_echoes__text": [Skipped("message_echo")],
    "messages__malformed_body_number": MalformedPayload,
    "messages__malformed_missing_from": MalformedPayload,
    "statuses__sent": [NormalizedStatus(platform_id=OUR1, status="sent", at=at("2026-11-20T10:30:00"))],
    "statuses__delivered": [NormalizedStatus(platform_id=OUR1, status="delivered", at=at("2026-11-20T10:30:02"))],
    "statuses__read": [NormalizedStatus(platform_id=OUR1, status="read", at=at("2026-11-20T10:31:15"))],
    "statuses__batched_delivered_read": [
        NormalizedStatus(platform_id=OUR2, status="delivered", at=at("2026-11-20T16:00:03")),
        NormalizedStatus(platform_id=OUR2, status="read", at=at("2026-11-20T16:00:40")),
    ],
    "statuses__failed_undeliverable": [
        NormalizedStatus(
            platform_id=OUR2, status="failed", at=at("2026-11-20T10:45:00"),
            error="WhatsApp: Message undeliverable (code 131026). Message Undeliverable.",
        )
    ],
    "statuses__failed_re_engagement": [
        NormalizedStatus(
            platform_id=OUR2, status="failed", at=at("2026-11-22T09:00:00"),
            error="WhatsApp: Re-engagement message (code 131047). Message failed to send because more than 24 hours "
            "have passed since the customer last replied to this number.",
        )
    ],
}


def load(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((FIXTURES / f"{name}.json").read_bytes())
    return data


def parse_fixture(name: str) -> Parsed:
    parsed: Parsed = []
    for event in split_delivery(load(name)):
        try:
            parsed.extend(parse(event.kind, event.payload))
        except UnsupportedEventType:
            raise
        except SkippedEvent as exc:
            assert exc.reason
            parsed.append(Skipped(event.kind))
    return parsed


def test_fixtures_exist() -> None:
    assert len(FIXTURE_NAMES) >= 30


def test_every_fixture_is_declared() -> None:
    assert set(FIXTURE_NAMES) == set(EXPECTED)


@pytest.mark.parametrize("name", FIXTURE_NAMES)
def test_fixture_parses_to_expected(name: str) -> None:
    expected = EXPECTED[name]
    if isinstance(expected, type):
        with pytest.raises(expected):
            parse_fixture(name)
        return
    assert parse_fixture(name) == expected


@pytest.mark.parametrize("name", FIXTURE_NAMES)
def test_fixture_event_kinds_are_handled_or_ignored(name: str) -> None:
    for event in split_delivery(load(name)):
        assert event.kind in EVENT_HANDLERS or event.kind in IGNORED_EVENTS, f"{name}: {event.kind!r} has no handler"


def test_handled_and_ignored_do_not_overlap() -> None:
    assert not set(EVENT_HANDLERS) & set(IGNORED_EVENTS)


@pytest.mark.parametrize("name", FIXTURE_NAMES)
def test_fixtures_are_meta_shaped(name: str) -> None:
    """As Meta sends them: ASCII only (non-ASCII as \\u escapes), string timestamps and ids."""
    raw = (FIXTURES / f"{name}.json").read_bytes()
    assert raw.isascii(), name
    data = load(name)
    assert data["object"] == "whatsapp_business_account"
    for entry in data["entry"]:
        for change in entry["changes"]:
            for item in change["value"].get("messages", []) + change["value"].get("statuses", []):
                assert isinstance(item["timestamp"], str) and item["timestamp"].isdigit(), name
                assert item["id"].startswith("wamid."), name


# --- splitting deliveries -------------------------------------------------------------
def test_events_are_self_contained_and_keyed_for_dedupe() -> None:
    events = split_delivery(load("messages__batched_two_customers"))
    assert [e.kind for e in events] == ["message.text", "message.text"]
    assert events[0].platform_id.startswith("wamid.") and events[0].platform_id != events[1].platform_id
    # Each event carries its own sender's profile and the metadata, not the whole delivery.
    assert events[0].payload["contact"]["profile"]["name"] == "Jana Nováková"
    assert events[1].payload["contact"]["profile"]["name"] == "Мария Петрова"
    metadata = {"display_phone_number": "15550783881", "phone_number_id": "106540352242922"}
    assert events[1].payload["metadata"] == metadata
    assert set(events[0].payload) == {"message", "contact", "metadata"}


def test_each_status_transition_is_its_own_event() -> None:
    events = split_delivery(load("statuses__batched_delivered_read"))
    assert [e.platform_id for e in events] == [f"{OUR2}:delivered", f"{OUR2}:read"]
    assert [e.kind for e in events] == ["status.delivered", "status.read"]
    assert set(events[0].payload) == {"status", "metadata"}


def test_message_without_a_matching_contact_has_no_name() -> None:
    data = load("messages__batched_two_customers")
    data["entry"][0]["changes"][0]["value"]["contacts"] = []
    events = split_delivery(data)
    [first] = parse(events[0].kind, events[0].payload)
    assert isinstance(first, NormalizedMessage)
    assert first.author == NormalizedAuthor(
        external_id="420601234567", handle="+420601234567", display_name="", phone="+420601234567"
    )


def test_unknown_types_are_stored_and_ignored_not_refused() -> None:
    data = load("messages__text")
    item = data["entry"][0]["changes"][0]["value"]["messages"][0]
    item["type"] = "poll_vote"
    item["poll_vote"] = {"option": 2}
    [event] = split_delivery(data)
    assert event.kind == "message.poll_vote"
    validate_events([event])  # no error: unknown is not malformed
    [placeholder] = parse(event.kind, event.payload)  # shown to the agent, never dropped
    assert isinstance(placeholder, NormalizedMessage) and placeholder.text == ""
    assert placeholder.extra["unsupported"] == {"what": "poll_vote", "detail": ""}
    item["type"] = "Weird Type!" + "x" * 60
    assert split_delivery(data)[0].kind == "message.other"


def test_unknown_interactive_reply_and_status_values_are_unsupported() -> None:
    data = load("messages__interactive_button_reply")
    item = data["entry"][0]["changes"][0]["value"]["messages"][0]
    item["interactive"] = {"type": "nfm_reply", "nfm_reply": {"name": "flow", "body": "Sent", "response_json": "{}"}}
    [event] = split_delivery(data)
    with pytest.raises(UnsupportedEventType):
        parse(event.kind, event.payload)
    with pytest.raises(UnsupportedEventType):
        parse("status.deleted", {"status": {"id": OUR1, "status": "deleted", "timestamp": "1"}})


def _value(name: str) -> dict[str, Any]:
    data = load(name)
    value: dict[str, Any] = data["entry"][0]["changes"][0]["value"]
    return value


@pytest.mark.parametrize(
    "mutate",
    [
        pytest.param(lambda d: d.update(entry={"id": "1"}), id="entry-object"),
        pytest.param(lambda d: d["entry"].append("x"), id="entry-item-string"),
        pytest.param(lambda d: d["entry"][0].update(changes="messages"), id="changes-string"),
        pytest.param(lambda d: d["entry"][0]["changes"][0].update(value=[1]), id="value-list"),
        pytest.param(lambda d: d["entry"][0]["changes"][0]["value"].update(messages={"id": "x"}), id="messages-object"),
        pytest.param(lambda d: d["entry"][0]["changes"][0]["value"]["messages"].append(7), id="message-number"),
        pytest.param(lambda d: d["entry"][0]["changes"][0]["value"]["messages"][0].pop("id"), id="message-no-id"),
        pytest.param(lambda d: d["entry"][0]["changes"][0]["value"]["messages"][0].update(id=12), id="message-id-int"),
        pytest.param(lambda d: d["entry"][0]["changes"][0]["value"]["messages"][0].pop("type"), id="message-no-type"),
        pytest.param(lambda d: d["entry"][0]["changes"][0]["value"].update(metadata="x"), id="metadata-string"),
        pytest.param(
            lambda d: d["entry"][0]["changes"][0]["value"].update(statuses=[{"id": "w"}]), id="status-no-value"
        ),
    ],
)
def test_unreadable_envelopes_are_malformed(mutate: Any) -> None:
    data = load("messages__text")
    mutate(data)
    with pytest.raises(MalformedWebhook):
        split_delivery(data)


# --- malformed items ------------------------------------------------------------------
def _text_payload(**changes: Any) -> dict[str, Any]:
    [event] = split_delivery(load("messages__text"))
    event.payload["message"].update(changes)
    return event.payload


@pytest.mark.parametrize(
    "payload",
    [
        pytest.param(_text_payload(text={"body": ["hi"]}), id="body-list"),
        pytest.param(_text_payload(text="hi"), id="text-string"),
        pytest.param(_text_payload(text=None), id="text-missing"),
        pytest.param(_text_payload(timestamp="yesterday"), id="timestamp-words"),
        pytest.param(_text_payload(timestamp=1.5), id="timestamp-float"),
        pytest.param(_text_payload(timestamp="99999999999999999999"), id="timestamp-overflow"),
        pytest.param(_text_payload(timestamp=None), id="timestamp-missing"),
        pytest.param(_text_payload(**{"from": 16505551234}), id="from-number"),
        pytest.param(_text_payload(**{"from": ""}), id="from-empty"),
        pytest.param(_text_payload(context="wamid.x"), id="context-string"),
        pytest.param(_text_payload(context={"id": 5}), id="context-id-number"),
        pytest.param({"message": "hi", "contact": None, "metadata": {}}, id="message-string"),
        pytest.param({"message": _text_payload()["message"], "contact": "Sheena"}, id="contact-string"),
        pytest.param({"message": _text_payload()["message"], "contact": {"profile": {"name": 5}}}, id="name-number"),
    ],
)
def test_malformed_text_raises(payload: dict[str, Any]) -> None:
    with pytest.raises(MalformedPayload):
        parse("message.text", payload)


@pytest.mark.parametrize(
    ("kind", "section", "value"),
    [
        ("message.image", "image", {"mime_type": "image/jpeg"}),  # no id
        ("message.image", "image", {"id": "1", "caption": 5}),
        ("message.document", "document", {"id": "1", "filename": ["a.pdf"]}),
        ("message.location", "location", {"latitude": "50.1", "longitude": 14.4}),
        ("message.location", "location", {"latitude": True, "longitude": 14.4}),
        ("message.interactive", "interactive", {"type": "button_reply", "button_reply": "Yes"}),
        ("message.interactive", "interactive", {"button_reply": {"title": "Yes"}}),
        ("message.button", "button", {"payload": "X"}),
        ("message.contacts", "contacts", []),
        ("message.contacts", "contacts", [{"name": {"formatted_name": "A"}, "phones": "123"}]),
    ],
)
def test_malformed_sections_raise(kind: str, section: str, value: Any) -> None:
    payload = _text_payload(type=kind.split(".")[1], **{section: value})
    with pytest.raises(MalformedPayload):
        parse(kind, payload)


@pytest.mark.parametrize(
    "status",
    [
        {"status": "read", "timestamp": "1"},  # no id
        {"id": "wamid.x", "status": "read"},  # no timestamp
        {"id": "wamid.x", "status": "failed", "timestamp": "1", "errors": {"code": 1}},
        {"id": "wamid.x", "status": "failed", "timestamp": "1", "errors": ["boom"]},
        {"id": "", "status": "read", "timestamp": "1"},
    ],
)
def test_malformed_status_raises(status: dict[str, Any]) -> None:
    with pytest.raises(MalformedPayload):
        parse("status.read", {"status": status})


def test_failed_status_without_errors_has_an_empty_error() -> None:
    [status] = parse("status.failed", {"status": {"id": OUR1, "status": "failed", "timestamp": "1764000000"}})
    assert isinstance(status, NormalizedStatus) and status.error == ""


def test_numeric_timestamp_is_accepted() -> None:
    [parsed] = parse("message.text", _text_payload(timestamp=1795166043))
    assert isinstance(parsed, NormalizedMessage) and parsed.sent_at == at("2026-11-20T09:14:03")


def test_malformed_payload_is_a_value_error() -> None:
    assert issubclass(MalformedPayload, ValueError)


def test_ignored_kinds_are_skipped_with_their_reason() -> None:
    for kind, why in IGNORED_EVENTS.items():
        assert skipped(parse, kind, {}) == f"{kind}: {why}"


def test_unknown_kind_raises_unsupported() -> None:
    with pytest.raises(UnsupportedEventType):
        parse("account_update", {})


# --- window and templates -------------------------------------------------------------
def test_window_is_open_for_24_hours() -> None:
    now = at("2026-11-21T10:00:00")
    assert not window_closed(None, now)
    assert not window_closed(now - timedelta(hours=23, minutes=59, seconds=59), now)
    assert window_closed(now - timedelta(hours=24), now)
    assert window_closed(now - timedelta(days=3), now)


def test_window_message_names_the_templates() -> None:
    text = window_closed_message([Template("order_update", "cs"), Template("hello_world", "en_US")], 26)
    assert "24 hours" in text and "26 hours ago" in text
    assert "order_update (cs), hello_world (en_US)" in text
    assert "none is listed" in window_closed_message([], 30)
    assert "approved message templates" in window_closed_message(None)


def test_templates_from_admin_input_skips_junk() -> None:
    entries = [
        {"name": "order_update", "language": "cs", "body": "Dobrý den {{1}}, objednávka {{2}} je na cestě."},
        {"name": "hello_world", "language": "en_US"},
        {"name": "", "language": "en"},
        "follow_up",
        {"name": "x", "language": 5},
    ]
    templates = templates_from(entries)
    assert [t.label for t in templates] == ["order_update (cs)", "hello_world (en_US)"]
    assert templates[0].placeholders() == 2 and templates[1].placeholders() == 0
    assert templates_from("hello_world") == [] and templates_from(None) == []
