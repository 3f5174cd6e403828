"""The loopback Telegram fake over HTTP, as any Bot API client sees it: status codes and
error bodies, getUpdates confirmation, webhooks pushed with the secret and retried, and
sendMessage's rules. Also the standalone `python -m fakes.telegram`."""
from __future__ import annotations

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

from fakes.telegram import FakeTelegram, serialize
from tests.channels.telegram.telegram_support import BOT_TOKEN, WEBHOOK_SECRET

REPO_ROOT = Path(__file__).resolve().parents[3]


def api(fake: FakeTelegram, method: str, token: str = BOT_TOKEN, **params: Any) -> requests.Response:
    return requests.post(f"{fake.base_url}/bot{token}/{method}", json=params, timeout=10)


def ctl(fake: FakeTelegram, method: str, path: str, body: Any = None) -> requests.Response:
    return requests.request(method, fake.base_url + path, json=body, timeout=10)


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

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def fake() -> Iterator[FakeTelegram]:
    server = FakeTelegram(bot_token=BOT_TOKEN, retry_delay=0.02).start()
    yield server
    server.stop()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver([])
    yield r
    r.close()


# --- the API surface --------------------------------------------------------------------
def test_get_me(fake: FakeTelegram) -> None:
    response = api(fake, "getMe")
    assert response.status_code == 200
    me = response.json()["result"]
    assert me["id"] == 123456789 and me["is_bot"] is True and me["username"] == "AcmeCareBot"


def test_wrong_token_is_401_with_telegrams_body(fake: FakeTelegram) -> None:
    response = api(fake, "getMe", token="123456789:wrong")
    assert response.status_code == 401
    assert response.json() == {"ok": False, "error_code": 401, "description": "Unauthorized"}


def test_unknown_method_and_path_are_404(fake: FakeTelegram) -> None:
    assert api(fake, "sendRocket").json() == {"ok": False, "error_code": 404, "description": "Not Found"}
    assert requests.get(f"{fake.base_url}/bot{BOT_TOKEN}", timeout=5).status_code == 404


def test_get_with_query_parameters_and_case_insensitive_method(fake: FakeTelegram) -> None:
    fake.inbound("@jana", "Jana", "hi")
    response = requests.get(f"{fake.base_url}/bot{BOT_TOKEN}/GETUPDATES?limit=1&timeout=0", timeout=5)
    assert response.status_code == 200 and len(response.json()["result"]) == 1


def test_form_encoded_parameters(fake: FakeTelegram) -> None:
    update = fake.inbound("@jana", "Jana", "hi")
    chat = update["message"]["chat"]["id"]
    response = requests.post(
        f"{fake.base_url}/bot{BOT_TOKEN}/sendMessage",
        data={"chat_id": str(chat), "text": "ahoj", "reply_parameters": json.dumps({"message_id": 1})},
        timeout=5,
    )
    assert response.status_code == 200
    assert response.json()["result"]["reply_to_message"]["message_id"] == 1


# --- getUpdates -----------------------------------------------------------------------
def test_offset_confirms_earlier_updates(fake: FakeTelegram) -> None:
    ids = [fake.inbound("@jana", "Jana", f"m{i}")["update_id"] for i in range(3)]
    first = api(fake, "getUpdates").json()["result"]
    assert [u["update_id"] for u in first] == ids
    again = api(fake, "getUpdates").json()["result"]
    assert [u["update_id"] for u in again] == ids  # not confirmed yet
    rest = api(fake, "getUpdates", offset=ids[1] + 1).json()["result"]
    assert [u["update_id"] for u in rest] == [ids[2]]
    assert api(fake, "getUpdates").json()["result"] == rest  # the first two are gone for good
    assert api(fake, "getUpdates", offset=ids[2] + 1).json()["result"] == []


