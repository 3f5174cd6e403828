"""Triage: priority, tags, snooze and the team responsible for a conversation.

One typed function per change. Each locks the ticket inside the actor's scope (a ticket of a
brand the actor does not see is OutOfScope, which the views answer with 404), writes, appends
its TicketEvent and bumps the inbox's live stamp after commit. `tickets_bulk_apply` applies
one of these changes (or an assignment or status) to a selection, each ticket with its own
event. A snoozed ticket wakes when its time passes (`tickets_wake_due`, run by beat) or when
the customer writes (`tickets_wake_on_customer_message`, called by ingest); a woken ticket
heads its queue until it is answered or solved (inbox.selectors.QUEUE_ORDER)."""
from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from urllib.parse import parse_qsl, urlencode
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from .. import events
from ..enums import TicketPriority, TicketStatus
from ..live import bump_on_commit
from ..models import SavedView, Tag, Team, Ticket
from ..permissions import is_admin, is_lead
from ..selectors import agents_for_brand, tickets_visible_to
from .sla import ticket_sla_refresh
from .state import UnknownStatus, ticket_assignee_change, ticket_status_change

TAG_MAX = 50
# The inbox filters a saved view keeps (InboxFilters' URL keys), in the inbox's order.
SAVED_VIEW_KEYS = ("brand", "platform", "status", "language", "tag", "priority", "sla")
SNOOZE_MAX = timedelta(days=366)
BULK_MAX = 500
# Quick snooze choices: tomorrow and next week start at this local hour.
SNOOZE_MORNING = time(9, 0)
SNOOZE_CHOICES = ("hour", "tomorrow", "next_week", "custom")


class TriageError(ValueError):
    """A triage change that cannot be made; the message is for the agent. (Not a
    TicketActionError: actions.tickets imports ingest, which calls this module to wake
    snoozed tickets.)"""


class OutOfScope(TriageError):
    """A ticket the actor may not see (another brand's, or none such): a 404 to them."""


# --- helpers ------------------------------------------------------------------------------
def _locked(ticket_id: int, actor: User | None) -> Ticket:
    """The ticket, row-locked, if the actor may see it (None: the system, which sees all)."""
    qs = Ticket.objects.all() if actor is None else tickets_visible_to(user=actor)
    ticket = qs.select_for_update(of=("self",)).filter(pk=ticket_id).first()
    if ticket is None:
        raise OutOfScope(_("No such conversation."))
    return ticket


def _touch(ticket: Ticket, **fields: object) -> None:
    now = timezone.now()
    Ticket.objects.filter(pk=ticket.pk).update(**fields, updated_at=now)
    for key, value in {**fields, "updated_at": now}.items():
        setattr(ticket, key, value)


def tag_name_clean(name: str) -> str:
    """One spelling per tag: spaces trimmed and collapsed, at most 50 characters."""
    cleaned = re.sub(r"\s+", " ", name or "").strip()[:TAG_MAX]
    if not cleaned:
        raise TriageError(_("A tag needs a name."))
    return cleaned


def tags_resolve(*, names: Iterable[str]) -> list[Tag]:
    """The tags with these names (case-insensitive), created when an agent types a new one."""
    found: dict[str, Tag] = {}
    for raw in names:
        name = tag_name_clean(raw)
        key = name.casefold()
        if key in found:
            continue
        tag = Tag.objects.filter(name__iexact=name).first()
        if tag is None:
            try:
                with transaction.atomic():
                    tag = Tag.objects.create(name=name)
            except IntegrityError:  # a colleague created it a moment ago
                tag = Tag.objects.get(name__iexact=name)
        found[key] = tag
    return list(found.values())


def snooze_time(*, choice: str, tz: str = "", custom: str = "", now: datetime | None = None) -> datetime:
    """When a quick choice ends, in the agent's time zone (the browser's, `tz`): in an hour,
    tomorrow at 9:00, next Monday at 9:00, or a custom local date and time."""
    now = now or timezone.now()
    try:
        zone = ZoneInfo(tz) if tz else ZoneInfo(settings.TIME_ZONE)
    except (ZoneInfoNotFoundError, ValueError):
        zone = ZoneInfo(settings.TIME_ZONE)
    local = now.astimezone(zone)
    if choice == "hour":
        return now + timedelta(hours=1)
    if choice == "tomorrow":
        return datetime.combine(local.date() + timedelta(days=1), SNOOZE_MORNING, tzinfo=zone)
    if choice == "next_week":
        return datetime.combine(local.date() + timedelta(days=7 - local.weekday()), SNOOZE_MORNING, tzinfo=zone)
    if choice == "custom":
        moment = parse_datetime(custom.strip()) if custom else None
        if moment is None:
            raise TriageError(_("Pick a date and time to snooze until."))
        return moment if timezone.is_aware(moment) else moment.replace(tzinfo=zone)
    raise TriageError(_("Unknown snooze choice."))


