"""The tickets API carries tags, priority, snoozed_until and team; its list filters by
tag, priority, sla, view and team; PATCH changes them through the triage actions."""
from __future__ import annotations

from datetime import UTC, timedelta

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from inbox.actions.triage import ticket_priority_change, ticket_snooze, ticket_tags_change
from inbox.models import Ticket
from tests.scoping_support import TwoBrands, _conversation, two_brands  # noqa: F401 (fixture)

pytestmark = pytest.mark.django_db


def api(user: User) -> APIClient:
    client = APIClient()
    token, _ = Token.objects.get_or_create(user=user)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


def ids(client: APIClient, query: str) -> list[int]:
    response = client.get(f"/api/v1/tickets/?{query}")
    assert response.status_code == 200, response.content
    return [row["id"] for row in response.json()["results"]]


def test_tickets_carry_the_triage_fields(two_brands: TwoBrands) -> None:  # noqa: F811
    w = two_brands
    ticket_tags_change(ticket=w.ticket_a, add=["vip", "Refund"], actor=w.agent_a)
    ticket_priority_change(ticket=w.ticket_a, priority="high", actor=w.agent_a)
    Ticket.objects.filter(pk=w.ticket_a.pk).update(team=w.team_a)
    row = api(w.agent_a).get("/api/v1/tickets/").json()["results"][0]
    assert (row["tags"], row["priority"], row["snoozed_until"], row["team"]) == (["Refund", "vip"], "high", None,
                                                                                  w.team_a.pk)
    detail = api(w.agent_a).get(f"/api/v1/tickets/{w.ticket_a.pk}/").json()
    assert detail["tags"] == ["Refund", "vip"] and detail["priority"] == "high"


def test_list_filters_compose(two_brands: TwoBrands) -> None:  # noqa: F811
    w = two_brands
    second = _conversation(w.brand_a, w.account_a, "anna", "Second")[1]
    ticket_tags_change(ticket=second, add=["vip"], actor=w.agent_a)
    ticket_priority_change(ticket=second, priority="urgent", actor=w.agent_a)
    ticket_snooze(ticket=w.ticket_a, until=timezone.now() + timedelta(hours=1), actor=w.agent_a)
    Ticket.objects.filter(pk=second.pk).update(team=w.team_a, sla_due_at=timezone.now() - timedelta(1))
    client = api(w.agent_a)
    assert ids(client, "tag=VIP") == [second.pk]
    assert ids(client, "priority=urgent") == [second.pk]
    assert ids(client, "sla=overdue") == [second.pk]
    assert ids(client, "sla=due_soon") == []
    assert ids(client, f"team={w.team_a.pk}") == [second.pk]
    assert ids(client, "team=none") == [w.ticket_a.pk]
    assert ids(client, "view=snoozed") == [w.ticket_a.pk]
    assert ids(client, "view=unassigned") == [second.pk]
    assert ids(client, "view=all&tag=vip&priority=urgent&status=new") == [second.pk]
    assert ids(client, "tag=nothing") == []
    for bad in ("priority=asap", "sla=late", "view=everything"):
        assert client.get(f"/api/v1/tickets/?{bad}").status_code == 400
    assert ids(api(w.agent_b), "view=all") == [w.ticket_b.pk]  # scoped


def test_the_list_reads_tags_in_one_query_for_all_rows(two_brands: TwoBrands) -> None:  # noqa: F811
    w = two_brands
    client = api(w.agent_a)
    for n in range(3):
        ticket = _conversation(w.brand_a, w.account_a, f"c{n}", "hi")[1]
        ticket_tags_change(ticket=ticket, add=[f"t{n}"], actor=w.agent_a)
    with CaptureQueriesContext(connection) as few:
        client.get("/api/v1/tickets/")
    for n in range(3, 8):
        ticket = _conversation(w.brand_a, w.account_a, f"c{n}", "hi")[1]
        ticket_tags_change(ticket=ticket, add=[f"t{n}"], actor=w.agent_a)
    with CaptureQueriesContext(connection) as many:
        client.get("/api/v1/tickets/")
    assert len(many) == len(few)


def test_patch_changes_through_the_actions(two_brands: TwoBrands) -> None:  # noqa: F811
    from inbox.actions.people import agent_create, team_create

    w = two_brands
    until = (timezone.now() + timedelta(hours=3)).replace(microsecond=0)
    client = api(w.agent_a)
    url = f"/api/v1/tickets/{w.ticket_a.pk}/"
    response = client.patch(url, {"tags": ["vip", "Refund"], "priority": "urgent", "snoozed_until": until.isoformat()},
                            format="json")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["tags"] == ["Refund", "vip"] and body["priority"] == "urgent"
    assert body["snoozed_until"].startswith(until.astimezone(UTC).strftime("%Y-%m-%dT%H:%M"))
    kinds = set(w.ticket_a.events.values_list("type", flat=True))
    assert {"tags_changed", "priority_changed", "snoozed"} <= kinds
    assert client.patch(url, {"tags": ["vip"], "snoozed_until": None}, format="json").json()["tags"] == ["vip"]
    w.ticket_a.refresh_from_db()
    assert w.ticket_a.snoozed_until is None and w.ticket_a.events.filter(type="unsnoozed").exists()
    # Team: an agent may not; a lead may, to a team answering for the brand.
    nights = team_create(name="Acme nights", brands=[w.brand_a], members=[])
    assert client.patch(url, {"team": nights.pk}, format="json").status_code == 400
    lead = agent_create(username="lea", password="pw-lea-123456", display_name="Lea", role="lead")
    w.team_a.members.add(lead)
    assert api(lead).patch(url, {"team": nights.pk}, format="json").json()["team"] == nights.pk
    assert api(lead).patch(url, {"team": w.team_b.pk}, format="json").status_code == 400
    assert client.patch(url, {"priority": "asap"}, format="json").status_code == 400
    assert client.patch(url, {"snoozed_until": "2001-01-01T00:00:00Z"}, format="json").status_code == 400


def test_patch_on_another_brands_ticket_is_404(two_brands: TwoBrands) -> None:  # noqa: F811
    w = two_brands
    response = api(w.agent_a).patch(f"/api/v1/tickets/{w.ticket_b.pk}/", {"priority": "urgent"}, format="json")
    assert response.status_code == 404
    w.ticket_b.refresh_from_db()
    assert w.ticket_b.priority == "normal" and not w.ticket_b.events.exists()
    assert api(w.agent_a).put(f"/api/v1/tickets/{w.ticket_a.pk}/", {}, format="json").status_code == 405
