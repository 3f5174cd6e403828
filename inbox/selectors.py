"""Reads. Each returns a queryset with what its screen needs already loaded."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AnonymousUser, User
from django.core.cache import cache
from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from channels.models import Brand, BrandAccount
from channels.registry import platform_label, supported_platforms

from .enums import Direction, DraftStatus, Role, Sentiment, SlaState, TicketEventType, TicketPriority, TicketStatus
from .live import version_digest, versions
from .models import (
    CannedLanguage,
    CannedResponse,
    CannedResponseVariant,
    CsatSurvey,
    Customer,
    CustomerMerge,
    Identity,
    Message,
    ReplyDraft,
    SavedView,
    Tag,
    Team,
    Ticket,
    TicketEvent,
    TicketMerge,
)
from .paging import Page, keyset_page
from .search import SearchQuery, search_page

INBOX_VIEWS = {
    "waiting": gettext_lazy("Waiting for reply"),
    "mine": gettext_lazy("Assigned to me"),
    "unassigned": gettext_lazy("Unassigned"),
    "teams": gettext_lazy("My teams"),
    "pending": pgettext_lazy("inbox view", "Pending"),
    "snoozed": pgettext_lazy("inbox view", "Snoozed"),
    "solved": pgettext_lazy("inbox view", "Solved"),
    "all": pgettext_lazy("inbox view", "All"),
}


def sees_every_brand(user: User | AnonymousUser) -> bool:
    """Admins (is_staff, kept in step with the admin role by agent_set_role) see every brand."""
    return bool(user.is_authenticated and user.is_active and (user.is_superuser or user.is_staff))


def _team_brand_ids(user: User | AnonymousUser) -> QuerySet[Any, Any]:
    """The ids of the brands of the user's teams, as a subquery (none for anyone else)."""
    links = Team.brands.through.objects
    if not isinstance(user, User) or not user.is_active:
        return links.none().values("brand_id")
    return links.filter(team__members=user).values("brand_id")


def brands_visible_to(*, user: User | AnonymousUser) -> QuerySet[Brand]:
    """Admins: every brand. Everyone else: the brands of their teams; in no team, none."""
    if sees_every_brand(user):
        return Brand.objects.all()
    return Brand.objects.filter(pk__in=_team_brand_ids(user))


def tickets_visible_to(*, user: User) -> QuerySet[Ticket]:
    if sees_every_brand(user):
        return Ticket.objects.all()
    return Ticket.objects.filter(brand_id__in=_team_brand_ids(user))


def customers_visible_to(*, user: User) -> QuerySet[Customer]:
    if sees_every_brand(user):
        return Customer.objects.all()
    return Customer.objects.filter(brand_id__in=_team_brand_ids(user))


def customer_profiles_visible_to(*, user: User) -> QuerySet[Customer]:
    """Customers whose profile page this person may open: one with a conversation in their
    teams' brands (or merged away into one: the page leads on to the customer kept)."""
    has_ticket = Exists(tickets_visible_to(user=user).filter(customer_id=OuterRef("pk")))
    return customers_visible_to(user=user).filter(has_ticket | Q(merged_into__isnull=False))


def agents_for_brand(*, brand_id: int) -> QuerySet[User]:
    """Who may be given a conversation of this brand: active agents who can see it."""
    return (
        User.objects.filter(is_active=True, agent_profile__isnull=False)
        .filter(Q(is_staff=True) | Q(is_superuser=True) | Q(teams__brands=brand_id))
        .distinct()
        .select_related("agent_profile")
        .order_by("agent_profile__display_name", "id")
    )


def agents_for_agent(*, agent: User) -> QuerySet[User]:
    """Whom an agent may hand a selection to: active agents who see one of their brands
    (the bulk action checks each ticket's brand again)."""
    brands = brands_visible_to(user=agent).values("pk")
    return (
        User.objects.filter(is_active=True, agent_profile__isnull=False)
        .filter(Q(is_staff=True) | Q(is_superuser=True) | Q(teams__brands__in=brands))
        .distinct()
        .select_related("agent_profile")
        .order_by("agent_profile__display_name", "id")
    )


def teams_for_brand(*, brand_id: int) -> QuerySet[Team]:
    """The teams a conversation of this brand may be handed to."""
    return Team.objects.filter(brands=brand_id).order_by("name", "id")


