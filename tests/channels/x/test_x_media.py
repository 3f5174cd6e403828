"""Pictures on X replies: uploaded through the v2 media upload (POST /2/media/upload,
multipart `media` + `media_category`), then named by `media.media_ids` on the post or
`attachments: [{media_id}]` on the DM. The requests are checked in the documented shapes as
they leave the client; the fake takes the upload and records the media once on the post or DM."""
from __future__ import annotations

import hashlib
import io
import json
from email import message_from_bytes
from email.policy import HTTP
from typing import Any
from unittest import mock

import pytest
import requests
from PIL import Image

from channels.inbound import account_poll
from channels.models import BrandAccount
from channels.x import connector as x_connector
from channels.x.limits import DM_ATTACHMENTS, POST_ATTACHMENTS
from fakes.base import png_bytes
from fakes.x import FakeX
from inbox.actions.attachments import ReplyFile
from inbox.actions.replies import ReplyError, ticket_reply
from inbox.enums import DeliveryStatus
from inbox.models import Ticket

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def wire(monkeypatch: pytest.MonkeyPatch) -> list[requests.PreparedRequest]:
    """Every request the X client sends, as it went on the wire (after the loopback rewrite)."""
    sent: list[requests.PreparedRequest] = []
    original = x_connector.client_for

    def recording(account: BrandAccount) -> Any:
        client = original(account)
        client.client.session.hooks["response"].append(lambda response, *a, **k: sent.append(response.request))
        return client

    monkeypatch.setattr(x_connector, "client_for", recording)
    return sent


def _multipart(request: requests.PreparedRequest) -> dict[str, tuple[str | None, str, bytes]]:
    head = f"Content-Type: {request.headers['Content-Type']}\r\nMIME-Version: 1.0\r\n\r\n".encode()
    body = request.body if isinstance(request.body, bytes) else str(request.body).encode()
    parts = {}
    for part in message_from_bytes(head + body, policy=HTTP).iter_parts():  # type: ignore[attr-defined]
        payload = part.get_payload(decode=True)
        parts[str(part.get_param("name", header="content-disposition"))] = (
            part.get_filename(), part.get_content_type(), payload if isinstance(payload, bytes) else b"",
        )
    return parts


def _json(request: requests.PreparedRequest) -> dict[str, Any]:
    body = request.body if isinstance(request.body, bytes) else str(request.body).encode()
    data: dict[str, Any] = json.loads(body)
    return data


def test_limits_follow_x_pictures_four_on_a_post_one_on_a_dm() -> None:
    connector = x_connector.connector
    assert connector.attachment_limits_for("mention") == POST_ATTACHMENTS
    assert connector.attachment_limits_for("dm") == DM_ATTACHMENTS
    assert connector.attachment_limits_for("mention", "private") == DM_ATTACHMENTS
    assert POST_ATTACHMENTS.max_files == 4 and DM_ATTACHMENTS.max_files == 1
    for limits in (POST_ATTACHMENTS, DM_ATTACHMENTS):
        assert limits.max_bytes_for("image/png") == 5 * 1024 * 1024
        assert limits.allows("image/jpeg") and limits.allows("image/webp") and limits.allows("image/gif")
        assert not limits.allows("application/pdf")


