"""Raw e-mail fixtures -> NormalizedMessage. Every file in channels/email/fixtures/ must be
declared here with what it parses to, so a new fixture without an expectation fails
`test_every_fixture_is_declared`. Texts are compared byte for byte, after folding."""
from __future__ import annotations

import base64
import hashlib
import random
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime
from typing import Any

import pytest

from channels.email.connector import connector
from channels.email.parser import EVENT_HANDLERS, EVENT_KIND, IGNORED_EVENTS, event_platform_id, parse
from channels.parsing import MalformedPayload, UnsupportedEventType
from channels.types import Attachment, NormalizedMessage, NormalizedStatus
from tests.channels.email.expected import ADDRESS, EXPECTED, FIXTURES

FIXTURE_NAMES = sorted(p.stem for p in FIXTURES.glob("*.eml"))


def payload_for(raw: bytes, **extra: Any) -> dict[str, Any]:
    return {"raw": base64.b64encode(raw).decode("ascii"), "address": ADDRESS, **extra}


def parse_fixture(name: str) -> list[NormalizedMessage | NormalizedStatus]:
    return list(parse(EVENT_KIND, payload_for((FIXTURES / f"{name}.eml").read_bytes())))


def test_there_are_enough_real_shaped_fixtures() -> None:
    assert len(FIXTURE_NAMES) >= 20


def test_every_fixture_is_declared() -> None:
    assert sorted(EXPECTED) == FIXTURE_NAMES


def test_every_fixture_maps_to_a_handler() -> None:
    for name in FIXTURE_NAMES:
        kind = name.split("__", 1)[0]
        assert kind in EVENT_HANDLERS or kind in IGNORED_EVENTS, name


@pytest.mark.parametrize("name", FIXTURE_NAMES)
def test_fixture_parses_to_expected(name: str) -> None:
    expect = EXPECTED[name]
    raw = (FIXTURES / f"{name}.eml").read_bytes()
    items = parse_fixture(name)
    message = items[0]
    assert isinstance(message, NormalizedMessage)
    platform_id = expect.platform_id
    if platform_id == "sha256:":
        platform_id += hashlib.sha256(raw).hexdigest()
    assert message.platform_id == platform_id == event_platform_id(raw)
    assert (message.author.external_id, message.author.display_name) == expect.author
    assert message.author.handle == message.author.external_id
    assert message.subject == expect.subject
    assert message.text == expect.text
    assert message.sent_at == datetime.fromisoformat(expect.sent_at)
    assert message.kind == "email" and message.public is False
    assert message.automated == expect.automated
    assert tuple((a.filename, a.content_type, a.size) for a in message.attachments) == expect.attachments
    assert message.thread_key == (expect.thread_key or platform_id)
    assert message.in_reply_to == expect.in_reply_to
    assert message.extra["references"] == list(expect.references)
    assert message.extra["subject"] == expect.subject
    if platform_id.startswith("<"):
        assert message.extra["message_id"] == platform_id
    for key, value in expect.extra.items():
        assert message.extra[key] == value, key
    if expect.folded:
        assert message.extra["full_text"].startswith(expect.text)
        assert len(message.extra["full_text"]) > len(expect.text)
    else:
        assert "full_text" not in message.extra
    statuses = [(s.platform_id, s.status) for s in items[1:] if isinstance(s, NormalizedStatus)]
    assert statuses == list(expect.statuses)


def test_bounce_status_explains_the_failure() -> None:
    status = parse_fixture("email__dsn_bounce")[1]
    assert isinstance(status, NormalizedStatus)
    assert "petr.stastny@example.cz" in status.error and "5.1.1" in status.error and "User unknown" in status.error


def test_the_connector_parses_through_the_same_table() -> None:
    raw = (FIXTURES / "email__plain_ascii.eml").read_bytes()
    assert connector.parse(EVENT_KIND, payload_for(raw)) == parse(EVENT_KIND, payload_for(raw))


def test_unknown_kind_is_unsupported() -> None:
    with pytest.raises(UnsupportedEventType):
        parse("email_flags_changed", {})


def test_plus_addressing_token_only_for_our_own_address() -> None:
    raw = (
        b"From: a@example.cz\nTo: support+t77@acme.example, other+t88@example.cz\nSubject: hi\n"
        b"Message-ID: <x1@example.cz>\nDate: Mon, 23 Nov 2026 10:00:00 +0000\n\nhello\n"
    )
    message = parse(EVENT_KIND, payload_for(raw))[0]
    assert isinstance(message, NormalizedMessage)
    assert message.extra["ticket_token"] == "77"
    other = parse(EVENT_KIND, payload_for(raw.replace(b"support+t77@acme.example, ", b"")))[0]
    assert isinstance(other, NormalizedMessage)
    assert "ticket_token" not in other.extra


