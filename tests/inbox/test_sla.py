"""SLA clocks: policies (most specific wins), calendar and business hours (across closing
time, overnight, Prague's DST change), the pending pause, next response; the beat's checks
(a warning once, an escalation once). Time is passed in (`now`) rather than frozen."""
from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from inbox.actions.escalation import sla_check
from inbox.actions.people import agent_create
from inbox.actions.sla import ticket_sla_refresh
from inbox.actions.state import ticket_status_change
from inbox.actions.triage import ticket_priority_change
from inbox.enums import TicketEventType, TicketStatus
from inbox.models import SlaPolicy, Ticket, TicketEvent
from inbox.sla import policy_pick
from notifications.models import Notification
from shifts.models import BusinessHours, OpeningPeriod
from tests.scoping_support import TwoBrands, two_brands  # noqa: F401 (fixture)

pytestmark = pytest.mark.django_db
PRAGUE = ZoneInfo("Europe/Prague")


def at_prague(*args: int) -> datetime:
    return datetime(*args, tzinfo=PRAGUE)  # type: ignore[misc]


def waiting(ticket: Ticket, since: datetime, **fields: object) -> Ticket:
    Ticket.objects.filter(pk=ticket.pk).update(waiting_since=since, status=TicketStatus.OPEN, **fields)
    ticket = Ticket.objects.get(pk=ticket.pk)
    ticket_sla_refresh(ticket=ticket)
    return Ticket.objects.get(pk=ticket.pk)


def office_hours(brand: object, *, opens: time, closes: time, days: range = range(5)) -> None:
    hours = BusinessHours.objects.create(brand=brand, timezone="Europe/Prague")
    for day in days:
        OpeningPeriod.objects.create(hours=hours, weekday=day, opens=opens, closes=closes)


def test_default_targets_follow_the_channel(two_brands: TwoBrands) -> None:  # noqa: F811
    since = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
    ticket = waiting(two_brands.ticket_a, since)
    assert ticket.sla_due_at == since + timedelta(hours=1)  # X is social: 1 h
    assert ticket.first_response_due_at == ticket.sla_due_at
    assert ticket.sla_target == "first"


def test_most_specific_policy_wins(two_brands: TwoBrands) -> None:  # noqa: F811
    w = two_brands
    SlaPolicy.objects.create(first_response_minutes=90, next_response_minutes=90)
    SlaPolicy.objects.create(brand=w.brand_a, first_response_minutes=60, next_response_minutes=60)
    SlaPolicy.objects.create(brand=w.brand_a, platform="x", first_response_minutes=30, next_response_minutes=45)
    urgent = SlaPolicy.objects.create(
        brand=w.brand_a, platform="x", priority="urgent", first_response_minutes=10, next_response_minutes=20
    )
    SlaPolicy.objects.create(platform="x", priority="urgent", first_response_minutes=5, next_response_minutes=5)
    policies = list(SlaPolicy.objects.all())
    assert policy_pick(policies, brand_id=w.brand_a.pk, platform="x", priority="urgent") == urgent
    picked = policy_pick(policies, brand_id=w.brand_a.pk, platform="email", priority="urgent")
    assert picked is not None and picked.first_response_minutes == 60  # the brand beats the channel
    picked = policy_pick(policies, brand_id=w.brand_b.pk, platform="email", priority="low")
    assert picked is not None and picked.first_response_minutes == 90

    since = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
    ticket = waiting(w.ticket_a, since)
    assert ticket.sla_due_at == since + timedelta(minutes=30)
    ticket_priority_change(ticket=ticket, priority="urgent", actor=None)  # the targets follow
    assert Ticket.objects.get(pk=ticket.pk).sla_due_at == since + timedelta(minutes=10)


def test_business_hours_skip_the_night_and_the_weekend_across_dst(two_brands: TwoBrands) -> None:  # noqa: F811
    w = two_brands
    office_hours(w.brand_a, opens=time(9), closes=time(17))
    SlaPolicy.objects.create(brand=w.brand_a, first_response_minutes=60, next_response_minutes=60, business_hours=True)
    # Thursday 16:30: half an hour today, half tomorrow morning.
    ticket = waiting(w.ticket_a, at_prague(2026, 10, 22, 16, 30))
    assert ticket.sla_due_at == at_prague(2026, 10, 23, 9, 30)
    # Friday 16:30, before the clocks go back on Sunday 25 October: Monday 9:30 in winter time.
    ticket = waiting(w.ticket_a, at_prague(2026, 10, 23, 16, 30))
    assert ticket.sla_due_at == at_prague(2026, 10, 26, 9, 30)
    assert ticket.sla_due_at.astimezone(UTC) == datetime(2026, 10, 26, 8, 30, tzinfo=UTC)
    # Written on Saturday night: the clock starts when the team does.
    ticket = waiting(w.ticket_a, at_prague(2026, 10, 24, 23, 0))
    assert ticket.sla_due_at == at_prague(2026, 10, 26, 10, 0)


def test_overnight_shift_over_the_dst_night_counts_real_hours(two_brands: TwoBrands) -> None:  # noqa: F811
    w = two_brands
    office_hours(w.brand_a, opens=time(22), closes=time(6), days=range(7))
    SlaPolicy.objects.create(
        brand=w.brand_a, first_response_minutes=8 * 60, next_response_minutes=60, business_hours=True
    )
    # Saturday 22:00 to Sunday 06:00 is nine real hours that night (03:00 happens twice).
    ticket = waiting(w.ticket_a, at_prague(2026, 10, 24, 22, 0))
    assert ticket.sla_due_at == at_prague(2026, 10, 25, 5, 0)
    # The next night: 8 h from 05:30 = half an hour now, 7.5 h from Sunday 22:00.
    ticket = waiting(w.ticket_a, at_prague(2026, 10, 25, 5, 30))
    assert ticket.sla_due_at == at_prague(2026, 10, 26, 5, 30)


