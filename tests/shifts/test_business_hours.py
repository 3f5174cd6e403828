"""Staffed hours: when a brand's team is at work (time zones, past midnight, all day,
daylight saving), and how the poller slows down outside those hours."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.utils import timezone

from channels.inbound import due_polling_accounts
from channels.models import Brand, BrandAccount
from channels.services import brand_account_connect
from shifts.actions import InvalidHours, business_hours_clear, business_hours_set
from shifts.models import BusinessHours
from shifts.selectors import Period, hours_for_brand, is_staffed, next_staffed_at, off_hours_brand_ids
from tests.support import X_CREDENTIALS

pytestmark = pytest.mark.django_db

WEEKDAYS_8_TO_17 = [Period(day, time(8), time(17)) for day in range(5)]


def prague(brand: Brand, periods: list[Period]) -> BusinessHours:
    business_hours_set(brand=brand, timezone="Europe/Prague", periods=periods)
    hours = hours_for_brand(brand.pk)
    assert hours is not None
    return hours


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)


def test_weekday_office_hours_in_the_brands_own_time_zone(brand: Brand) -> None:
    hours = prague(brand, WEEKDAYS_8_TO_17)
    # Tuesday 24 Nov 2026: Prague is UTC+1 in winter.
    assert not is_staffed(hours, at("2026-11-24T06:59:00+00:00"))  # 07:59 in Prague
    assert is_staffed(hours, at("2026-11-24T07:00:00+00:00"))  # 08:00
    assert is_staffed(hours, at("2026-11-24T15:59:59+00:00"))  # 16:59:59
    assert not is_staffed(hours, at("2026-11-24T16:00:00+00:00"))  # 17:00 closes
    assert not is_staffed(hours, at("2026-11-28T10:00:00+00:00"))  # Saturday


def test_summer_time_moves_the_hours_with_the_clock(brand: Brand) -> None:
    hours = prague(brand, WEEKDAYS_8_TO_17)
    # Wednesday 1 July 2026: Prague is UTC+2, so 08:00 there is 06:00 UTC.
    assert is_staffed(hours, at("2026-07-01T06:00:00+00:00"))
    assert not is_staffed(hours, at("2026-07-01T15:30:00+00:00"))  # 17:30 in Prague


def test_a_night_shift_runs_past_midnight_into_the_next_day(brand: Brand) -> None:
    hours = prague(brand, [Period(4, time(22), time(6))])  # Friday 22:00 → Saturday 06:00
    assert is_staffed(hours, at("2026-11-27T21:30:00+00:00"))  # Friday 22:30
    assert is_staffed(hours, at("2026-11-28T04:59:00+00:00"))  # Saturday 05:59
    assert not is_staffed(hours, at("2026-11-28T05:00:00+00:00"))  # Saturday 06:00
    assert not is_staffed(hours, at("2026-11-26T21:30:00+00:00"))  # Thursday night: no shift


def test_equal_times_mean_the_whole_day(brand: Brand) -> None:
    hours = prague(brand, [Period(6, time(0), time(0))])  # Sunday, all day
    assert is_staffed(hours, at("2026-11-28T23:00:00+00:00"))  # Sunday 00:00 in Prague
    assert is_staffed(hours, at("2026-11-29T22:59:00+00:00"))  # Sunday 23:59
    assert not is_staffed(hours, at("2026-11-29T23:00:00+00:00"))  # Monday 00:00


def test_next_staffed_time_for_the_chat_and_the_hours_page(brand: Brand) -> None:
    hours = prague(brand, WEEKDAYS_8_TO_17)
    friday_evening = at("2026-11-27T18:00:00+00:00")
    nxt = next_staffed_at(hours, friday_evening)
    assert nxt is not None and nxt.isoformat() == "2026-11-30T08:00:00+01:00"  # Monday 08:00 Prague
    tuesday_noon = at("2026-11-24T11:00:00+00:00")
    assert next_staffed_at(hours, tuesday_noon) == tuesday_noon
    assert next_staffed_at(None, tuesday_noon) == tuesday_noon
    never = prague(brand, [])
    assert next_staffed_at(never, tuesday_noon) is None
    assert not is_staffed(never, tuesday_noon)


def test_a_brand_without_hours_is_always_staffed(brand: Brand) -> None:
    assert hours_for_brand(brand.pk) is None
    assert is_staffed(None, at("2026-11-29T03:00:00+00:00"))
    assert brand.pk not in off_hours_brand_ids(at("2026-11-29T03:00:00+00:00"))


def test_unknown_time_zone_is_refused_and_nothing_changes(brand: Brand) -> None:
    prague(brand, WEEKDAYS_8_TO_17)
    with pytest.raises(InvalidHours):
        business_hours_set(brand=brand, timezone="Mars/Olympus", periods=[])
    hours = hours_for_brand(brand.pk)
    assert hours is not None and hours.timezone == "Europe/Prague" and hours.periods.count() == 5


def test_saving_again_replaces_the_week(brand: Brand) -> None:
    prague(brand, WEEKDAYS_8_TO_17)
    hours = prague(brand, [Period(5, time(9), time(13))])
    assert [str(p) for p in hours.periods.all()] == ["Saturday 09:00–13:00"]
    business_hours_clear(brand=brand)
    assert hours_for_brand(brand.pk) is None


# --- the poller ---------------------------------------------------------------------------
def _account(brand: Brand, handle: str) -> BrandAccount:
    return brand_account_connect(
        brand=brand, platform="x", handle=handle, base_url="http://127.0.0.1:9", credentials=dict(X_CREDENTIALS)
    )


def test_off_hours_accounts_are_polled_every_few_minutes_staffed_ones_every_tick(settings: Any) -> None:
    settings.HOVOR_POLL_INTERVAL_OFF_HOURS = 300
    staffed = Brand.objects.create(name="Staffed")
    closed = Brand.objects.create(name="Closed tonight")
    always = Brand.objects.create(name="No hours set")
    business_hours_set(brand=staffed, timezone="UTC", periods=[Period(d, time(0), time(0)) for d in range(7)])
    business_hours_set(brand=closed, timezone="UTC", periods=[])
    a_staffed, a_closed, a_always = _account(staffed, "@a"), _account(closed, "@b"), _account(always, "@c")

    just_polled = timezone.now() - timedelta(seconds=20)
    BrandAccount.objects.update(last_polled_at=just_polled)
    assert set(due_polling_accounts()) == {a_staffed.pk, a_always.pk}

    BrandAccount.objects.filter(pk=a_closed.pk).update(last_polled_at=timezone.now() - timedelta(seconds=301))
    assert set(due_polling_accounts()) == {a_staffed.pk, a_closed.pk, a_always.pk}

    BrandAccount.objects.filter(pk=a_closed.pk).update(last_polled_at=None)  # never polled yet: now
    assert a_closed.pk in due_polling_accounts()


# --- the page -------------------------------------------------------------------------------
@pytest.fixture
def lead_client(client: Client) -> Client:
    client.force_login(User.objects.create_user("lead", password="pw-lead-123", is_staff=True))
    return client


def test_lead_sets_hours_on_the_page(lead_client: Client, brand: Brand) -> None:
    page = lead_client.get("/settings/hours/").content.decode()
    assert brand.name in page and "always staffed" in page

    form = {
        "timezone": "Europe/Warsaw",
        "open-0": "1",
        "opens-0": "08:00",
        "closes-0": "16:30",
        "open-5": "1",
        "opens-5": "22:00",
        "closes-5": "06:00",
        "opens-1": "09:00",
        "closes-1": "17:00",
    }
    response = lead_client.post(f"/settings/hours/{brand.pk}/", form)
    assert response.status_code == 302
    hours = hours_for_brand(brand.pk)
    assert hours is not None and hours.timezone == "Europe/Warsaw"
    assert [str(p) for p in hours.periods.all()] == ["Monday 08:00–16:30", "Saturday 22:00–06:00"]

    bad = lead_client.post(f"/settings/hours/{brand.pk}/", {**form, "timezone": "Nowhere/Town"}, follow=True)
    assert "Unknown time zone" in bad.content.decode()
    assert hours_for_brand(brand.pk).timezone == "Europe/Warsaw"  # type: ignore[union-attr]

    lead_client.post(f"/settings/hours/{brand.pk}/", {"action": "always"})
    assert hours_for_brand(brand.pk) is None


def test_hours_page_is_for_staff_only(client: Client, agent: Any, brand: Brand) -> None:
    client.force_login(agent)
    assert client.get("/settings/hours/").status_code == 404
    assert client.post(f"/settings/hours/{brand.pk}/", {"action": "always"}).status_code == 404


def test_an_account_with_a_registered_webhook_is_polled_only_as_a_safety_net(settings: Any, brand: Brand) -> None:
    settings.HOVOR_POLL_INTERVAL_OFF_HOURS = 300
    polled, hooked = _account(brand, "@a"), _account(brand, "@b")
    BrandAccount.objects.filter(pk=hooked.pk).update(options={"webhook_registered_at": timezone.now().isoformat()})
    BrandAccount.objects.update(last_polled_at=timezone.now() - timedelta(seconds=20))
    assert due_polling_accounts() == [polled.pk]
    BrandAccount.objects.filter(pk=hooked.pk).update(last_polled_at=timezone.now() - timedelta(seconds=301))
    assert set(due_polling_accounts()) == {polled.pk, hooked.pk}


def test_a_bad_time_zone_is_said_once_beside_the_field(lead_client: Client, brand: Brand) -> None:
    response = lead_client.post(
        f"/settings/hours/{brand.pk}/",
        {"timezone": "Nowhere/Town", "open-0": "1", "opens-0": "09:00", "closes-0": "17:00"},
    )
    html = response.content.decode()
    assert response.status_code == 400
    assert html.count("Unknown time zone") == 1 and 'class="flash"' not in html
    assert 'value="Nowhere/Town"' in html and 'aria-invalid="true"' in html  # kept, to correct
    assert hours_for_brand(brand.pk) is None
    assert "Unknown time zone" not in lead_client.get("/settings/hours/").content.decode()  # not queued for later


def test_the_hours_page_names_the_polled_platforms_from_the_registry(lead_client: Client) -> None:
    from channels.registry import platform_label, polling_platforms

    html = lead_client.get("/settings/hours/").content.decode()
    polled = polling_platforms()
    assert "x" in polled and "chat" not in polled
    assert f"({', '.join(platform_label(p) for p in polled)})" in html


def test_the_hours_page_intro_is_translated_with_the_platforms(lead_client: Client) -> None:
    html = lead_client.get("/settings/hours/", HTTP_ACCEPT_LANGUAGE="cs").content.decode()
    assert "Kdy tým každé značky odpovídá" in html
    assert "polled accounts" not in html  # the translation matched, placeholder and all


def test_a_lead_sets_the_hours_of_their_teams_brands_only(client: Client) -> None:
    from inbox.actions.people import agent_create, team_create

    ours, theirs = Brand.objects.create(name="Acme"), Brand.objects.create(name="Other Co")
    lead = agent_create(username="lena", password="Lena-pw-2026!", display_name="Lena Lead", role="lead")
    team_create(name="Acme care", brands=[ours], members=[lead])
    client.force_login(lead)

    page = client.get("/settings/hours/").content.decode()
    assert "Acme" in page and "Other Co" not in page
    assert 'href="/settings/hours/"' in page  # the top bar offers the page to leads
    week = {f"open-{d}": "1" for d in range(5)} | {f"opens-{d}": "08:00" for d in range(5)}
    week |= {f"closes-{d}": "17:00" for d in range(5)} | {"timezone": "Europe/Prague"}
    assert client.post(f"/settings/hours/{ours.pk}/", week).status_code == 302
    assert hours_for_brand(ours.pk) is not None
    assert client.post(f"/settings/hours/{theirs.pk}/", week).status_code == 404
    assert hours_for_brand(theirs.pk) is None


def test_an_agent_has_no_hours_page(client: Client) -> None:
    from inbox.actions.people import agent_create

    client.force_login(agent_create(username="ada", password="Ada-pw-2026!x", display_name="Ada Agent"))
    assert client.get("/settings/hours/").status_code == 404
