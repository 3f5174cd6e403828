"""A plain `celery -A helpdesk worker` (no -Q) consumes every queue a task is routed to."""
from __future__ import annotations

from fnmatch import fnmatch

from django.conf import settings

from helpdesk.celery import app


def test_every_routed_queue_is_declared_so_a_plain_worker_consumes_it() -> None:
    declared = set(app.amqp.queues)  # what a worker started without -Q consumes
    routed = {route["queue"] for route in settings.CELERY_TASK_ROUTES.values()}
    assert routed | {settings.CELERY_TASK_DEFAULT_QUEUE} <= declared
    assert {"default", "inbound", "routing", "outbound"} <= declared


def test_every_pipeline_task_has_a_route_to_a_declared_queue() -> None:
    app.loader.import_default_modules()
    ours = [name for name in app.tasks if name.split(".")[0] in ("channels", "inbox", "chat")]
    assert "inbox.deliver_outbound" in ours and "channels.poll_account" in ours and "inbox.ingest_account" in ours
    for name in ours:
        queues = [r["queue"] for pattern, r in settings.CELERY_TASK_ROUTES.items() if fnmatch(name, pattern)]
        queue = queues[0] if queues else settings.CELERY_TASK_DEFAULT_QUEUE
        assert queue in app.amqp.queues, name


def test_beat_names_tasks_that_exist() -> None:
    app.loader.import_default_modules()
    for entry in settings.CELERY_BEAT_SCHEDULE.values():
        assert entry["task"] in app.tasks, entry["task"]
