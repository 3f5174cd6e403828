"""The loopback Viber fake over HTTP, as any REST Bot API client sees it: status codes in 200
answers, set_webhook's check, signed callbacks pushed and retried, send_message's rules, the
control plane (fakes.base's, in its shared shape), the standalone `python -m fakes.viber`,
and the demo's declaration."""
from __future__ import annotations

import hashlib
import hmac
import json
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import requests

from fakes.demo import LANGUAGES, DemoRun, declared
from fakes.viber import ACCOUNT_ID, DEMO, DEMO_AUTH_TOKEN, INBOUND_KINDS, FakeViber, serialize
from tests.channels.viber.viber_support import AUTH_TOKEN

REPO_ROOT = Path(__file__).resolve().parents[3]
SIGNATURE = "X-Viber-Content-Signature"


def api(fake: FakeViber, method: str, token: str | None = AUTH_TOKEN, **params: Any) -> requests.Response:
    headers = {"X-Viber-Auth-Token": token} if token is not None else {}
    return requests.post(f"{fake.base_url}/pa/{method}", json=params, headers=headers, timeout=10)


def ctl(fake: FakeViber, method: str, path: str, body: Any = None) -> requests.Response:
    return requests.request(method, fake.base_url + path, json=body, timeout=10)


def signed_by(body: bytes, token: str = AUTH_TOKEN) -> str:
    return hmac.new(token.encode(), body, hashlib.sha256).hexdigest()


class Receiver:
    """A webhook endpoint on loopback that answers with the statuses it is given."""

    def __init__(self, statuses: list[int]) -> None:
        self.statuses = statuses
        self.received: list[tuple[dict[str, str], bytes]] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                receiver.received.append((dict(self.headers), body))
                status = receiver.statuses.pop(0) if receiver.statuses else 200
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self.thread.start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"

    def events(self) -> list[str]:
        return [json.loads(body)["event"] for _, body in self.received]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def fake() -> Iterator[FakeViber]:
    with FakeViber(auth_token=AUTH_TOKEN, retry_delay=0.02) as server:
        yield server


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver([])
    yield r
    r.close()


def wait(predicate: Any, timeout: float = 5.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.02)
    return bool(predicate())


# --- auth and shape -----------------------------------------------------------------------
@pytest.mark.parametrize("token", [None, "", "wrong"])
def test_a_missing_or_wrong_token_is_status_2_in_a_200(fake: FakeViber, token: str | None) -> None:
    response = api(fake, "get_account_info", token=token)
    assert response.status_code == 200
    assert response.json()["status"] == 2 and response.json()["status_message"] == "invalidAuthToken"


def test_unknown_method_and_get_are_404(fake: FakeViber) -> None:
    assert api(fake, "no_such_method").status_code == 404
    assert requests.get(f"{fake.base_url}/pa/get_account_info", timeout=5).status_code == 404


def test_a_body_that_is_not_json_is_bad_data(fake: FakeViber) -> None:
    response = requests.post(f"{fake.base_url}/pa/send_message", data=b"{nope",
                             headers={"X-Viber-Auth-Token": AUTH_TOKEN}, timeout=5)
    assert response.json()["status"] == 3


def test_account_info(fake: FakeViber, receiver: Receiver) -> None:
    info = api(fake, "get_account_info").json()
    assert info["status"] == 0 and info["id"] == ACCOUNT_ID and info["name"] == "Acme Care"
    assert "webhook" not in info
    api(fake, "set_webhook", url=receiver.url, event_types=["delivered"])
    info = api(fake, "get_account_info").json()
    assert info["webhook"] == receiver.url and info["event_types"] == ["delivered"]


def test_user_details(fake: FakeViber) -> None:
    uid = fake.inbound("@jana", "Jana Nováková", "Ahoj")["sender"]["id"]
    assert api(fake, "get_user_details", id=uid).json()["user"]["name"] == "Jana Nováková"
    assert api(fake, "get_user_details", id="nobody").json()["status"] == 5


