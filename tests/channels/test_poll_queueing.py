"""Beat ticks faster than a busy worker polls: a tick must not queue a second poll of an
account whose poll is still waiting in the queue (they piled up in the demo, and every
webhook's ingest waited behind them)."""
from __future__ import annotations

from typing import Any

import pytest

from channels import tasks
from channels.models import BrandAccount

pytestmark = pytest.mark.django_db


def test_a_tick_queues_no_second_poll_while_one_waits(
    x_account: BrandAccount, monkeypatch: pytest.MonkeyPatch
) -> None:
    queued: list[int] = []
    monkeypatch.setattr(tasks.poll_account, "delay", lambda account_id: queued.append(account_id))

    tasks.poll_due_accounts()
    tasks.poll_due_accounts()  # the next tick, the first poll still waiting
    assert queued == [x_account.pk]

    # The queued poll starts (and finishes): the next tick queues the one after it.
    monkeypatch.setattr(tasks, "account_poll", lambda account_id: 0)
    tasks.poll_account.run(x_account.pk)
    tasks.poll_due_accounts()
    assert queued == [x_account.pk, x_account.pk]


def test_the_waiting_marker_does_not_outlive_a_lost_task(x_account: BrandAccount, monkeypatch: Any) -> None:
    from channels import inbound

    assert inbound.poll_queue_claim(account_id=x_account.pk)
    assert not inbound.poll_queue_claim(account_id=x_account.pk)
    assert 0 < inbound.POLL_QUEUED_SECONDS <= 120  # a lost task blocks polling at most this long
