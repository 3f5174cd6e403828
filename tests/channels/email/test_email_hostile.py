"""Mail as other helpdesks' corpora show it (issue 12): forged addresses, empty senders,
sloppy headers, lying charsets and localized quote headers. Each case has a fixture in
channels/email/fixtures/ (declared in expected.py and checked byte for byte by
test_email_parser); these tests pin the rule behind each one."""
from __future__ import annotations

from typing import Any

import pytest

from channels.email.parser import EVENT_KIND, parse, repair_headers
from channels.email.text import decode_bytes, fold_quoted
from channels.parsing import MalformedPayload
from channels.types import NormalizedMessage
from inbox.enums import DeliveryStatus
from inbox.models import Message
from tests.channels.email.conftest import SmtpSink, fixture_raw
from tests.channels.email.test_email_parser import payload_for
from tests.channels.email.test_email_smtp import connect, ingest, queued_reply


def message_of(raw: bytes) -> NormalizedMessage:
    message = parse(EVENT_KIND, payload_for(raw))[0]
    assert isinstance(message, NormalizedMessage)
    return message


# --- addresses -------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "header",
    [
        "=?utf-8?Q?jana.novakova=40example.cz?=@attacker.example",
        "Jana <=?utf-8?Q?jana.novakova=40example.cz?=@attacker.example>",
        "=?utf-8?B?amFuYS5ub3Zha292YUBleGFtcGxlLmN6?= <x=?utf-8?Q?=40example.cz?=@attacker.example>",
    ],
)
def test_an_encoded_word_inside_an_address_is_never_decoded(header: str) -> None:
    raw = f"From: {header}\nSubject: hi\nMessage-ID: <f1@attacker.example>\n\nhello\n".encode()
    message = message_of(raw)
    assert message.author.external_id != "jana.novakova@example.cz"
    assert message.author.external_id.endswith("@attacker.example")
    assert "=?utf-8?" in message.author.external_id  # kept literally, as RFC 2047 §5 says


def test_a_forged_address_whose_only_at_sign_is_encoded_is_no_address() -> None:
    raw = b"From: Jana <=?utf-8?Q?jana.novakova=40example.cz?=>\nSubject: hi\nMessage-ID: <f2@x.example>\n\nhello\n"
    with pytest.raises(MalformedPayload, match="no sender address"):
        parse(EVENT_KIND, payload_for(raw))


def test_an_address_without_at_is_not_an_address() -> None:
    raw = b"From: Jana Novakova\nSubject: hi\nMessage-ID: <f3@x.example>\n\nhello\n"
    with pytest.raises(MalformedPayload, match="no sender address"):
        parse(EVENT_KIND, payload_for(raw))
    assert message_of(fixture_raw("email__from_without_at_sender")).author.email == "radek.horak@example.cz"


def test_a_repair_of_the_name_never_overwrites_a_good_address() -> None:
    # The 8-bit name needs repair and holds an unquoted comma: the address stays.
    message = message_of(fixture_raw("email__name_8bit_comma"))
    assert (message.author.email, message.author.display_name) == ("jiri.kral@example.cz", "Král, Jiří")


def test_addr_with_comment_gives_the_name() -> None:
    raw = b"From: sam.carter@example.co.uk (Sam Carter)\nSubject: hi\nMessage-ID: <c1@x.example>\n\nhello\n"
    assert message_of(raw).author.display_name == "Sam Carter"


# --- bounces ---------------------------------------------------------------------------------
@pytest.mark.django_db(transaction=True)
def test_a_bounce_with_an_empty_from_marks_our_reply_failed(brand: Any, agent: Any, smtp_sink: SmtpSink) -> None:
    account = connect(brand, smtp_sink)
    customer = ingest(account, fixture_raw("email__plain_ascii"))
    outbound = queued_reply(customer.ticket, agent)
    ours = "<20261123100455.2b4d6f8a0c2e4a6c8e0a2c4e@acme.example>"  # the one the fixture reports on
    Message.objects.filter(pk=outbound.message_id).update(platform_id=ours, delivery_status=DeliveryStatus.SENT)
    bounce = ingest(account, fixture_raw("email__bounce_empty_from"))
    assert bounce.automated == "bounce"
    reply = Message.objects.get(pk=outbound.message_id)
    assert reply.delivery_status == DeliveryStatus.FAILED


def test_a_bounce_without_any_from_header_is_still_a_bounce() -> None:
    raw = b"\n".join(line for line in fixture_raw("email__bounce_empty_from").split(b"\n") if line != b"From:")
    items = parse(EVENT_KIND, payload_for(raw))
    assert isinstance(items[0], NormalizedMessage) and items[0].automated == "bounce"
    assert [s.status for s in items[1:]] == ["failed"]


