"""The chat with the inbox, end to end (tasks run eagerly): a visitor's message becomes one
ticket, an agent's reply is delivered into the widget's stream, exactly once even after an
unknown outcome; typing and presence for agents; transcripts and email follow-up."""
from __future__ import annotations

import threading
import time
import uuid
from datetime import timedelta
from typing import Any
from unittest import mock

import pytest
from django.contrib.auth.models import User
from django.core import mail
from django.test import Client
from django.utils import timezone

from channels.chat import stream
from channels.chat.models import AgentPresence, ChatEvent, ChatEventKind, ChatSession
from channels.chat.services import chat_reply_store
from channels.models import InboundEvent, InboundEventStatus
from inbox.actions.delivery import reply_deliver
from inbox.actions.replies import reply_compose, ticket_reply
from inbox.enums import DeliveryStatus, Direction, OutboundStatus
from inbox.models import Identity, Message, OutboundMessage, Ticket
from tests.channels.chat.chat_support import Widget, parse_sse

pytestmark = pytest.mark.django_db(transaction=True)

JANA = "Dobrý den, kde je moje objednávka č. 12345? 📦 <b>&amp;"


@pytest.fixture
def agent_client(client: Client, agent: User) -> Client:
    client.force_login(agent)
    return client


def ticket_of(widget: Widget) -> Ticket:
    key = ChatSession.objects.get(token_hash__isnull=False, visitor_id=widget.visitor_id).key
    return Message.objects.select_related("ticket").filter(thread_key=key).latest("id").ticket


# --- inbound ----------------------------------------------------------------------------
def test_visitor_message_becomes_one_ticket(widget: Widget, chat_account: Any) -> None:
    client_msg_id = str(uuid.uuid4())
    for _ in range(3):  # the widget resends after a reconnect
        widget.write(JANA, client_msg_id=client_msg_id, name="Jana Nováková", email="jana@example.cz",
                     page="https://shop.example/orders")
    ticket = Ticket.objects.get()
    message = ticket.messages.get()
    session = ChatSession.objects.get()
    assert message.text == JANA
    assert message.kind == "chat"
    assert message.direction == Direction.IN
    assert message.platform_id == f"{session.key}:{client_msg_id}"
    assert message.thread_key == session.key
    assert message.extra == {"page": "https://shop.example/orders"}
    assert ticket.account == chat_account
    assert ticket.customer.name == "Jana Nováková"
    identity = Identity.objects.get()
    assert identity.platform == "chat"
    assert identity.external_id == widget.visitor_id
    assert identity.handle == "jana@example.cz"
    assert InboundEvent.objects.get().status == InboundEventStatus.PROCESSED


def test_anonymous_visitor_and_a_conversation_in_one_ticket(widget: Widget) -> None:
    widget.write("Hi")
    widget.write("Is anyone there?")
    ticket = Ticket.objects.get()
    assert ticket.customer.name == "Website visitor"
    assert list(ticket.messages.values_list("text", flat=True)) == ["Hi", "Is anyone there?"]
    assert Identity.objects.get().handle == ""


def test_two_visitors_two_tickets(client: Client, chat_account: Any) -> None:
    for text in ("first visitor", "second visitor"):
        w = Widget(client, chat_account.pk)
        w.open()
        w.write(text)
    assert Ticket.objects.count() == 2


# --- outbound ---------------------------------------------------------------------------
def test_agent_reply_appears_in_the_stream(widget: Widget, agent: User, one_pass_stream: None) -> None:
    widget.write(JANA, name="Jana Nováková")
    ticket = Ticket.objects.get()
    before = widget.events()
    assert len(before) == 1

    reply = ticket_reply(ticket=ticket, agent=agent, text="Dobrý den {{ customer.first_name }}, hned to prověřím. <i>")
    reply.refresh_from_db()
    assert reply.delivery_status == DeliveryStatus.SENT
    session = ChatSession.objects.get()
    assert reply.platform_id == f"{session.key}:agent:2"
    (event,) = widget.events(last_event_id=before[-1]["id"])
    assert event["id"] == "2"
    assert event["json"]["from"] == "agent"
    assert event["json"]["text"] == "Dobrý den Jana, hned to prověřím. <i> ^JD"
    assert event["json"]["author"] == "Acme"
    assert ChatEvent.objects.filter(kind=ChatEventKind.AGENT).count() == 1