# --- one change each ---------------------------------------------------------------------
@transaction.atomic
def ticket_priority_change(*, ticket: Ticket, priority: str, actor: User | None) -> bool:
    """Low, normal, high or urgent. True if it changed."""
    if priority not in TicketPriority.values:
        raise TriageError(_("Unknown priority %(priority)s.") % {"priority": priority})
    locked = _locked(ticket.pk, actor)
    old = locked.priority
    if old == priority:
        return False
    _touch(locked, priority=priority)
    ticket.priority = priority
    events.priority_changed(ticket=locked, actor=actor, old=old, new=priority)
    ticket_sla_refresh(ticket=locked)  # the targets follow the priority
    for name in ("sla_due_at", "next_response_due_at", "first_response_due_at", "sla_target"):
        setattr(ticket, name, getattr(locked, name))
    bump_on_commit()
    return True


@transaction.atomic
def ticket_tags_change(
    *, ticket: Ticket, actor: User | None, add: Iterable[str] = (), remove: Iterable[str] = ()
) -> bool:
    """Put tags on (new names become tags) and take tags off. True if anything changed."""
    locked = _locked(ticket.pk, actor)
    current = {tag.name.casefold(): tag for tag in locked.tags.all()}
    adding = [tag for tag in tags_resolve(names=add) if tag.name.casefold() not in current]
    dropping_keys = {tag_name_clean(name).casefold() for name in remove}
    dropping = [tag for key, tag in current.items() if key in dropping_keys]
    if not adding and not dropping:
        return False
    locked.tags.add(*adding)
    locked.tags.remove(*dropping)
    _touch(locked)
    events.tags_changed(
        ticket=locked, actor=actor, added=[t.name for t in adding], removed=[t.name for t in dropping]
    )
    bump_on_commit()
    return True


def ticket_tags_set(*, ticket: Ticket, actor: User | None, names: Iterable[str]) -> bool:
    """Exactly these tags (the API's PATCH): the difference is added and removed."""
    wanted = {tag_name_clean(name).casefold(): tag_name_clean(name) for name in names}
    current = {name.casefold(): name for name in ticket.tags.values_list("name", flat=True)}
    return ticket_tags_change(
        ticket=ticket,
        actor=actor,
        add=[name for key, name in wanted.items() if key not in current],
        remove=[name for key, name in current.items() if key not in wanted],
    )


@transaction.atomic
def ticket_snooze(*, ticket: Ticket, until: datetime, actor: User | None) -> bool:
    """Out of the working views until `until` (or until the customer writes)."""
    now = timezone.now()
    if timezone.is_naive(until):
        raise TriageError(_("Pick a date and time to snooze until."))
    if until <= now:
        raise TriageError(_("Pick a time in the future."))
    if until > now + SNOOZE_MAX:
        raise TriageError(_("A snooze lasts at most a year."))
    locked = _locked(ticket.pk, actor)
    if locked.status == TicketStatus.SOLVED:
        raise TriageError(_("A solved conversation cannot be snoozed."))
    if locked.snoozed_until == until:
        return False
    _touch(locked, snoozed_until=until, woke_at=None)
    ticket.snoozed_until, ticket.woke_at = until, None
    events.snoozed(ticket=locked, actor=actor, until=until.astimezone(ZoneInfo("UTC")).isoformat())
    bump_on_commit()
    return True


def _wake(ticket: Ticket, *, actor: User | None, reason: str) -> bool:
    """Precondition: `ticket` is row-locked in the caller's transaction."""
    if ticket.snoozed_until is None:
        return False
    _touch(ticket, snoozed_until=None, woke_at=timezone.now())
    events.unsnoozed(ticket=ticket, actor=actor, reason=reason)
    bump_on_commit()
    return True


