"""Telegram Update fixtures -> raw events -> NormalizedMessage. Every file in
channels/telegram/fixtures/ is declared here with what it parses to, that it is ignored,
or the error it raises, so a new fixture without an expectation fails."""
from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from channels.parsing import MalformedPayload, UnsupportedEventType
from channels.telegram.connector import connector
from channels.telegram.parser import (
    EVENT_HANDLERS,
    IGNORED_EVENTS,
    parse,
    split_message_id,
    update_event,
)
from channels.types import Attachment, ButtonPress, NormalizedAuthor, NormalizedMessage
from tests.channels.parsing_support import skipped

FIXTURES = Path(__file__).resolve().parents[3] / "channels" / "telegram" / "fixtures"
FIXTURE_NAMES = sorted(p.stem for p in FIXTURES.glob("*.json"))

FAMILY = "\U0001f468\u200d\U0001f469\u200d\U0001f467\u200d\U0001f466"
FLAG_CZ = "\U0001f1e8\U0001f1ff"

JIRI = NormalizedAuthor(external_id="5012345678", handle="@jiri_dvorak", display_name="Jiří Dvořák")
MARIA = NormalizedAuthor(external_id="6123456789", handle="@mpetrova_bg", display_name="Мария Петрова")
ANNA = NormalizedAuthor(external_id="7234567890", handle="", display_name="Anna")
JIRI_CHAT, MARIA_CHAT, ANNA_CHAT, GROUP = 5012345678, 6123456789, 7234567890, -4012345678
SUPERGROUP = -1001987654321

IGNORED = "ignored"


def at(ts: int) -> datetime:
    return datetime.fromtimestamp(ts, UTC)


def msg(
    *,
    chat: int,
    mid: int,
    author: NormalizedAuthor,
    text: str,
    ts: int,
    kind: str = "message",
    chat_type: str = "private",
    in_reply_to: str = "",
    attachments: tuple[Attachment, ...] = (),
    edit_date: int | None = None,
) -> NormalizedMessage:
    extra: dict[str, Any] = {"chat_id": chat, "message_id": mid, "chat_type": chat_type}
    platform_id = f"{chat}:{mid}"
    if edit_date is not None:
        extra["edit_of"] = platform_id
        in_reply_to = platform_id
        platform_id = f"{platform_id}:edit:{edit_date}"
        ts = edit_date
    return NormalizedMessage(
        platform_id=platform_id,
        author=author,
        text=text,
        sent_at=at(ts),
        kind=kind,
        thread_key=str(chat),
        in_reply_to=in_reply_to,
        attachments=attachments,
        public=chat_type != "private",
        extra=extra,
    )