def test_reply_post_uploads_the_picture_and_names_it_in_media_ids(
    fake_x: FakeX, x_account: BrandAccount, agent: Any, wire: list[requests.PreparedRequest]
) -> None:
    tweet = fake_x.inbound(author="@petr_svoboda", name="Petr Svoboda", text="@AcmeCare Kde je výdejní místo?")
    account_poll(account_id=x_account.pk)
    ticket = Ticket.objects.get()
    picture = png_bytes(40, 30, seed=3)
    reply = ticket_reply(
        ticket=ticket, agent=agent, text="Tady je mapa.", files=[ReplyFile("mapa.png", "image/png", picture)]
    )
    reply.refresh_from_db()
    assert reply.delivery_status == DeliveryStatus.SENT, reply.outbound.last_error

    upload, post = [r for r in wire if r.method == "POST"]
    assert upload.url is not None and upload.url.endswith("/2/media/upload")
    assert str(upload.headers["Content-Type"]).startswith("multipart/form-data")
    assert str(upload.headers["Authorization"]).startswith("OAuth ")  # user context
    parts = _multipart(upload)
    assert parts["media_category"][2] == b"tweet_image"
    assert parts["media"] == ("mapa.png", "image/png", picture)
    assert post.url is not None and post.url.endswith("/2/tweets")
    body = _json(post)
    [media_id] = body["media"]["media_ids"]
    assert body["reply"] == {"in_reply_to_tweet_id": tweet["data"]["id"]}
    assert body["text"].startswith("Tady je mapa.")

    [sent] = fake_x.outbound()
    assert sent["kind"] == "tweet" and sent["in_reply_to_tweet_id"] == tweet["data"]["id"]
    assert [m["media_id"] for m in sent["media"]] == [media_id]
    assert sent["media"][0]["sha256"] == hashlib.sha256(picture).hexdigest()
    assert sent["media"][0]["content_type"] == "image/png"


def test_dm_carries_one_picture_as_an_attachment(
    fake_x: FakeX, x_account: BrandAccount, agent: Any, wire: list[requests.PreparedRequest]
) -> None:
    item = fake_x.inbound(author="@jnovakova", name="Jana Nováková", text="Pošlete mi účtenku", kind="dm")
    account_poll(account_id=x_account.pk)
    ticket = Ticket.objects.get()
    picture = png_bytes(20, 20, seed=4)
    reply = ticket_reply(
        ticket=ticket, agent=agent, text="Posílám.", files=[ReplyFile("uctenka.png", "image/png", picture)]
    )
    reply.refresh_from_db()
    assert reply.delivery_status == DeliveryStatus.SENT, reply.outbound.last_error

    upload, dm = [r for r in wire if r.method == "POST"]
    assert _multipart(upload)["media_category"][2] == b"dm_image"
    customer = item["includes"]["users"][0]["id"]
    assert dm.url is not None and dm.url.endswith(f"/2/dm_conversations/with/{customer}/messages")
    body = _json(dm)
    assert body["attachments"] == [{"media_id": body["attachments"][0]["media_id"]}]
    assert body["text"].startswith("Posílám.")

    [sent] = fake_x.outbound()
    assert sent["kind"] == "dm" and len(sent["media"]) == 1
    assert sent["media"][0]["sha256"] == hashlib.sha256(picture).hexdigest()
    # A DM takes one picture; a file X does not take is refused before anything is queued.
    two = [ReplyFile("a.png", "image/png", picture), ReplyFile("b.png", "image/png", picture)]
    with pytest.raises(ReplyError, match="at most 1"):
        ticket_reply(ticket=ticket, agent=agent, text="Dvě", files=two)
    with pytest.raises(ReplyError, match="does not take"):
        ticket_reply(ticket=ticket, agent=agent, text="PDF", files=[ReplyFile("a.pdf", "application/pdf", b"%PDF")])
    assert len(fake_x.outbound()) == 1


def test_moving_a_mention_to_a_dm_takes_the_dm_limit(fake_x: FakeX, x_account: BrandAccount, agent: Any) -> None:
    fake_x.inbound(author="@petr_svoboda", name="Petr Svoboda", text="@AcmeCare Pomoc")
    account_poll(account_id=x_account.pk)
    ticket = Ticket.objects.get()
    pictures = [ReplyFile(f"{n}.png", "image/png", png_bytes(8, 8, seed=n)) for n in range(2)]
    with mock.patch("inbox.tasks.deliver_outbound.delay"), pytest.raises(ReplyError, match="at most 1"):
        ticket_reply(ticket=ticket, agent=agent, text="Napíšu vám", files=pictures, mode="private")
    # As a public reply the same two pictures go on one post.
    reply = ticket_reply(ticket=ticket, agent=agent, text="Tady jsou", files=pictures)
    reply.refresh_from_db()
    assert reply.delivery_status == DeliveryStatus.SENT, reply.outbound.last_error
    [sent] = fake_x.outbound()
    assert [m["filename"] for m in sent["media"]] == ["0.png", "1.png"]


