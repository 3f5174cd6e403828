"""The out-of-hours acknowledgement: outside the brand's staffed hours for the channel, or
when nobody of the conversation's team is on shift, the customer is told once, in their
language, when the team will answer (the next moment both staffed and on shift), signed by
the brand. Never to automated mail, never twice (an ACKNOWLEDGED event on the ticket, checked
under the ticket's row lock). Sent through the normal outbox, so retries and the
no-double-send rules of replies hold."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from django.db import transaction
from django.utils import formats, translation
from django.utils import timezone as dj_timezone

from inbox.enums import DeliveryStatus, Direction, TicketEventType
from inbox.models import Message, Ticket, TicketEvent
from inbox.outbox import outbox_enqueue
from inbox.triggers import deliver_after_commit

from .availability import next_on_shift_at
from .models import Acknowledgement, ShiftPlan
from .plan import zone_of
from .selectors import hours_for_brand, next_staffed_at

LANGUAGES = ("cs", "pl", "bg", "en")
# Short enough for every channel (X's 280 characters with a long brand name).
DEFAULT_TEXTS = {
    "en": "Thank you for your message. Our team is away right now and will answer from {time}. {brand}",
    "cs": "Děkujeme za zprávu. Náš tým teď nepracuje, odpovíme vám od {time}. {brand}",
    "pl": "Dziękujemy za wiadomość. Nasz zespół jest teraz niedostępny, odpowiemy od {time}. {brand}",
    "bg": "Благодарим за съобщението. Екипът ни в момента не работи и ще отговори от {time}. {brand}",
}
DATE_FORMATS = {"en": "l j F, H:i", "cs": "j. E, H:i", "pl": "j E, H:i", "bg": "j F, H:i"}
MAX_ROUNDS = 20


def acknowledgement_for(*, brand_id: int) -> Acknowledgement:
    return Acknowledgement.objects.filter(brand_id=brand_id).first() or Acknowledgement(brand_id=brand_id)


def acknowledgement_set(*, brand_id: int, enabled: bool, texts: dict[str, str]) -> Acknowledgement:
    ack, _ = Acknowledgement.objects.get_or_create(brand_id=brand_id)
    ack.enabled = enabled
    ack.texts = {lang: text.strip() for lang, text in texts.items() if lang in LANGUAGES and text.strip()}
    ack.save(update_fields=["enabled", "texts", "updated_at"])
    return ack


def team_answers_at(*, ticket: Ticket, at: datetime) -> datetime | None:
    """The first moment from `at` when the brand is staffed for the ticket's channel and
    someone of its team is on shift: `at` itself when both hold now; None if never soon."""
    hours = hours_for_brand(ticket.brand_id)
    team_ids = [ticket.team_id] if ticket.team_id else None
    moment: datetime | None = at
    for _ in range(MAX_ROUNDS):
        assert moment is not None
        staffed = next_staffed_at(hours, moment, ticket.account.platform)
        if staffed is None:
            return None
        on = (
            next_on_shift_at(team_ids=team_ids, at=staffed)
            if team_ids
            else next_on_shift_at(brand_id=ticket.brand_id, at=staffed)
        )
        if on is None:
            return None
        if on == staffed:
            return on
        moment = on
    return moment


def _zone_for(ticket: Ticket, message: Message) -> ZoneInfo:
    """The customer's time zone where their channel tells it (the chat widget's browser),
    else the brand's (its staffed hours'), else the team's plan's."""
    customer_zone = str((message.extra or {}).get("timezone", ""))
    if customer_zone:
        return zone_of(customer_zone)
    hours = hours_for_brand(ticket.brand_id)
    if hours is not None:
        return zone_of(hours.timezone)
    plan = ShiftPlan.objects.filter(team_id=ticket.team_id).first() if ticket.team_id else None
    return zone_of(plan.timezone if plan else "UTC")


# A near relative reads one of ours better than English does (a short Czech message is often
# told as Slovak, and the other way round).
RELATIVES = {"sk": "cs"}


def ack_language(detected: str) -> str:
    """The language of the acknowledgement: the customer's, its near relative, else English."""
    code = (detected or "").split("-")[0].lower()
    code = RELATIVES.get(code, code)
    return code if code in LANGUAGES else "en"


def acknowledgement_text(*, ticket: Ticket, message: Message, when: datetime, ack: Acknowledgement) -> str:
    language = ack_language(message.language or ticket.language)
    template = ack.texts.get(language) or DEFAULT_TEXTS[language]
    local = when.astimezone(_zone_for(ticket, message))
    with translation.override(language):
        # The month in the genitive where the language needs it ("od 25. listopadu").
        moment = formats.date_format(local, DATE_FORMATS[language])
    if language == "bg":
        moment = moment.lower()
    return template.replace("{time}", moment).replace("{brand}", ticket.brand.name)


def ticket_acknowledge_out_of_hours(*, ticket_id: int, at: datetime | None = None) -> Message | None:
    """Send the acknowledgement if the conversation needs it now; None when it does not
    (staffed and on shift, turned off, automated mail, already acknowledged)."""
    at = at or dj_timezone.now()
    with transaction.atomic():
        ticket = (
            Ticket.objects.select_for_update()
            .select_related("account", "brand", "customer")
            .filter(pk=ticket_id)
            .first()
        )
        if ticket is None:
            return None
        ack = acknowledgement_for(brand_id=ticket.brand_id)
        if not ack.enabled:
            return None
        if TicketEvent.objects.filter(ticket=ticket, type=TicketEventType.ACKNOWLEDGED).exists():
            return None
        last_in = (
            ticket.messages.filter(direction=Direction.IN)
            .select_related("author_identity")
            .order_by("-sent_at", "-id")
            .first()
        )
        if last_in is None or last_in.automated or not last_in.platform_id:
            return None
        when = team_answers_at(ticket=ticket, at=at)
        if when is None or when == at:  # answered now, or no plan says when: nothing to promise
            return None
        text = acknowledgement_text(ticket=ticket, message=last_in, when=when, ack=ack)
        message = Message.objects.create(
            ticket=ticket,
            account=ticket.account,
            direction=Direction.OUT,
            text=text,
            author_user=None,
            in_reply_to_platform_id=last_in.platform_id or "",
            thread_key=last_in.thread_key,
            delivery_status=DeliveryStatus.QUEUED,
            sent_at=at,
            created_at=at,
        )
        outbound = outbox_enqueue(
            account=ticket.account,
            message=message,
            kind=last_in.kind or "reply",
            mode="",
            text=text,
            in_reply_to=last_in.platform_id or "",
            recipient=last_in.author_identity.external_id if last_in.author_identity else "",
            thread_key=last_in.thread_key,
            subject=ticket.subject,
            extra=last_in.extra or {},
        )
        TicketEvent.objects.create(
            ticket=ticket,
            type=TicketEventType.ACKNOWLEDGED,
            actor=None,
            payload={"message_id": message.pk, "answers_at": when.isoformat()},
        )
        deliver_after_commit(outbound_id=outbound.pk)
    return message
