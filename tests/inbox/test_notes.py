"""Internal notes: in the timeline in their own style, never sent anywhere (no outbox row,
no HTTP call to any platform, nothing at the fake X), `@username` tells that colleague with
a link to the note, and the API's POST /api/v1/tickets/<id>/notes/ does the same."""
from __future__ import annotations

from datetime import UTC, datetime
from itertools import count
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from rest_framework.test import APIClient

from channels.http import TimeoutAdapter
from channels.models import Brand, BrandAccount
from channels.registry import supported_platforms
from channels.types import NormalizedAuthor, NormalizedMessage
from inbox.actions.notes import note_mentioned_names, ticket_note_add
from inbox.actions.tickets import TicketActionError, ticket_ingest_message
from inbox.enums import Direction, TicketEventType
from inbox.models import AgentProfile, Message, OutboundMessage, Ticket
from notifications.models import Notification, NotificationKind
from tests.support import make_ticket

pytestmark = pytest.mark.django_db(transaction=True)
_ids = count(1)


@pytest.fixture
def piotr(everyone_team: Any) -> User:
    user = User.objects.create_user("piotr", password="pw-piotr-123")
    AgentProfile.objects.create(user=user, display_name="Piotr Nowak", signature="^PN")
    everyone_team.members.add(user)
    return user


def refuse_http(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every outbound HTTP request any connector makes goes through TimeoutAdapter."""
    calls: list[str] = []

    def refuse(self: Any, request: Any, **kwargs: Any) -> Any:
        calls.append(request.url)
        raise AssertionError(f"a note reached a platform: {request.url}")

    monkeypatch.setattr(TimeoutAdapter, "send", refuse)
    return calls


@pytest.fixture
def no_http(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    return refuse_http(monkeypatch)


def ticket_on(platform: str, brand: Brand) -> Ticket:
    account = BrandAccount.objects.create(brand=brand, platform=platform, handle=f"acme-{platform}")
    n = next(_ids)
    incoming = NormalizedMessage(
        platform_id=f"{platform}-{n}", author=NormalizedAuthor(external_id=f"c{n}", handle=f"c{n}", display_name="Eva"),
        text="Kde je můj balík?", sent_at=datetime.now(UTC), kind="dm",
    )
    return Ticket.objects.get(pk=ticket_ingest_message(account=account, incoming=incoming).message.ticket_id)


def test_mentions_are_read_from_the_text() -> None:
    assert note_mentioned_names("@piotr can you check? cc @Jana, not mail@example.com; @piotr again") == [
        "piotr", "Jana"]
    assert note_mentioned_names("no one here") == []


@pytest.mark.parametrize("platform", supported_platforms())
def test_a_note_never_reaches_any_platform(platform: str, agent: User, piotr: User, no_http: list[str]) -> None:
    ticket = ticket_on(platform, Brand.objects.create(name=f"Acme {platform}"))
    note = ticket_note_add(ticket=ticket, author=agent, text="@piotr Zákazník čeká na vrácení peněz 💸")
    assert note.direction == Direction.NOTE and note.author_user == agent
    assert not OutboundMessage.objects.exists()
    assert no_http == []
    assert ticket.events.filter(type=TicketEventType.NOTE_ADDED, payload__mentioned=[piotr.pk]).exists()


def test_a_note_at_the_fake_x_sends_nothing_and_tells_the_mentioned(
    client: Client, agent: User, piotr: User, fake_x: Any, x_account: Any
) -> None:
    ticket, _ = make_ticket(fake_x, x_account, "eva", "Eva", "Kde je můj balík?")
    client.force_login(agent)
    response = client.post(f"/tickets/{ticket.pk}/notes/", {"text": "@piotr prosím o kontrolu vrácení"})
    note = Message.objects.get(ticket=ticket, direction=Direction.NOTE)
    assert response.status_code == 302 and response["Location"] == f"/tickets/{ticket.pk}/#note-{note.pk}"
    assert fake_x.outbound() == []
    assert not OutboundMessage.objects.exists()
    told = Notification.objects.get(recipient=piotr)
    assert told.kind == NotificationKind.MENTION and told.url == f"/tickets/{ticket.pk}/#note-{note.pk}"
    assert told.ticket_id == ticket.pk and told.actor == agent
    assert not Notification.objects.filter(recipient=agent).exists()
    html = client.get(f"/tickets/{ticket.pk}/").content.decode()
    assert f'id="note-{note.pk}"' in html and 'class="msg note"' in html and "prosím o kontrolu" in html
    assert 'data-username="piotr"' in html  # the @name menu's colleagues


def test_a_mention_of_someone_outside_the_brand_tells_no_one(agent: User, fake_x: Any, x_account: Any) -> None:
    ticket, _ = make_ticket(fake_x, x_account, "eva", "Eva", "Hi")
    User.objects.create_user("outsider", password="pw-outsider-1")  # no profile, no team
    ticket_note_add(ticket=ticket, author=agent, text="@outsider look")
    assert not Notification.objects.exists()


def test_an_empty_note_is_refused(agent: User, fake_x: Any, x_account: Any) -> None:
    ticket, _ = make_ticket(fake_x, x_account, "eva", "Eva", "Hi")
    with pytest.raises(TicketActionError):
        ticket_note_add(ticket=ticket, author=agent, text="   ")


def test_the_api_posts_a_note_that_reaches_no_platform(
    agent: User, piotr: User, fake_x: Any, x_account: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    ticket, _ = make_ticket(fake_x, x_account, "eva", "Eva", "Hi")
    no_http = refuse_http(monkeypatch)
    api = APIClient()
    api.force_authenticate(agent)
    response = api.post(f"/api/v1/tickets/{ticket.pk}/notes/", {"text": "@piotr Уважаеми, виж това"}, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["direction"] == "note" and response.json()["text"] == "@piotr Уважаеми, виж това"
    assert no_http == [] and fake_x.outbound() == [] and not OutboundMessage.objects.exists()
    assert Notification.objects.filter(recipient=piotr, kind=NotificationKind.MENTION).count() == 1
    assert api.post(f"/api/v1/tickets/{ticket.pk}/notes/", {"text": ""}, format="json").status_code == 400
    schema = api.get("/api/v1/schema/")
    assert schema.status_code == 200 and "/api/v1/tickets/{id}/notes/" in schema.content.decode()