def teams_visible_to(*, user: User) -> QuerySet[Team]:
    """Admins: every team; a lead: the teams they are in (whose members they manage)."""
    qs = Team.objects.prefetch_related("brands", "members").order_by("name", "id")
    return qs if sees_every_brand(user) else qs.filter(members=user)


@dataclass(frozen=True)
class InboxFilters:
    """The inbox's filters, combinable and kept in the URL (?brand=&platform=&status=&language=).
    Values that do not apply to this person (another brand, an unknown status) are dropped
    rather than refused: a shared link then shows what its reader may see."""

    brand: int | None = None
    platform: str = ""
    status: str = ""
    language: str = ""
    sentiment: str = ""
    tag: str = ""
    priority: str = ""
    sla: str = ""

    @classmethod
    def from_query(cls, query: Mapping[str, str], *, choices: Mapping[str, list[tuple[str, str]]]) -> InboxFilters:
        """`choices` is inbox_filter_choices' answer: a brand is kept only if it is offered."""
        brand = query.get("brand", "")
        brand_id = int(brand) if brand in {value for value, _ in choices["brand"]} else None
        platform = query.get("platform", "")
        status = query.get("status", "")
        language = query.get("language", "").strip().lower()
        sentiment = query.get("sentiment", "")
        return cls(
            brand=brand_id,
            platform=platform if platform in supported_platforms() else "",
            status=status if status in TicketStatus.values else "",
            language=language if re.fullmatch(r"[a-z]{2,3}", language) else "",
            sentiment=sentiment if sentiment in Sentiment.values else "",
            **cls.triage_from_query(query, tags={name for name, _ in choices.get("tag", [])}),
        )

    @staticmethod
    def triage_from_query(query: Mapping[str, str], *, tags: set[str] | None = None) -> dict[str, str]:
        """tag, priority and sla from a query (the inbox's or the API's). With `tags` (the
        names offered), an unknown tag is dropped; without, it is kept and matches nothing."""
        tag = query.get("tag", "").strip()
        if tags is not None:
            by_key = {name.casefold(): name for name in tags}
            tag = by_key.get(tag.casefold(), "")
        priority = query.get("priority", "")
        sla = query.get("sla", "")
        return {
            "tag": tag,
            "priority": priority if priority in TicketPriority.values else "",
            "sla": sla if sla in SlaState.values else "",
        }

    def as_query(self) -> dict[str, str]:
        values = {"brand": str(self.brand or ""), "platform": self.platform, "status": self.status}
        values.update(language=self.language, sentiment=self.sentiment)
        values.update(tag=self.tag, priority=self.priority, sla=self.sla)
        return {key: value for key, value in values.items() if value}

    def apply(self, qs: QuerySet[Ticket]) -> QuerySet[Ticket]:
        if self.brand is not None:
            qs = qs.filter(brand_id=self.brand)
        if self.platform:
            qs = qs.filter(account__platform=self.platform)
        if self.status:
            qs = qs.filter(status=self.status)
        if self.language:
            qs = qs.filter(language=self.language)
        if self.sentiment:
            qs = qs.filter(sentiment=self.sentiment)
        if self.tag:
            qs = qs.filter(tags__name__iexact=self.tag)
        if self.priority:
            qs = qs.filter(priority=self.priority)
        if self.sla:
            qs = qs.filter(sla_filter(self.sla))
        return qs


SLA_SOON = timedelta(minutes=15)


def sla_filter(state: str, *, now: datetime | None = None) -> Q:
    """On the clock running now (first or next response, stored by inbox.actions.sla):
    overdue: past due; due_soon: due within 15 min; on_track: later. They read the partial
    index ticket_sla_running_idx (running clocks by due time)."""
    now = now or timezone.now()
    if state == SlaState.OVERDUE:
        return Q(sla_due_at__lt=now)
    if state == SlaState.DUE_SOON:
        return Q(sla_due_at__gte=now, sla_due_at__lt=now + SLA_SOON)
    return Q(sla_due_at__gte=now + SLA_SOON)


