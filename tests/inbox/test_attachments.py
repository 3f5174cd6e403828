"""Attachments: a customer's file is recorded at ingest, downloaded by the worker's task
from the platform's fake, stored with a thumbnail for pictures, served only to people who
may see its ticket with safe headers; agents' files go out with replies. Tasks run eagerly."""
from __future__ import annotations

import hashlib
import io
from collections.abc import Iterator
from typing import Any

import pytest
from django.core.files.storage import default_storage
from django.test import Client
from PIL import Image

from channels.inbound import account_poll
from fakes.base import png_bytes
from inbox.actions.attachments import ReplyFile, attachment_fetch, thumbnail_of
from inbox.actions.replies import ReplyError, ticket_reply
from inbox.enums import AttachmentState, DeliveryStatus, Direction
from inbox.models import Attachment, Message, Ticket
from tests.channels.telegram.telegram_support import BOT_TOKEN, WEBHOOK_SECRET, connect

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def fake_telegram() -> Iterator[Any]:
    from fakes.telegram import FakeTelegram

    fake = FakeTelegram(bot_token=BOT_TOKEN, webhook_secret=WEBHOOK_SECRET, retry_delay=0.05).start()
    yield fake
    fake.stop()


@pytest.fixture
def telegram_account(brand: Any, fake_telegram: Any) -> Any:
    return connect(brand, fake_telegram)


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = str(tmp_path / "media")


def _photo_in(fake: Any, account: Any, caption: str = "Rozbitá krabice 📦") -> Message:
    fake.inbound("@jana_n", "Jana Nováková", caption, kind="photo")
    account_poll(account_id=account.pk)
    return Message.objects.filter(direction=Direction.IN).latest("pk")


def test_photo_is_downloaded_stored_and_thumbnailed(fake_telegram: Any, telegram_account: Any) -> None:
    message = _photo_in(fake_telegram, telegram_account)
    attachment = Attachment.objects.get(message=message)
    assert attachment.state == AttachmentState.STORED
    served = fake_telegram.file_content(BOT_TOKEN, "photos/file_2.jpg")  # the largest size
    assert served is not None and attachment.size == len(served)
    with default_storage.open(attachment.file.name) as stored:
        content = stored.read()
    assert content == served and attachment.sha256 == hashlib.sha256(served).hexdigest()
    assert attachment.content_type == "image/png"  # what the bytes are, not what was claimed
    with default_storage.open(attachment.thumbnail.name) as thumb:
        image = Image.open(io.BytesIO(thumb.read()))
        assert image.format == "PNG" and max(image.size) <= 320
    # The API's contract is the platform's metadata, unchanged.
    assert message.attachments[0]["filename"] == "photo.jpg"
    calls = [r["method"] for r in fake_telegram.requests_log() if r["method"] == "getFile"]
    assert calls == ["getFile"]


def test_document_is_stored_without_thumbnail(fake_telegram: Any, telegram_account: Any) -> None:
    fake_telegram.inbound("@petr", "Petr", "Faktura", kind="document", file_name="Faktura č. 12.pdf")
    account_poll(account_id=telegram_account.pk)
    attachment = Attachment.objects.get()
    assert attachment.state == AttachmentState.STORED
    assert attachment.filename == "Faktura č. 12.pdf" and not attachment.thumbnail
    assert attachment.content_type == "application/pdf"


def test_too_large_is_not_downloaded(fake_telegram: Any, telegram_account: Any, settings: Any) -> None:
    settings.HOVOR_ATTACHMENT_MAX_BYTES = 1000
    fake_telegram.inbound("@petr", "Petr", "big", kind="document", file_name="big.pdf", file_size=5000)
    account_poll(account_id=telegram_account.pk)
    attachment = Attachment.objects.get()
    assert attachment.state == AttachmentState.TOO_LARGE and not attachment.file
    assert not [r for r in fake_telegram.requests_log() if r["method"] == "getFile"]  # refused on the metadata


def test_transient_error_is_retried_then_stored(fake_telegram: Any, telegram_account: Any) -> None:
    fake_telegram.fail(status=502, times=1, method="getFile")
    message = _photo_in(fake_telegram, telegram_account)
    attachment = Attachment.objects.get(message=message)
    assert attachment.state == AttachmentState.STORED and attachment.attempts == 2
    statuses = [r["status"] for r in fake_telegram.requests_log() if r["method"] == "getFile"]
    assert statuses == [502, 200]


