"""Telegram end to end on PostgreSQL + Redis with a real Celery worker: getUpdates polling
→ one ticket; API reply → the worker sends exactly once with reply_parameters."""
from __future__ import annotations

from typing import Any

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from channels.tasks import poll_account
from inbox.enums import DeliveryStatus, Direction
from inbox.models import Message, Ticket
from tests.support import wait_for

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def test_poll_worker_reply(celery_worker_process: None, fake_telegram: Any, telegram_account: Any, agent: Any) -> None:
    update = fake_telegram.inbound("@jnovakova", "Jana", "Dobrý den, kde je balík? 📦")
    poll_account.delay(telegram_account.pk)
    poll_account.delay(telegram_account.pk)  # overlapping polls: still one message
    assert wait_for(lambda: Message.objects.filter(direction=Direction.IN).exists(), timeout=30)
    ticket = Ticket.objects.get()
    assert ticket.messages.get().text == "Dobrý den, kde je balík? 📦"

    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=agent).key}")
    response = api.post(f"/api/v1/tickets/{ticket.pk}/reply/", {"text": "Prověřuji, {{ customer.first_name }}."},
                        format="json")
    assert response.status_code == 201, response.content
    reply_id = response.json()["id"]
    assert wait_for(lambda: Message.objects.get(pk=reply_id).delivery_status == DeliveryStatus.SENT, timeout=30)
    (sent,) = fake_telegram.outbound()
    assert sent["text"] == "Prověřuji, Jana. ^JD"
    assert sent["reply_parameters"]["message_id"] == update["message"]["message_id"]
