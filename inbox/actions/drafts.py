"""Newcomers' drafts: anyone invited to help answers, and a lead of the conversation's brand
reviews before it goes out (CARE.md, "Everyone can help"). A draft is never a Message and
never has an outbox row: only draft_approve hands it to ticket_reply, signed by the
newcomer, with the approver recorded. A WhatsApp template (after the 24-hour window) can be
a draft too: approved, it goes out through ticket_send_template as that template."""
from __future__ import annotations

from collections.abc import Sequence

from django.contrib.auth.models import User
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from notifications.actions import notify, notify_many
from notifications.models import NotificationKind

from .. import events
from ..enums import DraftStatus, Role, TicketStatus
from ..live import bump_on_commit
from ..models import Message, ReplyDraft, Ticket
from .replies import ReplyError, is_newcomer, reply_compose, ticket_reply
from .templates import template_compose, ticket_send_template


class DraftError(ReplyError):
    pass


def _name(user: User) -> str:
    profile = getattr(user, "agent_profile", None)
    return (profile.display_name if profile else "") or user.get_username()


def draft_reviewers(*, ticket: Ticket) -> list[User]:
    """The leads of the teams that answer for the conversation's brand."""
    return list(
        User.objects.filter(
            is_active=True, agent_profile__role=Role.LEAD, teams__brands=ticket.brand_id
        ).distinct()
    )


@transaction.atomic
def draft_create(
    *, ticket: Ticket, author: User, text: str, mode: str = "", then_status: str = TicketStatus.PENDING
) -> ReplyDraft:
    """A newcomer's reply, held for approval. Checked as a reply would be (length, the
    channel's rules), so a lead is never asked to approve what could not be sent."""
    if not is_newcomer(author):
        raise DraftError("Only a newcomer's replies wait for approval.")
    composed = reply_compose(ticket=ticket, agent=author, text=text, mode=mode)
    if not composed.ok:
        raise DraftError(composed.error)
    draft = ReplyDraft.objects.create(
        ticket=ticket, author=author, text=text, mode=mode, then_status=_then(then_status)
    )
    return _submitted(draft)


@transaction.atomic
def draft_create_template(
    *, ticket: Ticket, author: User, key: str, inputs: Sequence[str], then_status: str = TicketStatus.PENDING
) -> ReplyDraft:
    """A newcomer's approved-template message (WhatsApp after 24 hours), held for approval.
    Checked as a template send would be; `text` keeps what the customer would get."""
    if not is_newcomer(author):
        raise DraftError("Only a newcomer's replies wait for approval.")
    composed = template_compose(ticket=ticket, agent=author, key=key, inputs=inputs)
    if not composed.ok or composed.template is None:
        raise DraftError(composed.error)
    draft = ReplyDraft.objects.create(
        ticket=ticket, author=author, text=composed.text, then_status=_then(then_status),
        template={
            "key": composed.template.key, "name": composed.template.name,
            "language": composed.template.language, "inputs": list(composed.inputs),
        },
    )
    return _submitted(draft)


def _then(status: str) -> str:
    return status if status in (TicketStatus.PENDING, TicketStatus.SOLVED, TicketStatus.OPEN) else TicketStatus.PENDING


def _submitted(draft: ReplyDraft) -> ReplyDraft:
    """The event and the reviewers' notification every new draft gets."""
    events.draft_submitted(draft=draft)
    notify_many(
        recipients=draft_reviewers(ticket=draft.ticket), kind=NotificationKind.DRAFT, actor=draft.author,
        text=_("%(name)s wrote a draft for #%(ticket)s") % {"name": _name(draft.author), "ticket": draft.ticket_id},
        url=reverse("inbox:drafts"), ticket_id=draft.ticket_id, key=f"draft-{draft.pk}-submitted",
    )
    bump_on_commit(tickets=[draft.ticket])
    return draft


def _waiting(draft: ReplyDraft) -> ReplyDraft:
    """The draft, locked: of two leads deciding at once, the second finds it decided."""
    locked = ReplyDraft.objects.select_for_update(of=("self",)).select_related("ticket", "author").get(pk=draft.pk)
    if locked.status != DraftStatus.WAITING:
        raise DraftError("This draft has been decided already.")
    return locked


@transaction.atomic
def draft_approve(*, draft: ReplyDraft, reviewer: User, text: str | None = None) -> Message:
    """Send the draft as it is, or as the reviewer edited it: through ticket_reply (the
    outbox, delivery after commit), signed by the newcomer. Once only."""
    draft = _waiting(draft)
    if is_newcomer(reviewer):
        raise DraftError("A newcomer cannot approve drafts.")
    final = draft.text if text is None or not text.strip() else text
    edited = final.strip() != draft.text.strip()
    if draft.template:
        # The platform approved the template's words, not ours: it goes out as it is.
        if edited:
            raise DraftError(_("A template goes out as it was approved: return the draft with a comment instead."))
        message = ticket_send_template(
            ticket=draft.ticket, agent=draft.author, key=str(draft.template.get("key", "")),
            inputs=[str(v) for v in draft.template.get("inputs", [])], client_token=f"draft-{draft.pk}",
            then_status=draft.then_status, approved_by=reviewer,
        )
    else:
        message = ticket_reply(
            ticket=draft.ticket, agent=draft.author, text=final, client_token=f"draft-{draft.pk}",
            then_status=draft.then_status, mode=draft.mode, approved_by=reviewer,
        )
    draft.status = DraftStatus.SENT_EDITED if edited else DraftStatus.SENT
    draft.sent_text = final if edited else ""
    draft.reviewer = reviewer
    draft.message = message
    draft.decided_at = timezone.now()
    draft.save(update_fields=["status", "sent_text", "reviewer", "message", "decided_at"])
    events.draft_approved(draft=draft, reviewer=reviewer, message=message, edited=edited)
    notify(
        recipient=draft.author, kind=NotificationKind.DRAFT, actor=reviewer, ticket_id=draft.ticket_id,
        text=(_("%(name)s edited and sent your draft for #%(ticket)s") if edited
              else _("%(name)s approved and sent your draft for #%(ticket)s"))
        % {"name": _name(reviewer), "ticket": draft.ticket_id},
        url=reverse("inbox:my_drafts"), key=f"draft-{draft.pk}-decided",
    )
    return message


@transaction.atomic
def draft_return(*, draft: ReplyDraft, reviewer: User, comment: str) -> ReplyDraft:
    """Give the draft back to the newcomer with a comment; nothing is sent."""
    draft = _waiting(draft)
    if is_newcomer(reviewer):
        raise DraftError("A newcomer cannot return drafts.")
    comment = comment.strip()
    if not comment:
        raise DraftError(_("Say what to change: a returned draft needs a comment."))
    draft.status = DraftStatus.RETURNED
    draft.comment = comment
    draft.reviewer = reviewer
    draft.decided_at = timezone.now()
    draft.save(update_fields=["status", "comment", "reviewer", "decided_at"])
    events.draft_returned(draft=draft, reviewer=reviewer, comment=comment)
    notify(
        recipient=draft.author, kind=NotificationKind.DRAFT, actor=reviewer, ticket_id=draft.ticket_id,
        text=_("%(name)s returned your draft for #%(ticket)s: %(comment)s")
        % {"name": _name(reviewer), "ticket": draft.ticket_id, "comment": comment},
        url=reverse("inbox:my_drafts"), key=f"draft-{draft.pk}-decided",
    )
    bump_on_commit(tickets=[draft.ticket])
    return draft
