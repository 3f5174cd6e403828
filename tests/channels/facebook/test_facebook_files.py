"""Messenger replies with files, through the fake: each file is uploaded with the Attachment
Upload API (POST /{page-id}/message_attachments, multipart `message` + `filedata`) and sent
by its attachment_id; the text goes first as a message of its own (a Messenger message
carries text or one attachment). The composer shows Messenger's limits before sending; a
comment reply carries text only."""
from __future__ import annotations

import hashlib
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from channels.facebook.connector import connector
from channels.http import ApiPermanentError
from channels.meta.windows import RESPONSE
from channels.types import OutboundFile, OutboundRequest
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


def customer_writes(client: Client, account: Any, fake: FakeMeta, **kwargs: Any) -> Any:
    obj = fake.inbound("jana", "Jana Nováková", kwargs.pop("text", "Pošlete mi štítek?"), push=False, **kwargs)
    assert post_delivery(client, "facebook", account.pk, fake.last_delivery).status_code == 200
    return obj


def test_upload_then_send_by_attachment_id(client: Client, account: Any, fake: FakeMeta) -> None:
    """The connector's requests, as Meta documents them."""
    item = customer_writes(client, account, fake)
    psid = item["sender"]["id"]
    picture = png_bytes(64, 48, seed=5)
    mid = connector.send(account, OutboundRequest(
        text="Tady je štítek.", kind="dm", recipient=psid, thread_key=psid,
        extra={"timestamp": item["timestamp"]},
        files=(OutboundFile("štítek.png", "image/png", picture), OutboundFile("Podmínky.pdf", "application/pdf",
                                                                            b"%PDF-1.4 podminky")),
    ))
    posts = [r for r in fake.requests() if r["method"] == "POST"]  # (the profile lookup is a GET)
    calls = [(r["method"], r["path"]) for r in posts]
    assert calls == [
        ("POST", f"/v21.0/{PAGE_ID}/messages"),
        ("POST", f"/v21.0/{PAGE_ID}/message_attachments"), ("POST", f"/v21.0/{PAGE_ID}/messages"),
        ("POST", f"/v21.0/{PAGE_ID}/message_attachments"), ("POST", f"/v21.0/{PAGE_ID}/messages"),
    ]
    upload = posts[1]["params"]
    assert upload["message"] == {"attachment": {"type": "image", "payload": {"is_reusable": False}}}
    assert upload["filedata"]["sha256"] == hashlib.sha256(picture).hexdigest()
    assert upload["filedata"]["filename"] == "štítek.png" and upload["filedata"]["content_type"] == "image/png"
    send = posts[2]["params"]
    assert send["recipient"] == {"id": psid} and send["messaging_type"] == RESPONSE.messaging_type
    assert set(send["message"]) == {"attachment"} and set(send["message"]["attachment"]["payload"]) == {"attachment_id"}
    assert posts[3]["params"]["message"]["attachment"]["type"] == "file"

    text, image, document = fake.outbound()
    assert mid == text["id"] and text["text"] == "Tady je štítek." and "attachment" not in text
    assert image["attachment"]["type"] == "image" and image["attachment"]["source"] == "attachment_id"
    assert image["attachment"]["sha256"] == hashlib.sha256(picture).hexdigest()
    assert document["attachment"]["type"] == "file" and document["attachment"]["filename"] == "Podmínky.pdf"


def test_a_file_without_text_is_one_message(client: Client, account: Any, fake: FakeMeta) -> None:
    item = customer_writes(client, account, fake)
    psid = item["sender"]["id"]
    mid = connector.send(account, OutboundRequest(
        text="", kind="dm", recipient=psid, extra={"timestamp": item["timestamp"]},
        files=(OutboundFile("video.mp4", "video/mp4", b"\x00\x00\x00\x18ftypmp42"),),
    ))
    [sent] = fake.outbound()
    assert sent["id"] == mid and sent["attachment"]["type"] == "video"


def test_too_large_for_messenger_is_refused_before_any_call(client: Client, account: Any, fake: FakeMeta) -> None:
    item = customer_writes(client, account, fake)
    before = len([r for r in fake.requests() if r["method"] == "POST"])
    big = OutboundFile("big.bin", "application/octet-stream", b"0" * (25 * 1024 * 1024 + 1))
    with pytest.raises(ApiPermanentError, match="does not take"):
        connector.send(account, OutboundRequest(text="x", kind="dm", recipient=item["sender"]["id"],
                                                extra={"timestamp": item["timestamp"]}, files=(big,)))
    assert len([r for r in fake.requests() if r["method"] == "POST"]) == before and fake.outbound() == []


def test_comment_replies_carry_text_only(client: Client, account: Any, fake: FakeMeta, agent: Any) -> None:
    customer_writes(client, account, fake, kind="comment", text="Kdy přijde zboží?")
    ticket = Ticket.objects.get()
    assert connector.attachment_limits_for("comment") is None
    assert connector.attachment_limits_for("dm", "private") is None
    with pytest.raises(ReplyError, match="cannot carry files"):
        ticket_reply(ticket=ticket, agent=agent, text="Zítra.",
                     files=[ReplyFile("a.png", "image/png", png_bytes(8, 8))])
    client.force_login(agent)
    page = client.get(f"/tickets/{ticket.pk}/").content.decode()
    assert 'name="files"' not in page and "Facebook replies carry text only." in page


def test_composer_shows_messengers_limits_and_sends_the_file_once(
    client: Client, account: Any, fake: FakeMeta, agent: Any
) -> None:
    customer_writes(client, account, fake)
    ticket = Ticket.objects.get()
    client.force_login(agent)
    page = client.get(f"/tickets/{ticket.pk}/").content.decode()
    limits = page[page.index("data-attachment-limits"):][:300]
    assert 'name="files"' in page and " multiple" in page
    assert "Facebook: up to 5 files, at most 25.0" in limits and "types:" not in limits, limits

    picture = png_bytes(120, 90, seed=12)
    response = client.post(f"/tickets/{ticket.pk}/reply/", {
        "text": "Posíláme štítek", "then_status": "pending",
        "files": SimpleUploadedFile("štítek.png", picture, content_type="image/png"),
    })
    assert response.status_code == 302
    sent = [o for o in fake.outbound() if "attachment" in o]
    assert len(sent) == 1 and sent[0]["attachment"]["sha256"] == hashlib.sha256(picture).hexdigest()
    reply = Message.objects.get(direction=Direction.OUT)
    assert reply.delivery_status == DeliveryStatus.SENT, reply.outbound.last_error
    out = Attachment.objects.get(message=reply)
    thread = client.get(f"/tickets/{ticket.pk}/").content.decode()
    assert f'<img src="/attachments/{out.pk}/thumb/"' in thread
    assert reply.attachments[0]["filename"] == "štítek.png"
