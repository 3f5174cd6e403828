"""Signed, expiring links to one stored file, for a platform that sends files by URL
(Instagram fetches the picture itself) and must reach it without logging in.

The link is HOVOR_FILES_PUBLIC_URL + /files/<token>/<the file's name> (Viber wants a
picture's URL to end in .jpg, .png or .gif; the name is not read back): the token is the attachment's id and
its content's SHA-256 prefix, signed with Django's signing (SECRET_KEY, a salt of its own)
and stamped; it is refused after HOVOR_FILES_URL_MAX_AGE seconds, when the file changed, and
for a file not stored. It names nothing else, and serving it
(inbox.views.public_files) uses the same safe headers as the agents'
file view: a verified picture inline as its image type, anything else as a download."""
from __future__ import annotations

from urllib.parse import quote

from django.conf import settings
from django.core import signing
from django.urls import reverse

from .enums import AttachmentState
from .models import Attachment

SALT = "hovor.attachment-public-url"


class LinkRefused(Exception):
    """The token is forged, expired, or names a file that is no longer stored."""


def attachment_public_url(attachment: Attachment) -> str:
    """An absolute URL anyone can fetch the stored file from, until it expires."""
    token = signing.TimestampSigner(salt=SALT).sign_object([attachment.pk, attachment.sha256[:16]], compress=False)
    name = quote(attachment.filename.replace("/", "_") or "file", safe="")
    path = reverse("inbox:attachment_public", kwargs={"token": token, "filename": name})
    return settings.HOVOR_FILES_PUBLIC_URL.rstrip("/") + path


def attachment_from_public_token(token: str) -> Attachment:
    """The stored file a token from attachment_public_url names; LinkRefused otherwise."""
    try:
        value = signing.TimestampSigner(salt=SALT).unsign_object(token, max_age=settings.HOVOR_FILES_URL_MAX_AGE)
    except (signing.BadSignature, ValueError, TypeError) as exc:
        raise LinkRefused("invalid or expired link") from exc
    if not (isinstance(value, list) and len(value) == 2 and isinstance(value[0], int) and isinstance(value[1], str)):
        raise LinkRefused("invalid link")
    attachment = Attachment.objects.filter(pk=value[0]).first()
    if (
        attachment is None
        or attachment.state != AttachmentState.STORED
        or not attachment.file
        or attachment.sha256[:16] != value[1]
    ):
        raise LinkRefused("the file is not stored")
    return attachment
