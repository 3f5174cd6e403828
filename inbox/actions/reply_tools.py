"""Admins' reply tools (/settings/replies/): the robot-phrase list per language, each
brand's signature template per platform and its wording of "I'm looking into it". None
touches a ticket: no TicketEvent."""

from __future__ import annotations

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from channels.models import Brand
from channels.registry import supported_platforms

from ..models import BrandAcknowledgement, BrandSignature, RobotPhrase
from ..robot_phrases import fold
from ..variables import AVAILABLE, MissingValue, UnknownVariable, render_variables
from .acknowledgement import DEFAULT_TEXTS, MAX_LENGTH
from .replies import SIGNATURE_VARIABLES, signature_template_render
from .tickets import TicketActionError


class ReplyToolsError(TicketActionError):
    pass


LANGUAGE_CODES = tuple(code for code, _name in settings.LANGUAGES)


@transaction.atomic
def robot_phrase_create(*, language: str, phrase: str, hint: str = "") -> RobotPhrase:
    phrase = " ".join(phrase.split())[:200]
    if language not in LANGUAGE_CODES:
        raise ReplyToolsError(_("Pick one of the languages."))
    if not fold(phrase).strip(" .…"):
        raise ReplyToolsError(_("The phrase cannot be empty."))
    existing = [p for p in RobotPhrase.objects.filter(language=language) if fold(p.phrase) == fold(phrase)]
    if existing:
        raise ReplyToolsError(_("“%(phrase)s” is on the list already.") % {"phrase": existing[0].phrase})
    try:
        with transaction.atomic():
            return RobotPhrase.objects.create(language=language, phrase=phrase, hint=" ".join(hint.split())[:300])
    except IntegrityError as exc:  # the same phrase added at the same moment
        raise ReplyToolsError(_("“%(phrase)s” is on the list already.") % {"phrase": phrase}) from exc


@transaction.atomic
def robot_phrase_delete(*, phrase: RobotPhrase) -> None:
    phrase.delete()


@transaction.atomic
def brand_signature_set(*, brand: Brand, platform: str, template: str) -> BrandSignature | None:
    """Set (or with an empty template, remove) how `brand` signs replies on `platform`. The
    template is checked now with a sample name: a mistyped variable is refused here, not
    discovered in a customer's reply."""
    if platform not in supported_platforms():
        raise ReplyToolsError(_("No such platform."))
    template = " ".join(template.split())[:120]
    if not template:
        BrandSignature.objects.filter(brand=brand, platform=platform).delete()
        return None
    try:
        signature_template_render(template, agent_name="Jana Dvořáková", brand_name=brand.name)
    except UnknownVariable as exc:
        raise ReplyToolsError(
            _("Unknown variable {{ %(name)s }}; a signature may use: %(available)s")
            % {"name": exc.name, "available": ", ".join(SIGNATURE_VARIABLES)}
        ) from exc
    except MissingValue as exc:  # cannot happen with the sample values; kept for safety
        raise ReplyToolsError(str(exc)) from exc
    signature, _created = BrandSignature.objects.update_or_create(
        brand=brand, platform=platform, defaults={"template": template}
    )
    return signature


@transaction.atomic
def brand_acknowledgement_set(*, brand: Brand, texts: dict[str, str]) -> BrandAcknowledgement:
    """The brand's own "I'm looking into it" per language; an empty one (or Hovor's own
    text) means Hovor's. A mistyped variable is refused here, not in a customer's reply."""
    cleaned: dict[str, str] = {}
    sample = dict.fromkeys(AVAILABLE, "x")
    for language, raw in texts.items():
        if language not in DEFAULT_TEXTS:
            continue
        text = " ".join(str(raw).split())
        if not text or text == DEFAULT_TEXTS[language]:
            continue
        if len(text) > MAX_LENGTH:
            raise ReplyToolsError(_("At most %(n)s characters, please.") % {"n": MAX_LENGTH})
        try:
            render_variables(text, sample)
        except UnknownVariable as exc:
            raise ReplyToolsError(
                _("Unknown variable {{ %(name)s }}; available: %(available)s")
                % {"name": exc.name, "available": ", ".join(AVAILABLE)}
            ) from exc
        cleaned[language] = text
    setting, _created = BrandAcknowledgement.objects.select_for_update().get_or_create(brand=brand)
    setting.texts = cleaned
    setting.save(update_fields=["texts", "updated_at"])
    return setting
