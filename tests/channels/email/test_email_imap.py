"""Polling a real IMAP server (a private Dovecot): every fixture APPENDed to the mailbox
comes out as the right ticket message, replies thread into their conversation's ticket,
nothing is marked read, polls are idempotent, and a renumbered folder (new UIDVALIDITY)
is rescanned without duplicates."""
from __future__ import annotations

import base64
import hashlib
import time
from email.message import EmailMessage
from typing import Any

import pytest

from channels.email import connector as email_connector
from channels.email.client import imap_utf7
from channels.email.connector import connector
from channels.email.parser import event_platform_id
from channels.http import ApiAuthError
from channels.inbound import account_poll
from channels.models import AccountStatus, BrandAccount, InboundEvent, InboundEventStatus
from channels.services import brand_account_connect
from inbox.enums import TicketStatus
from inbox.models import Message, Ticket
from tests.channels.email.conftest import Mailbox, SmtpSink, fixture_raw
from tests.channels.email.expected import ADDRESS, EXPECTED

pytestmark = pytest.mark.django_db(transaction=True)

# reply fixture -> the fixture that started its conversation
REPLIES = {
    "email__thunderbird_reply_czech": "email__czech_rfc2047_subject_name",
    "email__auto_reply_czech": "email__czech_rfc2047_subject_name",
    "email__gmail_reply_czech": "email__gmail_multipart_alternative",
    "email__outlook_reply_polish": "email__polish_utf8_qp",
    "email__reply_references_only": "email__plain_ascii",
}
ORIGINALS = sorted(name for name in EXPECTED if name not in REPLIES)
FOLDER_UTF7 = imap_utf7("Podpora/Příchozí")  # what the outside world's client sends


def connect(brand: Any, mailbox: Mailbox, smtp_sink: SmtpSink, **overrides: Any) -> BrandAccount:
    return brand_account_connect(
        brand=brand, platform="email", handle=ADDRESS, credentials=mailbox.credentials(smtp_sink.port, **overrides)
    )


def message_for(account: BrandAccount, name: str) -> Message:
    expect = EXPECTED[name]
    if expect.platform_id.startswith("sha256:"):
        # Dovecot stores (and returns) the APPENDed message with CRLF line ends.
        stored = fixture_raw(name).replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
        platform_id = "sha256:" + hashlib.sha256(stored).hexdigest()
    else:
        platform_id = expect.platform_id
    return Message.objects.select_related("ticket").get(account=account, platform_id=platform_id)