def test_permanent_error_marks_failed_and_ingest_is_not_blocked(fake_telegram: Any, telegram_account: Any) -> None:
    fake_telegram.fail(status=400, times=1, method="getFile", description="Bad Request: invalid file_id")
    message = _photo_in(fake_telegram, telegram_account)
    attachment = Attachment.objects.get(message=message)
    assert attachment.state == AttachmentState.FAILED and "invalid file_id" in attachment.error
    assert Ticket.objects.count() == 1 and message.text == "Rozbitá krabice 📦"
    assert attachment_fetch(attachment_id=attachment.pk) == AttachmentState.FAILED  # idempotent: not again


def test_duplicate_delivery_does_not_duplicate(fake_telegram: Any, telegram_account: Any) -> None:
    _photo_in(fake_telegram, telegram_account)
    type(telegram_account).objects.filter(pk=telegram_account.pk).update(poll_cursor={})
    account_poll(account_id=telegram_account.pk)
    assert Attachment.objects.count() == 1
    stored = Attachment.objects.get()
    assert attachment_fetch(attachment_id=stored.pk) == AttachmentState.STORED
    assert [r["method"] for r in fake_telegram.requests_log()].count("getFile") == 1


def test_decompression_bomb_gets_no_thumbnail(settings: Any) -> None:
    settings.HOVOR_IMAGE_MAX_PIXELS = 1000
    assert thumbnail_of(png_bytes(64, 48)) is None  # 3072 pixels: refused before decoding
    settings.HOVOR_IMAGE_MAX_PIXELS = 40_000_000
    assert thumbnail_of(png_bytes(64, 48)) is not None
    assert thumbnail_of(b"<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>") is None
    assert thumbnail_of(b"<html><script>alert(1)</script></html>") is None


