"""The inbox's views (Mine, Unassigned, My teams, All, Snoozed, Solved …), the tag,
priority and first-response filters, their counts, and saved views."""
from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from inbox.actions.tickets import ticket_assign
from inbox.actions.triage import (
    saved_view_create,
    ticket_priority_change,
    ticket_snooze,
    ticket_tags_change,
    tickets_wake_due,
)
from inbox.enums import TicketStatus
from inbox.models import Ticket
from inbox.selectors import (
    COUNT_CAP,
    InboxFilters,
    inbox_counts,
    inbox_filter_choices,
    inbox_for_agent,
    inbox_page,
    saved_view_counts,
    saved_views_for,
)
from tests.scoping_support import TwoBrands, _conversation, two_brands  # noqa: F401 (fixture)

pytestmark = pytest.mark.django_db


@pytest.fixture
def queue(two_brands: TwoBrands) -> dict[str, Any]:  # noqa: F811
    """Brand A: five conversations waiting since 50, 40, 30, 20 and 10 minutes ago."""
    w = two_brands
    now = timezone.now()
    tickets = {"alice": w.ticket_a}
    for name in ("bea", "cyril", "dana", "emil"):
        tickets[name] = _conversation(w.brand_a, w.account_a, name, f"{name} asks")[1]
    for minutes, ticket in zip((50, 40, 30, 20, 10), tickets.values(), strict=True):
        Ticket.objects.filter(pk=ticket.pk).update(waiting_since=now - timedelta(minutes=minutes), team=w.team_a)
    return {"w": w, "t": {k: Ticket.objects.get(pk=v.pk) for k, v in tickets.items()}}


def names(agent: Any, view: str, **filters: Any) -> list[str]:
    rows = inbox_page(agent=agent, view=view, filters=InboxFilters(**filters) if filters else None,
                      cursor=None, size=200).rows
    return [t.customer.name for t in rows]


def test_each_view(queue: dict[str, Any]) -> None:
    w, t = queue["w"], queue["t"]
    agent = w.agent_a
    Ticket.objects.filter(pk=t["bea"].pk).update(assignee=agent, status=TicketStatus.OPEN)
    Ticket.objects.filter(pk=t["emil"].pk).update(status=TicketStatus.SOLVED, waiting_since=None)
    Ticket.objects.filter(pk=t["dana"].pk).update(team=None)
    ticket_snooze(ticket=t["cyril"], until=timezone.now() + timedelta(hours=1), actor=agent)

    assert names(agent, "waiting") == ["alice", "bea", "dana"]  # oldest waiting first
    assert names(agent, "mine") == ["bea"]
    assert names(agent, "unassigned") == ["alice", "dana"]
    assert names(agent, "teams") == ["alice", "bea"]
    assert names(agent, "snoozed") == ["cyril"]
    assert names(agent, "solved") == ["emil"]
    assert sorted(names(agent, "all")) == ["alice", "bea", "cyril", "dana", "emil"]  # scoped: no bob
    assert "bob" not in names(w.agent_a, "all") and names(w.agent_b, "all") == ["bob"]
    counts = inbox_counts(agent=agent)
    assert {k: counts[k] for k in ("waiting", "mine", "unassigned", "teams", "snoozed", "solved", "all")} == {
        "waiting": 3, "mine": 1, "unassigned": 2, "teams": 2, "snoozed": 1, "solved": 1, "all": 5,
    }


def test_a_woken_ticket_comes_back_at_the_top(queue: dict[str, Any]) -> None:
    w, t = queue["w"], queue["t"]
    until = timezone.now() + timedelta(minutes=5)
    ticket_snooze(ticket=t["emil"], until=until, actor=w.agent_a)  # the newest
    assert names(w.agent_a, "unassigned") == ["alice", "bea", "cyril", "dana"]
    tickets_wake_due(now=until + timedelta(seconds=1))
    assert names(w.agent_a, "unassigned") == ["emil", "alice", "bea", "cyril", "dana"]
    assert names(w.agent_a, "snoozed") == []
    # The view's own order is left as it was (its index and paging apply); answering ends it.
    assert [t.customer.name for t in inbox_for_agent(agent=w.agent_a, view="unassigned")][-1] == "emil"
    from inbox.actions.state import ticket_status_change

    ticket_status_change(ticket=Ticket.objects.get(pk=t["emil"].pk), status="pending", actor=w.agent_a)
    assert names(w.agent_a, "unassigned") == ["alice", "bea", "cyril", "dana", "emil"]


def test_a_passed_snooze_is_back_before_the_sweep_runs(queue: dict[str, Any]) -> None:
    w, t = queue["w"], queue["t"]
    Ticket.objects.filter(pk=t["alice"].pk).update(snoozed_until=timezone.now() - timedelta(seconds=1))
    assert "alice" in names(w.agent_a, "waiting") and names(w.agent_a, "snoozed") == []


