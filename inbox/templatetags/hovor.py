"""Display helpers for the agent UI. Output is escaped by Django as usual."""
from __future__ import annotations

import re

from django import template

from channels.registry import get_connector

from ..models import Message, TicketEvent

register = template.Library()

LEADING_MENTIONS = re.compile(r"^(?:@\w+\s+)+")


@register.filter
def snippet(text: str) -> str:
    """The message without the @mentions a reply starts with, for a two-line preview."""
    return LEADING_MENTIONS.sub("", text or "") or (text or "")


@register.filter
def permalink(message: Message) -> str:
    if not message.platform_id:
        return ""
    account = message.account
    return get_connector(account.platform).permalink(account, message.platform_id)


@register.filter
def event_summary(event: TicketEvent) -> str:
    payload = event.payload or {}
    if event.type == "status_changed":
        return f"Status changed: {payload.get('old', '?')} → {payload.get('new', '?')}"
    if event.type == "reply_failed":
        return f"Reply failed: {payload.get('error', '')}"
    return event.get_type_display()
