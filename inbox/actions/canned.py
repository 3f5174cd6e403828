"""Canned responses: starting points for replies, per brand, shared with the brand's teams
or an agent's own, with a `/shortcut` and a text per language (CARE.md 1 and 9: agents
personalise them; leads see from the use counts which ones earn their keep).

Using one only puts its text into the composer: what is sent is whatever the agent makes
of it, through ticket_reply like anything typed (variables filled, signature added)."""
from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from channels.models import Brand

from .. import events
from ..models import CannedLanguage, CannedResponse, CannedResponseVariant, Ticket
from ..permissions import can_edit_canned, can_share_canned, is_agent
from ..selectors import brands_visible_to, canned_variants_in_order
from ..variables import AVAILABLE, UnknownVariable, render_variables
from .tickets import TicketActionError

SHORTCUT_RE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")
TITLE_MAX_LENGTH = 120
BODY_MAX_LENGTH = 5000


class CannedError(TicketActionError):
    """Input the agent can fix (the message says what)."""


class CannedOutOfScope(CannedError):
    """A canned response or brand the actor may not use or change: a 404 to them."""


@dataclass(frozen=True)
class CannedUse:
    text: str
    language: str


def _shortcut(raw: str) -> str:
    shortcut = raw.strip().lstrip("/").strip().lower()
    if not SHORTCUT_RE.match(shortcut):
        raise CannedError(
            _("A shortcut is 1 to 40 lower-case letters, digits, - or _ (e.g. refund), without spaces.")
        )
    return shortcut


def _title(raw: str) -> str:
    title = raw.strip()
    if not title:
        raise CannedError(_("Give the canned response a title."))
    if len(title) > TITLE_MAX_LENGTH:
        raise CannedError(_("A title can be at most %(max)d characters long.") % {"max": TITLE_MAX_LENGTH})
    return title


def _variants(raw: Mapping[str, str]) -> dict[str, str]:
    """The non-empty texts by language; each must only use the variables replies know."""
    cleaned: dict[str, str] = {}
    for language, body in raw.items():
        if language not in CannedLanguage.values:
            raise CannedError(_("Unknown language %(language)s.") % {"language": language})
        body = (body or "").strip()
        if not body:
            continue
        if len(body) > BODY_MAX_LENGTH:
            raise CannedError(_("A text can be at most %(max)d characters long.") % {"max": BODY_MAX_LENGTH})
        try:
            render_variables(body, dict.fromkeys(AVAILABLE, "x"))
        except UnknownVariable as exc:
            raise CannedError(str(exc)) from exc
        cleaned[language] = body
    if not cleaned:
        raise CannedError(_("Write the text in at least one language."))
    return cleaned


def _save(canned: CannedResponse, *, fields: list[str] | None = None) -> None:
    """Save, turning the shortcut's uniqueness into a message (savepoint: the caller's
    transaction goes on)."""
    try:
        with transaction.atomic():
            if fields is None:
                canned.save()
            else:
                canned.save(update_fields=fields)
    except IntegrityError as exc:
        raise CannedError(
            _("/%(shortcut)s is taken already for this brand.") % {"shortcut": canned.shortcut}
        ) from exc


def _set_variants(canned: CannedResponse, variants: dict[str, str]) -> None:
    canned.variants.exclude(language__in=list(variants)).delete()
    for language, body in variants.items():
        CannedResponseVariant.objects.update_or_create(canned=canned, language=language, defaults={"body": body})


@transaction.atomic
def canned_response_create(
    *, actor: User, brand: Brand, shortcut: str, title: str, variants: Mapping[str, str], shared: bool
) -> CannedResponse:
    """A personal canned response (anyone working the brand), or a shared one (admins, the
    brand's leads)."""
    if not is_agent(actor) or not brands_visible_to(user=actor).filter(pk=brand.pk).exists():
        raise CannedOutOfScope("No such brand")
    if shared and not can_share_canned(actor, brand):
        raise CannedError(_("Only leads and admins keep shared canned responses; save it as your own."))
    texts = _variants(variants)
    canned = CannedResponse(
        brand=brand, owner=None if shared else actor, shortcut=_shortcut(shortcut), title=_title(title),
        created_by=actor,
    )
    _save(canned)
    _set_variants(canned, texts)
    return canned


@transaction.atomic
def canned_response_update(
    *,
    canned: CannedResponse,
    actor: User,
    shortcut: str | None = None,
    title: str | None = None,
    variants: Mapping[str, str] | None = None,
) -> CannedResponse:
    """Change what is given; `variants` is the whole set (a language left out or empty is
    removed). Its use count stays."""
    canned = CannedResponse.objects.select_for_update(of=("self",)).select_related("brand").get(pk=canned.pk)
    if not can_edit_canned(actor, canned):
        raise CannedOutOfScope("You may not change this canned response.")
    texts = _variants(variants) if variants is not None else None
    if shortcut is not None:
        canned.shortcut = _shortcut(shortcut)
    if title is not None:
        canned.title = _title(title)
    canned.updated_at = timezone.now()
    _save(canned, fields=["shortcut", "title", "updated_at"])
    if texts is not None:
        _set_variants(canned, texts)
    return canned


@transaction.atomic
def canned_response_delete(*, canned: CannedResponse, actor: User) -> None:
    if not can_edit_canned(actor, canned):
        raise CannedOutOfScope("You may not delete this canned response.")
    canned.delete()


def canned_usable_on(*, canned: CannedResponse, ticket: Ticket, agent: User) -> bool:
    """The ticket's brand's shared ones, and the agent's own for that brand."""
    return canned.brand_id == ticket.brand_id and canned.owner_id in (None, agent.pk)


@transaction.atomic
def canned_response_use(
    *, canned: CannedResponse, ticket: Ticket, agent: User, language: str = ""
) -> CannedUse:
    """The text to put in the composer: the variant asked for, else the conversation's
    language, else English, else the first there is. Counts the use and writes it in the
    ticket's timeline. The caller has checked that the agent sees the ticket."""
    if not canned_usable_on(canned=canned, ticket=ticket, agent=agent):
        raise CannedOutOfScope("No such canned response")
    variants = list(canned.variants.all())
    chosen = next((v for v in variants if language and v.language == language), None)
    if chosen is None:
        ordered = canned_variants_in_order(variants, language=ticket.language)
        if not ordered:
            raise CannedError(_("This canned response has no text."))
        chosen = ordered[0]
    CannedResponse.objects.filter(pk=canned.pk).update(use_count=F("use_count") + 1, last_used_at=timezone.now())
    events.canned_used(ticket=ticket, canned=canned, language=chosen.language, actor=agent)
    return CannedUse(text=chosen.body, language=chosen.language)