def test_limit_and_negative_offset(fake: FakeTelegram) -> None:
    ids = [fake.inbound("@jana", "Jana", f"m{i}")["update_id"] for i in range(5)]
    assert [u["update_id"] for u in api(fake, "getUpdates", limit=2).json()["result"]] == ids[:2]
    assert len(api(fake, "getUpdates", limit=0).json()["result"]) == 5  # clamped to 1–100
    last = api(fake, "getUpdates", offset=-1).json()["result"]
    assert [u["update_id"] for u in last] == [ids[-1]]
    assert [u["update_id"] for u in api(fake, "getUpdates").json()["result"]] == [ids[-1]]


def test_long_poll_returns_when_an_update_arrives(fake: FakeTelegram) -> None:
    timer = threading.Timer(0.2, lambda: fake.inbound("@jana", "Jana", "late"))
    timer.start()
    started = time.monotonic()
    result = api(fake, "getUpdates", timeout=5).json()["result"]
    assert 0.1 < time.monotonic() - started < 3
    assert result[0]["message"]["text"] == "late"


def test_a_newer_poller_ends_the_older_with_409(fake: FakeTelegram) -> None:
    answers: list[requests.Response] = []
    waiting = threading.Thread(target=lambda: answers.append(api(fake, "getUpdates", timeout=5)))
    waiting.start()
    time.sleep(0.2)
    assert api(fake, "getUpdates").status_code == 200
    waiting.join(5)
    assert answers[0].status_code == 409
    assert answers[0].json()["description"].startswith("Conflict: terminated by other getUpdates request")


def test_get_updates_is_409_while_a_webhook_is_set(fake: FakeTelegram) -> None:
    assert api(fake, "setWebhook", url="https://example.com/hook").json()["description"] == "Webhook was set"
    response = api(fake, "getUpdates")
    assert response.status_code == 409
    assert response.json() == {
        "ok": False, "error_code": 409,
        "description": "Conflict: can't use getUpdates method while webhook is active; "
                       "use deleteWebhook to delete the webhook first",
    }
    assert api(fake, "deleteWebhook").json() == {"ok": True, "result": True, "description": "Webhook was deleted"}
    assert api(fake, "deleteWebhook").json()["description"] == "Webhook is already deleted"
    assert api(fake, "getUpdates").status_code == 200


def test_allowed_updates_are_remembered(fake: FakeTelegram) -> None:
    api(fake, "getUpdates", allowed_updates=["message"])
    fake.update("callback_query", {"id": "1", "data": "x"})
    message = fake.inbound("@jana", "Jana", "hi")
    assert [u["update_id"] for u in api(fake, "getUpdates").json()["result"]] == [message["update_id"]]


# --- setWebhook and the push ------------------------------------------------------------
@pytest.mark.parametrize(
    ("secret", "description"),
    [
        ("has space", "Bad Request: secret token contains unallowed characters"),
        ("base64+/=", "Bad Request: secret token contains unallowed characters"),
        ("a" * 257, "Bad Request: secret token is too long"),
    ],
)
def test_set_webhook_validates_the_secret(fake: FakeTelegram, secret: str, description: str) -> None:
    response = api(fake, "setWebhook", url="https://example.com/hook", secret_token=secret)
    assert response.status_code == 400 and response.json()["description"] == description


def test_push_carries_the_secret_and_the_exact_bytes(fake: FakeTelegram, receiver: Receiver) -> None:
    api(fake, "setWebhook", url=receiver.url, secret_token=WEBHOOK_SECRET)
    update = fake.inbound("@mpetrova_bg", "Мария Петрова", "Здравейте 👋")
    assert fake.wait_delivered()
    ((headers, body),) = receiver.received
    assert headers["X-Telegram-Bot-Api-Secret-Token"] == WEBHOOK_SECRET
    assert headers["Content-Type"] == "application/json"
    assert body == serialize(update) == fake.delivery(update)[0]
    assert "Здравейте 👋".encode() in body  # UTF-8, not \\u escapes


def test_push_without_a_secret_has_no_header(fake: FakeTelegram, receiver: Receiver) -> None:
    api(fake, "setWebhook", url=receiver.url)
    fake.inbound("@jana", "Jana", "hi")
    assert fake.wait_delivered()
    assert "X-Telegram-Bot-Api-Secret-Token" not in receiver.received[0][0]