def test_a_five_megabyte_attachment() -> None:
    data = bytes(range(256)) * (5 * 1024 * 1024 // 256)
    msg = EmailMessage()
    msg["From"] = "Jana Nováková <jana.novakova@example.cz>"
    msg["To"] = ADDRESS
    msg["Subject"] = "Video z rozbalení"
    msg["Message-ID"] = "<big-1@example.cz>"
    msg["Date"] = format_datetime(datetime.fromisoformat("2026-11-23T10:00:00+01:00"))
    msg.set_content("Posílám video, jak balík vypadal.\n")
    msg.add_attachment(data, maintype="video", subtype="mp4", filename="rozbalení.mp4")
    message = parse(EVENT_KIND, payload_for(msg.as_bytes()))[0]
    assert isinstance(message, NormalizedMessage)
    assert message.text == "Posílám video, jak balík vypadal."
    assert message.attachments == (Attachment("rozbalení.mp4", "video/mp4", 5 * 1024 * 1024),)


def test_headers_only_payload_of_a_too_large_message() -> None:
    raw = (FIXTURES / "email__plain_ascii.eml").read_bytes().split(b"\n\n", 1)[0] + b"\n\n"
    message = parse(EVENT_KIND, payload_for(raw, too_large=True, size=41_000_000))[0]
    assert isinstance(message, NormalizedMessage)
    assert message.text == "" and message.extra["too_large_bytes"] == 41_000_000


def test_html_only_mail_naming_its_charset_in_a_meta_tag() -> None:
    html = '<html><head><meta http-equiv="Content-Type" content="text/html; charset=windows-1250"></head>' \
        "<body><p>Dobrý den, přeji hezký den.</p></body></html>"
    raw = b"From: a@example.cz\nSubject: hi\nMessage-ID: <x3@example.cz>\nContent-Type: text/html\n\n" + html.encode(
        "cp1250"
    )
    message = parse(EVENT_KIND, payload_for(raw))[0]
    assert isinstance(message, NormalizedMessage)
    assert message.text == "Dobrý den, přeji hezký den."


def test_internaldate_stands_in_for_a_missing_date() -> None:
    raw = b"From: a@example.cz\nSubject: hi\nMessage-ID: <x2@example.cz>\n\nhello\n"
    message = parse(EVENT_KIND, payload_for(raw, internaldate="2026-11-23T10:00:00+00:00"))[0]
    assert isinstance(message, NormalizedMessage)
    assert message.sent_at == datetime.fromisoformat("2026-11-23T10:00:00+00:00")


@pytest.mark.parametrize(
    "payload",
    [
        {},
        {"raw": 5},
        {"raw": ""},
        {"raw": "not base64 at all!"},
        payload_for(b""),
        payload_for(b"\r\n\r\n"),
        payload_for(b"Subject: no sender\n\nhello\n"),
        payload_for(b"From: <>\nSubject: empty sender\n\nhello\n"),
        payload_for(b"\xff\xfe\x00garbage\x00\x01" * 50),
    ],
)
def test_malformed_payloads_raise_a_value_error(payload: Any) -> None:
    with pytest.raises(MalformedPayload):
        parse(EVENT_KIND, payload)


def test_not_a_dict_is_malformed() -> None:
    with pytest.raises(MalformedPayload):
        parse(EVENT_KIND, ["raw"])  # type: ignore[arg-type]


@pytest.mark.parametrize("name", FIXTURE_NAMES)
def test_truncated_and_corrupted_mail_never_raises_anything_but_value_error(name: str) -> None:
    """Whatever a mail server hands over, parse either succeeds or marks the event failed
    (ValueError); it never raises something that would stop a batch."""
    raw = (FIXTURES / f"{name}.eml").read_bytes()
    rng = random.Random(name)
    variants = [raw[: rng.randrange(1, len(raw))] for _ in range(8)]
    for _ in range(8):
        corrupted = bytearray(raw)
        for _ in range(20):
            corrupted[rng.randrange(len(corrupted))] = rng.randrange(256)
        variants.append(bytes(corrupted))
    for variant in variants:
        try:
            items = parse(EVENT_KIND, payload_for(variant))
        except ValueError:
            continue
        assert isinstance(items[0], NormalizedMessage)
