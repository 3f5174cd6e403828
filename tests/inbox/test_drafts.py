"""Newcomers' drafts: a newcomer's reply (from the composer, the API or any caller of
ticket_reply) never reaches a platform until a lead of the brand approves it; then it goes
out once, signed by the newcomer, with the approver recorded."""
from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from channels.inbound import account_poll
from channels.models import Brand
from inbox.actions.drafts import DraftError, draft_approve, draft_create, draft_return
from inbox.actions.notes import ticket_note_add
from inbox.actions.people import agent_create, team_create
from inbox.actions.replies import NeedsApproval, ticket_reply
from inbox.enums import DeliveryStatus, Direction, DraftStatus, TicketEventType
from inbox.models import Message, OutboundMessage, ReplyDraft, Ticket
from notifications.models import Notification

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def people(x_account: Any) -> dict[str, User]:
    """A newcomer and a lead in the Acme team; a lead of another brand's team."""
    acme = x_account.brand
    other = Brand.objects.create(name="Globex")
    newcomer = agent_create(username="nova", password="pw-nova-12345", display_name="Nova Nováková", role="newcomer")
    lead = agent_create(username="lea", password="pw-lea-12345", display_name="Lea Lead", role="lead")
    stranger = agent_create(username="olga", password="pw-olga-12345", display_name="Olga Other", role="lead")
    team_create(name="Acme care", brands=[acme], members=[newcomer, lead])
    team_create(name="Globex care", brands=[other], members=[stranger])
    return {"newcomer": newcomer, "lead": lead, "stranger": stranger}


@pytest.fixture
def ticket(fake_x: Any, x_account: Any, people: dict[str, User]) -> Ticket:
    fake_x.inbound(author="@jnovakova", name="Jana Nováková", text="Kde je moje objednávka? 📦")
    assert account_poll(account_id=x_account.pk) == 1
    return Ticket.objects.get()


def _nothing_sent(fake_x: Any) -> None:
    assert fake_x.outbound() == []
    # No outbox row at all: no platform's fake (X or any other) can have received it.
    assert not OutboundMessage.objects.exists()
    assert not Message.objects.filter(direction=Direction.OUT).exists()


def test_a_newcomers_reply_is_never_sent_directly(fake_x: Any, ticket: Ticket, people: dict[str, User]) -> None:
    with pytest.raises(NeedsApproval):
        ticket_reply(ticket=ticket, agent=people["newcomer"], text="Hned to prověřím.")
    _nothing_sent(fake_x)


def test_approve_sends_once_signed_by_the_newcomer(fake_x: Any, ticket: Ticket, people: dict[str, User]) -> None:
    draft = draft_create(ticket=ticket, author=people["newcomer"], text="Dobrý den {{ customer.first_name }}!")
    assert draft.status == DraftStatus.WAITING
    _nothing_sent(fake_x)
    assert Notification.objects.filter(recipient=people["lead"], kind="draft").count() == 1
    assert not Notification.objects.filter(recipient=people["stranger"]).exists()

    message = draft_approve(draft=draft, reviewer=people["lead"])
    message.refresh_from_db()
    assert message.delivery_status == DeliveryStatus.SENT and message.author_user == people["newcomer"]
    sent = fake_x.outbound()
    assert [s["text"] for s in sent] == ["Dobrý den Jana! ^NN"]  # the newcomer's initials
    draft.refresh_from_db()
    assert (draft.status, draft.reviewer, draft.message) == (DraftStatus.SENT, people["lead"], message)
    approved = ticket.events.get(type=TicketEventType.DRAFT_APPROVED)
    assert approved.actor == people["lead"] and approved.payload["edited"] is False
    assert ticket.events.filter(type=TicketEventType.DRAFT_SUBMITTED, actor=people["newcomer"]).exists()
    told = Notification.objects.get(recipient=people["newcomer"], kind="draft")
    assert "Lea Lead" in told.text and told.url == reverse("inbox:my_drafts")

    with pytest.raises(DraftError):  # a second approval (a double click, a second lead)
        draft_approve(draft=draft, reviewer=people["lead"])
    assert len(fake_x.outbound()) == 1 and OutboundMessage.objects.count() == 1


def test_edit_and_send_keeps_both_texts(fake_x: Any, ticket: Ticket, people: dict[str, User]) -> None:
    draft = draft_create(ticket=ticket, author=people["newcomer"], text="ok")
    draft_approve(draft=draft, reviewer=people["lead"], text="Dobrý den, balík je na cestě 🚚")
    assert [s["text"] for s in fake_x.outbound()] == ["Dobrý den, balík je na cestě 🚚 ^NN"]
    draft.refresh_from_db()
    assert draft.status == DraftStatus.SENT_EDITED and draft.text == "ok"
    assert draft.sent_text == "Dobrý den, balík je na cestě 🚚"
    assert ticket.events.get(type=TicketEventType.DRAFT_APPROVED).payload["edited"] is True