def test_non_2xx_is_retried_until_accepted(fake: FakeTelegram, receiver: Receiver) -> None:
    receiver.statuses = [500, 403, 200]
    api(fake, "setWebhook", url=receiver.url, secret_token=WEBHOOK_SECRET)
    update = fake.inbound("@jana", "Jana", "hi")
    assert fake.wait_delivered()
    assert [d["status"] for d in fake.delivered()] == [500, 403, 200]
    assert all(body == serialize(update) for _, body in receiver.received)
    info = api(fake, "getWebhookInfo").json()["result"]
    assert info["pending_update_count"] == 0 and info["url"] == receiver.url
    assert info["last_error_message"] == "Wrong response from the webhook: 403 Forbidden"


def test_pending_updates_wait_while_the_webhook_is_down(fake: FakeTelegram) -> None:
    fake.max_delivery_attempts = 3
    api(fake, "setWebhook", url="http://127.0.0.1:9/nothing-listens")
    fake.inbound("@jana", "Jana", "hi")
    assert fake.wait_delivered(timeout=5)  # gave up after three attempts
    assert [d["attempt"] for d in fake.delivered()] == [1, 2, 3]
    assert "Connection error" in api(fake, "getWebhookInfo").json()["result"]["last_error_message"]


def test_set_webhook_then_delete_keeps_updates_for_get_updates(fake: FakeTelegram) -> None:
    api(fake, "setWebhook", url="http://127.0.0.1:9/never", secret_token="s")
    api(fake, "deleteWebhook")
    update = fake.inbound("@jana", "Jana", "hi")
    assert api(fake, "getUpdates").json()["result"] == [update]
    api(fake, "setWebhook", url="http://127.0.0.1:9/never", drop_pending_updates=True)
    assert fake.pending() == []


# --- sendMessage ----------------------------------------------------------------------
def chat_of(fake: FakeTelegram, author: str = "@jana") -> tuple[int, int]:
    update = fake.inbound(author, "Jana", "hi")
    return update["message"]["chat"]["id"], update["message"]["message_id"]


@pytest.mark.parametrize(
    ("text", "ok"),
    [("a" * 4096, True), ("a" * 4097, False), ("😀" * 2048, True), ("😀" * 2049, False),
     ("  " + "a" * 4096 + "\n", True), (" \n\t", False), ("", False)],
)
def test_send_message_length(fake: FakeTelegram, text: str, ok: bool) -> None:
    chat, _ = chat_of(fake)
    response = api(fake, "sendMessage", chat_id=chat, text=text)
    assert (response.status_code == 200) is ok
    if not ok:
        assert response.json()["description"] in ("Bad Request: message is too long",
                                                   "Bad Request: message text is empty")


def test_send_message_reply_parameters(fake: FakeTelegram) -> None:
    chat, mid = chat_of(fake)
    sent = api(fake, "sendMessage", chat_id=chat, text="ok", reply_parameters={"message_id": mid}).json()["result"]
    assert sent["reply_to_message"]["message_id"] == mid and sent["chat"]["id"] == chat
    missing = api(fake, "sendMessage", chat_id=chat, text="ok", reply_parameters={"message_id": 999})
    assert missing.status_code == 400
    assert missing.json()["description"] == "Bad Request: message to be replied not found"
    allowed = api(fake, "sendMessage", chat_id=chat, text="ok",
                  reply_parameters={"message_id": 999, "allow_sending_without_reply": True})
    assert allowed.status_code == 200 and "reply_to_message" not in allowed.json()["result"]
    legacy = api(fake, "sendMessage", chat_id=chat, text="ok", reply_to_message_id=mid)
    assert legacy.json()["result"]["reply_to_message"]["message_id"] == mid
    assert [o["reply_to_message_id"] for o in fake.outbound()] == [mid, None, mid]


