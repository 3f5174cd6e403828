"""The widget protocol: sessions, idempotent messages, 404s for unknown accounts and
sessions, CORS for any origin, the server-sent event stream and its resume, typing, and
hostile or malformed input creating nothing."""

from __future__ import annotations

import json
import uuid
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.utils import timezone

from channels.chat.models import ChatEvent, ChatSession
from channels.chat.selectors import token_hash
from channels.models import AccountStatus, InboundEvent
from channels.services import brand_account_connect
from tests.channels.chat.chat_support import Widget, parse_sse

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("one_pass_stream")]

CZECH = "Dobrý den, kde je moje objednávka č. 12345? Příliš žluťoučký kůň 🐴"
MIXED = "Zażółć gęślą jaźń · Здравейте, поръчката ми закъснява · 👨‍👩‍👧 🙏🏽"
HOSTILE = "<img src=x onerror=alert(1)> <script>alert('x')</script> &amp; &lt;b&gt;"
WHITESPACE = "  two leading spaces\n\nblank line above\r\ntrailing  \t"
ENDPOINTS = ["config", "sessions", "messages", "events", "typing", "contact", "transcript"]


def nothing_created() -> None:
    assert ChatEvent.objects.count() == 0
    assert InboundEvent.objects.count() == 0


# --- CORS and accounts ------------------------------------------------------------------
@pytest.mark.parametrize("path", ENDPOINTS)
def test_preflight_allows_any_origin(client: Client, chat_account: Any, path: str) -> None:
    response = client.options(
        f"/chat/{chat_account.pk}/{path}",
        HTTP_ORIGIN="https://shop.example",
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST",
        HTTP_ACCESS_CONTROL_REQUEST_HEADERS="content-type",
    )
    assert response.status_code == 204
    assert response["Access-Control-Allow-Origin"] == "*"
    assert "POST" in response["Access-Control-Allow-Methods"]
    assert "Content-Type" in response["Access-Control-Allow-Headers"]
    assert "Last-Event-ID" in response["Access-Control-Allow-Headers"]
    assert "Set-Cookie" not in response


def test_responses_carry_cors_headers(client: Client, widget: Widget) -> None:
    for response in (
        client.get(widget.url("config"), HTTP_ORIGIN="https://shop.example"),
        widget.open(),
        widget.write("hello"),
        widget.post("typing", {"session": widget.session}),
        widget.post("messages", {"session": "nope"}),  # errors too, or the widget cannot read them
    ):
        assert response["Access-Control-Allow-Origin"] == "*", response
    response = client.get(widget.url("events") + f"?session={widget.session}")
    assert response["Access-Control-Allow-Origin"] == "*"
    b"".join(response.streaming_content)


@pytest.mark.parametrize("path", ENDPOINTS)
def test_unknown_account_is_404(client: Client, db: None, path: str) -> None:
    response = client.post(f"/chat/999999/{path}", data="{}", content_type="application/json")
    if path in ("config", "events"):
        response = client.get(f"/chat/999999/{path}?session=x")
    assert response.status_code == 404
    assert response.json() == {"error": "unknown account"}
    assert response["Access-Control-Allow-Origin"] == "*"


def test_disconnected_or_non_chat_account_is_404(client: Client, chat_account: Any, brand: Any) -> None:
    x = brand_account_connect(brand=brand, platform="x", handle="@AcmeCare", credentials={})
    assert client.get(f"/chat/{x.pk}/config").status_code == 404
    chat_account.status = AccountStatus.DISABLED
    chat_account.save()
    assert client.get(f"/chat/{chat_account.pk}/config").status_code == 404


def test_wrong_method_is_405(client: Client, widget: Widget) -> None:
    assert client.get(widget.url("messages")).status_code == 405
    assert client.post(widget.url("config")).status_code == 405