# fixture name -> the NormalizedMessages it yields, IGNORED, or the exception it raises.
EXPECTED: dict[str, list[NormalizedMessage] | str | type[Exception]] = {
    "message__private_text_czech": [
        msg(
            chat=JIRI_CHAT, mid=17, author=JIRI, ts=1763629200,
            text=f"Dobrý den, kde je moje zásilka č. 4411? Příliš žluťoučký kůň úpěl ďábelské ódy {FAMILY}{FLAG_CZ}",
        )
    ],
    "message__private_text_cyrillic": [
        msg(
            chat=MARIA_CHAT, mid=3, author=MARIA, ts=1763629260,
            text="Здравейте! Поръчка № 58213 още не е пристигнала. Кога да я очаквам?",
        )
    ],
    "message__start_command": [msg(chat=ANNA_CHAT, mid=1, author=ANNA, ts=1763629000, text="/start")],
    "message__reply_to_bot": [
        msg(
            chat=JIRI_CHAT, mid=19, author=JIRI, ts=1763630100, text="Díky, ale pořád nic 🙁",
            in_reply_to=f"{JIRI_CHAT}:18",
        )
    ],
    "message__text_with_markup": [
        # Plain text as typed: no HTML or Markdown is interpreted, entities are not applied.
        msg(
            chat=ANNA_CHAT, mid=4, author=ANNA, ts=1763630200,
            text="Wasz checkout pokazuje <b>błąd</b> & nic się nie dzieje: https://example.com/koszyk?x=1&y=2 *pilne*",
        )
    ],
    "message__photo_caption": [
        msg(
            chat=JIRI_CHAT, mid=20, author=JIRI, ts=1763630400, text="Takhle krabice dorazila 📦 – rozbitá",
            attachments=(Attachment("photo.jpg", "image/jpeg", 112704),),
        )
    ],
    "message__photo_no_caption": [
        msg(
            chat=JIRI_CHAT, mid=21, author=JIRI, ts=1763630410, text="",
            attachments=(Attachment("photo.jpg", "image/jpeg", 98213),),
        )
    ],
    "message__document_caption": [
        msg(
            chat=MARIA_CHAT, mid=5, author=MARIA, ts=1763630500, text="Ето фактурата",
            attachments=(Attachment("фактура_58213.pdf", "application/pdf", 48213),),
        )
    ],
    "message__animation": [
        # Telegram repeats an animation as `document`; it is one attachment.
        msg(
            chat=ANNA_CHAT, mid=6, author=ANNA, ts=1763630600, text="",
            attachments=(Attachment("waiting.mp4", "video/mp4", 204811),),
        )
    ],
    "message__voice": [
        msg(
            chat=ANNA_CHAT, mid=7, author=ANNA, ts=1763630700, text="",
            attachments=(Attachment("voice.ogg", "audio/ogg", 21873),),
        )
    ],
    "message__sticker": [
        msg(
            chat=JIRI_CHAT, mid=22, author=JIRI, ts=1763630800, text="[sticker 😀]",
            attachments=(Attachment("sticker.webp", "image/webp", 25110),),
        )
    ],
    "message__sticker_animated": [
        msg(
            chat=ANNA_CHAT, mid=8, author=ANNA, ts=1763630900, text="[sticker 👍]",
            attachments=(Attachment("sticker.tgs", "application/x-tgsticker", 11812),),
        )
    ],
    "message__location": [
        msg(chat=ANNA_CHAT, mid=9, author=ANNA, ts=1763631000, text="[location 52.229676, 21.012229]")
    ],
    "message__contact": [
        msg(chat=MARIA_CHAT, mid=6, author=MARIA, ts=1763631100, text="[contact Мария Петрова +359888123456]")
    ],
    "message__group_text": [
        msg(
            chat=GROUP, mid=311, author=JIRI, ts=1763631200, kind="group_message", chat_type="group",
            text="@AcmeCareBot máte dnes otevřeno i na Florenci?",
        )
    ],
    "message__supergroup_anonymous_admin": [
        # Sent on behalf of the group: `from` is GroupAnonymousBot, the author is the chat.
        msg(
            chat=SUPERGROUP, mid=1204, ts=1763631300, kind="group_message", chat_type="supergroup",
            author=NormalizedAuthor(
                external_id=str(SUPERGROUP), handle="@acme_community", display_name="Acme Community"
            ),
            text="Is the Black Friday discount valid in the app too?",
        )
    ],
    "message__new_chat_members": IGNORED,
    "message__malformed_chat_id_string": MalformedPayload,
    "message__malformed_text_not_string": MalformedPayload,
    "edited_message__private_text": [
        msg(
            chat=JIRI_CHAT, mid=17, author=JIRI, ts=1763629200, kind="message_edit", edit_date=1763629320,
            text="Dobrý den, kde je moje zásilka č. 4412? (opraveno číslo)",
        )
    ],
    "edited_message__group_text": [
        msg(
            chat=GROUP, mid=311, author=JIRI, ts=1763631200, kind="message_edit", chat_type="group",
            edit_date=1763631260, text="@AcmeCareBot máte dnes otevřeno i na Florenci? A do kolika?",
        )
    ],
    # A press of an inline button: the payload and the query to answer; no words in the chat.
    "callback_query__button": [
        NormalizedMessage(
            platform_id="callback:4382bfdwdsb323b2d9", author=JIRI, text="", sent_at=at(1763629800),
            kind="message", thread_key=str(JIRI_CHAT), in_reply_to=f"{JIRI_CHAT}:18", language="cs", public=False,
            press=ButtonPress(payload="rating:5", ack="4382bfdwdsb323b2d9"),
        )
    ],
    "callback_query__csat_rating": [
        NormalizedMessage(
            platform_id="callback:4382bfdwdsb323b2e1", author=JIRI, text="", sent_at=at(1763630400),
            kind="message", thread_key=str(JIRI_CHAT), in_reply_to=f"{JIRI_CHAT}:19", language="cs", public=False,
            press=ButtonPress(payload="csat:42:5", ack="4382bfdwdsb323b2e1"),
        )
    ],
    "my_chat_member__blocked": IGNORED,
    "channel_post__announcement": IGNORED,
    "poll__closed": IGNORED,
    "message_reaction__thumbs_up": IGNORED,
}


def load(name: str) -> dict[str, Any]:
    payload: dict[str, Any] = json.loads((FIXTURES / f"{name}.json").read_text(encoding="utf-8"))
    return payload


def parse_fixture(name: str) -> list[NormalizedMessage]:
    event = update_event(load(name))
    return list(connector.parse(event.kind, event.payload))  # type: ignore[arg-type]


def test_fixtures_exist() -> None:
    assert len(FIXTURE_NAMES) >= 20


def test_every_fixture_is_declared() -> None:
    assert set(FIXTURE_NAMES) == set(EXPECTED)


@pytest.mark.parametrize("name", FIXTURE_NAMES)
def test_every_fixture_maps_to_a_handler_or_is_ignored(name: str) -> None:
    kind = name.split("__", 1)[0]
    assert kind in EVENT_HANDLERS or kind in IGNORED_EVENTS
    assert not (kind in EVENT_HANDLERS and kind in IGNORED_EVENTS)