# --- set_webhook ------------------------------------------------------------------------
def test_set_webhook_sends_a_signed_check_first(fake: FakeViber, receiver: Receiver) -> None:
    answer = api(fake, "set_webhook", url=receiver.url, send_name=True, send_photo=True).json()
    assert answer["status"] == 0 and answer["event_types"] == [
        "delivered", "seen", "failed", "subscribed", "unsubscribed", "conversation_started"
    ]
    ((headers, body),) = receiver.received
    assert json.loads(body)["event"] == "webhook"
    assert headers[SIGNATURE] == signed_by(body)


def test_a_webhook_that_does_not_answer_200_is_not_set(fake: FakeViber, receiver: Receiver) -> None:
    receiver.statuses = [403]
    answer = api(fake, "set_webhook", url=receiver.url).json()
    assert answer["status"] == 1 and "403" in answer["status_message"]
    assert fake.webhook() is None
    assert api(fake, "set_webhook", url="ftp://example.com/").json()["status"] == 1
    assert api(fake, "set_webhook", url="http://127.0.0.1:9/").json()["status"] == 1  # nobody there


def test_an_empty_url_removes_the_webhook(fake: FakeViber, receiver: Receiver) -> None:
    api(fake, "set_webhook", url=receiver.url)
    assert api(fake, "set_webhook", url="").json()["status"] == 0
    assert fake.webhook() is None


# --- callbacks --------------------------------------------------------------------------
def test_callbacks_are_signed_pushed_in_order_and_retried(fake: FakeViber, receiver: Receiver) -> None:
    api(fake, "set_webhook", url=receiver.url)
    receiver.statuses = [500, 503]  # Viber tries again until it gets a 200
    first = fake.inbound("@jana", "Jana", "Dobrý den 📦")
    second = fake.inbound("@jana", "Jana", "Jste tam?")
    assert fake.wait_pushed(timeout=5)
    messages = [(h, b) for h, b in receiver.received if json.loads(b)["event"] == "message"]
    assert [json.loads(b)["message_token"] for _, b in messages] == [first["message_token"]] * 3 + [
        second["message_token"]
    ]
    for headers, body in messages:
        assert headers[SIGNATURE] == signed_by(body)
        assert body == serialize(json.loads(body))  # exactly the bytes that were signed
    assert "Dobrý den 📦".encode() in messages[0][1]  # UTF-8 as is, not \\u escapes
    assert first["timestamp"] < second["timestamp"] and first["message_token"] < second["message_token"]


def test_event_types_filter_all_but_messages_and_subscriptions(fake: FakeViber, receiver: Receiver) -> None:
    api(fake, "set_webhook", url=receiver.url, event_types=["delivered"])
    uid = fake.inbound("@jana", "Jana", "Ahoj")["sender"]["id"]
    token = api(fake, "send_message", receiver=uid, type="text", text="Dobrý den", sender={"name": "Acme"}).json()[
        "message_token"
    ]
    fake.receipt(token, "seen")
    fake.open("@ivan")
    fake.unsubscribe("@jana")
    assert fake.wait_pushed()
    assert receiver.events() == ["webhook", "message", "delivered", "unsubscribed"]


def test_callback_shapes(fake: FakeViber) -> None:
    message = fake.inbound("@ivan", "Иван Петров", "бул. Витоша 1", kind="location", lat=42.7, lon=23.3,
                           language="bg", country="BG")
    location = {"lat": 42.7, "lon": 23.3, "address": "бул. Витоша 1"}
    assert message["message"] == {"type": "location", "location": location}
    assert message["sender"]["language"] == "bg" and isinstance(message["message_token"], int)
    picture = fake.inbound("@ivan", None, "Ето", kind="picture")
    assert set(picture["message"]) == {"type", "media", "thumbnail", "size", "text"}
    opened = fake.open("@newbie", "Nový", context="qr-shop")
    assert opened["subscribed"] is False and opened["context"] == "qr-shop" and opened["type"] == "open"
    assert fake.open("@ivan")["subscribed"] is True
    assert set(fake.unsubscribe("@ivan")) == {"event", "timestamp", "chat_hostname", "user_id", "message_token"}