# --- config and sessions ----------------------------------------------------------------
def test_config_comes_from_account_options(client: Client, chat_account: Any) -> None:
    data = client.get(f"/chat/{chat_account.pk}/config").json()
    assert data["color"] == "#0f766e"
    assert data["greeting"] == "Ahoj! Jak vám můžeme pomoci?"
    assert data["hours_text"] == "We answer 8–17 CET"
    assert data["title"] == data["brand"] == "Acme"
    assert data["online"] is False  # no agent has been seen
    assert data["back_at"] is None  # no staffed hours set: always staffed


def test_config_says_when_the_team_is_back_off_hours(client: Client, chat_account: Any) -> None:
    from datetime import time

    from shifts.actions import business_hours_set
    from shifts.selectors import Period

    now = timezone.now()
    tomorrow = (now + timedelta(days=1)).astimezone(ZoneInfo("Europe/Prague"))
    business_hours_set(
        brand=chat_account.brand, timezone="Europe/Prague", periods=[Period(tomorrow.weekday(), time(9), time(10))]
    )
    data = client.get(f"/chat/{chat_account.pk}/config").json()
    back = datetime.fromisoformat(data["back_at"])
    assert back > now and back.date() == tomorrow.date() and (back.hour, back.minute) == (9, 0)
    assert back.utcoffset() == tomorrow.utcoffset()


def test_config_ignores_a_colour_that_is_not_one(client: Client, chat_account: Any) -> None:
    chat_account.options = {"color": "red;background:url(//evil)"}
    chat_account.save()
    data = client.get(f"/chat/{chat_account.pk}/config").json()
    assert data["color"] == "#2563eb"
    assert data["hours_text"] == "We usually answer within a few hours"


def test_session_create_and_resume(client: Client, chat_account: Any) -> None:
    w = Widget(client, chat_account.pk)
    first = w.open(name="Jana Nováková")
    assert first.status_code == 201
    token = first.json()["session"]
    assert len(token) >= 40
    session = ChatSession.objects.get()
    assert session.token_hash == token_hash(token) and token not in session.token_hash  # never stored in clear
    assert session.name == "Jana Nováková"

    again = w.open()
    assert again.status_code == 200
    assert again.json()["session"] == token and again.json()["resumed"] is True
    assert ChatSession.objects.count() == 1

    # Someone else's token (another visitor id) does not resume it: a new session starts.
    other = Widget(client, chat_account.pk)
    other.session = token
    assert other.open().status_code == 201
    assert other.session != token
    assert ChatSession.objects.count() == 2


@pytest.mark.parametrize("visitor_id", ["", "short", "x" * 65, "has space in it", 12345678, None])
def test_bad_visitor_id_is_400(client: Client, chat_account: Any, visitor_id: Any) -> None:
    response = Widget(client, chat_account.pk).post("sessions", {"visitor_id": visitor_id})
    assert response.status_code == 400
    assert ChatSession.objects.count() == 0


# --- messages ---------------------------------------------------------------------------
@pytest.mark.parametrize("text", [CZECH, MIXED, HOSTILE, WHITESPACE])
def test_text_is_stored_byte_for_byte(widget: Widget, text: str) -> None:
    client_msg_id = str(uuid.uuid4())
    response = widget.write(text, client_msg_id=client_msg_id, name="Иван Петров", email="ivan@example.bg")
    assert response.status_code == 201
    assert response.json() == {"seq": 1, "client_msg_id": client_msg_id, "duplicate": False}
    event = ChatEvent.objects.get()
    assert event.text == text
    raw = InboundEvent.objects.get()
    assert raw.kind == "chat"
    assert raw.platform_id == f"{event.session.key}:{client_msg_id}"
    assert raw.payload["text"] == text
    assert raw.payload["name"] == "Иван Петров" and raw.payload["email"] == "ivan@example.bg"
    (streamed,) = widget.events()
    assert streamed["json"]["text"] == text
    assert streamed["json"]["from"] == "visitor"
    assert streamed["json"]["client_msg_id"] == client_msg_id


