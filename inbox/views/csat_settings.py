"""Satisfaction settings (admins, /settings/csat/): per brand, the question after a solve on
or off, its wording per language (Hovor's own shown until an admin writes their own), the
invitation to a public review after a 5, and a live preview of what the customer reads.
Thin: parse, authorise, call csat_setting_set, render or redirect."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import unquote

from django.conf import settings
from django.contrib import messages as flash
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from channels.models import Brand

from ..actions.csat import (
    DEFAULT_TEXTS,
    EMAIL_TEXTS,
    LANGUAGES,
    REVIEW_TEXTS,
    TEXT_MAX,
    CsatError,
    csat_render_question,
    csat_render_review,
    csat_setting_for,
    csat_setting_set,
    public_url,
)
from ..models import CsatSetting
from ..permissions import access_admin

X_LIMIT = 280  # the shortest channel's post: the preview warns above it


@dataclass(frozen=True)
class LanguageRow:
    code: str
    name: str
    text: str  # the brand's own wording, "" for Hovor's
    default: str
    email_default: str
    review: str


def _context(*, brand: Brand, brands: list[Brand], setting: CsatSetting,
             error: str = "") -> dict[str, object]:
    names = dict(settings.LANGUAGES)
    rows = [
        LanguageRow(code=lang, name=str(names.get(lang, lang)), text=setting.texts.get(lang, ""),
                    default=DEFAULT_TEXTS[lang], email_default=EMAIL_TEXTS[lang], review=REVIEW_TEXTS[lang])
        for lang in LANGUAGES
    ]
    ui = (get_language() or "en").split("-")[0]
    preview_language = ui if ui in LANGUAGES else "en"
    # What a customer's links look like (each question's own is signed when it is sent).
    sample_link = public_url(unquote(reverse("inbox:csat_page", kwargs={"token": "…"})))
    sample_review_link = public_url(unquote(reverse("inbox:csat_review", kwargs={"token": "…"})))
    preview = csat_render_question(
        custom=setting.texts.get(preview_language, ""), language=preview_language, email=False,
        brand_name=brand.name, link=sample_link,
    )
    # {n}, not %(n)s: static/hovor/csat_settings.js fills it in as the admin types.
    length_label = _("Characters: {n}")
    return {
        "brand": brand,
        "brands": brands,
        "setting": setting,
        "rows": rows,
        "error": error,
        "text_max": TEXT_MAX,
        "x_limit": X_LIMIT,
        "preview_language": preview_language,
        "sample_link": sample_link,
        "sample_review_link": sample_review_link,
        "preview": preview,
        "length_label": length_label,
        "length_text": length_label.replace("{n}", str(len(preview))),
        "preview_review": csat_render_review(
            language=preview_language, brand_name=brand.name, link=sample_review_link
        ),
    }


@login_required
@require_GET
def csat_settings_page(request: HttpRequest) -> HttpResponse:
    access_admin(request.user)
    brands = list(Brand.objects.order_by("name"))
    if not brands:
        return render(request, "inbox/csat_settings.html", {"brands": []})
    chosen = request.GET.get("brand", "")
    brand = next((b for b in brands if str(b.pk) == chosen), brands[0])
    return render(request, "inbox/csat_settings.html", _context(
        brand=brand, brands=brands, setting=csat_setting_for(brand_id=brand.pk)
    ))


@login_required
@require_POST
def csat_settings_save_view(request: HttpRequest, brand_id: int) -> HttpResponse:
    access_admin(request.user)
    brand = get_object_or_404(Brand, pk=brand_id)
    post = request.POST
    enabled, review_enabled = post.get("enabled") == "on", post.get("review_enabled") == "on"
    texts = {lang: post.get(f"text-{lang}", "") for lang in LANGUAGES}
    review_url = post.get("review_url", "")
    try:
        csat_setting_set(
            brand_id=brand.pk, enabled=enabled, texts=texts, review_enabled=review_enabled, review_url=review_url
        )
    except CsatError as exc:
        # The form again with what was typed, nothing saved.
        typed = CsatSetting(
            brand=brand, enabled=enabled, texts={k: v.strip() for k, v in texts.items() if v.strip()},
            review_enabled=review_enabled, review_url=review_url.strip(),
        )
        brands = list(Brand.objects.order_by("name"))
        return render(request, "inbox/csat_settings.html", _context(
            brand=brand, brands=brands, setting=typed, error=str(exc)
        ), status=400)
    flash.success(request, _("%(brand)s: satisfaction question saved.") % {"brand": brand.name})
    return redirect(f"{reverse('inbox:csat_settings')}?brand={brand.pk}")