def inbox_filter_choices(*, agent: User) -> dict[str, list[tuple[str, str]]]:
    """What the filter bar offers: the brands this person sees, the platforms they have
    accounts on, the statuses, and the languages conversations are tagged in."""
    brands = brands_visible_to(user=agent).order_by("name")
    platforms = sorted(
        set(BrandAccount.objects.filter(brand__in=brands).values_list("platform", flat=True).distinct())
    )
    # The languages conversations are tagged in (settings), not a scan of every ticket: the
    # list is polled every 2 s and must cost the same at a million tickets.
    languages = sorted(set(settings.HOVOR_DETECT_LANGUAGES))
    return {
        "brand": [(str(b.pk), b.name) for b in brands],
        "platform": [(p, platform_label(p)) for p in platforms],
        "status": [(value, str(label)) for value, label in TicketStatus.choices],
        "language": [(code, code.upper()) for code in languages],
        "sentiment": [(value, str(label)) for value, label in Sentiment.choices],
        "tag": [(name, name) for name in Tag.objects.order_by("name").values_list("name", flat=True)],
        "priority": [(value, str(label)) for value, label in TicketPriority.choices],
        "sla": [(value, str(label)) for value, label in SlaState.choices],
    }


def _my_team_ids(agent: User) -> QuerySet[Any, Any]:
    return Team.members.through.objects.filter(user_id=agent.pk).values("team_id")


def in_view(qs: QuerySet[Ticket], *, view: str, agent: User, now: datetime | None = None) -> QuerySet[Ticket]:
    """The tickets of one inbox view (no ordering: the inbox and the API order their own).
    The working views leave out what is snoozed; a snooze whose time has passed counts as
    over here already, before the sweep (tickets_wake_due) has written its event."""
    now = now or timezone.now()
    qs = qs.filter(merged_into__isnull=True)  # its messages are in the conversation kept
    awake = ~Q(snoozed_until__gt=now)
    working = qs.exclude(status=TicketStatus.SOLVED).filter(awake)
    if view == "waiting":
        return working.filter(waiting_since__isnull=False)
    if view == "mine":
        return working.filter(assignee=agent)
    if view == "unassigned":
        return working.filter(assignee__isnull=True)
    if view == "teams":
        return working.filter(team_id__in=_my_team_ids(agent))
    if view == "pending":
        return qs.filter(awake, status=TicketStatus.PENDING)
    if view == "snoozed":
        return qs.exclude(status=TicketStatus.SOLVED).filter(snoozed_until__gt=now)
    if view == "solved":
        return qs.filter(status=TicketStatus.SOLVED)
    return qs


VIEW_ORDER: dict[str, tuple[str, ...]] = {
    "waiting": ("waiting_since", "id"),
    "mine": ("waiting_since", "-updated_at"),
    "unassigned": ("waiting_since", "id"),
    "teams": ("waiting_since", "id"),
    "pending": ("-updated_at",),
    "snoozed": ("snoozed_until", "id"),
    "solved": ("-updated_at",),
    "all": ("-updated_at",),
}
# The queues in which a ticket back from snooze comes first (see inbox_page).
QUEUE_VIEWS = ("waiting", "mine", "unassigned", "teams")
WOKEN_MAX = 50


def inbox_for_agent(
    *, agent: User, view: str = "waiting", filters: InboxFilters | None = None
) -> QuerySet[Ticket]:
    """Oldest waiting first: the customer who has waited longest is at the top."""
    qs = _inbox_rows(tickets_visible_to(user=agent))
    if filters is not None:
        qs = filters.apply(qs)
    qs = in_view(qs, view=view, agent=agent).order_by(*VIEW_ORDER.get(view, VIEW_ORDER["all"]))
    return _with_last_message(qs)


# What a row of the list reads (inbox/templatetags/ticket_rows.py) and the keyset orders
# page by: only these columns are fetched (a row is built fifty times a page).
ROW_FIELDS = (
    "id", "brand_id", "status", "language", "sentiment", "priority", "snoozed_until", "woke_at", "waiting_since",
    "sla_due_at", "sla_target", "created_at", "updated_at", "last_message_at", "merged_into_id",
    "customer__id", "customer__name", "account__id", "account__platform",
    "assignee__id", "assignee__username", "assignee__agent_profile__id", "assignee__agent_profile__display_name",
)


def _inbox_rows(qs: QuerySet[Ticket]) -> QuerySet[Ticket]:
    """What a row of the list shows, in the same query, and nothing else."""
    return qs.select_related("customer", "account", "assignee__agent_profile").only(*ROW_FIELDS)


def _with_last_message(qs: QuerySet[Ticket]) -> QuerySet[Ticket]:
    # The row shows the newest customer message: two subqueries, not every message loaded.
    last_in = Message.objects.filter(ticket=OuterRef("pk"), direction=Direction.IN).order_by("-sent_at", "-id")
    return qs.annotate(
        last_text=Subquery(last_in.values("text")[:1]),
        last_handle=Subquery(last_in.values("author_identity__handle")[:1]),
    )


