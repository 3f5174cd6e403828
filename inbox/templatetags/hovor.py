"""Display helpers for the agent UI. Output is escaped by Django as usual."""

from __future__ import annotations

import re
from typing import Any

from django import template
from django.urls import reverse
from django.utils.dateparse import parse_datetime
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from channels import registry
from channels.registry import get_connector

from ..enums import Sentiment, TicketPriority
from ..models import Message, TicketEvent

register = template.Library()

LEADING_MENTIONS = re.compile(r"^(?:@\w+\s+)+")

# Short status names for badges (the status menu shows the longer TicketStatus labels).
STATUS_SHORT = {
    "new": gettext_lazy("New"),
    "open": gettext_lazy("Open"),
    "pending": gettext_lazy("Pending"),
    "solved": gettext_lazy("Solved"),
}


@register.filter
def status_label(status: str) -> str:
    return str(STATUS_SHORT.get(status, status))


# What the customer's message was, in the agent's words: each connector declares its
# message kinds and their labels (channels.registry).
@register.filter
def kind_label(kind: str, platform: str = "") -> str:
    return registry.kind_label(kind, platform)


@register.filter
def platform_label(platform: str) -> str:
    """The platform's label; a stored platform no connector provides shows as its name."""
    return registry.platform_label(platform)


@register.filter
def agent_template(platform: str) -> str:
    """The template a platform adds to the agent's ticket view ("" for none)."""
    if platform not in registry.supported_platforms():
        return ""
    return registry.get_connector(platform).agent_template


@register.simple_tag
def platform_badges_css() -> str:
    """The URL of the platforms' badge stylesheet, versioned by its content."""
    return f"{reverse('channels:badges_css')}?v={registry.badge_stylesheet()[1]}"


@register.filter
def snippet(text: str) -> str:
    """The message without the @mentions a reply starts with, for a two-line preview."""
    return LEADING_MENTIONS.sub("", text or "") or (text or "")


@register.filter
def reply_author(message: Message) -> str:
    """Who wrote a reply, for the thread: the agent's display name, else their username; a
    reply whose author was deleted (or that never had one) is shown as Hovor's."""
    user = message.author_user
    if user is None:
        return "Hovor"
    profile = getattr(user, "agent_profile", None)
    return (profile.display_name if profile is not None else "") or user.get_username() or "Hovor"


@register.filter
def permalink(message: Message) -> str:
    if not message.platform_id:
        return ""
    account = message.account
    if account.platform not in registry.supported_platforms():
        return ""
    return get_connector(account.platform).permalink(account, message.platform_id)


@register.filter
def event_summary(event: TicketEvent) -> str:
    payload = event.payload or {}
    if event.type == "status_changed":
        return _("Status changed: %(old)s → %(new)s") % {
            "old": status_label(str(payload.get("old", "?"))),
            "new": status_label(str(payload.get("new", "?"))),
        }
    if event.type == "assigned":
        assignee = str(payload.get("assignee_name") or "")
        if payload.get("assignee_id") is None:
            return _("Unassigned")
        if event.actor_id is None:
            return _("Assigned to %(name)s by routing") % {"name": assignee or "?"}
        if event.actor_id == payload.get("assignee_id"):
            return _("Took it")
        if payload.get("reason"):
            return _("Handed to %(name)s: %(reason)s") % {"name": assignee or "?", "reason": payload["reason"]}
        return _("Assigned to %(name)s") % {"name": assignee or "?"}
    if event.type == "sentiment_changed":
        return _("Customer's mood changed: %(old)s → %(new)s") % {
            "old": _sentiment_label(str(payload.get("old") or "")),
            "new": _sentiment_label(str(payload.get("new") or "")),
        }
    if event.type == "sla_breached":
        if payload.get("target") == "next":
            return _("Next-response target missed: escalated")
        return _("First-response target missed: escalated")
    if event.type == "reply_failed":
        return _("Reply failed: %(error)s") % {"error": payload.get("error", "")}
    if event.type == "csat_answered":
        return _("Customer rated the conversation: %(rating)s / 5") % {"rating": payload.get("rating", "?")}
    if event.type == "draft_returned":
        return _("Draft returned: %(comment)s") % {"comment": payload.get("comment", "")}
    if event.type == "draft_approved" and payload.get("edited"):
        return _("Draft edited and sent")
    if event.type == "canned_used":
        return _("Canned response /%(shortcut)s used (%(language)s)") % {
            "shortcut": payload.get("shortcut", "?"), "language": payload.get("language", "?"),
        }
    triage = _triage_summary(event.type, payload)
    if triage is not None:
        return triage
    return event.get_type_display()


def _sentiment_label(value: str) -> str:
    return str(Sentiment(value).label) if value in Sentiment.values else _("unknown")


UNSNOOZE_REASONS = {
    "agent": gettext_lazy("Snooze ended by hand"),
    "time": gettext_lazy("Back from snooze: its time came"),
    "customer": gettext_lazy("Back from snooze: the customer wrote"),
}


def _priority_label(value: object) -> str:
    return str(dict(TicketPriority.choices).get(str(value), value))


def _triage_summary(kind: str, payload: dict[str, Any]) -> str | None:
    """The activity line of a triage event (inbox/actions/triage.py), or None."""
    if kind == "priority_changed":
        return _("Priority: %(old)s → %(new)s") % {
            "old": _priority_label(payload.get("old")), "new": _priority_label(payload.get("new")),
        }
    if kind == "tags_changed":
        parts = [f"+{name}" for name in payload.get("added", [])] + [f"−{name}" for name in payload.get("removed", [])]
        return _("Tags: %(changes)s") % {"changes": " ".join(parts)}
    if kind == "snoozed":
        until = parse_datetime(str(payload.get("until", "")))
        if until is None:
            return _("Snoozed")
        return format_html(
            '{} <time datetime="{}" data-local>{}</time>',
            _("Snoozed until"), until.isoformat(), date_format(until, "j M H:i"),
        )
    if kind == "unsnoozed":
        return str(UNSNOOZE_REASONS.get(str(payload.get("reason")), _("Back from snooze")))
    if kind == "team_changed":
        return _("Team: %(old)s → %(new)s") % {
            "old": payload.get("old_name") or "—", "new": payload.get("new_name") or "—",
        }
    return None
