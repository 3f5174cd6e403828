"""Reply tools (admins, /settings/replies/): the robot-phrase list per language, each
brand's signature template per platform and its wording of "I'm looking into it". Views
parse, authorise, call one action, redirect."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages as flash
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from channels.models import Brand
from channels.registry import connectors

from ..actions.acknowledgement import DEFAULT_TEXTS as ACK_DEFAULTS
from ..actions.acknowledgement import MAX_LENGTH as ACK_MAX_LENGTH
from ..actions.replies import SIGNATURE_VARIABLES
from ..actions.reply_tools import (
    ReplyToolsError,
    brand_acknowledgement_set,
    brand_signature_set,
    robot_phrase_create,
    robot_phrase_delete,
)
from ..models import BrandAcknowledgement, BrandSignature, RobotPhrase
from ..permissions import access_admin


@login_required
@require_GET
def reply_tools_page(request: HttpRequest) -> HttpResponse:
    access_admin(request.user)
    phrases = list(RobotPhrase.objects.all())
    names = dict(settings.LANGUAGES)
    by_language = [(code, names[code], [p for p in phrases if p.language == code]) for code, _n in settings.LANGUAGES]
    platforms = [(c.platform, c.label) for c in connectors()]
    signatures = {(s.brand_id, s.platform): s.template for s in BrandSignature.objects.all()}
    brands = [
        (brand, [(platform, label, signatures.get((brand.pk, platform), "")) for platform, label in platforms])
        for brand in Brand.objects.order_by("name")
    ]
    own = dict(BrandAcknowledgement.objects.values_list("brand_id", "texts"))
    acknowledgements = [
        (brand, [(code, names[code], ACK_DEFAULTS[code], (own.get(brand.pk) or {}).get(code, ""))
                 for code, _n in settings.LANGUAGES if code in ACK_DEFAULTS])
        for brand, _rows in brands
    ]
    return render(request, "inbox/reply_tools.html", {
        "acknowledgements": acknowledgements,
        "ack_max_length": ACK_MAX_LENGTH,
        "by_language": by_language,
        "languages": settings.LANGUAGES,
        "brands": brands,
        "signature_variables": SIGNATURE_VARIABLES,
        "signature_example": "{{ agent.first_name }} · Acme Care",
    })


@login_required
@require_POST
def robot_phrase_new_view(request: HttpRequest) -> HttpResponse:
    access_admin(request.user)
    try:
        phrase = robot_phrase_create(
            language=request.POST.get("language", ""),
            phrase=request.POST.get("phrase", ""),
            hint=request.POST.get("hint", ""),
        )
        flash.success(request, _("“%(phrase)s” added.") % {"phrase": phrase.phrase})
    except ReplyToolsError as exc:
        flash.error(request, str(exc))
    return redirect("inbox:reply_tools")


@login_required
@require_POST
def robot_phrase_delete_view(request: HttpRequest, phrase_id: int) -> HttpResponse:
    access_admin(request.user)
    phrase = get_object_or_404(RobotPhrase, pk=phrase_id)
    robot_phrase_delete(phrase=phrase)
    flash.success(request, _("“%(phrase)s” removed.") % {"phrase": phrase.phrase})
    return redirect("inbox:reply_tools")


@login_required
@require_POST
def brand_signature_view(request: HttpRequest, brand_id: int) -> HttpResponse:
    access_admin(request.user)
    brand = get_object_or_404(Brand, pk=brand_id)
    try:
        brand_signature_set(
            brand=brand, platform=request.POST.get("platform", ""), template=request.POST.get("template", "")
        )
        flash.success(request, _("%(brand)s's signature saved.") % {"brand": brand.name})
    except ReplyToolsError as exc:
        flash.error(request, str(exc))
    return redirect("inbox:reply_tools")


@login_required
@require_POST
def brand_acknowledgement_view(request: HttpRequest, brand_id: int) -> HttpResponse:
    access_admin(request.user)
    brand = get_object_or_404(Brand, pk=brand_id)
    try:
        brand_acknowledgement_set(
            brand=brand, texts={code: request.POST.get(f"text_{code}", "") for code in ACK_DEFAULTS}
        )
        flash.success(request, _("%(brand)s's “I'm looking into it” saved.") % {"brand": brand.name})
    except ReplyToolsError as exc:
        flash.error(request, str(exc))
    return redirect("inbox:reply_tools")
