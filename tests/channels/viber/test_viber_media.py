"""Files on Viber replies: a `picture` (JPEG, PNG or a still GIF up to 1 MB, with the reply's
text) or a `file` (size and file_name) message, each naming a signed, expiring link that
Viber fetches itself. Against the fake, which fetches the link from a live Hovor and
records what it got, once; the request shapes are those of Viber's REST Bot API."""
from __future__ import annotations

import hashlib
import io
from typing import Any
from unittest import mock

import pytest
from django.test import Client
from PIL import Image

from channels.models import BrandAccount
from channels.types import OutboundFile, OutboundRequest
from channels.viber import connector as viber_connector
from channels.viber.limits import ATTACHMENTS, file_name
from fakes.base import png_bytes
from inbox.actions.attachments import ReplyFile
from inbox.actions.replies import ReplyError, ticket_reply
from inbox.attachment_urls import attachment_public_url
from inbox.enums import DeliveryStatus
from inbox.models import Attachment
from tests.channels.viber.viber_support import ticket_from

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def public(live_server: Any, settings: Any) -> str:
    """Hovor reachable by the platform: its public URL is the live test server."""
    settings.HOVOR_PUBLIC_URL = settings.HOVOR_FILES_PUBLIC_URL = live_server.url
    return str(live_server.url)


def _gif(frames: int) -> bytes:
    out = io.BytesIO()
    images = [Image.new("RGB", (8, 8), (n * 40, 0, 0)) for n in range(frames)]
    images[0].save(out, format="GIF", save_all=frames > 1, append_images=images[1:])
    return out.getvalue()


def test_picture_goes_with_the_text_and_viber_fetches_it_once(
    client: Client, fake_viber: Any, viber_account: BrandAccount, agent: Any, public: str
) -> None:
    ticket, callback = ticket_from(client, viber_account, fake_viber)
    picture = png_bytes(60, 40, seed=5)
    reply = ticket_reply(ticket=ticket, agent=agent, text="Тук е картата.",
                         files=[ReplyFile("карта.png", "image/png", picture)])
    reply.refresh_from_db()
    assert reply.delivery_status == DeliveryStatus.SENT, reply.outbound.last_error
    [sent] = fake_viber.outbound()
    assert sent["type"] == "picture" and sent["receiver"] == callback["sender"]["id"]
    assert sent["text"] == "Тук е картата. ^JD"
    assert sent["media"].startswith(public + "/files/") and sent["media"].endswith(".png")
    assert sent["fetched"]["status"] == 200 and sent["fetched"]["content_type"] == "image/png"
    assert sent["fetched"]["sha256"] == hashlib.sha256(picture).hexdigest()
    assert reply.platform_id == str(sent["message_token"])


def test_a_document_goes_as_a_file_after_the_text(
    client: Client, fake_viber: Any, viber_account: BrandAccount, agent: Any, public: str
) -> None:
    ticket, _ = ticket_from(client, viber_account, fake_viber)
    document = b"%PDF-1.4 podminky" + b"\n" * 2000
    reply = ticket_reply(ticket=ticket, agent=agent, text="Posílám podmínky.",
                         files=[ReplyFile("Podmínky.pdf", "application/pdf", document)])
    reply.refresh_from_db()
    assert reply.delivery_status == DeliveryStatus.SENT, reply.outbound.last_error
    text, sent = fake_viber.outbound()
    assert text["type"] == "text" and text["text"] == "Posílám podmínky. ^JD"
    assert sent["type"] == "file" and sent["file_name"] == "Podmínky.pdf" and sent["size"] == len(document)
    # Never served as what it claims to be: a download, whoever asks.
    assert sent["fetched"]["status"] == 200 and sent["fetched"]["content_type"] == "application/octet-stream"
    assert sent["fetched"]["sha256"] == hashlib.sha256(document).hexdigest()
    assert reply.platform_id == str(text["message_token"])


def test_request_shapes_and_what_goes_as_a_file() -> None:
    """send_message bodies as Viber documents them; a big picture or an animated GIF is a file."""
    account = mock.Mock(base_url="http://viber.invalid", credentials={"auth_token": "t"}, pk=1, options={})
    account.brand.name = "Acme"
    calls: list[dict[str, Any]] = []

    def answer(self: Any, method: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
        calls.append({"method": method, **(params or {})})
        return {"status": 0, "message_token": 5_000_000_000_000_000_000 + len(calls)}

    still, animated = _gif(1), _gif(3)
    big = b"\xff\xd8\xff" + b"0" * (1024 * 1024)
    files = (
        OutboundFile("a.gif", "image/gif", still, url="https://h/files/t1/a.gif"),
        OutboundFile("b.gif", "image/gif", animated, url="https://h/files/t2/b.gif"),
        OutboundFile("c.jpg", "image/jpeg", big, url="https://h/files/t3/c.jpg"),
    )
    with mock.patch("channels.viber.client.ViberClient.call", answer):
        token = viber_connector.connector.send(
            account, OutboundRequest(text="Fotky", recipient="u1==", files=files)
        )
    assert token == "5000000000000000001"
    common = {"method": "send_message", "receiver": "u1==", "min_api_version": 1, "sender": {"name": "Acme"}}
    assert calls == [
        {**common, "type": "picture", "text": "Fotky", "media": "https://h/files/t1/a.gif"},
        {**common, "type": "file", "media": "https://h/files/t2/b.gif", "size": len(animated), "file_name": "b.gif"},
        {**common, "type": "file", "media": "https://h/files/t3/c.jpg", "size": len(big), "file_name": "c.jpg"},
    ]


def test_limits_shown_and_checked_before_sending(
    client: Client, fake_viber: Any, viber_account: BrandAccount, agent: Any
) -> None:
    assert viber_connector.connector.attachment_limits_for("message") == ATTACHMENTS
    assert ATTACHMENTS.max_bytes == 50 * 1024 * 1024 and ATTACHMENTS.max_files == 5
    assert file_name("x" * 300 + ".pdf").endswith(".pdf") and len(file_name("x" * 300 + ".pdf")) == 256
    ticket, _ = ticket_from(client, viber_account, fake_viber)
    with pytest.raises(ReplyError, match=r"does not take \.exe files"):
        ticket_reply(ticket=ticket, agent=agent, text="Program",
                     files=[ReplyFile("setup.exe", "application/octet-stream", b"MZ")])
    assert fake_viber.outbound() == []


def test_public_link_is_signed_expiring_and_for_stored_files_only(
    client: Client, fake_viber: Any, viber_account: BrandAccount, agent: Any, settings: Any
) -> None:
    ticket, _ = ticket_from(client, viber_account, fake_viber)
    with mock.patch("inbox.tasks.deliver_outbound.delay"):
        reply = ticket_reply(ticket=ticket, agent=agent, text="Foto",
                             files=[ReplyFile("a.png", "image/png", png_bytes(10, 10))])
    attachment = Attachment.objects.get(message=reply)
    url = attachment_public_url(attachment)
    assert url.startswith(settings.HOVOR_FILES_PUBLIC_URL + "/files/") and url.endswith("/a.png")
    path = url[len(settings.HOVOR_FILES_PUBLIC_URL):]
    response = Client().get(path)  # no login
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    assert response["X-Content-Type-Options"] == "nosniff"
    token = path.split("/")[2]
    assert Client().get(path.replace(token, token[:-2] + "xx")).status_code == 404
    settings.HOVOR_FILES_URL_MAX_AGE = -1
    assert Client().get(path).status_code == 404