@pytest.mark.parametrize("name", FIXTURE_NAMES)
def test_fixture_parses_to_expected(name: str) -> None:
    expected = EXPECTED[name]
    if expected == IGNORED:
        event = update_event(load(name))
        skipped(connector.parse, event.kind, event.payload)
    elif isinstance(expected, type):
        with pytest.raises(expected):
            parse_fixture(name)
    else:
        assert parse_fixture(name) == expected


@pytest.mark.parametrize(
    ("name", "platform_id", "kind"),
    [
        ("message__private_text_czech", f"{JIRI_CHAT}:17", "message"),
        ("edited_message__private_text", f"{JIRI_CHAT}:17:edit:1763629320", "edited_message"),
        ("message__group_text", f"{GROUP}:311", "message"),
        ("callback_query__button", "update:734100170", "callback_query"),
        ("my_chat_member__blocked", "update:734100171", "my_chat_member"),
    ],
)
def test_raw_event_identity_is_the_message_not_the_update(name: str, platform_id: str, kind: str) -> None:
    event = update_event(load(name))
    assert (event.platform_id, event.kind) == (platform_id, kind)
    assert event.payload == load(name)  # the whole Update is kept, to parse again later


def test_the_same_message_in_another_update_has_the_same_identity() -> None:
    """Polled and pushed copies (or a redelivery) carry different update_ids."""
    update = load("message__private_text_czech")
    again = dict(update, update_id=update["update_id"] + 500)
    assert update_event(update).platform_id == update_event(again).platform_id


def test_an_edit_is_a_new_version_that_threads_to_the_original() -> None:
    original = parse_fixture("message__private_text_czech")[0]
    edit = parse_fixture("edited_message__private_text")[0]
    assert edit.platform_id != original.platform_id
    assert edit.in_reply_to == original.platform_id and edit.thread_key == original.thread_key


@pytest.mark.parametrize(
    "update",
    [
        pytest.param({"message": {}}, id="no-update-id"),
        pytest.param({"update_id": "1", "message": {}}, id="update-id-string"),
        pytest.param({"update_id": True, "message": {}}, id="update-id-bool"),
        pytest.param({"update_id": 1}, id="nothing-in-it"),
        pytest.param({"update_id": 1, "message": []}, id="message-not-object"),
        pytest.param({"update_id": 1, "message": {"message_id": 1, "chat": {"id": 1.5}}}, id="chat-id-float"),
        pytest.param({"update_id": 1, "message": {"message_id": "1", "chat": {"id": 1}}}, id="message-id-string"),
        pytest.param({"update_id": 1, "edited_message": {"message_id": 1, "chat": {"id": 1}}}, id="edit-no-date"),
    ],
)
def test_malformed_updates_raise_value_errors(update: dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        update_event(update)


@pytest.mark.parametrize(
    "message",
    [
        pytest.param({"text": "x"}, id="no-from"),
        pytest.param({"text": "x", "from": {"id": "5", "first_name": "A"}}, id="from-id-string"),
        pytest.param({"text": "x", "from": {"id": 5}}, id="no-first-name"),
        pytest.param({"photo": "big", "from": {"id": 5, "first_name": "A"}}, id="photo-not-list"),
        pytest.param({"document": {"file_size": "9"}, "from": {"id": 5, "first_name": "A"}}, id="size-string"),
        pytest.param({"text": "x", "from": {"id": 5, "first_name": "A"}, "date": 10**20}, id="date-overflow"),
    ],
)
def test_wrong_types_inside_a_message_raise_value_errors(message: dict[str, Any]) -> None:
    body = {"message_id": 1, "chat": {"id": 5, "type": "private"}, "date": 1763629200, **message}
    with pytest.raises(ValueError):
        parse("message", {"update_id": 1, "message": body})


def test_unknown_update_types_are_unsupported() -> None:
    with pytest.raises(UnsupportedEventType):
        parse("some_future_update", {"update_id": 1, "some_future_update": {}})


def test_a_message_with_content_hovor_does_not_know_is_still_shown() -> None:
    body = {"message_id": 1, "chat": {"id": 5, "type": "private"}, "date": 1763629200,
            "from": {"id": 5, "first_name": "A"}, "some_new_content": {"x": 1}}
    (message,) = parse("message", {"update_id": 1, "message": body})
    assert message.text == "[a Telegram message Hovor cannot show]"


@pytest.mark.parametrize(
    ("platform_id", "expected"),
    [("42:5", (42, 5)), ("-1001:7:edit:99", (-1001, 7)), ("update:5", None), ("x", None), ("", None)],
)
def test_split_message_id(platform_id: str, expected: tuple[int, int] | None) -> None:
    assert split_message_id(platform_id) == expected
