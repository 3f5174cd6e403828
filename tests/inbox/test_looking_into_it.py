"""The one-key "I'm looking into it" (issue 9): in the customer's language, signed like every
public reply, through the normal reply path (outbox, a REPLIED event), counted as the first
response for SLAs and reports, sent once however often the key is pressed; refused with the
reason where the channel cannot take it; a newcomer's waits for a lead as a draft."""
from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.utils import timezone

from channels.inbound import account_poll
from inbox.actions.acknowledgement import (
    ACKNOWLEDGEMENT,
    DEFAULT_TEXTS,
    AcknowledgementError,
    acknowledgement_preview,
    ticket_acknowledge,
)
from inbox.actions.drafts import draft_approve
from inbox.actions.people import agent_create, team_create
from inbox.actions.replies import ReplyError, ticket_reply
from inbox.actions.reply_tools import ReplyToolsError, brand_acknowledgement_set
from inbox.enums import DeliveryStatus, Direction, DraftStatus, TicketEventType, TicketStatus
from inbox.models import Message, OutboundMessage, ReplyDraft, Ticket
from reports.selectors import ReportScope, conversations_in
from tests.support import make_ticket, whatsapp_ticket_past_its_window

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def ticket(fake_x: Any, x_account: Any, agent: User) -> Ticket:
    made, _tweet = make_ticket(fake_x, x_account, "@jnovakova", "Jana Nováková", "Kde je moje objednávka? 📦")
    return made


def _in(ticket: Ticket, language: str) -> Ticket:
    Ticket.objects.filter(pk=ticket.pk).update(language=language)
    return Ticket.objects.get(pk=ticket.pk)


@pytest.mark.parametrize(
    ("detected", "language"),
    [("en", "en"), ("cs", "cs"), ("pl", "pl"), ("bg", "bg"), ("sk", "cs"), ("de", "en"), ("", "en")],
)
def test_in_the_customers_language_and_signed(
    fake_x: Any, ticket: Ticket, agent: User, detected: str, language: str
) -> None:
    message = ticket_acknowledge(ticket=_in(ticket, detected), agent=agent)
    assert isinstance(message, Message)
    assert [s["text"] for s in fake_x.outbound()] == [f"{DEFAULT_TEXTS[language]} ^JD"]
    assert message.extra[ACKNOWLEDGEMENT] == language


def test_an_agent_without_a_signature_signs_with_initials(fake_x: Any, ticket: Ticket) -> None:
    eva = agent_create(username="eva", password="pw-eva-12345", display_name="Eva Svobodová", role="agent")
    team_create(name="Acme care", brands=[ticket.brand], members=[eva])
    ticket_acknowledge(ticket=_in(ticket, "cs"), agent=eva)
    assert [s["text"] for s in fake_x.outbound()] == ["Díky za zprávu, už se na to dívám. ^ES"]


def test_it_is_the_first_response_with_an_event(fake_x: Any, ticket: Ticket, agent: User) -> None:
    assert ticket.first_response_at is None and ticket.waiting_since is not None
    message = ticket_acknowledge(ticket=_in(ticket, "cs"), agent=agent)
    ticket.refresh_from_db()
    message.refresh_from_db()
    assert message.delivery_status == DeliveryStatus.SENT and message.direction == Direction.OUT
    assert message.author_user == agent
    assert ticket.first_response_at is not None and ticket.first_response_at <= message.sent_at
    assert ticket.waiting_since is None  # the SLA's first-response clock stopped
    # The agent is on it: the conversation stays open (not "waiting for the customer"), theirs.
    assert ticket.status == TicketStatus.OPEN and ticket.assignee_id == agent.pk
    replied = ticket.events.get(type=TicketEventType.REPLIED)
    assert replied.actor == agent and replied.payload["message_id"] == message.pk
    assert OutboundMessage.objects.filter(message=message).count() == 1
    # The reports count it as the first human reply.
    now = timezone.now()
    (conversation,) = conversations_in(ReportScope([ticket.brand_id], now - timedelta(hours=1), now))
    assert conversation.first_reply_seconds is not None and conversation.human_replies == 1


