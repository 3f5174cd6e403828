"""Customer satisfaction through the real actions: an agent's solve asks once, in the
customer's language and channel, never automated senders or notes-only conversations; a
number written back is stored without reopening; the emailed page takes one answer; a 5
earns one review invitation where the brand wants it."""
from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from itertools import count
from typing import Any
from unittest import mock

import pytest
from django.test import Client
from django.urls import reverse

from channels.models import Brand
from channels.services import brand_account_connect
from channels.types import ButtonPress, NormalizedAuthor, NormalizedMessage
from inbox.actions.csat import (
    EMAIL_TEXTS,
    csat_answer,
    csat_link,
    csat_presses_apply,
    csat_question_text,
    csat_setting_for,
    csat_setting_set,
    csat_survey_from_token,
    csat_token,
    parse_button,
    parse_rating,
    review_link,
)
from inbox.actions.delivery import reply_deliver
from inbox.actions.notes import ticket_note_add
from inbox.actions.replies import ticket_reply
from inbox.actions.tickets import ticket_ingest_message, ticket_set_status
from inbox.enums import Direction, TicketEventType, TicketStatus
from inbox.models import CsatSurvey, Message, OutboundMessage, Ticket, TicketEvent
from tests.support import X_CREDENTIALS, make_ticket

pytestmark = pytest.mark.django_db
_ids = count(3123706425275387904, 4194304)
ANNA = NormalizedAuthor(external_id="1432768094315454465", handle="@anna_k", display_name="Anna Kowalska")


def say(acct: Any, text: str, *, thread: str = "", language: str = "en", automated: str | None = None,
        author: NormalizedAuthor = ANNA) -> Message:
    pid = str(next(_ids))
    incoming = NormalizedMessage(
        platform_id=pid, author=author, text=text, sent_at=datetime.now(UTC) - timedelta(seconds=1),
        kind="mention", thread_key=thread or pid, language=language, automated=automated,
    )
    return ticket_ingest_message(account=acct, incoming=incoming).message


def answered_and_solved(acct: Any, agent: Any, capture: Any, *, language: str = "en", fake: Any = None) -> Ticket:
    if fake is not None:  # a real tweet on the fake X, so our replies to it are delivered
        ticket, _tweet = make_ticket(fake, acct, "anna_k", "Anna Kowalska", "@AcmeCare my parcel is late")
    else:
        ticket = say(acct, "@AcmeCare my parcel is late", language=language).ticket
    ticket_reply(ticket=ticket, agent=agent, text="Sorry, it is on its way now.")
    with capture(execute=True):
        ticket_set_status(ticket=ticket, status=TicketStatus.SOLVED, actor=agent)
    return Ticket.objects.get(pk=ticket.pk)


def questions(ticket: Ticket) -> list[Message]:
    return list(ticket.messages.filter(direction=Direction.OUT, author_user__isnull=True))


def types(ticket: Ticket) -> list[str]:
    return list(TicketEvent.objects.filter(ticket=ticket).values_list("type", flat=True))


@pytest.mark.parametrize(
    ("text", "rating"),
    [("5", 5), (" 4 ", 4), ("5/5", 5), ("1 / 5", 1), ("⭐⭐⭐⭐⭐", 5), ("⭐️⭐️⭐️", 3), ("5 stars", 5),
     ("3!", 3), ("(2)", 2), ("5 hvězd", 5), ("4 gwiazdki", 4), ("5 звезди", 5), ("★★", 2)],
)
def test_a_message_that_is_only_a_rating_is_read(text: str, rating: int) -> None:
    assert parse_rating(text) == rating


@pytest.mark.parametrize(
    "text", ["", "10", "0", "6", "5 minutes late again", "order 5", "thanks", "⭐⭐⭐⭐⭐⭐", "55", "3.5", "1-5"],
)
def test_anything_else_is_a_normal_message(text: str) -> None:
    assert parse_rating(text) is None


