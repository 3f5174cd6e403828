"""Viber end to end on PostgreSQL + Redis with a real Celery worker: the webhook registered
through Viber's check, signed callbacks pushed by the fake (one resent) → one ticket; API
reply → the worker sends exactly once; delivered then seen → "read"; the customer
unsubscribes → the next reply is refused with the reason."""
from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import requests
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from channels.models import InboundEvent
from channels.services import brand_account_register_webhook
from fakes.viber import FakeViber
from inbox.enums import DeliveryStatus, Direction, OutboundStatus
from inbox.models import Message, OutboundMessage, Ticket
from tests.channels.viber.viber_support import AUTH_TOKEN, connect
from tests.support import wait_for

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def pushing_viber() -> Iterator[FakeViber]:
    with FakeViber(auth_token=AUTH_TOKEN, retry_delay=0.05) as fake:
        yield fake


def test_callbacks_worker_reply_receipts_and_unsubscribe(
    celery_worker_process: None, live_server: Any, brand: Any, pushing_viber: FakeViber, agent: Any
) -> None:
    account = connect(brand, pushing_viber)
    url = f"{live_server.url}/webhooks/viber/{account.pk}/"
    registered = brand_account_register_webhook(account=account, webhook_url=url)
    assert registered.ok, registered.error

    first = pushing_viber.inbound("@ivan", "Иван Петров", "Здравейте! Поръчка 4521 още не е пристигнала 😟",
                                  language="bg", country="BG")
    pushing_viber.inbound("@ivan", "Иван Петров", "Моля, проверете.")
    assert pushing_viber.wait_pushed(timeout=10)
    body, headers = pushing_viber.delivery(first)  # Viber resends a callback
    assert requests.post(url, data=body, headers=headers, timeout=10).status_code == 200
    assert wait_for(lambda: Message.objects.filter(direction=Direction.IN).count() == 2, timeout=30)
    ticket = Ticket.objects.get()
    assert [m.text for m in ticket.messages.order_by("sent_at")] == [
        "Здравейте! Поръчка 4521 още не е пристигнала 😟", "Моля, проверете."
    ]

    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=agent).key}")
    response = api.post(f"/api/v1/tickets/{ticket.pk}/reply/", {"text": "Здравейте, {{ customer.first_name }}!"},
                        format="json")
    assert response.status_code == 201, response.content
    reply_id = response.json()["id"]
    # The outbox says sent (the reply's own state may already be past it: the fake's
    # `delivered` receipt follows within milliseconds).
    assert wait_for(lambda: OutboundMessage.objects.get(message_id=reply_id).status == OutboundStatus.SENT, timeout=30)
    assert Message.objects.get(pk=reply_id).delivery_status in (DeliveryStatus.SENT, DeliveryStatus.DELIVERED)
    (sent,) = pushing_viber.outbound()
    assert sent["text"] == "Здравейте, Иван! ^JD"
    assert sent["receiver"] == first["sender"]["id"] and sent["sender"] == {"name": "Acme"}
    assert Message.objects.get(pk=reply_id).platform_id == str(sent["message_token"])

    # The fake's delivered receipt, then the customer reads it.
    assert wait_for(lambda: Message.objects.get(pk=reply_id).delivery_status == DeliveryStatus.DELIVERED, timeout=30)
    pushing_viber.receipt(sent["message_token"], "seen")
    assert wait_for(lambda: Message.objects.get(pk=reply_id).delivery_status == DeliveryStatus.READ, timeout=30)

    pushing_viber.unsubscribe("@ivan")
    assert wait_for(lambda: InboundEvent.objects.filter(kind="unsubscribed", status="ignored").exists(), timeout=30)
    refused = api.post(f"/api/v1/tickets/{ticket.pk}/reply/", {"text": "Още нещо?"}, format="json")
    assert refused.status_code == 400
    assert "unsubscribed from the brand's Viber bot" in refused.json()["text"][0]
    assert len(pushing_viber.outbound()) == 1