def test_fake_refuses_what_x_refuses(fake_x: FakeX, x_account: BrandAccount) -> None:
    client = x_connector.client_for(x_account)
    from channels.http import ApiPermanentError

    with pytest.raises(ApiPermanentError, match="unrecognized"):
        client.upload_media(filename="a.png", content_type="image/png", content=b"not a picture", use="post")
    dm_media = client.upload_media(filename="a.png", content_type="image/png", content=png_bytes(4, 4), use="dm")
    with pytest.raises(ApiPermanentError, match="not for a tweet"):
        client.create_reply(text="x", in_reply_to="", media_ids=[dm_media])


def _gif(frames: int = 3) -> bytes:
    out = io.BytesIO()
    images = [Image.new("RGB", (16, 16), (n * 60, 0, 0)) for n in range(frames)]
    images[0].save(out, format="GIF", save_all=True, append_images=images[1:])
    return out.getvalue()


def test_a_gif_goes_through_the_chunked_upload_and_waits_for_processing(
    fake_x: FakeX, x_account: BrandAccount, agent: Any, wire: list[requests.PreparedRequest]
) -> None:
    fake_x.media_processing_checks = 1  # X says "pending" at finalize, then "succeeded"
    fake_x.inbound(author="@petr_svoboda", name="Petr Svoboda", text="@AcmeCare Ukažte jak")
    account_poll(account_id=x_account.pk)
    ticket = Ticket.objects.get()
    wire.clear()  # the poll's requests
    gif = _gif()
    reply = ticket_reply(ticket=ticket, agent=agent, text="Takhle.", files=[ReplyFile("navod.gif", "image/gif", gif)])
    reply.refresh_from_db()
    assert reply.delivery_status == DeliveryStatus.SENT, reply.outbound.last_error

    calls = [(r.method, str(r.url).split("/2/", 1)[1]) for r in wire]
    media_id = calls[1][1].split("/")[2]
    assert calls == [
        ("POST", "media/upload/initialize"),
        ("POST", f"media/upload/{media_id}/append"),
        ("POST", f"media/upload/{media_id}/finalize"),
        ("GET", f"media/upload?command=STATUS&media_id={media_id}"),
        ("POST", "tweets"),
    ]
    assert _json(wire[0]) == {"media_type": "image/gif", "total_bytes": len(gif), "media_category": "tweet_gif"}
    append = _multipart(wire[1])
    assert append["segment_index"][2] == b"0" and append["media"][2] == gif
    assert _json(wire[4])["media"] == {"media_ids": [media_id]}
    [sent] = fake_x.outbound()
    assert sent["media"][0]["content_type"] == "image/gif"
    assert sent["media"][0]["sha256"] == hashlib.sha256(gif).hexdigest()


def test_a_gif_goes_alone(fake_x: FakeX, x_account: BrandAccount, agent: Any) -> None:
    fake_x.inbound(author="@petr_svoboda", name="Petr Svoboda", text="@AcmeCare Ukažte jak")
    account_poll(account_id=x_account.pk)
    ticket = Ticket.objects.get()
    files = [ReplyFile("a.gif", "image/gif", _gif()), ReplyFile("b.png", "image/png", png_bytes(8, 8))]
    with pytest.raises(ReplyError, match="only on its own"):
        ticket_reply(ticket=ticket, agent=agent, text="Dvě", files=files)
    assert fake_x.outbound() == []
