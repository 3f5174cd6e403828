"""A customer's data under the GDPR: the export (JSON + raw events + an e-mail's original
and attachments, as a zip) from the conversation panel and the API; erasure (text,
attachments, identities, names gone; ticket and message rows kept for the reports), with
a confirmation step and an audit entry; admins and leads only, scoped to their brands; and
each brand's retention, erased hourly in batches, idempotent, audited with counts."""
from __future__ import annotations

import base64
import io
import json
import zipfile
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.utils import timezone
from rest_framework.authtoken.models import Token

from audit.models import AuditEntry
from channels.chat.models import ChatSession
from channels.inbound import inbound_events_record
from channels.models import Brand, BrandAccount, InboundEvent
from channels.types import RawEvent
from inbox.actions.people import agent_create, team_create
from inbox.actions.privacy import brand_set_retention, customer_erase, retention_apply
from inbox.enums import Direction
from inbox.models import Customer, Identity, Message, Ticket
from inbox.pipeline import inbound_events_ingest
from inbox.tasks import apply_retention

pytestmark = pytest.mark.django_db

FIXTURES = Path(__file__).resolve().parents[2] / "channels" / "email" / "fixtures"


@pytest.fixture
def world() -> dict[str, Any]:
    """Acme with an e-mail conversation (a PDF attached) and a reply; Globex with its own."""
    acme = Brand.objects.create(name="Acme")
    globex = Brand.objects.create(name="Globex")
    mailbox = BrandAccount.objects.create(brand=acme, platform="email", handle="care@acme.example")
    raw = (FIXTURES / "email__pdf_attachment_rfc2231.eml").read_bytes()
    ids = inbound_events_record(account=mailbox, events=[
        RawEvent(platform_id="mail-1", kind="email",
                 payload={"raw": base64.b64encode(raw).decode(), "uid": 1, "uidvalidity": 1, "folder": "INBOX",
                          "address": "care@acme.example"}),
    ])
    inbound_events_ingest(event_ids=ids)
    message = Message.objects.get(account=mailbox)
    ticket = message.ticket
    admin = agent_create(username="eva", password="pw-eva-12345", display_name="Eva", role="admin")
    lead = agent_create(username="lena", password="pw-lena-12345", display_name="Lena", role="lead")
    agent = agent_create(username="jana", password="pw-jana-12345", display_name="Jana")
    other_lead = agent_create(username="gus", password="pw-gus-12345", display_name="Gus", role="lead")
    team_create(name="Acme care", brands=[acme], members=[lead, agent])
    team_create(name="Globex care", brands=[globex], members=[other_lead])
    Message.objects.create(ticket=ticket, account=mailbox, direction=Direction.OUT, kind="email",
                           text="Dear customer, we are on it. ^EV", author_user=admin, platform_id="reply-1")
    x = BrandAccount.objects.create(brand=globex, platform="x", handle="@Globex")
    bob = Customer.objects.create(brand=globex, name="Bob Globexer")
    Identity.objects.create(customer=bob, brand=globex, platform="x", external_id="42", handle="@bob")
    bob_ticket = Ticket.objects.create(brand=globex, account=x, customer=bob)
    Message.objects.create(ticket=bob_ticket, account=x, direction=Direction.IN, text="Globex secret", platform_id="t1")
    return {"acme": acme, "globex": globex, "mailbox": mailbox, "ticket": ticket, "customer": ticket.customer,
            "admin": admin, "lead": lead, "agent": agent, "other_lead": other_lead, "bob": bob}


def _client(user: User) -> Client:
    client = Client(REMOTE_ADDR="192.0.2.10")
    client.force_login(user)
    return client


def _zip(content: bytes) -> zipfile.ZipFile:
    return zipfile.ZipFile(io.BytesIO(content))


