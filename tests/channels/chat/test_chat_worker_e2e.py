"""Live chat end to end on PostgreSQL + Redis with a real Celery worker: the widget's
message (resent once after a "reconnect") → one ticket message; API reply → the worker
delivers it into the visitor's event stream exactly once."""
from __future__ import annotations

from typing import Any

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from inbox.enums import DeliveryStatus, Direction
from inbox.models import Message, Ticket
from tests.channels.chat.chat_support import Widget
from tests.support import wait_for

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def test_widget_worker_reply(
    celery_worker_process: None, widget: Widget, agent: Any, one_pass_stream: None
) -> None:
    widget.write("Dobrý den, máte skladem velikost M? 👗", client_msg_id="7d8a3c6e-0000-4000-8000-000000000001",
                 name="Jana Nováková")
    widget.write("Dobrý den, máte skladem velikost M? 👗", client_msg_id="7d8a3c6e-0000-4000-8000-000000000001")
    assert wait_for(lambda: Message.objects.filter(direction=Direction.IN).exists(), timeout=30)
    ticket = Ticket.objects.get()
    assert ticket.messages.get().text == "Dobrý den, máte skladem velikost M? 👗"

    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=agent).key}")
    response = api.post(f"/api/v1/tickets/{ticket.pk}/reply/", {"text": "Ano, {{ customer.first_name }}!"},
                        format="json")
    assert response.status_code == 201, response.content
    reply_id = response.json()["id"]
    assert wait_for(lambda: Message.objects.get(pk=reply_id).delivery_status == DeliveryStatus.SENT, timeout=30)
    agent_events = [e for e in widget.events() if e["json"].get("from") == "agent"]
    assert [e["json"]["text"] for e in agent_events] == ["Ano, Jana! ^JD"]