# --- send_message -----------------------------------------------------------------------
def test_send_message_rules(fake: FakeViber, receiver: Receiver) -> None:
    uid = fake.inbound("@jana", "Jana", "Ahoj")["sender"]["id"]
    text = {"type": "text", "text": "Dobrý den", "sender": {"name": "Acme"}}
    assert api(fake, "send_message", receiver=uid, **text).json()["status"] == 10  # no webhook yet
    api(fake, "set_webhook", url=receiver.url)
    assert api(fake, "send_message", receiver="nobody", **text).json()["status"] == 5
    stranger = fake.open("@stranger")["user"]["id"]
    assert api(fake, "send_message", receiver=stranger, **text).json()["status"] == 6  # never subscribed
    assert api(fake, "send_message", receiver=uid, type="text", text="x").json()["status"] == 4  # no sender
    assert api(fake, "send_message", receiver=uid, type="text", text="x", sender={"name": "x" * 29}).json()[
        "status"] == 3
    assert api(fake, "send_message", receiver=uid, type="text", text="😀" * 3501, sender={"name": "A"}).json()[
        "status"] == 3
    ok = api(fake, "send_message", receiver=uid, min_api_version=1, **text).json()
    assert ok["status"] == 0 and ok["status_message"] == "ok" and ok["message_token"] > 2**53
    (sent,) = fake.outbound()
    assert sent["receiver"] == uid and sent["text"] == "Dobrý den" and sent["message_token"] == ok["message_token"]
    fake.unsubscribe("@jana")
    assert api(fake, "send_message", receiver=uid, **text).json()["status"] == 6
    fake.inbound("@jana", "Jana", "Zpět")  # writing subscribes again
    assert api(fake, "send_message", receiver=uid, **text).json()["status"] == 0


def test_a_delivered_receipt_follows_each_send(fake: FakeViber, receiver: Receiver) -> None:
    api(fake, "set_webhook", url=receiver.url)
    uid = fake.inbound("@jana", "Jana", "Ahoj")["sender"]["id"]
    token = api(fake, "send_message", receiver=uid, type="text", text="Dobrý den", sender={"name": "Acme"}).json()[
        "message_token"
    ]
    assert fake.wait_pushed()
    delivered = json.loads(receiver.received[-1][1])
    assert delivered["event"] == "delivered" and delivered["message_token"] == token and delivered["user_id"] == uid


# --- the control plane --------------------------------------------------------------------
def data(response: requests.Response, status: int = 201) -> Any:
    """What a control endpoint answered, in the shape every fake answers (`{"data": …}`)."""
    assert response.status_code == status, response.text
    return response.json()["data"]


