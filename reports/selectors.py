"""Reads for the reports: who may see which brands, and the rows of a period turned into
Conversation records (reports.metrics does the arithmetic)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AnonymousUser, User
from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.db.models.functions import TruncDate
from django.http import Http404

from channels.models import Brand
from channels.registry import UnknownPlatform, get_connector
from inbox.enums import Direction, Sentiment, TicketEventType, TicketStatus
from inbox.models import CsatSurvey, Message, Team, Ticket, TicketEvent
from inbox.permissions import is_admin, is_lead
from inbox.selectors import brands_visible_to

from .metrics import Conversation, CsatRecord

UNANSWERED_LIMIT = 25


def access_reports(user: User | AnonymousUser) -> QuerySet[Brand]:
    """The brands whose figures this person may see: admins all, leads their teams' brands;
    anyone else gets a 404 (no such page for them)."""
    if not (is_admin(user) or is_lead(user)):
        raise Http404("No such page")
    return brands_visible_to(user=user)


@dataclass(frozen=True)
class ReportScope:
    brand_ids: list[int]
    start: datetime
    end: datetime
    channel: str = ""
    team_id: int | None = None

    def previous(self) -> ReportScope:
        length = self.end - self.start
        return ReportScope(self.brand_ids, self.start - length, self.start, self.channel, self.team_id)


def _target_seconds(platform: str) -> float:
    try:
        sla_class = get_connector(platform).sla_class
    except UnknownPlatform:
        sla_class = "social"
    target: timedelta = settings.FIRST_RESPONSE_TARGETS.get(sla_class, settings.FIRST_RESPONSE_TARGETS["social"])
    return target.total_seconds()


def _tickets(scope: ReportScope) -> QuerySet[Ticket]:
    qs = Ticket.objects.filter(brand_id__in=scope.brand_ids, created_at__gte=scope.start, created_at__lt=scope.end)
    if scope.channel:
        qs = qs.filter(account__platform=scope.channel)
    if scope.team_id:
        qs = qs.filter(team_id=scope.team_id)
    return qs


def _display_names(user_ids: set[int]) -> dict[int, str]:
    users = User.objects.filter(pk__in=user_ids).select_related("agent_profile")
    return {
        u.pk: (getattr(getattr(u, "agent_profile", None), "display_name", "") or u.get_username()) for u in users
    }


def conversations_in(scope: ReportScope) -> list[Conversation]:
    """Every inbound conversation opened in the scope's period, from its Message and
    TicketEvent rows. Automated mail (auto-replies, bounces) does not count as inbound."""
    tickets = list(
        _tickets(scope).values("pk", "brand__name", "account__platform", "team__name")
    )
    ids = [t["pk"] for t in tickets]
    messages: dict[int, list[Mapping[str, Any]]] = {}
    for m in (
        Message.objects.filter(ticket_id__in=ids, direction__in=[Direction.IN, Direction.OUT])
        .order_by("sent_at", "pk")
        .values("ticket_id", "direction", "automated", "author_user_id", "sent_at")
    ):
        messages.setdefault(m["ticket_id"], []).append(m)
    events: dict[int, list[Mapping[str, Any]]] = {}
    for e in (
        TicketEvent.objects.filter(
            ticket_id__in=ids, type__in=[TicketEventType.ASSIGNED, TicketEventType.STATUS_CHANGED]
        )
        .order_by("created_at", "pk")
        .values("ticket_id", "type", "payload", "created_at")
    ):
        events.setdefault(e["ticket_id"], []).append(e)
    repliers = {m["author_user_id"] for rows in messages.values() for m in rows if m["author_user_id"]}
    names = _display_names(repliers)
    out = []
    for t in tickets:
        c = _conversation(t, messages.get(t["pk"], []), events.get(t["pk"], []), names)
        if c is not None:
            out.append(c)
    return out


def _conversation(
    t: Mapping[str, Any], messages: list[Mapping[str, Any]], events: list[Mapping[str, Any]], names: dict[int, str]
) -> Conversation | None:
    inbound = [m for m in messages if m["direction"] == Direction.IN and not m["automated"]]
    if not inbound:
        return None
    first_in = inbound[0]["sent_at"]
    first_reply: Mapping[str, Any] | None = None
    nexts: list[float] = []
    waiting_since: datetime | None = None
    for m in messages:
        if m["sent_at"] < first_in:
            continue
        if m["direction"] == Direction.IN and not m["automated"]:
            if waiting_since is None:
                waiting_since = m["sent_at"]
        elif m["direction"] == Direction.OUT and m["author_user_id"]:
            if first_reply is None:
                first_reply = m
            elif waiting_since is not None:
                nexts.append((m["sent_at"] - waiting_since).total_seconds())
            waiting_since = None
    handlers = {m["author_user_id"] for m in messages if m["direction"] == Direction.OUT and m["author_user_id"]}
    resolved_at = None
    for e in events:
        if e["type"] == TicketEventType.ASSIGNED and e["payload"].get("assignee_id"):
            handlers.add(e["payload"]["assignee_id"])
        if e["type"] == TicketEventType.STATUS_CHANGED and e["payload"].get("new") == TicketStatus.SOLVED:
            resolved_at = resolved_at or e["created_at"]
    return Conversation(
        ticket_id=t["pk"],
        brand=t["brand__name"],
        channel=t["account__platform"],
        team=t["team__name"] or "",
        first_in_at=first_in,
        target_seconds=_target_seconds(t["account__platform"]),
        first_reply_seconds=(first_reply["sent_at"] - first_in).total_seconds() if first_reply else None,
        first_replier=names.get(first_reply["author_user_id"], "") if first_reply else "",
        next_reply_seconds=tuple(nexts),
        resolution_seconds=(resolved_at - first_in).total_seconds() if resolved_at else None,
        handlers=len(handlers),
        human_replies=sum(1 for m in messages if m["direction"] == Direction.OUT and m["author_user_id"]),
    )


def unanswered_longest(*, brand_ids: list[int], channel: str = "", team_id: int | None = None) -> list[Ticket]:
    """Open conversations with a customer's message and no human reply yet, oldest first."""
    human_in = Message.objects.filter(ticket=OuterRef("pk"), direction=Direction.IN, automated__isnull=True)
    human_out = Message.objects.filter(ticket=OuterRef("pk"), direction=Direction.OUT, author_user__isnull=False)
    qs = (
        Ticket.objects.filter(brand_id__in=brand_ids)
        .exclude(status=TicketStatus.SOLVED)
        .filter(Exists(human_in))
        .exclude(Exists(human_out))
        .select_related("brand", "account", "customer")
    )
    if channel:
        qs = qs.filter(account__platform=channel)
    if team_id:
        qs = qs.filter(team_id=team_id)
    return list(qs.order_by("created_at", "pk")[:UNANSWERED_LIMIT])


