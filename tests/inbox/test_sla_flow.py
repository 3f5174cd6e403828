"""The SLA clocks through the real actions: a message in starts the first-response clock,
the reply (then pending) stops it, the customer's next message starts the next-response
clock; the beat task runs the checks."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta
from itertools import count
from typing import Any

import pytest

from channels.models import Brand
from channels.services import brand_account_connect
from channels.types import NormalizedAuthor, NormalizedMessage
from inbox.actions.replies import ticket_reply
from inbox.actions.tickets import ticket_ingest_message
from inbox.enums import TicketStatus
from inbox.models import SlaPolicy, Ticket
from inbox.tasks import sla_check
from tests.support import X_CREDENTIALS

pytestmark = pytest.mark.django_db
_ids = count(1)


def incoming(acct: Any, sent_at: datetime) -> Ticket:
    n = next(_ids)
    message = NormalizedMessage(
        platform_id=f"flow{n}", author=NormalizedAuthor(external_id="u1", handle="@jana", display_name="Jana"),
        text=f"Kde je moje objednávka? ({n})", sent_at=sent_at, kind="mention",
    )
    return Ticket.objects.get(pk=ticket_ingest_message(account=acct, incoming=message).message.ticket_id)


def test_first_then_next_response_through_the_actions(agent: Any) -> None:
    brand = Brand.objects.create(name="Acme")
    acct = brand_account_connect(brand=brand, platform="x", handle="@AcmeCare", credentials=dict(X_CREDENTIALS))
    SlaPolicy.objects.create(brand=brand, first_response_minutes=30, next_response_minutes=90)
    first_at = datetime.now(UTC) - timedelta(minutes=10)
    ticket = incoming(acct, first_at)
    assert (ticket.sla_target, ticket.sla_due_at) == ("first", first_at + timedelta(minutes=30))

    ticket_reply(ticket=ticket, agent=agent, text="Hned to prověřím.", then_status=TicketStatus.PENDING)
    ticket = Ticket.objects.get(pk=ticket.pk)
    assert ticket.status == TicketStatus.PENDING
    assert (ticket.sla_due_at, ticket.sla_target) == (None, "")

    again = datetime.now(UTC)
    ticket = incoming(acct, again)
    assert ticket.status == TicketStatus.OPEN
    assert ticket.sla_target == "next"
    assert ticket.sla_due_at == ticket.next_response_due_at == again + timedelta(minutes=90)


def test_the_beat_task_runs_the_checks(agent: Any) -> None:
    brand = Brand.objects.create(name="Acme")
    acct = brand_account_connect(brand=brand, platform="x", handle="@AcmeCare", credentials=dict(X_CREDENTIALS))
    ticket = incoming(acct, datetime.now(UTC) - timedelta(hours=2))  # X: 1 h, long missed
    sla_check()
    sla_check()
    ticket = Ticket.objects.get(pk=ticket.pk)
    assert ticket.sla_breached_at is not None and ticket.priority == "high"


def test_the_api_shows_the_clocks_read_only(agent: Any) -> None:
    from rest_framework.test import APIClient

    brand = Brand.objects.create(name="Acme")
    acct = brand_account_connect(brand=brand, platform="x", handle="@AcmeCare", credentials=dict(X_CREDENTIALS))
    ticket = incoming(acct, datetime.now(UTC) - timedelta(minutes=5))
    client = APIClient()
    client.force_authenticate(agent)
    body = client.get(f"/api/v1/tickets/{ticket.pk}/").json()
    assert body["sla_target"] == "first" and body["sla_due_at"] and body["next_response_due_at"] is None
    assert body["sla_breached_at"] is None
    client.patch(f"/api/v1/tickets/{ticket.pk}/", {"sla_due_at": None, "sla_target": "next"}, format="json")
    assert Ticket.objects.get(pk=ticket.pk).sla_target == "first"
