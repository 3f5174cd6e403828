"""The satisfaction question on WhatsApp: reply buttons allow only three, so an interactive
`list` (one section, rows 1–5 whose ids are the survey's payloads); the pick arrives as an
`interactive` message with list_reply {id, title}, which answers the survey without
reopening. Against the fake Cloud API."""
from __future__ import annotations

from typing import Any
from unittest import mock

import pytest
import requests

from channels.types import OutboundRequest
from channels.whatsapp.connector import LIST_BUTTON, connector
from inbox.enums import TicketStatus
from inbox.models import Message, Ticket
from tests.channels.csat_buttons_support import assert_rated, payloads, solve_and_ask
from tests.channels.whatsapp.wa_support import deliver_all

pytestmark = pytest.mark.django_db(transaction=True)

WA_ID = "420601234567"


def customer_writes(client: Any, account: Any, fake: Any, text: str) -> Message:
    sent = fake.inbound(WA_ID, text, name="Jana Nováková")
    deliver_all(client, account, fake)
    return Message.objects.select_related("ticket").get(platform_id=sent["id"])


def test_choices_go_out_as_an_interactive_list(wa_account: Any, fake_wa: Any) -> None:
    fake_wa.inbound(WA_ID, "hi")
    choices = tuple((str(n), f"csat:7:{n}") for n in range(1, 6))
    original = requests.Session.request
    with mock.patch.object(requests.Session, "request", autospec=True, side_effect=original) as spy:
        connector.send(
            wa_account, OutboundRequest(text="Jak jsme si vedli?", recipient=WA_ID, in_reply_to="wamid.Q1",
                                        choices=choices)
        )
    assert spy.call_args.kwargs["json"] == {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": WA_ID,
        "type": "interactive",
        "interactive": {
            "type": "list",
            "body": {"text": "Jak jsme si vedli?"},
            "action": {
                "button": LIST_BUTTON,
                "sections": [{"rows": [{"id": f"csat:7:{n}", "title": str(n)} for n in range(1, 6)]}],
            },
        },
        "context": {"message_id": "wamid.Q1"},
    }
    [sent] = fake_wa.outbound()
    assert sent["type"] == "interactive" and [r["id"] for r in sent["rows"]] == [c[1] for c in choices]


def test_more_than_ten_choices_send_the_text_alone(wa_account: Any, fake_wa: Any) -> None:
    fake_wa.inbound(WA_ID, "hi")
    choices = tuple((str(n), f"c:{n}") for n in range(11))
    connector.send(wa_account, OutboundRequest(text="?", recipient=WA_ID, choices=choices))
    assert fake_wa.outbound()[-1]["type"] == "text"


def test_a_picked_rating_is_stored_and_the_conversation_stays_solved(
    client: Any, wa_account: Any, fake_wa: Any, agent: Any
) -> None:
    asked = customer_writes(client, wa_account, fake_wa, "Dobrý den, kde je můj balík? Čekám už týden.")
    survey = solve_and_ask(ticket=asked.ticket, agent=agent)
    question = fake_wa.outbound()[-1]
    assert question["type"] == "interactive" and question["text"].startswith("Jak jsme si vedli?")
    assert [r["id"] for r in question["rows"]] == payloads(survey)
    deliver_all(client, wa_account, fake_wa)  # the replies' statuses

    fake_wa.press(question["id"], f"csat:{survey.pk}:3")
    deliver_all(client, wa_account, fake_wa)
    assert_rated(survey, 3)
    # A pick on an already answered survey: nothing changes, nothing reopens.
    fake_wa.press(question["id"], f"csat:{survey.pk}:1")
    deliver_all(client, wa_account, fake_wa)
    assert_rated(survey, 3)


def test_a_number_written_back_still_answers(client: Any, wa_account: Any, fake_wa: Any, agent: Any) -> None:
    asked = customer_writes(client, wa_account, fake_wa, "Dobrý den, kde je můj balík? Čekám už týden.")
    survey = solve_and_ask(ticket=asked.ticket, agent=agent)
    deliver_all(client, wa_account, fake_wa)
    customer_writes(client, wa_account, fake_wa, "4")
    survey.refresh_from_db()
    assert (survey.rating, survey.answered_via) == (4, "message")
    assert Ticket.objects.get(pk=asked.ticket_id).status == TicketStatus.SOLVED
