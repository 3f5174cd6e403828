from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from channels.base import ReplyContext
from channels.models import BrandAccount
from channels.registry import UnknownPlatform, get_connector

from .. import events
from ..enums import DeliveryStatus, Direction, Role, TicketStatus
from ..live import bump_on_commit
from ..models import AgentProfile, BrandSignature, Message, Ticket
from ..outbox import outbox_enqueue, outbox_requeue
from ..robot_phrases import RobotMatch, robot_phrases_in
from ..search import search_refresh
from ..triggers import deliver_after_commit
from ..variables import MissingValue, UnknownVariable, render_variables
from .attachments import ReplyFile, reply_attachments_add, reply_files_problem
from .delivery import ticket_recount_answered
from .sla import ticket_sla_refresh
from .state import ticket_assignee_change, ticket_status_change
from .tickets import TicketActionError


class ReplyError(TicketActionError):
    pass


def is_newcomer(user: User) -> bool:
    """Anyone invited to help: their public replies are drafts until a lead approves them."""
    # Read from the database each time, never from a profile cached on the user object: this
    # decides whether a reply may reach the customer.
    return AgentProfile.objects.filter(user_id=user.pk, role=Role.NEWCOMER).exists()


class NeedsApproval(ReplyError):
    pass


class RepliedSince(ReplyError):
    """A colleague's reply (or note) went into the conversation after the newest message the
    agent's composer had seen: the agent decides whether to send over it."""

    def __init__(self, message: Message) -> None:
        author = message.author_user
        profile = getattr(author, "agent_profile", None) if author is not None else None
        self.author_name = (profile.display_name if profile else "") or (author.get_username() if author else "Hovor")
        super().__init__(f"{self.author_name} answered in this conversation since this reply was started.")
        self.message = message


@dataclass(frozen=True)
class ComposedReply:
    text: str  # exactly what the platform will receive
    length: int  # in the channel's own counting
    max_length: int
    error: str = ""
    parts: int = 1  # posts in a numbered thread (mode "thread")
    # Form-letter phrases found in the agent's text: a gentle warning, never a block.
    robot_phrases: tuple[RobotMatch, ...] = ()

    @property
    def ok(self) -> bool:
        return not self.error


def agent_initials(name: str) -> str:
    """ "Jana Dvořáková" → "JD"; one name gives one letter."""
    return "".join(word[0].upper() for word in name.split() if word[:1].isalpha())[:3]


def _agent_name(agent: User, profile: AgentProfile | None) -> str:
    return (profile.display_name if profile else "") or agent.get_full_name() or agent.get_username()


# What a brand's signature template may name (a subset of the reply variables).
SIGNATURE_VARIABLES = ("agent.name", "agent.first_name", "agent.initials", "brand.name")


def signature_template_render(template: str, *, agent_name: str, brand_name: str) -> str:
    """A brand's template filled in for one agent; raises UnknownVariable/MissingValue."""
    first = agent_name.split()[0] if agent_name.strip() else ""
    values = {
        "agent.name": agent_name,
        "agent.first_name": first,
        "agent.initials": agent_initials(agent_name),
        "brand.name": brand_name,
    }
    return render_variables(template, values).strip()


def agent_signature(agent: User, *, brand_id: int | None = None, platform: str = "") -> str:
    """Every public reply is signed. In order:
    1. the brand's signature template for this platform, when an admin set one (e.g. email:
       "{{ agent.first_name }} · Acme Care"), filled in with this agent's name;
    2. the agent's own signature (their profile page);
    3. "^" and the initials of their name (X style, short enough for any budget).
    A brand's template wins over the agent's own: the brand chose how it signs on that channel."""
    profile = AgentProfile.objects.filter(user=agent).first()  # fresh: it signs what goes out
    name = _agent_name(agent, profile)
    if brand_id is not None and platform:
        brand_signature = (
            BrandSignature.objects.filter(brand_id=brand_id, platform=platform).select_related("brand").first()
        )
        if brand_signature is not None:
            try:
                rendered = signature_template_render(
                    brand_signature.template, agent_name=name, brand_name=brand_signature.brand.name
                )
            except (UnknownVariable, MissingValue):
                rendered = ""  # a template saved before a variable went away: the agent's own
            if rendered:
                return rendered
    if profile and profile.signature.strip():
        return profile.signature.strip()
    initials = agent_initials(name)
    return f"^{initials}" if initials else ""


