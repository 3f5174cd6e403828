"""GET /metrics: Prometheus's text format with the pipeline's state per platform, for
loopback scrapers or a bearer token only; webhook answers are counted by status."""
from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone
from prometheus_client.parser import text_string_to_metric_families

from channels.inbound import inbound_events_record
from channels.models import InboundEvent
from channels.types import RawEvent

pytestmark = pytest.mark.django_db


def _samples(body: bytes) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(body.decode())
        for s in family.samples
    }


def test_metrics_show_waiting_events_and_their_age_per_platform(x_account: Any) -> None:
    inbound_events_record(account=x_account, events=[RawEvent("1", "mention", {}), RawEvent("2", "mention", {})])
    InboundEvent.objects.filter(platform_id="1").update(received_at=timezone.now() - timedelta(seconds=90))
    response = Client().get("/metrics")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain; version=")
    samples = _samples(response.content)
    assert samples[("hovor_inbound_events", (("platform", "x"), ("state", "received")))] == 2
    assert samples[("hovor_ingest_lag_seconds", (("platform", "x"),))] >= 90
    assert samples[("hovor_database_up", ())] == 1


def test_metrics_are_refused_to_other_hosts_and_need_the_token_when_one_is_set(settings: Any) -> None:
    assert Client(REMOTE_ADDR="203.0.113.9").get("/metrics").status_code == 404
    settings.HOVOR_METRICS_TOKEN = "s3cret-scrape"
    assert Client().get("/metrics").status_code == 404  # loopback is not enough once a token is set
    remote = Client(REMOTE_ADDR="203.0.113.9")
    assert remote.get("/metrics", HTTP_AUTHORIZATION="Bearer s3cret-scrape").status_code == 200
    assert Client().get("/metrics", HTTP_AUTHORIZATION="Bearer wrong").status_code == 404


@pytest.mark.skipif("not __import__('django.conf').conf.settings.REDIS_URL", reason="needs Redis")
def test_webhook_answers_are_counted_by_platform_and_status(x_account: Any) -> None:
    from helpdesk.metrics import WEBHOOK_COUNTS_KEY, _redis

    _redis().delete(WEBHOOK_COUNTS_KEY)
    client = Client()
    client.post(f"/webhooks/x/{x_account.pk}/", data=b"{}", content_type="application/json")  # no signature
    client.post("/webhooks/nonsense/1/", data=b"{}", content_type="application/json")
    samples = _samples(client.get("/metrics").content)
    assert samples[("hovor_webhook_responses_total", (("platform", "x"), ("status", "403")))] == 1
    assert samples[("hovor_webhook_responses_total", (("platform", "unknown"), ("status", "404")))] == 1
    assert ("hovor_queue_depth", (("queue", "inbound"),)) in samples


def test_json_logs_when_log_format_is_json(capsys: Any) -> None:
    import logging.config

    from django.conf import settings as django_settings

    config = json.loads(json.dumps(django_settings.LOGGING))
    config["handlers"]["console"]["formatter"] = "json"
    logging.config.dictConfig(config)
    try:
        logging.getLogger("hovor.test").warning("account %s: stored", 7)
        line = capsys.readouterr().err.strip().splitlines()[-1]
        record = json.loads(line)
        assert record["level"] == "WARNING" and record["logger"] == "hovor.test"
        assert record["message"] == "account 7: stored" and "time" in record
    finally:
        logging.config.dictConfig(django_settings.LOGGING)


def test_the_admin_page_shows_the_backlog_when_workers_fall_behind(x_account: Any, admin_client: Any) -> None:
    inbound_events_record(account=x_account, events=[RawEvent(str(i), "mention", {}) for i in range(3)])
    InboundEvent.objects.update(received_at=timezone.now() - timedelta(seconds=125))
    response = admin_client.get("/admin/")
    body = response.content.decode()
    assert response.status_code == 200
    assert "Stored events not yet ingested</th><td>3</td>" in body
    assert "Oldest waiting event (seconds)</th><td>12" in body  # 125 s and the time the test takes
    assert "Replies queued</th><td>0</td>" in body