def test_buttons_carry_the_survey_and_the_rating() -> None:
    assert parse_button("csat:12:5") == (12, 5)
    assert parse_button("csat:12:6") is None and parse_button("other:1:2") is None and parse_button("csat:x:1") is None


def test_an_agents_solve_asks_once_in_the_customers_channel(
    x_account: Any, agent: Any, django_capture_on_commit_callbacks: Any, fake_x: Any
) -> None:
    ticket = answered_and_solved(x_account, agent, django_capture_on_commit_callbacks, fake=fake_x)
    survey = CsatSurvey.objects.get(ticket=ticket)
    asked = questions(ticket)
    assert len(asked) == 1 and survey.message_id == asked[0].pk and survey.asked_at is not None
    assert asked[0].text == "How did we do? Reply with a number from 1 (bad) to 5 (great). Acme"
    outbound = OutboundMessage.objects.get(message=asked[0])
    assert outbound.status == "sent" and asked[0].platform_id  # the fake X got it
    assert [c[1] for c in outbound.extra["choices"]] == [f"csat:{survey.pk}:{n}" for n in range(1, 6)]
    assert survey.agent_id == agent.pk
    assert TicketEventType.CSAT_REQUESTED in types(ticket) and TicketEventType.CSAT_ASKED in types(ticket)

    # Reopened by a new question and solved again: never a second survey or question.
    say(x_account, "@AcmeCare one more thing, the invoice?", thread=ticket.messages.first().thread_key)
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.OPEN
    ticket_reply(ticket=ticket, agent=agent, text="Sent it to you.")
    with django_capture_on_commit_callbacks(execute=True):
        ticket_set_status(ticket=ticket, status=TicketStatus.SOLVED, actor=agent)
    assert CsatSurvey.objects.filter(ticket=ticket).count() == 1
    assert len(questions(ticket)) == 1


def test_the_question_waits_for_the_solving_reply_and_follows_its_sending(
    x_account: Any, agent: Any, django_capture_on_commit_callbacks: Any, fake_x: Any
) -> None:
    ticket, _tweet = make_ticket(fake_x, x_account, "anna_k", "Anna Kowalska", "@AcmeCare my parcel is late")
    with mock.patch("inbox.tasks.deliver_outbound.delay"), django_capture_on_commit_callbacks(execute=True):
        reply = ticket_reply(ticket=ticket, agent=agent, text="Sorry, it is on its way now.")
    with django_capture_on_commit_callbacks() as queued:
        ticket_set_status(ticket=ticket, status=TicketStatus.SOLVED, actor=agent)
    survey = CsatSurvey.objects.get(ticket=ticket)
    from inbox.tasks import CSAT_STUCK_SECONDS, csat_ask

    # The reply is still on its way: no question yet; one check in five minutes, no polling.
    assert queued  # the solve's commit would queue csat_ask: run here as the worker would
    with mock.patch("inbox.tasks.csat_ask.apply_async") as later:
        csat_ask(survey.pk)
    survey.refresh_from_db()
    assert survey.asked_at is None and questions(ticket) == []
    later.assert_called_once_with((survey.pk, 1), countdown=CSAT_STUCK_SECONDS)
    with django_capture_on_commit_callbacks(execute=True):
        reply_deliver(outbound_id=OutboundMessage.objects.get(message=reply).pk)  # sent: the question follows
    survey.refresh_from_db()
    (question,) = questions(ticket)
    assert survey.asked_at is not None and survey.message_id == question.pk
    assert OutboundMessage.objects.get(message=question).status == "sent"
    texts = [t["text"] for t in fake_x.outbound()]  # the answer first, then the question
    assert len(texts) == 2 and "on its way now" in texts[0] and "How did we do?" in texts[1]
    csat_ask(survey.pk, 1)  # the check five minutes on finds it asked: nothing more
    assert len(questions(ticket)) == 1


