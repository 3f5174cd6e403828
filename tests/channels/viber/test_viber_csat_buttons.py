"""The satisfaction question on Viber: a keyboard of five reply buttons in one row
(ActionBody the label the customer is seen to answer) and tracking_data mapping labels to
the survey's payloads; the tap comes back as the customer's text message with that
tracking_data, and answers the survey without reopening. Against the fake REST Bot API."""
from __future__ import annotations

import json
from typing import Any
from unittest import mock

import pytest
import requests
from django.test import Client

from channels.types import OutboundRequest
from channels.viber.connector import connector
from inbox.enums import TicketStatus
from inbox.models import Ticket
from tests.channels.csat_buttons_support import assert_rated, payloads, solve_and_ask
from tests.channels.viber.viber_support import deliver_all, ticket_from

pytestmark = pytest.mark.django_db(transaction=True)


def test_choices_go_out_as_a_keyboard_of_reply_buttons(
    client: Client, fake_viber: Any, viber_account: Any
) -> None:
    _, callback = ticket_from(client, viber_account, fake_viber)
    user = callback["sender"]["id"]
    choices = tuple((str(n), f"csat:7:{n}") for n in range(1, 6))
    original = requests.Session.post
    with mock.patch.object(requests.Session, "post", autospec=True, side_effect=original) as spy:
        connector.send(viber_account, OutboundRequest(text="Jak jsme si vedli?", recipient=user, choices=choices))
    body = spy.call_args.kwargs["json"]
    assert body["keyboard"] == {
        "Type": "keyboard",
        "DefaultHeight": False,
        "Buttons": [
            {"Columns": 1, "Rows": 1, "ActionType": "reply", "ActionBody": str(n), "Text": str(n)} for n in range(1, 6)
        ],
    }
    assert json.loads(body["tracking_data"]) == {"hovor_buttons": {str(n): f"csat:7:{n}" for n in range(1, 6)}}
    assert (body["receiver"], body["type"], body["text"]) == (user, "text", "Jak jsme si vedli?")
    assert fake_viber.outbound()[-1]["keyboard"] == body["keyboard"]


def test_a_tapped_rating_is_stored_and_the_conversation_stays_solved(
    client: Client, fake_viber: Any, viber_account: Any, agent: Any
) -> None:
    ticket, _ = ticket_from(client, viber_account, fake_viber, text="Dobrý den, kde je můj balík? Čekám už týden.")
    survey = solve_and_ask(ticket=ticket, agent=agent)
    question = fake_viber.outbound()[-1]
    assert question["text"].startswith("Jak jsme si vedli?")
    assert list(json.loads(question["tracking_data"])["hovor_buttons"].values()) == payloads(survey)
    deliver_all(client, viber_account, fake_viber)  # the replies' receipts

    fake_viber.press(question["message_token"], "4")
    deliver_all(client, viber_account, fake_viber)
    assert_rated(survey, 4)
    fake_viber.press(question["message_token"], "1")  # an answered survey: nothing changes
    deliver_all(client, viber_account, fake_viber)
    assert_rated(survey, 4)
    assert Ticket.objects.get(pk=ticket.pk).status == TicketStatus.SOLVED
