"""WhatsApp end to end on PostgreSQL + Redis with a real Celery worker: signed webhooks
(three times, out of order) → one message; API reply → the worker sends exactly once;
delivery statuses arriving out of order end at "read"."""
from __future__ import annotations

from typing import Any

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from inbox.enums import DeliveryStatus, Direction
from inbox.models import Message, Ticket
from tests.channels.whatsapp.wa_support import deliver
from tests.support import wait_for

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def test_webhooks_worker_reply_and_statuses(
    celery_worker_process: None, client: Any, fake_wa: Any, wa_account: Any, agent: Any
) -> None:
    first = fake_wa.inbound("420601123456", "Dobrý den, kde je můj balík? 📦", name="Jana Nováková")
    second = fake_wa.inbound("420601123456", "Objednávka č. 12345 😟")
    d1, d2 = fake_wa.take_deliveries()
    for delivery in (d2, d1, d2, d1, d1):  # redelivered and out of order
        assert deliver(client, wa_account, delivery).status_code == 200
    assert wait_for(lambda: Message.objects.filter(direction=Direction.IN).count() == 2, timeout=30)
    ticket = Ticket.objects.get()
    assert [m.text for m in ticket.messages.order_by("sent_at", "id")] == [
        "Dobrý den, kde je můj balík? 📦", "Objednávka č. 12345 😟"
    ]

    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=agent).key}")
    response = api.post(f"/api/v1/tickets/{ticket.pk}/reply/", {"text": "Dobrý den {{ customer.first_name }}!"},
                        format="json")
    assert response.status_code == 201, response.content
    reply_id = response.json()["id"]
    assert wait_for(lambda: Message.objects.get(pk=reply_id).delivery_status == DeliveryStatus.SENT, timeout=30)
    [sent] = fake_wa.outbound()
    assert sent["text"] == "Dobrý den Jana! ^JD" and sent["context_message_id"] == second["id"]
    assert first["id"] != second["id"]

    statuses = fake_wa.take_deliveries()  # sent, delivered, read
    for delivery in reversed(statuses):
        assert deliver(client, wa_account, delivery).status_code == 200
    assert wait_for(lambda: Message.objects.get(pk=reply_id).delivery_status == DeliveryStatus.READ, timeout=30)
    assert len(fake_wa.outbound()) == 1
