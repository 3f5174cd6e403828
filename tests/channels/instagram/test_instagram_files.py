"""Instagram DMs with files, through the fake: sent by URL (`attachment: {type: "image",
payload: {url}}`), the URL a signed, expiring link to Hovor (inbox.attachment_urls) that
the fake fetches as Instagram's servers would, from Django's live server. The text goes
first as a message of its own. The composer shows Instagram's limits (PNG or JPEG pictures
up to 8 MB, video and audio up to 25 MB) before sending; comment replies carry text only."""
from __future__ import annotations

import hashlib
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from channels.instagram.connector import connector
from fakes.base import png_bytes
from fakes.facebook import FakeMeta
from inbox.actions.attachments import ReplyFile
from inbox.actions.replies import ReplyError, ticket_reply
from inbox.enums import DeliveryStatus, Direction
from inbox.models import Attachment, Message, Ticket
from tests.channels.facebook.meta_support import PAGE_ID, post_delivery

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = str(tmp_path / "media")


@pytest.fixture
def public_base(settings: Any, live_server: Any) -> str:
    """Hovor's public address is the live server's: the fake reaches the signed links there."""
    settings.HOVOR_FILES_PUBLIC_URL = live_server.url
    return str(live_server.url)


def customer_writes(client: Client, account: Any, fake: FakeMeta, **kwargs: Any) -> Any:
    obj = fake.inbound("katerina.novakova", None, kwargs.pop("text", "Máte velikost S?"), push=False, **kwargs)
    assert post_delivery(client, "instagram", account.pk, fake.last_delivery).status_code == 200
    return obj


def test_a_picture_goes_by_its_signed_link(
    client: Client, account: Any, fake: FakeMeta, agent: Any, public_base: str
) -> None:
    customer_writes(client, account, fake)
    picture = png_bytes(80, 60, seed=7)
    reply = ticket_reply(ticket=Ticket.objects.get(), agent=agent, text="Tady je tabulka velikostí.",
                         files=[ReplyFile("velikosti.png", "image/png", picture)])
    reply.refresh_from_db()
    assert reply.delivery_status == DeliveryStatus.SENT, reply.outbound.last_error
    text, image = fake.outbound()
    assert text["text"] == "Tady je tabulka velikostí. ^JD" and reply.platform_id == text["id"]
    assert image["platform"] == "instagram" and image["attachment"]["source"] == "url"
    assert image["attachment"]["type"] == "image"
    assert image["attachment"]["sha256"] == hashlib.sha256(picture).hexdigest()
    # The documented request: POST /{page-id}/messages with message.attachment {type, payload: {url}}.
    send = [r for r in fake.requests() if r["method"] == "POST"][-1]
    assert send["path"] == f"/v21.0/{PAGE_ID}/messages"
    assert set(send["params"]["message"]) == {"attachment"}
    url = send["params"]["message"]["attachment"]["payload"]["url"]
    assert url.startswith(public_base + "/files/")
    assert set(send["params"]["message"]["attachment"]["payload"]) == {"url"}
    [fetched] = fake.fetched
    assert fetched["url"] == url and fetched["content_type"] == "image/png" and fetched["size"] == len(picture)
    assert not any(r["path"].endswith("/message_attachments") for r in fake.requests())


def test_an_unreachable_link_fails_the_reply_with_metas_reason(
    client: Client, account: Any, fake: FakeMeta, agent: Any, settings: Any
) -> None:
    settings.HOVOR_FILES_PUBLIC_URL = "http://127.0.0.1:9"  # nothing listens: Instagram cannot fetch it
    customer_writes(client, account, fake)
    reply = ticket_reply(ticket=Ticket.objects.get(), agent=agent, text="Tabulka velikostí:",
                         files=[ReplyFile("velikosti.png", "image/png", png_bytes(20, 20))])
    reply.refresh_from_db()
    assert reply.delivery_status == DeliveryStatus.FAILED
    assert "Failed to fetch the file from the url" in reply.outbound.last_error
    assert [o for o in fake.outbound() if "attachment" in o] == []
    assert len(fake.outbound()) == 1  # the text went first (a message of its own)


def test_instagram_takes_png_and_jpeg_pictures_only(client: Client, account: Any, fake: FakeMeta, agent: Any) -> None:
    customer_writes(client, account, fake)
    ticket = Ticket.objects.get()
    with pytest.raises(ReplyError, match="does not take image/gif"):
        ticket_reply(ticket=ticket, agent=agent, text="gif", files=[ReplyFile("a.gif", "image/gif", b"GIF89a")])
    with pytest.raises(ReplyError, match="does not take application/pdf"):
        ticket_reply(ticket=ticket, agent=agent, text="pdf", files=[ReplyFile("a.pdf", "application/pdf", b"%PDF")])
    big = png_bytes(4, 4) + b"\0" * (8 * 1024 * 1024)
    with pytest.raises(ReplyError, match="larger than Instagram takes"):
        ticket_reply(ticket=ticket, agent=agent, text="big", files=[ReplyFile("big.png", "image/png", big)])
    assert fake.outbound() == []


def test_comment_replies_carry_text_only(client: Client, account: Any, fake: FakeMeta, agent: Any) -> None:
    customer_writes(client, account, fake, kind="comment", text="Kolik to stojí?")
    assert connector.attachment_limits_for("comment") is None
    client.force_login(agent)
    page = client.get(f"/tickets/{Ticket.objects.get().pk}/").content.decode()
    assert 'name="files"' not in page and "Instagram replies carry text only." in page


def test_composer_shows_instagrams_limits_and_sends_the_picture_once(
    client: Client, account: Any, fake: FakeMeta, agent: Any, public_base: str
) -> None:
    customer_writes(client, account, fake)
    ticket = Ticket.objects.get()
    client.force_login(agent)
    page = client.get(f"/tickets/{ticket.pk}/").content.decode()
    limits = page[page.index("data-attachment-limits"):][:400]
    assert "Instagram: up to 5 files, at most 25.0" in limits and "pictures at most 8.0" in limits, limits
    assert "types: image/jpeg, image/png, video/mp4" in limits
    assert 'accept="image/jpeg,image/png,video/mp4' in page

    picture = png_bytes(150, 100, seed=13)
    response = client.post(f"/tickets/{ticket.pk}/reply/", {
        "text": "Posíláme fotku", "then_status": "pending",
        "files": SimpleUploadedFile("fotka.png", picture, content_type="image/png"),
    })
    assert response.status_code == 302
    sent = [o for o in fake.outbound() if "attachment" in o]
    assert len(sent) == 1 and sent[0]["attachment"]["sha256"] == hashlib.sha256(picture).hexdigest()
    assert len(fake.fetched) == 1
    reply = Message.objects.get(direction=Direction.OUT)
    assert reply.delivery_status == DeliveryStatus.SENT, reply.outbound.last_error
    out = Attachment.objects.get(message=reply)
    thread = client.get(f"/tickets/{ticket.pk}/").content.decode()
    assert f'<img src="/attachments/{out.pk}/thumb/"' in thread
