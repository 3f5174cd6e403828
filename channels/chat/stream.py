"""The widget's server-sent event stream: a plain generator for StreamingHttpResponse that
polls the database every TICK seconds for up to STREAM_SECONDS, then ends; the browser's
EventSource reconnects by itself and sends Last-Event-ID, so nothing is lost in between.

A bounded stream suits the threaded dev server and gunicorn's sync workers (each open widget
holds a thread or worker for at most STREAM_SECONDS, below gunicorn's 30 s timeout). Each
tick costs one indexed query (seq > cursor in one session) and one cache read (typing).
Something is written at least every HEARTBEAT seconds: a visitor who left is noticed at the
next write (it fails), which frees the thread or worker at once.

Wire format (https://html.spec.whatwg.org/multipage/server-sent-events.html):

    retry: 500                        reconnect half a second after the stream ends

    id: 7                             the session's event number: the resume cursor
    event: message
    data: {"seq": 7, "from": "agent", "text": "…", "client_msg_id": null, "at": "…", "author": "Acme",
           "files": [{"index": 0, "filename": "…", "content_type": "image/png", "size": 1234, "image": true}]}

    event: typing                     no id: it does not move the cursor
    data: {"typing": true}

    :                                 a comment when idle for HEARTBEAT seconds
"""
from __future__ import annotations

import itertools
import json
import time
from collections.abc import Iterator
from typing import Any

from .files import public_files
from .models import ChatEventKind
from .selectors import chat_events_after, chat_is_typing

STREAM_SECONDS = 25.0
TICK = 0.5
HEARTBEAT = 1.0
RETRY_MS = 500
PAGE = 100

_ids = itertools.count()
_open: set[int] = set()


def open_streams() -> int:
    """How many streams this process is serving now."""
    return len(_open)


def sse(*, data: dict[str, Any], event: str = "", id: str = "") -> str:  # noqa: A002 (the SSE field's name)
    lines = []
    if id:
        lines.append(f"id: {id}")
    if event:
        lines.append(f"event: {event}")
    # JSON never contains a raw newline, so one data line carries the whole object.
    lines.append("data: " + json.dumps(data, ensure_ascii=False))
    return "\n".join(lines) + "\n\n"


def message_data(row: dict[str, Any], *, author: str) -> dict[str, Any]:
    visitor = row["kind"] == ChatEventKind.VISITOR
    return {
        "seq": row["seq"],
        "from": "visitor" if visitor else "agent",
        "text": row["text"],
        "client_msg_id": str(row["client_msg_id"]) if row["client_msg_id"] else None,
        "at": row["created_at"].isoformat(),
        "author": "" if visitor else author,
        # An agent's files: the widget fetches each from files/<seq>/<index> with its session.
        "files": public_files(row.get("files")),
    }


def event_stream(*, session_id: int, session_key: str, after: int, author: str) -> Iterator[str]:
    stream_id = next(_ids)
    _open.add(stream_id)
    try:
        yield from _events(session_id=session_id, session_key=session_key, after=after, author=author)
    finally:
        _open.discard(stream_id)


def _events(*, session_id: int, session_key: str, after: int, author: str) -> Iterator[str]:
    deadline = time.monotonic() + STREAM_SECONDS
    yield f"retry: {RETRY_MS}\n: hovor chat\n\n"
    cursor = after
    typing_shown = False
    last_sent = time.monotonic()
    while True:
        rows = chat_events_after(session_id=session_id, after=cursor, limit=PAGE)
        for row in rows:
            cursor = row["seq"]
            yield sse(id=str(cursor), event="message", data=message_data(row, author=author))
            last_sent = time.monotonic()
        typing = chat_is_typing(session_key=session_key, who="agent")
        if typing != typing_shown:
            typing_shown = typing
            yield sse(event="typing", data={"typing": typing})
            last_sent = time.monotonic()
        if len(rows) == PAGE:
            continue  # a long history: send the rest at once
        now = time.monotonic()
        if now >= deadline:
            return
        if now - last_sent >= HEARTBEAT:
            yield ":\n\n"
            last_sent = now
        time.sleep(min(TICK, max(deadline - now, 0.0)))
