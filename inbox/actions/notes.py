"""Internal notes: written in the timeline for colleagues, never sent to the customer (a
note has no OutboundMessage, so the outbox and every connector never see it). `@username`
in a note tells that colleague, with a link to the note on the ticket."""
from __future__ import annotations

import re
from functools import partial

from django.contrib.auth.models import User
from django.db import transaction
from django.utils.translation import gettext as _

from notifications.actions import notify
from notifications.models import NotificationKind

from .. import events
from ..enums import DeliveryStatus, Direction
from ..live import bump_on_commit
from ..models import Message, Ticket
from ..selectors import agents_for_brand
from .tickets import TicketActionError

NOTE_MAX_LENGTH = 5000
# "@jana" or "@piotr.nowak", not the "@" inside an email address.
MENTION = re.compile(r"(?<![\w@.])@([\w][\w.\-]*[\w]|[\w])", re.UNICODE)


def note_mentioned_names(text: str) -> list[str]:
    """The usernames a note mentions, in order, each once (case kept as written)."""
    seen: dict[str, str] = {}
    for name in MENTION.findall(text):
        seen.setdefault(name.lower(), name)
    return list(seen.values())


def note_mentioned_users(*, ticket: Ticket, text: str) -> list[User]:
    """Colleagues who can see this ticket and are named in the note; unknown names are
    plain text (no one outside the brand is ever told)."""
    names = {n.lower() for n in note_mentioned_names(text)}
    if not names:
        return []
    return [u for u in agents_for_brand(brand_id=ticket.brand_id) if u.get_username().lower() in names]


def note_anchor(message: Message) -> str:
    return f"/tickets/{message.ticket_id}/#note-{message.pk}"


@transaction.atomic
def ticket_note_add(*, ticket: Ticket, author: User, text: str) -> Message:
    text = text.strip()
    if not text:
        raise TicketActionError(_("A note cannot be empty."))
    if len(text) > NOTE_MAX_LENGTH:
        raise TicketActionError(_("A note can be at most %(max)d characters long.") % {"max": NOTE_MAX_LENGTH})
    note = Message.objects.create(
        ticket=ticket,
        account=ticket.account,
        direction=Direction.NOTE,
        kind="note",
        text=text,
        author_user=author,
        delivery_status=DeliveryStatus.RECEIVED,
    )
    mentioned = [u for u in note_mentioned_users(ticket=ticket, text=text) if u.pk != author.pk]
    events.note_added(ticket=ticket, message=note, actor=author, mentioned=[u.pk for u in mentioned])
    author_name = getattr(getattr(author, "agent_profile", None), "display_name", "") or author.get_username()
    url = note_anchor(note)
    # No words of the author's language: the page shows the kind ("Mention") in the
    # recipient's own language, and people's languages are not stored.
    text_for = f"@{author_name} · #{ticket.pk}: {text[:140]}"

    def tell(user: User) -> None:
        notify(recipient=user, kind=NotificationKind.MENTION, text=text_for, url=url, ticket_id=ticket.pk,
               actor=author, key=f"mention-{note.pk}")

    for user in mentioned:
        transaction.on_commit(partial(tell, user))
    bump_on_commit(tickets=[ticket])
    return note
