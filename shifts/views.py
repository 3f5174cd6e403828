"""Admins set every brand's staffed hours; team leads (the Leads group's permission) set
those of their teams' brands."""

from __future__ import annotations

from datetime import time

from django.contrib import messages as flash
from django.contrib.auth.decorators import login_required
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from channels.models import Brand
from channels.registry import platform_label, polling_platforms, supported_platforms
from inbox.selectors import brands_visible_to

from .acknowledgement import DEFAULT_TEXTS, acknowledgement_for, acknowledgement_set
from .actions import InvalidHours, business_hours_channel_clear, business_hours_clear, business_hours_set
from .models import BusinessHours, Weekday
from .selectors import Period, channel_periods, channels_with_hours, is_staffed, next_staffed_at

ACK_LANGUAGES = (("en", "English"), ("cs", "Čeština"), ("pl", "Polski"), ("bg", "Български"))
DEFAULT_OPENS = time(8, 0)
DEFAULT_CLOSES = time(17, 0)
COMMON_ZONES = (
    "Europe/Prague",
    "Europe/Warsaw",
    "Europe/Sofia",
    "Europe/Bratislava",
    "Europe/London",
    "Europe/Berlin",
    "America/New_York",
    "UTC",
)


def _hours_brands(request: HttpRequest) -> QuerySet[Brand]:
    """The brands whose hours this person may set: every brand for admins, their teams'
    brands for leads; anyone else gets a 404 (the page does not exist for them)."""
    user = request.user
    if user.is_authenticated and user.is_staff:
        return Brand.objects.all()
    if user.is_authenticated and user.has_perm("shifts.change_businesshours"):
        return brands_visible_to(user=user)
    raise Http404("Admins and team leads only")


def _parse_time(value: str) -> time | None:
    try:
        return time.fromisoformat(value.strip()) if value.strip() else None
    except ValueError:
        return None


def _channel(value: str) -> str:
    return value if value in supported_platforms() else ""


def _rows(hours: BusinessHours | None, platform: str = "") -> list[dict[str, object]]:
    periods = {p.weekday: p for p in channel_periods(hours, platform)} if hours else {}
    rows = []
    for day in Weekday:
        period = periods.get(day.value)
        rows.append(
            {
                "weekday": day.value,
                "label": day.label,
                "open": period is not None if hours else day.value < 5,
                "opens": (period.opens if period else DEFAULT_OPENS).strftime("%H:%M"),
                "closes": (period.closes if period else DEFAULT_CLOSES).strftime("%H:%M"),
            }
        )
    return rows


@login_required
def hours(request: HttpRequest) -> HttpResponse:
    return _hours_page(request, brands=_hours_brands(request))


def _hours_page(
    request: HttpRequest,
    *,
    brands: QuerySet[Brand],
    refused: Brand | None = None,
    error: str = "",
    zone: str = "",
    status: int = 200,
) -> HttpResponse:
    """The page; with `refused`, that brand's card says why its hours were not saved (once,
    beside the field, with what the lead typed kept) instead of a flash message."""
    now = timezone.now()
    channel = _channel(request.POST.get("platform", "") or request.GET.get("channel", ""))
    cards = []
    for brand in brands.order_by("name").prefetch_related("business_hours__periods"):
        brand_hours = getattr(brand, "business_hours", None)
        cards.append(
            {
                "brand": brand,
                "hours": brand_hours,
                "rows": _rows(brand_hours, channel),
                "own": channel in channels_with_hours(brand_hours),
                "staffed": is_staffed(brand_hours, now, channel),
                "next": next_staffed_at(brand_hours, now, channel),
                "ack": (ack := acknowledgement_for(brand_id=brand.pk)),
                "ack_rows": [
                    {"lang": lang, "label": label, "text": ack.texts.get(lang, ""), "default": DEFAULT_TEXTS[lang]}
                    for lang, label in ACK_LANGUAGES
                ],
                "error": error if refused is not None and brand.pk == refused.pk else "",
                "zone": zone if refused is not None and brand.pk == refused.pk else "",
            }
        )
    polled = ", ".join(platform_label(p) for p in polling_platforms())
    context = {
        "brands": cards,
        "zones": COMMON_ZONES,
        "polled_platforms": polled,
        "channel": channel,
        "channel_label": platform_label(channel) if channel else "",
        "channels": [(p, platform_label(p)) for p in supported_platforms()],
    }
    return render(request, "shifts/hours.html", context, status=status)


@login_required
@require_http_methods(["POST"])
def hours_save(request: HttpRequest, brand_id: int) -> HttpResponse:
    allowed = _hours_brands(request)
    brand = get_object_or_404(allowed, pk=brand_id)
    platform = _channel(request.POST.get("platform", ""))
    back = redirect(f"{reverse('shifts:hours')}?channel={platform}") if platform else redirect("shifts:hours")
    if platform and request.POST.get("action") == "same":
        business_hours_channel_clear(brand=brand, platform=platform)
        flash.success(
            request,
            _("%(brand)s: %(channel)s keeps the brand's staffed hours.")
            % {"brand": brand.name, "channel": platform_label(platform)},
        )
        return back
    if request.POST.get("action") == "always":
        business_hours_clear(brand=brand)
        flash.success(
            request,
            _("%(brand)s: always staffed; accounts are polled at full speed around the clock.") % {"brand": brand.name},
        )
        return redirect("shifts:hours")
    periods = []
    for day in Weekday:
        if not request.POST.get(f"open-{day.value}"):
            continue
        opens = _parse_time(request.POST.get(f"opens-{day.value}", ""))
        closes = _parse_time(request.POST.get(f"closes-{day.value}", ""))
        if opens is None or closes is None:
            flash.error(
                request,
                _("%(brand)s: %(day)s needs an opening and a closing time (HH:MM).")
                % {"brand": brand.name, "day": day.label},
            )
            return back
        periods.append(Period(day.value, opens, closes))
    zone = request.POST.get("timezone", "").strip()
    try:
        business_hours_set(brand=brand, timezone=zone, periods=periods, platform=platform)
    except InvalidHours as exc:
        return _hours_page(request, brands=allowed, refused=brand, error=str(exc), zone=zone, status=400)
    flash.success(request, _("%(brand)s: staffed hours saved.") % {"brand": brand.name})
    return back


@login_required
@require_http_methods(["POST"])
def acknowledgement_save(request: HttpRequest, brand_id: int) -> HttpResponse:
    """Admins only: the brand's out-of-hours acknowledgement on or off, and its wording."""
    if not request.user.is_staff:
        raise Http404("Admins only")
    brand = get_object_or_404(Brand, pk=brand_id)
    texts = {lang: request.POST.get(f"text-{lang}", "") for lang, _label in ACK_LANGUAGES}
    acknowledgement_set(brand_id=brand.pk, enabled=bool(request.POST.get("enabled")), texts=texts)
    flash.success(request, _("%(brand)s: out-of-hours acknowledgement saved.") % {"brand": brand.name})
    return redirect("shifts:hours")