def ticket_tag_names(*, ticket_ids: list[int]) -> dict[int, list[str]]:
    """ticket id -> its tags' names in the list's order (by name): one query for a page."""
    names: dict[int, list[str]] = {}
    links = Ticket.tags.through.objects.filter(ticket_id__in=ticket_ids).order_by("tag__name", "tag_id")
    for ticket_id, name in links.values_list("ticket_id", "tag__name"):
        names.setdefault(ticket_id, []).append(name)
    return names


def inbox_page(*, agent: User, view: str, filters: InboxFilters | None, cursor: str | None, size: int) -> Page[Ticket]:
    """One page of a view by keyset cursor. On a queue's first page, tickets back from snooze
    (woke_at set, until answered or solved) come first, the latest wake on top, read through
    the partial index ticket_woke_idx; then the view in its own order without them. Later
    pages follow the view's plain (waiting_since, id) order, so its index and the keyset
    apply; a woken ticket met again there is dropped by the page (static/hovor/search.js)."""
    qs = inbox_for_agent(agent=agent, view=view, filters=filters)
    if view not in QUEUE_VIEWS or cursor:
        return keyset_page(qs, cursor=cursor, size=size)
    # Most first pages have none: ask for their ids alone (a small query to plan), and for
    # their rows only when there are some.
    woken_first = qs.filter(woke_at__isnull=False).order_by("-woke_at", "-id")
    woken_ids = list(woken_first.values_list("pk", flat=True)[:WOKEN_MAX])
    woken = list(qs.filter(pk__in=woken_ids).order_by("-woke_at", "-id")) if woken_ids else []
    rest = qs.exclude(pk__in=woken_ids) if woken_ids else qs
    page = keyset_page(rest, cursor=None, size=size)
    return Page(rows=woken + page.rows, next_cursor=page.next_cursor)


# A count above this shows as "1000+": each count reads at most COUNT_CAP + 1 index entries,
# so the nav costs the same at a thousand tickets and at a million.
COUNT_CAP = 999


def capped_count(qs: QuerySet[Ticket]) -> int:
    return qs.order_by()[: COUNT_CAP + 1].count()


# The counts are kept this long at most for one inbox version of the agent's brands (any
# change there makes a new version, so a change shows at once); the limit bounds what time
# alone changes: a snooze that ran out, an SLA clock that came due.
COUNTS_SECONDS = 30


def inbox_counts(*, agent: User, filters: InboxFilters | None = None) -> dict[str, int]:
    """One count per view (capped, see COUNT_CAP); each is one index-backed query. The nav
    shows them on every inbox page and list refresh: they are computed once per change of
    the agent's brands (the live inbox version) and kept COUNTS_SECONDS at most."""
    inbox_version, _unused = versions(brand_ids=live_brand_ids(user=agent))
    chosen = version_digest(sorted(filters.as_query().items())) if filters is not None else ""
    key = f"hovor:inbox-counts:{agent.pk}:{inbox_version}:{chosen}"
    counts = cache.get(key)
    if counts is None:
        counts = _inbox_counts(agent=agent, filters=filters)
        cache.set(key, counts, COUNTS_SECONDS)
    return counts


def _inbox_counts(*, agent: User, filters: InboxFilters | None) -> dict[str, int]:
    base = tickets_visible_to(user=agent)
    if filters is not None:
        base = filters.apply(base)
    now = timezone.now()
    return {view: capped_count(in_view(base, view=view, agent=agent, now=now)) for view in INBOX_VIEWS}


def team_for_brand(*, brand_id: int) -> int | None:
    """The team a new ticket of this brand goes to: the one covering it, lowest id first."""
    links = Team.brands.through.objects.filter(brand_id=brand_id).order_by("team_id")
    return links.values_list("team_id", flat=True).first()


def saved_views_for(*, agent: User) -> QuerySet[SavedView]:
    """The agent's own saved views and those shared with one of their teams."""
    return (
        SavedView.objects.filter(Q(owner=agent) | Q(team_id__in=_my_team_ids(agent)))
        .select_related("team", "owner__agent_profile")
        .order_by("name", "id")
    )