def test_a_reply_stuck_for_five_minutes_does_not_hold_the_question_back(
    x_account: Any, agent: Any, django_capture_on_commit_callbacks: Any
) -> None:
    from inbox.tasks import csat_ask

    ticket = say(x_account, "@AcmeCare my parcel is late").ticket
    with mock.patch("inbox.tasks.deliver_outbound.delay"), django_capture_on_commit_callbacks(execute=True):
        ticket_reply(ticket=ticket, agent=agent, text="Sorry, it is on its way now.")
    with mock.patch("inbox.tasks.csat_ask.apply_async"), django_capture_on_commit_callbacks(execute=True):
        ticket_set_status(ticket=ticket, status=TicketStatus.SOLVED, actor=agent)
    survey = CsatSurvey.objects.get(ticket=ticket)
    assert survey.asked_at is None
    with mock.patch("inbox.tasks.deliver_outbound.delay"):
        csat_ask(survey.pk, 1)
    assert CsatSurvey.objects.get(pk=survey.pk).asked_at is not None and len(questions(ticket)) == 1


def test_asked_in_the_customers_language(x_account: Any, agent: Any, django_capture_on_commit_callbacks: Any) -> None:
    ticket = answered_and_solved(x_account, agent, django_capture_on_commit_callbacks, language="cs")
    assert questions(ticket)[0].text.startswith("Jak jsme si vedli? Odpovězte číslem od 1")


def test_the_task_is_idempotent(x_account: Any, agent: Any, django_capture_on_commit_callbacks: Any) -> None:
    from inbox.tasks import csat_ask

    ticket = answered_and_solved(x_account, agent, django_capture_on_commit_callbacks)
    survey = CsatSurvey.objects.get(ticket=ticket)
    csat_ask(survey.pk)
    csat_ask(survey.pk)
    assert len(questions(ticket)) == 1


def test_never_automated_senders(x_account: Any, agent: Any, django_capture_on_commit_callbacks: Any) -> None:
    message = say(x_account, "Automatic reply: I am out of the office", automated="autoreply")
    ticket = message.ticket
    ticket_reply(ticket=ticket, agent=agent, text="Noted.")
    with django_capture_on_commit_callbacks(execute=True):
        ticket_set_status(ticket=ticket, status=TicketStatus.SOLVED, actor=agent)
    assert not CsatSurvey.objects.filter(ticket=ticket).exists() and questions(ticket) == []


def test_never_for_a_notes_only_conversation(
    x_account: Any, agent: Any, django_capture_on_commit_callbacks: Any
) -> None:
    ticket = say(x_account, "@AcmeCare spam spam").ticket
    ticket_note_add(ticket=ticket, author=agent, text="Spam, closing without a reply.")
    with django_capture_on_commit_callbacks(execute=True):
        ticket_set_status(ticket=ticket, status=TicketStatus.SOLVED, actor=agent)
    assert not CsatSurvey.objects.filter(ticket=ticket).exists()


def test_only_a_persons_solve_asks(x_account: Any, agent: Any, django_capture_on_commit_callbacks: Any) -> None:
    ticket = say(x_account, "@AcmeCare hello").ticket
    ticket_reply(ticket=ticket, agent=agent, text="Hi!")
    with django_capture_on_commit_callbacks(execute=True):
        ticket_set_status(ticket=ticket, status=TicketStatus.SOLVED, actor=None)  # a rule, a script
    assert not CsatSurvey.objects.filter(ticket=ticket).exists()


def test_a_brand_that_turned_it_off_is_not_asked(
    x_account: Any, agent: Any, django_capture_on_commit_callbacks: Any
) -> None:
    csat_setting_set(brand_id=x_account.brand_id, enabled=False, texts={}, review_enabled=False, review_url="")
    ticket = answered_and_solved(x_account, agent, django_capture_on_commit_callbacks)
    assert not CsatSurvey.objects.filter(ticket=ticket).exists()