def test_return_with_a_comment_sends_nothing(fake_x: Any, ticket: Ticket, people: dict[str, User]) -> None:
    draft = draft_create(ticket=ticket, author=people["newcomer"], text="Nevím.")
    with pytest.raises(DraftError):
        draft_return(draft=draft, reviewer=people["lead"], comment="  ")
    draft_return(draft=draft, reviewer=people["lead"], comment="Zeptej se na číslo objednávky <b>")
    draft.refresh_from_db()
    assert draft.status == DraftStatus.RETURNED and draft.comment == "Zeptej se na číslo objednávky <b>"
    event = ticket.events.get(type=TicketEventType.DRAFT_RETURNED)
    assert event.actor == people["lead"] and event.payload["comment"] == draft.comment
    assert "Zeptej se" in Notification.objects.get(recipient=people["newcomer"], kind="draft").text
    with pytest.raises(DraftError):
        draft_approve(draft=draft, reviewer=people["lead"])
    _nothing_sent(fake_x)


def test_notes_of_a_newcomer_are_not_drafts(ticket: Ticket, people: dict[str, User]) -> None:
    ticket_note_add(ticket=ticket, author=people["newcomer"], text="Checking the warehouse")
    assert ticket.messages.filter(direction=Direction.NOTE).count() == 1 and not ReplyDraft.objects.exists()


def test_composer_makes_a_draft_and_the_lead_decides(fake_x: Any, ticket: Ticket, people: dict[str, User]) -> None:
    newcomer = Client()
    newcomer.force_login(people["newcomer"])
    page = newcomer.get(reverse("inbox:ticket", args=[ticket.pk])).content.decode()
    assert "Send for approval" in page
    response = newcomer.post(reverse("inbox:ticket_reply", args=[ticket.pk]), {"text": "Prověřím to."})
    assert response.status_code == 302
    _nothing_sent(fake_x)
    draft = ReplyDraft.objects.get()
    assert newcomer.get(reverse("inbox:drafts")).status_code == 404  # not a reviewer

    lead = Client()
    lead.force_login(people["lead"])
    assert 'id="drafts-count">1<' in lead.get(reverse("inbox:my_drafts")).content.decode()
    queue = lead.get(reverse("inbox:drafts")).content.decode()
    assert "Prověřím to." in queue and "Kde je moje objednávka?" in queue
    lead.post(reverse("inbox:draft_approve", args=[draft.pk]), {"text": "Prověřím to hned."})
    assert [s["text"] for s in fake_x.outbound()] == ["Prověřím to hned. ^NN"]
    mine = newcomer.get(reverse("inbox:my_drafts")).content.decode()
    assert "Sent after edit" in mine and "Prověřím to hned." in mine
    timeline = lead.get(reverse("inbox:ticket", args=[ticket.pk])).content.decode()
    assert "Draft edited and sent" in timeline and "Draft sent for approval" in timeline


def test_a_lead_of_another_brand_sees_and_decides_nothing(
    fake_x: Any, ticket: Ticket, people: dict[str, User]
) -> None:
    draft = draft_create(ticket=ticket, author=people["newcomer"], text="Prověřím to.")
    stranger = Client()
    stranger.force_login(people["stranger"])
    assert "Prověřím" not in stranger.get(reverse("inbox:drafts")).content.decode()
    assert stranger.post(reverse("inbox:draft_approve", args=[draft.pk])).status_code == 404
    assert stranger.post(reverse("inbox:draft_return", args=[draft.pk]), {"comment": "x"}).status_code == 404
    agent = agent_create(username="adam", password="pw-adam-12345", display_name="Adam Agent")
    agent.teams.add(*people["lead"].teams.all())
    plain = Client()
    plain.force_login(agent)
    assert plain.post(reverse("inbox:draft_approve", args=[draft.pk])).status_code == 404  # agents do not review
    draft.refresh_from_db()
    assert draft.status == DraftStatus.WAITING
    _nothing_sent(fake_x)


def test_the_api_reply_of_a_newcomer_is_a_draft(fake_x: Any, ticket: Ticket, people: dict[str, User]) -> None:
    api = APIClient()
    api.force_authenticate(people["newcomer"])
    response = api.post(f"/api/v1/tickets/{ticket.pk}/reply/", {"text": "Z API"}, format="json")
    assert response.status_code == 202, response.content
    draft = ReplyDraft.objects.get(pk=response.json()["draft"])
    assert draft.author == people["newcomer"] and draft.status == DraftStatus.WAITING
    _nothing_sent(fake_x)
    draft_approve(draft=draft, reviewer=people["lead"])
    assert [s["text"] for s in fake_x.outbound()] == ["Z API ^NN"]