def saved_view_counts(*, agent: User, saved: list[SavedView], choices: Mapping[str, Any]) -> dict[int, int]:
    """The count of each saved view, as its link would show it (capped like the nav's)."""
    base = tickets_visible_to(user=agent)
    now = timezone.now()
    counts = {}
    for item in saved:
        filters = InboxFilters.from_query(QueryDict(item.query), choices=choices)
        counts[item.pk] = capped_count(in_view(filters.apply(base), view=item.view, agent=agent, now=now))
    return counts
def inbox_search_page(
    *, agent: User, query: SearchQuery, filters: InboxFilters | None, cursor: str | None, size: int
) -> Page[Ticket]:
    """One page of the conversations this person may see that match, whatever the view tab,
    within the filters: ranked (inbox/search.py), read rank by rank, in a keyset order."""
    # Not a conversation merged into another: its messages are found in the one kept.
    qs = _inbox_rows(tickets_visible_to(user=agent).filter(merged_into__isnull=True))
    if filters is not None:
        qs = filters.apply(qs)
    return search_page(qs, query, cursor=cursor, size=size, rows=_with_last_message)



def ticket_detail(*, ticket_id: int, among: QuerySet[Ticket] | None = None) -> Ticket:
    """The ticket with its thread and customer loaded, in one query plus the prefetches;
    `among` (a scoped queryset) makes it a DoesNotExist when the ticket is not in it."""
    return (
        (among if among is not None else Ticket.objects.all())
        .select_related("customer", "account", "assignee__agent_profile", "brand")
        .defer("search_who", "search_text")
        .prefetch_related(
            Prefetch(
                "messages",
                queryset=Message.objects.select_related("author_identity", "author_user", "outbound", "account")
                .prefetch_related("files")
                .order_by("sent_at", "id"),
            ),
            Prefetch("customer__identities", queryset=Identity.objects.order_by("platform", "id")),
        )
        .get(pk=ticket_id)
    )


def tickets_people_handled(*, ticket_ids: list[int]) -> dict[int, set[int]]:
    """Everyone each ticket has been assigned to, from its ASSIGNED events (the log keeps
    every handoff, so a ticket passed back to an earlier person counts them once)."""
    people: dict[int, set[int]] = {}
    for ticket_id, assignee_id in TicketEvent.objects.filter(
        ticket_id__in=ticket_ids, type=TicketEventType.ASSIGNED
    ).values_list("ticket_id", "payload__assignee_id"):
        if assignee_id is not None:
            people.setdefault(ticket_id, set()).add(int(assignee_id))
    return people


def ticket_people_handled(*, ticket: Ticket) -> int:
    """How many people have handled the conversation ("handled by N people")."""
    return len(tickets_people_handled(ticket_ids=[ticket.pk]).get(ticket.pk, set()))


def ticket_events(*, ticket: Ticket) -> QuerySet[TicketEvent]:
    return ticket.events.select_related("actor__agent_profile").order_by("created_at", "id")


def customer_history(*, customer: Customer, exclude_ticket_id: int | None = None) -> QuerySet[Ticket]:
    """Every conversation of the customer on any channel, the latest activity first (not
    those merged into another: their messages are in the one kept)."""
    qs = (
        customer.tickets.filter(merged_into__isnull=True)
        .select_related("account")
        .defer("search_who", "search_text")
        .order_by("-last_message_at", "-id")
    )
    if exclude_ticket_id:
        qs = qs.exclude(pk=exclude_ticket_id)
    return qs


@dataclass(frozen=True)
class CustomerCsat:
    """The customer's ratings for the profile panel: this conversation's question (None if
    never asked) and their answers in every conversation (newest first)."""

    current: CsatSurvey | None
    ratings: list[tuple[int, int]]  # (ticket id, rating)

    @property
    def average(self) -> float | None:
        return sum(r for _t, r in self.ratings) / len(self.ratings) if self.ratings else None


def customer_csat(*, ticket: Ticket) -> CustomerCsat:
    surveys = list(CsatSurvey.objects.filter(customer_id=ticket.customer_id).order_by("-created_at", "-pk"))
    current = next((s for s in surveys if s.ticket_id == ticket.pk), None)
    ratings = [(s.ticket_id, s.rating) for s in surveys if s.rating is not None]
    return CustomerCsat(current=current, ratings=ratings)


