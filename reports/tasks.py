from __future__ import annotations

from django.utils import timezone

from channels.models import Brand
from helpdesk.celery import step_task

from .crisis import LOOK_BACK, WINDOW, crisis_alert, crisis_check


@step_task("reports.crisis_watch")
def crisis_watch() -> None:
    """Every few minutes (beat): each brand's last quarter hours against their usual level.
    The last LOOK_BACK windows, not only the newest: messages stamped with the platform's
    time can arrive after their window closed (a polled channel, an ingest backlog in a
    burst), and a spike counted too early would never alarm. The alert is once per window."""
    now = timezone.now()
    for brand_id in Brand.objects.values_list("pk", flat=True):
        for k in range(LOOK_BACK):
            spike = crisis_check(brand_id=brand_id, now=now - k * WINDOW)
            if spike is not None:
                crisis_alert(spike=spike)
