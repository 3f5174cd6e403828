"""The reports page for leads and admins, and the CSV export of each of its tables.
Thin: parse the period and filters, scope to the person's brands, read, render."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from urllib.parse import quote

from csp.decorators import csp_replace
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.cache import get_conditional_response
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.http import require_GET

from channels.models import Brand
from channels.registry import platform_choices

from .banner import DEFAULT_SIZE, SIZES
from .metrics import (
    CSAT_GROUPINGS,
    GROUPINGS,
    CsatFigures,
    Figures,
    csat_figures,
    csat_figures_by,
    figures,
    figures_by,
    first_reply_distribution,
)
from .public import CACHE_SECONDS, banner_png_cached, reply_time_cached
from .selectors import (
    ReportScope,
    access_reports,
    conversations_in,
    csat_in,
    human_replies_in,
    mood_by_day,
    planned_by_hour,
    teams_for_report,
    unanswered_longest,
)
from .staffing import handling_seconds, reply_seconds, staffing, volume, weekday_counts

DEFAULT_DAYS = 7
MAX_DAYS = 366
TABLES = ("summary", "channel", "brand", "team", "agent", "unanswered", "mood", "csat")


@dataclass(frozen=True)
class ReportQuery:
    start: date
    end: date  # inclusive
    brand_id: int | None
    channel: str
    team_id: int | None

    def as_query(self) -> str:
        from urllib.parse import urlencode

        return urlencode(
            {
                "start": self.start.isoformat(), "end": self.end.isoformat(), "brand": self.brand_id or "",
                "channel": self.channel, "team": self.team_id or "",
            }
        )


def _date(value: str | None, default: date) -> date:
    try:
        return date.fromisoformat(value) if value else default
    except ValueError:
        return default


def _int(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() else None


def _parse(request: HttpRequest) -> ReportQuery:
    today = timezone.localdate()
    end = _date(request.GET.get("end"), today)
    start = _date(request.GET.get("start"), end - timedelta(days=DEFAULT_DAYS - 1))
    if start > end:
        start, end = end, start
    start = max(start, end - timedelta(days=MAX_DAYS))
    channel = request.GET.get("channel", "")
    if channel not in {value for value, _label in platform_choices()}:
        channel = ""
    return ReportQuery(start, end, _int(request.GET.get("brand")), channel, _int(request.GET.get("team")))


def _scope(request: HttpRequest, q: ReportQuery) -> tuple[ReportScope, list[Any], list[Any]]:
    brands = list(access_reports(request.user))
    brand_ids = [b.pk for b in brands]
    if q.brand_id is not None:
        if q.brand_id not in brand_ids:
            raise Http404("No such brand")
        brand_ids = [q.brand_id]
    teams = list(teams_for_report(brand_ids=[b.pk for b in brands]))
    if q.team_id is not None and q.team_id not in {t.pk for t in teams}:
        raise Http404("No such team")
    tz = timezone.get_current_timezone()
    start = datetime.combine(q.start, time.min, tzinfo=tz)
    end = datetime.combine(q.end + timedelta(days=1), time.min, tzinfo=tz)
    return ReportScope(brand_ids, start, end, q.channel, q.team_id), brands, teams


def _minutes(seconds: float | None) -> str:
    return "" if seconds is None else f"{seconds / 60:.1f}"


def _pct(value: float | None) -> str:
    return "" if value is None else f"{value:.1f}"


FIGURE_COLUMNS = (
    ("conversations", lambda f: str(f.conversations)),
    ("answered", lambda f: str(f.answered)),
    ("answer_rate_pct", lambda f: _pct(f.answer_rate)),
    ("first_reply_median_min", lambda f: _minutes(f.first_reply_median)),
    ("first_reply_p90_min", lambda f: _minutes(f.first_reply_p90)),
    ("within_1h_pct", lambda f: _pct(f.within_hour)),
    ("within_target_pct", lambda f: _pct(f.within_target)),
    ("next_reply_median_min", lambda f: _minutes(f.next_reply_median)),
    ("resolution_median_min", lambda f: _minutes(f.resolution_median)),
    ("at_most_two_people_pct", lambda f: _pct(f.at_most_two_people)),
)


def _row(f: Figures) -> list[str]:
    return [fn(f) for _name, fn in FIGURE_COLUMNS]


CSAT_COLUMNS = (
    ("asked", lambda f: str(f.asked)),
    ("answered", lambda f: str(f.answered)),
    ("response_rate_pct", lambda f: _pct(f.response_rate)),
    ("average_rating", lambda f: "" if f.average is None else f"{f.average:.2f}"),
    ("rated_4_or_5_pct", lambda f: _pct(f.satisfied)),
    ("review_invited", lambda f: str(f.review_invited)),
    ("review_accepted", lambda f: str(f.review_accepted)),
)


def _csat_row(f: CsatFigures) -> list[str]:
    return [fn(f) for _name, fn in CSAT_COLUMNS]


def _csat_labels() -> list[str]:
    return [
        _("Asked"), _("Answered"), _("Response rate (%)"), _("Average rating (1–5)"), _("Rated 4 or 5 (%)"),
        _("Invited to review"), _("Accepted the invitation"),
    ]


def _csat_report(scope: ReportScope) -> dict[str, Any]:
    records = csat_in(scope)
    groups = [
        (name, _group_label(name), [(k, _csat_row(f)) for k, f in csat_figures_by(records, key=CSAT_GROUPINGS[name])])
        for name in ("agent", "channel", "brand")
    ]
    return {"all": _csat_row(csat_figures(records)), "groups": groups, "labels": _csat_labels()}


@login_required
@require_GET
def reports_page(request: HttpRequest) -> HttpResponse:
    q = _parse(request)
    scope, brands, teams = _scope(request, q)
    now = conversations_in(scope)
    before = conversations_in(scope.previous())
    current, previous = figures(now), figures(before)
    summary = [
        (label, fn(current), fn(previous))
        for (name, fn), label in zip(FIGURE_COLUMNS, _column_labels(), strict=True)
    ]
    groups = [(name, _group_label(name), [(key, _row(f)) for key, f in figures_by(now, key=GROUPINGS[name])])
              for name in ("channel", "brand", "team", "agent")]
    return render(
        request,
        "reports/reports.html",
        {
            "mood": [
                (brand, channel, day, neg, neu, pos, _pct(100 * neg / (neg + neu + pos)) if neg + neu + pos else "")
                for brand, channel, day, neg, neu, pos in mood_by_day(scope)
            ],
            "chart": _chart(first_reply_distribution(now), first_reply_distribution(before)),
            "q": q, "query": q.as_query(), "brands": brands, "teams": teams, "channels": platform_choices(),
            "summary": summary, "groups": groups, "labels": _column_labels(),
            "unanswered": unanswered_longest(brand_ids=scope.brand_ids, channel=q.channel, team_id=q.team_id),
            "csat": _csat_report(scope),
            "previous_start": scope.previous().start.date(), "previous_end": (scope.start - timedelta(days=1)).date(),
            "embeds": _public_embeds(request, brands),
        },
    )


def _public_embeds(request: HttpRequest, brands: list[Any]) -> list[dict[str, Any]]:
    """Per brand the public reply-time links to paste into its website and profiles: the
    widget's iframe, the banner's img tag (each size) and the JSON, as absolute URLs."""
    out = []
    for brand in brands:
        def url(name: str, query: str = "", brand_id: int = brand.pk) -> str:
            return request.build_absolute_uri(reverse(f"reports:{name}", kwargs={"brand_id": brand_id}) + query)

        banners = [(size, w, h, url("reply_time_banner", f"?size={size}")) for size, (w, h) in SIZES.items()]
        out.append({
            "brand": brand, "widget": url("reply_time_widget"), "json": url("reply_time"), "banners": banners,
            "web_banner": url("reply_time_banner", "?size=web"),
            "preview": reverse("reports:reply_time_banner", kwargs={"brand_id": brand.pk}),
        })
    return out


CHART_WIDTH = 320  # px of the longest bar


def _chart(now: list[int], before: list[int]) -> list[dict[str, Any]]:
    """The first-response distribution as bars drawn server-side in SVG (width attributes,
    no inline style or script: the CSP stays strict), this period above the previous one."""
    labels = [
        _("within 15 min"), _("15–60 min"), _("1–4 hours"), _("4–24 hours"), _("over 24 hours"), _("not answered"),
    ]
    peak = max([*now, *before, 1])
    return [
        {"label": label, "now": a, "before": b, "now_w": round(CHART_WIDTH * a / peak),
         "before_w": round(CHART_WIDTH * b / peak), "y": i * 34}
        for i, (label, a, b) in enumerate(zip(labels, now, before, strict=True))
    ]


def _column_labels() -> list[str]:
    return [
        _("Conversations"), _("Answered"), _("Answer rate (%)"), _("First reply, median (min)"),
        _("First reply, 90th percentile (min)"), _("Answered within 1 hour (%)"),
        _("Answered within the channel's target (%)"), _("Next reply, median (min)"),
        _("Resolution, median (min)"), _("Handled by at most two people (%)"),
    ]


def _group_label(name: str) -> str:
    return {"channel": _("Per channel"), "brand": _("Per brand"), "team": _("Per team"), "agent": _("Per agent")}[name]


@login_required
@require_GET
def reports_export(request: HttpRequest, table: str) -> HttpResponse:
    if table not in TABLES:
        raise Http404("No such table")
    q = _parse(request)
    scope, _brands, _teams = _scope(request, q)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="hovor-{table}-{q.start}-{q.end}.csv"'
    writer = csv.writer(response)
    columns = [name for name, _fn in FIGURE_COLUMNS]
    if table == "unanswered":
        writer.writerow(["ticket_id", "brand", "channel", "opened_at", "waiting_minutes"])
        now = timezone.now()
        for t in unanswered_longest(brand_ids=scope.brand_ids, channel=q.channel, team_id=q.team_id):
            writer.writerow([t.pk, t.brand.name, t.account.platform, t.created_at.isoformat(),
                             f"{(now - t.created_at).total_seconds() / 60:.0f}"])
    elif table == "mood":
        writer.writerow(["brand", "channel", "day", "negative", "neutral", "positive"])
        for row in mood_by_day(scope):
            writer.writerow(row)
    elif table == "csat":
        writer.writerow(["grouping", "key", *[name for name, _fn in CSAT_COLUMNS]])
        records = csat_in(scope)
        writer.writerow(["all", "", *_csat_row(csat_figures(records))])
        for grouping in ("agent", "channel", "brand"):
            for key, rated in csat_figures_by(records, key=CSAT_GROUPINGS[grouping]):
                writer.writerow([grouping, key, *_csat_row(rated)])
    elif table == "summary":
        writer.writerow(["period", "start", "end", *columns])
        writer.writerow(["current", scope.start.date(), (scope.end - timedelta(days=1)).date(),
                         *_row(figures(conversations_in(scope)))])
        prev = scope.previous()
        writer.writerow(["previous", prev.start.date(), (prev.end - timedelta(days=1)).date(),
                         *_row(figures(conversations_in(prev)))])
    else:
        writer.writerow([table, *columns])
        for key, f in figures_by(conversations_in(scope), key=GROUPINGS[table]):
            writer.writerow([key, *_row(f)])
    return response


def _bounded(value: str | None, default: int, low: int, high: int) -> int:
    n = _int(value)
    return default if n is None else min(high, max(low, n))


@login_required
@require_GET
def staffing_page(request: HttpRequest) -> HttpResponse:
    """Incoming conversations by hour of day × weekday, and the people each hour needs
    (Erlang C) to answer the chosen share within the chosen time."""
    q = _parse(request)
    scope, brands, teams = _scope(request, q)
    share = _bounded(request.GET.get("share"), 80, 1, 99)
    minutes = _bounded(request.GET.get("minutes"), 60, 1, 24 * 60)
    rows = conversations_in(scope)
    tz = timezone.get_current_timezone()
    grid = volume(rows, tz=tz)
    days = weekday_counts(q.start, q.end + timedelta(days=1))
    per_reply = reply_seconds(human_replies_in(scope))
    handling = handling_seconds(rows, per_reply=per_reply)
    need = staffing(grid, days=days, handling=handling, target_seconds=minutes * 60, share=share / 100)
    peak = max((max(r) for r in grid), default=0) or 1
    weekdays = [_("Monday"), _("Tuesday"), _("Wednesday"), _("Thursday"), _("Friday"), _("Saturday"), _("Sunday")]
    planned = planned_by_hour(brand_ids=scope.brand_ids, team_id=q.team_id)
    table = [
        (weekdays[d], [(grid[d][h], min(4, (4 * grid[d][h] + peak - 1) // peak), need[d][h]) for h in range(24)])
        for d in range(7)
    ]
    # Needed beside planned, per hour; short where the plan has fewer people than needed.
    plan_table = [
        (weekdays[d], [(need[d][h], planned[d][h], need[d][h] - planned[d][h]) for h in range(24)]) for d in range(7)
    ]
    short_hours = sum(1 for d in range(7) for h in range(24) if planned[d][h] < need[d][h])
    return render(
        request,
        "reports/staffing.html",
        {
            "q": q, "query": q.as_query(), "brands": brands, "teams": teams, "channels": platform_choices(),
            "share": share, "minutes": minutes, "table": table, "hours": range(24),
            "plan_table": plan_table, "short_hours": short_hours,
            "handling_minutes": f"{handling / 60:.1f}", "reply_minutes": f"{per_reply / 60:.1f}",
            "conversations": len(rows), "peak_need": max((max(r) for r in need), default=0),
        },
    )


def _public_brand(brand_id: int) -> Brand:
    brand = Brand.objects.filter(pk=brand_id).first()
    if brand is None:
        raise Http404("No such brand")
    return brand


def _reply_phrase(minutes: int | None) -> str:
    if minutes is None:
        return _("We answer as soon as we can")
    if minutes < 60:
        return _("We reply within ~%(n)s min") % {"n": minutes}
    hours = minutes // 60
    return ngettext("We reply within ~%(n)s hour", "We reply within ~%(n)s hours", hours) % {"n": hours}


@require_GET
def reply_time_json(request: HttpRequest, brand_id: int) -> HttpResponse:
    """No login: the brand's current reply time, for its website and profiles."""
    brand = _public_brand(brand_id)
    rt = reply_time_cached(brand_id=brand.pk)
    response = JsonResponse(
        {
            "brand": brand.name, "median_seconds": rt.median_seconds, "reply_within_minutes": rt.rounded_minutes,
            "text": _reply_phrase(rt.rounded_minutes), "computed_at": rt.computed_at.isoformat(),
        }
    )
    response["Cache-Control"] = f"public, max-age={CACHE_SECONDS}"
    response["Access-Control-Allow-Origin"] = "*"
    return response


