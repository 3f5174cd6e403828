"""The out-of-hours acknowledgement: a customer who writes when nobody is on shift (or
outside the channel's staffed hours) is told once, in their language, when the team will
answer; never automated mail, never twice; sent through the outbox to the platform."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, time
from typing import Any

import pytest
from django.contrib.auth.models import User

from channels.types import NormalizedAuthor
from inbox.actions.tickets import ticket_ingest_message
from inbox.enums import TicketEventType
from inbox.models import Message, Ticket, TicketEvent
from shifts.acknowledgement import acknowledgement_set, team_answers_at, ticket_acknowledge_out_of_hours
from shifts.actions import business_hours_channel_clear, business_hours_set, shift_plan_set, weekly_shift_add
from shifts.selectors import Period, hours_for_brand, is_staffed
from tests.inbox.actions.test_ingest import mention
from tests.support import make_ticket

pytestmark = pytest.mark.django_db

# Tuesday 24 Nov 2026, 21:00 in Prague (UTC+1): after the day shift.
EVENING = datetime(2026, 11, 24, 20, 0, tzinfo=UTC)


@pytest.fixture
def planned(x_account: Any, everyone_team: Any) -> Any:
    """Jana works weekdays 08:00–16:00 Prague; the brand is staffed in the same hours."""
    jana = User.objects.create_user("jana")
    everyone_team.members.add(jana)
    shift_plan_set(team=everyone_team, timezone="Europe/Prague", country="CZ")
    for day in range(5):
        weekly_shift_add(team=everyone_team, user_id=jana.pk, weekday=day, starts=time(8), ends=time(16))
    return x_account


def customer_writes(
    account: Any, *, text: str, automated: str | None = None, language: str = "", who: str = "anna"
) -> Ticket:
    author = NormalizedAuthor(external_id=f"id-{who}", handle=f"@{who}", display_name=who.title())
    incoming = replace(mention(text=text, author=author), automated=automated, language=language)
    result = ticket_ingest_message(account=account, incoming=incoming)
    return Ticket.objects.get(pk=result.message.ticket_id)


def acks(ticket: Ticket) -> int:
    return TicketEvent.objects.filter(ticket=ticket, type=TicketEventType.ACKNOWLEDGED).count()


def test_the_customer_is_told_once_in_czech_when_the_team_answers(planned: Any) -> None:
    ticket = customer_writes(planned, text="Dobrý den, objednávka mi nedorazila", language="cs")
    sent = ticket_acknowledge_out_of_hours(ticket_id=ticket.pk, at=EVENING)
    assert sent is not None
    # Next shift: Wednesday 25 Nov 08:00 Prague (the brand has no hours: the plan answers).
    assert "od 25. listopadu, 08:00" in sent.text and sent.text.endswith("Acme")
    assert sent.author_user is None and sent.outbound.status in ("queued", "sent")  # type: ignore[attr-defined]
    assert ticket_acknowledge_out_of_hours(ticket_id=ticket.pk, at=EVENING) is None
    assert acks(ticket) == 1
    assert Message.objects.filter(ticket=ticket, direction="out").count() == 1


def test_english_by_default_and_nothing_while_someone_is_on_shift(planned: Any) -> None:
    ticket = customer_writes(planned, text="Hello, where is my parcel?", language="en")
    assert ticket_acknowledge_out_of_hours(ticket_id=ticket.pk, at=datetime(2026, 11, 24, 9, 0, tzinfo=UTC)) is None
    # Friday evening → Monday 30 Nov 08:00.
    sent = ticket_acknowledge_out_of_hours(ticket_id=ticket.pk, at=datetime(2026, 11, 27, 18, 0, tzinfo=UTC))
    assert sent is not None and "Monday 30 November, 08:00" in sent.text


def test_polish_and_bulgarian_texts_and_the_admins_own_wording(planned: Any) -> None:
    pl = customer_writes(planned, text="Dzień dobry, gdzie jest moja paczka?", language="pl")
    sent = ticket_acknowledge_out_of_hours(ticket_id=pl.pk, at=EVENING)
    assert sent is not None and "Dziękujemy" in sent.text and "08:00" in sent.text
    acknowledgement_set(brand_id=planned.brand_id, enabled=True, texts={"bg": "Ще ви отговорим от {time}. — {brand}"})
    bg = customer_writes(planned, text="Здравейте, къде е пратката ми?", language="bg", who="boris")
    sent = ticket_acknowledge_out_of_hours(ticket_id=bg.pk, at=EVENING)
    assert sent is not None and sent.text == "Ще ви отговорим от 25 ноември, 08:00. — Acme"


def test_never_to_automated_mail_and_not_when_turned_off(planned: Any) -> None:
    away = customer_writes(planned, text="I am out of the office until Monday.", automated="auto_reply")
    assert ticket_acknowledge_out_of_hours(ticket_id=away.pk, at=EVENING) is None
    assert acks(away) == 0


def test_turned_off_per_brand(planned: Any) -> None:
    acknowledgement_set(brand_id=planned.brand_id, enabled=False, texts={})
    ticket = customer_writes(planned, text="Hello?", language="en")
    assert ticket_acknowledge_out_of_hours(ticket_id=ticket.pk, at=EVENING) is None


def test_the_channels_staffed_hours_push_the_time_later(planned: Any) -> None:
    # The brand is staffed 08:00–18:00, but X only from 10:00 on weekdays: the team answers
    # an X customer at 10:00, not at the shift's 08:00.
    week = range(5)
    business_hours_set(
        brand=planned.brand, timezone="Europe/Prague", periods=[Period(d, time(8), time(18)) for d in week]
    )
    business_hours_set(
        brand=planned.brand,
        timezone="Europe/Prague",
        periods=[Period(d, time(10), time(18)) for d in week],
        platform="x",
    )
    ticket = customer_writes(planned, text="Hello?", language="en")
    assert team_answers_at(ticket=ticket, at=EVENING) == datetime(2026, 11, 25, 9, 0, tzinfo=UTC)  # 10:00 Prague
    hours = hours_for_brand(planned.brand_id)
    assert is_staffed(hours, datetime(2026, 11, 25, 8, 0, tzinfo=UTC), "email")  # 09:00: the brand's hours
    assert not is_staffed(hours, datetime(2026, 11, 25, 8, 0, tzinfo=UTC), "x")
    business_hours_channel_clear(brand=planned.brand, platform="x")
    assert team_answers_at(ticket=ticket, at=EVENING) == datetime(2026, 11, 25, 7, 0, tzinfo=UTC)


def test_ingest_sends_it_through_the_outbox_to_x(
    planned: Any, fake_x: Any, django_capture_on_commit_callbacks: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A customer mentions the brand on the (fake) X in the evening: one poll, and the reply
    the platform got says Wednesday 08:00; writing again sends nothing more."""
    from django.utils import timezone

    monkeypatch.setattr(timezone, "now", lambda: EVENING)
    with django_capture_on_commit_callbacks(execute=True):
        ticket, _ = make_ticket(fake_x, planned, "carol", "Carol", "@AcmeCare hello, is anyone there? my order is late")
    assert acks(ticket) == 1
    posted = fake_x.outbound()
    assert len(posted) == 1 and "Wednesday 25 November, 08:00" in posted[0]["text"], posted
    assert Message.objects.get(ticket=ticket, direction="out").delivery_status == "sent"
    with django_capture_on_commit_callbacks(execute=True):
        make_ticket(fake_x, planned, "carol", "Carol", "@AcmeCare hello again, still waiting for an answer")
    assert len(fake_x.outbound()) == 1 and acks(ticket) == 1


def test_the_time_is_right_across_the_spring_change_and_in_the_customers_zone(planned: Any) -> None:
    # Friday 27 March 2026 18:00 UTC (19:00 CET) → Monday 30 March 08:00 CEST, 06:00 UTC.
    friday = datetime(2026, 3, 27, 18, 0, tzinfo=UTC)
    ticket = customer_writes(planned, text="Hello?", language="en")
    assert team_answers_at(ticket=ticket, at=friday) == datetime(2026, 3, 30, 6, 0, tzinfo=UTC)
    # A customer whose channel says they are in London reads 07:00 (BST).
    Message.objects.filter(ticket=ticket, direction="in").update(extra={"timezone": "Europe/London"})
    sent = ticket_acknowledge_out_of_hours(ticket_id=ticket.pk, at=friday)
    assert sent is not None and "Monday 30 March, 07:00" in sent.text
