"""The inbox's rows, rendered in Python: the list is the page agents load most, and a Django
template spent about half a millisecond a row (fifty a page) resolving variables and
translating the same labels again for each row. Here each label is translated once a page,
the page's tags come in one query, and every value is escaped as the template did.

The markup is the row's contract with static/hovor (keyboard, selection, live timers) and
with the browser tests: keep it in step with them."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django import template
from django.template.defaultfilters import date as date_filter
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from ..enums import TicketPriority
from ..models import Ticket
from ..selectors import ticket_tag_names
from .hovor import snippet, status_label
from .sentiment import sentiment_marker

register = template.Library()

URL_SENTINEL = "987654321"


def _iso(value: datetime | None) -> str:
    """As the `date:"c"` filter: ISO 8601 in the active time zone."""
    return timezone.localtime(value).isoformat() if value else ""


class _Page:
    """What every row says the same way, translated and escaped once a page."""

    def __init__(self, context: template.Context, rows: list[Ticket]) -> None:
        user = context.get("user")
        self.user_pk = getattr(user, "pk", None)
        self.query = escape(str(context.get("query", "") or ""))
        self.current_id = context.get("current_id")
        self.searching = bool(context.get("searching"))
        self.ticket_url = escape(reverse("inbox:ticket", args=[int(URL_SENTINEL)]))
        self.tags = ticket_tag_names(ticket_ids=[t.pk for t in rows]) if rows else {}
        self.no_name = escape(_("(no name)"))
        self.me = escape(_("me"))
        self.snoozed_until = escape(_("Snoozed until"))
        self.back = escape(_("back"))
        self.waiting = escape(_("Waiting for a reply"))
        self.next_due = escape(_("Next response due"))
        self.first_due = escape(_("First response due"))
        self.priorities = {value: escape(str(label)) for value, label in TicketPriority.choices}
        # The one-key "I'm looking into it" on a waiting row (a newcomer's goes to a lead).
        self.ack_url = escape(reverse("inbox:ticket_acknowledge", args=[int(URL_SENTINEL)]))
        self.ack_title = escape(
            _("Send “I'm looking into it” for a lead's approval (l)") if context.get("is_newcomer")
            else _("Send “I'm looking into it” in the customer's language (l)")
        )
        self.ack_label = escape(_("On it"))
        self._once: dict[tuple[str, str], str] = {}

    def once(self, kind: str, value: str, make: Any) -> str:
        """A piece that depends on one value only (a badge, a marker), made once a page."""
        key = (kind, value)
        if key not in self._once:
            self._once[key] = str(make(value))
        return self._once[key]


def _who(t: Ticket, page: _Page) -> str:
    if page.searching:
        name = _escape(t.search_name) if t.customer.name else page.no_name  # type: ignore[attr-defined]
        return f'{name} <span class="muted">#{t.pk}</span>'
    return escape(t.customer.name) if t.customer.name else page.no_name


def _assignee(t: Ticket, page: _Page) -> str:
    if t.assignee is None:
        return ""
    profile = getattr(t.assignee, "agent_profile", None)
    name = (profile.display_name if profile is not None else "") or t.assignee.get_username()
    title = page.once("assigned", name, lambda n: escape(_("Assigned to %(name)s") % {"name": n}))
    shown = page.me if t.assignee_id == page.user_pk else escape(name)
    return f'<span class="assignee" title="{title}">→ {shown}</span>'


def _timing(t: Ticket, page: _Page) -> list[str]:
    parts = []
    if t.snoozed_until:
        local = date_filter(timezone.localtime(t.snoozed_until), "j M H:i")
        parts.append(f'<span class="badge snoozed" title="{page.snoozed_until}">⏾ '
                     f'<time datetime="{_iso(t.snoozed_until)}" data-local>{escape(local)}</time></span>')
    elif t.woke_at:
        parts.append(f'<span class="badge woke">{page.back}</span>')
    if t.waiting_since:
        parts.append(f'<span class="timer" data-since="{_iso(t.waiting_since)}" data-due="{_iso(t.sla_due_at)}" '
                     f'title="{page.waiting}">…</span>')
    if t.sla_due_at:
        title = page.next_due if t.sla_target == "next" else page.first_due
        parts.append(f'<span class="sla-clock" data-sla-due="{_iso(t.sla_due_at)}" title="{title}">…</span>')
    return parts


def _meta(t: Ticket, page: _Page) -> str:
    platform = t.account.platform
    parts = [
        page.once("platform", platform, lambda p: f'<span class="badge platform-{escape(p)}">'
                                                  f'{escape(t.account.get_platform_display())}</span>'),
        page.once("status", t.status, lambda s: f'<span class="badge status-{escape(s)}">'
                                                 f'{escape(status_label(s))}</span>'),
    ]
    if t.language:
        parts.append(f'<span class="badge lang">{escape(t.language)}</span>')
    parts.append(page.once("sentiment", t.sentiment or "", sentiment_marker))
    parts.append(_assignee(t, page))
    if t.priority != TicketPriority.NORMAL:
        label = page.priorities.get(t.priority, escape(t.priority))
        parts.append(f'<span class="badge priority-{escape(t.priority)}">{label}</span>')
    parts.extend(_timing(t, page))
    return "\n      ".join(p for p in parts if p)


def _chips(t: Ticket, page: _Page) -> str:
    names = page.tags.get(t.pk)
    if not names:
        return ""
    return '<div class="chips">' + "".join(f'<span class="chip">{escape(n)}</span>' for n in names) + "</div>"


def _ack(t: Ticket, page: _Page) -> str:
    if not t.waiting_since:
        return ""
    url = page.ack_url.replace(URL_SENTINEL, str(t.pk))
    return (f'<button type="submit" form="ack-row-form" formaction="{url}" class="small ack-row" data-ack="{t.pk}" '
            f'title="{page.ack_title}">{page.ack_label}</button>')


def ticket_row(t: Ticket, page: _Page) -> str:
    handle = t.search_handle if page.searching else (t.last_handle or "")  # type: ignore[attr-defined]
    text = t.search_snippet if page.searching else snippet(t.last_text or "")  # type: ignore[attr-defined]
    select = escape(_("Select conversation #%(n)s") % {"n": t.pk})
    current = " current" if page.current_id == t.pk else ""
    can_ack = " can-ack" if t.waiting_since else ""
    url = page.ticket_url.replace(URL_SENTINEL, str(t.pk))
    # escape() leaves the search's highlighted (safe) strings as they are, like the template.
    return (
        f'\n  <div class="triage-row{can_ack}" data-row="{t.pk}"><input type="checkbox" class="row-select" '
        f'name="tickets" value="{t.pk}" form="bulk-form" aria-label="{select}">\n'
        f'  <a class="ticket-row{current}" href="{url}?{page.query}" data-ticket="{t.pk}">\n'
        f'    <div class="who"><span class="name">{_who(t, page)}</span>\n'
        f'      <span class="handle">{_escape(handle)}</span></div>\n'
        f'    <div class="snippet">{_escape(text)}</div>\n'
        f'    <div class="meta">\n      {_meta(t, page)}\n    </div>\n'
        f'    {_chips(t, page)}\n  </a>{_ack(t, page)}</div>\n'
    )


def _escape(value: object) -> str:
    """conditional_escape: a SafeString (the search's highlights) as it is, anything else escaped."""
    return str(value) if isinstance(value, SafeString) else escape(value)


@register.simple_tag(takes_context=True)
def ticket_rows(context: template.Context, tickets: Iterable[Ticket] | None = None) -> SafeString:
    """Every row of `tickets` (the context's by default), as `_ticket_rows.html` showed them."""
    rows = list((context.get("tickets") or []) if tickets is None else tickets)
    page = _Page(context, rows)
    return mark_safe("".join(ticket_row(t, page) for t in rows))  # noqa: S308 (every value escaped above)
