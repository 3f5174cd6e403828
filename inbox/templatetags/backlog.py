"""The pipeline's backlog on the admin index: {% load backlog %}{% pipeline_backlog as b %}."""
from __future__ import annotations

from typing import Any

from django import template

from ..pipeline import pipeline_backlog as _pipeline_backlog

register = template.Library()


@register.simple_tag
def pipeline_backlog() -> dict[str, Any]:
    return _pipeline_backlog()