def test_resend_with_same_client_msg_id_is_idempotent(widget: Widget) -> None:
    client_msg_id = str(uuid.uuid4())
    first = widget.write(CZECH, client_msg_id=client_msg_id)
    again = widget.write(CZECH, client_msg_id=client_msg_id)
    upper = widget.write(CZECH, client_msg_id=client_msg_id.upper())  # the same UUID, spelled differently
    assert first.status_code == 201
    assert again.status_code == 200 and again.json()["duplicate"] is True
    assert upper.status_code == 200 and upper.json()["seq"] == first.json()["seq"]
    assert ChatEvent.objects.count() == 1
    assert InboundEvent.objects.count() == 1
    assert len(widget.events()) == 1


def test_same_client_msg_id_in_another_session_is_another_message(client: Client, chat_account: Any) -> None:
    client_msg_id = str(uuid.uuid4())
    for _ in range(2):
        w = Widget(client, chat_account.pk)
        w.open()
        assert w.write("hi", client_msg_id=client_msg_id).status_code == 201
    assert ChatEvent.objects.count() == 2 and InboundEvent.objects.count() == 2


def test_unknown_session_is_404(client: Client, widget: Widget, chat_account: Any, brand: Any) -> None:
    body = {"session": "not-a-session", "client_msg_id": str(uuid.uuid4()), "text": "hi", "email": "a@b.cz"}
    for path in ("messages", "typing", "contact", "transcript"):
        response = widget.post(path, body)
        assert response.status_code == 404, path
        assert response.json() == {"error": "unknown session"}
    assert client.get(widget.url("events") + "?session=not-a-session").status_code == 404
    assert client.get(widget.url("events")).status_code == 404
    # A real session, but of another chat account.
    other = brand_account_connect(brand=brand, platform="chat", handle="other.example", credentials={})
    stranger = Widget(client, other.pk)
    stranger.session = widget.session
    assert stranger.write("hi").status_code == 404
    nothing_created()


@pytest.mark.parametrize(
    "body",
    [
        b"{not json",
        b'{"text": "\xff\xfe broken utf-8"}',
        b"[1, 2, 3]",
        b'"a string"',
        b"",
    ],
)
def test_unreadable_bodies_are_400(widget: Widget, body: bytes) -> None:
    response = widget.post("messages", body)
    assert response.status_code == 400
    nothing_created()


@pytest.mark.parametrize(
    "change",
    [
        {"client_msg_id": "not-a-uuid"},
        {"client_msg_id": None},
        {"client_msg_id": 42},
        {"text": ""},
        {"text": "   \n "},
        {"text": None},
        {"text": ["a"]},
        {"text": "x" * 5001},
        {"text": "nul \x00 inside"},
        {"text": "\ud800 lone surrogate"},
        {"email": "not an address"},
        {"email": 5},
        {"name": "n" * 201},
    ],
)
def test_invalid_fields_are_400(widget: Widget, change: dict[str, Any]) -> None:
    body = {"session": widget.session, "client_msg_id": str(uuid.uuid4()), "text": "hello", **change}
    response = widget.post("messages", json.dumps(body).encode())
    assert response.status_code == 400, response.content
    nothing_created()


def test_huge_body_is_413(widget: Widget) -> None:
    body = json.dumps({"session": widget.session, "client_msg_id": str(uuid.uuid4()), "text": "x" * (10 * 1024 * 1024)})
    response = widget.post("messages", body)
    assert response.status_code == 413
    nothing_created()


def test_json_content_type_works_too(client: Client, widget: Widget) -> None:
    body = {"session": widget.session, "client_msg_id": str(uuid.uuid4()), "text": "hi"}
    response = client.post(widget.url("messages"), data=body, content_type="application/json")
    assert response.status_code == 201


