"""Customer satisfaction: after an agent solves a conversation, the customer is asked one
question in their channel and language, once per conversation, never when only automated
mail ever came in and never for a conversation nobody answered (notes only). The answer is
a number written back (or a button, or the emailed link's page); it is stored on the
conversation's CsatSurvey without reopening it. A delighted customer (5) may be invited,
once per customer and only where the brand turns it on, to praise the brand publicly.

Opening a survey happens inside the solve's transaction (tickets_status_change); asking
(the outbox row) and inviting run in tasks, which queue delivery after their commit."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from functools import partial
from typing import Any

from django.conf import settings
from django.core import signing
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from redis.exceptions import RedisError

from channels.models import Brand
from channels.registry import UnknownPlatform, get_connector
from channels.types import NormalizedMessage

from .. import events, signals
from ..enums import DeliveryStatus, Direction, OutboundStatus, TicketStatus
from ..models import CsatSetting, CsatSurvey, Customer, Message, OutboundMessage, Ticket
from ..outbox import outbox_enqueue

LANGUAGES = ("en", "cs", "pl", "bg")
RELATIVES = {"sk": "cs"}  # a short Czech message is often told as Slovak
# Signed by the brand; short enough for every channel.
DEFAULT_TEXTS = {
    "en": "How did we do? Reply with a number from 1 (bad) to 5 (great). {brand}",
    "cs": "Jak jsme si vedli? Odpovězte číslem od 1 (špatně) do 5 (skvěle). {brand}",
    "pl": "Jak nam poszło? Odpowiedz liczbą od 1 (źle) do 5 (świetnie). {brand}",
    "bg": "Как се справихме? Отговорете с число от 1 (лошо) до 5 (отлично). {brand}",
}
EMAIL_TEXTS = {
    "en": "How did we do? Please rate our answer from 1 (bad) to 5 (great), one click:\n{link}\n\n{brand}",
    "cs": "Jak jsme si vedli? Ohodnoťte prosím naši odpověď od 1 (špatně) do 5 (skvěle), jedním kliknutím:\n"
    "{link}\n\n{brand}",
    "pl": "Jak nam poszło? Oceń, proszę, naszą odpowiedź od 1 (źle) do 5 (świetnie), jednym kliknięciem:\n"
    "{link}\n\n{brand}",
    "bg": "Как се справихме? Моля, оценете отговора ни от 1 (лошо) до 5 (отлично) с едно щракване:\n"
    "{link}\n\n{brand}",
}
# What the customer sees as the platform's notice after pressing a rating button (Telegram).
THANKS = {"en": "Thank you!", "cs": "Děkujeme!", "pl": "Dziękujemy!", "bg": "Благодарим!"}
REVIEW_TEXTS = {
    "en": "Thank you! If you have a moment, would you tell others about us? {link} {brand}",
    "cs": "Děkujeme! Pokud máte chvilku, řeknete o nás i ostatním? {link} {brand}",
    "pl": "Dziękujemy! Jeśli masz chwilę, opowiesz o nas innym? {link} {brand}",
    "bg": "Благодарим! Ако имате минутка, ще разкажете ли за нас и на другите? {link} {brand}",
}
BUTTON_PREFIX = "csat:"  # a button's payload: "csat:<survey id>:<rating>"
TOKEN_SALT = "hovor.csat"
REVIEW_SALT = "hovor.csat.review"
# A number written back this long after the question is an answer; later it is a message.
ANSWER_WINDOW = timedelta(days=7)
LINK_MAX_AGE = 60 * 60 * 24 * 30  # the emailed link works for 30 days


class CsatError(Exception):
    pass


# --- the brand's setting ------------------------------------------------------------------
def csat_setting_for(*, brand_id: int) -> CsatSetting:
    return CsatSetting.objects.filter(brand_id=brand_id).first() or CsatSetting(brand_id=brand_id)


TEXT_MAX = 1000  # per language; the question must also fit the channel (X: 280)
_review_url_ok = URLValidator(schemes=("http", "https"))


def csat_review_url_check(url: str) -> str:
    """The review page as the customer will be sent to it: an http(s) address, else CsatError
    (never javascript:, data: or a bare word in a redirect Hovor serves)."""
    url = url.strip()
    if not url:
        return ""
    try:
        if len(url) > 1000:
            raise ValidationError("too long")
        _review_url_ok(url)
    except ValidationError as exc:
        raise CsatError(_("The review page must be a web address starting with https:// or http://.")) from exc
    return url


@transaction.atomic
def csat_setting_set(
    *, brand_id: int, enabled: bool, texts: dict[str, str], review_enabled: bool, review_url: str
) -> CsatSetting:
    """Set a brand's question: on or off, its own wording per language (empty, or Hovor's own
    text: the built-in one, which follows Hovor's updates), and the review invitation. Checked
    first (CsatError, nothing written); a change is told to the audit log."""
    url = csat_review_url_check(review_url)
    if review_enabled and not url:
        raise CsatError(_("Give the review page's address to invite customers to it."))
    cleaned: dict[str, str] = {}
    for lang in LANGUAGES:
        text = (texts.get(lang) or "").strip().replace("\r\n", "\n")
        if len(text) > TEXT_MAX:
            raise CsatError(_("A question is %(max)s characters at most.") % {"max": TEXT_MAX})
        if text and text != DEFAULT_TEXTS[lang]:
            cleaned[lang] = text
    setting, _created = CsatSetting.objects.select_for_update().get_or_create(brand_id=brand_id)
    before_texts: dict[str, str] = dict(setting.texts)
    before = {"enabled": setting.enabled, "review_enabled": setting.review_enabled, "review_url": setting.review_url}
    setting.enabled = enabled
    setting.texts = cleaned
    setting.review_url = url
    setting.review_enabled = review_enabled and bool(url)
    setting.save()
    changed = [key for key in ("enabled", "review_enabled", "review_url") if before[key] != getattr(setting, key)]
    languages = sorted(lang for lang in LANGUAGES if before_texts.get(lang) != cleaned.get(lang))
    if changed or languages:
        brand = Brand.objects.get(pk=brand_id)
        signals.csat_setting_changed.send(
            sender=CsatSetting, brand=brand,
            details={
                "fields": changed + [f"text {lang}" for lang in languages], "enabled": setting.enabled,
                "review_enabled": setting.review_enabled, "review_url": setting.review_url,
            },
        )
    return setting


def csat_language(detected: str) -> str:
    """The question's language: the customer's, its near relative, else English."""
    code = (detected or "").split("-")[0].lower()
    code = RELATIVES.get(code, code)
    return code if code in LANGUAGES else "en"


# --- reading an answer --------------------------------------------------------------------
_STARS = set("⭐★")
_NUMBER = re.compile(
    r"^[^\w]*([1-5])\s*(?:/\s*5|z\s*5|(?:out\s+)?of\s+5|stars?|hvězd[ay]?|hvězdiček|gwiazd(?:ka|ki|ek)|звезд[аи]?)?"
    r"[^\w]*$",
    re.IGNORECASE,
)


def parse_rating(text: str) -> int | None:
    """A message that is only a rating: "5", " 4! ", "5/5", "⭐⭐⭐⭐⭐", "5 stars", "5 hvězd".
    Anything else (words, other numbers, "10") is a normal message: None."""
    stripped = "".join(ch for ch in (text or "").strip() if ch not in "\ufe0f\u200d")
    if not stripped or len(stripped) > 40:
        return None
    bare = "".join(ch for ch in stripped if not ch.isspace() and ch not in ".,!;:")
    if bare and set(bare) <= _STARS:
        return len(bare) if len(bare) <= 5 else None
    match = _NUMBER.match(stripped)
    return int(match.group(1)) if match else None


def parse_button(payload: str) -> tuple[int, int] | None:
    """(survey id, rating) from a button's payload, else None."""
    if not payload.startswith(BUTTON_PREFIX):
        return None
    parts = payload[len(BUTTON_PREFIX):].split(":")
    if len(parts) != 2 or not all(p.isdigit() for p in parts) or not 1 <= int(parts[1]) <= 5:
        return None
    return int(parts[0]), int(parts[1])


