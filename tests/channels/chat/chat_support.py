"""Helpers for the chat tests: the widget's side of the protocol over Django's test client."""
from __future__ import annotations

import json
import uuid
from typing import Any

from django.test import Client


class Widget:
    """What the widget does, over Django's test client (no cookies are ever needed)."""

    def __init__(self, client: Client, account_id: int, visitor_id: str | None = None) -> None:
        self.client = client
        self.account_id = account_id
        self.visitor_id = visitor_id or str(uuid.uuid4())
        self.session = ""

    def url(self, path: str) -> str:
        return f"/chat/{self.account_id}/{path}"

    def post(self, path: str, body: Any, **extra: Any) -> Any:
        data = body if isinstance(body, (bytes, str)) else json.dumps(body)
        return self.client.post(self.url(path), data=data, content_type="text/plain;charset=UTF-8", **extra)

    def open(self, **fields: Any) -> Any:
        response = self.post("sessions", {"visitor_id": self.visitor_id, "session": self.session, **fields})
        assert response.status_code in (200, 201), response.content
        self.session = response.json()["session"]
        return response

    def write(self, text: str, client_msg_id: str | None = None, **fields: Any) -> Any:
        body = {"session": self.session, "client_msg_id": client_msg_id or str(uuid.uuid4()), "text": text, **fields}
        return self.post("messages", body)

    def events_raw(self, after: int | None = None, last_event_id: str | None = None) -> str:
        query = f"?session={self.session}" + (f"&after={after}" if after is not None else "")
        extra = {"HTTP_LAST_EVENT_ID": last_event_id} if last_event_id is not None else {}
        response = self.client.get(self.url("events") + query, **extra)
        assert response.status_code == 200, response
        return b"".join(response.streaming_content).decode("utf-8")

    def events(self, after: int | None = None, last_event_id: str | None = None) -> list[dict[str, Any]]:
        return parse_sse(self.events_raw(after=after, last_event_id=last_event_id))


def parse_sse(raw: str) -> list[dict[str, Any]]:
    """Split an event stream into the events EventSource would dispatch (those with data)."""
    events = []
    for block in raw.split("\n\n"):
        fields: dict[str, Any] = {}
        for line in block.split("\n"):
            if not line or line.startswith(":"):
                continue
            name, _, value = line.partition(":")
            fields[name] = value[1:] if value.startswith(" ") else value
        if "data" in fields:
            fields["json"] = json.loads(fields["data"])
            events.append(fields)
    return events
