"""Triage through the agent's pages: the conversation's priority, tags, snooze and team
forms, the bulk bar, saved views, the filters kept in the URL, and Settings → Tags."""
from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from inbox.models import SavedView, Tag, Ticket
from tests.scoping_support import TwoBrands, _conversation, two_brands  # noqa: F401 (fixture)

pytestmark = pytest.mark.django_db


@pytest.fixture
def jana(two_brands: TwoBrands) -> Client:  # noqa: F811
    client = Client()
    client.force_login(two_brands.agent_a)
    return client


def test_conversation_page_changes_priority_tags_and_snooze(jana: Client, two_brands: TwoBrands) -> None:  # noqa: F811
    t = two_brands.ticket_a
    page = jana.get(f"/tickets/{t.pk}/").content.decode()
    assert 'id="triage-bar"' in page and 'id="tag-input"' in page and 'id="snooze-menu"' in page
    assert 'src="/static/hovor/keyboard.js"' in page and 'id="shortcuts"' in page
    back = f"/tickets/{t.pk}/?view=all"
    assert jana.post(f"/tickets/{t.pk}/priority/", {"priority": "high", "next": back})["Location"] == back
    jana.post(f"/tickets/{t.pk}/tags/", {"add": "Refund"})
    jana.post(f"/tickets/{t.pk}/snooze/", {"choice": "tomorrow", "tz": "Europe/Prague"})
    t.refresh_from_db()
    assert t.priority == "high" and list(t.tags.values_list("name", flat=True)) == ["Refund"]
    assert t.snoozed_until is not None and t.snoozed_until > timezone.now()
    page = jana.get(f"/tickets/{t.pk}/").content.decode()
    assert "Priority: Normal → High" in page and "Tags: +Refund" in page and "Snoozed until" in page
    assert 'id="unsnooze"' in page
    jana.post(f"/tickets/{t.pk}/unsnooze/")
    jana.post(f"/tickets/{t.pk}/tags/", {"remove": "refund"})
    t.refresh_from_db()
    assert t.snoozed_until is None and not t.tags.exists()
    assert jana.post("/tickets/bulk/", {"next": "https://evil.example/"}).status_code == 302
    assert jana.post(f"/tickets/{t.pk}/priority/", {"priority": "x", "next": "https://evil.example/"})[
        "Location"] == f"/tickets/{t.pk}/"


def test_the_timeline_speaks_czech(jana: Client, two_brands: TwoBrands) -> None:  # noqa: F811
    t = two_brands.ticket_a
    jana.post(f"/tickets/{t.pk}/priority/", {"priority": "urgent"})
    jana.post(f"/tickets/{t.pk}/snooze/", {"choice": "hour"})
    page = jana.get(f"/tickets/{t.pk}/", HTTP_ACCEPT_LANGUAGE="cs").content.decode()
    assert "Priorita: Normální → Naléhavá" in page and "Odloženo do" in page


def test_an_agent_may_not_move_the_team_but_a_lead_may(jana: Client, two_brands: TwoBrands) -> None:  # noqa: F811
    from inbox.actions.people import agent_create, team_create

    w = two_brands
    nights = team_create(name="Acme nights", brands=[w.brand_a], members=[])
    jana.post(f"/tickets/{w.ticket_a.pk}/team/", {"team": nights.pk})
    w.ticket_a.refresh_from_db()
    assert w.ticket_a.team_id != nights.pk
    assert 'id="team"' not in jana.get(f"/tickets/{w.ticket_a.pk}/").content.decode()
    lead = agent_create(username="lea", password="pw-lea-123456", display_name="Lea", role="lead")
    w.team_a.members.add(lead)
    client = Client()
    client.force_login(lead)
    assert 'id="team"' in client.get(f"/tickets/{w.ticket_a.pk}/").content.decode()
    client.post(f"/tickets/{w.ticket_a.pk}/team/", {"team": nights.pk})
    w.ticket_a.refresh_from_db()
    assert w.ticket_a.team_id == nights.pk
    assert client.post(f"/tickets/{w.ticket_a.pk}/team/", {"team": w.team_b.pk}).status_code == 302  # refused
    w.ticket_a.refresh_from_db()
    assert w.ticket_a.team_id == nights.pk