def _is_handle(name: str, handle: str) -> bool:
    """A "name" that is only the platform's @username (Instagram gives "jnovakova") is
    none. Platforms with no usernames (Viber) keep the person's chosen name as the handle:
    that one is a name."""
    if not handle.startswith("@"):
        return False
    bare = handle.lstrip("@").strip().lower()
    return bool(bare) and name.strip().lstrip("@").lower() == bare


def reply_variables(*, ticket: Ticket, agent: User) -> dict[str, str]:
    profile = AgentProfile.objects.filter(user=agent).first()  # fresh: it signs what goes out
    agent_name = profile.display_name if profile else agent.get_username()
    # The customer's identities as loaded with the conversation (ticket_detail), if they were.
    identity = min((i for i in ticket.customer.identities.all() if i.platform == ticket.account.platform),
                   key=lambda i: i.pk, default=None)
    handle = identity.handle if identity else ""
    # A handle is never taken for a name: no name means the variable has no value.
    name = "" if _is_handle(ticket.customer.name or "", handle) else (ticket.customer.name or "").strip()
    return {
        "customer.first_name": name.split()[0] if name else "",
        "customer.name": name,
        "customer.handle": handle,
        "agent.name": agent_name,
        "agent.first_name": agent_name.split()[0] if agent_name.strip() else "",
        "brand.name": ticket.brand.name,
        "ticket.id": str(ticket.pk),
    }


def answered_message(ticket: Ticket) -> Message | None:
    """The customer message a reply answers: the newest one the platform knows that a
    person wrote (an out-of-office or a bounce is never what the agent answers)."""
    loaded = getattr(ticket, "_prefetched_objects_cache", {}).get("messages")
    if loaded is not None:  # the thread the conversation page loaded (ticket_detail)
        newest = sorted(
            (m for m in loaded if m.direction == Direction.IN and m.platform_id is not None),
            key=lambda m: (m.sent_at, m.pk), reverse=True,
        )
        return next((m for m in newest if m.automated is None), newest[0] if newest else None)
    known = ticket.messages.filter(direction=Direction.IN, platform_id__isnull=False).select_related(
        "author_identity", "account"
    )
    human = known.filter(automated__isnull=True).order_by("-sent_at", "-id").first()
    return human or known.order_by("-sent_at", "-id").first()


def reply_account(*, ticket: Ticket, answered: Message | None) -> BrandAccount:
    """Where a reply goes out: the account of the customer message it answers (in a merged
    conversation an X mention and an email sit side by side), else the ticket's."""
    return answered.account if answered is not None else ticket.account