# --- export -------------------------------------------------------------------------------
def test_export_holds_the_person_their_conversations_raw_events_and_attachments(world: dict[str, Any]) -> None:
    customer = world["customer"]
    response = _client(world["admin"]).get(f"/customers/{customer.pk}/export/")
    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    assert f'filename="hovor-customer-{customer.pk}.zip"' in response["Content-Disposition"]
    archive = _zip(response.content)
    data = json.loads(archive.read("customer.json"))
    assert data["customer"]["id"] == customer.pk and data["customer"]["name"] == customer.name
    assert data["identities"][0]["email"] and data["identities"][0]["platform"] == "email"
    conversation, = data["conversations"]
    assert [m["direction"] for m in conversation["messages"]] == ["in", "out"]
    assert conversation["messages"][1]["author"] == "Eva"
    assert conversation["messages"][0]["attachments"][0]["content_type"] == "application/pdf"
    event = InboundEvent.objects.get(platform_id="mail-1")
    assert json.loads(archive.read(f"raw/{event.pk}.json"))["uid"] == 1
    names = archive.namelist()
    assert f"files/{event.pk}/message.eml" in names
    pdf = [n for n in names if n.startswith(f"files/{event.pk}/") and n.endswith(".pdf")]
    assert len(pdf) == 1 and archive.read(pdf[0]).startswith(b"%PDF")
    entry = AuditEntry.objects.get(action="customer.exported")
    assert entry.actor_label == "eva" and entry.target_label == f"customer #{customer.pk}"
    assert entry.details == {"brand": "Acme", "tickets": 1, "messages": 2, "files": 2}
    assert customer.name not in json.dumps(entry.details) + entry.target_label


def test_export_through_the_api(world: dict[str, Any]) -> None:
    token = Token.objects.create(user=world["lead"])
    client = Client(HTTP_AUTHORIZATION=f"Token {token.key}", HTTP_ACCEPT="application/zip")
    response = client.get(f"/api/v1/customers/{world['customer'].pk}/export/")
    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    assert "customer.json" in _zip(response.content).namelist()
    missing = client.get(f"/api/v1/customers/{world['bob'].pk}/export/")
    assert missing.status_code == 404 and "detail" in json.loads(missing.content)
    # The token's person is the actor (DRF authenticates inside the view).
    assert AuditEntry.objects.get(action="customer.exported").actor_label == "lena"


@pytest.mark.parametrize("who, status", [("agent", 403), ("other_lead", 404), ("lead", 200), ("admin", 200)])
def test_who_may_export(world: dict[str, Any], who: str, status: int) -> None:
    assert _client(world[who]).get(f"/customers/{world['customer'].pk}/export/").status_code == status
    token = Token.objects.create(user=world[who])
    api = Client(HTTP_AUTHORIZATION=f"Token {token.key}").get(f"/api/v1/customers/{world['customer'].pk}/export/")
    assert api.status_code == status
    assert AuditEntry.objects.filter(action="customer.exported").count() == (2 if status == 200 else 0)


def test_the_panel_offers_export_and_erase_to_leads_not_agents(world: dict[str, Any]) -> None:
    url = f"/tickets/{world['ticket'].pk}/"
    assert 'id="customer-erase"' in _client(world["lead"]).get(url).content.decode()
    assert 'id="customer-export"' not in _client(world["agent"]).get(url).content.decode()


