"""Files of messages. A customer's arrive as metadata with the message; ingest records one
Attachment row per file (pending) and the worker downloads each through its connector's
`fetch_attachment`, stores it with Django's storage API and makes a thumbnail of pictures.
An agent's are uploaded with the reply and stored before it is queued.

What is served inline is decided here, from the bytes, never from what a platform or a
customer says the file is: only a raster picture Pillow recognises (JPEG, PNG, GIF, WebP)
gets a thumbnail, and only a file with a thumbnail is shown as an image."""
from __future__ import annotations

import hashlib
import io
import logging
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from PIL import Image, UnidentifiedImageError

from channels.base import AttachmentLimits
from channels.http import ApiError, ApiOutcomeUnknown, ApiRateLimited, ApiUnavailable, DownloadTooLarge
from channels.registry import get_connector
from channels.types import Attachment as AttachmentInfo

from ..enums import AttachmentState
from ..live import bump_on_commit
from ..models import Attachment, Message
from ..signals import attachments_recorded

logger = logging.getLogger("hovor.inbox.attachments")

# Transient: the task retries these (with backoff); after MAX_ATTEMPTS the file is failed.
TRANSIENT = (ApiUnavailable, ApiOutcomeUnknown, ApiRateLimited)
MAX_ATTEMPTS = 6
# How long a pending file's task is taken to be alive (queued, or one download running)
# before the sweep queues the file again: longer than a slow download of the largest file
# Hovor keeps (each request has HOVOR_HTTP_TIMEOUT), so a download is not doubled.
FETCH_LEASE = timedelta(minutes=2)
SWEEP_BATCH = 200
# The picture formats shown inline (what a browser renders and Pillow verifies).
IMAGE_FORMATS = {"JPEG": "image/jpeg", "PNG": "image/png", "GIF": "image/gif", "WEBP": "image/webp"}


def attachment_metadata(info: AttachmentInfo) -> dict[str, Any]:
    """What Message.attachments keeps of a file (the API shows filename, content_type, size)."""
    return {"filename": info.filename, "content_type": info.content_type, "size": info.size, "url": info.url}


def attachments_record(*, items: Sequence[tuple[Message, Sequence[AttachmentInfo]]]) -> list[int]:
    """Inside ingest's transaction: one pending row per file of each new message; the
    downloads are queued after commit (never inside ingest: a slow platform cannot hold
    it up), each leased to its first task. Messages already recorded (a redelivery) get no
    second row."""
    lease = timezone.now() + FETCH_LEASE
    rows = [
        Attachment(
            message=message,
            index=index,
            filename=info.filename[:255] or "attachment",
            content_type=info.content_type[:255] or "application/octet-stream",
            size=info.size,
            source_url=info.url[:2000],
            ref=info.ref[:500],
            leased_until=lease,
        )
        for message, infos in items
        for index, info in enumerate(infos)
        if info.content_type != "text/uri-list"  # a shared link is no file
    ]
    if not rows:
        return []
    Attachment.objects.bulk_create(rows, ignore_conflicts=True)
    ids = list(
        Attachment.objects.filter(
            message__in=[m.pk for m, _ in items], state=AttachmentState.PENDING
        ).values_list("pk", flat=True)
    )
    attachments_recorded.send(sender=Attachment, attachment_ids=ids)
    return ids