def test_poll_all_fixtures_end_to_end(
    brand: Any, mailbox: Mailbox, smtp_sink: SmtpSink, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(email_connector, "BATCH_MESSAGES", 4)  # several fetch batches per poll
    account = connect(brand, mailbox, smtp_sink)
    for name in ORIGINALS:
        mailbox.append(fixture_raw(name))

    assert account_poll(account_id=account.pk) == len(ORIGINALS)
    for name in ORIGINALS:
        message = message_for(account, name)
        expect = EXPECTED[name]
        assert message.text == expect.text, name
        assert message.automated == expect.automated, name
        assert message.kind == "email"
        assert [(a["filename"], a["content_type"], a["size"]) for a in message.attachments] == list(
            expect.attachments
        ), name
    events = dict(InboundEvent.objects.filter(account=account).values_list("platform_id", "status"))
    assert len(events) == len(ORIGINALS) and InboundEventStatus.FAILED not in events.values()
    # The bounce and the read receipt report on replies this inbox never sent; the
    # framework keeps such young status reports "received" for the sweep to offer again.
    reports = {
        EXPECTED[name].platform_id
        for name in ("email__dsn_bounce", "email__bounce_empty_from", "email__mdn_read_receipt")
    }
    assert all(status == InboundEventStatus.PROCESSED for pid, status in events.items() if pid not in reports)
    first = message_for(account, "email__czech_rfc2047_subject_name")
    assert first.ticket.subject == "Reklamace objednávky č. 2026-0815"
    assert first.author_identity is not None and first.author_identity.display_name == "Jana Nováková"
    # Fetching never marked anything as read.
    flags = mailbox.flags()
    assert len(flags) == len(ORIGINALS) and not any(b"\\Seen" in f for f in flags)

    # A second poll finds nothing new.
    messages = Message.objects.count()
    assert account_poll(account_id=account.pk) == 0
    assert Message.objects.count() == messages

    # Every conversation is solved; the replies must find their tickets by threading
    # (In-Reply-To / References), not by "the customer's open ticket".
    Ticket.objects.update(status=TicketStatus.SOLVED)
    for name in REPLIES:
        mailbox.append(fixture_raw(name))
    assert account_poll(account_id=account.pk) == len(REPLIES)
    for reply, original in REPLIES.items():
        message = message_for(account, reply)
        assert message.text == EXPECTED[reply].text
        assert message.ticket_id == message_for(account, original).ticket_id, reply
        assert message.ticket.status != TicketStatus.SOLVED
        assert message.automated == EXPECTED[reply].automated
    auto = message_for(account, "email__auto_reply_czech")
    assert auto.automated == "auto_reply"
    assert account_poll(account_id=account.pk) == 0
    account.refresh_from_db()
    assert account.poll_cursor["last_uid"] == len(EXPECTED)
    assert account.status == AccountStatus.ACTIVE and account.last_error == ""


def test_uidvalidity_change_rescans_without_duplicates(brand: Any, mailbox: Mailbox, smtp_sink: SmtpSink) -> None:
    account = connect(brand, mailbox, smtp_sink, folder="Podpora/Příchozí")
    assert FOLDER_UTF7 == "Podpora/P&AVkA7Q-choz&AO0-"
    first = ["email__plain_ascii", "email__polish_utf8_qp", "email__missing_message_id"]
    for name in first:
        mailbox.append(fixture_raw(name), folder=FOLDER_UTF7)
    assert account_poll(account_id=account.pk) == 3
    account.refresh_from_db()
    before = dict(account.poll_cursor)

    # The folder is re-created (a migration, a restore): new UIDVALIDITY, UIDs from 1.
    mailbox.recreate(FOLDER_UTF7)
    for name in [*first, "email__emoji_subject"]:
        mailbox.append(fixture_raw(name), folder=FOLDER_UTF7)
    assert account_poll(account_id=account.pk) == 1
    account.refresh_from_db()
    assert account.poll_cursor["uidvalidity"] != before["uidvalidity"]
    assert account.poll_cursor["last_uid"] == 4
    assert Message.objects.filter(account=account).count() == 4
    assert InboundEvent.objects.filter(account=account).count() == 4


def test_a_poll_takes_a_bounded_number_and_the_next_continues(
    brand: Any, mailbox: Mailbox, smtp_sink: SmtpSink, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(email_connector, "MAX_PER_POLL", 3)
    account = connect(brand, mailbox, smtp_sink)
    names = ORIGINALS[:5]
    for name in names:
        mailbox.append(fixture_raw(name))
    assert account_poll(account_id=account.pk) == 3
    assert account_poll(account_id=account.pk) == 2
    assert account_poll(account_id=account.pk) == 0
    assert Message.objects.filter(account=account).count() == 5


def test_a_five_megabyte_attachment_over_imap(brand: Any, mailbox: Mailbox, smtp_sink: SmtpSink) -> None:
    data = bytes(range(256)) * (5 * 1024 * 1024 // 256)
    msg = EmailMessage()
    msg["From"] = "Jana Nováková <jana.novakova@example.cz>"
    msg["To"] = ADDRESS
    msg["Subject"] = "Video z rozbalení"
    msg["Message-ID"] = "<big-video@example.cz>"
    msg["Date"] = "Mon, 23 Nov 2026 10:00:00 +0100"
    msg.set_content("Posílám video, jak balík vypadal.\n")
    msg.add_attachment(data, maintype="video", subtype="mp4", filename="rozbalení.mp4")
    account = connect(brand, mailbox, smtp_sink)
    mailbox.append(msg.as_bytes())
    mailbox.append(fixture_raw("email__plain_ascii"))
    started = time.monotonic()
    assert account_poll(account_id=account.pk) == 2
    assert time.monotonic() - started < 20
    message = Message.objects.get(account=account, platform_id="<big-video@example.cz>")
    assert message.text == "Posílám video, jak balík vypadal."
    assert message.attachments == [
        {"filename": "rozbalení.mp4", "content_type": "video/mp4", "size": 5 * 1024 * 1024, "url": ""}
    ]
    # The raw message is kept, exactly as fetched.
    event = InboundEvent.objects.get(account=account, platform_id="<big-video@example.cz>")
    raw = base64.b64decode(event.payload["raw"])
    assert event_platform_id(raw) == "<big-video@example.cz>" and len(raw) > 5 * 1024 * 1024


def test_imap_login_refused_marks_the_account_broken(brand: Any, mailbox: Mailbox, smtp_sink: SmtpSink) -> None:
    mailbox.append(fixture_raw("email__plain_ascii"))
    account = connect(brand, mailbox, smtp_sink, imap_password="wrong")
    assert account_poll(account_id=account.pk) == 0
    account.refresh_from_db()
    assert account.status == AccountStatus.BROKEN
    assert "AUTHENTICATIONFAILED" in account.last_error and mailbox.user in account.last_error
    assert Message.objects.count() == 0
    assert account_poll(account_id=account.pk) == 0  # a broken account is not polled again


def test_a_missing_folder_needs_an_admin(brand: Any, mailbox: Mailbox, smtp_sink: SmtpSink) -> None:
    account = connect(brand, mailbox, smtp_sink, folder="Nonexistent")
    assert account_poll(account_id=account.pk) == 0
    account.refresh_from_db()
    assert account.status == AccountStatus.BROKEN and "Nonexistent" in account.last_error


def test_unreachable_imap_backs_off(brand: Any, mailbox: Mailbox, smtp_sink: SmtpSink) -> None:
    from tests.channels.email.conftest import free_port

    account = connect(brand, mailbox, smtp_sink, imap_port=free_port())
    assert account_poll(account_id=account.pk) == 0
    account.refresh_from_db()
    assert account.status == AccountStatus.ACTIVE
    assert account.consecutive_failures == 1 and account.rate_limited_until is not None
    assert "unreachable" in account.last_error


def test_connection_check(brand: Any, mailbox: Mailbox, smtp_sink: SmtpSink) -> None:
    account = connect(brand, mailbox, smtp_sink, smtp_user=smtp_sink.username, smtp_password=smtp_sink.password)
    details = connector.test_connection(account)
    assert details["id"] == ADDRESS and "INBOX" in details["imap"]
    assert smtp_sink.received == []  # nothing was sent
    wrong = BrandAccount.objects.get(pk=account.pk)
    wrong.credentials = {**account.credentials, "smtp_password": "nope"}
    with pytest.raises(ApiAuthError, match="535"):
        connector.test_connection(wrong)
