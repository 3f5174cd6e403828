"""The satisfaction question on Telegram: one row of five inline buttons (callback_data the
survey's payload), a press arrives as a callback_query, answers the survey without
reopening and is answered with answerCallbackQuery (the client's spinner stops), in the
customer's language. Against the fake Bot API, polling."""
from __future__ import annotations

from typing import Any

import pytest

from channels.inbound import account_poll
from channels.telegram.connector import connector
from channels.types import OutboundRequest
from inbox.enums import TicketStatus
from inbox.models import CsatSurvey, Message, Ticket
from tests.channels.csat_buttons_support import assert_rated, payloads, solve_and_ask

pytestmark = pytest.mark.django_db(transaction=True)


def sent_params(fake: Any) -> dict[str, Any]:
    return [r for r in fake.requests_log() if r["method"] == "sendMessage"][-1]["params"]


def conversation(fake: Any, account: Any) -> tuple[Ticket, dict[str, Any]]:
    update = fake.inbound("@jnovakova", "Jana Nováková", "Dobrý den, kde je můj balík? Čekám už týden.")
    account_poll(account_id=account.pk)
    return Ticket.objects.get(), update


# --- the request ------------------------------------------------------------------------
def test_choices_go_out_as_one_row_of_inline_buttons(fake_telegram: Any, telegram_account: Any) -> None:
    update = fake_telegram.inbound("@jnovakova", "Jana", "hi")
    chat = update["message"]["chat"]["id"]
    choices = tuple((str(n), f"csat:7:{n}") for n in range(1, 6))
    connector.send(telegram_account, OutboundRequest(text="Jak jsme si vedli?", recipient=str(chat), choices=choices))
    assert sent_params(fake_telegram) == {
        "chat_id": chat,
        "text": "Jak jsme si vedli?",
        "reply_markup": {"inline_keyboard": [[{"text": str(n), "callback_data": f"csat:7:{n}"} for n in range(1, 6)]]},
    }
    [sent] = fake_telegram.outbound()
    assert sent["reply_markup"]["inline_keyboard"][0][4] == {"text": "5", "callback_data": "csat:7:5"}


def test_a_payload_over_64_bytes_sends_the_text_alone(fake_telegram: Any, telegram_account: Any) -> None:
    update = fake_telegram.inbound("@jnovakova", "Jana", "hi")
    chat = update["message"]["chat"]["id"]
    choices = (("1", "csat:" + "9" * 70 + ":1"),)
    connector.send(telegram_account, OutboundRequest(text="Jak jsme si vedli?", recipient=str(chat), choices=choices))
    assert "reply_markup" not in sent_params(fake_telegram)


def test_press_acknowledge_answers_the_callback_query(fake_telegram: Any, telegram_account: Any) -> None:
    update = fake_telegram.inbound("@jnovakova", "Jana", "hi")
    chat = update["message"]["chat"]["id"]
    sent = connector.send(
        telegram_account, OutboundRequest(text="?", recipient=str(chat), choices=(("5", "csat:7:5"),))
    )
    press = fake_telegram.press(sent, "csat:7:5")
    connector.press_acknowledge(telegram_account, ack=press["callback_query"]["id"], text="Děkujeme!")
    call = [r for r in fake_telegram.requests_log() if r["method"] == "answerCallbackQuery"][-1]["params"]
    assert call == {"callback_query_id": press["callback_query"]["id"], "text": "Děkujeme!"}


# --- end to end ---------------------------------------------------------------------------
def test_a_pressed_rating_is_stored_and_the_conversation_stays_solved(
    fake_telegram: Any, telegram_account: Any, agent: Any
) -> None:
    ticket, _ = conversation(fake_telegram, telegram_account)
    survey = solve_and_ask(ticket=ticket, agent=agent)
    question = fake_telegram.outbound()[-1]
    assert question["text"].startswith("Jak jsme si vedli?")
    keyboard = question["reply_markup"]["inline_keyboard"]
    assert [b["callback_data"] for b in keyboard[0]] == payloads(survey)

    fake_telegram.press(question["platform_id"], f"csat:{survey.pk}:4")
    account_poll(account_id=telegram_account.pk)
    assert_rated(survey, 4)
    [answer] = fake_telegram.callback_answers()
    assert answer["text"] == "Děkujeme!" and answer["data"] == f"csat:{survey.pk}:4"


def test_a_second_press_or_an_unknown_survey_changes_nothing(
    fake_telegram: Any, telegram_account: Any, agent: Any
) -> None:
    ticket, _ = conversation(fake_telegram, telegram_account)
    survey = solve_and_ask(ticket=ticket, agent=agent)
    question = fake_telegram.outbound()[-1]
    fake_telegram.press(question["platform_id"], f"csat:{survey.pk}:2")
    account_poll(account_id=telegram_account.pk)
    fake_telegram.press(question["platform_id"], f"csat:{survey.pk}:5")  # changed their mind: the first counts
    account_poll(account_id=telegram_account.pk)
    assert_rated(survey, 2)
    # A survey that does not exist (deleted, or a forged payload): answered, nothing else.
    forged = OutboundRequest(text="?", recipient=str(question["chat_id"]), choices=(("3", "csat:999999:3"),))
    stale = connector.send(telegram_account, forged)
    fake_telegram.press(stale, "csat:999999:3")
    account_poll(account_id=telegram_account.pk)
    assert not CsatSurvey.objects.filter(pk=999999).exists()
    assert Ticket.objects.get(pk=ticket.pk).status == TicketStatus.SOLVED
    assert len(fake_telegram.callback_answers()) == 3  # every press stops its spinner


def test_a_number_written_back_still_answers(fake_telegram: Any, telegram_account: Any, agent: Any) -> None:
    ticket, _ = conversation(fake_telegram, telegram_account)
    survey = solve_and_ask(ticket=ticket, agent=agent)
    fake_telegram.inbound("@jnovakova", "Jana Nováková", "5")
    account_poll(account_id=telegram_account.pk)
    survey.refresh_from_db()
    assert (survey.rating, survey.answered_via) == (5, "message")
    assert Ticket.objects.get(pk=ticket.pk).status == TicketStatus.SOLVED
    assert Message.objects.filter(ticket=ticket, text="5").exists()
