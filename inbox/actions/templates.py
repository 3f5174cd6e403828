"""Approved message templates in the composer: when the platform allows free text no more
(WhatsApp after 24 hours), the agent picks one of the account's approved templates, fills its
parameters (pre-filled with reply variables such as {{ customer.first_name }}), sees the text
the customer will get, and sends it through the outbox like any reply. The thread shows the
rendered text; the connector sends the template by name (OutboundRequest.extra[TEMPLATE])."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from channels.base import ReplyContext
from channels.registry import UnknownPlatform, get_connector
from channels.types import TEMPLATE, MessageTemplate

from ..enums import TicketStatus
from ..models import Message, Ticket
from ..variables import MissingValue, UnknownVariable, render_variables
from .replies import (
    NeedsApproval,
    ReplyError,
    answered_message,
    is_newcomer,
    reply_enqueue,
    reply_variables,
    ticket_locked_to_answer,
)

# What each parameter starts as, by position: the greeting's name, then the request's number.
# Agents change them freely; a variable with no value blocks Send (never "Hi , …").
PREFILL = ("{{ customer.first_name }}", "{{ ticket.id }}")
MAX_PARAM_LENGTH = 1024  # WhatsApp's limit for a body parameter's text


@dataclass(frozen=True)
class ComposedTemplate:
    template: MessageTemplate | None
    params: tuple[str, ...] = ()  # as the platform receives them (variables filled in)
    text: str = ""  # what the customer sees (and the thread shows)
    error: str = ""
    inputs: tuple[str, ...] = field(default=())  # as the agent typed them

    @property
    def ok(self) -> bool:
        return self.template is not None and not self.error


def ticket_templates(*, ticket: Ticket) -> list[MessageTemplate]:
    """The templates the composer offers: the account's approved ones, only while free text
    may not go out (the channel's rule refuses a reply now)."""
    try:
        connector = get_connector(ticket.account.platform)
    except UnknownPlatform:
        return []
    answered = answered_message(ticket)
    if answered is None:
        return []
    closed = connector.check_reply(
        ReplyContext(
            kind=answered.kind,
            last_customer_message_at=answered.sent_at,
            now=timezone.now(),
            account=ticket.account,
        )
    )
    return connector.reply_templates(ticket.account) if closed else []


def template_prefill(template: MessageTemplate) -> list[str]:
    return [PREFILL[i] if i < len(PREFILL) else "" for i in range(template.placeholders())]


def template_compose(
    *, ticket: Ticket, agent: User, key: str, inputs: Sequence[str] | None = None
) -> ComposedTemplate:
    """The template `key` ("name|language") with its parameters filled from `inputs` (the
    prefill when None), variables rendered. Pure: the preview and the send use it."""
    try:
        connector = get_connector(ticket.account.platform)
    except UnknownPlatform as exc:
        return ComposedTemplate(template=None, error=str(exc))
    template = next((t for t in connector.reply_templates(ticket.account) if t.key == key), None)
    if template is None:
        return ComposedTemplate(template=None, error=_("Choose one of the account's approved templates."))
    wanted = template.placeholders()
    typed = list(template_prefill(template) if inputs is None else inputs)[:wanted]
    typed += [""] * (wanted - len(typed))
    values = reply_variables(ticket=ticket, agent=agent)
    params: list[str] = []
    error = ""
    for number, raw in enumerate(typed, 1):
        try:
            value = render_variables(raw, values).strip()
        except (UnknownVariable, MissingValue) as exc:
            error = error or str(exc)
            value = ""
        if not value and not error:
            error = _("Parameter %(n)s of the template is empty.") % {"n": number}
        if len(value) > MAX_PARAM_LENGTH:
            error = error or _("Parameter %(n)s is too long.") % {"n": number}
        params.append(value)
    text = template.body
    for number, value in enumerate(params, 1):
        text = text.replace("{{" + str(number) + "}}", value or "{{" + str(number) + "}}")
    return ComposedTemplate(
        template=template, params=tuple(params), text=text or template.name, error=error, inputs=tuple(typed)
    )


@transaction.atomic
def ticket_send_template(
    *,
    ticket: Ticket,
    agent: User,
    key: str,
    inputs: Sequence[str],
    client_token: str | None = None,
    then_status: str = TicketStatus.PENDING,
    approved_by: User | None = None,
) -> Message:
    """Queue an approved template to the customer: one message (the rendered text, marked
    as a template) and its outbox row, sent by name and parameters. A double submit with
    the same `client_token` is stored once; the outbox sends it once. A newcomer's goes out
    only with `approved_by` (a lead approving their draft, inbox/actions/drafts.py)."""
    if approved_by is None and is_newcomer(agent):
        raise NeedsApproval(_("A newcomer's reply waits for a lead's approval."))
    if client_token:
        existing = Message.objects.filter(client_token=client_token).first()
        if existing is not None:
            if existing.ticket_id != ticket.pk:
                raise ReplyError("This reply token belongs to another conversation.")
            return existing
    ticket = ticket_locked_to_answer(ticket.pk)
    composed = template_compose(ticket=ticket, agent=agent, key=key, inputs=inputs)
    if not composed.ok or composed.template is None:
        raise ReplyError(composed.error)
    answered = answered_message(ticket)
    if answered is None:
        raise ReplyError(_("There is no customer message to reply to."))
    sent = {"name": composed.template.name, "language": composed.template.language, "params": list(composed.params)}
    return reply_enqueue(
        ticket=ticket,
        agent=agent,
        text=composed.text,
        answered=answered,
        client_token=client_token,
        then_status=then_status,
        message_extra={TEMPLATE: sent},
        outbound_extra={TEMPLATE: sent},
    )
