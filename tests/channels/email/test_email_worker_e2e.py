"""Email end to end on PostgreSQL + Redis with a real Celery worker and real servers:
Dovecot → poll → tickets (threaded, auto-reply flagged); API reply → SMTP exactly once
with the threading headers."""
from __future__ import annotations

from typing import Any

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from channels.services import brand_account_connect
from channels.tasks import poll_account
from inbox.enums import DeliveryStatus, Direction
from inbox.models import Message
from tests.channels.email.conftest import Mailbox, SmtpSink, fixture_raw
from tests.channels.email.expected import ADDRESS, EXPECTED
from tests.support import wait_for

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

NAMES = ["email__czech_rfc2047_subject_name", "email__auto_reply_czech"]


def test_imap_worker_smtp(
    celery_worker_process: None, brand: Any, mailbox: Mailbox, smtp_sink: SmtpSink, agent: Any
) -> None:
    account = brand_account_connect(
        brand=brand, platform="email", handle=ADDRESS, credentials=mailbox.credentials(smtp_sink.port)
    )
    for name in NAMES:
        mailbox.append(fixture_raw(name))
    poll_account.delay(account.pk)
    assert wait_for(lambda: Message.objects.filter(direction=Direction.IN).count() == len(NAMES), timeout=30)
    first = Message.objects.get(platform_id=EXPECTED[NAMES[0]].platform_id)
    assert first.text == EXPECTED[NAMES[0]].text
    assert Message.objects.get(platform_id=EXPECTED[NAMES[1]].platform_id).automated == "auto_reply"

    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=agent).key}")
    response = api.post(f"/api/v1/tickets/{first.ticket_id}/reply/", {"text": "Dobrý den, prověříme to."},
                        format="json")
    assert response.status_code == 201, response.content
    reply_id = response.json()["id"]
    assert wait_for(lambda: Message.objects.get(pk=reply_id).delivery_status == DeliveryStatus.SENT, timeout=30)
    [sent] = smtp_sink.received
    assert sent.message["In-Reply-To"] == first.platform_id
    assert sent.message["Message-ID"] == Message.objects.get(pk=reply_id).platform_id