@transaction.atomic
def ticket_unsnooze(*, ticket: Ticket, actor: User | None, reason: str = "agent") -> bool:
    """End the snooze now: the conversation is back, at the top of its queue."""
    locked = _locked(ticket.pk, actor)
    changed = _wake(locked, actor=actor, reason=reason)
    ticket.snoozed_until, ticket.woke_at = locked.snoozed_until, locked.woke_at
    return changed


def tickets_wake_due(*, now: datetime | None = None, limit: int = 500) -> list[int]:
    """Snoozes whose time has come end (beat runs this every few seconds). Idempotent: a
    ticket woken already, or snoozed again meanwhile, is left alone."""
    now = now or timezone.now()
    due = list(
        Ticket.objects.filter(snoozed_until__lte=now).order_by("snoozed_until").values_list("pk", flat=True)[:limit]
    )
    woken = []
    for pk in due:
        with transaction.atomic():
            ticket = Ticket.objects.select_for_update().filter(pk=pk, snoozed_until__lte=now).first()
            if ticket is not None and _wake(ticket, actor=None, reason="time"):
                woken.append(pk)
    return woken


def tickets_wake_on_customer_message(*, ticket_ids: Sequence[int]) -> list[int]:
    """The customer wrote to these tickets: any snoozed among them is back now. Called
    inside ingest's transaction; one indexed query when none is snoozed."""
    woken = []
    for ticket in Ticket.objects.select_for_update().filter(pk__in=list(ticket_ids), snoozed_until__isnull=False):
        if _wake(ticket, actor=None, reason="customer"):
            woken.append(ticket.pk)
    return woken


@transaction.atomic
def ticket_team_change(*, ticket: Ticket, team: Team | None, actor: User | None) -> bool:
    """Leads and admins hand a conversation to another team answering for its brand."""
    if actor is not None and not (is_admin(actor) or is_lead(actor)):
        raise TriageError(_("Only leads and admins move a conversation to another team."))
    locked = _locked(ticket.pk, actor)
    if team is not None and not team.brands.filter(pk=locked.brand_id).exists():
        raise TriageError(_("The team %(team)s does not answer for this brand.") % {"team": team.name})
    new_id = team.pk if team is not None else None
    if locked.team_id == new_id:
        return False
    old_id = locked.team_id
    old_name = (Team.objects.filter(pk=old_id).values_list("name", flat=True).first() or "") if old_id else ""
    _touch(locked, team_id=new_id)
    ticket.team_id = new_id
    events.team_changed(
        ticket=locked, actor=actor, old_id=old_id, new_id=new_id, old_name=old_name,
        new_name=team.name if team is not None else "",
    )
    bump_on_commit()
    return True


# --- many at once ----------------------------------------------------------------------
@dataclass
class BulkResult:
    changed: list[int] = field(default_factory=list)
    unchanged: list[int] = field(default_factory=list)
    refused: list[tuple[int, str]] = field(default_factory=list)  # (ticket id, why)


BULK_ACTIONS = ("assign", "status", "tag", "untag", "priority", "snooze", "unsnooze", "team")


def _bulk_change(action: str, value: object, actor: User) -> Callable[[Ticket], bool]:
    """The single-ticket action that `action` names, with its value checked once."""
    if action == "assign":
        if value is not None and not isinstance(value, User):
            raise TriageError(_("No such agent."))
        return lambda t: _bulk_assign(t, value, actor)
    if action == "status":
        return lambda t: _status_changed(t, str(value), actor)
    if action in ("tag", "untag"):
        name = tag_name_clean(str(value or ""))
        if action == "tag":
            return lambda t: ticket_tags_change(ticket=t, actor=actor, add=[name])
        return lambda t: ticket_tags_change(ticket=t, actor=actor, remove=[name])
    if action == "priority":
        return lambda t: ticket_priority_change(ticket=t, priority=str(value), actor=actor)
    if action == "snooze":
        if not isinstance(value, datetime):
            raise TriageError(_("Pick a date and time to snooze until."))
        return lambda t: ticket_snooze(ticket=t, until=value, actor=actor)
    if action == "unsnooze":
        return lambda t: ticket_unsnooze(ticket=t, actor=actor)
    if action == "team":
        if value is not None and not isinstance(value, Team):
            raise TriageError(_("No such team."))
        return lambda t: ticket_team_change(ticket=t, team=value, actor=actor)
    raise TriageError(_("Unknown action."))


