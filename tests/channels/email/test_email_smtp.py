"""Agent replies over SMTP into an in-process aiosmtpd server: exactly one message with
the threading headers mail clients need, the agent's text and signature in UTF-8, no
Auto-Submitted; deferrals (4xx) retried, refusals (5xx) failed with the server's reason,
a refused login flags the account, a connection lost mid-DATA is reconciled."""
from __future__ import annotations

import base64
from datetime import timedelta
from typing import Any
from unittest import mock

import pytest
from django.utils import timezone

from channels.email.parser import EVENT_KIND, event_platform_id
from channels.email.text import REPLY_MARKER
from channels.inbound import inbound_events_record
from channels.models import AccountStatus, BrandAccount
from channels.services import brand_account_connect
from channels.types import RawEvent
from inbox.actions.delivery import reply_deliver
from inbox.actions.replies import reply_compose, ticket_reply
from inbox.enums import DeliveryStatus
from inbox.enums import OutboundStatus as S
from inbox.models import Message, OutboundMessage, Ticket
from inbox.pipeline import inbound_events_ingest
from tests.channels.email.conftest import Mailbox, Received, SmtpSink, fixture_raw, free_port
from tests.channels.email.expected import ADDRESS, JANA_FIRST, OUR_JANA, OUR_PETR

pytestmark = pytest.mark.django_db(transaction=True)

TEXT = "Dobrý den, paní Nováková,\n\nomlouváme se. Náhradní konvici posíláme ještě dnes 📦."


def connect(brand: Any, smtp_sink: SmtpSink, **overrides: Any) -> BrandAccount:
    credentials = {
        "address": ADDRESS,
        "imap_host": "127.0.0.1",
        "imap_port": free_port(),
        "imap_user": "support",
        "imap_password": "unused",
        "imap_ssl": False,
        "smtp_host": "127.0.0.1",
        "smtp_port": smtp_sink.port,
        "smtp_user": smtp_sink.username,
        "smtp_password": smtp_sink.password,
        "smtp_ssl": False,
        "smtp_starttls": False,
        **overrides,
    }
    return brand_account_connect(brand=brand, platform="email", handle=ADDRESS, credentials=credentials)


def ingest(account: BrandAccount, raw: bytes) -> Message:
    """As a poll would: store the raw event, then parse and thread it."""
    platform_id = event_platform_id(raw)
    payload = {"raw": base64.b64encode(raw).decode("ascii"), "uid": 1, "uidvalidity": 1, "folder": "INBOX",
               "internaldate": "", "address": ADDRESS}
    ids = inbound_events_record(account=account, events=[RawEvent(platform_id, EVENT_KIND, payload)])
    inbound_events_ingest(event_ids=ids)
    return Message.objects.select_related("ticket").get(account=account, platform_id=platform_id)


def queued_reply(ticket: Ticket, agent: Any, text: str = TEXT) -> OutboundMessage:
    with mock.patch("inbox.tasks.deliver_outbound.delay"):
        message = ticket_reply(ticket=ticket, agent=agent, text=text)
    return OutboundMessage.objects.get(message=message)


def retry_now(outbound: OutboundMessage) -> None:
    OutboundMessage.objects.filter(pk=outbound.pk).update(next_attempt_at=timezone.now() - timedelta(seconds=1))
    reply_deliver(outbound_id=outbound.pk)
    outbound.refresh_from_db()


def only(received: list[Received]) -> Received:
    assert len(received) == 1, [r.message["Message-ID"] for r in received]
    return received[0]


