"""Serving message files. Only to people who may see the conversation (404 otherwise, as
for the ticket), and never as anything a browser would run: a picture Hovor verified
(it has a thumbnail) is sent as its image type, inline; everything else, SVG and HTML
included, as application/octet-stream with Content-Disposition: attachment. Every answer
carries nosniff and a sandboxing Content-Security-Policy."""
from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest
from django.views.decorators.http import require_GET

from ..enums import AttachmentState
from ..models import Attachment
from ..permissions import access_attachment

SAFE_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "default-src 'none'; sandbox",
    "Cache-Control": "private, max-age=3600",
    "Cross-Origin-Resource-Policy": "same-origin",
}


def _respond(handle: object, *, content_type: str, filename: str, inline: bool) -> FileResponse:
    response = FileResponse(handle, as_attachment=not inline, filename=filename, content_type=content_type)
    for key, value in SAFE_HEADERS.items():
        response[key] = value
    return response


def serve_attachment(attachment: Attachment) -> FileResponse:
    """The stored file with the safe headers: inline only as a verified picture."""
    image = bool(attachment.thumbnail) and attachment.content_type.startswith("image/")
    return _respond(
        attachment.file.open("rb"),
        content_type=attachment.content_type if image else "application/octet-stream",
        filename=attachment.filename,
        inline=image,
    )


@login_required
@require_GET
def attachment_view(request: HttpRequest, attachment_id: int) -> FileResponse:
    attachment = access_attachment(request.user, attachment_id)
    if attachment.state != AttachmentState.STORED or not attachment.file:
        raise Http404("The file is not stored")
    return serve_attachment(attachment)


@login_required
@require_GET
def attachment_thumb_view(request: HttpRequest, attachment_id: int) -> FileResponse:
    attachment = access_attachment(request.user, attachment_id)
    if attachment.state != AttachmentState.STORED or not attachment.thumbnail:
        raise Http404("No thumbnail")
    return _respond(attachment.thumbnail.open("rb"), content_type="image/png", filename="thumbnail.png", inline=True)