def test_the_brands_own_wording(x_account: Any, agent: Any, django_capture_on_commit_callbacks: Any) -> None:
    csat_setting_set(
        brand_id=x_account.brand_id, enabled=True, texts={"en": "Rate us 1-5! {brand}", "xx": "ignored"},
        review_enabled=False, review_url="",
    )
    assert csat_setting_for(brand_id=x_account.brand_id).texts == {"en": "Rate us 1-5! {brand}"}
    ticket = answered_and_solved(x_account, agent, django_capture_on_commit_callbacks)
    assert questions(ticket)[0].text == "Rate us 1-5! Acme"


def test_a_rating_is_stored_and_does_not_reopen(
    x_account: Any, agent: Any, django_capture_on_commit_callbacks: Any
) -> None:
    ticket = answered_and_solved(x_account, agent, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        reply = say(x_account, " 5/5! ", thread=ticket.messages.first().thread_key)
    assert reply.ticket_id == ticket.pk
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.SOLVED and ticket.waiting_since is None
    survey = CsatSurvey.objects.get(ticket=ticket)
    assert (survey.rating, survey.answered_via) == (5, "message")
    answered = TicketEvent.objects.get(ticket=ticket, type=TicketEventType.CSAT_ANSWERED)
    assert answered.payload["rating"] == 5 and answered.payload["message_id"] == reply.pk
    assert TicketEventType.REOPENED not in types(ticket)

    # The next message is a normal one: it reopens, and a second number changes nothing.
    say(x_account, "4", thread=ticket.messages.first().thread_key)
    ticket.refresh_from_db()
    survey.refresh_from_db()
    assert ticket.status == TicketStatus.OPEN and survey.rating == 5


def test_a_rating_outside_the_thread_still_answers(
    x_account: Any, agent: Any, django_capture_on_commit_callbacks: Any
) -> None:
    ticket = answered_and_solved(x_account, agent, django_capture_on_commit_callbacks)
    reply = say(x_account, "⭐⭐⭐⭐")  # a new tweet, in no thread
    assert reply.ticket_id == ticket.pk
    assert CsatSurvey.objects.get(ticket=ticket).rating == 4
    assert Ticket.objects.get(pk=ticket.pk).status == TicketStatus.SOLVED


def test_words_after_the_question_are_a_normal_message(
    x_account: Any, agent: Any, django_capture_on_commit_callbacks: Any
) -> None:
    ticket = answered_and_solved(x_account, agent, django_capture_on_commit_callbacks)
    say(x_account, "it still has not arrived", thread=ticket.messages.first().thread_key)
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.OPEN
    assert CsatSurvey.objects.get(ticket=ticket).rating is None


def test_another_customers_number_answers_nothing(
    x_account: Any, agent: Any, django_capture_on_commit_callbacks: Any
) -> None:
    ticket = answered_and_solved(x_account, agent, django_capture_on_commit_callbacks)
    boris = NormalizedAuthor(external_id="999", handle="@boris", display_name="Boris")
    say(x_account, "1", author=boris)
    assert CsatSurvey.objects.get(ticket=ticket).rating is None


def pressed(payload: str, *, author: NormalizedAuthor = ANNA, text: str = "", ack: str = "") -> NormalizedMessage:
    return NormalizedMessage(
        platform_id=f"press:{next(_ids)}", author=author, text=text, sent_at=datetime.now(UTC), kind="dm",
        press=ButtonPress(payload=payload, ack=ack),
    )


def test_a_press_answers_once_and_only_the_surveys_customer(
    x_account: Any, agent: Any, django_capture_on_commit_callbacks: Any
) -> None:
    ticket = answered_and_solved(x_account, agent, django_capture_on_commit_callbacks)
    survey = CsatSurvey.objects.get(ticket=ticket)
    boris = NormalizedAuthor(external_id="999", handle="@boris", display_name="Boris")
    mine = f"csat:{survey.pk}:4"
    # Someone else, a survey that does not exist, a payload of ours that makes no sense:
    # consumed (never a message), nothing answered, nothing raised.
    for press in (pressed(mine, author=boris), pressed("csat:999999:4"), pressed("csat:x:y", text="5")):
        assert csat_presses_apply(account_id=x_account.pk, presses=[press]) == []
    assert CsatSurvey.objects.get(pk=survey.pk).rating is None
    assert csat_presses_apply(account_id=x_account.pk, presses=[pressed(mine), pressed(f"csat:{survey.pk}:1")]) == []
    survey.refresh_from_db()
    assert (survey.rating, survey.answered_via) == (4, "button")
    assert Ticket.objects.get(pk=ticket.pk).status == TicketStatus.SOLVED
    assert list(TicketEvent.objects.filter(ticket=ticket, type=TicketEventType.CSAT_ANSWERED)) != []


def test_a_press_not_ours_is_a_message_when_it_carries_words(x_account: Any) -> None:
    worded, bare = pressed("TRACK_ORDER", text="Track my order"), pressed("rating:5")
    assert csat_presses_apply(account_id=x_account.pk, presses=[worded, bare]) == [worded]


def test_a_press_the_platform_waits_on_is_answered_after_commit_in_the_surveys_language(
    x_account: Any, agent: Any, django_capture_on_commit_callbacks: Any
) -> None:
    ticket = answered_and_solved(x_account, agent, django_capture_on_commit_callbacks, language="pl")
    survey = CsatSurvey.objects.get(ticket=ticket)
    presses = [pressed(f"csat:{survey.pk}:5", ack="q1"), pressed("other", ack="q2"), pressed("csat:1:9")]
    with mock.patch("inbox.triggers.acknowledge_press.delay") as ack, django_capture_on_commit_callbacks(execute=True):
        csat_presses_apply(account_id=x_account.pk, presses=presses)
    assert [c.args for c in ack.call_args_list] == [(x_account.pk, "q1", "Dziękujemy!"), (x_account.pk, "q2", "")]


def test_the_email_question_carries_a_one_time_link(
    x_account: Any, agent: Any, django_capture_on_commit_callbacks: Any
) -> None:
    ticket = answered_and_solved(x_account, agent, django_capture_on_commit_callbacks)
    survey = CsatSurvey.objects.get(ticket=ticket)
    emailed = CsatSurvey(pk=survey.pk, platform="email", language="pl", brand_id=survey.brand_id)
    text = csat_question_text(survey=emailed, setting=csat_setting_for(brand_id=survey.brand_id), brand_name="Acme")
    link = re.search(r"http://\S+/csat/(\S+)/", text)
    assert link is not None and link.group(0).startswith(csat_link(survey).split("/csat/")[0])
    assert text == EMAIL_TEXTS["pl"].replace("{link}", link.group(0)).replace("{brand}", "Acme")
    assert csat_survey_from_token(token=link.group(1)).pk == survey.pk

    client = Client()
    url = reverse("inbox:csat_page", kwargs={"token": csat_token(survey)})
    page = client.get(url)
    body = page.content.decode()
    assert page.status_code == 200 and "Acme" in body and 'value="5"' in body
    assert "Anna" not in body and "parcel" not in body  # nothing of the customer or the conversation
    client.post(url, {"rating": "2"})
    again = client.post(url, {"rating": "5"})
    assert "2 / 5" in again.content.decode()
    survey.refresh_from_db()
    assert (survey.rating, survey.answered_via) == (2, "link")
    assert TicketEvent.objects.filter(ticket=ticket, type=TicketEventType.CSAT_ANSWERED).count() == 1
    assert Ticket.objects.get(pk=ticket.pk).status == TicketStatus.SOLVED

    assert client.get(url[:-3] + "xx/").status_code == 404  # a forged token
    assert client.post(url, {"rating": "9"}).status_code == 200


def test_the_page_speaks_the_customers_language(
    x_account: Any, agent: Any, django_capture_on_commit_callbacks: Any
) -> None:
    ticket = answered_and_solved(x_account, agent, django_capture_on_commit_callbacks, language="cs")
    survey = CsatSurvey.objects.get(ticket=ticket)
    body = Client().get(reverse("inbox:csat_page", kwargs={"token": csat_token(survey)})).content.decode()
    assert "Jak jsme si vedli?" in body


def test_a_five_invites_to_a_review_once_per_customer(
    x_account: Any, agent: Any, django_capture_on_commit_callbacks: Any
) -> None:
    csat_setting_set(
        brand_id=x_account.brand_id, enabled=True, texts={}, review_enabled=True,
        review_url="https://reviews.example/acme",
    )
    ticket = answered_and_solved(x_account, agent, django_capture_on_commit_callbacks)
    survey = CsatSurvey.objects.get(ticket=ticket)
    with django_capture_on_commit_callbacks(execute=True):
        csat_answer(survey_id=survey.pk, rating=5, via="link")
    survey.refresh_from_db()
    invite = questions(ticket)[-1]
    found = re.search(r"http://[^/\s]+(/csat/review/\S+/)", invite.text)
    assert survey.review_invited_at is not None and found is not None
    assert review_link(survey).split("/csat/")[0] in invite.text
    assert TicketEventType.CSAT_REVIEW_INVITED in types(ticket)

    client = Client()
    path = found.group(1)
    first = client.get(path)
    assert first.status_code == 302 and first["Location"] == "https://reviews.example/acme"
    client.get(path)
    survey.refresh_from_db()
    assert survey.review_accepted_at is not None
    assert TicketEvent.objects.filter(ticket=ticket, type=TicketEventType.CSAT_REVIEW_ACCEPTED).count() == 1

    # Another conversation, another 5: the same customer is not invited again.
    second = answered_and_solved(x_account, agent, django_capture_on_commit_callbacks)
    assert second.pk != ticket.pk
    other = CsatSurvey.objects.get(ticket=second)
    with django_capture_on_commit_callbacks(execute=True):
        csat_answer(survey_id=other.pk, rating=5, via="link")
    other.refresh_from_db()
    assert other.review_invited_at is None and len(questions(second)) == 1


def test_no_invitation_where_the_brand_does_not_ask(
    x_account: Any, agent: Any, django_capture_on_commit_callbacks: Any
) -> None:
    ticket = answered_and_solved(x_account, agent, django_capture_on_commit_callbacks)
    survey = CsatSurvey.objects.get(ticket=ticket)
    with django_capture_on_commit_callbacks(execute=True):
        csat_answer(survey_id=survey.pk, rating=5, via="link")
    survey.refresh_from_db()
    assert survey.review_invited_at is None and len(questions(ticket)) == 1


def test_another_brands_customer_is_never_asked_through_this_brand(
    x_account: Any, agent: Any, django_capture_on_commit_callbacks: Any, fake_x: Any
) -> None:
    other = Brand.objects.create(name="Other")
    acct = brand_account_connect(
        brand=other, platform="x", handle="@OtherCare", base_url=fake_x.base_url, credentials=dict(X_CREDENTIALS)
    )
    ticket = answered_and_solved(acct, agent, django_capture_on_commit_callbacks)
    survey = CsatSurvey.objects.get(ticket=ticket)
    assert survey.brand_id == other.pk and questions(ticket)[0].text.endswith("Other")
    say(x_account, "5")  # the same person writing to Acme: not Other's answer
    assert CsatSurvey.objects.get(ticket=ticket).rating is None


def test_the_rating_shows_in_the_customers_panel(
    x_account: Any, agent: Any, django_capture_on_commit_callbacks: Any
) -> None:
    ticket = answered_and_solved(x_account, agent, django_capture_on_commit_callbacks)
    client = Client()
    client.force_login(agent)
    assert "Asked, no answer yet." in client.get(f"/tickets/{ticket.pk}/").content.decode()
    say(x_account, "4", thread=ticket.messages.first().thread_key)
    body = client.get(f"/tickets/{ticket.pk}/").content.decode()
    assert "<strong>4 / 5</strong>" in body and "Customer rated the conversation: 4 / 5" in body
    assert "Average 4.0 from 1 rating" in body
