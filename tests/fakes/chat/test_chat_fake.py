"""The simulated visitors (channels/chat/fake.py) against a live Hovor: they write through
the widget protocol, a lost response is resent and stored once, and agents' replies come
back through their event streams."""
from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from channels.chat import stream
from fakes.chat import FakeVisitors
from inbox.actions.replies import ticket_reply
from inbox.models import Message, Ticket
from tests.support import wait_for

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def visitors(live_server: Any, chat_account: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeVisitors]:
    monkeypatch.setattr(stream, "STREAM_SECONDS", 2.0)
    fake = FakeVisitors(hovor_url=live_server.url, account_id=chat_account.pk).start()
    yield fake
    fake.stop()
    deadline = time.monotonic() + 5
    while stream.open_streams() and time.monotonic() < deadline:
        time.sleep(0.05)


def test_visitors_chat_with_an_agent(visitors: FakeVisitors, agent: Any) -> None:
    response = requests.post(
        visitors.base_url + "/_fake/inbound",
        json={"author": "@jana", "name": "Jana Nováková", "text": "Kde je balík? 📦", "email": "jana@example.cz"},
        timeout=10,
    )
    assert response.status_code == 200
    assert response.json()["data"]["seq"] == 1
    visitors.fail(1)
    second = visitors.inbound(author="jana", name="Jana Nováková", text="Haló?")
    assert second["duplicate"] is True  # the resend after the "lost" response
    ticket = Ticket.objects.get()
    assert list(ticket.messages.values_list("text", flat=True)) == ["Kde je balík? 📦", "Haló?"]
    assert ticket.customer.name == "Jana Nováková"

    visitors.inbound(author="ivan", name="Иван", text="Здравейте")
    assert Ticket.objects.count() == 2

    ticket_reply(ticket=ticket, agent=agent, text="Hned to zjistím.")
    replies = wait_for(visitors.outbound, timeout=5)
    assert [(r["author"], r["text"]) for r in replies] == [("jana", "Hned to zjistím. ^JD")]
    assert Message.objects.filter(ticket=ticket).count() == 3
    assert requests.get(visitors.base_url + "/_fake/outbound", timeout=5).json()["data"] == replies