# --- opening, at the solve ------------------------------------------------------------------
def csat_surveys_open(*, tickets: Sequence[Ticket], actor: Any) -> list[CsatSurvey]:
    """Inside the solve's transaction, the tickets already locked by it: one survey for each
    conversation an agent (a person, never ingest or a rule) solved that qualifies, with its
    CSAT_REQUESTED event; the question is queued after commit. Qualifies: the brand asks, a
    customer (not an auto-reply) wrote, an agent answered them publicly, never asked before."""
    if actor is None or not getattr(actor, "is_authenticated", False) or not tickets:
        return []
    brand_ids = {t.brand_id for t in tickets}
    off = set(CsatSetting.objects.filter(brand_id__in=brand_ids, enabled=False).values_list("brand_id", flat=True))
    human_in = Message.objects.filter(
        ticket=OuterRef("pk"), direction=Direction.IN, automated__isnull=True, platform_id__isnull=False
    )
    human_out = Message.objects.filter(ticket=OuterRef("pk"), direction=Direction.OUT, author_user__isnull=False)
    rows = (
        Ticket.objects.filter(pk__in=[t.pk for t in tickets], erased_at__isnull=True)
        .exclude(brand_id__in=off)
        .filter(Exists(human_in), Exists(human_out))
        .exclude(Exists(CsatSurvey.objects.filter(ticket=OuterRef("pk"))))
        .values_list("pk", "brand_id", "customer_id", "account__platform", "assignee_id", "language")
    )
    surveys = [
        CsatSurvey(
            ticket_id=pk, brand_id=brand_id, customer_id=customer_id, platform=platform,
            agent_id=assignee_id or actor.pk, language=csat_language(language),
        )
        for pk, brand_id, customer_id, platform, assignee_id, language in rows
    ]
    if not surveys:
        return []
    CsatSurvey.objects.bulk_create(surveys)  # the unique ticket: never a second one
    by_pk = {t.pk: t for t in tickets}
    for survey in surveys:
        survey.ticket = by_pk[survey.ticket_id]
        events.csat_requested(survey=survey, actor=actor)
    ids = [s.pk for s in surveys]
    transaction.on_commit(lambda: signals.csat_surveys_opened.send(sender=CsatSurvey, survey_ids=ids))
    return surveys


