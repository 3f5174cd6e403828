"""The sentiment marker: on inbox rows, on the customer's messages and in the conversation
head, with its meaning in words (for screen readers and as a tooltip), translated."""
from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client

from tests.inbox.actions.test_ingest import ANNA, BORIS, ingest, mention

pytestmark = pytest.mark.django_db


@pytest.fixture
def agent_client(client: Client, agent: User) -> Client:
    client.force_login(agent)
    return client


def test_inbox_rows_mark_negative_and_positive_only(agent_client: Client, x_account: Any) -> None:
    ingest(x_account, mention(author=ANNA, text="Worst service ever, still waiting 😡"))
    ingest(x_account, mention(author=BORIS, text="When does the Leeds store open?"))
    page = agent_client.get("/").content.decode()
    assert page.count('data-sentiment="negative"') == 1
    assert "Customer&#x27;s sentiment: Negative" in page  # the words behind the symbol
    assert 'data-sentiment="neutral"' not in page  # a quiet inbox: neutral rows carry no marker
    assert "style=" not in page.split('data-sentiment="negative"')[1][:200]


def test_conversation_shows_each_messages_mood_and_the_change(agent_client: Client, x_account: Any) -> None:
    first = ingest(x_account, replace(mention(text="Pořád nic, jsem naštvaná"), language=""))
    ingest(x_account, replace(mention(text="Super, už to dorazilo, díky!", minutes=5), language=""))
    page = agent_client.get(f"/tickets/{first.message.ticket_id}/", HTTP_ACCEPT_LANGUAGE="cs").content.decode()
    assert "Nálada zákazníka: Pozitivní" in page  # the head: the ticket's mood, now
    assert '<span class="sentiment-label">Negativní</span>' in page  # the first message
    assert '<span class="sentiment-label">Pozitivní</span>' in page
    assert "Nálada zákazníka se změnila: Negativní → Pozitivní" in page  # the timeline


@pytest.mark.parametrize(
    ("accept", "expected"),
    [("pl", "Nastrój klienta: Negatywny"), ("bg", "Настроение на клиента: Негативно"), ("en", "Negative")],
)
def test_marker_label_is_translated(agent_client: Client, x_account: Any, accept: str, expected: str) -> None:
    ingest(x_account, mention(text="Terrible, nobody answers"))
    page = agent_client.get("/", HTTP_ACCEPT_LANGUAGE=accept).content.decode()
    assert expected in page