def test_reply_reaches_an_open_stream_within_two_seconds(widget: Widget, agent: User, monkeypatch: Any) -> None:
    """A real, polling stream in another thread, as the browser holds it."""
    widget.write("Hello?")
    ticket = Ticket.objects.get()
    monkeypatch.setattr(stream, "STREAM_SECONDS", 6.0)
    received: list[tuple[float, str]] = []

    def listen() -> None:
        response = widget.client.get(widget.url("events") + f"?session={widget.session}&after=1")
        for chunk in response.streaming_content:
            text = chunk.decode()
            if text.startswith("id:"):
                received.append((time.monotonic(), text))
                break
        response.close()

    listener = threading.Thread(target=listen)
    listener.start()
    time.sleep(0.3)
    sent_at = time.monotonic()
    ticket_reply(ticket=ticket, agent=agent, text="On it!")
    listener.join(timeout=10)
    assert received, "the reply never reached the stream"
    arrived, chunk = received[0]
    assert arrived - sent_at < 2.0
    assert parse_sse(chunk)[0]["json"]["text"] == "On it! ^JD"


def test_unknown_outcome_is_reconciled_not_resent(widget: Widget, agent: User, chat_account: Any) -> None:
    widget.write("Hello?")
    ticket = Ticket.objects.get()
    with mock.patch("inbox.tasks.deliver_outbound.delay"):
        reply = ticket_reply(ticket=ticket, agent=agent, text="Checking now")
    row = OutboundMessage.objects.get(message=reply)
    # A worker stored the reply, then died before marking it sent: the sweep makes it unknown.
    first_try = timezone.now()
    OutboundMessage.objects.filter(pk=row.pk).update(
        status=OutboundStatus.UNKNOWN, attempts=1, first_attempt_at=first_try
    )
    from inbox.outbox import outbox_request

    platform_id = chat_reply_store(account=chat_account, outbound=outbox_request(row))
    assert reply_deliver(outbound_id=row.pk) is None
    reply.refresh_from_db()
    assert reply.delivery_status == DeliveryStatus.SENT
    assert reply.platform_id == platform_id
    assert ChatEvent.objects.filter(kind=ChatEventKind.AGENT).count() == 1


def test_second_identical_reply_is_sent_again(widget: Widget, agent: User) -> None:
    """find_sent never hands back a reply that is already another message's."""
    widget.write("Hello?")
    ticket = Ticket.objects.get()
    first = ticket_reply(ticket=ticket, agent=agent, text="Thanks!")
    with mock.patch("inbox.tasks.deliver_outbound.delay"):
        second = ticket_reply(ticket=ticket, agent=agent, text="Thanks!")
    unknown = {"status": OutboundStatus.UNKNOWN, "first_attempt_at": timezone.now()}
    OutboundMessage.objects.filter(message=second).update(**unknown)
    reply_deliver(outbound_id=OutboundMessage.objects.get(message=second).pk)
    first.refresh_from_db()
    second.refresh_from_db()
    assert second.delivery_status == DeliveryStatus.SENT
    assert first.platform_id != second.platform_id
    assert ChatEvent.objects.filter(kind=ChatEventKind.AGENT).count() == 2


def test_reply_to_a_deleted_session_fails_with_a_reason(widget: Widget, agent: User) -> None:
    widget.write("Hello?")
    ticket = Ticket.objects.get()
    ChatSession.objects.all().delete()
    reply = ticket_reply(ticket=ticket, agent=agent, text="Hi")
    reply.refresh_from_db()
    assert reply.delivery_status == DeliveryStatus.FAILED
    assert "no longer exists" in OutboundMessage.objects.get(message=reply).last_error


def test_composer_limits(widget: Widget, agent: User) -> None:
    widget.write("Hello?")
    ticket = Ticket.objects.get()
    assert reply_compose(ticket=ticket, agent=agent, text="ok").ok
    too_long = reply_compose(ticket=ticket, agent=agent, text="x" * 5000)
    assert "Too long" in too_long.error


# --- typing and presence for agents -------------------------------------------------------
def test_agent_sees_visitor_typing(widget: Widget, agent_client: Client) -> None:
    widget.write("Hello?")
    ticket = Ticket.objects.get()
    url = f"/chat/agent/typing/{ticket.pk}/"
    assert agent_client.get(url).content.decode().strip() == ""
    widget.post("typing", {"session": widget.session, "typing": True})
    html = agent_client.get(url).content.decode()
    assert "Visitor is typing…" in html
    # Sending the message ends the typing signal.
    widget.write("More details")
    assert agent_client.get(url).content.decode().strip() == ""


def test_agent_typing_reaches_the_widget(widget: Widget, agent_client: Client, one_pass_stream: None) -> None:
    widget.write("Hello?")
    ticket = Ticket.objects.get()
    assert agent_client.post(f"/chat/agent/typing/{ticket.pk}/", {"typing": "1"}).status_code == 204
    typing = [e for e in widget.events(after=1) if e.get("event") == "typing"]
    assert typing[0]["json"] == {"typing": True}
    agent_client.post(f"/chat/agent/typing/{ticket.pk}/", {"typing": "0"})
    assert [e for e in widget.events(after=1) if e.get("event") == "typing"] == []


