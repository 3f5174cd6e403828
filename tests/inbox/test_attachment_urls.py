"""The signed, expiring public link to a stored file (inbox.attachment_urls): built on
HOVOR_FILES_PUBLIC_URL, fetched without logging in, served with the same safe headers as
the agents' file view (a verified picture inline, anything else as a download, never as
HTML), and refused (404) when forged, expired, changed or not stored."""
from __future__ import annotations

import time
from typing import Any
from unittest import mock

import pytest
from django.core import signing
from django.test import Client

from fakes.base import png_bytes
from inbox.actions.attachments import attachment_store
from inbox.attachment_urls import attachment_public_url
from inbox.enums import AttachmentState, Direction
from inbox.models import Attachment, Message

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.HOVOR_FILES_PUBLIC_URL = "https://files.hovor.example"


@pytest.fixture
def ticket(brand: Any) -> Any:
    from channels.models import BrandAccount
    from inbox.models import Customer, Ticket

    account = BrandAccount.objects.create(brand=brand, platform="instagram", handle="@acmecare")
    customer = Customer.objects.create(brand=brand, name="Kateřina")
    return Ticket.objects.create(brand=brand, account=account, customer=customer)


def _file(ticket: Any, name: str, content_type: str, content: bytes, index: int = 0) -> Attachment:
    message = Message.objects.filter(ticket=ticket).first() or Message.objects.create(
        ticket=ticket, account=ticket.account, direction=Direction.OUT, text="x", sent_at=ticket.created_at,
    )
    row = Attachment.objects.create(message=message, index=index, filename=name, content_type=content_type)
    attachment_store(attachment=row, content=content)
    row.refresh_from_db()
    return row


def _path(url: str) -> str:
    assert url.startswith("https://files.hovor.example/files/"), url
    return url.removeprefix("https://files.hovor.example")


def test_a_picture_is_served_inline_without_login(ticket: Any) -> None:
    picture = png_bytes(30, 20, seed=1)
    row = _file(ticket, "fotka.png", "image/png", picture)
    response = Client().get(_path(attachment_public_url(row)))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == picture
    assert response["Content-Type"] == "image/png"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"] == "default-src 'none'; sandbox"
    assert not response["Content-Disposition"].startswith("attachment")


def test_html_and_svg_are_downloads(ticket: Any) -> None:
    page = _file(ticket, "page.html", "text/html", b"<script>alert(1)</script>")
    svg = _file(ticket, "a.svg", "image/svg+xml", b"<svg onload='alert(1)'/>", index=1)
    for row in (page, svg):
        response = Client().get(_path(attachment_public_url(row)))
        assert response.status_code == 200
        assert response["Content-Type"] == "application/octet-stream"
        assert response["Content-Disposition"].startswith("attachment")


def test_forged_expired_changed_and_unstored_links_are_404(ticket: Any, settings: Any) -> None:
    row = _file(ticket, "fotka.png", "image/png", png_bytes(10, 10))
    path = _path(attachment_public_url(row))
    client = Client()
    assert client.get(path.replace("/files/", "/files/x")).status_code == 404
    token = path.split("/")[2]
    tampered = token[:-3] + ("xyz" if not token.endswith("xyz") else "abc")
    assert client.get(f"/files/{tampered}/").status_code == 404
    other = _file(ticket, "jiná.png", "image/png", png_bytes(12, 12, seed=3), index=1)
    another_salt = signing.TimestampSigner(salt="hovor.csat").sign_object([other.pk, other.sha256[:16]])
    assert client.get(f"/files/{another_salt}/").status_code == 404
    with mock.patch("django.core.signing.time.time", return_value=time.time() + settings.HOVOR_FILES_URL_MAX_AGE + 5):
        assert client.get(path).status_code == 404
    Attachment.objects.filter(pk=row.pk).update(sha256="0" * 64)  # not the file the link was made for
    assert client.get(path).status_code == 404
    Attachment.objects.filter(pk=other.pk).update(state=AttachmentState.FAILED)
    assert client.get(_path(attachment_public_url(other))).status_code == 404
