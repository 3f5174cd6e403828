"""The satisfaction question on Instagram, as on Messenger: the message's quick_replies
(content_type text, title, payload), a tap posts the title and the webhook's message carries
quick_reply.payload, which answers the survey without reopening. Against the fake Graph API."""
from __future__ import annotations

from typing import Any
from unittest import mock

import pytest
import requests
from django.test import Client

from channels.instagram.connector import connector
from channels.types import OutboundRequest
from fakes.facebook import FakeMeta
from inbox.enums import TicketStatus
from inbox.models import Message, Ticket
from tests.channels.csat_buttons_support import assert_rated, payloads, solve_and_ask
from tests.channels.facebook.meta_support import PAGE_ID, post_delivery

pytestmark = pytest.mark.django_db(transaction=True)

PLATFORM = "instagram"


def customer_writes(client: Client, account: Any, fake: FakeMeta, text: str) -> Any:
    obj = fake.inbound("katerina.novakova", None, text, push=False)
    assert post_delivery(client, PLATFORM, account.pk, fake.last_delivery).status_code == 200
    return obj


def test_choices_go_out_as_quick_replies(account: Any, fake: FakeMeta, client: Client) -> None:
    item = customer_writes(client, account, fake, "Dobrý den")
    psid = item["sender"]["id"]
    choices = tuple((str(n), f"csat:7:{n}") for n in range(1, 6))
    original = requests.Session.request
    with mock.patch.object(requests.Session, "request", autospec=True, side_effect=original) as spy:
        connector.send(account, OutboundRequest(text="Jak jsme si vedli?", kind="dm", recipient=psid, choices=choices))
    _, method, url = spy.call_args.args
    assert method == "POST" and url.endswith(f"/{PAGE_ID}/messages")
    assert spy.call_args.kwargs["json"] == {
        "recipient": {"id": psid},
        "messaging_type": "RESPONSE",
        "message": {
            "text": "Jak jsme si vedli?",
            "quick_replies": [{"content_type": "text", "title": str(n), "payload": f"csat:7:{n}"} for n in range(1, 6)],
        },
    }
    assert fake.outbound()[-1]["quick_replies"][0] == {"content_type": "text", "title": "1", "payload": "csat:7:1"}


def test_more_than_13_choices_send_the_text_alone(account: Any, fake: FakeMeta, client: Client) -> None:
    item = customer_writes(client, account, fake, "Dobrý den")
    choices = tuple((str(n), f"c:{n}") for n in range(14))
    connector.send(account, OutboundRequest(text="?", kind="dm", recipient=item["sender"]["id"], choices=choices))
    assert fake.outbound()[-1]["quick_replies"] is None


def test_a_tapped_rating_is_stored_and_the_conversation_stays_solved(
    client: Client, account: Any, fake: FakeMeta, agent: Any
) -> None:
    customer_writes(client, account, fake, "Dobrý den, kde je můj balík? Čekám už týden.")
    survey = solve_and_ask(ticket=Ticket.objects.get(), agent=agent)
    question = fake.outbound()[-1]
    assert question["text"].startswith("Jak jsme si vedli?")
    assert [q["payload"] for q in question["quick_replies"]] == payloads(survey)

    fake.press(question["id"], f"csat:{survey.pk}:5", push=False)
    assert post_delivery(client, PLATFORM, account.pk, fake.last_delivery).status_code == 200
    assert_rated(survey, 5)
    # Meta redelivers: the same tap again changes nothing.
    assert post_delivery(client, PLATFORM, account.pk, fake.last_delivery).status_code == 200
    assert_rated(survey, 5)


def test_another_apps_quick_reply_is_a_message(client: Client, account: Any, fake: FakeMeta, agent: Any) -> None:
    item = customer_writes(client, account, fake, "Dobrý den, kde je můj balík?")
    sent = connector.send(
        account, OutboundRequest(text="Menu", kind="dm", recipient=item["sender"]["id"], choices=(("Track", "TRACK"),))
    )
    fake.press(sent, "TRACK", push=False)
    assert post_delivery(client, PLATFORM, account.pk, fake.last_delivery).status_code == 200
    assert Message.objects.filter(text="Track", direction="in").exists()
    assert Ticket.objects.get().status != TicketStatus.SOLVED