def test_agent_endpoints_need_an_agent(client: Client, widget: Widget, agent: User) -> None:
    widget.write("Hello?")
    ticket = Ticket.objects.get()
    url = f"/chat/agent/typing/{ticket.pk}/"
    assert client.get(url).status_code == 302  # to the login page
    assert client.post("/chat/agent/presence/").status_code == 302
    outsider = User.objects.create_user("visitor", password="pw-visitor-123")
    client.force_login(outsider)
    assert client.get(url).status_code == 404
    client.force_login(agent)
    assert client.get("/chat/agent/typing/999999/").status_code == 404


def test_typing_endpoint_on_a_non_chat_ticket_is_empty(agent_client: Client, fake_x: Any, x_account: Any) -> None:
    from tests.support import make_ticket

    ticket, _ = make_ticket(fake_x, x_account, "@jnovakova", "Jana", "hi")
    assert agent_client.get(f"/chat/agent/typing/{ticket.pk}/").content.decode().strip() == ""
    assert agent_client.post(f"/chat/agent/typing/{ticket.pk}/").status_code == 204


def test_online_follows_agent_presence(client: Client, chat_account: Any, agent: User) -> None:
    config = f"/chat/{chat_account.pk}/config"
    assert client.get(config).json()["online"] is False
    agent_client = Client()
    agent_client.force_login(agent)
    assert client.get(config).json()["online"] is True  # just logged in
    User.objects.filter(pk=agent.pk).update(last_login=timezone.now() - timedelta(hours=3))
    assert client.get(config).json()["online"] is False  # a login long ago is not presence
    assert agent_client.post("/chat/agent/presence/").status_code == 204
    assert AgentPresence.objects.get().user == agent
    assert client.get(config).json()["online"] is True
    AgentPresence.objects.update(last_seen_at=timezone.now() - timedelta(minutes=6))
    assert client.get(config).json()["online"] is False
    # A fresh login counts as presence too.
    User.objects.filter(pk=agent.pk).update(last_login=timezone.now())
    assert client.get(config).json()["online"] is True


# --- email --------------------------------------------------------------------------------
def test_transcript_by_email(widget: Widget, agent: User) -> None:
    widget.write(JANA)
    ticket_reply(ticket=Ticket.objects.get(), agent=agent, text="Здравейте! Checking 📦")
    response = widget.post("transcript", {"session": widget.session, "email": "jana@example.cz"})
    assert response.status_code == 202
    assert response.json() == {"sent_to": "jana@example.cz"}
    (sent,) = mail.outbox
    assert sent.to == ["jana@example.cz"]
    assert sent.subject == "Your conversation with Acme"
    assert JANA in sent.body
    assert "Здравейте! Checking 📦 ^JD" in sent.body
    assert sent.body.index(JANA) < sent.body.index("Здравейте")
    assert ChatSession.objects.get().email == "jana@example.cz"


def test_transcript_refusals(widget: Widget) -> None:
    assert widget.post("transcript", {"session": widget.session, "email": "a@b.cz"}).status_code == 400  # empty
    widget.write("hi")
    assert widget.post("transcript", {"session": widget.session}).status_code == 400  # no address known
    assert widget.post("transcript", {"session": widget.session, "email": "nope"}).status_code == 400
    for _ in range(3):
        assert widget.post("transcript", {"session": widget.session, "email": "a@b.cz"}).status_code == 202
    assert widget.post("transcript", {"session": widget.session, "email": "a@b.cz"}).status_code == 429
    assert len(mail.outbox) == 3


def test_email_followup_when_nobody_was_online(widget: Widget, agent: User) -> None:
    assert widget.post("contact", {"session": widget.session, "followup": True}).status_code == 400  # no email
    response = widget.post("contact", {"session": widget.session, "email": "jana@example.cz", "followup": True})
    assert response.json() == {"name": "", "email": "jana@example.cz", "followup": True}
    widget.write("Are you there?")
    ticket = Ticket.objects.get()

    # The visitor still has the chat open: the reply shows there, no email.
    ticket_reply(ticket=ticket, agent=agent, text="Yes, here!")
    assert mail.outbox == []

    # They left: the next reply goes by email too.
    ChatSession.objects.update(last_seen_at=timezone.now() - timedelta(minutes=5))
    ticket_reply(ticket=ticket, agent=agent, text="Your parcel ships today 📦")
    (sent,) = mail.outbox
    assert sent.to == ["jana@example.cz"]
    assert "Your parcel ships today 📦 ^JD" in sent.body
