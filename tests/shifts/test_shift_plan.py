"""The shift plan: who is on shift across shift boundaries, time zones, daylight saving
(Europe/Prague, last Sundays of March and October), public holidays, overnight shifts and
date exceptions; and when someone is next on shift."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import Any

import pytest
from django.contrib.auth.models import User

from inbox.models import Team
from shifts.actions import InvalidShift, shift_exception_add, shift_plan_set, weekly_shift_add
from shifts.availability import next_on_shift_at, on_shift_user_ids
from shifts.plan import holiday_name

pytestmark = pytest.mark.django_db


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)


@pytest.fixture
def team(brand: Any) -> Team:
    team = Team.objects.create(name="Care")
    team.brands.add(brand)
    return team


@pytest.fixture
def people(team: Team) -> tuple[User, User, User]:
    users = tuple(User.objects.create_user(name) for name in ("eva", "petr", "olga"))
    team.members.add(*users)
    return users  # type: ignore[return-value]


def test_a_team_without_shifts_counts_everyone_on_shift(team: Team, people: tuple[User, User, User]) -> None:
    ids = [u.pk for u in people]
    assert on_shift_user_ids(user_ids=ids, at=at("2026-11-24T03:00:00+00:00")) == set(ids)
    assert next_on_shift_at(team_ids=[team.pk], at=at("2026-11-24T03:00:00+00:00")) == at("2026-11-24T03:00:00+00:00")


def test_day_shift_boundaries_in_the_teams_time_zone(team: Team, people: tuple[User, User, User]) -> None:
    eva, petr, olga = people
    shift_plan_set(team=team, timezone="Europe/Prague", country="")
    weekly_shift_add(team=team, user_id=eva.pk, weekday=1, starts=time(8), ends=time(16))  # Tuesday
    ids = [u.pk for u in people]
    # Tuesday 24 Nov 2026, Prague UTC+1.
    assert on_shift_user_ids(user_ids=ids, at=at("2026-11-24T06:59:59+00:00")) == set()
    assert on_shift_user_ids(user_ids=ids, at=at("2026-11-24T07:00:00+00:00")) == {eva.pk}
    assert on_shift_user_ids(user_ids=ids, at=at("2026-11-24T14:59:59+00:00")) == {eva.pk}
    assert on_shift_user_ids(user_ids=ids, at=at("2026-11-24T15:00:00+00:00")) == set()
    # Next on shift: the following Tuesday 08:00 Prague.
    assert next_on_shift_at(team_ids=[team.pk], at=at("2026-11-24T15:00:00+00:00")) == at("2026-12-01T07:00:00+00:00")
    assert next_on_shift_at(brand_id=team.brands.get().pk, at=at("2026-11-24T08:00:00+00:00")) == at(
        "2026-11-24T08:00:00+00:00"
    )


def test_overnight_shift_runs_into_the_next_day(team: Team, people: tuple[User, User, User]) -> None:
    eva, petr, _ = people
    shift_plan_set(team=team, timezone="Europe/Warsaw", country="")
    weekly_shift_add(team=team, user_id=petr.pk, weekday=4, starts=time(22), ends=time(6))  # Friday night
    ids = [eva.pk, petr.pk]
    assert on_shift_user_ids(user_ids=ids, at=at("2026-11-27T20:59:00+00:00")) == set()  # Fri 21:59 Warsaw
    assert on_shift_user_ids(user_ids=ids, at=at("2026-11-27T21:00:00+00:00")) == {petr.pk}  # Fri 22:00
    assert on_shift_user_ids(user_ids=ids, at=at("2026-11-28T04:59:00+00:00")) == {petr.pk}  # Sat 05:59
    assert on_shift_user_ids(user_ids=ids, at=at("2026-11-28T05:00:00+00:00")) == set()  # Sat 06:00
    assert on_shift_user_ids(user_ids=ids, at=at("2026-11-26T23:00:00+00:00")) == set()  # Thursday night


def test_night_shift_across_the_spring_change_is_an_hour_shorter(team: Team, people: tuple[User, ...]) -> None:
    eva = people[0]
    shift_plan_set(team=team, timezone="Europe/Prague", country="")
    # Saturday 28 March 2026 22:00 CET → Sunday 29 March 06:00 CEST (clocks go 02:00 → 03:00).
    weekly_shift_add(team=team, user_id=eva.pk, weekday=5, starts=time(22), ends=time(6))
    assert on_shift_user_ids(user_ids=[eva.pk], at=at("2026-03-28T21:00:00+00:00")) == {eva.pk}  # 22:00 CET
    assert on_shift_user_ids(user_ids=[eva.pk], at=at("2026-03-29T03:59:00+00:00")) == {eva.pk}  # 05:59 CEST
    assert on_shift_user_ids(user_ids=[eva.pk], at=at("2026-03-29T04:00:00+00:00")) == set()  # 06:00 CEST


def test_night_shift_across_the_autumn_change_is_an_hour_longer(team: Team, people: tuple[User, ...]) -> None:
    eva = people[0]
    shift_plan_set(team=team, timezone="Europe/Prague", country="")
    # Saturday 24 Oct 2026 22:00 CEST (20:00 UTC) → Sunday 25 Oct 06:00 CET (05:00 UTC).
    weekly_shift_add(team=team, user_id=eva.pk, weekday=5, starts=time(22), ends=time(6))
    assert on_shift_user_ids(user_ids=[eva.pk], at=at("2026-10-24T19:59:00+00:00")) == set()
    assert on_shift_user_ids(user_ids=[eva.pk], at=at("2026-10-24T20:00:00+00:00")) == {eva.pk}
    assert on_shift_user_ids(user_ids=[eva.pk], at=at("2026-10-25T04:59:00+00:00")) == {eva.pk}  # 05:59 CET
    assert on_shift_user_ids(user_ids=[eva.pk], at=at("2026-10-25T05:00:00+00:00")) == set()


def test_summer_day_shift_follows_the_wall_clock(team: Team, people: tuple[User, ...]) -> None:
    eva = people[0]
    shift_plan_set(team=team, timezone="Europe/Prague", country="")
    weekly_shift_add(team=team, user_id=eva.pk, weekday=0, starts=time(8), ends=time(16))
    # Monday 30 March 2026, the day after the change: 08:00 CEST is 06:00 UTC.
    assert on_shift_user_ids(user_ids=[eva.pk], at=at("2026-03-30T06:00:00+00:00")) == {eva.pk}
    assert on_shift_user_ids(user_ids=[eva.pk], at=at("2026-03-23T06:30:00+00:00")) == set()  # winter: 07:30


def test_public_holiday_cancels_weekly_shifts_unless_an_extra_is_planned(
    team: Team, people: tuple[User, User, User]
) -> None:
    eva, petr, _ = people
    shift_plan_set(team=team, timezone="Europe/Prague", country="CZ")
    for user in (eva, petr):
        weekly_shift_add(team=team, user_id=user.pk, weekday=3, starts=time(8), ends=time(16))  # Thursday
    # Thursday 24 Dec 2026: Christmas Eve, a public holiday in Czechia.
    noon = at("2026-12-24T11:00:00+00:00")
    assert on_shift_user_ids(user_ids=[eva.pk, petr.pk], at=noon) == set()
    shift_exception_add(
        team=team, user_id=petr.pk, day=date(2026, 12, 24), kind="extra", starts=time(10), ends=time(14)
    )
    assert on_shift_user_ids(user_ids=[eva.pk, petr.pk], at=noon) == {petr.pk}
    # An ordinary Thursday both work.
    assert on_shift_user_ids(user_ids=[eva.pk, petr.pk], at=at("2026-12-17T11:00:00+00:00")) == {eva.pk, petr.pk}
    # Polish, Bulgarian and British holidays are known too.
    for country, day in (("PL", "2026-11-11"), ("BG", "2026-03-03"), ("GB", "2026-12-25")):
        shift_plan_set(team=team, timezone="Europe/Prague", country=country)
        assert holiday_name(country, date.fromisoformat(day))


def test_sick_day_and_swap_change_one_date_only(team: Team, people: tuple[User, User, User]) -> None:
    eva, petr, olga = people
    shift_plan_set(team=team, timezone="Europe/Sofia", country="")
    weekly_shift_add(team=team, user_id=eva.pk, weekday=0, starts=time(9), ends=time(17))
    weekly_shift_add(team=team, user_id=petr.pk, weekday=0, starts=time(9), ends=time(17))
    shift_exception_add(team=team, user_id=eva.pk, day=date(2026, 11, 30), kind="off")
    shift_exception_add(team=team, user_id=petr.pk, day=date(2026, 11, 30), kind="swap", replacement_id=olga.pk)
    ids = [u.pk for u in people]
    assert on_shift_user_ids(user_ids=ids, at=at("2026-11-30T08:00:00+00:00")) == {olga.pk}  # 10:00 Sofia
    assert on_shift_user_ids(user_ids=ids, at=at("2026-12-07T08:00:00+00:00")) == {eva.pk, petr.pk}
    with pytest.raises(InvalidShift):
        shift_exception_add(team=team, user_id=petr.pk, day=date(2026, 12, 7), kind="swap", replacement_id=petr.pk)


def test_next_on_shift_skips_a_holiday_and_a_sick_day(team: Team, people: tuple[User, User, User]) -> None:
    eva = people[0]
    shift_plan_set(team=team, timezone="Europe/Prague", country="CZ")
    for day in range(5):
        weekly_shift_add(team=team, user_id=eva.pk, weekday=day, starts=time(8), ends=time(16))
    shift_exception_add(team=team, user_id=eva.pk, day=date(2026, 12, 28), kind="off")
    # Wed 23 Dec 16:00 → 24, 25 holidays (Thu, Fri), weekend, Mon 28 sick → Tue 29 08:00 CET.
    assert next_on_shift_at(team_ids=[team.pk], at=at("2026-12-23T15:00:00+00:00")) == at("2026-12-29T07:00:00+00:00")


def test_people_in_an_unplanned_team_or_none_stay_on_shift(team: Team, people: tuple[User, User, User]) -> None:
    eva, petr, _ = people
    loner = User.objects.create_user("loner")
    other = Team.objects.create(name="Other")
    other.members.add(petr)
    shift_plan_set(team=team, timezone="UTC", country="")
    weekly_shift_add(team=team, user_id=eva.pk, weekday=0, starts=time(8), ends=time(9))
    got = on_shift_user_ids(user_ids=[eva.pk, petr.pk, loner.pk], at=at("2026-11-24T12:00:00+00:00"))
    assert got == {petr.pk, loner.pk}


def test_many_people_take_a_few_queries(team: Team, django_assert_max_num_queries: Any) -> None:
    users = [User(username=f"u{i}") for i in range(200)]
    User.objects.bulk_create(users)
    users = list(User.objects.filter(username__startswith="u"))
    team.members.add(*users)
    shift_plan_set(team=team, timezone="Europe/Prague", country="CZ")
    for i, user in enumerate(users[:50]):
        weekly_shift_add(team=team, user_id=user.pk, weekday=i % 7, starts=time(8), ends=time(16))
    with django_assert_max_num_queries(5):
        on_shift_user_ids(user_ids=[u.pk for u in users], at=at("2026-11-24T10:00:00+00:00"))
