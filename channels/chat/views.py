"""The chat's HTTP side. Widget endpoints (`/chat/<account>/…`) speak JSON with CORS for any
origin (the widget is embedded on the brand's own site) and need no cookies: the widget
holds a session token. The agent's side (typing, presence) is part of the agent UI
(inbox.views.chat).

Views parse and validate, call one service or selector, and answer."""
from __future__ import annotations

import json
import re
import uuid
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import Any, cast

from csp.decorators import csp_replace
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.core.validators import validate_email
from django.http import (
    FileResponse,
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseBase,
    JsonResponse,
    StreamingHttpResponse,
)
from django.shortcuts import render
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET

from channels.models import BrandAccount

from . import stream
from .connector import CHAT_LIMITS
from .models import ChatSession
from .selectors import (
    chat_account,
    chat_reply_file,
    chat_session_for_token,
    chat_widget_config,
)
from .services import (
    ChatRequestError,
    chat_contact_update,
    chat_message_receive,
    chat_session_open,
    chat_session_seen,
    chat_transcript_request,
    chat_typing_set,
)

MAX_BODY = 64 * 1024
_VISITOR_ID = re.compile(r"^[A-Za-z0-9_-]{8,64}$")
WIDGET_JS = Path(__file__).resolve().parent / "static" / "chat" / "widget.js"
CORS_HEADERS = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Allow-Methods": "GET, POST, OPTIONS",
    "Access-Control-Allow-Headers": "Content-Type, Last-Event-ID",
    "Access-Control-Max-Age": "86400",
}

WidgetView = Callable[..., HttpResponseBase]
# The widget's own endpoints are used from brands' sites: Hovor's "never inside another
# site" (X-Frame-Options DENY, frame-ancestors 'none') is lifted for them alone.
EMBEDDABLE_CSP = {"frame-ancestors": None}


def _error(status: int, message: str) -> JsonResponse:
    return JsonResponse({"error": message}, status=status)


def widget_endpoint(*methods: str) -> Callable[[WidgetView], Callable[..., HttpResponseBase]]:
    """CORS for any origin (preflight included), the method check, the account lookup (404
    for an unknown or disconnected one) and ChatRequestError → its status, for every
    widget endpoint."""

    def decorate(view: WidgetView) -> Callable[..., HttpResponseBase]:
        @csrf_exempt
        @xframe_options_exempt
        @wraps(view)
        def wrapper(request: HttpRequest, account_id: int, **kwargs: Any) -> HttpResponseBase:
            response: HttpResponseBase
            if request.method == "OPTIONS":
                response = HttpResponse(status=204)
            elif request.method not in methods:
                response = _error(405, "method not allowed")
                response["Allow"] = ", ".join((*methods, "OPTIONS"))
            else:
                account = chat_account(account_id=account_id)
                if account is None:
                    response = _error(404, "unknown account")
                else:
                    try:
                        response = view(request, account, **kwargs)
                    except ChatRequestError as exc:
                        response = _error(exc.status, exc.message)
            for name, value in CORS_HEADERS.items():
                response[name] = value
            return response

        return cast(Callable[..., HttpResponseBase], csp_replace(EMBEDDABLE_CSP)(cast(Any, wrapper)))

    return decorate


# --- input ------------------------------------------------------------------------------
def _body(request: HttpRequest) -> dict[str, Any]:
    """A JSON object (sent as application/json or, to skip the CORS preflight, text/plain)."""
    if int(request.headers.get("Content-Length") or 0) > MAX_BODY:
        raise ChatRequestError("body too large", status=413)
    raw = request.body
    if len(raw) > MAX_BODY:
        raise ChatRequestError("body too large", status=413)
    try:
        body = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise ChatRequestError("body must be JSON in UTF-8")
    if not isinstance(body, dict):
        raise ChatRequestError("body must be a JSON object")
    return body


def _string(body: dict[str, Any], key: str, *, max_length: int, required: bool = False) -> str:
    value = body.get(key)
    if value is None or value == "":
        if required:
            raise ChatRequestError(f"{key} is required")
        return ""
    if not isinstance(value, str):
        raise ChatRequestError(f"{key} must be a string")
    if len(value) > max_length:
        raise ChatRequestError(f"{key} is too long (at most {max_length} characters)")
    if "\x00" in value:
        raise ChatRequestError(f"{key} contains a NUL character")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate from a \ud800 escape
        raise ChatRequestError(f"{key} is not valid Unicode")
    return value


def _email(body: dict[str, Any], *, required: bool = False) -> str:
    email = _string(body, "email", max_length=254, required=required).strip()
    if email:
        try:
            validate_email(email)
        except ValidationError:
            raise ChatRequestError("email is not a valid address")
    return email


def _bool(body: dict[str, Any], key: str, default: bool) -> bool:
    value = body.get(key, default)
    if not isinstance(value, bool):
        raise ChatRequestError(f"{key} must be true or false")
    return value


def _session(account: BrandAccount, token: object) -> ChatSession:
    session = chat_session_for_token(account=account, token=token) if isinstance(token, str) else None
    if session is None:
        raise ChatRequestError("unknown session", status=404)
    return session


def _cursor(value: str | None) -> int:
    value = (value or "").strip()
    return int(value) if value.isdigit() and len(value) < 12 else 0


# --- widget endpoints -------------------------------------------------------------------
@require_GET
@xframe_options_exempt
@csp_replace(EMBEDDABLE_CSP)
def widget_js(request: HttpRequest) -> HttpResponse:
    response = HttpResponse(WIDGET_JS.read_bytes(), content_type="application/javascript; charset=utf-8")
    response["Access-Control-Allow-Origin"] = "*"
    response["Cache-Control"] = "public, max-age=300"
    return response