# --- asking (a task) --------------------------------------------------------------------------
def _last_human_in(ticket: Ticket) -> Message | None:
    return (
        ticket.messages.filter(direction=Direction.IN, automated__isnull=True, platform_id__isnull=False)
        .select_related("author_identity")
        .order_by("-sent_at", "-id")
        .first()
    )


def public_url(path: str) -> str:
    return settings.HOVOR_PUBLIC_URL + path


def csat_token(survey: CsatSurvey) -> str:
    return signing.dumps(survey.pk, salt=TOKEN_SALT)


def csat_link(survey: CsatSurvey) -> str:
    return public_url(reverse("inbox:csat_page", kwargs={"token": csat_token(survey)}))


def review_link(survey: CsatSurvey) -> str:
    return public_url(reverse("inbox:csat_review", kwargs={"token": signing.dumps(survey.pk, salt=REVIEW_SALT)}))


def _is_email(platform: str) -> bool:
    try:
        return get_connector(platform).sla_class == "email"
    except UnknownPlatform:
        return False


def csat_render_question(*, custom: str, language: str, email: bool, brand_name: str, link: str) -> str:
    """The question as the customer reads it: the brand's own wording (else Hovor's) with
    {brand} filled in; by email {link} becomes the rating page (added at the end when the
    wording lacks it), elsewhere the number is written back and {link} is left out. The
    settings page's preview shows this too (static/hovor/csat_settings.js mirrors it)."""
    language = language if language in LANGUAGES else "en"
    if email:
        template = custom or EMAIL_TEXTS[language]
        if "{link}" not in template:
            template = template + "\n{link}"
        template = template.replace("{link}", link)
    else:
        template = (custom or DEFAULT_TEXTS[language]).replace("{link}", "")
    return template.replace("{brand}", brand_name).strip()


def csat_render_review(*, language: str, brand_name: str, link: str) -> str:
    """The invitation to a public review, sent after a 5 where the brand wants it."""
    template = REVIEW_TEXTS[language if language in LANGUAGES else "en"]
    return template.replace("{link}", link).replace("{brand}", brand_name).strip()


def csat_question_text(*, survey: CsatSurvey, setting: CsatSetting, brand_name: str) -> str:
    email = _is_email(survey.platform)
    return csat_render_question(
        custom=setting.texts.get(survey.language, ""), language=survey.language, email=email,
        brand_name=brand_name, link=csat_link(survey) if email else "",
    )