def reply_compose(*, ticket: Ticket, agent: User, text: str, mode: str = "") -> ComposedReply:
    """Variables filled in, the agent's signature appended, measured the channel's way,
    and the channel's rules checked (e.g. a closed 24-hour window). Pure: the composer's
    live preview and ticket_reply use the same function."""
    answered = answered_message(ticket)
    # A merged conversation holds messages of several channels: a reply goes out on the
    # account (and so the platform) of the message it answers.
    account = reply_account(ticket=ticket, answered=answered)
    try:
        connector = get_connector(account.platform)
    except UnknownPlatform as exc:
        return ComposedReply(text=text, length=0, max_length=0, error=str(exc))
    kind = answered.kind if answered else ""
    if mode == "private" and not connector.can_reply_privately(kind):
        return ComposedReply(text=text, length=0, max_length=0, error=_("This conversation cannot move to private."))
    reply_kind = "dm" if mode == "private" else kind
    limits = connector.limits_for(reply_kind)
    try:
        body = render_variables(text, reply_variables(ticket=ticket, agent=agent)).strip()
    except (UnknownVariable, MissingValue) as exc:
        length = connector.count_for(reply_kind, text)
        return ComposedReply(text=text, length=length, max_length=limits.max_length, error=str(exc))
    signature = agent_signature(agent, brand_id=ticket.brand_id, platform=ticket.account.platform)
    robot = tuple(robot_phrases_in(body))
    full = f"{body}{limits.signature_separator}{signature}" if signature and body else body
    length = connector.count_for(reply_kind, full)
    error = ""
    parts = 1
    if mode == "thread" and body:
        thread = connector.split_thread(kind, full)
        if thread is None:
            return ComposedReply(
                text=full,
                length=length,
                max_length=limits.max_length,
                error=_("This conversation cannot take a numbered thread."),
                robot_phrases=robot,
            )
        parts = len(thread)
        # Each post is within the limit by construction: measure the longest.
        length = max(connector.count_for(reply_kind, part) for part in thread)
    if not body:
        error = _("The reply is empty.")
    elif length > limits.max_length:
        error = _("Too long for %(platform)s: %(length)s/%(max)s.") % {
            "platform": account.get_platform_display(),
            "length": length,
            "max": limits.max_length,
        }
    elif answered is not None:
        error = connector.check_reply(
            ReplyContext(
                kind=kind,
                mode=mode,
                last_customer_message_at=answered.sent_at,
                now=timezone.now(),
                account=account,
            )
        )
    return ComposedReply(
        text=full, length=length, max_length=limits.max_length, error=error, parts=parts, robot_phrases=robot
    )


def ticket_locked_to_answer(ticket_id: int) -> Ticket:
    """The ticket, its row locked for an answer (two agents answering at once queue here),
    with what composing needs. The lock takes the ticket's row only, FOR NO KEY UPDATE: not
    the customer joined in (ingest locks the customer, then the ticket) and not against
    rows that merely reference the ticket."""
    return (
        Ticket.objects.select_for_update(of=("self",), no_key=True)
        .select_related("account", "brand", "customer")
        .get(pk=ticket_id)
    )


@transaction.atomic
def ticket_reply(
    *,
    ticket: Ticket,
    agent: User,
    text: str,
    client_token: str | None = None,
    then_status: str = TicketStatus.PENDING,
    mode: str = "",
    seen_message_id: int | None = None,
    approved_by: User | None = None,
    files: Sequence[ReplyFile] = (),
    message_extra: Mapping[str, Any] | None = None,
) -> Message:
    """Queue an agent's reply in the customer's channel. The outbox row is written in the
    same transaction as the message, and delivery starts only after commit.

    `seen_message_id`: the newest message of the conversation the agent had seen when they
    began (the composer sends it). If a colleague's reply or note came after it, nothing is
    sent and RepliedSince says whose; None skips the check (the API's contract). Checked
    holding the ticket's row lock, which every reply takes before writing its message: of two
    agents sending at once, the second finds the first's reply and is asked.

    A newcomer's reply never goes out without `approved_by` (a lead approving their draft,
    inbox/actions/drafts.py): whatever path calls this, nothing reaches the platform."""
    if approved_by is None and is_newcomer(agent):
        raise NeedsApproval("A newcomer's reply waits for a lead's approval.")
    if client_token:
        existing = Message.objects.filter(client_token=client_token).first()
        if existing is not None:
            if existing.ticket_id != ticket.pk:
                raise ReplyError("This reply token belongs to another conversation.")
            return existing
    ticket = ticket_locked_to_answer(ticket.pk)
    if seen_message_id is not None:
        newer = colleague_message_since(ticket=ticket, agent=agent, seen_message_id=seen_message_id)
        if newer is not None:
            raise RepliedSince(newer)
    composed = reply_compose(ticket=ticket, agent=agent, text=text, mode=mode)
    if not composed.ok:
        raise ReplyError(composed.error)
    last_in = answered_message(ticket)
    account = reply_account(ticket=ticket, answered=last_in)
    connector = get_connector(account.platform)
    if last_in is None:
        raise ReplyError("There is no customer message to reply to.")
    problem = reply_files_problem(
        limits=connector.attachment_limits_for(last_in.kind, mode), files=files,
        platform=str(account.get_platform_display()),
    )
    if problem:
        raise ReplyError(problem)
    return reply_enqueue(
        ticket=ticket, agent=agent, text=composed.text, answered=last_in, mode=mode,
        client_token=client_token, then_status=then_status, files=files, message_extra=message_extra,
    )