def test_pending_pauses_and_the_customer_starts_the_next_response_clock(two_brands: TwoBrands) -> None:  # noqa: F811
    w = two_brands
    SlaPolicy.objects.create(brand=w.brand_a, first_response_minutes=60, next_response_minutes=120)
    since = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
    ticket = waiting(w.ticket_a, since)
    # Answered and waiting for the customer: no clock runs.
    Ticket.objects.filter(pk=ticket.pk).update(first_response_at=since + timedelta(minutes=20), waiting_since=None)
    ticket = Ticket.objects.get(pk=ticket.pk)
    ticket_status_change(ticket=ticket, status=TicketStatus.PENDING, actor=None)
    ticket = Ticket.objects.get(pk=ticket.pk)
    assert (ticket.sla_due_at, ticket.sla_target, ticket.next_response_due_at) == (None, "", None)
    assert ticket.first_response_due_at == since + timedelta(hours=1)  # kept for the record
    # The customer writes the next day: the next-response clock starts then.
    again = since + timedelta(days=1)
    ticket = waiting(ticket, again)
    assert ticket.sla_target == "next"
    assert ticket.sla_due_at == ticket.next_response_due_at == again + timedelta(hours=2)


def test_beat_warns_once_and_escalates_once(two_brands: TwoBrands) -> None:  # noqa: F811
    w = two_brands
    lead = agent_create(username="lena", password="pw-lena-12345", display_name="Lena", role="lead")
    w.team_a.members.add(lead)
    since = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
    ticket = waiting(w.ticket_a, since, assignee=w.agent_a, team=w.team_a)
    due = since + timedelta(hours=1)

    assert sla_check(now=due - timedelta(minutes=20)).warned == []
    for minutes in (14, 10, 1):
        assert sla_check(now=due - timedelta(minutes=minutes)).warned == [ticket.pk]
    warnings = Notification.objects.filter(kind="sla_warning", ticket_id=ticket.pk)
    assert sorted(warnings.values_list("recipient__username", flat=True)) == ["jana", "lena"]

    first = sla_check(now=due + timedelta(seconds=5))
    second = sla_check(now=due + timedelta(seconds=35))
    assert (first.escalated, second.escalated) == ([ticket.pk], [])
    ticket = Ticket.objects.get(pk=ticket.pk)
    assert ticket.priority == "high"  # one step up from normal
    assert ticket.sla_breached_at == due + timedelta(seconds=5)
    types = list(TicketEvent.objects.filter(ticket=ticket).values_list("type", flat=True))
    assert types.count(TicketEventType.SLA_BREACHED) == 1
    assert types.count(TicketEventType.PRIORITY_CHANGED) == 1
    breach = Notification.objects.filter(kind="sla_breach", ticket_id=ticket.pk)
    assert list(breach.values_list("recipient__username", flat=True)) == ["lena"]

    # A reply ends the wait; the customer's next message starts a fresh clock that can
    # escalate again (high → urgent).
    Ticket.objects.filter(pk=ticket.pk).update(first_response_at=due + timedelta(minutes=1), waiting_since=None)
    ticket_sla_refresh(ticket=ticket)
    assert Ticket.objects.get(pk=ticket.pk).sla_breached_at is None
    later = due + timedelta(hours=3)
    ticket = waiting(ticket, later)
    assert sla_check(now=later + timedelta(hours=2)).escalated == [ticket.pk]
    assert Ticket.objects.get(pk=ticket.pk).priority == "urgent"


def test_filter_reads_the_stored_clock(two_brands: TwoBrands) -> None:  # noqa: F811
    from inbox.selectors import sla_filter

    now = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
    w = two_brands
    waiting(w.ticket_a, now - timedelta(minutes=50))  # due in 10 min
    waiting(w.ticket_b, now - timedelta(hours=2))  # overdue
    states = {
        state: set(Ticket.objects.filter(sla_filter(state, now=now)).values_list("pk", flat=True))
        for state in ("overdue", "due_soon", "on_track")
    }
    assert states == {"overdue": {w.ticket_b.pk}, "due_soon": {w.ticket_a.pk}, "on_track": set()}


def test_admin_adds_and_deletes_a_policy_on_the_settings_page(two_brands: TwoBrands) -> None:  # noqa: F811
    from django.test import Client

    client = Client()
    client.force_login(two_brands.admin)
    response = client.post("/settings/sla/new/", {
        "brand": two_brands.brand_a.pk, "platform": "x", "priority": "urgent",
        "first_response_minutes": "20", "next_response_minutes": "40", "business_hours": "on",
    })
    assert response.status_code == 302
    policy = SlaPolicy.objects.get()
    assert (policy.brand_id, policy.platform, policy.priority, policy.first_response_minutes,
            policy.next_response_minutes, policy.business_hours) == (two_brands.brand_a.pk, "x", "urgent", 20, 40, True)
    page = client.get("/settings/sla/").content.decode()
    assert "Acme" in page and "20 min" in page
    client.post(f"/settings/sla/{policy.pk}/delete/")
    assert not SlaPolicy.objects.exists()
