"""An agent's files in the website chat: stored by the chat with the reply, named in the
widget's event stream (never their storage name), served to that visitor's session only
(a verified picture inline, anything else as a download), erased with the session; the
composer shows the chat's limits; the simulated visitors (fakes/chat.py) download what the
stream names, as the widget does."""
from __future__ import annotations

import hashlib
import time
from collections.abc import Iterator
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from channels.chat import stream
from channels.chat.models import ChatEvent, ChatEventKind, ChatSession
from channels.chat.services import chat_sessions_forget
from fakes.base import png_bytes
from fakes.chat import FakeVisitors
from inbox.actions.attachments import ReplyFile
from inbox.actions.replies import ReplyError, ticket_reply
from inbox.enums import DeliveryStatus, Direction
from inbox.models import Attachment, Message, Ticket
from tests.channels.chat.chat_support import Widget
from tests.support import wait_for

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def _reply_with_files(widget: Widget, agent: User) -> tuple[Message, bytes]:
    widget.write("Pošlete mi fakturu?", name="Jana Nováková")
    picture = png_bytes(90, 60, seed=8)
    reply = ticket_reply(ticket=Ticket.objects.get(), agent=agent, text="Tady je.", files=[
        ReplyFile("štítek.png", "image/png", picture),
        ReplyFile("<b>Faktura</b>.html", "text/html", b"<script>alert(1)</script>"),
    ])
    reply.refresh_from_db()
    assert reply.delivery_status == DeliveryStatus.SENT, reply.outbound.last_error
    return reply, picture


def test_the_stream_names_the_files_and_the_session_gets_them(
    widget: Widget, agent: User, one_pass_stream: None
) -> None:
    reply, picture = _reply_with_files(widget, agent)
    event = widget.events()[-1]["json"]
    assert event["from"] == "agent" and event["text"] == "Tady je. ^JD"
    assert event["files"] == [
        {"index": 0, "filename": "štítek.png", "content_type": "image/png", "size": len(picture), "image": True},
        {"index": 1, "filename": "<b>Faktura</b>.html", "content_type": "text/html", "size": 25, "image": False},
    ]
    seq = event["seq"]
    shown = widget.client.get(widget.url(f"files/{seq}/0") + f"?session={widget.session}")
    assert shown.status_code == 200 and shown["Content-Type"] == "image/png"
    assert b"".join(shown.streaming_content) == picture
    assert shown["X-Content-Type-Options"] == "nosniff" and "sandbox" in shown["Content-Security-Policy"]
    assert shown["Access-Control-Allow-Origin"] == "*"
    page = widget.client.get(widget.url(f"files/{seq}/1") + f"?session={widget.session}")
    assert page["Content-Type"] == "application/octet-stream" and page["Content-Disposition"].startswith("attachment")


def test_another_session_or_none_gets_nothing(client: Client, widget: Widget, agent: User, chat_account: Any) -> None:
    _reply_with_files(widget, agent)
    seq = ChatEvent.objects.get(kind=ChatEventKind.AGENT).seq
    other = Widget(client, chat_account.pk)
    other.open()
    for query in (f"?session={other.session}", "", "?session=nonsense"):
        assert client.get(widget.url(f"files/{seq}/0") + query).status_code == 404
    assert client.get(widget.url(f"files/{seq}/7") + f"?session={widget.session}").status_code == 404
    assert client.get(widget.url(f"files/{seq - 1}/0") + f"?session={widget.session}").status_code == 404


def test_erasing_the_session_deletes_its_files(widget: Widget, agent: User, chat_account: Any) -> None:
    _reply_with_files(widget, agent)
    names = [f["name"] for f in ChatEvent.objects.get(kind=ChatEventKind.AGENT).files]
    assert all(default_storage.exists(n) for n in names) and len(names) == 2
    assert chat_sessions_forget(account_ids=[chat_account.pk], keys=[ChatSession.objects.get().key]) == 1
    assert not any(default_storage.exists(n) for n in names)


def test_composer_shows_the_chats_limits(client: Client, widget: Widget, agent: User) -> None:
    widget.write("Hello?")
    ticket = Ticket.objects.get()
    client.force_login(agent)
    page = client.get(f"/tickets/{ticket.pk}/").content.decode()
    limits = page[page.index("data-attachment-limits"):][:300]
    assert 'name="files"' in page and "Live chat: up to 5 files, at most 10.0" in limits, limits
    with pytest.raises(ReplyError, match="larger than Live chat takes"):
        ticket_reply(ticket=ticket, agent=agent, text="big",
                     files=[ReplyFile("big.bin", "application/octet-stream", b"0" * (10 * 1024 * 1024 + 1))])


@pytest.fixture
def visitors(live_server: Any, chat_account: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeVisitors]:
    monkeypatch.setattr(stream, "STREAM_SECONDS", 2.0)
    fake = FakeVisitors(hovor_url=live_server.url, account_id=chat_account.pk).start()
    yield fake
    fake.stop()
    deadline = time.monotonic() + 5
    while stream.open_streams() and time.monotonic() < deadline:
        time.sleep(0.05)


def test_a_picture_from_the_composer_reaches_the_visitor_once(
    client: Client, visitors: FakeVisitors, agent: User
) -> None:
    visitors.inbound(author="jana", name="Jana Nováková", text="Máte fotku?")
    ticket = Ticket.objects.get()
    client.force_login(agent)
    picture = png_bytes(140, 100, seed=14)
    response = client.post(f"/tickets/{ticket.pk}/reply/", {
        "text": "Ano, tady", "then_status": "pending",
        "files": SimpleUploadedFile("fotka.png", picture, content_type="image/png"),
    })
    assert response.status_code == 302
    replies = wait_for(lambda: [r for r in visitors.outbound() if r["files"]], timeout=10)
    assert len(replies) == 1
    [file] = replies[0]["files"]
    assert file["status"] == 200 and file["served_type"] == "image/png"
    assert file["sha256"] == hashlib.sha256(picture).hexdigest()
    out = Attachment.objects.get(message__direction=Direction.OUT)
    assert f'<img src="/attachments/{out.pk}/thumb/"' in client.get(f"/tickets/{ticket.pk}/").content.decode()
