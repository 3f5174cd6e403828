"""WhatsApp's reply rules: 4096 characters of text, and the 24-hour customer service
window. Free-form messages may go out only within 24 hours of the customer's last
message; after that only an approved message template may (error 131047 otherwise)."""
from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from channels.base import ChannelLimits
from channels.types import MessageTemplate

MAX_TEXT_LENGTH = 4096
MAX_CAPTION_LENGTH = 1024  # a media message's caption
LIMITS = ChannelLimits(max_length=MAX_TEXT_LENGTH, counting="chars", public=False)
SERVICE_WINDOW = timedelta(hours=24)


# An approved message template (the channel-neutral type; the name this package had for it).
Template = MessageTemplate


def render_template(body: str, params: Sequence[str]) -> str:
    """The text the customer receives: {{1}}…{{n}} of `body` filled with `params`."""
    rendered = body
    for number, value in enumerate(params, 1):
        rendered = rendered.replace("{{" + str(number) + "}}", value)
    return rendered


def graph_template_body(components: Any) -> str:
    """The BODY component's text of a template as Graph lists it ("" when it has none)."""
    if not isinstance(components, list):
        return ""
    for component in components:
        if isinstance(component, Mapping) and str(component.get("type", "")).upper() == "BODY":
            text = component.get("text")
            return text if isinstance(text, str) else ""
    return ""


def approved_templates(items: Iterable[Any]) -> list[dict[str, Any]]:
    """GET /{WABA-ID}/message_templates items that may be sent: status APPROVED, with a name
    and a language; each as {name, language, category, body, components, id}. Graph data,
    so anything not of that shape is skipped."""
    found = []
    for item in items:
        if not isinstance(item, Mapping) or item.get("status") != "APPROVED":
            continue
        name, language = item.get("name"), item.get("language")
        if not (isinstance(name, str) and name and isinstance(language, str) and language):
            continue
        components = item.get("components") if isinstance(item.get("components"), list) else []
        found.append({
            "name": name[:512],
            "language": language[:20],
            "category": str(item.get("category") or "")[:30],
            "body": graph_template_body(components),
            "components": components,
            "id": str(item.get("id") or "")[:100],
        })
    return found


def templates_from(entries: Any) -> list[Template]:
    """The account's `templates` credential: a list of {"name", "language", "body"}. Entries
    that are not that shape are skipped (it is admin input, not platform data)."""
    if not isinstance(entries, list):
        return []
    found = []
    for entry in entries:
        if not isinstance(entry, Mapping):
            continue
        name, language, body = entry.get("name"), entry.get("language"), entry.get("body", "")
        if isinstance(name, str) and name and isinstance(language, str) and language and isinstance(body, str):
            found.append(Template(name=name, language=language, body=body))
    return found


def window_closed(last_customer_message_at: datetime | None, now: datetime) -> bool:
    return last_customer_message_at is not None and now - last_customer_message_at >= SERVICE_WINDOW


def hours_since(last_customer_message_at: datetime, now: datetime) -> int:
    return int((now - last_customer_message_at).total_seconds() // 3600)


def window_closed_message(templates: Iterable[Template] | None, hours: int | None = None) -> str:
    """The sentence the composer shows when free text may not go out any more."""
    # In the agent's language (the agent UI's catalogues in locale/).
    if hours is not None:
        first = ngettext(
            "WhatsApp allows free-text replies only within 24 hours of the customer's last message "
            "(the last one was %(n)d hour ago), so this reply cannot be sent.",
            "WhatsApp allows free-text replies only within 24 hours of the customer's last message "
            "(the last one was %(n)d hours ago), so this reply cannot be sent.",
            hours,
        ) % {"n": hours}
    else:
        first = _(
            "WhatsApp allows free-text replies only within 24 hours of the customer's last message, "
            "so this reply cannot be sent."
        )
    labels = [t.label for t in templates or ()]
    if labels:
        return first + " " + _("Send an approved template instead: %(templates)s.") % {"templates": ", ".join(labels)}
    if templates is None:
        return first + " " + _("Send one of the account's approved message templates instead.")
    return (
        first
        + " "
        + _(
            "Only an approved message template can reach the customer now, and none is listed "
            "on this WhatsApp account: ask an admin to add the approved templates."
        )
    )