def attachment_fetch(*, attachment_id: int) -> str:
    """Download one pending file and store it; returns the state it ends in. Idempotent:
    a stored, failed or too-large file is left as it is. Transient platform errors are
    raised for the task to retry (the attempt is counted first)."""
    attachment = Attachment.objects.select_related("message__account", "message__inbound_event").filter(
        pk=attachment_id
    ).first()
    if attachment is None or attachment.state != AttachmentState.PENDING:
        return attachment.state if attachment else ""
    message = attachment.message
    limit = settings.HOVOR_ATTACHMENT_MAX_BYTES
    if attachment.size is not None and attachment.size > limit:
        return _finish(attachment, AttachmentState.TOO_LARGE, error=f"{attachment.size} bytes, over {limit}")
    event = message.inbound_event
    info = AttachmentInfo(
        filename=attachment.filename,
        content_type=attachment.content_type,
        size=attachment.size,
        url=attachment.source_url,
        ref=attachment.ref,
    )
    Attachment.objects.filter(pk=attachment.pk).update(
        attempts=attachment.attempts + 1, leased_until=timezone.now() + FETCH_LEASE
    )
    try:
        content = get_connector(message.account.platform).fetch_attachment(
            message.account,
            attachment=info,
            index=attachment.index,
            kind=event.kind if event else message.kind,
            payload=event.payload if event else {},
            max_bytes=limit,
        )
    except DownloadTooLarge as exc:
        return _finish(attachment, AttachmentState.TOO_LARGE, error=exc.message)
    except TRANSIENT as exc:
        if attachment.attempts + 1 >= MAX_ATTEMPTS:
            return _finish(attachment, AttachmentState.FAILED, error=exc.message)
        raise
    except ApiError as exc:
        return _finish(attachment, AttachmentState.FAILED, error=exc.message)
    attachment_store(attachment=attachment, content=content)
    return AttachmentState.STORED


def attachment_lease(*, attachment_id: int, until: datetime | None) -> None:
    """Hold a pending file for its task until `until` (a retry's wait plus its download);
    None hands it to the next sweep (its task never reached the broker)."""
    Attachment.objects.filter(pk=attachment_id, state=AttachmentState.PENDING).update(leased_until=until)


def attachments_unleased(*, now: datetime | None = None) -> list[int]:
    """Pending files whose task is gone: never queued (the broker was away after ingest), lost
    with a restarted broker, or held by a worker that died. Their lease ran out; each is
    leased again before it is handed back, so a second sweep does not queue it twice and a
    download still within its lease is left alone (rows another sweep holds are skipped)."""
    now = now or timezone.now()
    with transaction.atomic():
        ids = list(
            Attachment.objects.select_for_update(skip_locked=True)
            .filter(Q(leased_until__isnull=True) | Q(leased_until__lt=now), state=AttachmentState.PENDING)
            .order_by("created_at", "pk")
            .values_list("pk", flat=True)[:SWEEP_BATCH]
        )
        if ids:
            Attachment.objects.filter(pk__in=ids).update(leased_until=now + FETCH_LEASE)
    return ids


def _finish(attachment: Attachment, state: str, *, error: str) -> str:
    logger.info("attachment %s: %s (%s)", attachment.pk, state, error)
    Attachment.objects.filter(pk=attachment.pk, state=AttachmentState.PENDING).update(state=state, error=error[:500])
    return state