# --- serving -------------------------------------------------------------------------------
def _login(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_image_is_served_inline_to_the_team_and_404_to_others(
    fake_telegram: Any, telegram_account: Any, agent: Any, django_user_model: Any
) -> None:
    message = _photo_in(fake_telegram, telegram_account)
    attachment = Attachment.objects.get(message=message)
    response = _login(agent).get(f"/attachments/{attachment.pk}/")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Disposition"].startswith("inline")
    assert b"".join(response.streaming_content) == fake_telegram.file_content(BOT_TOKEN, "photos/file_2.jpg")
    thumb = _login(agent).get(f"/attachments/{attachment.pk}/thumb/")
    assert thumb.status_code == 200 and thumb["Content-Type"] == "image/png"

    outsider = django_user_model.objects.create_user("outsider", password="x")
    assert _login(outsider).get(f"/attachments/{attachment.pk}/").status_code == 404
    assert _login(outsider).get(f"/attachments/{attachment.pk}/thumb/").status_code == 404
    assert Client().get(f"/attachments/{attachment.pk}/").status_code in (302, 404)


def test_html_and_svg_are_never_inline(fake_telegram: Any, telegram_account: Any, agent: Any) -> None:
    fake_telegram.inbound("@petr", "Petr", "hi", kind="document", file_name="x.svg", mime_type="image/svg+xml")
    account_poll(account_id=telegram_account.pk)
    attachment = Attachment.objects.get()
    response = _login(agent).get(f"/attachments/{attachment.pk}/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/octet-stream"
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response["Content-Security-Policy"]
    assert _login(agent).get(f"/attachments/{attachment.pk}/thumb/").status_code == 404


# --- outgoing ------------------------------------------------------------------------------
def test_reply_with_an_image_goes_out_as_send_photo(fake_telegram: Any, telegram_account: Any, agent: Any) -> None:
    message = _photo_in(fake_telegram, telegram_account)
    picture = png_bytes(200, 100, seed=7)
    reply = ticket_reply(
        ticket=message.ticket, agent=agent, text="Děkujeme, posíláme štítek.",
        files=[ReplyFile(filename="štítek.png", content_type="image/png", content=picture)],
    )
    reply.refresh_from_db()
    assert reply.delivery_status == DeliveryStatus.SENT
    sent = fake_telegram.outbound()[-1]
    assert sent["method"] == "sendPhoto" and sent["caption"].startswith("Děkujeme, posíláme štítek.")
    assert sent["photo"]["sha256"] == hashlib.sha256(picture).hexdigest()
    assert sent["photo"]["filename"] == "štítek.png"
    assert reply.attachments == [
        {"filename": "štítek.png", "content_type": "image/png", "size": len(picture), "url": ""}
    ]
    assert Attachment.objects.get(message=reply).state == AttachmentState.STORED


def test_reply_with_a_file_over_the_platform_limit_is_refused(
    fake_telegram: Any, telegram_account: Any, agent: Any, settings: Any
) -> None:
    message = _photo_in(fake_telegram, telegram_account)
    settings.HOVOR_ATTACHMENT_MAX_BYTES = 100
    with pytest.raises(ReplyError, match="larger than"):
        ticket_reply(ticket=message.ticket, agent=agent, text="Tady",
                     files=[ReplyFile(filename="a.pdf", content_type="application/pdf", content=b"x" * 200)])
    assert not Message.objects.filter(direction=Direction.OUT).exists()
    assert not [o for o in fake_telegram.outbound() if o.get("method")]


# --- WhatsApp and e-mail ---------------------------------------------------------------------
@pytest.fixture
def fake_wa() -> Iterator[Any]:
    from fakes.whatsapp import FakeWhatsApp
    from tests.channels.whatsapp.wa_support import PHONE_NUMBER_ID, WA_CREDENTIALS

    fake = FakeWhatsApp(
        app_secret=WA_CREDENTIALS["app_secret"], verify_token=WA_CREDENTIALS["verify_token"],
        access_token=WA_CREDENTIALS["access_token"], phone_number_id=PHONE_NUMBER_ID,
    ).start()
    yield fake
    fake.stop()


def test_whatsapp_image_is_fetched_through_the_media_endpoint(brand: Any, fake_wa: Any) -> None:
    from channels.services import brand_account_connect
    from tests.channels.whatsapp.wa_support import WA_CREDENTIALS, deliver_all

    account = brand_account_connect(brand=brand, platform="whatsapp", handle="+15550783881",
                                    base_url=fake_wa.base_url, credentials=dict(WA_CREDENTIALS))
    sent = fake_wa.inbound("420601234567", "Poškozený obal", kind="image")
    deliver_all(Client(), account, fake_wa)
    attachment = Attachment.objects.get()
    assert attachment.state == AttachmentState.STORED and attachment.thumbnail
    assert attachment.sha256 == hashlib.sha256(fake_wa.media_content(sent["image"]["id"])).hexdigest()
    paths = [r["path"] for r in fake_wa.requests_log()]
    assert f"/v21.0/{sent['image']['id']}" in paths[-2] and paths[-1] == "/whatsapp_business/attachments/"


def test_email_part_is_stored_from_the_message_itself(brand: Any) -> None:
    import base64
    from email.message import EmailMessage

    from channels.email import parser as email_parser
    from channels.inbound import inbound_events_store
    from channels.models import BrandAccount
    from channels.types import RawEvent

    account = BrandAccount.objects.create(brand=brand, platform="email", handle="support@acme.example")
    mail = EmailMessage()
    mail["From"] = "Jana Nováková <jana@example.cz>"
    mail["To"] = "support@acme.example"
    mail["Subject"] = "Reklamace"
    mail["Message-ID"] = "<reklamace-1@example.cz>"
    mail.set_content("Posílám fotku a fakturu.")
    picture = png_bytes(100, 80, seed=3)
    mail.add_attachment(picture, maintype="image", subtype="png", filename="fotka.png")
    mail.add_attachment(b"%PDF-1.4 faktura", maintype="application", subtype="pdf", filename="Faktura č. 7.pdf")
    raw = mail.as_bytes()
    event = RawEvent(platform_id=email_parser.event_platform_id(raw), kind=email_parser.EVENT_KIND,
                     payload={"raw": base64.b64encode(raw).decode(), "address": "support@acme.example"})
    inbound_events_store(account=account, events=[event])
    photo, invoice = Attachment.objects.order_by("index")
    assert photo.state == invoice.state == AttachmentState.STORED
    assert photo.sha256 == hashlib.sha256(picture).hexdigest() and photo.thumbnail
    assert invoice.filename == "Faktura č. 7.pdf" and not invoice.thumbnail
    with default_storage.open(invoice.file.name) as handle:
        assert handle.read() == b"%PDF-1.4 faktura"


def test_thread_shows_thumbnail_and_composer_sends_a_file(
    fake_telegram: Any, telegram_account: Any, agent: Any
) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    message = _photo_in(fake_telegram, telegram_account)
    fake_telegram.inbound("@jana_n", "Jana Nováková", "a faktura", kind="document", file_name="<b>faktura</b>.pdf")
    account_poll(account_id=telegram_account.pk)
    photo, document = Attachment.objects.order_by("pk")
    client = _login(agent)
    page = client.get(f"/tickets/{message.ticket_id}/").content.decode()
    assert f'<img src="/attachments/{photo.pk}/thumb/"' in page
    assert f'href="/attachments/{document.pk}/" download>📎 &lt;b&gt;faktura&lt;/b&gt;.pdf</a>' in page  # escaped
    limits = page[page.index("data-attachment-limits"):][:300]
    assert 'name="files"' in page and "25.0" in limits and "pictures at most 10.0" in limits, limits

    picture = png_bytes(120, 90, seed=11)
    response = client.post(
        f"/tickets/{message.ticket_id}/reply/",
        {"text": "Posíláme štítek", "then_status": "pending",
         "files": SimpleUploadedFile("štítek.png", picture, content_type="image/png")},
    )
    assert response.status_code == 302
    sent = fake_telegram.outbound()[-1]
    assert sent["method"] == "sendPhoto" and sent["photo"]["sha256"] == hashlib.sha256(picture).hexdigest()
    reply = Message.objects.filter(direction=Direction.OUT).get()
    assert reply.files.get().thumbnail


def test_whatsapp_reply_uploads_the_file_and_sends_it_as_an_image(brand: Any, fake_wa: Any, agent: Any) -> None:
    from channels.services import brand_account_connect
    from tests.channels.whatsapp.wa_support import WA_CREDENTIALS, deliver_all

    account = brand_account_connect(brand=brand, platform="whatsapp", handle="+15550783881",
                                    base_url=fake_wa.base_url, credentials=dict(WA_CREDENTIALS))
    fake_wa.inbound("420601234567", "Dobrý den, kde je balík?")
    deliver_all(Client(), account, fake_wa)
    ticket = Ticket.objects.get()
    picture = png_bytes(50, 50, seed=2)
    reply = ticket_reply(ticket=ticket, agent=agent, text="Tady je mapa výdejního místa.",
                         files=[ReplyFile("mapa.png", "image/png", picture),
                                ReplyFile("Podmínky.pdf", "application/pdf", b"%PDF-1.4 podminky")])
    reply.refresh_from_db()
    assert reply.delivery_status == DeliveryStatus.SENT, reply.outbound.last_error
    image, document = [o for o in fake_wa.outbound() if o["type"] in ("image", "document")]
    assert image["image"]["sha256"] == hashlib.sha256(picture).hexdigest()
    assert image["caption"].startswith("Tady je mapa výdejního místa.")
    assert document["document"]["filename"] == "Podmínky.pdf" and document["caption"] == ""
    with pytest.raises(ReplyError, match="does not take"):
        ticket_reply(ticket=ticket, agent=agent, text="zip", files=[ReplyFile("a.zip", "application/zip", b"PK")])


def test_erasing_the_customer_removes_their_stored_files(fake_telegram: Any, telegram_account: Any) -> None:
    from inbox.actions.privacy import customer_erase

    message = _photo_in(fake_telegram, telegram_account)
    attachment = Attachment.objects.get(message=message)
    names = [attachment.file.name, attachment.thumbnail.name]
    assert all(default_storage.exists(name) for name in names)
    customer_erase(customer=message.ticket.customer)
    assert not Attachment.objects.filter(message=message).exists()
    assert not any(default_storage.exists(name) for name in names)
