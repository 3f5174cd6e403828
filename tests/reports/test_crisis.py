"""The crisis alarm: a wave of negative messages against the usual level for that quarter
hour of the week tells the brand's leads (in Hovor and by email), once; a usual level does not."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.core import mail

from channels.models import Brand, BrandAccount
from inbox.actions.people import agent_create, team_create
from inbox.enums import Direction
from inbox.models import Customer, Message, Ticket
from notifications.models import Notification
from reports.crisis import crisis_alert, crisis_check

NOW = datetime(2026, 3, 4, 10, 20, tzinfo=UTC)  # last complete window: 10:00–10:15


def _negatives(brand: Brand, account: BrandAccount, at: datetime, n: int) -> None:
    customer = Customer.objects.create(brand=brand, name="c")
    ticket = Ticket.objects.create(brand=brand, account=account, customer=customer, created_at=at)
    for i in range(n):
        Message.objects.create(ticket=ticket, account=account, direction=Direction.IN, text="awful",
                               sentiment="negative", sent_at=at + timedelta(seconds=i))


@pytest.mark.django_db
def test_a_spike_alerts_the_brands_leads_once(django_capture_on_commit_callbacks: Any) -> None:
    brand = Brand.objects.create(name="Acme")
    account = BrandAccount.objects.create(brand=brand, platform="x", handle="@AcmeCare")
    lead = agent_create(username="lead", password="pw-lead-12345", display_name="Lída", role="lead")
    lead.email = "lead@acme.test"
    lead.save()
    agent = agent_create(username="a", password="pw-agent-12345", display_name="Agent")
    team_create(name="Acme care", brands=[brand], members=[lead, agent])
    for week in (1, 2):  # usually 2 in that quarter hour, some weeks
        _negatives(brand, account, datetime(2026, 3, 4, 10, 5, tzinfo=UTC) - timedelta(weeks=week), 2)
    assert crisis_check(brand_id=brand.pk, now=NOW) is None
    _negatives(brand, account, datetime(2026, 3, 4, 10, 2, tzinfo=UTC), 6)  # 6 > 3 × 1.0 usual
    spike = crisis_check(brand_id=brand.pk, now=NOW)
    assert spike is not None and spike.negative == 6 and spike.usual == pytest.approx(1.0)
    with django_capture_on_commit_callbacks(execute=True):
        assert crisis_alert(spike=spike) == 1
    assert crisis_alert(spike=spike) == 0  # the next beat tick tells nobody twice
    notes = Notification.objects.filter(kind="crisis")
    assert [n.recipient for n in notes] == [lead]
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["lead@acme.test"]


@pytest.mark.django_db
def test_a_spike_that_arrived_after_its_window_closed_still_alarms(
    django_capture_on_commit_callbacks: Any,
) -> None:
    """Found by bench/care_day.py: polled mentions stamped 10:02 reach Hovor at 10:21, after
    the watch at 10:20 had counted their window; the watch at 10:35 must still see them."""
    from unittest import mock

    from reports.tasks import crisis_watch

    brand = Brand.objects.create(name="Acme")
    account = BrandAccount.objects.create(brand=brand, platform="x", handle="@AcmeCare")
    lead = agent_create(username="lead", password="pw-lead-12345", display_name="Lída", role="lead")
    team_create(name="Acme care", brands=[brand], members=[lead])
    with mock.patch("reports.tasks.timezone.now", return_value=NOW):
        crisis_watch.run()
    assert not Notification.objects.filter(kind="crisis").exists()
    _negatives(brand, account, datetime(2026, 3, 4, 10, 2, tzinfo=UTC), 6)  # late: the 10:00 window
    with mock.patch("reports.tasks.timezone.now", return_value=NOW + timedelta(minutes=15)):
        with django_capture_on_commit_callbacks(execute=True):
            crisis_watch.run()
        crisis_watch.run()  # and once only
    assert Notification.objects.filter(kind="crisis", recipient=lead).count() == 1