def thumbnail_of(content: bytes) -> tuple[bytes, str] | None:
    """A PNG thumbnail and the picture's real type, or None if the bytes are no picture we
    show (not decodable, another format, or more pixels than HOVOR_IMAGE_MAX_PIXELS: a
    decompression bomb is refused before it is decoded)."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            with Image.open(io.BytesIO(content)) as image:
                kind = IMAGE_FORMATS.get(image.format or "")
                width, height = image.size
                if kind is None or width * height > settings.HOVOR_IMAGE_MAX_PIXELS:
                    return None
                image.thumbnail((settings.HOVOR_THUMBNAIL_SIZE, settings.HOVOR_THUMBNAIL_SIZE))
                converted = image.convert("RGBA") if image.mode not in ("RGB", "RGBA", "L", "LA") else image
                out = io.BytesIO()
                converted.save(out, format="PNG")
                return out.getvalue(), kind
        except (UnidentifiedImageError, Image.DecompressionBombError, Image.DecompressionBombWarning, OSError,
                ValueError, SyntaxError):
            return None


def attachment_store(*, attachment: Attachment, content: bytes) -> None:
    """Write the bytes (and a thumbnail of a picture) to storage and mark the row stored.
    The file is written before the row is updated under its lock: a concurrent second
    download of the same row loses the race and deletes its copy."""
    stored = ContentFile(content)
    name = attachment.file.field.generate_filename(attachment, attachment.filename)
    saved = attachment.file.storage.save(name, stored)
    thumb = thumbnail_of(content)
    thumb_name = ""
    if thumb is not None:
        thumb_name = attachment.thumbnail.storage.save(
            attachment.thumbnail.field.generate_filename(attachment, "thumb.png"), ContentFile(thumb[0])
        )
    with transaction.atomic():
        row = Attachment.objects.select_for_update(of=("self",)).select_related("message__ticket").get(pk=attachment.pk)
        if row.state != AttachmentState.PENDING and row.file:
            attachment.file.storage.delete(saved)
            if thumb_name:
                attachment.thumbnail.storage.delete(thumb_name)
            return
        row.file.name = saved
        row.thumbnail.name = thumb_name
        row.size = len(content)
        row.sha256 = hashlib.sha256(content).hexdigest()
        if thumb is not None:
            row.content_type = thumb[1]
        row.state = AttachmentState.STORED
        row.error = ""
        row.save(update_fields=["file", "thumbnail", "size", "sha256", "content_type", "state", "error"])
        bump_on_commit(tickets=[row.message.ticket])  # open pages show the thumbnail
    attachment.refresh_from_db()


# --- an agent's files ------------------------------------------------------------------------
@dataclass(frozen=True)
class ReplyFile:
    filename: str
    content_type: str
    content: bytes


def reply_files_problem(*, limits: AttachmentLimits | None, files: Sequence[ReplyFile], platform: str) -> str:
    """Why these files cannot go with a reply on this platform ("" when they can)."""
    if not files:
        return ""
    if limits is None:
        return _("%(platform)s replies cannot carry files.") % {"platform": platform}
    if len(files) > limits.max_files:
        return _("%(platform)s takes at most %(n)s file(s) with a reply.") % {
            "platform": platform, "n": limits.max_files,
        }
    alone = next((f.content_type for f in files if f.content_type in limits.alone_types), "")
    if alone and len(files) > 1:
        return _("%(platform)s takes a %(type)s file only on its own.") % {"platform": platform, "type": alone}
    for file in files:
        if not limits.allows(file.content_type):
            return _("%(platform)s does not take %(type)s files.") % {"platform": platform, "type": file.content_type}
        if limits.forbids_name(file.filename):
            kind = "." + file.filename.rpartition(".")[2].lower()
            return _("%(platform)s does not take %(type)s files.") % {"platform": platform, "type": kind}
        largest = min(limits.max_bytes_for(file.content_type), settings.HOVOR_ATTACHMENT_MAX_BYTES)
        if len(file.content) > largest:
            return _("%(name)s is larger than %(platform)s takes (%(size)s).") % {
                "name": file.filename, "platform": platform, "size": human_size(largest),
            }
    return ""


def reply_attachments_add(*, message: Message, files: Sequence[ReplyFile]) -> list[Attachment]:
    """Inside ticket_reply's transaction: store an agent's files with their reply (checked
    against the platform's limits before) and list them in the message's metadata."""
    rows = []
    for index, file in enumerate(files):
        row = Attachment.objects.create(
            message=message, index=index, filename=file.filename[:255] or "file", content_type=file.content_type[:255],
            size=len(file.content),
        )
        attachment_store(attachment=row, content=file.content)
        rows.append(row)
    message.attachments = [
        {"filename": r.filename, "content_type": r.content_type, "size": r.size, "url": ""} for r in rows
    ]
    message.save(update_fields=["attachments"])
    return rows


def human_size(size: int | None) -> str:
    if size is None:
        return ""
    if size < 1024:
        return f"{size} B"
    if size < 1024 * 1024:
        return f"{size / 1024:.0f} KB"
    return f"{size / (1024 * 1024):.1f} MB"