# --- bodies and charsets ---------------------------------------------------------------------
def test_gb2312_is_read_as_gbk() -> None:
    assert decode_bytes("朱镕基".encode("gbk"), "gb2312") == "朱镕基"
    assert decode_bytes("朱镕基".encode("gbk"), "GB_2312-80") == "朱镕基"


def test_a_part_labelled_utf8_falls_back_to_the_messages_charsets_then_cp1252() -> None:
    czech = "Příliš žluťoučký kůň".encode("cp1250")
    assert decode_bytes(czech, "utf-8", ["windows-1250"]) == "Příliš žluťoučký kůň"
    assert decode_bytes("Café “ok”".encode("cp1252"), "utf-8") == "Café “ok”"
    assert decode_bytes(b"\x81\x8d", "utf-8") == "\x81\x8d"  # undefined in cp1252: latin-1
    assert decode_bytes("žluť".encode(), "utf-8", ["windows-1250"]) == "žluť"  # real UTF-8 stays


def test_a_blank_plain_part_gives_way_to_the_html_part() -> None:
    assert message_of(fixture_raw("email__plain_blank_html_alternative")).text == "Dobrý den,\n\nchci vrátit boty."


def test_inline_html_parts_of_a_mixed_message_are_kept() -> None:
    assert "cracked" in message_of(fixture_raw("email__mixed_inline_html_part")).text


def test_a_multipart_without_usable_parts_is_read_as_text() -> None:
    message = message_of(fixture_raw("email__multipart_without_boundary"))
    assert message.text == "Hello, where is my refund for order #4411?"
    assert message.attachments == ()


def test_uuencode_without_begin_is_decoded() -> None:
    (attachment,) = message_of(fixture_raw("email__uuencode_without_begin")).attachments
    assert (attachment.filename, attachment.size) == ("receipt.txt", len(b"Order 4411: 2x kettle\n"))


def test_an_8bit_attachment_filename_is_repaired_like_an_8bit_header() -> None:
    (attachment,) = message_of(fixture_raw("email__8bit_attachment_filename")).attachments
    assert attachment.filename == "účtenka.pdf"


# --- headers ---------------------------------------------------------------------------------
def test_a_header_line_that_lost_its_indent_is_folded_back() -> None:
    raw = b"From: a@example.cz\nSubject: one\ntwo\nMessage-ID: <h1@example.cz>\n\nbody\n"
    assert repair_headers(raw) == b"From: a@example.cz\nSubject: one\n two\nMessage-ID: <h1@example.cz>\n\nbody\n"
    message = message_of(raw)
    assert (message.subject, message.text, message.platform_id) == ("one two", "body", "<h1@example.cz>")


def test_a_body_without_a_separator_line_is_not_taken_for_a_header() -> None:
    raw = b"From: a@example.cz\nSubject: one\nHello, this is the body\n"
    assert repair_headers(raw) == raw


def test_a_date_glued_to_the_next_header_keeps_its_zone() -> None:
    message = message_of(fixture_raw("email__date_glued_to_next_header"))
    assert message.sent_at.isoformat() == "2026-11-23T17:30:00+01:00"
    assert message.platform_id == "<gluedate-1@example.cz>"  # the glued header is recovered too


# --- quote headers ---------------------------------------------------------------------------
QUOTE_HEADERS = [
    "Am 23.11.2026 um 13:00 schrieb Acme Support <support@acme.example>:",
    "Am Mo., 23. Nov. 2026 um 13:00 Uhr schrieb Acme Support <support@acme.example>:",
    "-----Ursprüngliche Nachricht-----",
    "----- Original Nachricht ----",
    "-------- Původní zpráva --------",
    "Dne 23. 11. 2026 v 13:00 Acme napsal(a):",
    "-----Oryginalna wiadomość-----",
    "W dniu 23.11.2026 o 13:00, Acme <support@acme.example> pisze:",
    "-------- Оригинално писмо --------",
    "На 23.11.2026 в 13:00, Acme написа:",
    "-------- Message d'origine --------",
    "Le 23/11/2026 à 13:00, Acme <support@acme.example> a écrit :",
]


@pytest.mark.parametrize("header", QUOTE_HEADERS)
def test_localized_quote_headers_are_folded(header: str) -> None:
    text = f"Thanks, that helps.\n\nKlaus\n\n{header}\nGuten Tag,\nIhre Bestellung ist unterwegs.\n"
    assert fold_quoted(text) == "Thanks, that helps.\n\nKlaus"


def test_a_wrapped_german_attribution_is_folded() -> None:
    text = "Danke.\n\nAm 23.11.2026 um 13:00 schrieb Acme Support\n<support@acme.example>:\n> alt\n"
    assert fold_quoted(text) == "Danke."


def test_the_customers_own_sentence_is_not_taken_for_an_attribution() -> None:
    text = "Am Montag schrieb ich Ihnen schon:\nDie Lieferung fehlt."
    assert fold_quoted(text) == text