@dataclass(frozen=True)
class ProfileCsat:
    """The profile page's ratings: each conversation's question (ticket id -> survey) and the
    answers among them, newest first."""

    by_ticket: dict[int, CsatSurvey]
    ratings: list[int]

    @property
    def average(self) -> float | None:
        return sum(self.ratings) / len(self.ratings) if self.ratings else None


def customer_profile_csat(*, customer: Customer) -> ProfileCsat:
    # By the conversations, not the survey's customer: a merged-in customer's conversations
    # (and their ratings) are this customer's now.
    surveys = list(CsatSurvey.objects.filter(ticket__customer=customer).order_by("-created_at", "-pk"))
    return ProfileCsat(
        by_ticket={s.ticket_id: s for s in surveys}, ratings=[s.rating for s in surveys if s.rating is not None]
    )


def customers_list(*, user: User) -> QuerySet[Customer]:
    return (
        customers_visible_to(user=user)
        .filter(merged_into__isnull=True)
        .prefetch_related("identities", "tags")
        .order_by("-id")
    )


def customer_merges(*, customer: Customer) -> QuerySet[CustomerMerge]:
    """The merges into this customer that can still be undone, latest first."""
    return CustomerMerge.objects.filter(target=customer, undone_at__isnull=True).select_related("source")


def ticket_moves(*, ticket: Ticket) -> QuerySet[TicketMerge]:
    """Merges and splits touching this conversation that can still be undone."""
    return TicketMerge.objects.filter(Q(source=ticket) | Q(target=ticket), undone_at__isnull=True).order_by(
        "-created_at", "-id"
    )


def merge_suggestions(*, customer: Customer) -> list[tuple[Customer, str]]:
    """Other customers of the same brand who are probably this person: a shared email or
    phone number (an identity's, or the profile's: a chat visitor's email counts), or the
    same name with the same avatar. Suggestions only; customers merged away are not."""
    mine = list(customer.identities.all())
    emails = {i.email for i in mine if i.email} | ({customer.email} if customer.email else set())
    phones = {i.phone for i in mine if i.phone} | ({customer.phone} if customer.phone else set())
    name_avatar = {(i.display_name.casefold(), i.avatar_url) for i in mine if i.display_name and i.avatar_url}
    if not (emails or phones or name_avatar):
        return []
    query = Q(email__in=emails) | Q(phone__in=phones)
    for name, avatar in name_avatar:
        query |= Q(display_name__iexact=name, avatar_url=avatar)
    found: dict[int, tuple[Customer, str]] = {}
    others = (
        Identity.objects.filter(query, brand_id=customer.brand_id, customer__merged_into__isnull=True)
        .exclude(customer_id=customer.pk)
        .select_related("customer")
        .order_by("id")[:20]
    )

    def reason_for(email: str, phone: str) -> str:
        if email and email in emails:
            return _("same email %(email)s") % {"email": email}
        if phone and phone in phones:
            return _("same phone +%(phone)s") % {"phone": phone}
        return _("same name and picture")

    for identity in others:
        found.setdefault(identity.customer_id, (identity.customer, reason_for(identity.email, identity.phone)))
    profiles = (
        Customer.objects.filter(Q(email__in=emails) | Q(phone__in=phones), brand_id=customer.brand_id)
        .filter(merged_into__isnull=True, erased_at__isnull=True)
        .exclude(pk=customer.pk)
        .exclude(pk__in=list(found))
        .order_by("id")[:20]
    )
    for other in profiles:
        found.setdefault(other.pk, (other, reason_for(other.email, other.phone)))
    return list(found.values())


def chat_session_key_for_ticket(*, ticket_id: int) -> str | None:
    """The chat session a ticket's conversation is in now: its newest visitor message's."""
    return (
        Message.objects.filter(ticket_id=ticket_id, direction=Direction.IN, account__platform="chat")
        .exclude(thread_key="")
        .order_by("-sent_at", "-id")
        .values_list("thread_key", flat=True)
        .first()
    )


def live_brand_ids(*, user: User) -> list[int] | None:
    """The brands whose changes this person's live pages follow; None: every brand (admins)."""
    if sees_every_brand(user):
        return None
    return list(_team_brand_ids(user).values_list("brand_id", flat=True).distinct())