def test_pressed_twice_it_goes_out_once(fake_x: Any, ticket: Ticket, agent: User) -> None:
    first = ticket_acknowledge(ticket=ticket, agent=agent, client_token="ack-1")
    assert ticket_acknowledge(ticket=ticket, agent=agent, client_token="ack-1") == first  # the same form again
    with pytest.raises(AcknowledgementError, match="Already answered"):  # the row's button after the key
        ticket_acknowledge(ticket=ticket, agent=agent)
    assert len(fake_x.outbound()) == 1
    assert Message.objects.filter(direction=Direction.OUT).count() == 1
    assert not acknowledgement_preview(ticket=ticket, agent=agent).needed


def test_after_a_reply_there_is_nothing_to_acknowledge_until_the_customer_writes(
    fake_x: Any, x_account: Any, ticket: Ticket, agent: User
) -> None:
    reply = ticket_reply(ticket=ticket, agent=agent, text="Dobrý den, balík je na cestě.")
    reply.refresh_from_db()
    with pytest.raises(AcknowledgementError):
        ticket_acknowledge(ticket=ticket, agent=agent)
    fake_x.inbound(author="@jnovakova", name="Jana Nováková", text="A kdy dorazí?", in_reply_to=reply.platform_id)
    account_poll(account_id=x_account.pk)
    assert ticket.messages.filter(direction=Direction.IN).count() == 2
    assert acknowledgement_preview(ticket=ticket, agent=agent).ok
    ticket_acknowledge(ticket=ticket, agent=agent)
    assert len(fake_x.outbound()) == 2


def test_the_brands_own_wording(fake_x: Any, ticket: Ticket, agent: User) -> None:
    brand_acknowledgement_set(brand=ticket.brand, texts={"cs": "Dobrý den {{ customer.first_name }}, koukám na to."})
    preview = acknowledgement_preview(ticket=_in(ticket, "cs"), agent=agent)
    assert preview.ok and preview.text == "Dobrý den Jana, koukám na to. ^JD"
    ticket_acknowledge(ticket=ticket, agent=agent)
    assert [s["text"] for s in fake_x.outbound()] == ["Dobrý den Jana, koukám na to. ^JD"]
    # The other languages keep Hovor's; a mistyped variable is refused when saved.
    assert acknowledgement_preview(ticket=_in(ticket, "pl"), agent=agent).language == "pl"
    with pytest.raises(ReplyToolsError):
        brand_acknowledgement_set(brand=ticket.brand, texts={"pl": "Cześć {{ customer.imie }}"})


def test_a_closed_whatsapp_window_is_refused_with_the_reason(brand: Any, agent: User) -> None:
    ticket = whatsapp_ticket_past_its_window(brand, "wamid.ACK1")
    preview = acknowledgement_preview(ticket=ticket, agent=agent)
    assert preview.needed and not preview.ok and "24 hours" in preview.error
    with pytest.raises(ReplyError, match="24 hours"):
        ticket_acknowledge(ticket=ticket, agent=agent)
    assert not OutboundMessage.objects.exists()
    ticket.refresh_from_db()
    assert ticket.first_response_at is None


def test_a_newcomers_acknowledgement_waits_for_a_lead(fake_x: Any, ticket: Ticket) -> None:
    nova = agent_create(username="nova", password="pw-nova-12345", display_name="Nova Nováková", role="newcomer")
    lea = agent_create(username="lea", password="pw-lea-12345", display_name="Lea Lead", role="lead")
    team_create(name="Acme care", brands=[ticket.brand], members=[nova, lea])
    draft = ticket_acknowledge(ticket=_in(ticket, "cs"), agent=nova)
    assert isinstance(draft, ReplyDraft) and draft.status == DraftStatus.WAITING
    assert draft.text == DEFAULT_TEXTS["cs"] and draft.then_status == TicketStatus.OPEN
    assert fake_x.outbound() == [] and not OutboundMessage.objects.exists()
    # A second press while it waits: refused, with the reason (the button shows it too).
    assert acknowledgement_preview(ticket=ticket, agent=nova).error
    with pytest.raises(AcknowledgementError, match="approval"):
        ticket_acknowledge(ticket=ticket, agent=nova)
    # Approved: out once, signed by the newcomer, the first response.
    draft_approve(draft=draft, reviewer=lea)
    assert [s["text"] for s in fake_x.outbound()] == ["Díky za zprávu, už se na to dívám. ^NN"]
    ticket.refresh_from_db()
    assert ticket.first_response_at is not None and ticket.status == TicketStatus.OPEN
