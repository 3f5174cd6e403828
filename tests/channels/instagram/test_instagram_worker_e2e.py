"""Instagram end to end on PostgreSQL + Redis with a real Celery worker: a signed DM
delivery (twice) → one message; API reply → the worker sends exactly once."""
from __future__ import annotations

from typing import Any

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from inbox.enums import DeliveryStatus, Direction
from inbox.models import Message, Ticket
from tests.channels.facebook.meta_support import post_delivery
from tests.support import wait_for

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def test_instagram_dm_webhook_worker_reply(
    celery_worker_process: None, client: Any, account: Any, fake: Any, agent: Any
) -> None:
    fake.inbound("katerina.novakova", None, "Máte ještě velikost M? 👗", push=False)
    delivery = fake.last_delivery
    for _ in range(2):
        assert post_delivery(client, "instagram", account.pk, delivery).status_code == 200
    assert wait_for(lambda: Message.objects.filter(direction=Direction.IN).exists(), timeout=30)
    ticket = Ticket.objects.get()
    assert ticket.messages.get().text == "Máte ještě velikost M? 👗"

    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=agent).key}")
    response = api.post(f"/api/v1/tickets/{ticket.pk}/reply/", {"text": "Ano, máme!"}, format="json")
    assert response.status_code == 201, response.content
    reply_id = response.json()["id"]
    assert wait_for(lambda: Message.objects.get(pk=reply_id).delivery_status in (
        DeliveryStatus.SENT, DeliveryStatus.DELIVERED, DeliveryStatus.READ), timeout=30)
    [sent] = fake.outbound()
    assert sent["text"] == "Ano, máme! ^JD"
