"""Triage actions: each change writes its TicketEvent, stays inside the actor's brands, and
bulk changes give every ticket its own event."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.utils import timezone

from inbox.actions.people import agent_create, team_create
from inbox.actions.triage import (
    OutOfScope,
    TriageError,
    saved_view_create,
    saved_view_delete,
    snooze_time,
    tag_delete,
    tag_rename,
    ticket_priority_change,
    ticket_snooze,
    ticket_tags_change,
    ticket_tags_set,
    ticket_team_change,
    ticket_unsnooze,
    tickets_bulk_apply,
    tickets_wake_due,
)
from inbox.enums import TicketStatus
from inbox.models import SavedView, Tag, Ticket
from tests.scoping_support import TwoBrands, two_brands  # noqa: F401 (fixture)

pytestmark = pytest.mark.django_db


def events(ticket: Ticket, kind: str) -> list[dict[str, Any]]:
    return list(ticket.events.filter(type=kind).values_list("payload", flat=True))


def test_priority_change_writes_its_event_once(two_brands: TwoBrands) -> None:  # noqa: F811
    w = two_brands
    assert w.ticket_a.priority == "normal"
    assert ticket_priority_change(ticket=w.ticket_a, priority="urgent", actor=w.agent_a)
    assert not ticket_priority_change(ticket=w.ticket_a, priority="urgent", actor=w.agent_a)
    w.ticket_a.refresh_from_db()
    assert w.ticket_a.priority == "urgent"
    assert events(w.ticket_a, "priority_changed") == [{"old": "normal", "new": "urgent"}]
    assert w.ticket_a.events.get(type="priority_changed").actor == w.agent_a
    with pytest.raises(TriageError):
        ticket_priority_change(ticket=w.ticket_a, priority="asap", actor=w.agent_a)


def test_every_action_refuses_another_brands_ticket(two_brands: TwoBrands) -> None:  # noqa: F811
    w = two_brands
    later = timezone.now() + timedelta(hours=1)
    attempts = [
        lambda: ticket_priority_change(ticket=w.ticket_b, priority="high", actor=w.agent_a),
        lambda: ticket_tags_change(ticket=w.ticket_b, add=["x"], actor=w.agent_a),
        lambda: ticket_snooze(ticket=w.ticket_b, until=later, actor=w.agent_a),
        lambda: ticket_unsnooze(ticket=w.ticket_b, actor=w.agent_a),
        lambda: ticket_team_change(ticket=w.ticket_b, team=w.team_a, actor=w.agent_a),
    ]
    for attempt in attempts:
        with pytest.raises(TriageError):
            attempt()
    with pytest.raises(OutOfScope):
        ticket_priority_change(ticket=w.ticket_b, priority="high", actor=w.agent_a)
    w.ticket_b.refresh_from_db()
    assert w.ticket_b.priority == "normal" and w.ticket_b.snoozed_until is None
    assert not w.ticket_b.events.exists() and not w.ticket_b.tags.exists()


def test_tags_typed_new_or_picked_case_insensitively(two_brands: TwoBrands) -> None:  # noqa: F811
    w = two_brands
    Tag.objects.create(name="Refund")
    assert ticket_tags_change(ticket=w.ticket_a, add=["refund", "  Late   delivery "], actor=w.agent_a)
    assert sorted(w.ticket_a.tags.values_list("name", flat=True)) == ["Late delivery", "Refund"]
    assert Tag.objects.count() == 2  # "refund" is the existing Refund
    assert not ticket_tags_change(ticket=w.ticket_a, add=["REFUND"], actor=w.agent_a)
    assert ticket_tags_change(ticket=w.ticket_a, remove=["late delivery"], actor=w.agent_a)
    assert events(w.ticket_a, "tags_changed") == [
        {"added": ["Refund", "Late delivery"], "removed": []},
        {"added": [], "removed": ["Late delivery"]},
    ]
    assert ticket_tags_set(ticket=w.ticket_a, names=["vip"], actor=w.agent_a)
    assert list(w.ticket_a.tags.values_list("name", flat=True)) == ["vip"]
    with pytest.raises(TriageError):
        ticket_tags_change(ticket=w.ticket_a, add=["   "], actor=w.agent_a)


def test_snooze_leaves_and_wakes_with_events(two_brands: TwoBrands) -> None:  # noqa: F811
    w = two_brands
    until = timezone.now() + timedelta(hours=2)
    assert ticket_snooze(ticket=w.ticket_a, until=until, actor=w.agent_a)
    w.ticket_a.refresh_from_db()
    assert w.ticket_a.snoozed_until == until and w.ticket_a.woke_at is None
    assert events(w.ticket_a, "snoozed")[0]["until"].startswith(until.astimezone(UTC).isoformat()[:19])
    assert tickets_wake_due() == []  # not yet
    assert tickets_wake_due(now=until + timedelta(seconds=1)) == [w.ticket_a.pk]
    assert tickets_wake_due(now=until + timedelta(seconds=2)) == []  # idempotent
    w.ticket_a.refresh_from_db()
    assert w.ticket_a.snoozed_until is None and w.ticket_a.woke_at is not None
    assert events(w.ticket_a, "unsnoozed") == [{"reason": "time"}]
    assert w.ticket_a.events.get(type="unsnoozed").actor is None


def test_snooze_refusals(two_brands: TwoBrands) -> None:  # noqa: F811
    w = two_brands
    with pytest.raises(TriageError):
        ticket_snooze(ticket=w.ticket_a, until=timezone.now() - timedelta(minutes=1), actor=w.agent_a)
    with pytest.raises(TriageError):
        ticket_snooze(ticket=w.ticket_a, until=timezone.now() + timedelta(days=400), actor=w.agent_a)
    Ticket.objects.filter(pk=w.ticket_a.pk).update(status=TicketStatus.SOLVED)
    with pytest.raises(TriageError):
        ticket_snooze(ticket=w.ticket_a, until=timezone.now() + timedelta(hours=1), actor=w.agent_a)
    assert not w.ticket_a.events.exists()


def test_unsnooze_by_hand_and_answering_ends_the_head_of_queue(two_brands: TwoBrands) -> None:  # noqa: F811
    from inbox.actions.tickets import ticket_set_status

    w = two_brands
    assert not ticket_unsnooze(ticket=w.ticket_a, actor=w.agent_a)  # not snoozed: nothing
    ticket_snooze(ticket=w.ticket_a, until=timezone.now() + timedelta(hours=1), actor=w.agent_a)
    assert ticket_unsnooze(ticket=w.ticket_a, actor=w.agent_a)
    assert events(w.ticket_a, "unsnoozed") == [{"reason": "agent"}]
    w.ticket_a.refresh_from_db()
    assert w.ticket_a.woke_at is not None
    ticket_set_status(ticket=w.ticket_a, status=TicketStatus.PENDING, actor=w.agent_a)
    w.ticket_a.refresh_from_db()
    assert w.ticket_a.woke_at is None


def test_team_change_by_leads_and_admins_to_a_team_of_the_brand(two_brands: TwoBrands) -> None:  # noqa: F811
    w = two_brands
    with pytest.raises(TriageError):  # an agent may not
        ticket_team_change(ticket=w.ticket_a, team=w.team_a, actor=w.agent_a)
    with pytest.raises(TriageError):  # Globex care does not answer for Acme
        ticket_team_change(ticket=w.ticket_a, team=w.team_b, actor=w.admin)
    from django.contrib.auth.models import User

    created = agent_create(username="lea", password="pw-lea-123456", display_name="Lea", role="lead")
    lead = User.objects.get(pk=created.pk)  # the role as stored (agent_create's instance caches the old profile)
    w.team_a.members.add(lead)
    second = team_create(name="Acme nights", brands=[w.brand_a], members=[])
    assert ticket_team_change(ticket=w.ticket_a, team=second, actor=lead)
    w.ticket_a.refresh_from_db()
    assert w.ticket_a.team_id == second.pk
    payload = events(w.ticket_a, "team_changed")[0]
    assert payload["new_name"] == "Acme nights" and payload["new_id"] == second.pk


def test_bulk_applies_one_change_to_each_with_its_own_event(two_brands: TwoBrands) -> None:  # noqa: F811
    from tests.scoping_support import _conversation

    w = two_brands
    _, second, _ = _conversation(w.brand_a, w.account_a, "anna", "Second Acme question")
    result = tickets_bulk_apply(actor=w.agent_a, ticket_ids=[w.ticket_a.pk, second.pk], action="priority", value="high")
    assert sorted(result.changed) == sorted([w.ticket_a.pk, second.pk])
    for kind, value in (("tag", "wave"), ("assign", w.agent_a), ("status", "solved")):
        tickets_bulk_apply(actor=w.agent_a, ticket_ids=[w.ticket_a.pk, second.pk], action=kind, value=value)
    for ticket in (w.ticket_a, second):
        ticket.refresh_from_db()
        assert (ticket.priority, ticket.assignee_id, ticket.status) == ("high", w.agent_a.pk, "solved")
        assert list(ticket.tags.values_list("name", flat=True)) == ["wave"]
        kinds = list(ticket.events.values_list("type", flat=True))
        assert kinds.count("priority_changed") == 1 and kinds.count("tags_changed") == 1
        assert kinds.count("assigned") == 1 and "status_changed" in kinds
    # A solved ticket does not snooze: refused, the others go on.
    _, third, _ = _conversation(w.brand_a, w.account_a, "otto", "Third")
    later = timezone.now() + timedelta(hours=1)
    result = tickets_bulk_apply(actor=w.agent_a, ticket_ids=[w.ticket_a.pk, third.pk], action="snooze", value=later)
    assert result.changed == [third.pk] and [pk for pk, _ in result.refused] == [w.ticket_a.pk]


def test_bulk_refuses_the_whole_selection_if_one_is_out_of_scope(two_brands: TwoBrands) -> None:  # noqa: F811
    w = two_brands
    with pytest.raises(OutOfScope):
        tickets_bulk_apply(actor=w.agent_a, ticket_ids=[w.ticket_a.pk, w.ticket_b.pk], action="priority", value="low")
    assert not w.ticket_a.events.exists() and not w.ticket_b.events.exists()
    with pytest.raises(TriageError):
        tickets_bulk_apply(actor=w.agent_a, ticket_ids=[], action="priority", value="low")
    with pytest.raises(TriageError):
        tickets_bulk_apply(actor=w.agent_a, ticket_ids=[w.ticket_a.pk], action="explode", value=None)
    # An agent who cannot see the brand is not given its tickets.
    result = tickets_bulk_apply(actor=w.admin, ticket_ids=[w.ticket_a.pk], action="assign", value=w.agent_b)
    assert result.changed == [] and len(result.refused) == 1


def test_customer_message_wakes_a_snoozed_ticket(fake_x: Any, x_account: Any, agent: Any) -> None:
    from tests.support import make_ticket

    ticket, tweet = make_ticket(fake_x, x_account, "@jnovakova", "Jana Nováková", "Dobrý den")
    ticket_snooze(ticket=ticket, until=timezone.now() + timedelta(days=1), actor=agent)
    make_ticket(fake_x, x_account, "@jnovakova", "Jana Nováková", "Haló, jste tam?")
    ticket.refresh_from_db()
    assert ticket.snoozed_until is None and ticket.woke_at is not None
    assert events(ticket, "unsnoozed") == [{"reason": "customer"}]


def test_a_new_ticket_goes_to_the_lowest_team_covering_its_brand(fake_x: Any, x_account: Any, agent: Any) -> None:
    from inbox.models import Team
    from tests.support import make_ticket

    later = team_create(name="Zulu", brands=[x_account.brand], members=[])
    ticket, _ = make_ticket(fake_x, x_account, "@piotr", "Piotr", "Gdzie jest paczka?")
    first = Team.objects.filter(brands=x_account.brand).order_by("id").first()
    assert first is not None and first.pk < later.pk and ticket.team_id == first.pk


def test_snooze_quick_choices_in_the_agents_time_zone() -> None:
    now = datetime(2026, 12, 2, 22, 30, tzinfo=UTC)  # a Wednesday; 23:30 in Prague
    assert snooze_time(choice="hour", tz="Europe/Prague", now=now) == now + timedelta(hours=1)
    tomorrow = snooze_time(choice="tomorrow", tz="Europe/Prague", now=now)
    assert tomorrow == datetime(2026, 12, 3, 8, 0, tzinfo=UTC)  # 9:00 in Prague
    assert snooze_time(choice="tomorrow", tz="Asia/Tokyo", now=now) == datetime(2026, 12, 4, 0, 0, tzinfo=UTC)
    assert snooze_time(choice="next_week", tz="Europe/Prague", now=now) == datetime(2026, 12, 7, 8, 0, tzinfo=UTC)
    custom = snooze_time(choice="custom", tz="Europe/Prague", custom="2026-12-24T18:00", now=now)
    assert custom == datetime(2026, 12, 24, 17, 0, tzinfo=UTC)
    assert snooze_time(choice="tomorrow", tz="Not/AZone", now=now).hour == 9  # falls back to UTC
    with pytest.raises(TriageError):
        snooze_time(choice="custom", custom="soon", now=now)
    with pytest.raises(TriageError):
        snooze_time(choice="someday", now=now)


def test_tag_list_rename_and_delete(two_brands: TwoBrands) -> None:  # noqa: F811
    w = two_brands
    ticket_tags_change(ticket=w.ticket_a, add=["refnd", "vip"], actor=w.agent_a)
    refnd = Tag.objects.get(name="refnd")
    tag_rename(tag=refnd, name="Refund")
    assert sorted(w.ticket_a.tags.values_list("name", flat=True)) == ["Refund", "vip"]
    with pytest.raises(TriageError):
        tag_rename(tag=refnd, name="VIP")
    tag_delete(tag=Tag.objects.get(name="vip"))
    assert list(w.ticket_a.tags.values_list("name", flat=True)) == ["Refund"]


def test_saved_views_own_or_shared_with_ones_team(two_brands: TwoBrands) -> None:  # noqa: F811
    w = two_brands
    mine = saved_view_create(owner=w.agent_a, name="Urgent", view="all", query="priority=urgent")
    odd = saved_view_create(owner=w.agent_a, name="Odd", view="all", query="sla=overdue&x=<script>&priority=high")
    assert odd.query == "priority=high&sla=overdue"  # only the inbox's filters, re-encoded
    odd.delete()
    shared = saved_view_create(owner=w.agent_a, name="Team", view="unassigned", query="", team=w.team_a)
    assert shared.team == w.team_a
    with pytest.raises(OutOfScope):  # not one of my teams
        saved_view_create(owner=w.agent_a, name="Theirs", view="all", query="", team=w.team_b)
    with pytest.raises(TriageError):
        saved_view_create(owner=w.agent_a, name="  ", view="all", query="")
    with pytest.raises(OutOfScope):  # only the owner deletes
        saved_view_delete(owner=w.agent_b, saved_view_id=mine.pk)
    saved_view_delete(owner=w.agent_a, saved_view_id=mine.pk)
    assert list(SavedView.objects.values_list("name", flat=True)) == ["Team"]
