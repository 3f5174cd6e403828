"""GET /metrics: Prometheus's text format (prometheus_client), read fresh from the database
and the broker at each scrape, so every web process answers the same:

- hovor_inbound_events{platform,state}: stored platform events by state (received = waiting);
- hovor_ingest_lag_seconds{platform}: age of the oldest event still waiting to be ingested;
- hovor_outbox{platform,state} and hovor_outbox_oldest_seconds{platform,state}: replies by
  delivery state, and how long the oldest unfinished one has waited;
- hovor_queue_depth{queue}: tasks waiting on each Celery queue (Redis broker);
- hovor_webhook_responses_total{platform,status}: webhook answers by HTTP status, counted in
  Redis by WebhookMetricsMiddleware (shared by all web processes);
- hovor_database_up, hovor_broker_up.

Protection: with HOVOR_METRICS_TOKEN set, a scrape must send `Authorization: Bearer <token>`;
without it, only loopback clients (127.0.0.1, ::1) are answered. Anyone else gets 404."""
from __future__ import annotations

import hmac
import logging
from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import DatabaseError
from django.db.models import Count, Min
from django.http import Http404, HttpRequest, HttpResponse
from django.utils import timezone
from django.views.decorators.http import require_GET
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import Collector

from channels.models import InboundEvent, InboundEventStatus
from channels.registry import supported_platforms
from inbox.enums import OutboundStatus
from inbox.models import OutboundMessage

logger = logging.getLogger("hovor.metrics")

WEBHOOK_COUNTS_KEY = "hovor:metrics:webhook-responses"
LOOPBACK = {"127.0.0.1", "::1"}
UNFINISHED = (OutboundStatus.QUEUED, OutboundStatus.SENDING, OutboundStatus.UNKNOWN)


def _redis() -> Any:
    from inbox.pipeline import _redis as shared

    return shared()


def _age(oldest: datetime | None, now: datetime) -> float:
    return max((now - oldest).total_seconds(), 0.0) if oldest else 0.0


class HovorCollector(Collector):
    def collect(self) -> Iterator[Any]:
        now = timezone.now()
        database = GaugeMetricFamily("hovor_database_up", "1 when the database answered this scrape")
        try:
            yield from self._database(now)
            database.add_metric([], 1)
        except DatabaseError as exc:
            logger.warning("metrics: database unavailable: %s", exc)
            database.add_metric([], 0)
        yield database
        yield from self._broker()

    def _database(self, now: datetime) -> Iterator[Any]:
        by_state = ["platform", "state"]
        events = GaugeMetricFamily("hovor_inbound_events", "Stored platform events by state", labels=by_state)
        lag = GaugeMetricFamily(
            "hovor_ingest_lag_seconds", "Age of the oldest stored event not yet ingested", labels=["platform"]
        )
        stored = InboundEvent.objects.values("account__platform", "status")
        for row in stored.annotate(n=Count("id"), oldest=Min("received_at")).order_by():
            events.add_metric([row["account__platform"], row["status"]], row["n"])
            if row["status"] == InboundEventStatus.RECEIVED:
                lag.add_metric([row["account__platform"]], _age(row["oldest"], now))
        outbox = GaugeMetricFamily("hovor_outbox", "Replies by delivery state", labels=by_state)
        oldest = GaugeMetricFamily(
            "hovor_outbox_oldest_seconds", "Age of the oldest reply in each unfinished state", labels=by_state
        )
        replies = OutboundMessage.objects.values("account__platform", "status")
        for row in replies.annotate(n=Count("id"), oldest=Min("created_at")).order_by():
            outbox.add_metric([row["account__platform"], row["status"]], row["n"])
            if row["status"] in UNFINISHED:
                oldest.add_metric([row["account__platform"], row["status"]], _age(row["oldest"], now))
        yield from (events, lag, outbox, oldest)

    def _broker(self) -> Iterator[Any]:
        up = GaugeMetricFamily("hovor_broker_up", "1 when the Redis broker answered this scrape")
        if not settings.REDIS_URL:
            return
        depth = GaugeMetricFamily("hovor_queue_depth", "Tasks waiting on each Celery queue", labels=["queue"])
        webhooks = CounterMetricFamily(
            "hovor_webhook_responses", "Webhook answers by HTTP status", labels=["platform", "status"]
        )
        try:
            client = _redis()
            pipe = client.pipeline()
            queues = [q.name for q in settings.CELERY_TASK_QUEUES]
            for name in queues:
                pipe.llen(name)
            pipe.hgetall(WEBHOOK_COUNTS_KEY)
            *lengths, counts = pipe.execute()
        except Exception as exc:  # any broker failure is "down" for this scrape
            logger.warning("metrics: broker unavailable: %s", exc)
            up.add_metric([], 0)
            yield up
            return
        for name, length in zip(queues, lengths, strict=True):
            depth.add_metric([name], length)
        for key, value in sorted(counts.items()):
            platform, _, status = key.decode().partition(":")
            webhooks.add_metric([platform, status], int(value))
        up.add_metric([], 1)
        yield from (depth, webhooks, up)


def _allowed(request: HttpRequest) -> bool:
    token = settings.HOVOR_METRICS_TOKEN
    if token:
        given = request.headers.get("Authorization", "")
        return hmac.compare_digest(given.encode(), f"Bearer {token}".encode())
    return request.META.get("REMOTE_ADDR", "") in LOOPBACK


@require_GET
def metrics(request: HttpRequest) -> HttpResponse:
    if not _allowed(request):
        raise Http404
    registry = CollectorRegistry(auto_describe=False)
    registry.register(HovorCollector())
    return HttpResponse(generate_latest(registry), content_type=CONTENT_TYPE_LATEST)


class WebhookMetricsMiddleware:
    """Counts every answer under /webhooks/<platform>/ by status (503s from a database
    outage included) in one Redis hash all web processes share; never fails a request."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if request.path.startswith("/webhooks/") and settings.REDIS_URL:
            platform = request.path.split("/")[2]
            if platform not in supported_platforms():
                platform = "unknown"  # a path anyone may make up: never a label per guess
            try:
                _redis().hincrby(WEBHOOK_COUNTS_KEY, f"{platform}:{response.status_code}", 1)
            except Exception as exc:  # the broker away must not cost the platform its answer
                logger.debug("metrics: webhook answer not counted: %s", exc)
        return response