# --- erasure ------------------------------------------------------------------------------
def test_erasure_asks_first_then_erases_and_keeps_the_rows_for_reports(world: dict[str, Any]) -> None:
    customer, ticket = world["customer"], world["ticket"]
    client = _client(world["lead"])
    url = f"/customers/{customer.pk}/erase/?next=/tickets/{ticket.pk}/"
    page = client.get(url).content.decode()
    assert "cannot be undone" in page and customer.identities.get().handle in page
    assert client.post(url, {}).status_code == 400  # not confirmed: nothing happens
    assert Customer.objects.get(pk=customer.pk).name == customer.name
    before = list(Message.objects.filter(ticket=ticket).order_by("id").values_list("id", "direction", "sent_at"))

    response = client.post(url, {"confirm": "erase", "next": f"/tickets/{ticket.pk}/"})
    assert response.status_code == 302 and response["Location"] == f"/tickets/{ticket.pk}/"

    customer.refresh_from_db()
    assert customer.name == "" and customer.erased_at is not None and not customer.identities.exists()
    assert not Identity.objects.filter(customer=customer).exists()
    after = Message.objects.filter(ticket=ticket).order_by("id")
    assert list(after.values_list("id", "direction", "sent_at")) == before  # counts, times, directions kept
    assert {m.text for m in after} == {""} and {json.dumps(m.attachments) for m in after} == {"[]"}
    assert {json.dumps(m.extra) for m in after} == {"{}"}
    ticket.refresh_from_db()
    assert ticket.subject == "" and ticket.erased_at is not None
    assert ticket.search_who == "" and ticket.search_text == ""  # not findable by search either
    assert InboundEvent.objects.get(platform_id="mail-1").payload == {"erased": True}
    entry = AuditEntry.objects.get(action="customer.erased")
    assert entry.actor_label == "lena" and entry.ip == "192.0.2.10" and entry.target_label == f"customer #{customer.pk}"
    assert entry.details["messages"] == 2 and entry.details["identities"] == 1
    # The other brand's customer is untouched.
    assert Customer.objects.get(pk=world["bob"].pk).name == "Bob Globexer"
    assert Message.objects.get(platform_id="t1").text == "Globex secret"
    # An export afterwards holds nothing personal.
    data = json.loads(_zip(_client(world["admin"]).get(f"/customers/{customer.pk}/export/").content)
                      .read("customer.json"))
    assert data["identities"] == [] and data["customer"]["name"] == ""
    assert {m["text"] for m in data["conversations"][0]["messages"]} == {""}


def test_erasure_through_the_api_and_who_may(world: dict[str, Any]) -> None:
    def api(user: User) -> Client:
        return Client(HTTP_AUTHORIZATION=f"Token {Token.objects.get_or_create(user=user)[0].key}")

    url = f"/api/v1/customers/{world['customer'].pk}/erase/"
    assert api(world["agent"]).post(url).status_code == 403
    assert api(world["other_lead"]).post(url).status_code == 404
    assert api(world["admin"]).get(url).status_code == 405
    assert not AuditEntry.objects.filter(action="customer.erased").exists()
    response = api(world["admin"]).post(url)
    assert response.status_code == 200
    assert AuditEntry.objects.get(action="customer.erased").actor_label == "eva"
    assert response.json() == {"tickets": 1, "messages": 2, "identities": 1, "raw_events": 1, "chat_sessions": 0,
                               "customers": 1}
    again = api(world["admin"]).post(url).json()  # idempotent: nothing left
    assert again["identities"] == 0 and Customer.objects.get(pk=world["customer"].pk).name == ""


def test_erasure_removes_the_chat_session(world: dict[str, Any]) -> None:
    chat = BrandAccount.objects.create(brand=world["acme"], platform="chat", handle="acme.example")
    session = ChatSession.objects.create(account=chat, key="k" * 32, token_hash="h" * 64, visitor_id="visitor-1",
                                         name="Visitor Name", email="visitor@example.com")
    customer = Customer.objects.create(brand=world["acme"], name="Visitor Name")
    ticket = Ticket.objects.create(brand=world["acme"], account=chat, customer=customer)
    Message.objects.create(ticket=ticket, account=chat, direction=Direction.IN, kind="chat", text="hi",
                           thread_key=session.key, platform_id="c1")
    erased = customer_erase(customer=customer)
    assert erased.chat_sessions == 1 and not ChatSession.objects.filter(pk=session.pk).exists()


