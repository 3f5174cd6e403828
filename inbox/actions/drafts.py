"""Newcomers' drafts: anyone invited to help answers, and a lead of the conversation's brand
reviews before it goes out (CARE.md, "Everyone can help"). A draft is never a Message and
never has an outbox row: only draft_approve hands it to ticket_reply, signed by the
newcomer, with the approver recorded."""
from __future__ import annotations

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
    if then_status not in (TicketStatus.PENDING, TicketStatus.SOLVED, TicketStatus.OPEN):
        then_status = TicketStatus.PENDING
    draft = ReplyDraft.objects.create(ticket=ticket, author=author, text=text, mode=mode, then_status=then_status)
    events.draft_submitted(draft=draft)
    notify_many(
        recipients=draft_reviewers(ticket=ticket), kind=NotificationKind.DRAFT, actor=author,
        text=_("%(name)s wrote a draft for #%(ticket)s") % {"name": _name(author), "ticket": ticket.pk},
        url=reverse("inbox:drafts"), ticket_id=ticket.pk, key=f"draft-{draft.pk}-submitted",
    )
    bump_on_commit(tickets=[ticket])
    return draft


def _waiting(draft: ReplyDraft) -> ReplyDraft:
    """The draft, locked: of two leads deciding at once, the second finds it decided."""
    locked = ReplyDraft.objects.select_for_update().select_related("ticket", "author").get(pk=draft.pk)
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