def reply_enqueue(
    *,
    ticket: Ticket,
    agent: User,
    text: str,
    answered: Message,
    mode: str = "",
    client_token: str | None = None,
    then_status: str = TicketStatus.PENDING,
    message_extra: Mapping[str, Any] | None = None,
    outbound_extra: Mapping[str, Any] | None = None,
    files: Sequence[ReplyFile] = (),
) -> Message:
    """The writes every reply shares (a free-text one or a template): the message and its
    outbox row in one transaction, the event, the answered state, delivery after commit.
    The caller holds the ticket's row lock and has checked what is sent."""
    now = timezone.now()
    account = reply_account(ticket=ticket, answered=answered)
    message = Message.objects.create(
        ticket=ticket,
        account=account,
        direction=Direction.OUT,
        text=text,
        author_user=agent,
        in_reply_to_platform_id=answered.platform_id or "",
        thread_key=answered.thread_key,
        delivery_status=DeliveryStatus.QUEUED,
        sent_at=now,
        created_at=now,
        client_token=client_token or None,
        extra=dict(message_extra or {}),
    )
    if files:
        reply_attachments_add(message=message, files=files)
    outbound = outbox_enqueue(
        account=account,
        message=message,
        kind=answered.kind or "reply",
        mode=mode,
        text=text,
        in_reply_to=answered.platform_id or "",
        recipient=answered.author_identity.external_id if answered.author_identity else "",
        thread_key=answered.thread_key,
        subject=ticket.subject,
        extra={**(answered.extra or {}), **(outbound_extra or {})},
    )
    # Delivery is queued first, before the status change's own after-commit work (a solve's
    # satisfaction question), so the customer gets the answer before being asked about it.
    deliver_after_commit(outbound_id=outbound.pk)
    events.reply_queued(ticket=ticket, message=message, actor=agent, mode=mode)
    search_refresh(ticket_ids=[ticket.pk])
    update = ["waiting_since", "updated_at"]
    if ticket.first_response_at is None:
        ticket.first_response_at = now
        update.append("first_response_at")
    ticket.waiting_since = None
    ticket.updated_at = now
    ticket.save(update_fields=update)
    ticket_sla_refresh(ticket=ticket)  # answered: the clock stops until the customer writes
    if then_status in (TicketStatus.PENDING, TicketStatus.SOLVED, TicketStatus.OPEN):
        ticket_status_change(ticket=ticket, status=then_status, actor=agent)
    if ticket.assignee_id is None:
        ticket_assignee_change(ticket=ticket, assignee_id=agent.pk, actor=agent)
    bump_on_commit(tickets=[ticket])
    return message


def colleague_message_since(*, ticket: Ticket, agent: User, seen_message_id: int) -> Message | None:
    """The newest reply or note someone other than `agent` put into the conversation after
    message `seen_message_id`. Replies are written under the ticket's row lock, so their ids
    grow in the order they commit: "after" is "a larger id"."""
    return (
        ticket.messages.filter(pk__gt=seen_message_id, direction__in=[Direction.OUT, Direction.NOTE])
        .exclude(author_user=agent)
        .select_related("author_user__agent_profile")
        .order_by("-pk")
        .first()
    )


@transaction.atomic
def reply_retry(*, message: Message, actor: User) -> Message:
    """An agent asks to try a failed reply again (e.g. after an admin fixed the account)."""
    outbound = outbox_requeue(message=message)
    if outbound is None:
        raise ReplyError("Only a failed reply can be retried.")
    Message.objects.filter(pk=message.pk).update(delivery_status=DeliveryStatus.QUEUED)
    events.reply_retried(ticket=message.ticket, message=message, actor=actor)
    ticket_recount_answered(ticket=message.ticket)
    deliver_after_commit(outbound_id=outbound.pk)
    bump_on_commit(tickets=[message.ticket])
    message.refresh_from_db()
    return message