def test_control_endpoints(fake: FakeViber, receiver: Receiver) -> None:
    callback = data(ctl(fake, "POST", "/_fake/inbound", {"author": "@jana", "name": "Jana", "text": "Ahoj"}))
    assert callback["event"] == "message" and callback["message"]["text"] == "Ahoj"
    assert ctl(fake, "POST", "/_fake/inbound", {"author": "@jana", "kind": "hologram"}).status_code == 400
    assert ctl(fake, "POST", "/_fake/inbound", {"text": "no author"}).status_code == 400
    assert ctl(fake, "POST", "/_fake/inbound", {"author": "@jana", "kind": "picture", "size": "big"}).json() == {
        "error": "bad control request: invalid literal for int() with base 10: 'big'"
    }
    not_json = requests.post(fake.base_url + "/_fake/inbound", data=b"{nope", timeout=10)
    assert not_json.status_code == 400 and not_json.json() == {"error": "control body is not JSON"}
    api(fake, "set_webhook", url=receiver.url)
    uid = callback["sender"]["id"]
    token = api(fake, "send_message", receiver=uid, type="text", text="Hi", sender={"name": "Acme"}).json()[
        "message_token"
    ]
    assert [m["message_token"] for m in data(ctl(fake, "GET", "/_fake/outbound"), 200)] == [token]
    seen = data(ctl(fake, "POST", "/_fake/receipt", {"message_token": token, "event": "seen"}))
    assert seen["event"] == "seen" and seen["user_id"] == uid
    assert ctl(fake, "POST", "/_fake/receipt", {"message_token": 1, "event": "seen"}).status_code == 400
    assert data(ctl(fake, "POST", "/_fake/unsubscribe", {"author": "@jana"}))["user_id"] == uid
    assert data(ctl(fake, "POST", "/_fake/subscribe", {"author": "@jana"}))["user"]["id"] == uid
    assert data(ctl(fake, "POST", "/_fake/open", {"author": "@jana", "context": "x"}))["subscribed"] is True
    assert [r["method"] for r in data(ctl(fake, "GET", "/_fake/requests"), 200)] == ["set_webhook", "send_message"]
    assert fake.wait_pushed()
    # The message came before the webhook was set, so only what followed was pushed.
    assert {p["event"] for p in data(ctl(fake, "GET", "/_fake/pushed"), 200)} >= {"webhook", "delivered", "seen"}
    assert ctl(fake, "POST", "/_fake/fail", {"status": "x"}).status_code == 400
    assert ctl(fake, "POST", "/_fake/reset").json() == {"reset": True}
    assert fake.outbound() == [] and fake.webhook() is None
    assert ctl(fake, "GET", "/_fake/nothing").status_code == 404


def test_armed_failures(fake: FakeViber, receiver: Receiver) -> None:
    api(fake, "set_webhook", url=receiver.url)
    uid = fake.inbound("@jana", "Jana", "Ahoj")["sender"]["id"]
    text = {"receiver": uid, "type": "text", "text": "Dobrý den", "sender": {"name": "Acme"}}
    assert ctl(fake, "POST", "/_fake/fail", {"status": 12, "times": 2, "method": "send_message"}).json() == {
        "armed": 2
    }
    assert api(fake, "get_account_info").json()["status"] == 0  # another method is not affected
    for _ in range(2):
        answer = api(fake, "send_message", **text)
        assert answer.status_code == 200 and answer.json()["status"] == 12
        assert answer.json()["status_message"] == "tooManyRequests"
    fake.fail(status=503)
    assert api(fake, "send_message", **text).status_code == 503
    fake.fail(status=500, mode="after_commit")
    assert api(fake, "send_message", **text).status_code == 500
    fake.fail(status=200, mode="timeout", delay=0.3)
    started = time.monotonic()
    assert api(fake, "send_message", **text).json()["status"] == 0
    assert time.monotonic() - started >= 0.3
    assert len(fake.outbound()) == 2  # after_commit and timeout both acted
    assert [r["viber_status"] for r in fake.requests_log()][-5:] == [12, 12, None, None, 0]


# --- standalone -------------------------------------------------------------------------
def test_standalone_fake_pushes_signed_callbacks(receiver: Receiver) -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "fakes.viber", "--port", "0", "--webhook", receiver.url,
         "--auth-token", AUTH_TOKEN],
        cwd=REPO_ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        assert line.startswith("FAKE_VIBER_READY http://127.0.0.1:")
        base = line.split()[1]
        sent = requests.post(f"{base}/_fake/inbound", json={"author": "@jana", "text": "Ahoj 👋"}, timeout=5).json()[
            "data"
        ]
        assert wait(lambda: receiver.received)
        ((headers, body),) = receiver.received
        assert headers[SIGNATURE] == signed_by(body)
        assert json.loads(body) == sent
    finally:
        proc.terminate()
        assert proc.wait(timeout=10) == 0


