"""WhatsApp's reply rules: 4096 characters of text, and the 24-hour customer service
window. Free-form messages may go out only within 24 hours of the customer's last
message; after that only an approved message template may (error 131047 otherwise)."""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from channels.base import ChannelLimits

MAX_TEXT_LENGTH = 4096
LIMITS = ChannelLimits(max_length=MAX_TEXT_LENGTH, counting="chars", public=False)
SERVICE_WINDOW = timedelta(hours=24)


@dataclass(frozen=True)
class Template:
    """An approved message template as an admin listed it on the account."""

    name: str
    language: str
    body: str = ""

    @property
    def label(self) -> str:
        return f"{self.name} ({self.language})"

    def placeholders(self) -> int:
        """How many {{n}} body parameters the template expects (WhatsApp numbers them 1…n)."""
        count = 0
        while "{{" + str(count + 1) + "}}" in self.body:
            count += 1
        return count


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