@xframe_options_exempt
@csp_replace({"frame-ancestors": None})  # type: ignore[arg-type]  # embeddable; django-csp types one arg
@require_GET
def reply_time_widget(request: HttpRequest, brand_id: int) -> HttpResponse:
    """No login: a small page to embed in an iframe, in the visitor's language."""
    brand = _public_brand(brand_id)
    rt = reply_time_cached(brand_id=brand.pk)
    response = render(request, "reports/widget.html", {"brand": brand, "text": _reply_phrase(rt.rounded_minutes)})
    response["Cache-Control"] = f"public, max-age={CACHE_SECONDS}"
    return response


@require_GET
def reply_time_banner(request: HttpRequest, brand_id: int) -> HttpResponse:
    """No login: the same sentence as a PNG banner for profile headers and websites.
    ``?size=`` one of banner.SIZES; ``?lang=`` one of the UI languages, else Accept-Language.
    The sentence drawn is in X-Hovor-Banner-Text, percent-encoded UTF-8."""
    brand = _public_brand(brand_id)
    size = request.GET.get("size") or DEFAULT_SIZE
    if size not in SIZES:
        return HttpResponseBadRequest(_("Unknown banner size; use one of: %(sizes)s") % {"sizes": ", ".join(SIZES)})
    lang = request.GET.get("lang", "")
    lang = lang if lang in dict(settings.LANGUAGES) else translation.get_language()
    rt = reply_time_cached(brand_id=brand.pk)
    with translation.override(lang):
        text = _reply_phrase(rt.rounded_minutes)
    png, etag = banner_png_cached(brand_name=brand.name, text=text, size=size)
    response = get_conditional_response(request, etag=etag) or HttpResponse(png, content_type="image/png")
    response["ETag"] = etag
    response["Cache-Control"] = f"public, max-age={CACHE_SECONDS}"
    response["Content-Language"] = lang
    response["X-Hovor-Banner-Text"] = quote(text)
    response["Access-Control-Allow-Origin"] = "*"
    response["Access-Control-Expose-Headers"] = "X-Hovor-Banner-Text"
    return response