def test_reply_goes_out_once_with_threading_headers(brand: Any, agent: Any, smtp_sink: SmtpSink) -> None:
    account = connect(brand, smtp_sink)
    customer = ingest(account, fixture_raw("email__czech_rfc2047_subject_name"))
    reply = ticket_reply(ticket=customer.ticket, agent=agent, text=TEXT)  # delivered eagerly after commit

    sent = only(smtp_sink.received)
    msg = sent.message
    reply.refresh_from_db()
    assert sent.mail_from == ADDRESS and sent.rcpt_tos == ["jana.novakova@example.cz"]
    assert msg["From"] == f"Acme <{ADDRESS}>"
    assert msg["To"] == "jana.novakova@example.cz"
    assert msg["Subject"] == "Re: Reklamace objednávky č. 2026-0815"
    assert msg["Message-ID"] == reply.platform_id and msg["Message-ID"].endswith("@acme.example>")
    assert msg["In-Reply-To"] == JANA_FIRST
    assert msg["References"] == JANA_FIRST
    assert "Auto-Submitted" not in msg
    assert msg.get_content_type() == "text/plain" and msg.get_content_charset() == "utf-8"
    assert msg.get_content().replace("\r\n", "\n") == f"{REPLY_MARKER}\n\n{TEXT}\n\n-- \n^JD\n"
    assert reply.delivery_status == DeliveryStatus.SENT
    assert OutboundMessage.objects.get(message=reply).status == S.SENT
    assert reply.thread_key == JANA_FIRST


def test_a_reply_deeper_in_the_thread_carries_the_whole_chain(brand: Any, agent: Any, smtp_sink: SmtpSink) -> None:
    account = connect(brand, smtp_sink)
    ingest(account, fixture_raw("email__czech_rfc2047_subject_name"))
    answer = ingest(account, fixture_raw("email__thunderbird_reply_czech"))
    ticket_reply(ticket=answer.ticket, agent=agent, text="Děkujeme, zásilku čekáme.")
    msg = only(smtp_sink.received).message
    assert msg["Subject"] == "Re: Reklamace objednávky č. 2026-0815"  # "Re:" once
    assert msg["In-Reply-To"] == answer.platform_id
    assert msg["References"].split() == [JANA_FIRST, OUR_JANA, answer.platform_id]


def test_the_customer_answers_our_reply_and_it_threads_back(brand: Any, agent: Any, smtp_sink: SmtpSink) -> None:
    account = connect(brand, smtp_sink)
    customer = ingest(account, fixture_raw("email__czech_rfc2047_subject_name"))
    ticket_reply(ticket=customer.ticket, agent=agent, text=TEXT)
    ours = only(smtp_sink.received).message
    Ticket.objects.update(status="solved")
    answer = (
        "From: Jana =?utf-8?Q?Nov=C3=A1kov=C3=A1?= <jana.novakova@example.cz>\n"
        f"To: {ADDRESS}\nSubject: {ours['Subject']}\nDate: Tue, 24 Nov 2026 08:00:00 +0100\n"
        f"Message-ID: <answer-1@example.cz>\nIn-Reply-To: {ours['Message-ID']}\n"
        f"References: {ours['References']} {ours['Message-ID']}\nContent-Type: text/plain; charset=utf-8\n\n"
        f"Super, děkuji!\n\nDne 23. 11. 2026 v 10:00 Acme napsal(a):\n> {REPLY_MARKER}\n> \n> {TEXT}\n"
    ).encode()
    message = ingest(account, answer)
    assert message.ticket_id == customer.ticket_id
    assert message.in_reply_to_platform_id == ours["Message-ID"]
    assert message.text == "Super, děkuji!"


def test_outlook_reply_prefix_and_reply_to(brand: Any, agent: Any, smtp_sink: SmtpSink) -> None:
    account = connect(brand, smtp_sink)
    polish = ingest(account, fixture_raw("email__outlook_reply_polish"))
    ticket_reply(ticket=polish.ticket, agent=agent, text="Dziękujemy!")
    assert only(smtp_sink.received).message["Subject"] == "Re: Zwrot zamówienia – prośba o kontakt"
    smtp_sink.received.clear()
    form = ingest(account, fixture_raw("email__web_form_reply_to"))
    ticket_reply(ticket=form.ticket, agent=agent, text="Ano, v Olomouci máme výdejní místo.")
    sent = only(smtp_sink.received)
    assert sent.rcpt_tos == ["hana.pokorna@example.cz"] and sent.message["To"] == "hana.pokorna@example.cz"


