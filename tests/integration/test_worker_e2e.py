"""End to end on PostgreSQL + Redis with a real `celery -A helpdesk worker` process:
fake X → poll → ingest → ticket; API reply → outbox → worker → fake X."""
from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Any

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from channels.models import BrandAccount, InboundEvent
from channels.tasks import poll_account, poll_due_accounts
from inbox.enums import DeliveryStatus, Direction, OutboundStatus
from inbox.models import Message, OutboundMessage, Ticket
from routing.actions import presence_heartbeat, presence_set
from routing.models import RoutingProfile
from routing.tasks import sweep_availability
from tests.support import wait_for

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def api(agent: Any) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=agent).key}")
    return client


def _poll_and_wait(account: BrandAccount, inbound: int) -> None:
    poll_account.delay(account.pk)
    assert wait_for(lambda: Message.objects.filter(direction=Direction.IN).count() >= inbound, timeout=30), (
        "worker did not ingest the mentions"
    )


def test_mention_to_ticket_to_reply(celery_worker_process: None, fake_x: Any, x_account: Any, api: APIClient,
                                    agent: Any) -> None:
    presence_set(user=agent, presence="online")  # routing gives new work to agents online
    tweet = fake_x.inbound(author="@ivan_petrov", name="Иван Петров", text="Поръчка 123 не е пристигнала 😟")["data"]
    poll_due_accounts.delay()  # what beat runs
    # Two waits, so a failure says which step was slow: the poll and ingest (a fresh worker's
    # first task loads the language model), then the routing.
    assert wait_for(lambda: Ticket.objects.exists(), timeout=60), "the worker did not ingest the mention"
    # The agent's open tab sends a heartbeat every 30 s: a slow ingest on a loaded machine must
    # not leave her "offline" (no heartbeat for 90 s) when the conversation is routed.
    presence_heartbeat(user=agent, idle_seconds=0)
    routed = lambda: Ticket.objects.filter(assignee__isnull=False).exists()  # noqa: E731
    if not wait_for(routed, timeout=30):
        # Production's beat sweeps the queue every 30 s; so does this.
        presence_heartbeat(user=agent, idle_seconds=0)
        sweep_availability.apply()
    assert wait_for(routed, timeout=10), ("not routed, even by the beat's sweep",
                                          list(RoutingProfile.objects.values()), list(Ticket.objects.values()))
    ticket = Ticket.objects.get()
    assert ticket.messages.get().text == "@AcmeCare Поръчка 123 не е пристигнала 😟"

    response = api.post(f"/api/v1/tickets/{ticket.pk}/reply/", {"text": "Здравейте, {{ customer.first_name }}!"},
                        format="json")
    assert response.status_code == 201, response.content
    message_id = response.json()["id"]
    assert wait_for(lambda: Message.objects.get(pk=message_id).delivery_status == DeliveryStatus.SENT, timeout=30)
    sent = fake_x.outbound()
    assert [(t["text"], t["in_reply_to_tweet_id"]) for t in sent] == [("Здравейте, Иван! ^JD", tweet["id"])]
    detail = api.get(f"/api/v1/tickets/{ticket.pk}/").json()
    assert [m["direction"] for m in detail["messages"]] == ["in", "out"]
    assert detail["messages"][1]["platform_id"] == sent[0]["id"]


def test_same_mentions_delivered_twice_make_one_message_each(
    celery_worker_process: None, fake_x: Any, x_account: Any
) -> None:
    for i in range(30):
        fake_x.inbound(author=f"@cust{i % 7}", name=f"Customer {i % 7}", text=f"question {i}")
    # Two overlapping polls from an empty cursor, then a third after the cursor is forgotten.
    poll_account.delay(x_account.pk)
    poll_account.delay(x_account.pk)
    _poll_and_wait(x_account, 30)
    wait_for(lambda: not InboundEvent.objects.filter(status="received").exists(), timeout=30)
    BrandAccount.objects.filter(pk=x_account.pk).update(poll_cursor={}, poll_lease_until=None)
    poll_account.delay(x_account.pk)
    time.sleep(2)
    assert wait_for(lambda: BrandAccount.objects.get(pk=x_account.pk).poll_cursor, timeout=30)
    assert Message.objects.filter(direction=Direction.IN).count() == 30
    assert InboundEvent.objects.count() == 30
    assert Ticket.objects.count() == 7  # one open conversation per customer


def test_429_then_503_then_ok_sends_exactly_one_tweet_after_reset(
    celery_worker_process: None, fake_x: Any, x_account: Any, api: APIClient
) -> None:
    fake_x.inbound(author="@ania_wisniewska", name="Anna Wiśniewska", text="Pomocy, zamówienie 555!")
    _poll_and_wait(x_account, 1)
    ticket = Ticket.objects.get()
    fake_x.fail(status=429, times=1, path="/2/tweets", reset_in=3)
    fake_x.fail(status=503, times=1, path="/2/tweets")
    armed_at = datetime.now(UTC)
    response = api.post(f"/api/v1/tickets/{ticket.pk}/reply/", {"text": "Już sprawdzam, {{ customer.first_name }}."},
                        format="json")
    assert response.status_code == 201
    message_id = response.json()["id"]
    assert wait_for(lambda: Message.objects.get(pk=message_id).delivery_status == DeliveryStatus.SENT, timeout=60)
    sent = fake_x.outbound()
    assert len(sent) == 1 and sent[0]["text"] == "Już sprawdzam, Anna. ^JD"
    posted_at = datetime.fromisoformat(sent[0]["created_at"].replace("Z", "+00:00"))
    assert (posted_at - armed_at).total_seconds() >= 2.0, "sent before the rate-limit reset"
    outbound = OutboundMessage.objects.get(message_id=message_id)
    assert outbound.status == OutboundStatus.SENT and outbound.attempts == 3
    posts = [r for r in fake_x.requests_log() if r["method"] == "POST" and r["path"] == "/2/tweets"]
    assert [r["status"] for r in posts] == [429, 503, 201]


def test_lost_response_is_reconciled_not_resent(
    celery_worker_process: None, fake_x: Any, x_account: Any, api: APIClient
) -> None:
    fake_x.inbound(author="@tom_h", name="Tom Hughes", text="Where is my refund?")
    _poll_and_wait(x_account, 1)
    ticket = Ticket.objects.get()
    # X posts the tweet but the answer arrives after the worker's 2 s timeout.
    fake_x.fail(status=201, times=1, path="/2/tweets", mode="timeout_after_commit", delay=3)
    response = api.post(f"/api/v1/tickets/{ticket.pk}/reply/", {"text": "Checking now, {{ customer.first_name }}."},
                        format="json")
    message_id = response.json()["id"]
    assert wait_for(lambda: Message.objects.get(pk=message_id).delivery_status == DeliveryStatus.SENT, timeout=60)
    time.sleep(1)
    sent = fake_x.outbound()
    assert len(sent) == 1
    assert Message.objects.get(pk=message_id).platform_id == sent[0]["id"]
