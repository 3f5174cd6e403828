"""The API shows sentiment on messages (null on the brand's own) and tickets, and filters by it."""
from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest
from django.contrib.auth.models import User

from inbox.actions.replies import ticket_reply
from inbox.models import Ticket
from tests.api.test_api import api
from tests.inbox.actions.test_ingest import ANNA, BORIS, ingest, mention

pytestmark = pytest.mark.django_db


def test_messages_and_tickets_carry_sentiment(x_account: Any, agent: User) -> None:
    angry = ingest(x_account, replace(mention(author=BORIS, text="Още чакам, никой не отговаря 😡"), language=""))
    ticket = Ticket.objects.get(pk=angry.message.ticket_id)
    ticket_reply(ticket=ticket, agent=agent, text="Съжаляваме, проверяваме веднага.")
    client = api(agent)

    detail = client.get(f"/api/v1/tickets/{ticket.pk}/").json()
    assert detail["sentiment"] == "negative" and detail["language"] == "bg"
    by_direction = {m["direction"]: m for m in detail["messages"]}
    assert by_direction["in"]["sentiment"] == "negative" and by_direction["in"]["language"] == "bg"
    assert by_direction["out"]["sentiment"] is None  # ours: no sentiment
    listed = client.get("/api/v1/tickets/").json()["results"]
    assert [t["sentiment"] for t in listed if t["id"] == ticket.pk] == ["negative"]


def test_tickets_filter_by_sentiment(x_account: Any, agent: User) -> None:
    happy = ingest(x_account, mention(author=ANNA, text="Thanks so much, all sorted!")).message.ticket_id
    angry = ingest(x_account, mention(author=BORIS, text="Worst service ever")).message.ticket_id
    client = api(agent)

    def ids(sentiment: str) -> list[int]:
        return [t["id"] for t in client.get("/api/v1/tickets/", {"sentiment": sentiment}).json()["results"]]

    assert ids("positive") == [happy]
    assert ids("negative") == [angry]
    assert ids("neutral") == []


def test_schema_declares_sentiment(agent: User) -> None:
    schema = api(agent).get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").content.decode()
    assert '"sentiment"' in schema and '"negative"' in schema
