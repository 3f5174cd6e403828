"""The public reply-time figure: no login, no customer data, the visitor's language, and the
same figure as the report's median first reply for the last hours."""
from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.test import Client
from django.utils import timezone

from channels.models import Brand, BrandAccount
from inbox.actions.people import agent_create
from inbox.enums import Direction
from inbox.models import Customer, Message, Ticket
from reports.metrics import figures
from reports.public import WINDOW, rounded
from reports.selectors import ReportScope, conversations_in


@pytest.fixture
def brand(db: None) -> Brand:
    cache.clear()
    brand = Brand.objects.create(name="Acme")
    account = BrandAccount.objects.create(brand=brand, platform="x", handle="@AcmeCare")
    agent = agent_create(username="a", password="pw-agent-12345", display_name="Agent")
    now = timezone.now()
    for i, wait in enumerate((4, 9, 13, 30)):
        opened = now - timedelta(hours=1, minutes=i)
        customer = Customer.objects.create(brand=brand, name=f"Secret Name {i}")
        ticket = Ticket.objects.create(brand=brand, account=account, customer=customer, created_at=opened)
        Message.objects.create(ticket=ticket, account=account, direction=Direction.IN, text="private!", sent_at=opened)
        Message.objects.create(
            ticket=ticket, account=account, direction=Direction.OUT, text="hi", author_user=agent,
            sent_at=opened + timedelta(minutes=wait),
        )
    return brand


def test_rounding() -> None:
    assert [rounded(s) for s in (10, 300, 301, 3600, 3601, 7300)] == [5, 5, 10, 60, 120, 180]


def test_json_needs_no_login_and_matches_the_report(brand: Brand) -> None:
    body = Client().get(f"/reports/public/{brand.pk}/reply-time.json").json()
    now = timezone.now()
    report = figures(conversations_in(ReportScope([brand.pk], now - WINDOW, now)))
    assert report.first_reply_median == 11 * 60  # median of 4, 9, 13, 30 min
    assert body["median_seconds"] == report.first_reply_median
    assert body["reply_within_minutes"] == 15 and body["text"] == "We reply within ~15 min"
    raw = str(body)
    assert "Secret" not in raw and "private" not in raw
    assert Client().get("/reports/public/999999/reply-time.json").status_code == 404


WIDGET_TEXTS = [
    ("cs", "Odpovídáme do ~15 min"), ("bg", "Отговаряме до ~15 мин"),
    ("pl", "Odpowiadamy w ciągu ~15 min"), ("en", "We reply within ~15 min"),
]


@pytest.mark.parametrize(("accept", "expected"), WIDGET_TEXTS)
def test_widget_speaks_the_visitors_language(brand: Brand, accept: str, expected: str) -> None:
    page = Client().get(f"/reports/public/{brand.pk}/widget/", HTTP_ACCEPT_LANGUAGE=accept)
    assert page.status_code == 200
    assert expected in page.content.decode()
    assert "Secret" not in page.content.decode()
    assert "X-Frame-Options" not in page and "frame-ancestors" not in page.get("Content-Security-Policy", "")