@widget_endpoint("GET")
def config_view(request: HttpRequest, account: BrandAccount) -> HttpResponse:
    response = JsonResponse(chat_widget_config(account=account), json_dumps_params={"ensure_ascii": False})
    response["Cache-Control"] = "no-cache"
    return response


@widget_endpoint("POST")
def sessions_view(request: HttpRequest, account: BrandAccount) -> HttpResponse:
    body = _body(request)
    visitor_id = _string(body, "visitor_id", max_length=64, required=True)
    if not _VISITOR_ID.match(visitor_id):
        raise ChatRequestError("visitor_id must be 8-64 letters, digits, '-' or '_'")
    session, token, created = chat_session_open(
        account=account,
        visitor_id=visitor_id,
        token=_string(body, "session", max_length=200),
        name=_string(body, "name", max_length=200).strip(),
        email=_email(body),
    )
    data = {
        "session": token,
        "visitor_id": visitor_id,
        "resumed": not created,
        "name": session.name,
        "email": session.email,
        "followup": session.followup_by_email,
        "max_length": CHAT_LIMITS.max_length,
        **chat_widget_config(account=account),
    }
    return JsonResponse(data, status=201 if created else 200, json_dumps_params={"ensure_ascii": False})


@widget_endpoint("POST")
def messages_view(request: HttpRequest, account: BrandAccount) -> HttpResponse:
    body = _body(request)
    session = _session(account, body.get("session"))
    try:
        client_msg_id = uuid.UUID(_string(body, "client_msg_id", max_length=64, required=True))
    except ValueError:
        raise ChatRequestError("client_msg_id must be a UUID")
    text = _string(body, "text", max_length=CHAT_LIMITS.max_length, required=True)
    if not text.strip():
        raise ChatRequestError("text is empty")
    page = _string(body, "page", max_length=2000)
    event, created = chat_message_receive(
        account=account,
        session=session,
        client_msg_id=client_msg_id,
        text=text,
        name=_string(body, "name", max_length=200).strip(),
        email=_email(body),
        page=page if page.startswith(("http://", "https://")) else "",
    )
    data = {"seq": event.seq, "client_msg_id": str(client_msg_id), "duplicate": not created}
    return JsonResponse(data, status=201 if created else 200)


@widget_endpoint("GET")
def events_view(request: HttpRequest, account: BrandAccount) -> HttpResponseBase:
    session = _session(account, request.GET.get("session"))
    # EventSource resends the same URL on reconnect, with Last-Event-ID: that one wins.
    after = _cursor(request.headers.get("Last-Event-ID")) or _cursor(request.GET.get("after"))
    chat_session_seen(session=session)
    response = StreamingHttpResponse(
        stream.event_stream(session_id=session.pk, session_key=session.key, after=after, author=account.brand.name),
        content_type="text/event-stream; charset=utf-8",
    )
    response["Cache-Control"] = "no-cache, no-transform"
    response["X-Accel-Buffering"] = "no"  # nginx: pass each event on at once
    return response


@widget_endpoint("GET")
def file_view(request: HttpRequest, account: BrandAccount, seq: int, index: int) -> HttpResponseBase:
    """An agent's file of this visitor's conversation (the session token in the query, as
    for the event stream: an <img> sends no headers). A picture the chat verified is sent
    inline as its type; anything else as application/octet-stream, a download. Every answer
    carries nosniff and a sandboxing Content-Security-Policy."""
    session = _session(account, request.GET.get("session"))
    file = chat_reply_file(session=session, seq=seq, index=index)
    if file is None or not default_storage.exists(str(file.get("name") or "")):
        raise ChatRequestError("unknown file", status=404)
    image = bool(file.get("image"))
    response = FileResponse(
        default_storage.open(str(file["name"]), "rb"),
        as_attachment=not image,
        filename=str(file.get("filename") or "file"),
        content_type=str(file.get("content_type")) if image else "application/octet-stream",
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cross-Origin-Resource-Policy"] = "cross-origin"  # shown on the brand's own site
    response["Cache-Control"] = "private, max-age=3600"
    response["Referrer-Policy"] = "no-referrer"
    return response


@widget_endpoint("POST")
def typing_view(request: HttpRequest, account: BrandAccount) -> HttpResponse:
    body = _body(request)
    session = _session(account, body.get("session"))
    chat_typing_set(session_key=session.key, who="visitor", typing=_bool(body, "typing", True))
    return HttpResponse(status=204)


@widget_endpoint("POST")
def contact_view(request: HttpRequest, account: BrandAccount) -> HttpResponse:
    body = _body(request)
    session = _session(account, body.get("session"))
    followup = body.get("followup")
    chat_contact_update(
        session=session,
        name=_string(body, "name", max_length=200).strip(),
        email=_email(body),
        followup=_bool(body, "followup", False) if followup is not None else None,
    )
    return JsonResponse({"name": session.name, "email": session.email, "followup": session.followup_by_email})


@widget_endpoint("POST")
def transcript_view(request: HttpRequest, account: BrandAccount) -> HttpResponse:
    body = _body(request)
    session = _session(account, body.get("session"))
    email = _email(body) or session.email
    if not email:
        raise ChatRequestError("email is required")
    chat_transcript_request(session=session, email=email)
    return JsonResponse({"sent_to": email}, status=202)


@require_GET
def demo_view(request: HttpRequest, account_id: int) -> HttpResponse:
    account = chat_account(account_id=account_id)
    if account is None:
        raise Http404("No such chat account")
    return render(request, "chat/demo.html", {"account": account})