# --- the demo's declaration ---------------------------------------------------------------
def test_demo_declares_a_pushing_bot_with_the_token_its_fake_signs_with() -> None:
    assert declared(["viber"]) == {"viber": DEMO}
    assert DEMO.webhook and DEMO.credentials_for("http://127.0.0.1:9000") == {"auth_token": DEMO_AUTH_TOKEN}
    run = DemoRun("viber", 9000, "http://127.0.0.1:8000", account_id=7)
    assert DEMO.command(run) == [
        "--port", "9000", "--auth-token", DEMO_AUTH_TOKEN, "--webhook", "http://127.0.0.1:8000/webhooks/viber/7/"
    ]


def test_demo_crowd_writes_in_bulgarian_and_czech_in_kinds_the_fake_takes(fake: FakeViber) -> None:
    crowd = DEMO.crowd
    assert crowd is not None and crowd.lines is not None
    assert set(crowd.languages) == set(crowd.lines) == {"bg", "cs"} and set(crowd.languages) <= set(LANGUAGES)
    assert set(crowd.kinds) <= set(INBOUND_KINDS) and "text" in crowd.kinds
    for language, lines in crowd.lines.items():
        for kind in crowd.kinds:
            answer = ctl(fake, "POST", "/_fake/inbound", {"author": f"@crowd-{language}", "text": lines[0],
                                                          "kind": kind})
            assert answer.status_code == 201, (language, kind, answer.text)


def test_the_crowd_writes_on_viber_in_bulgarian_and_czech(receiver: Receiver) -> None:
    from fakes import crowd

    with FakeViber(auth_token=AUTH_TOKEN, webhook_url=receiver.url, retry_delay=0.02) as fake:
        posted = crowd.run(fake.base_url, every=0.01, count=8, seed=5, platform="viber")
        assert len(posted) == 8 and fake.wait_pushed()
    callbacks = [json.loads(body) for _, body in receiver.received]
    assert [c["event"] for c in callbacks] == ["message"] * 8
    assert DEMO.crowd is not None and DEMO.crowd.lines is not None
    lines = {line for language in ("bg", "cs") for line in DEMO.crowd.lines[language]}
    texts = [c["message"]["text"] for c in callbacks if c["message"]["type"] == "text"]
    assert texts and set(texts) <= lines
    names = {c["sender"]["name"] for c in callbacks}
    assert names <= {name for _, name, language in crowd.CUSTOMERS if language in ("bg", "cs")}


def test_keyboard_is_checked_recorded_and_a_tap_comes_back_as_text() -> None:
    with FakeViber(auth_token=AUTH_TOKEN, push=False) as fake:
        fake.set_webhook("http://127.0.0.1:9/hook")  # callbacks wait: nothing is pushed
        keyboard_round_trip(fake)


def keyboard_round_trip(fake: FakeViber) -> None:
    user = ctl(fake, "POST", "/_fake/inbound", {"author": "@jana", "text": "hi"}).json()["data"]["sender"]["id"]
    keyboard = {"Type": "keyboard", "Buttons": [
        {"Columns": 1, "Rows": 1, "ActionType": "reply", "ActionBody": str(n), "Text": str(n)} for n in range(1, 6)
    ]}
    sent = api(fake, "send_message", receiver=user, type="text", sender={"name": "Acme"}, text="Rate us",
               keyboard=keyboard, tracking_data='{"hovor_buttons":{"4":"csat:1:4"}}').json()
    assert sent["status"] == 0 and fake.outbound()[-1]["keyboard"] == keyboard
    bad = api(fake, "send_message", receiver=user, type="text", sender={"name": "Acme"}, text="?",
              keyboard={"Type": "keyboard", "Buttons": [{"Columns": 7, "ActionBody": "x"}]}).json()
    assert bad["status"] == 3

    token = sent["message_token"]
    assert ctl(fake, "POST", "/_fake/press", {"message_token": token, "action_body": "9"}).status_code == 400
    tapped = ctl(fake, "POST", "/_fake/press", {"message_token": token, "action_body": "4"}).json()["data"]
    assert tapped["event"] == "message" and tapped["sender"]["id"] == user
    assert tapped["message"] == {"type": "text", "text": "4", "tracking_data": '{"hovor_buttons":{"4":"csat:1:4"}}'}
