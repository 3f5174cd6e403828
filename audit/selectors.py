"""Reading the audit log: the admins' filters, newest first, paged by id (keyset)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime, time, timedelta

from django.db.models import Q, QuerySet
from django.utils.dateparse import parse_date

from .models import AuditEntry

PAGE_SIZE = 50


@dataclass(frozen=True)
class AuditFilters:
    actor: str = ""  # a username, or "system"
    action: str = ""
    target_type: str = ""
    target: str = ""  # an id, or part of a label
    since: str = ""  # YYYY-MM-DD, inclusive (UTC)
    until: str = ""  # YYYY-MM-DD, inclusive (UTC)

    @classmethod
    def from_query(cls, query: Mapping[str, str]) -> AuditFilters:
        def day(key: str) -> str:
            value = (query.get(key) or "").strip()
            return value if parse_date_safe(value) else ""

        return cls(
            actor=(query.get("actor") or "").strip()[:150],
            action=(query.get("action") or "").strip()[:60],
            target_type=(query.get("target_type") or "").strip()[:40],
            target=(query.get("target") or "").strip()[:300],
            since=day("since"),
            until=day("until"),
        )

    def as_query(self) -> dict[str, str]:
        return {k: v for k, v in asdict(self).items() if v}

    def apply(self, qs: QuerySet[AuditEntry]) -> QuerySet[AuditEntry]:
        if self.actor:
            qs = qs.filter(actor_label=self.actor)
        if self.action:
            qs = qs.filter(action=self.action)
        if self.target_type:
            qs = qs.filter(target_type=self.target_type)
        if self.target:
            qs = qs.filter(Q(target_id=self.target) | Q(target_label__icontains=self.target))
        since, until = parse_date_safe(self.since), parse_date_safe(self.until)
        if since:
            qs = qs.filter(created_at__gte=_start(since))
        if until:
            qs = qs.filter(created_at__lt=_start(until + timedelta(days=1)))
        return qs


def parse_date_safe(value: str) -> date | None:
    try:
        return parse_date(value) if value else None
    except ValueError:
        return None


def _start(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


def audit_entries(*, filters: AuditFilters) -> QuerySet[AuditEntry]:
    return filters.apply(AuditEntry.objects.all()).order_by("-id")


def audit_page(*, filters: AuditFilters, before: int | None = None) -> tuple[list[AuditEntry], int | None]:
    """One page, newest first, and the id to ask for the next (older) page, or None."""
    qs = audit_entries(filters=filters)
    if before:
        qs = qs.filter(id__lt=before)
    rows = list(qs[: PAGE_SIZE + 1])
    more = len(rows) > PAGE_SIZE
    rows = rows[:PAGE_SIZE]
    return rows, (rows[-1].pk if more and rows else None)


def audit_filter_choices() -> dict[str, list[str]]:
    """The actors and target types that occur, for the filter lists."""
    return {
        "actors": sorted(set(AuditEntry.objects.values_list("actor_label", flat=True).distinct())),
        "target_types": sorted(
            set(AuditEntry.objects.exclude(target_type="").values_list("target_type", flat=True).distinct())
        ),
    }