# --- the event stream -------------------------------------------------------------------
def test_stream_format_and_resume(widget: Widget) -> None:
    for text in ("one", "two", "three"):
        widget.write(text)
    raw = widget.events_raw(after=0)
    assert raw.startswith("retry: 500\n")
    blocks = [b for b in raw.split("\n\n") if b.startswith("id:")]
    assert blocks[0].split("\n") == [
        "id: 1",
        "event: message",
        blocks[0].split("\n")[2],
    ]
    assert blocks[0].split("\n")[2].startswith("data: {")
    events = parse_sse(raw)
    assert [e["id"] for e in events if "id" in e] == ["1", "2", "3"]
    assert [e["json"]["text"] for e in events if "id" in e] == ["one", "two", "three"]

    assert [e["json"]["text"] for e in widget.events(after=2)] == ["three"]
    # EventSource reconnects to the same URL with Last-Event-ID: the header wins.
    assert [e["json"]["text"] for e in widget.events(after=0, last_event_id="1")] == ["two", "three"]
    assert widget.events(last_event_id="3") == []
    # A nonsense cursor is the start.
    assert len(widget.events(after=0, last_event_id="abc")) == 3


def test_stream_response_headers(client: Client, widget: Widget) -> None:
    response = client.get(widget.url("events") + f"?session={widget.session}")
    assert response["Content-Type"] == "text/event-stream; charset=utf-8"
    assert "no-cache" in response["Cache-Control"]
    assert response["X-Accel-Buffering"] == "no"
    assert response.streaming
    b"".join(response.streaming_content)


def test_stream_is_one_query_per_tick(widget: Widget, monkeypatch: Any) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from channels.chat import stream

    widget.write("hello")
    clock = [0.0]
    sleeps: list[float] = []

    def sleep(seconds: float) -> None:
        sleeps.append(seconds)
        clock[0] += seconds

    monkeypatch.setattr(stream, "STREAM_SECONDS", 2.0)
    monkeypatch.setattr(stream.time, "sleep", sleep)
    monkeypatch.setattr(stream.time, "monotonic", lambda: clock[0])
    gen = stream.event_stream(session_id=ChatSession.objects.get().pk, session_key="k", after=0, author="Acme")
    with CaptureQueriesContext(connection) as queries:
        chunks = list(gen)
    assert sum(1 for chunk in chunks if chunk.startswith("id:")) == 1
    assert sleeps == [0.5, 0.5, 0.5, 0.5]
    assert len(queries) == len(sleeps) + 1  # one per tick, the last one at the deadline
    assert all('FROM "chat_chatevent"' in q["sql"] for q in queries.captured_queries)


def test_agent_typing_reaches_the_stream(client: Client, widget: Widget) -> None:
    from channels.chat.services import chat_typing_set

    chat_typing_set(session_key=ChatSession.objects.get().key, who="agent", typing=True)
    (event,) = widget.events()
    assert event["event"] == "typing" and event["json"] == {"typing": True}
    assert "id" not in event  # typing never moves the resume cursor


def test_visitor_typing_is_shown_to_the_agent(client: Client, widget: Widget, agent: User) -> None:
    from channels.chat.selectors import chat_is_typing

    key = ChatSession.objects.get().key
    assert widget.post("typing", {"session": widget.session}).status_code == 204
    assert chat_is_typing(session_key=key, who="visitor")
    assert widget.post("typing", {"session": widget.session, "typing": False}).status_code == 204
    assert not chat_is_typing(session_key=key, who="visitor")
    assert widget.post("typing", {"session": widget.session, "typing": "yes"}).status_code == 400


# --- widget script and demo page ----------------------------------------------------------
def test_widget_script_is_served_for_any_origin(client: Client, db: None) -> None:
    response = client.get("/chat/widget.js")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/javascript")
    assert response["Access-Control-Allow-Origin"] == "*"
    body = response.content.decode()
    assert "attachShadow" in body
    assert ".innerHTML" not in body  # message text is only ever set with textContent


def test_demo_page_embeds_the_widget(client: Client, chat_account: Any) -> None:
    response = client.get(f"/chat/demo/{chat_account.pk}/")
    assert response.status_code == 200
    html = response.content.decode()
    assert f'<script src="/chat/widget.js" data-account="{chat_account.pk}" async></script>' in html
    assert client.get("/chat/demo/999999/").status_code == 404
