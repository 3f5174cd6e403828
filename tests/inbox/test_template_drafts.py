"""A newcomer's WhatsApp template (after the 24-hour window) is a draft like their other
replies: nothing reaches the platform until a lead of the brand approves it; then it goes
out once, as the template (by name and parameters), with the newcomer as its author. A lead
cannot change a template's words (the platform approved them): they return it instead."""
from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from channels.services import account_templates_sync, brand_account_connect
from channels.types import TEMPLATE
from inbox.actions.drafts import DraftError, draft_approve, draft_create_template
from inbox.actions.people import agent_create, team_create
from inbox.actions.replies import NeedsApproval
from inbox.actions.templates import ticket_send_template
from inbox.enums import DraftStatus, TicketEventType
from inbox.models import Message, OutboundMessage, ReplyDraft, Ticket
from notifications.models import Notification
from tests.channels.whatsapp.test_whatsapp_templates import customer_writes
from tests.channels.whatsapp.wa_support import PHONE_NUMBER_ID, WA_CREDENTIALS

pytestmark = pytest.mark.django_db(transaction=True)

CZECH = "Dobrý den, Jana, máme novinky k vašemu požadavku #9."


@pytest.fixture
def fake_graph() -> Iterator[Any]:
    """The fake with its demo business's templates (follow_up in en_US and cs)."""
    from fakes.whatsapp import DEMO_WABA_ID, FakeWhatsApp

    fake = FakeWhatsApp(
        app_secret=WA_CREDENTIALS["app_secret"], verify_token=WA_CREDENTIALS["verify_token"],
        access_token=WA_CREDENTIALS["access_token"], phone_number_id=PHONE_NUMBER_ID, waba_id=DEMO_WABA_ID,
    ).start()
    yield fake
    fake.stop()


@pytest.fixture
def synced_account(brand: Any, fake_graph: Any) -> Any:
    account = brand_account_connect(
        brand=brand, platform="whatsapp", handle="+15550783881", base_url=fake_graph.base_url,
        credentials={k: v for k, v in WA_CREDENTIALS.items() if k != "templates"},
        options={"waba_id": fake_graph.waba_id},
    )
    assert account_templates_sync(account_id=account.pk) == 3
    return account


@pytest.fixture
def people(brand: Any) -> dict[str, User]:
    newcomer = agent_create(username="nova", password="pw-nova-12345", display_name="Nova Nováková", role="newcomer")
    lead = agent_create(username="lea", password="pw-lea-12345", display_name="Lea Lead", role="lead")
    team_create(name="WhatsApp care", brands=[brand], members=[newcomer, lead])
    return {"newcomer": newcomer, "lead": lead}


@pytest.fixture
def ticket(client: Client, synced_account: Any, fake_graph: Any, people: dict[str, User]) -> Ticket:
    asked = customer_writes(client, synced_account, fake_graph)
    return asked.ticket


def _nothing_sent(fake_graph: Any) -> None:
    assert [s for s in fake_graph.outbound() if s.get("type") == "template"] == []
    assert not OutboundMessage.objects.exists()


