from __future__ import annotations

from typing import Any

from django import template

from ..models import PresenceStatus, RoutingProfile

register = template.Library()


@register.inclusion_tag("routing/_presence_control.html", takes_context=True)
def presence_control(context: dict[str, Any]) -> dict[str, Any]:
    user = context["request"].user
    chosen = RoutingProfile.objects.filter(user=user).values_list("presence", flat=True).first()
    return {"presence": chosen or PresenceStatus.OFFLINE, "choices": PresenceStatus.choices}