def _send_to_customer(*, ticket: Ticket, text: str, choices: list[list[str]]) -> tuple[Message, int] | None:
    """A message from the brand (no agent) through the outbox, answering the customer's
    newest message in their channel; `choices` ([label, payload]) become buttons where the
    platform has them. None when there is no one to send to."""
    last_in = _last_human_in(ticket)
    if last_in is None:
        return None
    now = timezone.now()
    message = Message.objects.create(
        ticket=ticket, account=ticket.account, direction=Direction.OUT, text=text, author_user=None,
        in_reply_to_platform_id=last_in.platform_id or "", thread_key=last_in.thread_key,
        delivery_status=DeliveryStatus.QUEUED, sent_at=now, created_at=now,
    )
    extra = dict(last_in.extra or {})
    if choices:
        extra["choices"] = choices
    outbound = outbox_enqueue(
        account=ticket.account, message=message, kind=last_in.kind or "reply", mode="", text=text,
        in_reply_to=last_in.platform_id or "",
        recipient=last_in.author_identity.external_id if last_in.author_identity else "",
        thread_key=last_in.thread_key, subject=ticket.subject, extra=extra,
    )
    return message, outbound.pk


def csat_reply_in_flight(*, survey_id: int) -> bool:
    """Whether a reply of the solved conversation is still on its way to the customer: the
    question waits for it (never "How did we do?" before the answer)."""
    ticket_id = CsatSurvey.objects.filter(pk=survey_id).values_list("ticket_id", flat=True).first()
    if ticket_id is None:
        return False
    return OutboundMessage.objects.filter(
        message__ticket_id=ticket_id, message__author_user__isnull=False,
        status__in=(OutboundStatus.QUEUED, OutboundStatus.SENDING, OutboundStatus.UNKNOWN),
    ).exists()


def csat_reply_settled(*, message: Message) -> None:
    """An agent's reply got to its end (sent, or failed for good), inside that transaction:
    the question of its solved conversation, if it waits, is queued again after commit
    (csat_ask asks once nothing of the conversation is on its way any more)."""
    if message.author_user_id is None:
        return
    ids = list(
        CsatSurvey.objects.filter(ticket_id=message.ticket_id, asked_at__isnull=True, rating__isnull=True)
        .values_list("pk", flat=True)
    )
    if ids:
        transaction.on_commit(lambda: signals.csat_surveys_opened.send(sender=CsatSurvey, survey_ids=ids))


def csat_survey_ask(*, survey_id: int) -> int | None:
    """Queue the question of one survey (idempotent: asked once); returns the outbox row's id
    to deliver after this commit, or None (asked already, turned off meanwhile, no one to ask)."""
    with transaction.atomic():
        survey = (
            CsatSurvey.objects.select_for_update()
            .select_related("ticket__account", "ticket__brand")
            .filter(pk=survey_id, asked_at__isnull=True, rating__isnull=True)
            .first()
        )
        if survey is None:
            return None
        setting = csat_setting_for(brand_id=survey.brand_id)
        if not setting.enabled:
            return None
        ticket = survey.ticket
        if ticket.status != TicketStatus.SOLVED:
            # Reopened meanwhile (the customer wrote, or the solving reply failed and the
            # conversation went back to the queue): there is nothing to rate yet.
            return None
        text = csat_question_text(survey=survey, setting=setting, brand_name=ticket.brand.name)
        choices = [[str(n), f"{BUTTON_PREFIX}{survey.pk}:{n}"] for n in range(1, 6)]
        sent = _send_to_customer(ticket=ticket, text=text, choices=choices)
        if sent is None:
            return None
        message, outbound_id = sent
        survey.message, survey.asked_at = message, message.sent_at
        survey.save(update_fields=["message", "asked_at"])
        events.csat_asked(survey=survey, message=message)
        return outbound_id


# --- a question whose task was lost ----------------------------------------------------------
# The broker away at the solve, or restarted while the ask task waited: the sweep asks a
# solved conversation's open question once it is this old (and not older than a day: later
# than that "How did we do?" would only puzzle). Each survey is handed back at most once per
# ASK_MARK, longer than the ask task's own wait for the solving reply, so a task that is
# still waiting is never joined by copies of itself (the ask is idempotent all the same).
LOST_ASK_AFTER = timedelta(minutes=1)
LOST_ASK_WITHIN = timedelta(days=1)
ASK_MARK = timedelta(minutes=6)


