"""The report's figures for a generated period, checked against a calculation written here
on the raw Message and TicketEvent rows (not calling reports.metrics), and the page's scoping:
leads see their teams' brands, admins all, agents nothing."""
from __future__ import annotations

import csv
import io
import math
import random
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.test import Client

from channels.models import Brand, BrandAccount
from inbox.actions.people import agent_create, team_create
from inbox.enums import Direction, TicketEventType, TicketStatus
from inbox.models import Customer, Message, Ticket, TicketEvent
from reports.metrics import figures
from reports.selectors import ReportScope, conversations_in

START = datetime(2026, 3, 2, tzinfo=UTC)
END = START + timedelta(days=7)


def _world(seed: int = 7) -> dict[str, Any]:
    rnd = random.Random(seed)
    acme = Brand.objects.create(name="Acme")
    other = Brand.objects.create(name="Globex")
    accounts = [
        BrandAccount.objects.create(brand=acme, platform="x", handle="@AcmeCare"),
        BrandAccount.objects.create(brand=acme, platform="email", handle="care@acme.test"),
    ]
    foreign = BrandAccount.objects.create(brand=other, platform="x", handle="@Globex")
    agents = [agent_create(username=f"a{i}", password="pw-agent-12345", display_name=f"Agent {i}") for i in range(4)]
    lead = agent_create(username="lead", password="pw-lead-12345", display_name="Lída", role="lead")
    team_create(name="Acme care", brands=[acme], members=[lead, *agents])
    outsider = agent_create(username="out", password="pw-out-12345", display_name="Out")
    team_create(name="Globex care", brands=[other], members=[outsider])
    for i in range(120):
        account = foreign if i % 10 == 9 else rnd.choice(accounts)
        opened = START + timedelta(minutes=rnd.randrange(-3 * 24 * 60, 8 * 24 * 60))
        customer = Customer.objects.create(brand=account.brand, name=f"c{i}")
        ticket = Ticket.objects.create(
            brand=account.brand, account=account, customer=customer, created_at=opened, status=TicketStatus.OPEN
        )
        clock = opened
        automated = "auto-reply" if i % 17 == 0 else None
        for _turn in range(rnd.randint(1, 4)):
            Message.objects.create(
                ticket=ticket, account=account, direction=Direction.IN, text="?", sent_at=clock, automated=automated
            )
            clock += timedelta(seconds=rnd.randrange(10, 6 * 3600))
            if rnd.random() < 0.15:
                break  # no reply to this one
            who = rnd.choice(agents)
            if rnd.random() < 0.7:
                TicketEvent.objects.create(
                    ticket=ticket, type=TicketEventType.ASSIGNED, created_at=clock - timedelta(seconds=5),
                    payload={"assignee_id": who.pk},
                )
            Message.objects.create(
                ticket=ticket, account=account, direction=Direction.OUT, text="!", sent_at=clock, author_user=who
            )
            if rnd.random() < 0.1:  # an automatic out message: no person
                Message.objects.create(
                    ticket=ticket, account=account, direction=Direction.OUT, text="bot", sent_at=clock
                )
            clock += timedelta(seconds=rnd.randrange(60, 3600))
        if rnd.random() < 0.5:
            TicketEvent.objects.create(
                ticket=ticket, type=TicketEventType.STATUS_CHANGED, created_at=clock,
                payload={"old": "open", "new": "solved"},
            )
    return {"acme": acme, "lead": lead, "agent": agents[0], "outsider": outsider}


def _median(xs: list[float]) -> float | None:
    xs = sorted(xs)
    if not xs:
        return None
    mid = len(xs) // 2
    return xs[mid] if len(xs) % 2 else (xs[mid - 1] + xs[mid]) / 2


def _expected(brand: Brand) -> dict[str, Any]:
    """Straight from the rows, one ticket at a time."""
    first, nexts, resolutions = [], [], []
    inbound = within_hour = within_target = two = 0
    for ticket in Ticket.objects.filter(brand=brand, created_at__gte=START, created_at__lt=END):
        msgs = list(ticket.messages.order_by("sent_at", "pk"))
        ins = [m for m in msgs if m.direction == Direction.IN and m.automated is None]
        if not ins:
            continue
        inbound += 1
        t0 = ins[0].sent_at
        human_out = [m for m in msgs if m.direction == Direction.OUT and m.author_user_id is not None]
        if human_out:
            s = (human_out[0].sent_at - t0).total_seconds()
            first.append(s)
            within_hour += s <= 3600
            within_target += s <= (3600 if ticket.account.platform == "x" else 24 * 3600)
        # next replies: a customer's message after a reply, until the next human reply
        replied, waiting = False, None
        for m in msgs:
            if m.direction == Direction.IN and m.automated is None and waiting is None and replied:
                waiting = m.sent_at
            if m.direction == Direction.OUT and m.author_user_id is not None:
                if replied and waiting is not None:
                    nexts.append((m.sent_at - waiting).total_seconds())
                replied, waiting = True, None
        people = {m.author_user_id for m in human_out}
        people |= {
            e.payload["assignee_id"] for e in ticket.events.filter(type=TicketEventType.ASSIGNED)
        }
        two += len(people) <= 2
        solved = ticket.events.filter(type=TicketEventType.STATUS_CHANGED, payload__new="solved").order_by("created_at")
        if solved:
            resolutions.append((solved[0].created_at - t0).total_seconds())
    ordered = sorted(first)
    return {
        "conversations": inbound, "answered": len(first), "answer_rate": 100 * len(first) / inbound,
        "first_reply_median": _median(first), "first_reply_p90": ordered[math.ceil(0.9 * len(ordered)) - 1],
        "within_hour": 100 * within_hour / inbound, "within_target": 100 * within_target / inbound,
        "next_reply_median": _median(nexts), "resolution_median": _median(resolutions),
        "at_most_two_people": 100 * two / inbound,
    }


