"""Reads. Each returns a queryset with what its screen needs already loaded."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AnonymousUser, User
from django.db.models import OuterRef, Prefetch, Q, QuerySet, Subquery
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from channels.models import Brand, BrandAccount
from channels.registry import platform_label, supported_platforms

from .enums import Direction, TicketStatus
from .models import Customer, Identity, Message, Team, Ticket, TicketEvent
from .search import SearchQuery, tickets_search

INBOX_VIEWS = {
    "waiting": gettext_lazy("Waiting for reply"),
    "mine": gettext_lazy("Assigned to me"),
    "unassigned": gettext_lazy("Unassigned"),
    "pending": pgettext_lazy("inbox view", "Pending"),
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


def agents_for_brand(*, brand_id: int) -> QuerySet[User]:
    """Who may be given a conversation of this brand: active agents who can see it."""
    return (
        User.objects.filter(is_active=True, agent_profile__isnull=False)
        .filter(Q(is_staff=True) | Q(is_superuser=True) | Q(teams__brands=brand_id))
        .distinct()
        .select_related("agent_profile")
        .order_by("agent_profile__display_name", "id")
    )


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

    @classmethod
    def from_query(cls, query: Mapping[str, str], *, choices: Mapping[str, list[tuple[str, str]]]) -> InboxFilters:
        """`choices` is inbox_filter_choices' answer: a brand is kept only if it is offered."""
        brand = query.get("brand", "")
        brand_id = int(brand) if brand in {value for value, _ in choices["brand"]} else None
        platform = query.get("platform", "")
        status = query.get("status", "")
        language = query.get("language", "").strip().lower()
        return cls(
            brand=brand_id,
            platform=platform if platform in supported_platforms() else "",
            status=status if status in TicketStatus.values else "",
            language=language if re.fullmatch(r"[a-z]{2,3}", language) else "",
        )

    def as_query(self) -> dict[str, str]:
        values = {"brand": str(self.brand or ""), "platform": self.platform, "status": self.status}
        values["language"] = self.language
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
        return qs


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
    }


def inbox_for_agent(
    *, agent: User, view: str = "waiting", filters: InboxFilters | None = None
) -> QuerySet[Ticket]:
    """Oldest waiting first: the customer who has waited longest is at the top."""
    qs = _inbox_rows(tickets_visible_to(user=agent))
    if filters is not None:
        qs = filters.apply(qs)
    if view == "waiting":
        qs = qs.filter(waiting_since__isnull=False).exclude(status=TicketStatus.SOLVED).order_by("waiting_since", "id")
    elif view == "mine":
        qs = qs.filter(assignee=agent).exclude(status=TicketStatus.SOLVED).order_by("waiting_since", "-updated_at")
    elif view == "unassigned":
        qs = qs.filter(assignee__isnull=True).exclude(status=TicketStatus.SOLVED).order_by("waiting_since", "id")
    elif view == "pending":
        qs = qs.filter(status=TicketStatus.PENDING).order_by("-updated_at")
    elif view == "solved":
        qs = qs.filter(status=TicketStatus.SOLVED).order_by("-updated_at")
    else:
        qs = qs.order_by("-updated_at")
    return _with_last_message(qs)


def _inbox_rows(qs: QuerySet[Ticket]) -> QuerySet[Ticket]:
    """What a row of the list shows, in the same query; not the folded search columns."""
    return qs.select_related("customer", "account", "assignee__agent_profile", "brand").defer(
        "search_who", "search_text"
    )


def _with_last_message(qs: QuerySet[Ticket]) -> QuerySet[Ticket]:
    # The row shows the newest customer message: two subqueries, not every message loaded.
    last_in = Message.objects.filter(ticket=OuterRef("pk"), direction=Direction.IN).order_by("-sent_at", "-id")
    return qs.annotate(
        last_text=Subquery(last_in.values("text")[:1]),
        last_handle=Subquery(last_in.values("author_identity__handle")[:1]),
    )


def inbox_search(*, agent: User, query: SearchQuery, filters: InboxFilters | None = None) -> QuerySet[Ticket]:
    """Every conversation this person may see that matches, whatever the view tab, within
    the filters; ranked (inbox/search.py) and in a keyset order."""
    qs = _inbox_rows(tickets_visible_to(user=agent))
    if filters is not None:
        qs = filters.apply(qs)
    return _with_last_message(tickets_search(qs, query))


# A view's count stops at this: "1000+" is as useful as 287,341 and costs the same at any
# table size (counting stops at the cap instead of reading every waiting row each poll).
COUNT_CAP = 1000


def _capped_count(qs: QuerySet[Ticket]) -> int:
    return qs.order_by()[: COUNT_CAP + 1].count()


def count_label(count: int | None) -> str | None:
    if count is None:
        return None
    return f"{COUNT_CAP}+" if count > COUNT_CAP else str(count)


def inbox_counts(*, agent: User) -> dict[str, int]:
    """Each view's number of conversations, up to COUNT_CAP + 1 (see count_label)."""
    base = tickets_visible_to(user=agent).exclude(status=TicketStatus.SOLVED)
    return {
        "waiting": _capped_count(base.filter(waiting_since__isnull=False)),
        "mine": _capped_count(base.filter(assignee=agent)),
        "unassigned": _capped_count(base.filter(assignee__isnull=True)),
    }


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
                queryset=Message.objects.select_related("author_identity", "author_user", "outbound").order_by(
                    "sent_at", "id"
                ),
            ),
            Prefetch("customer__identities", queryset=Identity.objects.order_by("platform", "id")),
        )
        .get(pk=ticket_id)
    )


def ticket_events(*, ticket: Ticket) -> QuerySet[TicketEvent]:
    return ticket.events.select_related("actor__agent_profile").order_by("created_at", "id")


def customer_history(*, customer: Customer, exclude_ticket_id: int | None = None) -> QuerySet[Ticket]:
    qs = customer.tickets.select_related("account").order_by("-created_at")
    if exclude_ticket_id:
        qs = qs.exclude(pk=exclude_ticket_id)
    return qs


def customers_list(*, user: User) -> QuerySet[Customer]:
    return customers_visible_to(user=user).prefetch_related("identities").order_by("-id")


def merge_suggestions(*, customer: Customer) -> list[tuple[Customer, str]]:
    """Other customers of the same brand who are probably this person: a shared email or
    phone number, or the same name with the same avatar. Suggestions only."""
    mine = list(customer.identities.all())
    emails = {i.email for i in mine if i.email}
    phones = {i.phone for i in mine if i.phone}
    name_avatar = {(i.display_name.casefold(), i.avatar_url) for i in mine if i.display_name and i.avatar_url}
    if not (emails or phones or name_avatar):
        return []
    query = Q(email__in=emails) | Q(phone__in=phones)
    for name, avatar in name_avatar:
        query |= Q(display_name__iexact=name, avatar_url=avatar)
    found: dict[int, tuple[Customer, str]] = {}
    others = (
        Identity.objects.filter(query, brand_id=customer.brand_id)
        .exclude(customer_id=customer.pk)
        .select_related("customer")[:20]
    )
    for identity in others:
        if identity.email and identity.email in emails:
            reason = _("same email %(email)s") % {"email": identity.email}
        elif identity.phone and identity.phone in phones:
            reason = _("same phone +%(phone)s") % {"phone": identity.phone}
        else:
            reason = _("same name and picture")
        found.setdefault(identity.customer_id, (identity.customer, reason))
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