def test_send_message_to_whom_the_bot_may_not_write(fake: FakeTelegram) -> None:
    assert api(fake, "sendMessage", chat_id=42, text="hi").json()["description"] == "Bad Request: chat not found"
    group = fake.inbound("@member", "Member", "hi", kind="group")  # known from a group only
    never = api(fake, "sendMessage", chat_id=group["message"]["from"]["id"], text="hi")
    assert never.status_code == 403
    assert never.json()["description"] == "Forbidden: bot can't initiate conversation with a user"
    chat, _ = chat_of(fake, "@blocker")
    ctl(fake, "POST", "/_fake/block", {"author": "@blocker"})
    blocked = api(fake, "sendMessage", chat_id=chat, text="hi")
    assert blocked.status_code == 403
    assert blocked.json() == {"ok": False, "error_code": 403, "description": "Forbidden: bot was blocked by the user"}


def test_html_parse_mode_is_parsed_and_plain_text_is_not(fake: FakeTelegram) -> None:
    chat, _ = chat_of(fake)
    html = api(fake, "sendMessage", chat_id=chat, text="<b>Hi</b> &amp; bye", parse_mode="HTML").json()["result"]
    assert html["text"] == "Hi & bye"
    bad = api(fake, "sendMessage", chat_id=chat, text="a <script>x</script>", parse_mode="HTML")
    assert bad.status_code == 400 and "can't parse entities" in bad.json()["description"]
    plain = api(fake, "sendMessage", chat_id=chat, text="a <script>x</script> &amp;").json()["result"]
    assert plain["text"] == "a <script>x</script> &amp;"


# --- control endpoints ----------------------------------------------------------------
def test_inbound_control_endpoint(fake: FakeTelegram) -> None:
    response = ctl(fake, "POST", "/_fake/inbound", {"author": "@jnovakova", "name": "Jana Nováková", "text": "Ahoj"})
    update = response.json()["result"]
    message = update["message"]
    assert message["text"] == "Ahoj" and message["chat"]["type"] == "private"
    assert message["from"] == {"id": message["chat"]["id"], "is_bot": False, "first_name": "Jana",
                               "username": "jnovakova", "last_name": "Nováková"}
    reply = ctl(fake, "POST", "/_fake/inbound",
                {"author": "@jnovakova", "text": "re", "in_reply_to": f"{message['chat']['id']}:1"}).json()["result"]
    assert reply["message"]["reply_to_message"]["message_id"] == 1
    numeric = ctl(fake, "POST", "/_fake/inbound", {"author": 5550001, "text": "x"}).json()["result"]
    assert numeric["message"]["from"]["id"] == 5550001
    assert ctl(fake, "POST", "/_fake/inbound", {"text": "x"}).status_code == 400
    assert ctl(fake, "POST", "/_fake/inbound", {"author": "@a", "text": "x", "kind": "tweet"}).status_code == 400


def test_inbound_kinds(fake: FakeTelegram) -> None:
    fake.inbound("@jana", "Jana", "první")
    edit = fake.inbound("@jana", "Jana", "opraveno", kind="edit")["edited_message"]
    assert edit["text"] == "opraveno" and edit["message_id"] == 1 and edit["edit_date"] >= edit["date"]
    sticker = fake.inbound("@jana", "Jana", "🔥", kind="sticker")["message"]["sticker"]
    assert sticker["emoji"] == "🔥"
    photo = fake.inbound("@jana", "Jana", "krabice", kind="photo")["message"]
    assert photo["caption"] == "krabice" and len(photo["photo"]) == 3


def test_outbound_control_endpoint(fake: FakeTelegram) -> None:
    chat, mid = chat_of(fake)
    api(fake, "sendMessage", chat_id=chat, text="Dobrý den", reply_parameters={"message_id": mid})
    (sent,) = ctl(fake, "GET", "/_fake/outbound").json()["result"]
    assert sent["chat_id"] == chat and sent["text"] == "Dobrý den" and sent["reply_to_message_id"] == mid