@pytest.mark.django_db
def test_figures_match_a_calculation_on_the_raw_rows() -> None:
    world = _world()
    got = figures(conversations_in(ReportScope([world["acme"].pk], START, END)))
    want = _expected(world["acme"])
    assert want["next_reply_median"] and want["resolution_median"]
    assert want["conversations"] > 40 and want["answered"] < want["conversations"]
    for name, value in want.items():
        assert getattr(got, name) == pytest.approx(value), name


@pytest.mark.django_db
def test_the_page_is_for_leads_and_admins_scoped_to_their_brands() -> None:
    world = _world()
    client = Client()
    client.force_login(world["lead"])
    page = client.get("/reports/", {"start": "2026-03-02", "end": "2026-03-08"})
    assert page.status_code == 200
    body = page.content.decode()
    assert "Acme" in body and "Globex" not in body
    other = Brand.objects.get(name="Globex")
    assert client.get("/reports/", {"brand": other.pk}).status_code == 404
    client.force_login(world["agent"])
    assert client.get("/reports/").status_code == 404
    assert client.get("/reports/export/summary.csv").status_code == 404


@pytest.mark.django_db
def test_csv_export_of_every_table() -> None:
    world = _world()
    client = Client()
    client.force_login(world["lead"])
    want = _expected(world["acme"])
    for table in ("summary", "channel", "brand", "team", "agent", "unanswered"):
        response = client.get(f"/reports/export/{table}.csv", {"start": "2026-03-02", "end": "2026-03-08"})
        assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
        rows = list(csv.reader(io.StringIO(response.content.decode())))
        assert len(rows) >= 2, table
        if table == "summary":
            assert rows[1][0] == "current" and int(rows[1][3]) == want["conversations"]
            assert float(rows[1][5]) == pytest.approx(want["answer_rate"], abs=0.05)
        if table == "unanswered":
            assert all("Globex" not in ",".join(r) for r in rows)


@pytest.mark.django_db
def test_staffing_page_shows_the_heatmap_and_advice() -> None:
    from django.test import override_settings

    world = _world()
    client = Client()
    client.force_login(world["lead"])
    with override_settings(TIME_ZONE="UTC"):
        params = {"start": "2026-03-02", "end": "2026-03-08", "share": "80", "minutes": "60"}
        page = client.get("/reports/staffing/", params)
        assert page.status_code == 200
        grid = page.context["table"]
    # Independent count: inbound (non-automated) conversations of Acme by weekday and hour.
    want = [[0] * 24 for _ in range(7)]
    for ticket in Ticket.objects.filter(brand=world["acme"], created_at__gte=START, created_at__lt=END):
        first = ticket.messages.filter(direction=Direction.IN, automated__isnull=True).order_by("sent_at").first()
        if first:
            want[first.sent_at.weekday()][first.sent_at.hour] += 1
    assert [[count for count, _heat, _need in cells] for _day, cells in grid] == want
    needs = [need for _day, cells in grid for count, _heat, need in cells if count]
    assert needs and all(n >= 1 for n in needs)
    assert b"staffing-advice" in page.content
    client.force_login(world["agent"])
    assert client.get("/reports/staffing/").status_code == 404


@pytest.mark.django_db
def test_mood_counts_customers_messages_by_sentiment() -> None:
    world = _world()
    msgs = Message.objects.filter(ticket__brand=world["acme"], direction=Direction.IN, automated__isnull=True)
    msgs.filter(pk__in=list(msgs.values_list("pk", flat=True)[:9])).update(sentiment="negative")
    client = Client()
    client.force_login(world["lead"])
    response = client.get("/reports/export/mood.csv", {"start": "2026-02-01", "end": "2026-03-31"})
    rows = list(csv.reader(io.StringIO(response.content.decode())))[1:]
    assert sum(int(r[3]) for r in rows) == 9
    assert {r[0] for r in rows} == {"Acme"}