def _bulk_assign(ticket: Ticket, assignee: User | None, actor: User) -> bool:
    """As actions.tickets.ticket_assign: the row locked, then the one writer of assignees."""
    if assignee is not None and not agents_for_brand(brand_id=ticket.brand_id).filter(pk=assignee.pk).exists():
        raise TriageError(_("%(name)s does not answer for this brand.") % {"name": assignee.get_username()})
    locked = _locked(ticket.pk, actor)
    changed = ticket_assignee_change(ticket=locked, assignee_id=assignee.pk if assignee else None, actor=actor)
    if changed:
        bump_on_commit()
    return changed


def _status_changed(ticket: Ticket, status: str, actor: User) -> bool:
    """As actions.tickets.ticket_set_status, through the one writer of statuses."""
    locked = _locked(ticket.pk, actor)
    try:
        changed = ticket_status_change(ticket=locked, status=status, actor=actor)
    except UnknownStatus as exc:
        raise TriageError(_("Unknown status %(status)s.") % {"status": status}) from exc
    if changed:
        bump_on_commit()
    return changed


@transaction.atomic
def tickets_bulk_apply(*, actor: User, ticket_ids: Sequence[int], action: str, value: object = None) -> BulkResult:
    """Apply one change to each selected ticket, each with its own event. Every ticket must
    be in the actor's scope (else OutOfScope and nothing changes); a ticket the change does
    not fit (a solved one snoozed, an agent of another brand) is refused and the rest go on."""
    ids = sorted(set(ticket_ids))
    if not ids:
        raise TriageError(_("Select some conversations first."))
    if len(ids) > BULK_MAX:
        raise TriageError(_("At most %(n)d conversations at once.") % {"n": BULK_MAX})
    tickets = list(tickets_visible_to(user=actor).filter(pk__in=ids).order_by("pk"))
    if len(tickets) != len(ids):
        raise OutOfScope(_("No such conversation."))
    change = _bulk_change(action, value, actor)
    result = BulkResult()
    for ticket in tickets:
        try:
            with transaction.atomic():
                (result.changed if change(ticket) else result.unchanged).append(ticket.pk)
        except TriageError as exc:
            result.refused.append((ticket.pk, str(exc)))
    return result


# --- the tag list and saved views (no ticket changes: no TicketEvent) ---------------------
@transaction.atomic
def tag_create(*, name: str) -> Tag:
    """Admins add a tag to the list (agents get theirs by typing it on a conversation)."""
    return tags_resolve(names=[name])[0]


@transaction.atomic
def tag_rename(*, tag: Tag, name: str) -> Tag:
    """Rename everywhere at once (tickets point at the tag). Merging into an existing name
    is refused: delete one of them instead."""
    name = tag_name_clean(name)
    if Tag.objects.filter(name__iexact=name).exclude(pk=tag.pk).exists():
        raise TriageError(_("A tag named %(name)s exists already.") % {"name": name})
    Tag.objects.filter(pk=tag.pk).update(name=name)
    tag.name = name
    bump_on_commit()
    return tag


@transaction.atomic
def tag_delete(*, tag: Tag) -> None:
    """The tag leaves the list and every conversation it was on (their timelines keep the
    tags_changed events that put it there)."""
    tag.delete()
    bump_on_commit()


@transaction.atomic
def saved_view_create(*, owner: User, name: str, view: str, query: str, team: Team | None = None) -> SavedView:
    """Save the inbox's current view and filters under a name, for oneself or shared with
    one of one's own teams."""
    name = re.sub(r"\s+", " ", name or "").strip()[:80]
    if not name:
        raise TriageError(_("A saved view needs a name."))
    if team is not None and not team.members.filter(pk=owner.pk).exists():
        raise OutOfScope(_("No such team."))
    kept = dict(parse_qsl(query))
    query = urlencode([(key, kept[key]) for key in SAVED_VIEW_KEYS if kept.get(key)])
    return SavedView.objects.create(owner=owner, name=name, view=view, query=query[:1000], team=team)


@transaction.atomic
def saved_view_delete(*, owner: User, saved_view_id: int) -> None:
    """Only its owner deletes a saved view; anyone else's (shared or not) is OutOfScope."""
    deleted, _rows = SavedView.objects.filter(pk=saved_view_id, owner=owner).delete()
    if not deleted:
        raise OutOfScope(_("No such saved view."))