def drafts_to_review(*, user: User) -> QuerySet[ReplyDraft]:
    """Waiting drafts a lead (their teams' brands) or an admin (every brand) may decide;
    none for anyone else. Oldest first: the customer has waited longest."""
    drafts = ReplyDraft.objects.filter(status=DraftStatus.WAITING)
    profile = getattr(user, "agent_profile", None)
    if not sees_every_brand(user):
        if profile is None or profile.role != Role.LEAD:
            return drafts.none()
        drafts = drafts.filter(ticket__brand_id__in=_team_brand_ids(user))
    return drafts.select_related("ticket__customer", "ticket__brand", "ticket__account", "author__agent_profile")


def drafts_of(*, author: User) -> QuerySet[ReplyDraft]:
    """A newcomer's own drafts, newest first, with what became of them."""
    return (
        ReplyDraft.objects.filter(author=author)
        .select_related("ticket__customer", "ticket__brand", "ticket__account", "reviewer__agent_profile")
        .order_by("-created_at", "-id")
    )


def ticket_drafts(*, ticket: Ticket) -> QuerySet[ReplyDraft]:
    return ReplyDraft.objects.filter(ticket=ticket).select_related(
        "author__agent_profile", "reviewer__agent_profile"
    )


# --- canned responses -------------------------------------------------------------------
# When the conversation's language has no variant: English, then the others in this order.
CANNED_FALLBACK = ("en", "cs", "pl", "bg")
CANNED_MENU_SIZE = 8


def canned_variants_in_order(
    variants: list[CannedResponseVariant], *, language: str
) -> list[CannedResponseVariant]:
    """The conversation's language first, then English, then the rest (cs, pl, bg)."""
    language = (language or "").split("-")[0].lower()
    rank = {code: i + 1 for i, code in enumerate(CANNED_FALLBACK)}
    return sorted(variants, key=lambda v: (0 if v.language == language else rank.get(v.language, 99), v.language))


def canned_visible_to(*, user: User) -> QuerySet[CannedResponse]:
    """What the canned-responses page and the API list: the shared ones of the user's brands
    (every brand for admins) and the user's own personal ones, each with its variants."""
    return (
        CannedResponse.objects.filter(brand__in=brands_visible_to(user=user).values("pk"))
        .filter(Q(owner__isnull=True) | Q(owner=user))
        .select_related("brand", "owner__agent_profile")
        .prefetch_related(Prefetch("variants", queryset=CannedResponseVariant.objects.order_by("language")))
        .order_by("brand__name", "shortcut", "owner_id", "id")
    )


def canned_for_ticket(*, agent: User, ticket: Ticket) -> QuerySet[CannedResponse]:
    """The canned responses an agent may use on this conversation: its brand's shared ones
    and the agent's own for that brand; never another brand's, never a colleague's own."""
    return (
        CannedResponse.objects.filter(brand_id=ticket.brand_id)
        .filter(Q(owner__isnull=True) | Q(owner=agent))
        .prefetch_related("variants")
    )


@dataclass(frozen=True)
class CannedOffer:
    """One line of the composer's `/` menu: the response, its variants in the order offered
    (the conversation's language first)."""

    canned: CannedResponse
    variants: list[CannedResponseVariant]

    @property
    def first(self) -> CannedResponseVariant:
        return self.variants[0]


def canned_search(*, agent: User, ticket: Ticket, query: str, limit: int = CANNED_MENU_SIZE) -> list[CannedOffer]:
    """What `/query` offers on this conversation: shortcuts starting with the query first
    (exact match on top), then titles containing it; the much-used before the rarely used.
    Those with a variant in the conversation's language come before those without."""
    query = query.strip().lstrip("/").lower()
    found = canned_for_ticket(agent=agent, ticket=ticket)
    if query:
        found = found.filter(Q(shortcut__istartswith=query) | Q(title__icontains=query))
    language = (ticket.language or "").split("-")[0].lower()
    offers = []
    for canned in found[:200]:
        variants = canned_variants_in_order(list(canned.variants.all()), language=language)
        if variants:
            offers.append(CannedOffer(canned=canned, variants=variants))

    def rank(offer: CannedOffer) -> tuple[int, int, int, int, str]:
        shortcut = offer.canned.shortcut.lower()
        matched = 0 if shortcut == query else 1 if shortcut.startswith(query) else 2
        in_language = 0 if offer.first.language == language else 1
        return (matched, in_language, -offer.canned.use_count, 0 if offer.canned.owner_id else 1, shortcut)

    return sorted(offers, key=rank)[:limit]


def canned_languages() -> list[tuple[str, str]]:
    return list(CannedLanguage.choices)
