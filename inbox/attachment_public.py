"""Signed, expiring download links to one stored file, for platforms that take media by URL
and fetch it themselves (Viber's picture and file messages): no login, the signature is the
only key, and it runs out after LINK_MAX_AGE. The link ends with the file's own name (Viber
wants a picture's URL to end in .jpg, .png or .gif).

A stand-in with the signature `attachment_public_url(attachment) -> str` that a sibling
module (inbox/attachment_urls.py) is to provide: the two are meant to become one."""
from __future__ import annotations

from datetime import timedelta
from urllib.parse import quote

from django.conf import settings
from django.core import signing
from django.urls import reverse

from .enums import AttachmentState
from .models import Attachment

SALT = "hovor.attachment.public"
LINK_MAX_AGE = timedelta(days=7)


class LinkInvalid(Exception):
    """A link that is forged, expired or names a file that is no longer stored."""


def attachment_public_url(attachment: Attachment) -> str:
    """An absolute URL (settings.HOVOR_PUBLIC_URL) anyone holding it may download the file from."""
    token = signing.TimestampSigner(salt=SALT).sign(str(attachment.pk))
    name = quote(attachment.filename.replace("/", "_") or "file", safe="")
    path = reverse("inbox:attachment_public", kwargs={"token": token, "filename": name})
    return settings.HOVOR_PUBLIC_URL + path


def attachment_from_public_token(*, token: str) -> Attachment:
    """The stored file a link names; raises LinkInvalid otherwise."""
    try:
        value = signing.TimestampSigner(salt=SALT).unsign(token, max_age=LINK_MAX_AGE)
    except signing.BadSignature as exc:
        raise LinkInvalid(str(exc)) from exc
    attachment = Attachment.objects.filter(pk=int(value), state=AttachmentState.STORED).exclude(file="").first()
    if attachment is None:
        raise LinkInvalid("no such file")
    return attachment
