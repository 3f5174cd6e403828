"""The sweep as the backstop of two tasks that can be lost: a customer's file left pending
(its download never reached the broker, or its worker died) is queued again once its lease
runs out, never while a download may still be running; a solved conversation's satisfaction
question whose ask task was lost is asked, once. And the download task's own retry: the same
self.retry with a countdown whether a worker runs it or it runs eagerly."""
from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any
from unittest import mock

import pytest
from celery.canvas import Signature
from celery.exceptions import Retry
from django.utils import timezone
from kombu.exceptions import OperationalError as KombuOperationalError

from channels.http import ApiRateLimited, ApiUnavailable
from channels.inbound import account_poll
from inbox.actions.attachments import FETCH_LEASE, attachments_unleased
from inbox.actions.csat import ASK_MARK, csat_surveys_unasked
from inbox.enums import AttachmentState, Direction
from inbox.models import Attachment, CsatSurvey, Message
from inbox.tasks import fetch_attachment, fetch_retry_delay, sweep_stuck
from tests.channels.telegram.telegram_support import BOT_TOKEN, WEBHOOK_SECRET, connect
from tests.inbox.test_csat import answered_and_solved, questions

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def fake_telegram() -> Iterator[Any]:
    from fakes.telegram import FakeTelegram

    fake = FakeTelegram(bot_token=BOT_TOKEN, webhook_secret=WEBHOOK_SECRET, retry_delay=0.05).start()
    yield fake
    fake.stop()


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = str(tmp_path / "media")


def _get_files(fake: Any) -> list[dict[str, Any]]:
    return [r for r in fake.requests_log() if r["method"] == "getFile"]


def _photo_while_the_broker_is_away(fake: Any, account: Any) -> Attachment:
    fake.inbound("@jana_n", "Jana Nováková", "Rozbitá krabice", kind="photo")
    with mock.patch("inbox.triggers.fetch_attachment.delay", side_effect=KombuOperationalError("refused")):
        account_poll(account_id=account.pk)
    return Attachment.objects.get()


def test_a_file_the_broker_never_got_is_fetched_by_the_next_sweep_once(brand: Any, fake_telegram: Any) -> None:
    account = connect(brand, fake_telegram)
    attachment = _photo_while_the_broker_is_away(fake_telegram, account)
    assert attachment.state == AttachmentState.PENDING and attachment.leased_until is None
    assert not _get_files(fake_telegram)
    sweep_stuck()
    attachment.refresh_from_db()
    assert attachment.state == AttachmentState.STORED and attachment.attempts == 1
    sweep_stuck()
    assert len(_get_files(fake_telegram)) == 1


def test_a_download_within_its_lease_is_not_doubled(brand: Any, fake_telegram: Any) -> None:
    account = connect(brand, fake_telegram)
    attachment = _photo_while_the_broker_is_away(fake_telegram, account)
    now = timezone.now()
    Attachment.objects.filter(pk=attachment.pk).update(leased_until=now + timedelta(seconds=30))  # a slow one
    assert attachments_unleased(now=now) == []
    # Its worker died: the lease runs out, and two sweeps hand it back once.
    later = now + timedelta(seconds=31)
    assert attachments_unleased(now=later) == [attachment.pk]
    assert attachments_unleased(now=later) == []
    attachment.refresh_from_db()
    assert attachment.leased_until == later + FETCH_LEASE
    # Stored files are never the sweep's.
    Attachment.objects.filter(pk=attachment.pk).update(state=AttachmentState.STORED, leased_until=None)
    assert attachments_unleased(now=later + timedelta(hours=1)) == []


def test_ingest_leases_each_file_to_its_first_task(brand: Any, fake_telegram: Any) -> None:
    account = connect(brand, fake_telegram)
    fake_telegram.inbound("@jana_n", "Jana Nováková", "Foto", kind="photo")
    with mock.patch("inbox.triggers.fetch_attachment.delay") as queued:  # queued, not yet run
        account_poll(account_id=account.pk)
    attachment = Attachment.objects.get()
    assert queued.call_args.args == (attachment.pk,)
    assert attachment.leased_until is not None and attachment.leased_until > timezone.now()
    assert attachments_unleased() == []


def test_eager_run_retries_in_place_and_never_throws_at_the_caller(brand: Any, fake_telegram: Any) -> None:
    account = connect(brand, fake_telegram)
    fake_telegram.fail(status=502, times=2, method="getFile")
    fake_telegram.inbound("@jana_n", "Jana Nováková", "Foto", kind="photo")
    account_poll(account_id=account.pk)  # eager: the task runs, and runs again, in place
    attachment = Attachment.objects.get()
    assert attachment.state == AttachmentState.STORED and attachment.attempts == 3
    assert [r["status"] for r in _get_files(fake_telegram)] == [502, 502, 200]


