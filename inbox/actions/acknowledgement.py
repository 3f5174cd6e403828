"""One key for "I'm looking into it" (CARE.md 3: even that beats silence): a short
acknowledgement in the customer's language, signed like every public reply, sent through
ticket_reply (the channel's rules, the outbox, a REPLIED event), so it is the conversation's
first response for SLAs and reports. The conversation stays open: the agent is on it.

Only while the customer waits: once a person has answered their newest message there is
nothing to acknowledge, which also makes a double press (a row's button, then the key) send
once. A newcomer's acknowledgement is a draft for a lead like their other replies (the rule
that nothing of theirs goes out unapproved has no exception for short texts)."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.models import User
from django.db import transaction
from django.utils.translation import gettext as _

from ..enums import Direction, DraftStatus, TicketStatus
from ..models import BrandAcknowledgement, Message, ReplyDraft, Ticket
from .csat import LANGUAGES, csat_language
from .drafts import draft_create
from .replies import ReplyError, answered_message, is_newcomer, reply_compose, ticket_locked_to_answer, ticket_reply

# Message.extra key: the thread shows the reply was the one-key acknowledgement.
ACKNOWLEDGEMENT = "acknowledgement"
MAX_LENGTH = 200  # a brand's own wording: short enough for X with a signature
DEFAULT_TEXTS = {
    "en": "Thanks for your message, I'm looking into it now.",
    "cs": "Díky za zprávu, už se na to dívám.",
    "pl": "Dzięki za wiadomość, już się tym zajmuję.",
    "bg": "Благодаря за съобщението, вече го проверявам.",
}


class AcknowledgementError(ReplyError):
    pass


@dataclass(frozen=True)
class AcknowledgementPreview:
    """What the button would send, and why it cannot (empty: it can)."""

    language: str
    text: str  # as the customer gets it: signed
    needed: bool  # the customer waits for an answer
    error: str = ""

    @property
    def ok(self) -> bool:
        return self.needed and not self.error


def acknowledgement_texts(*, brand_id: int) -> dict[str, str]:
    """The brand's wording per language, Hovor's where the brand has none."""
    own = BrandAcknowledgement.objects.filter(brand_id=brand_id).values_list("texts", flat=True).first() or {}
    return {code: (str(own.get(code) or "").strip() or DEFAULT_TEXTS[code]) for code in LANGUAGES}


def acknowledgement_text(*, ticket: Ticket) -> tuple[str, str]:
    """(language, unsigned text) for the conversation: its detected language as the
    satisfaction question and canned responses use it, else English."""
    language = csat_language(ticket.language)
    return language, acknowledgement_texts(brand_id=ticket.brand_id)[language]


def _not_needed(*, ticket: Ticket, answered: Message | None) -> str:
    if answered is None:
        return _("There is no customer message to reply to.")
    # A person's reply after it (an out-of-hours notice or a survey is no answer). Replies
    # are written under the ticket's row lock, so a larger id is a later reply.
    if ticket.messages.filter(direction=Direction.OUT, author_user__isnull=False, pk__gt=answered.pk).exists():
        return _("Already answered since the customer's last message.")
    return ""


def _waiting_draft(*, ticket: Ticket, agent: User) -> bool:
    return ReplyDraft.objects.filter(ticket=ticket, author=agent, status=DraftStatus.WAITING).exists()


def acknowledgement_preview(*, ticket: Ticket, agent: User, newcomer: bool | None = None) -> AcknowledgementPreview:
    """For the conversation page's button: the signed text, or the reason it cannot go
    (a closed WhatsApp window, a draft already waiting…). Pure. `newcomer`: is_newcomer's
    answer, when the page has it already."""
    language, text = acknowledgement_text(ticket=ticket)
    answered = answered_message(ticket)
    if _not_needed(ticket=ticket, answered=answered):
        return AcknowledgementPreview(language=language, text=text, needed=False)
    composed = reply_compose(ticket=ticket, agent=agent, text=text)
    error = composed.error
    if newcomer is None:
        newcomer = is_newcomer(agent)
    if not error and newcomer and _waiting_draft(ticket=ticket, agent=agent):
        error = _("Your reply already waits for a lead's approval.")
    return AcknowledgementPreview(language=language, text=composed.text, needed=True, error=error)


@transaction.atomic
def ticket_acknowledge(*, ticket: Ticket, agent: User, client_token: str | None = None) -> Message | ReplyDraft:
    """Send "I'm looking into it" (a newcomer's becomes a draft for a lead). Raises
    AcknowledgementError (or ReplyError from the channel's rules) with the reason."""
    if client_token:
        existing = Message.objects.filter(client_token=client_token, ticket_id=ticket.pk).first()
        if existing is not None:  # the same form sent twice
            return existing
    ticket = ticket_locked_to_answer(ticket.pk)
    problem = _not_needed(ticket=ticket, answered=answered_message(ticket))
    if problem:
        raise AcknowledgementError(problem)
    language, text = acknowledgement_text(ticket=ticket)
    if is_newcomer(agent):
        if _waiting_draft(ticket=ticket, agent=agent):
            raise AcknowledgementError(_("Your reply already waits for a lead's approval."))
        return draft_create(ticket=ticket, author=agent, text=text, then_status=TicketStatus.OPEN)
    return ticket_reply(
        ticket=ticket,
        agent=agent,
        text=text,
        client_token=client_token,
        then_status=TicketStatus.OPEN,
        message_extra={ACKNOWLEDGEMENT: language},
    )
