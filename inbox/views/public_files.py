"""A stored file by its signed, expiring link (inbox.attachment_urls), with no login: what
a platform that sends files by URL fetches (Instagram). The same safe headers as the agents'
file view: a picture Hovor verified inline as its image type, everything else as
application/octet-stream with Content-Disposition: attachment; a refused link is a plain 404."""
from __future__ import annotations

from django.http import FileResponse, Http404, HttpRequest
from django.views.decorators.http import require_GET

from ..attachment_urls import LinkRefused, attachment_from_public_token
from .attachments import serve_attachment


@require_GET
def attachment_public_view(request: HttpRequest, token: str, filename: str) -> FileResponse:
    try:
        attachment = attachment_from_public_token(token)
    except LinkRefused as exc:
        raise Http404("No such file") from exc
    response = serve_attachment(attachment)
    # Fetched by the platform's servers (or the visitor's browser), not by Hovor's own pages.
    response["Cross-Origin-Resource-Policy"] = "cross-origin"
    response["Cache-Control"] = "private, max-age=300"
    response["Referrer-Policy"] = "no-referrer"
    return response