def test_compose_puts_the_signature_on_its_own_line(brand: Any, agent: Any, smtp_sink: SmtpSink) -> None:
    account = connect(brand, smtp_sink)
    customer = ingest(account, fixture_raw("email__plain_ascii"))
    composed = reply_compose(ticket=customer.ticket, agent=agent, text="Hi Sam,\n\nit ships today.")
    assert composed.error == ""
    assert composed.text == "Hi Sam,\n\nit ships today.\n\n-- \n^JD"
    assert smtp_sink.received == []


@pytest.mark.parametrize("stage", ["mail", "rcpt", "data"])
def test_a_deferral_is_retried_and_sent_once(brand: Any, agent: Any, smtp_sink: SmtpSink, stage: str) -> None:
    account = connect(brand, smtp_sink)
    customer = ingest(account, fixture_raw("email__plain_ascii"))
    outbound = queued_reply(customer.ticket, agent)
    smtp_sink.fail(stage, "421 4.7.0 Try again later, closing connection")
    reply_deliver(outbound_id=outbound.pk)
    outbound.refresh_from_db()
    assert outbound.status == S.QUEUED and "421 4.7.0 Try again later" in outbound.last_error
    assert smtp_sink.received == []
    retry_now(outbound)
    assert outbound.status == S.SENT
    assert only(smtp_sink.received).message["Message-ID"] == outbound.platform_id


def test_a_refusal_fails_the_reply_with_the_servers_reason(brand: Any, agent: Any, smtp_sink: SmtpSink) -> None:
    account = connect(brand, smtp_sink)
    customer = ingest(account, fixture_raw("email__plain_ascii"))
    outbound = queued_reply(customer.ticket, agent)
    smtp_sink.fail("data", "550 5.7.1 Message rejected as spam")
    reply_deliver(outbound_id=outbound.pk)
    outbound.refresh_from_db()
    assert outbound.status == S.FAILED
    assert "550 5.7.1 Message rejected as spam" in outbound.last_error
    assert Message.objects.get(pk=outbound.message_id).delivery_status == DeliveryStatus.FAILED
    assert smtp_sink.received == []
    account.refresh_from_db()
    assert account.status == AccountStatus.ACTIVE


def test_a_refused_recipient_fails_the_reply(brand: Any, agent: Any, smtp_sink: SmtpSink) -> None:
    account = connect(brand, smtp_sink)
    customer = ingest(account, fixture_raw("email__plain_ascii"))
    outbound = queued_reply(customer.ticket, agent)
    smtp_sink.fail("rcpt", "550 5.1.1 <sam.carter@example.co.uk>: Recipient address rejected")
    reply_deliver(outbound_id=outbound.pk)
    outbound.refresh_from_db()
    assert outbound.status == S.FAILED and "sam.carter@example.co.uk" in outbound.last_error


def test_smtp_login_refused_fails_the_reply_and_flags_the_account(
    brand: Any, agent: Any, smtp_sink: SmtpSink
) -> None:
    account = connect(brand, smtp_sink, smtp_password="revoked")
    customer = ingest(account, fixture_raw("email__plain_ascii"))
    outbound = queued_reply(customer.ticket, agent)
    reply_deliver(outbound_id=outbound.pk)
    outbound.refresh_from_db()
    account.refresh_from_db()
    assert outbound.status == S.FAILED and "535" in outbound.last_error
    assert account.status == AccountStatus.BROKEN
    assert smtp_sink.received == []


def test_server_unreachable_is_retried(brand: Any, agent: Any, smtp_sink: SmtpSink) -> None:
    account = connect(brand, smtp_sink, smtp_port=free_port())
    customer = ingest(account, fixture_raw("email__plain_ascii"))
    outbound = queued_reply(customer.ticket, agent)
    reply_deliver(outbound_id=outbound.pk)
    outbound.refresh_from_db()
    assert outbound.status == S.QUEUED and "unreachable" in outbound.last_error
    account.credentials = {**account.credentials, "smtp_port": smtp_sink.port}
    account.save()
    retry_now(outbound)
    assert outbound.status == S.SENT and len(smtp_sink.received) == 1


