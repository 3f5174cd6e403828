"""Attachments end to end on PostgreSQL + Redis with a real `celery -A helpdesk worker`:
a file from each platform's fake (Telegram getFile, WhatsApp's media endpoint, an e-mail's
MIME part in real Dovecot) is downloaded by the worker, stored and shown in the thread; a
reply with a file reaches Telegram as sendPhoto and the mailbox as a MIME attachment."""
from __future__ import annotations

import hashlib
from collections.abc import Iterator
from email.message import EmailMessage
from typing import Any

import pytest
from django.core.files.storage import default_storage
from django.test import Client

from channels.services import brand_account_connect
from channels.tasks import poll_account
from fakes.base import png_bytes
from inbox.actions.attachments import ReplyFile
from inbox.actions.replies import ticket_reply
from inbox.enums import AttachmentState, DeliveryStatus
from inbox.models import Attachment, Message
from tests.channels.email.conftest import ADDRESS, Mailbox, SmtpSink, dovecot, mailbox, smtp_sink  # noqa: F401 (fixtures)
from tests.channels.telegram.telegram_support import BOT_TOKEN, WEBHOOK_SECRET, connect
from tests.channels.whatsapp.wa_support import PHONE_NUMBER_ID, WA_CREDENTIALS, deliver_all
from tests.support import wait_for

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def fake_telegram() -> Iterator[Any]:
    from fakes.telegram import FakeTelegram

    fake = FakeTelegram(bot_token=BOT_TOKEN, webhook_secret=WEBHOOK_SECRET, retry_delay=0.05).start()
    yield fake
    fake.stop()


@pytest.fixture
def fake_wa() -> Iterator[Any]:
    from fakes.whatsapp import FakeWhatsApp

    fake = FakeWhatsApp(
        app_secret=WA_CREDENTIALS["app_secret"], verify_token=WA_CREDENTIALS["verify_token"],
        access_token=WA_CREDENTIALS["access_token"], phone_number_id=PHONE_NUMBER_ID,
    ).start()
    yield fake
    fake.stop()


def _stored(count: int) -> list[Attachment]:
    assert wait_for(
        lambda: Attachment.objects.filter(state=AttachmentState.STORED).count() >= count, timeout=60
    ), list(Attachment.objects.values("filename", "state", "error"))
    return list(Attachment.objects.order_by("pk"))


def _shown(agent: Any, attachment: Attachment) -> str:
    client = Client()
    client.force_login(agent)
    page = client.get(f"/tickets/{attachment.message.ticket_id}/").content.decode()
    served = client.get(f"/attachments/{attachment.pk}/")
    assert served.status_code == 200
    with default_storage.open(attachment.file.name) as handle:
        assert b"".join(served.streaming_content) == handle.read()
    return page


def test_telegram_photo_in_and_out(celery_worker_process: None, brand: Any, fake_telegram: Any, agent: Any) -> None:
    account = connect(brand, fake_telegram)
    update = fake_telegram.inbound("@jana_n", "Jana Nováková", "Rozbitá krabice", kind="photo")
    poll_account.delay(account.pk)
    [photo] = _stored(1)
    largest = update["message"]["photo"][-1]
    assert photo.size == largest["file_size"] and photo.thumbnail
    page = _shown(agent, photo)
    assert f'<img src="/attachments/{photo.pk}/thumb/"' in page

    picture = png_bytes(160, 120, seed=4)
    reply = ticket_reply(ticket=photo.message.ticket, agent=agent, text="Posíláme štítek.",
                         files=[ReplyFile("štítek.png", "image/png", picture)])
    assert wait_for(lambda: Message.objects.get(pk=reply.pk).delivery_status == DeliveryStatus.SENT, timeout=30)
    [sent] = [o for o in fake_telegram.outbound() if o.get("method") == "sendPhoto"]
    assert sent["photo"]["sha256"] == hashlib.sha256(picture).hexdigest()


def test_whatsapp_document_from_the_media_endpoint(
    celery_worker_process: None, brand: Any, fake_wa: Any, agent: Any
) -> None:
    account = brand_account_connect(brand=brand, platform="whatsapp", handle="+15550783881",
                                    base_url=fake_wa.base_url, credentials=dict(WA_CREDENTIALS))
    sent = fake_wa.inbound("420601234567", "Faktura", kind="document", filename="Faktura č. 12.pdf")
    deliver_all(Client(), account, fake_wa)
    [document] = _stored(1)
    assert document.sha256 == hashlib.sha256(fake_wa.media_content(sent["document"]["id"])).hexdigest()
    page = _shown(agent, document)
    assert f'href="/attachments/{document.pk}/" download>📎 Faktura č. 12.pdf</a>' in page


def test_email_parts_in_and_a_file_out(
    celery_worker_process: None, brand: Any, mailbox: Mailbox, smtp_sink: SmtpSink, agent: Any  # noqa: F811
) -> None:
    account = brand_account_connect(
        brand=brand, platform="email", handle=ADDRESS, credentials=mailbox.credentials(smtp_sink.port)
    )
    mail = EmailMessage()
    mail["From"] = "Мария Петрова <maria@example.bg>"
    mail["To"] = ADDRESS
    mail["Subject"] = "Повредена пратка"
    mail["Message-ID"] = "<pratka-1@example.bg>"
    mail.set_content("Снимка и фактура.")
    picture = png_bytes(90, 60, seed=9)
    mail.add_attachment(picture, maintype="image", subtype="png", filename="снимка.png")
    mail.add_attachment(b"%PDF-1.4 faktura", maintype="application", subtype="pdf", filename="фактура.pdf")
    mailbox.append(mail.as_bytes())
    poll_account.delay(account.pk)
    photo, invoice = _stored(2)
    assert photo.thumbnail and photo.sha256 == hashlib.sha256(picture).hexdigest()
    assert invoice.filename == "фактура.pdf" and not invoice.thumbnail
    page = _shown(agent, photo)
    assert f'<img src="/attachments/{photo.pk}/thumb/"' in page and "фактура.pdf" in page

    reply = ticket_reply(ticket=photo.message.ticket, agent=agent, text="Благодарим, ето етикета.",
                         files=[ReplyFile("етикет.pdf", "application/pdf", b"%PDF-1.4 label")])
    assert wait_for(lambda: Message.objects.get(pk=reply.pk).delivery_status == DeliveryStatus.SENT, timeout=30)
    [received] = smtp_sink.received
    parts = list(received.message.iter_attachments())
    assert [(p.get_filename(), p.get_content()) for p in parts] == [("етикет.pdf", b"%PDF-1.4 label")]
