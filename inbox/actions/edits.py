"""A customer edited a message the inbox already has (a Page comment's `verb: edited`): the
message shows the new text and keeps every earlier version in its history."""
from __future__ import annotations

from channels.models import BrandAccount
from channels.types import EDIT_OF

from .. import events
from ..enums import Direction
from ..live import bump_on_commit
from ..models import Message
from .ingest import IncomingItem

# Message.extra keys: HISTORY is the list of earlier versions, oldest first, each
# {"text", "until": ISO time the next version was written, "edit_id": its platform id}.
HISTORY = "history"
EDITED_AT = "edited_at"


def message_edits_apply(*, account: BrandAccount, items: list[IncomingItem]) -> list[IncomingItem]:
    """Apply every edit among `items` whose original message is stored: the message gets
    the new text, the old one goes to its history, and the ticket logs MESSAGE_EDITED.
    Idempotent (an edit applied once is recognised by its platform id). Returns the items
    that are no such edit, or whose original is not in the inbox (they are ingested as
    messages of their own). Runs inside the caller's transaction."""
    def original_id(item: IncomingItem) -> str:
        return str(item.incoming.extra.get(EDIT_OF) or "")

    edits = [i for i in items if original_id(i)]
    if not edits:
        return items
    originals = {
        m.platform_id: m
        for m in Message.objects.select_for_update()
        .select_related("ticket")
        .filter(account=account, direction=Direction.IN, platform_id__in={original_id(i) for i in edits})
    }
    for item in sorted((i for i in edits if original_id(i) in originals), key=lambda i: i.incoming.sent_at):
        _apply(originals[original_id(item)], item)
    return [i for i in items if original_id(i) not in originals]


def _apply(message: Message, item: IncomingItem) -> None:
    edit = item.incoming
    extra = dict(message.extra or {})
    history = list(extra.get(HISTORY) or [])
    if any(h.get("edit_id") == edit.platform_id for h in history) or message.text == edit.text:
        return  # applied before, or no change
    history.append({"text": message.text, "until": edit.sent_at.isoformat(), "edit_id": edit.platform_id})
    extra[HISTORY] = history
    extra[EDITED_AT] = edit.sent_at.isoformat()
    previous = message.text
    message.text = edit.text
    message.extra = extra
    if edit.attachments:
        message.attachments = [a.__dict__ for a in edit.attachments]
    message.save(update_fields=["text", "extra", "attachments"])
    events.message_edited(ticket=message.ticket, message=message, previous=previous, edit_id=edit.platform_id)
    bump_on_commit()