def _ask_mark_key(survey_id: int) -> str:
    return f"hovor:csat-ask-queued:{survey_id}"


def csat_ask_mark(*, survey_id: int) -> bool:
    """Mark an ask task as queued for this survey; False if one already is (within ASK_MARK).
    With the cache away (Redis, also the broker) nothing is marked: True."""
    try:
        return bool(cache.add(_ask_mark_key(survey_id), 1, timeout=int(ASK_MARK.total_seconds())))
    except RedisError:
        return True


def csat_ask_unmark(*, survey_id: int) -> None:
    try:
        cache.delete(_ask_mark_key(survey_id))
    except RedisError:
        pass  # the mark runs out by itself


def csat_surveys_unasked(*, now: Any = None) -> list[int]:
    """Open questions of solved conversations that nobody asked: older than LOST_ASK_AFTER,
    not yet asked, unanswered, the brand still asking, and no ask task marked for them."""
    now = now or timezone.now()
    ids = (
        CsatSurvey.objects.filter(
            asked_at__isnull=True, rating__isnull=True, ticket__status=TicketStatus.SOLVED,
            created_at__lt=now - LOST_ASK_AFTER, created_at__gte=now - LOST_ASK_WITHIN,
        )
        .exclude(brand__csat_setting__enabled=False)
        .order_by("created_at", "pk")
        .values_list("pk", flat=True)[:200]
    )
    return [survey_id for survey_id in ids if csat_ask_mark(survey_id=survey_id)]


# --- answering ------------------------------------------------------------------------------
def csat_pending_for(*, account_id: int, customer_ids: Iterable[int]) -> dict[int, CsatSurvey]:
    """customer id -> their newest question on this account still waiting for an answer
    (ingest reads a number written back as the answer to it)."""
    since = timezone.now() - ANSWER_WINDOW
    pending: dict[int, CsatSurvey] = {}
    for survey in (
        CsatSurvey.objects.filter(
            ticket__account_id=account_id, customer_id__in=list(customer_ids), asked_at__gte=since,
            rating__isnull=True,
        )
        .select_related("ticket")
        .order_by("asked_at", "pk")
    ):
        pending[survey.customer_id] = survey
    return pending


def csat_answer_record(*, survey: CsatSurvey, rating: int, via: str, message: Message | None = None) -> bool:
    """Store the rating once, in the caller's transaction (ingest's, or csat_answer's): False
    when the survey was answered already. Never touches the ticket's status."""
    if not 1 <= rating <= 5:
        raise CsatError("A rating is a number from 1 to 5.")
    now = timezone.now()
    updated = CsatSurvey.objects.filter(pk=survey.pk, rating__isnull=True).update(
        rating=rating, answered_at=now, answered_via=via
    )
    if not updated:
        return False
    survey.rating, survey.answered_at, survey.answered_via = rating, now, via
    events.csat_answered(survey=survey, rating=rating, via=via, message=message)
    survey_id = survey.pk
    transaction.on_commit(
        partial(signals.csat_answered.send, sender=CsatSurvey, survey_id=survey_id, rating=rating)
    )
    return True


@dataclass(frozen=True)
class CsatPage:
    survey: CsatSurvey
    brand_name: str
    answered: bool


def csat_survey_from_token(*, token: str) -> CsatSurvey:
    """The survey a signed link names (no login: the signature is the only key)."""
    try:
        survey_id = signing.loads(token, salt=TOKEN_SALT, max_age=LINK_MAX_AGE)
    except signing.BadSignature as exc:
        raise CsatError("This link is not valid any more.") from exc
    survey = CsatSurvey.objects.select_related("brand").filter(pk=survey_id).first()
    if survey is None:
        raise CsatError("This link is not valid any more.")
    return survey


@transaction.atomic
def csat_answer(*, survey_id: int, rating: int, via: str) -> bool:
    """An answer from the emailed page or a button: once only (False the second time)."""
    survey = CsatSurvey.objects.select_for_update(of=("self",)).select_related("ticket").filter(pk=survey_id).first()
    if survey is None or survey.asked_at is None:
        raise CsatError("No such question.")
    return csat_answer_record(survey=survey, rating=rating, via=via)