def test_connection_lost_during_data_resends_with_the_same_message_id(
    brand: Any, agent: Any, smtp_sink: SmtpSink
) -> None:
    account = connect(brand, smtp_sink)
    customer = ingest(account, fixture_raw("email__plain_ascii"))
    outbound = queued_reply(customer.ticket, agent)
    smtp_sink.drop_after_data()
    reply_deliver(outbound_id=outbound.pk)
    outbound.refresh_from_db()
    assert outbound.status == S.UNKNOWN
    retry_now(outbound)
    assert outbound.status == S.SENT
    # No Sent folder to look in: sent again, as the same message (receivers that dedupe
    # by Message-ID, like Gmail, show it once).
    first, second = smtp_sink.received
    assert first.message["Message-ID"] == second.message["Message-ID"] == outbound.platform_id


def test_connection_lost_during_data_found_in_the_sent_folder(
    brand: Any, agent: Any, smtp_sink: SmtpSink, mailbox: Mailbox
) -> None:
    account = brand_account_connect(
        brand=brand, platform="email", handle=ADDRESS,
        credentials=mailbox.credentials(
            smtp_sink.port, smtp_user=smtp_sink.username, smtp_password=smtp_sink.password, sent_folder="Sent"
        ),
    )
    customer = ingest(account, fixture_raw("email__plain_ascii"))
    outbound = queued_reply(customer.ticket, agent)
    smtp_sink.drop_after_data()
    reply_deliver(outbound_id=outbound.pk)
    outbound.refresh_from_db()
    assert outbound.status == S.UNKNOWN
    mailbox.append(smtp_sink.received[0].data, folder="Sent")  # the provider filed it, as Gmail does
    retry_now(outbound)
    assert outbound.status == S.SENT
    assert outbound.platform_id == smtp_sink.received[0].message["Message-ID"]
    assert len(smtp_sink.received) == 1  # found, not sent again


def test_a_bounce_marks_our_reply_failed(brand: Any, agent: Any, smtp_sink: SmtpSink) -> None:
    account = connect(brand, smtp_sink)
    customer = ingest(account, fixture_raw("email__czech_cp1250_labelled_iso88592"))
    reply = ticket_reply(ticket=customer.ticket, agent=agent, text="Ano, na Slovensko posíláme.")
    reply.refresh_from_db()
    assert reply.delivery_status == DeliveryStatus.SENT
    dsn = fixture_raw("email__dsn_bounce").replace(OUR_PETR.encode(), reply.platform_id.encode())
    bounce = ingest(account, dsn)
    reply.refresh_from_db()
    assert bounce.automated == "bounce"
    assert bounce.ticket_id != customer.ticket_id  # the next reply must not go to MAILER-DAEMON
    assert reply.delivery_status == DeliveryStatus.FAILED
    error = OutboundMessage.objects.get(message=reply).last_error
    assert "5.1.1" in error and "petr.stastny@example.cz" in error


def test_a_read_receipt_marks_our_reply_read(brand: Any, agent: Any, smtp_sink: SmtpSink) -> None:
    account = connect(brand, smtp_sink)
    customer = ingest(account, fixture_raw("email__polish_utf8_qp"))
    reply = ticket_reply(ticket=customer.ticket, agent=agent, text="Dzień dobry, proszę odesłać buty.")
    reply.refresh_from_db()
    from tests.channels.email.expected import OUR_TOMASZ

    ingest(account, fixture_raw("email__mdn_read_receipt").replace(OUR_TOMASZ.encode(), reply.platform_id.encode()))
    reply.refresh_from_db()
    assert reply.delivery_status == DeliveryStatus.READ


def test_no_reply_to_a_mailer_daemon(brand: Any, agent: Any, smtp_sink: SmtpSink) -> None:
    account = connect(brand, smtp_sink)
    bounce = ingest(account, fixture_raw("email__dsn_bounce"))
    outbound = queued_reply(bounce.ticket, agent, text="Hello?")
    reply_deliver(outbound_id=outbound.pk)
    outbound.refresh_from_db()
    assert outbound.status == S.FAILED and "automatic system address" in outbound.last_error
    assert smtp_sink.received == []
