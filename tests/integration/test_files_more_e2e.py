"""More files end to end, on PostgreSQL + Redis with a real `celery -A helpdesk worker`: an
agent attaches a picture in the composer and X's fake records it once on the reply post; a
customer's file left pending while the broker was away is fetched by the sweep, once."""
from __future__ import annotations

import hashlib
import time
from collections.abc import Iterator
from typing import Any
from unittest import mock

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from kombu.exceptions import OperationalError as KombuOperationalError

from channels.inbound import account_poll
from channels.tasks import poll_account
from fakes.base import png_bytes
from inbox.enums import AttachmentState, DeliveryStatus, Direction
from inbox.models import Attachment, Message, Ticket
from inbox.tasks import ingest_events, sweep_stuck
from tests.channels.telegram.telegram_support import BOT_TOKEN, WEBHOOK_SECRET, connect
from tests.support import wait_for

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def fake_telegram() -> Iterator[Any]:
    from fakes.telegram import FakeTelegram

    fake = FakeTelegram(bot_token=BOT_TOKEN, webhook_secret=WEBHOOK_SECRET, retry_delay=0.05).start()
    yield fake
    fake.stop()


def test_agent_attaches_a_picture_and_x_records_it_once(
    celery_worker_process: None, fake_x: Any, x_account: Any, agent: Any
) -> None:
    tweet = fake_x.inbound(author="@petr_svoboda", name="Petr Svoboda", text="@AcmeCare Kde je výdejna?")
    poll_account.delay(x_account.pk)
    assert wait_for(lambda: Ticket.objects.exists(), timeout=30)
    ticket = Ticket.objects.get()
    client = Client()
    client.force_login(agent)
    page = client.get(f"/tickets/{ticket.pk}/").content.decode()
    assert "X: up to 4 files, at most 5.0\xa0MB each" in page and "image/png" in page
    picture = png_bytes(80, 60, seed=6)
    seen = Message.objects.filter(ticket=ticket).latest("pk").pk
    response = client.post(f"/tickets/{ticket.pk}/reply/", {
        "text": "Tady je mapa výdejny.", "client_token": "files-more-e2e-1", "seen_message_id": str(seen),
        "files": SimpleUploadedFile("mapa.png", picture, content_type="image/png"),
    })
    assert response.status_code == 302, response.content.decode()[:500]
    reply = Message.objects.get(ticket=ticket, direction=Direction.OUT)
    assert wait_for(lambda: Message.objects.get(pk=reply.pk).delivery_status == DeliveryStatus.SENT, timeout=30)
    [sent] = fake_x.outbound()
    assert sent["kind"] == "tweet" and sent["in_reply_to_tweet_id"] == tweet["data"]["id"]
    [media] = sent["media"]
    assert media["sha256"] == hashlib.sha256(picture).hexdigest() and media["content_type"] == "image/png"
    assert Message.objects.get(pk=reply.pk).platform_id == sent["id"]


def test_a_file_left_pending_while_the_broker_was_away_is_fetched_by_the_sweep_once(
    celery_worker_process: None, brand: Any, fake_telegram: Any
) -> None:
    account = connect(brand, fake_telegram)
    fake_telegram.inbound("@jana_n", "Jana Nováková", "Rozbitá krabice", kind="photo")
    away = KombuOperationalError("[Errno 111] Connection refused")
    with (
        mock.patch("inbox.triggers.ingest_events.delay", side_effect=lambda ids: ingest_events.run(ids)),
        mock.patch("inbox.triggers.fetch_attachment.delay", side_effect=away),
    ):
        account_poll(account_id=account.pk)  # ingested here; the download never reaches the broker
    attachment = Attachment.objects.get()
    assert attachment.state == AttachmentState.PENDING and attachment.leased_until is None
    sweep_stuck.delay()
    sweep_stuck.delay()
    assert wait_for(lambda: Attachment.objects.get().state == AttachmentState.STORED, timeout=60), (
        Attachment.objects.values("state", "error", "attempts").get()
    )
    sweep_stuck.delay()  # stored: nothing more to do
    time.sleep(1.0)
    calls = [r for r in fake_telegram.requests_log() if r["method"] == "getFile"]
    assert len(calls) == 1, calls
