"""The CSAT section: figures per agent, channel and brand for a generated period, checked
against a calculation written here on the raw survey rows (not calling reports.metrics);
the page and its CSV are scoped to the lead's brands; the ticket API and the customer
panel show a conversation's rating, read-only."""
from __future__ import annotations

import csv
import io
import random
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.test import Client

from channels.models import Brand, BrandAccount
from inbox.actions.people import agent_create, team_create
from inbox.enums import TicketStatus
from inbox.models import CsatSurvey, Customer, Ticket

pytestmark = pytest.mark.django_db
START = datetime(2026, 3, 2, tzinfo=UTC)
END = START + timedelta(days=7)


def _world(seed: int = 11) -> dict[str, Any]:
    rnd = random.Random(seed)
    acme = Brand.objects.create(name="Acme")
    other = Brand.objects.create(name="Globex")
    accounts = [
        BrandAccount.objects.create(brand=acme, platform="x", handle="@AcmeCare"),
        BrandAccount.objects.create(brand=acme, platform="telegram", handle="@acme_bot"),
        BrandAccount.objects.create(brand=acme, platform="email", handle="care@acme.test"),
    ]
    foreign = BrandAccount.objects.create(brand=other, platform="x", handle="@Globex")
    agents = [agent_create(username=f"a{i}", password="pw-agent-12345", display_name=f"Agent {i}") for i in range(3)]
    lead = agent_create(username="lead", password="pw-lead-12345", display_name="Lída", role="lead")
    team_create(name="Acme care", brands=[acme], members=[lead, *agents])
    outsider = agent_create(username="out", password="pw-out-12345", display_name="Out")
    team_create(name="Globex care", brands=[other], members=[outsider])
    for i in range(150):
        account = foreign if i % 9 == 8 else rnd.choice(accounts)
        asked = START + timedelta(minutes=rnd.randrange(-2 * 24 * 60, 9 * 24 * 60))
        customer = Customer.objects.create(brand=account.brand, name=f"c{i}")
        ticket = Ticket.objects.create(
            brand=account.brand, account=account, customer=customer, created_at=asked - timedelta(hours=2),
            status=TicketStatus.SOLVED,
        )
        rating = rnd.choice([None, None, 1, 2, 3, 4, 4, 5, 5, 5])
        invited = rating == 5 and rnd.random() < 0.6
        CsatSurvey.objects.create(
            ticket=ticket, brand=account.brand, customer=customer, platform=account.platform,
            agent=outsider if account is foreign else rnd.choice(agents), language="en", asked_at=asked,
            rating=rating, answered_at=asked + timedelta(minutes=5) if rating else None,
            review_invited_at=asked + timedelta(minutes=6) if invited else None,
            review_accepted_at=asked + timedelta(minutes=9) if invited and rnd.random() < 0.5 else None,
        )
    # Opened but never sent (the broker was away): not asked, not counted.
    ticket = Ticket.objects.create(brand=acme, account=accounts[0], customer=customer, status=TicketStatus.SOLVED)
    CsatSurvey.objects.create(ticket=ticket, brand=acme, customer=customer, platform="x", agent=agents[0])
    return {"acme": acme, "lead": lead, "agents": agents, "outsider": outsider}


def _expected(brand: Brand) -> dict[tuple[str, str], list[str]]:
    """(grouping, key) -> the CSV's cells, straight from the rows."""
    groups: dict[tuple[str, str], list[CsatSurvey]] = defaultdict(list)
    for s in CsatSurvey.objects.filter(brand=brand, asked_at__gte=START, asked_at__lt=END).select_related(
        "agent__agent_profile"
    ):
        groups[("all", "")].append(s)
        groups[("agent", s.agent.agent_profile.display_name)].append(s)
        groups[("channel", s.platform)].append(s)
        groups[("brand", brand.name)].append(s)
    out = {}
    for key, rows in groups.items():
        ratings = [s.rating for s in rows if s.rating is not None]
        out[key] = [
            str(len(rows)), str(len(ratings)), f"{100 * len(ratings) / len(rows):.1f}",
            f"{sum(ratings) / len(ratings):.2f}", f"{100 * len([r for r in ratings if r >= 4]) / len(ratings):.1f}",
            str(sum(1 for s in rows if s.review_invited_at)), str(sum(1 for s in rows if s.review_accepted_at)),
        ]
    return out


def test_the_csv_matches_a_calculation_on_the_survey_rows() -> None:
    world = _world()
    client = Client()
    client.force_login(world["lead"])
    response = client.get("/reports/export/csat.csv", {"start": "2026-03-02", "end": "2026-03-08"})
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0] == [
        "grouping", "key", "asked", "answered", "response_rate_pct", "average_rating", "rated_4_or_5_pct",
        "review_invited", "review_accepted",
    ]
    got = {(r[0], r[1]): r[2:] for r in rows[1:]}
    want = _expected(world["acme"])
    assert got == want
    assert int(want[("all", "")][0]) > 60 and int(want[("all", "")][5]) > 0  # a real sample, invitations in it
    assert {k for k in got if k[0] == "channel"} == {("channel", "x"), ("channel", "telegram"), ("channel", "email")}
    assert ("agent", "Out") not in got and ("brand", "Globex") not in got  # the lead's brands only


def test_the_page_shows_the_section_scoped_and_filtered() -> None:
    world = _world()
    client = Client()
    client.force_login(world["lead"])
    body = client.get("/reports/", {"start": "2026-03-02", "end": "2026-03-08"}).content.decode()
    assert 'id="report-csat"' in body and "Agent 1" in body and "Globex" not in body
    want = _expected(world["acme"])
    assert f"<td>{want[('all', '')][3]}</td>" in body
    # The channel filter narrows the section like every other table.
    params = {"start": "2026-03-02", "end": "2026-03-08", "channel": "telegram"}
    only_tg = client.get("/reports/export/csat.csv", params)
    rows = list(csv.reader(io.StringIO(only_tg.content.decode())))
    assert {r[1] for r in rows[1:] if r[0] == "channel"} == {"telegram"}
    assert rows[1][2] == want[("channel", "telegram")][0]
    client.force_login(world["agents"][0])
    assert client.get("/reports/export/csat.csv").status_code == 404


def test_the_ticket_api_shows_the_rating_read_only() -> None:
    from rest_framework.test import APIClient

    world = _world()
    survey = CsatSurvey.objects.filter(brand=world["acme"], rating__gte=2).select_related("ticket").first()
    assert survey is not None
    client = APIClient()
    client.force_authenticate(world["agents"][0])
    body = client.get(f"/api/v1/tickets/{survey.ticket_id}/").json()
    assert body["csat"]["rating"] == survey.rating and body["csat"]["asked_at"]
    client.patch(f"/api/v1/tickets/{survey.ticket_id}/", {"csat": {"rating": 1}}, format="json")
    survey.refresh_from_db()
    assert survey.rating >= 2  # read-only: the PATCH changed nothing
    account = BrandAccount.objects.get(platform="email")
    unasked = Ticket.objects.create(brand=world["acme"], account=account, customer=survey.customer)
    assert client.get(f"/api/v1/tickets/{unasked.pk}/").json()["csat"] is None
