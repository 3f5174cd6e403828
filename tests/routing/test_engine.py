"""Routing decisions with the time passed in (`at`): the queue's order, skills, capacity,
round robin, the returning customer, never a third person, and giving work back when an
agent goes offline or their shift ends."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from unittest import mock

import pytest
from django.contrib.auth.models import User

from channels.models import Brand, BrandAccount
from inbox.actions.assignment import tickets_route
from inbox.actions.people import agent_create, team_create
from inbox.actions.tickets import ticket_assign, ticket_set_status
from inbox.enums import Direction, Sentiment, TicketEventType, TicketPriority, TicketStatus
from inbox.models import Customer, Message, Ticket
from routing.actions import availability_sweep, presence_heartbeat, presence_set, profile_update
from routing.engine import handoff_count, queue_route
from routing.models import PresenceStatus, RoutingProfile
from routing.presence import presence_at

AT = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


class World:
    def __init__(self) -> None:
        self.brand = Brand.objects.create(name="Acme")
        self.x = BrandAccount.objects.create(brand=self.brand, platform="x", handle="@AcmeCare")
        self.mail = BrandAccount.objects.create(brand=self.brand, platform="email", handle="care@acme.test")
        self.team = team_create(name="Acme care", brands=[self.brand], members=[])
        self.n = 0

    def agent(self, name: str, *, languages: tuple[str, ...] = (), platforms: tuple[str, ...] = (),
              capacity: int = 8, online: bool = True) -> User:
        user = agent_create(username=name, password=f"pw-{name}-12345", display_name=name.title())
        self.team.members.add(user)
        profile_update(user=user, languages=languages, platforms=platforms, brands=[], capacity=capacity)
        if online:
            presence_set(user=user, presence=PresenceStatus.ONLINE, at=AT)
        return user

    def ticket(self, *, minutes_ago: int = 0, language: str = "cs", account: Any = None, customer: Any = None,
               **fields: Any) -> Ticket:
        self.n += 1
        customer = customer or Customer.objects.create(brand=self.brand, name=f"customer {self.n}")
        when = AT - timedelta(minutes=minutes_ago)
        return Ticket.objects.create(
            brand=self.brand, account=account or self.x, customer=customer, status=TicketStatus.NEW,
            language=language, waiting_since=when, created_at=when, **fields,
        )


@pytest.fixture
def world(db: None) -> World:
    return World()


def assignee(ticket: Ticket) -> int | None:
    ticket.refresh_from_db()
    return ticket.assignee_id


def test_presence_from_choice_heartbeat_and_idleness(world: World) -> None:
    jana = world.agent("jana")
    profile = RoutingProfile.objects.get(user=jana)
    assert presence_at(profile=profile, at=AT) == PresenceStatus.ONLINE
    assert presence_at(profile=profile, at=AT + timedelta(minutes=5)) == PresenceStatus.OFFLINE  # no heartbeat
    presence_heartbeat(user=jana, idle_seconds=11 * 60, at=AT + timedelta(minutes=5))
    profile.refresh_from_db()
    assert presence_at(profile=profile, at=AT + timedelta(minutes=5)) == PresenceStatus.AWAY  # idle 11 min
    presence_heartbeat(user=jana, idle_seconds=3, at=AT + timedelta(minutes=6))
    profile.refresh_from_db()
    assert presence_at(profile=profile, at=AT + timedelta(minutes=6)) == PresenceStatus.ONLINE


def test_only_online_agents_on_shift_with_matching_skills_get_work(world: World) -> None:
    cs = world.agent("jana", languages=("cs",))
    pl = world.agent("pawel", languages=("pl",), platforms=("email",))
    world.agent("off", online=False)
    czech, polish_x = world.ticket(), world.ticket(language="pl")
    polish_mail = world.ticket(language="pl", account=world.mail)
    queue_route(at=AT)
    assert assignee(czech) == cs.pk
    assert assignee(polish_x) is None  # Polish on X: nobody has both skills; it waits
    assert assignee(polish_mail) == pl.pk
    # Off shift counts like offline.
    other = world.ticket(minutes_ago=1)
    with mock.patch("routing.engine.on_shift_user_ids", return_value=set()):
        queue_route(at=AT)
    assert assignee(other) is None


def test_the_queue_order_urgent_negative_and_overdue_first_then_oldest(
    world: World, django_capture_on_commit_callbacks: Any
) -> None:
    jana = world.agent("jana", capacity=4)
    oldest = world.ticket(minutes_ago=50)
    old = world.ticket(minutes_ago=40)
    world.ticket(minutes_ago=30)
    negative = world.ticket(minutes_ago=1, sentiment=Sentiment.NEGATIVE)
    urgent = world.ticket(minutes_ago=2, priority=TicketPriority.URGENT)
    overdue = world.ticket(minutes_ago=3, first_response_due_at=AT - timedelta(minutes=1))
    routed = queue_route(at=AT)
    # Capacity 4: the three that jump the queue, then the longest waiting.
    assert set(routed.assigned) == {overdue.pk, urgent.pk, negative.pk, oldest.pk}
    assert routed.decisions == 6 and routed.waiting == 2
    # Solving one frees room: the next oldest is given at once (the receiver routes the queue).
    with mock.patch("routing.engine.timezone.now", return_value=AT), django_capture_on_commit_callbacks(execute=True):
        ticket_set_status(ticket=negative, status=TicketStatus.SOLVED, actor=jana)
    assert assignee(old) == jana.pk


def test_least_loaded_then_round_robin(world: World) -> None:
    a, b = world.agent("anna"), world.agent("bara")
    tickets = [world.ticket(minutes_ago=10 - i) for i in range(4)]
    queue_route(at=AT)
    got = [assignee(t) for t in tickets]
    assert sorted(got) == sorted([a.pk, a.pk, b.pk, b.pk])  # two each
    busy = world.ticket(minutes_ago=20)
    ticket_assign(ticket=busy, assignee=a, actor=None)  # anna has one more now
    new = world.ticket()
    queue_route(at=AT + timedelta(minutes=1))
    assert assignee(new) == b.pk


def test_capacity_is_never_exceeded(world: World) -> None:
    a, b = world.agent("anna", capacity=2), world.agent("bara", capacity=1)
    tickets = [world.ticket(minutes_ago=i) for i in range(6)]
    routed = queue_route(at=AT)
    assert len(routed.assigned) == 3
    assert Ticket.objects.filter(assignee=a).count() == 2 and Ticket.objects.filter(assignee=b).count() == 1
    assert sum(assignee(t) is None for t in tickets) == 3
    assert queue_route(at=AT).assigned == {}  # idempotent: full agents get nothing more
    # Each routed ticket: open now, with its ASSIGNED (by Hovor: no actor) and status events.
    given = Ticket.objects.filter(assignee=a).first()
    assert given is not None and given.status == TicketStatus.OPEN
    logged = list(given.events.values_list("type", "actor_id", "payload__assignee_name"))
    assert (TicketEventType.ASSIGNED, None, "Anna") in logged
    assert any(kind == TicketEventType.STATUS_CHANGED for kind, _, _ in logged)


def test_a_returning_customer_goes_back_to_who_helped_last(world: World) -> None:
    a, b = world.agent("anna"), world.agent("bara")
    customer = Customer.objects.create(brand=world.brand, name="returning")
    earlier = world.ticket(minutes_ago=600, customer=customer)
    ticket_assign(ticket=earlier, assignee=b, actor=None)
    ticket_set_status(ticket=earlier, status=TicketStatus.SOLVED, actor=b)
    world.ticket(minutes_ago=5)  # someone else's, older: goes to anna (bara's last was just now)
    again = world.ticket(minutes_ago=1, customer=customer)
    RoutingProfile.objects.filter(user=b).update(last_assigned_at=AT)
    queue_route(at=AT)
    assert assignee(again) == b.pk
    # Not available (offline): anyone with the skills.
    customer2 = Customer.objects.create(brand=world.brand, name="second")
    earlier2 = world.ticket(minutes_ago=700, customer=customer2)
    ticket_assign(ticket=earlier2, assignee=b, actor=None)
    presence_set(user=b, presence=PresenceStatus.OFFLINE, at=AT)
    again2 = world.ticket(minutes_ago=1, customer=customer2)
    queue_route(at=AT)
    assert assignee(again2) == a.pk


def test_never_a_third_person_and_a_lead_may_override(world: World) -> None:
    a, b, c = world.agent("anna"), world.agent("bara"), world.agent("cyril")
    lead = agent_create(username="lead", password="pw-lead-12345", display_name="Lead", role="lead")
    ticket = world.ticket()
    ticket_assign(ticket=ticket, assignee=a, actor=None)
    ticket_assign(ticket=ticket, assignee=b, actor=None)
    ticket_assign(ticket=ticket, assignee=None, actor=None)
    assert handoff_count(ticket_id=ticket.pk) == 2
    presence_set(user=a, presence=PresenceStatus.OFFLINE, at=AT)
    presence_set(user=b, presence=PresenceStatus.OFFLINE, at=AT)
    queue_route(at=AT)
    assert assignee(ticket) is None  # cyril is free, but he would be the third: a lead decides
    ticket_assign(ticket=ticket, assignee=c, actor=lead)
    assert assignee(ticket) == c.pk
    # One of the two is back: it may go back to them.
    other = world.ticket()
    ticket_assign(ticket=other, assignee=a, actor=None)
    ticket_assign(ticket=other, assignee=c, actor=None)
    ticket_assign(ticket=other, assignee=None, actor=None)
    presence_set(user=a, presence=PresenceStatus.ONLINE, at=AT)
    queue_route(at=AT)
    assert assignee(other) in {a.pk, c.pk}


def test_going_offline_gives_back_untouched_conversations_answered_ones_stay(world: World) -> None:
    a = world.agent("anna")
    untouched, answered = world.ticket(minutes_ago=2), world.ticket(minutes_ago=1)
    availability_sweep(at=AT)
    assert assignee(untouched) == a.pk and assignee(answered) == a.pk
    Message.objects.create(ticket=answered, account=world.x, direction=Direction.OUT, text="Hi", author_user=a)
    b = world.agent("bara", online=False)
    presence_set(user=a, presence=PresenceStatus.OFFLINE, at=AT + timedelta(minutes=1))
    presence_set(user=b, presence=PresenceStatus.ONLINE, at=AT + timedelta(minutes=1))
    availability_sweep(at=AT + timedelta(minutes=1))
    assert assignee(untouched) == b.pk
    assert assignee(answered) == a.pk
    assert availability_sweep(at=AT + timedelta(minutes=1)).assigned == {}  # idempotent


def test_shift_end_and_lost_heartbeat_give_work_back(world: World) -> None:
    a, b = world.agent("anna"), world.agent("bara", online=False)
    ticket = world.ticket()
    availability_sweep(at=AT)
    assert assignee(ticket) == a.pk
    presence_set(user=b, presence=PresenceStatus.ONLINE, at=AT + timedelta(seconds=20))
    presence_heartbeat(user=a, idle_seconds=0, at=AT + timedelta(seconds=20))
    with mock.patch("routing.engine.on_shift_user_ids", side_effect=lambda user_ids, at: set(user_ids) - {a.pk}):
        availability_sweep(at=AT + timedelta(seconds=30))
    assert assignee(ticket) == b.pk
    # Bara's tab vanished (no heartbeat for minutes): offline; anna is on shift again.
    presence_heartbeat(user=a, idle_seconds=0, at=AT + timedelta(minutes=5))
    availability_sweep(at=AT + timedelta(minutes=5))
    assert assignee(ticket) == a.pk


def test_the_inbox_seam_routes_through_the_routing_app(world: World) -> None:
    a = world.agent("anna")
    ticket = world.ticket()
    with mock.patch("routing.engine.timezone.now", return_value=AT):
        routed = tickets_route(ticket_ids=[ticket.pk])
    assert [(t.pk, t.assignee_id) for t in routed] == [(ticket.pk, a.pk)]


def test_the_skills_page_admins_and_leads_edit_their_people_an_agent_sees_their_own(world: World) -> None:
    from django.test import Client

    jana = world.agent("jana", languages=("cs",))
    outsider = agent_create(username="out", password="pw-out-12345", display_name="Outsider")
    lead = agent_create(username="lead", password="pw-lead-12345", display_name="Lead", role="lead")
    world.team.members.add(lead)
    client = Client()
    client.force_login(lead)
    page = client.get("/routing/skills/").content.decode()
    assert "Jana" in page and "Outsider" not in page
    response = client.post(f"/routing/skills/{jana.pk}/", {
        "languages": "cs, pl", "platforms": ["email"], "brands": [str(world.brand.pk)], "capacity": "3",
    })
    assert response.status_code == 302
    profile = RoutingProfile.objects.get(user=jana)
    assert (profile.languages, profile.platforms, profile.capacity) == (["cs", "pl"], ["email"], 3)
    assert list(profile.brands.all()) == [world.brand]
    assert client.post(f"/routing/skills/{outsider.pk}/", {"capacity": "1"}).status_code == 404
    client.force_login(jana)  # an agent: their own, read only
    page = client.get("/routing/skills/").content.decode()
    assert "Jana" in page and "Lead" not in page.split("<main")[1] and 'name="capacity"' not in page
    assert client.post(f"/routing/skills/{jana.pk}/", {"capacity": "50"}).status_code == 404
    # The top bar's presence control.
    assert client.post("/routing/presence/", {"presence": "away"}).status_code == 200
    assert RoutingProfile.objects.get(user=jana).presence == PresenceStatus.AWAY
    assert client.post("/routing/presence/heartbeat/", {"idle": "12"}).status_code == 204
    assert client.post("/routing/presence/", {"presence": "asleep"}).status_code == 400
