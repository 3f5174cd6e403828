"""Settings → Audit log: admins read who did what, filter it, and export it as CSV (the
export is itself an entry). Everyone else: no such page (404)."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone, translation
from django.utils.http import urlencode
from django.views.decorators.http import require_GET

from .actions import action_choices, action_label, action_summary, target_type_label
from .records import audit_record
from .selectors import AuditFilters, audit_entries, audit_filter_choices, audit_page

CSV_COLUMNS = ("id", "time", "actor", "action", "action_text", "summary", "target_type", "target_id",
               "target", "ip", "user_agent")


def _admin(request: HttpRequest) -> None:
    user = request.user
    if not (user.is_authenticated and user.is_active and user.is_staff):
        raise Http404("Admins only")


@login_required
@require_GET
def audit_log(request: HttpRequest) -> HttpResponse:
    _admin(request)
    filters = AuditFilters.from_query(request.GET)
    before = request.GET.get("before", "")
    rows, next_before = audit_page(filters=filters, before=int(before) if before.isdigit() else None)
    query = filters.as_query()
    choices = audit_filter_choices()
    return render(
        request,
        "audit/log.html",
        {
            "entries": [
                (e, action_label(e.action), action_summary(e.action, e.details), target_type_label(e.target_type))
                for e in rows
            ],
            "filters": filters,
            "actions": action_choices(),
            "choices": {
                "actors": choices["actors"],
                "target_types": [(t, target_type_label(t)) for t in choices["target_types"]],
            },
            "query": urlencode(query),
            "next_query": urlencode({**query, "before": str(next_before)}) if next_before else "",
            "paged": bool(before),
        },
    )


class _Echo:
    def write(self, value: str) -> str:
        return value


def _csv_rows(entries: Any, language: str) -> Iterator[list[str]]:
    # Streamed after the view has returned: the words are put in the admin's language here.
    yield list(CSV_COLUMNS)
    with translation.override(language):
        yield from _csv_lines(entries)


def _csv_lines(entries: Any) -> Iterator[list[str]]:
    for e in entries.iterator(chunk_size=500):
        yield [
            str(e.pk), e.created_at.isoformat(), e.actor_label, e.action, action_label(e.action),
            action_summary(e.action, e.details), e.target_type, e.target_id, e.target_label, e.ip or "", e.user_agent,
        ]


@login_required
@require_GET
def audit_export(request: HttpRequest) -> StreamingHttpResponse:
    """The filtered log as CSV, in the admin's language. The export is recorded first."""
    _admin(request)
    filters = AuditFilters.from_query(request.GET)
    entries = audit_entries(filters=filters)
    audit_record(action="audit.exported", details={"rows": entries.count(), "filters": filters.as_query()})
    writer = csv.writer(_Echo())
    response = StreamingHttpResponse((writer.writerow(r) for r in _csv_rows(entries, translation.get_language())),
                                     content_type="text/csv; charset=utf-8")
    stamp = timezone.now().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="hovor-audit-{stamp}.csv"'
    return response