def teams_for_report(*, brand_ids: list[int]) -> QuerySet[Team]:
    return Team.objects.filter(brands__in=brand_ids).distinct()


def human_replies_in(scope: ReportScope) -> list[tuple[int, datetime]]:
    """(person, time) of every human reply sent in the period, in the scope's brands."""
    qs = Message.objects.filter(
        ticket__brand_id__in=scope.brand_ids, direction=Direction.OUT, author_user__isnull=False,
        sent_at__gte=scope.start, sent_at__lt=scope.end,
    )
    if scope.channel:
        qs = qs.filter(account__platform=scope.channel)
    if scope.team_id:
        qs = qs.filter(ticket__team_id=scope.team_id)
    return [(uid, at) for uid, at in qs.values_list("author_user_id", "sent_at") if uid is not None]


def mood_by_day(scope: ReportScope) -> list[tuple[str, str, Any, int, int, int]]:
    """(brand, channel, day, negative, neutral, positive) counts of customers' messages sent in
    the period (automated mail left out), from Message.sentiment."""
    qs = Message.objects.filter(
        ticket__brand_id__in=scope.brand_ids, direction=Direction.IN, automated__isnull=True,
        sent_at__gte=scope.start, sent_at__lt=scope.end,
    )
    if scope.channel:
        qs = qs.filter(account__platform=scope.channel)
    if scope.team_id:
        qs = qs.filter(ticket__team_id=scope.team_id)
    rows = (
        qs.annotate(day=TruncDate("sent_at"))
        .values("ticket__brand__name", "account__platform", "day")
        .annotate(
            negative=Count("pk", filter=Q(sentiment=Sentiment.NEGATIVE)),
            neutral=Count("pk", filter=Q(sentiment=Sentiment.NEUTRAL)),
            positive=Count("pk", filter=Q(sentiment=Sentiment.POSITIVE)),
        )
        .order_by("ticket__brand__name", "account__platform", "day")
    )
    return [
        (r["ticket__brand__name"], r["account__platform"], r["day"], r["negative"], r["neutral"], r["positive"])
        for r in rows
    ]


def planned_by_hour(*, brand_ids: list[int], team_id: int | None = None) -> list[list[int]]:
    """People on the current weekly shift plan per [weekday][hour] (Monday first, in each
    plan's own time zone), of the teams that answer these brands: a shift counts in an hour
    it covers from the hour's start. Date exceptions and holidays are left out: this is the
    weekly plan set against the weekly demand."""
    from shifts.models import WeeklyShift

    teams = Team.objects.filter(brands__in=brand_ids)
    if team_id:
        teams = teams.filter(pk=team_id)
    grid = [[0] * 24 for _ in range(7)]
    rows = WeeklyShift.objects.filter(plan__team__in=teams.distinct()).values_list("weekday", "starts", "ends")
    for weekday, starts, ends in rows.distinct():
        first = starts.hour + (1 if starts.minute or starts.second else 0)
        last = ends.hour + (24 if ends <= starts else 0)  # a night shift runs into the next day
        for h in range(first, last):
            grid[(weekday + h // 24) % 7][h % 24] += 1
    return grid


def csat_in(scope: ReportScope) -> list[CsatRecord]:
    """Every satisfaction question asked in the period (by when it was sent), in the scope's
    brands, channel and team, with its answer if any: from the CsatSurvey rows the actions
    write with their events (an answer given after the period still counts for its question)."""
    qs = CsatSurvey.objects.filter(
        brand_id__in=scope.brand_ids, asked_at__gte=scope.start, asked_at__lt=scope.end
    )
    if scope.channel:
        qs = qs.filter(platform=scope.channel)
    if scope.team_id:
        qs = qs.filter(ticket__team_id=scope.team_id)
    rows = list(
        qs.order_by("asked_at", "pk").values(
            "ticket_id", "brand__name", "platform", "agent_id", "rating", "review_invited_at", "review_accepted_at"
        )
    )
    names = _display_names({r["agent_id"] for r in rows if r["agent_id"]})
    return [
        CsatRecord(
            ticket_id=r["ticket_id"], brand=r["brand__name"], channel=r["platform"],
            agent=names.get(r["agent_id"], "") if r["agent_id"] else "", rating=r["rating"],
            review_invited=r["review_invited_at"] is not None, review_accepted=r["review_accepted_at"] is not None,
        )
        for r in rows
    ]
