"""While the database is away the web tier answers 503 with a clear body, never a stack
trace: JSON for machines (the API, webhooks, /metrics: a platform retries a 5xx delivery),
a short page for people. Two doors lead here: the middleware catches what a view raises,
and `server_error` (handler500) what a middleware raised (a session saved at the end of a
request), since Django turns that into a 500 before an outer middleware could see it."""
from __future__ import annotations

import logging
import sys
from collections.abc import Callable

from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, HttpResponseServerError, JsonResponse
from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from django.views.defaults import server_error as django_server_error

logger = logging.getLogger("hovor.unavailable")

# What "the database is away" looks like from psycopg and Django: refused, reset or closed
# connections, a server shutting down, a connection Django already knows is unusable.
DATABASE_AWAY = (OperationalError, InterfaceError)
RETRY_AFTER_SECONDS = 5
MACHINE_PREFIXES = ("/api/", "/webhooks/", "/metrics", "/healthz", "/chat/")


def wants_json(request: HttpRequest) -> bool:
    accept = request.headers.get("Accept", "")
    return request.path.startswith(MACHINE_PREFIXES) or ("json" in accept and "html" not in accept)


def database_unavailable(request: HttpRequest, exc: BaseException) -> HttpResponse:
    logger.error("database unavailable during %s %s: %s: %s", request.method, request.path, type(exc).__name__, exc)
    if wants_json(request):
        response: HttpResponse = JsonResponse(
            {
                "error": "database_unavailable",
                "detail": "Hovor's database is not answering. Nothing was lost: try again in a few seconds.",
                "retry_after": RETRY_AFTER_SECONDS,
            },
            status=503,
        )
    else:
        # A page of its own: no context processors, no session, nothing that needs the database.
        page = render_to_string(
            "503.html",
            {
                "title": _("Hovor is briefly unavailable"),
                "text": _(
                    "Hovor cannot reach its database right now. Nothing you sent is lost; this page "
                    "will work again in a few seconds."
                ),
                "again": _("Try again"),
            },
        )
        response = HttpResponse(page, status=503, content_type="text/html; charset=utf-8")
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    return response


class DatabaseUnavailableMiddleware:
    """A view that raised because the database is away answers 503 (see module doc)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, DATABASE_AWAY):
            return database_unavailable(request, exception)
        return None


def server_error(request: HttpRequest) -> HttpResponse:
    """handler500: Django calls it while handling the exception, so sys.exc_info() is it."""
    exc = sys.exc_info()[1]
    if isinstance(exc, DATABASE_AWAY):
        return database_unavailable(request, exc)
    if wants_json(request):
        return JsonResponse({"error": "server_error", "detail": "Something went wrong on Hovor's side."}, status=500)
    try:
        return django_server_error(request)
    except Exception:  # no 500.html: Django's plain one
        return HttpResponseServerError("<h1>Server Error (500)</h1>", content_type="text/html")