# --- retention ----------------------------------------------------------------------------
def _aged(world: dict[str, Any], days: int, name: str) -> Ticket:
    customer = Customer.objects.create(brand=world["acme"], name=name)
    Identity.objects.create(customer=customer, brand=world["acme"], platform="email", external_id=f"{name}@x",
                            email=f"{name}@x")
    moment = timezone.now() - timedelta(days=days)
    ticket = Ticket.objects.create(brand=world["acme"], account=world["mailbox"], customer=customer,
                                   subject=f"about {name}", last_message_at=moment, created_at=moment)
    Message.objects.create(ticket=ticket, account=world["mailbox"], direction=Direction.IN, text=f"{name} wrote",
                           sent_at=moment, platform_id=f"old-{name}")
    return ticket


def test_retention_erases_old_conversations_in_batches_once(world: dict[str, Any]) -> None:
    old = [_aged(world, 40 + n, f"old{n}") for n in range(5)]
    recent = _aged(world, 5, "recent")
    # A customer with an old and a recent conversation keeps their name and identity.
    both = _aged(world, 50, "both")
    Ticket.objects.create(brand=world["acme"], account=world["mailbox"], customer=both.customer)
    brand_set_retention(brand=world["acme"], days=30)
    world["acme"].refresh_from_db()

    erased = retention_apply(brand=world["acme"], batch_size=2)
    assert erased.tickets == 6 and erased.customers == 5
    for ticket in old:
        ticket.refresh_from_db()
        assert ticket.erased_at and ticket.subject == "" and ticket.messages.get().text == ""
        assert ticket.customer.name == "" and not ticket.customer.identities.exists()
    recent.refresh_from_db()
    assert recent.erased_at is None and recent.messages.get().text == "recent wrote"
    both.refresh_from_db()
    assert both.erased_at and both.customer.name == "both" and both.customer.identities.exists()
    assert Message.objects.get(platform_id="t1").text == "Globex secret"  # no retention for Globex
    entry = AuditEntry.objects.get(action="retention.applied")
    assert entry.actor_label == "system" and entry.target_label == "Acme"
    assert entry.details["tickets"] == 6 and entry.details["days"] == 30

    assert retention_apply(brand=world["acme"]).tickets == 0  # idempotent
    assert AuditEntry.objects.filter(action="retention.applied").count() == 1


def test_the_beat_task_applies_every_brands_retention(world: dict[str, Any], settings: Any) -> None:
    assert settings.CELERY_BEAT_SCHEDULE["apply-retention"]["task"] == "inbox.apply_retention"
    ticket = _aged(world, 400, "ancient")
    apply_retention()
    assert Ticket.objects.get(pk=ticket.pk).erased_at is None  # no retention set: kept
    brand_set_retention(brand=world["acme"], days=365)
    apply_retention.delay()
    assert Ticket.objects.get(pk=ticket.pk).erased_at is not None


def test_admins_set_retention_on_the_privacy_page(world: dict[str, Any]) -> None:
    client = _client(world["admin"])
    assert "Keep conversations for" in client.get("/settings/privacy/").content.decode()
    client.post(f"/settings/privacy/{world['acme'].pk}/", {"retention_days": "90"})
    world["acme"].refresh_from_db()
    assert world["acme"].retention_days == 90
    client.post(f"/settings/privacy/{world['acme'].pk}/", {"retention_days": "0"})  # refused
    client.post(f"/settings/privacy/{world['acme'].pk}/", {"retention_days": "soon"})  # refused
    world["acme"].refresh_from_db()
    assert world["acme"].retention_days == 90
    client.post(f"/settings/privacy/{world['acme'].pk}/", {"retention_days": ""})
    world["acme"].refresh_from_db()
    assert world["acme"].retention_days is None
    changes = [e.details for e in AuditEntry.objects.filter(action="settings.retention_changed").order_by("id")]
    assert changes == [{"old": None, "new": 90}, {"old": 90, "new": None}]
    assert _client(world["lead"]).get("/settings/privacy/").status_code == 404