def test_approved_it_goes_out_once_as_the_template(fake_graph: Any, ticket: Ticket, people: dict[str, User]) -> None:
    newcomer, lead = people["newcomer"], people["lead"]
    with pytest.raises(NeedsApproval):  # never straight out, whatever path calls it
        ticket_send_template(ticket=ticket, agent=newcomer, key="follow_up|cs", inputs=["Jana", "#9"])
    draft = draft_create_template(
        ticket=ticket, author=newcomer, key="follow_up|cs", inputs=["{{ customer.first_name }}", "#9"]
    )
    assert draft.status == DraftStatus.WAITING and draft.text == CZECH
    assert draft.template == {"key": "follow_up|cs", "name": "follow_up", "language": "cs",
                              "inputs": ["{{ customer.first_name }}", "#9"]}
    _nothing_sent(fake_graph)
    assert Notification.objects.filter(recipient=lead, kind="draft").count() == 1
    assert ticket.events.filter(type=TicketEventType.DRAFT_SUBMITTED, actor=newcomer).exists()

    message = draft_approve(draft=draft, reviewer=lead)
    [sent] = [s for s in fake_graph.outbound() if s.get("type") == "template"]
    assert sent["template"] == {"name": "follow_up", "language": "cs", "params": ["Jana", "#9"]}
    message.refresh_from_db()
    assert message.text == CZECH and message.author_user == newcomer and message.extra[TEMPLATE]["name"] == "follow_up"
    draft.refresh_from_db()
    assert (draft.status, draft.reviewer, draft.message) == (DraftStatus.SENT, lead, message)
    assert ticket.events.get(type=TicketEventType.DRAFT_APPROVED).payload["edited"] is False
    with pytest.raises(DraftError):  # a second approval
        draft_approve(draft=draft, reviewer=lead)
    assert len([s for s in fake_graph.outbound() if s.get("type") == "template"]) == 1
    assert Message.objects.filter(extra__has_key=TEMPLATE).count() == 1


def test_a_lead_cannot_change_a_templates_words(fake_graph: Any, ticket: Ticket, people: dict[str, User]) -> None:
    draft = draft_create_template(ticket=ticket, author=people["newcomer"], key="follow_up|cs", inputs=["Jana", "#9"])
    with pytest.raises(DraftError, match="return the draft"):
        draft_approve(draft=draft, reviewer=people["lead"], text="Dobrý den, něco jiného.")
    _nothing_sent(fake_graph)
    draft.refresh_from_db()
    assert draft.status == DraftStatus.WAITING


def test_a_template_draft_is_checked_like_a_send(ticket: Ticket, people: dict[str, User]) -> None:
    with pytest.raises(DraftError):  # an empty parameter
        draft_create_template(ticket=ticket, author=people["newcomer"], key="follow_up|cs", inputs=["", "#9"])
    with pytest.raises(DraftError):  # not one of the account's approved templates
        draft_create_template(ticket=ticket, author=people["newcomer"], key="spring_sale|en_US", inputs=[])
    with pytest.raises(DraftError):  # only a newcomer's wait
        draft_create_template(ticket=ticket, author=people["lead"], key="hello_world|en_US", inputs=[])
    assert not ReplyDraft.objects.exists()


def test_the_pages_newcomer_sends_for_approval_lead_approves(
    client: Client, fake_graph: Any, ticket: Ticket, people: dict[str, User]
) -> None:
    client.force_login(people["newcomer"])
    page = client.get(reverse("inbox:ticket", args=[ticket.pk])).content.decode()
    assert 'id="template-choice"' in page
    assert "Send for approval" in page.split('id="send-template"')[1].split("</button>")[0]
    response = client.post(
        reverse("inbox:ticket_template", args=[ticket.pk]),
        {"template": "follow_up|cs", "param": ["Jana", "#9"], "client_token": "t-n", "then_status": "pending"},
    )
    assert response.status_code == 302
    draft = ReplyDraft.objects.get()
    assert draft.template["name"] == "follow_up" and draft.author == people["newcomer"]
    _nothing_sent(fake_graph)

    client.force_login(people["lead"])
    queue = client.get(reverse("inbox:drafts")).content.decode()
    assert 'data-template="follow_up"' in queue and CZECH in queue
    assert f'<textarea id="draft-text-{draft.pk}"' not in queue  # nothing to edit
    assert client.post(reverse("inbox:draft_approve", args=[draft.pk]), {"next": "/drafts/"}).status_code == 302
    [sent] = [s for s in fake_graph.outbound() if s.get("type") == "template"]
    assert sent["template"] == {"name": "follow_up", "language": "cs", "params": ["Jana", "#9"]}
    client.force_login(people["newcomer"])
    mine = client.get(reverse("inbox:my_drafts")).content.decode()
    assert 'data-template="follow_up"' in mine