def test_bulk_bar_changes_each_selected_row(jana: Client, two_brands: TwoBrands) -> None:  # noqa: F811
    w = two_brands
    second = _conversation(w.brand_a, w.account_a, "anna", "Second")[1]
    ids = [w.ticket_a.pk, second.pk]
    page = jana.get("/").content.decode()
    assert 'id="bulk-form"' in page and f'name="tickets" value="{second.pk}" form="bulk-form"' in page
    for data in ({"action": "assign", "assignee": "me"}, {"action": "priority", "priority": "urgent"},
                 {"action": "tag", "tag": "wave"}, {"action": "snooze", "snooze": "hour", "tz": "Europe/Prague"}):
        response = jana.post("/tickets/bulk/", {"tickets": ids, "next": "/?view=all", **data})
        assert response.status_code == 302 and response["Location"] == "/?view=all"
    for ticket in Ticket.objects.filter(pk__in=ids):
        assert ticket.assignee_id == w.agent_a.pk and ticket.priority == "urgent"
        assert ticket.snoozed_until is not None and list(ticket.tags.values_list("name", flat=True)) == ["wave"]
        assert ticket.events.filter(type="snoozed").count() == 1
    jana.post("/tickets/bulk/", {"tickets": ids, "action": "status", "status": "solved"})
    assert set(Ticket.objects.filter(pk__in=ids).values_list("status", flat=True)) == {"solved"}


def test_filters_and_saved_views_in_the_inbox(jana: Client, two_brands: TwoBrands) -> None:  # noqa: F811
    w = two_brands
    second = _conversation(w.brand_a, w.account_a, "anna", "Second")[1]
    jana.post(f"/tickets/{second.pk}/priority/", {"priority": "urgent"})
    jana.post(f"/tickets/{second.pk}/tags/", {"add": "vip"})
    html = jana.get("/?view=all&priority=urgent&tag=vip").content.decode()
    assert "anna" in html and "alice" not in html
    assert 'hx-get="/inbox/list/?view=all&amp;tag=vip&amp;priority=urgent"' in html
    assert '<option value="urgent" selected>' in html and '<option value="vip" selected>' in html
    assert jana.get("/?view=all&priority=&tag=vip&sla=")["Location"] == "/?view=all&tag=vip"
    response = jana.post("/views/saved/", {"name": "VIP urgent", "view": "all", "query": "tag=vip&priority=urgent",
                                           "team": w.team_a.pk})
    assert response["Location"] == "/?view=all&tag=vip&priority=urgent"
    saved = SavedView.objects.get()
    assert saved.owner == w.agent_a and saved.team == w.team_a
    html = jana.get("/?view=all&tag=vip&priority=urgent").content.decode()
    assert "VIP urgent" in html and 'class="active"' in html
    assert f'/views/saved/{saved.pk}/delete/' in html
    html = jana.get("/inbox/list/?view=snoozed").content.decode()
    assert "VIP urgent" in html  # the polled nav keeps them
    jana.post(f"/views/saved/{saved.pk}/delete/")
    assert not SavedView.objects.exists()


def test_the_tag_list_for_admins(two_brands: TwoBrands) -> None:  # noqa: F811
    w = two_brands
    admin = Client()
    admin.force_login(w.admin)
    admin.post("/settings/tags/new/", {"name": "Refnd"})
    tag = Tag.objects.get()
    page = admin.get("/settings/tags/").content.decode()
    assert "Refnd" in page and f"/settings/tags/{tag.pk}/delete/" in page
    admin.post(f"/settings/tags/{tag.pk}/", {"name": "Refund"})
    tag.refresh_from_db()
    assert tag.name == "Refund"
    admin.post(f"/settings/tags/{tag.pk}/delete/")
    assert not Tag.objects.exists()
    agent = Client()
    agent.force_login(w.agent_a)
    assert agent.get("/settings/tags/").status_code == 404


def test_snoozed_rows_leave_the_working_views(jana: Client, two_brands: TwoBrands) -> None:  # noqa: F811
    w = two_brands
    jana.post(f"/tickets/{w.ticket_a.pk}/snooze/", {"choice": "custom", "custom": (
        timezone.localtime() + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M"), "tz": "UTC"})
    assert "alice" not in jana.get("/?view=waiting").content.decode()
    assert "alice" in jana.get("/?view=snoozed").content.decode()
    # The nav shows the count of each view.
    assert '<span>Snoozed</span><span class="count">1</span>' in jana.get("/").content.decode()


def test_row_chips(jana: Client, two_brands: TwoBrands) -> None:  # noqa: F811
    t: Any = two_brands.ticket_a
    jana.post(f"/tickets/{t.pk}/tags/", {"add": "late"})
    jana.post(f"/tickets/{t.pk}/priority/", {"priority": "high"})
    html = jana.get("/?view=all").content.decode()
    assert '<span class="chip">late</span>' in html and 'badge priority-high' in html
