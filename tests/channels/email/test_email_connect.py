"""Connecting a mailbox (account form and API) logs in first: a mailbox Hovor cannot reach
or log in to is refused with the server's reason, never listed as active and left unread."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from channels.models import AccountStatus, BrandAccount
from tests.channels.email.conftest import ADDRESS, Mailbox, SmtpSink, free_port

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def staff() -> User:
    return User.objects.create_user("boss", password="pw-boss-123", is_staff=True)


def api(user: User) -> APIClient:
    client = APIClient()
    token, _ = Token.objects.get_or_create(user=user)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


def body(brand: Any, credentials: dict[str, Any]) -> dict[str, Any]:
    return {"brand": brand.pk, "platform": "email", "handle": ADDRESS, "credentials": credentials}


def test_api_connects_a_mailbox_it_can_log_in_to(
    staff: User, brand: Any, mailbox: Mailbox, smtp_sink: SmtpSink
) -> None:
    response = api(staff).post("/api/v1/accounts/", body(brand, mailbox.credentials(smtp_sink.port)), format="json")
    assert response.status_code == 201, response.content
    assert BrandAccount.objects.get(pk=response.json()["id"]).status == AccountStatus.ACTIVE


def test_api_refuses_an_unreachable_imap_server(staff: User, brand: Any, mailbox: Mailbox, smtp_sink: SmtpSink) -> None:
    closed = free_port()  # nothing listens there
    credentials = mailbox.credentials(smtp_sink.port, imap_port=closed)
    response = api(staff).post("/api/v1/accounts/", body(brand, credentials), format="json")
    assert response.status_code == 400
    error = " ".join(response.json()["credentials"])
    assert f"IMAP server 127.0.0.1:{closed} unreachable" in error and "refused these credentials" in error
    assert not BrandAccount.objects.exists()


def test_api_refuses_a_wrong_imap_password(staff: User, brand: Any, mailbox: Mailbox, smtp_sink: SmtpSink) -> None:
    credentials = mailbox.credentials(smtp_sink.port, imap_password="not-the-password")
    response = api(staff).post("/api/v1/accounts/", body(brand, credentials), format="json")
    assert response.status_code == 400 and "IMAP login" in " ".join(response.json()["credentials"])
    assert not BrandAccount.objects.exists()


def test_account_form_refuses_an_unreachable_mailbox_and_connects_a_good_one(
    client: Client, staff: User, mailbox: Mailbox, smtp_sink: SmtpSink
) -> None:
    client.force_login(staff)
    # A form cannot say "no SMTP login" (an empty field means "the IMAP one"): the sink's own.
    credentials = mailbox.credentials(smtp_sink.port, smtp_user="smtp-user", smtp_password="smtp-secret")
    good = {k: str(v).lower() if isinstance(v, bool) else str(v) for k, v in credentials.items()}
    form = {"platform": "email", "brand_name": "Acme", "handle": ADDRESS, **good}
    closed = free_port()
    refused = client.post("/settings/accounts/new/?platform=email", {**form, "imap_port": str(closed)})
    assert refused.status_code == 400
    page = refused.content.decode()
    assert "Not connected: Email refused these credentials" in page and f"127.0.0.1:{closed} unreachable" in page
    assert not BrandAccount.objects.exists()

    connected = client.post("/settings/accounts/new/?platform=email", {**form, "backfill": ""})
    assert connected.status_code == 302, connected.content
    account = BrandAccount.objects.get()
    assert account.status == AccountStatus.ACTIVE and account.credentials["imap_user"] == mailbox.user