def test_fail_control_endpoint(fake: FakeTelegram) -> None:
    ctl(fake, "POST", "/_fake/fail", {"status": 429, "retry_after": 3, "times": 2})
    for _ in range(2):
        response = api(fake, "getMe")
        assert response.status_code == 429
        assert response.json() == {"ok": False, "error_code": 429, "description": "Too Many Requests: retry after 3",
                                    "parameters": {"retry_after": 3}}
    assert api(fake, "getMe").status_code == 200
    ctl(fake, "POST", "/_fake/fail", {"status": 500, "method": "sendMessage"})
    assert api(fake, "getMe").status_code == 200  # only sendMessage is armed
    assert api(fake, "sendMessage", chat_id=1, text="x").status_code == 500


# --- standalone -------------------------------------------------------------------------
def test_standalone_fake_pushes_to_the_webhook_given(receiver: Receiver) -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "fakes.telegram", "--port", "0", "--webhook", receiver.url,
         "--bot-token", BOT_TOKEN, "--webhook-secret", WEBHOOK_SECRET],
        cwd=REPO_ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        assert line.startswith("FAKE_TELEGRAM_READY http://127.0.0.1:")
        base = line.split()[1]
        update = requests.post(f"{base}/_fake/inbound", json={"author": "@jana", "text": "Ahoj 👋"}, timeout=5)
        deadline = time.monotonic() + 5
        while not receiver.received and time.monotonic() < deadline:
            time.sleep(0.02)
        ((headers, body),) = receiver.received
        assert headers["X-Telegram-Bot-Api-Secret-Token"] == WEBHOOK_SECRET
        assert json.loads(body) == update.json()["result"]
        assert requests.get(f"{base}/bot{BOT_TOKEN}/getUpdates", timeout=5).status_code == 409
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    assert proc.returncode == 0


# --- inline keyboards and callback queries -------------------------------------------------
def test_inline_keyboard_press_and_answer(fake: FakeTelegram) -> None:
    update = fake.inbound("@jana", "Jana", "hi")
    chat = update["message"]["chat"]["id"]
    markup = {"inline_keyboard": [[{"text": str(n), "callback_data": f"csat:1:{n}"} for n in range(1, 6)]]}
    sent = api(fake, "sendMessage", chat_id=chat, text="Rate us", reply_markup=markup).json()["result"]
    assert sent["reply_markup"] == markup and fake.outbound()[-1]["reply_markup"] == markup
    too_long = {"inline_keyboard": [[{"text": "1", "callback_data": "x" * 65}]]}
    assert api(fake, "sendMessage", chat_id=chat, text="?", reply_markup=too_long).status_code == 400
    no_action = {"inline_keyboard": [[{"text": "1"}]]}
    assert api(fake, "sendMessage", chat_id=chat, text="?", reply_markup=no_action).status_code == 400

    platform_id = f"{chat}:{sent['message_id']}"
    assert ctl(fake, "POST", "/_fake/press", {"platform_id": platform_id, "data": "nope"}).status_code == 400
    pressed = ctl(fake, "POST", "/_fake/press", {"platform_id": platform_id, "data": "csat:1:4"}).json()["result"]
    query = pressed["callback_query"]
    assert query["data"] == "csat:1:4" and query["from"]["id"] == chat
    assert query["message"]["message_id"] == sent["message_id"] and query["message"]["reply_markup"] == markup
    assert "chat_instance" in query
    offset = update["update_id"] + 1
    assert [u["update_id"] for u in api(fake, "getUpdates", offset=offset).json()["result"]] == [pressed["update_id"]]

    answer = api(fake, "answerCallbackQuery", callback_query_id=query["id"], text="Děkujeme!")
    assert answer.json() == {"ok": True, "result": True}
    again = api(fake, "answerCallbackQuery", callback_query_id=query["id"])  # once only, as Telegram
    assert again.status_code == 400 and "query is too old" in again.json()["description"]
    answers = ctl(fake, "GET", "/_fake/callback_answers").json()["result"]
    assert [(a["callback_query_id"], a["text"], a["data"]) for a in answers] == [(query["id"], "Děkujeme!", "csat:1:4")]
