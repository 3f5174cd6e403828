"""PATCH /api/v1/customers/<id>/ (issue 9): the profile an agent edits, through the same
action as the page (customer_update), in the OpenAPI schema; another brand's customer is 404."""
from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from django.contrib.auth.models import User
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from channels.models import Brand
from channels.services import brand_account_connect
from channels.types import NormalizedAuthor, NormalizedMessage
from inbox.actions.tickets import ticket_ingest_message
from inbox.enums import TicketEventType
from inbox.models import AgentProfile, Customer, Team, Ticket

pytestmark = pytest.mark.django_db


def api(user: User) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.get_or_create(user=user)[0].key}")
    return client


@pytest.fixture
def ticket(brand: Brand) -> Ticket:
    account = brand_account_connect(brand=brand, platform="x", handle="@AcmeCare", credentials={})
    msg = NormalizedMessage(
        platform_id="1", author=NormalizedAuthor("u1", "@jana", "Jana"), text="hi",
        sent_at=datetime(2026, 11, 20, 9, tzinfo=UTC), kind="mention",
    )
    return ticket_ingest_message(account=account, incoming=msg).message.ticket


def test_patch_edits_the_fields_sent(ticket: Ticket, agent: User) -> None:
    url = f"/api/v1/customers/{ticket.customer_id}/"
    response = api(agent).patch(url, {"email": "Jana@Example.cz", "tags": ["vip"], "notes": "Žluťoučký kůň"},
                                format="json")
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["name"], body["email"], body["tags"], body["notes"]) == (
        "Jana", "jana@example.cz", ["vip"], "Žluťoučký kůň"
    )
    assert ticket.events.filter(type=TicketEventType.CUSTOMER_UPDATED, actor=agent).exists()
    response = api(agent).patch(url, {"language": "cs"}, format="json")
    assert response.json()["tags"] == ["vip"] and response.json()["language"] == "cs"  # the rest stays
    assert api(agent).patch(url, {"email": "nope"}, format="json").status_code == 400
    assert api(agent).patch(url, {"phone": 420601}, format="json").status_code == 400  # JSON types count
    assert api(agent).put(url, {"name": "X"}, format="json").status_code == 405
    assert Customer.objects.get(pk=ticket.customer_id).email == "jana@example.cz"


def test_another_brands_customer_is_404(ticket: Ticket) -> None:
    other = Brand.objects.create(name="Other")
    team = Team.objects.create(name="Other team")
    team.brands.add(other)
    outsider = User.objects.create_user("olga", password="pw-olga-123")
    AgentProfile.objects.create(user=outsider, display_name="Olga")
    team.members.add(outsider)
    response = api(outsider).patch(f"/api/v1/customers/{ticket.customer_id}/", {"name": "X"}, format="json")
    assert response.status_code == 404
    assert Customer.objects.get(pk=ticket.customer_id).name == "Jana"


def test_the_edit_is_in_the_schema(client: Any) -> None:
    doc = client.get("/api/v1/schema/", HTTP_ACCEPT="application/json").json()
    patch = doc["paths"]["/api/v1/customers/{id}/"]["patch"]
    ref = patch["requestBody"]["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[-1]
    assert set(doc["components"]["schemas"][ref]["properties"]) == {
        "name", "email", "phone", "language", "notes", "tags"
    }
    customer = doc["components"]["schemas"]["Customer"]["properties"]
    assert {"email", "phone", "language", "notes", "tags"} <= set(customer)
