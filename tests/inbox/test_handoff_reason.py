"""Handoff with a reason: the reason is kept in the ASSIGNED event, shown in the timeline and
in the new assignee's notification (page, API); the conversation says how many people have
handled it, counted from the same events routing counts."""
from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from rest_framework.test import APIClient

from inbox.actions.tickets import ticket_assign
from inbox.enums import TicketEventType
from inbox.models import AgentProfile, TicketEvent
from inbox.selectors import ticket_people_handled
from inbox.templatetags.hovor import event_summary
from notifications.models import Notification, NotificationKind
from routing.engine import handoff_count
from tests.support import make_ticket

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def piotr(everyone_team: Any) -> User:
    user = User.objects.create_user("piotr", password="pw-piotr-123")
    AgentProfile.objects.create(user=user, display_name="Piotr Nowak", signature="^PN")
    everyone_team.members.add(user)
    return user


@pytest.fixture
def ivan(everyone_team: Any) -> User:
    user = User.objects.create_user("ivan", password="pw-ivan-123")
    AgentProfile.objects.create(user=user, display_name="Ivan Petrov", signature="^IP")
    everyone_team.members.add(user)
    return user


def test_reason_in_event_timeline_and_notification(fake_x: Any, x_account: Any, agent: User, piotr: User) -> None:
    ticket, _tweet = make_ticket(fake_x, x_account, "@kowalski", "Jan Kowalski", "Gdzie jest paczka?")
    ticket_assign(ticket=ticket, assignee=agent, actor=agent)
    ticket_assign(ticket=ticket, assignee=piotr, actor=agent, reason="  Needs   a Polish speaker <b>now</b> ")
    event = TicketEvent.objects.filter(ticket=ticket, type=TicketEventType.ASSIGNED).latest("id")
    assert event.payload["reason"] == "Needs a Polish speaker <b>now</b>"
    assert event.payload["assignee_id"] == piotr.pk and event.payload["previous_id"] == agent.pk
    assert event_summary(event) == "Handed to Piotr Nowak: Needs a Polish speaker <b>now</b>"
    note = Notification.objects.get(recipient=piotr)
    assert note.kind == NotificationKind.HANDOFF
    assert note.text == f"@Jana Dvořáková → #{ticket.pk}: Needs a Polish speaker <b>now</b>"
    assert note.url == f"/tickets/{ticket.pk}/" and note.actor == agent
    # Taking a conversation yourself tells nobody; no reason keeps the payload as before.
    assert not Notification.objects.filter(recipient=agent).exists()
    first = TicketEvent.objects.filter(ticket=ticket, type=TicketEventType.ASSIGNED).earliest("id")
    assert "reason" not in first.payload


def test_people_handled_counts_each_person_once(fake_x: Any, x_account: Any, agent: User, piotr: User) -> None:
    ticket, _tweet = make_ticket(fake_x, x_account, "@kowalski", "Jan Kowalski", "Gdzie jest paczka?")
    assert ticket_people_handled(ticket=ticket) == 0
    ticket_assign(ticket=ticket, assignee=agent, actor=agent)
    ticket_assign(ticket=ticket, assignee=piotr, actor=agent, reason="Polish")
    ticket_assign(ticket=ticket, assignee=agent, actor=piotr, reason="Back to you")
    ticket_assign(ticket=ticket, assignee=None, actor=agent)
    assert ticket_people_handled(ticket=ticket) == 2 == handoff_count(ticket_id=ticket.pk)
    # A handoff to someone who had it before is a HANDOFF for them too.
    assert Notification.objects.get(recipient=agent).kind == NotificationKind.HANDOFF


def test_assign_form_takes_a_reason_and_page_shows_it(client: Client, fake_x: Any, x_account: Any,
                                                      agent: User, piotr: User, ivan: User) -> None:
    ticket, _tweet = make_ticket(fake_x, x_account, "@kowalski", "Jan Kowalski", "Gdzie jest paczka?")
    client.force_login(agent)
    client.post(f"/tickets/{ticket.pk}/assign/", {"assignee": "me"})
    response = client.post(f"/tickets/{ticket.pk}/assign/", {"assignee": piotr.pk, "reason": "VIP <script>"})
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert ticket.assignee == piotr
    client.force_login(piotr)
    page = client.get(f"/tickets/{ticket.pk}/").content.decode()
    assert "Handed to Piotr Nowak: VIP &lt;script&gt;" in page
    assert 'id="people-handled">handled by 2 people' in page
    bell = client.get("/notifications/").content.decode()
    assert "VIP &lt;script&gt;" in bell


def test_api_assign_takes_a_reason(fake_x: Any, x_account: Any, agent: User, piotr: User) -> None:
    ticket, _tweet = make_ticket(fake_x, x_account, "@kowalski", "Jan Kowalski", "Gdzie jest paczka?")
    api = APIClient()
    api.force_authenticate(agent)
    response = api.post(f"/api/v1/tickets/{ticket.pk}/assign/", {"assignee": piotr.pk, "reason": "Night shift"},
                        format="json")
    assert response.status_code == 200, response.content
    event = TicketEvent.objects.filter(ticket=ticket, type=TicketEventType.ASSIGNED).latest("id")
    assert event.payload["reason"] == "Night shift"
    assert Notification.objects.get(recipient=piotr).kind == NotificationKind.ASSIGNED  # nobody had it before
    assert Notification.objects.get(recipient=piotr).text.endswith(": Night shift")
    too_long = api.post(f"/api/v1/tickets/{ticket.pk}/assign/", {"assignee": agent.pk, "reason": "x" * 301},
                        format="json")
    assert too_long.status_code == 400
    # Without a reason the API answers as before.
    assert api.post(f"/api/v1/tickets/{ticket.pk}/assign/", {"assignee": None}, format="json").status_code == 200