def test_worker_run_schedules_its_retry_with_a_countdown_and_a_lease(brand: Any, fake_telegram: Any) -> None:
    account = connect(brand, fake_telegram)
    attachment = _photo_while_the_broker_is_away(fake_telegram, account)
    fake_telegram.fail(status=502, times=1, method="getFile")
    fetch_attachment.push_request(
        id="task-1", args=[attachment.pk], kwargs={}, retries=2, is_eager=False, called_directly=False
    )
    try:
        with mock.patch.object(Signature, "apply_async", autospec=True) as scheduled:
            result = fetch_attachment.run(attachment.pk)
    finally:
        fetch_attachment.pop_request()
    assert isinstance(result, Retry)
    [call] = scheduled.call_args_list
    retry = call.args[0]
    assert tuple(retry.args) == (attachment.pk,) and retry.options["countdown"] == 8.0 and retry.options["retries"] == 3
    attachment.refresh_from_db()
    assert attachment.state == AttachmentState.PENDING and attachment.attempts == 1
    assert attachment.leased_until is not None
    assert attachment.leased_until > timezone.now() + timedelta(seconds=8) + FETCH_LEASE - timedelta(seconds=5)


def test_retry_delay_backs_off_and_waits_for_a_rate_limit() -> None:
    down = ApiUnavailable("down")
    assert [fetch_retry_delay(down, n) for n in range(10)] == [2, 4, 8, 16, 32, 64, 128, 256, 300, 300]
    limited = ApiRateLimited("slow down", retry_at=timezone.now() + timedelta(seconds=90))
    assert 85 <= fetch_retry_delay(limited, 0) <= 90


# --- a lost satisfaction question -------------------------------------------------------------
def test_a_lost_question_is_asked_by_the_sweep_once(
    fake_x: Any, x_account: Any, agent: Any, django_capture_on_commit_callbacks: Any
) -> None:
    with mock.patch("inbox.triggers.csat_ask.delay", side_effect=KombuOperationalError("refused")):
        ticket = answered_and_solved(x_account, agent, django_capture_on_commit_callbacks, fake=fake_x)
    survey = CsatSurvey.objects.get(ticket=ticket)
    assert survey.asked_at is None and questions(ticket) == []
    sweep_stuck()
    assert questions(ticket) == []  # younger than a minute: its task may still come
    CsatSurvey.objects.filter(pk=survey.pk).update(created_at=timezone.now() - timedelta(minutes=2))
    sweep_stuck()
    sweep_stuck()
    [question] = questions(ticket)
    survey.refresh_from_db()
    assert survey.asked_at is not None and survey.message_id == question.pk
    # Asked: the sweep never offers it again, mark or no mark.
    with mock.patch("inbox.actions.csat.csat_ask_mark", return_value=True):
        assert csat_surveys_unasked() == []


def test_the_sweep_leaves_a_question_whose_task_is_waiting(
    fake_x: Any, x_account: Any, agent: Any, django_capture_on_commit_callbacks: Any
) -> None:
    with mock.patch("inbox.triggers.csat_ask.delay") as queued:  # queued, waiting for the solving reply
        ticket = answered_and_solved(x_account, agent, django_capture_on_commit_callbacks, fake=fake_x)
    survey = CsatSurvey.objects.get(ticket=ticket)
    assert queued.call_args.args == (survey.pk,)
    later = timezone.now() + timedelta(minutes=2)
    assert csat_surveys_unasked(now=later) == []  # its task is marked
    assert timedelta(minutes=5) < ASK_MARK  # longer than the task waits for the reply


def test_the_sweep_asks_nothing_the_brand_turned_off_or_a_reopened_conversation(
    fake_x: Any, x_account: Any, agent: Any, django_capture_on_commit_callbacks: Any
) -> None:
    from inbox.actions.csat import csat_setting_for

    with mock.patch("inbox.triggers.csat_ask.delay", side_effect=KombuOperationalError("refused")):
        ticket = answered_and_solved(x_account, agent, django_capture_on_commit_callbacks, fake=fake_x)
    CsatSurvey.objects.filter(ticket=ticket).update(created_at=timezone.now() - timedelta(minutes=2))
    setting = csat_setting_for(brand_id=ticket.brand_id)
    setting.enabled = False
    setting.save()
    assert csat_surveys_unasked() == []
    setting.enabled = True
    setting.save()
    type(ticket).objects.filter(pk=ticket.pk).update(status="open")
    assert csat_surveys_unasked() == []
    assert not Message.objects.filter(ticket=ticket, direction=Direction.OUT, author_user__isnull=True).exists()
