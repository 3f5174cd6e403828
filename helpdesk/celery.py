"""The Celery app. `celery -A helpdesk worker` / `celery -A helpdesk beat` start the background side."""
import os
from typing import Any

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "helpdesk.settings")

app = Celery("helpdesk")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


def step_task(name: str, *, max_retries: int = 8) -> Any:
    """A pipeline step: named, ids in, nothing out, acknowledged only after it ran (a
    worker crash re-delivers it; every step is idempotent), retried with backoff when the
    database is momentarily unavailable."""
    from django.db import OperationalError

    return app.task(
        name=name,
        ignore_result=True,
        acks_late=True,
        autoretry_for=(OperationalError,),
        retry_backoff=True,
        max_retries=max_retries,
    )
