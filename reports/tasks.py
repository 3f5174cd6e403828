from __future__ import annotations

from channels.models import Brand
from helpdesk.celery import step_task

from .crisis import crisis_alert, crisis_check


@step_task("reports.crisis_watch")
def crisis_watch() -> None:
    """Every few minutes (beat): each brand's last quarter hour against its usual level."""
    for brand_id in Brand.objects.values_list("pk", flat=True):
        spike = crisis_check(brand_id=brand_id)
        if spike is not None:
            crisis_alert(spike=spike)