def test_tag_priority_and_sla_filters_combine(queue: dict[str, Any]) -> None:
    w, t = queue["w"], queue["t"]
    now = timezone.now()
    ticket_tags_change(ticket=t["alice"], add=["refund"], actor=w.agent_a)
    ticket_tags_change(ticket=t["bea"], add=["Refund", "vip"], actor=w.agent_a)
    ticket_priority_change(ticket=t["bea"], priority="urgent", actor=w.agent_a)
    # The filter reads the running clock (sla_due_at, kept by inbox.actions.sla).
    Ticket.objects.filter(pk=t["alice"].pk).update(sla_due_at=now - timedelta(minutes=1))
    Ticket.objects.filter(pk=t["bea"].pk).update(sla_due_at=now + timedelta(minutes=10))
    Ticket.objects.filter(pk=t["cyril"].pk).update(sla_due_at=now + timedelta(minutes=50))
    Ticket.objects.filter(pk=t["dana"].pk).update(  # answered: no clock runs
        first_response_due_at=now - timedelta(minutes=5), first_response_at=now - timedelta(minutes=20), sla_due_at=None
    )
    agent = w.agent_a
    assert sorted(names(agent, "all", tag="refund")) == ["alice", "bea"]
    assert names(agent, "waiting", tag="REFUND") == ["alice", "bea"]
    assert names(agent, "waiting", priority="urgent") == ["bea"]
    assert names(agent, "waiting", sla="overdue") == ["alice"]  # dana was answered
    assert names(agent, "waiting", sla="due_soon") == ["bea"]  # cyril is due in 50 min
    assert names(agent, "waiting", tag="refund", priority="urgent", sla="due_soon") == ["bea"]
    assert names(agent, "waiting", tag="vip", sla="overdue") == []


def test_filters_from_the_url_are_checked(queue: dict[str, Any]) -> None:
    w, t = queue["w"], queue["t"]
    ticket_tags_change(ticket=t["alice"], add=["Refund"], actor=w.agent_a)
    choices = inbox_filter_choices(agent=w.agent_a)
    parsed = InboxFilters.from_query({"tag": "refund", "priority": "urgent", "sla": "overdue"}, choices=choices)
    assert (parsed.tag, parsed.priority, parsed.sla) == ("Refund", "urgent", "overdue")
    assert parsed.as_query() == {"tag": "Refund", "priority": "urgent", "sla": "overdue"}
    junk = InboxFilters.from_query({"tag": "nope", "priority": "asap", "sla": "late"}, choices=choices)
    assert (junk.tag, junk.priority, junk.sla) == ("", "", "")


def test_counts_are_capped_and_cost_one_query_per_view(queue: dict[str, Any]) -> None:
    w = queue["w"]
    with CaptureQueriesContext(connection) as queries:
        counts = inbox_counts(agent=w.agent_a)
    ticket_counts = [q["sql"] for q in queries.captured_queries if "COUNT(" in q["sql"].upper()]
    assert len(ticket_counts) == len(counts)  # one each, nothing per row
    assert all("LIMIT" in sql.upper() for sql in ticket_counts)
    assert len(queries) == len(counts) + 1  # and the agent's brands, for the cache key
    assert COUNT_CAP >= 999


def test_counts_are_kept_until_something_in_the_agents_brands_changes(
    queue: dict[str, Any], django_capture_on_commit_callbacks: Any
) -> None:
    w, t = queue["w"], queue["t"]
    first = inbox_counts(agent=w.agent_a)
    with CaptureQueriesContext(connection) as again:
        assert inbox_counts(agent=w.agent_a) == first
    assert not any("COUNT(" in q["sql"].upper() for q in again.captured_queries)  # from the cache
    with django_capture_on_commit_callbacks(execute=True):
        ticket_assign(ticket=t["alice"], assignee=w.agent_a, actor=w.agent_a)  # bumps the brand's version
    changed = inbox_counts(agent=w.agent_a)
    assert changed["mine"] == first["mine"] + 1


def test_saved_views_and_their_counts(queue: dict[str, Any]) -> None:
    w, t = queue["w"], queue["t"]
    ticket_priority_change(ticket=t["dana"], priority="high", actor=w.agent_a)
    mine = saved_view_create(owner=w.agent_a, name="High", view="waiting", query="priority=high")
    shared = saved_view_create(owner=w.agent_a, name="Team queue", view="unassigned", query="", team=w.team_a)
    from inbox.actions.people import agent_create

    colleague = agent_create(username="karel", password="pw-karel-12345", display_name="Karel")
    w.team_a.members.add(colleague)
    assert [v.name for v in saved_views_for(agent=w.agent_a)] == ["High", "Team queue"]
    assert [v.name for v in saved_views_for(agent=colleague)] == ["Team queue"]  # shared only
    assert list(saved_views_for(agent=w.agent_b)) == []
    counts = saved_view_counts(agent=w.agent_a, saved=[mine, shared], choices=inbox_filter_choices(agent=w.agent_a))
    assert counts == {mine.pk: 1, shared.pk: 5}