def csat_button_answer(*, payload: str, customer_external_id: str, account_id: int) -> tuple[int, bool] | None:
    """A pressed button (its payload and who pressed it): (rating, stored) or None when the
    payload is not ours or the person is not the survey's customer."""
    parsed = parse_button(payload)
    if parsed is None:
        return None
    survey_id, rating = parsed
    survey = CsatSurvey.objects.filter(
        pk=survey_id, ticket__account_id=account_id, customer__identities__external_id=customer_external_id
    ).first()
    if survey is None:
        return None
    return rating, csat_answer(survey_id=survey.pk, rating=rating, via="button")


def csat_presses_apply(*, account_id: int, presses: Sequence[NormalizedMessage]) -> list[NormalizedMessage]:
    """Button presses (NormalizedMessage.press), inside ingest's transaction. A press of one
    of our rating buttons answers its survey (csat_button_answer: once; a press on a survey
    answered already, unknown, or not the presser's changes nothing) and is never a
    message: a solved conversation stays solved. Returns the presses that are not ours (a
    button another app of the brand's sent) and carry words: ingested as the messages they
    also are. Presses the platform waits for an answer to (ButtonPress.ack) are answered
    after commit, with a thank-you in the survey's language when ours."""
    not_ours: list[NormalizedMessage] = []
    acks: list[tuple[str, str]] = []
    for incoming in presses:
        press = incoming.press
        if press is None:
            continue
        thanks = ""
        if not press.payload.startswith(BUTTON_PREFIX):
            if incoming.text or incoming.attachments:
                not_ours.append(incoming)
        else:
            parsed = parse_button(press.payload)
            language = csat_language(incoming.language)
            if parsed is not None:
                language = (
                    CsatSurvey.objects.filter(pk=parsed[0]).values_list("language", flat=True).first() or language
                )
                try:
                    csat_button_answer(
                        payload=press.payload, customer_external_id=incoming.author.external_id, account_id=account_id
                    )
                except CsatError:
                    pass  # a survey never asked: nothing to answer, nothing to reopen
            thanks = THANKS[language]
        if press.ack:
            acks.append((press.ack, thanks))
    if acks:
        transaction.on_commit(
            partial(signals.button_presses_handled.send, sender=CsatSurvey, account_id=account_id, acks=acks)
        )
    return not_ours


# --- the public review invitation -------------------------------------------------------------
def csat_review_invite(*, survey_id: int) -> int | None:
    """After a 5: invite the customer, once ever, to praise the brand where it asks (its
    review page, tracked through /csat/review/<token>/). Returns the outbox row to deliver."""
    with transaction.atomic():
        survey = (
            CsatSurvey.objects.select_for_update()
            .select_related("ticket__account", "ticket__brand")
            .filter(pk=survey_id, rating=5, review_invited_at__isnull=True)
            .first()
        )
        if survey is None:
            return None
        setting = csat_setting_for(brand_id=survey.brand_id)
        if not (setting.review_enabled and setting.review_url):
            return None
        # Once per customer: their row is locked, so two fives at once invite once.
        Customer.objects.select_for_update().filter(pk=survey.customer_id).first()
        if CsatSurvey.objects.filter(customer_id=survey.customer_id, review_invited_at__isnull=False).exists():
            return None
        ticket = survey.ticket
        text = csat_render_review(language=survey.language, brand_name=ticket.brand.name, link=review_link(survey))
        sent = _send_to_customer(ticket=ticket, text=text, choices=[])
        if sent is None:
            return None
        message, outbound_id = sent
        survey.review_invited_at = message.sent_at
        survey.save(update_fields=["review_invited_at"])
        events.csat_review_invited(survey=survey, message=message)
        return outbound_id


@transaction.atomic
def csat_review_accept(*, token: str) -> str:
    """The customer followed the invitation: counted once; returns where to send them."""
    try:
        survey_id = signing.loads(token, salt=REVIEW_SALT)
    except signing.BadSignature as exc:
        raise CsatError("This link is not valid.") from exc
    survey = CsatSurvey.objects.select_for_update(of=("self",)).select_related("ticket").filter(pk=survey_id).first()
    if survey is None or survey.review_invited_at is None:
        raise CsatError("This link is not valid.")
    setting = csat_setting_for(brand_id=survey.brand_id)
    if not setting.review_url:
        raise CsatError("This brand takes no reviews now.")
    if survey.review_accepted_at is None:
        survey.review_accepted_at = timezone.now()
        survey.save(update_fields=["review_accepted_at"])
        events.csat_review_accepted(survey=survey)
    return setting.review_url
