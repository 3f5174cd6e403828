"""The loopback WhatsApp fake over HTTP: Graph errors and limits as WhatsApp answers them,
signed deliveries exactly as Meta sends them, the push side (verification GET, retries,
redelivery), the command line, and one run against Hovor's real webhook over HTTP."""
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
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from fakes.whatsapp import FakeWhatsApp, meta_json, wa_id_for

REPO_ROOT = Path(__file__).resolve().parents[3]
TOKEN = "fake-test-token"
SECRET = "fake-test-secret"
VERIFY = "fake-test-verify"
PHONE = "106540352242922"
WA_ID = "420601234567"


class Receiver:
    """A stand-in for Hovor's webhook: records POSTs, answers Meta's handshake, can fail."""

    def __init__(self) -> None:
        self.posts: list[tuple[bytes, dict[str, str]]] = []
        self.fail_next = 0
        self.verify_token = VERIFY
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                params = {k: v[0] for k, v in parse_qs(urlsplit(self.path).query).items()}
                ok = params.get("hub.mode") == "subscribe" and params.get("hub.verify_token") == receiver.verify_token
                body = params.get("hub.challenge", "").encode() if ok else b"no"
                self.send_response(200 if ok else 403)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                with receiver.lock:
                    failing = receiver.fail_next > 0
                    receiver.fail_next -= 1 if failing else 0
                    if not failing:
                        receiver.posts.append((body, dict(self.headers)))
                self.send_response(500 if failing else 200)
                self.send_header("Content-Length", "0")
                self.end_headers()

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def wait_for(self, count: int, timeout: float = 10) -> list[tuple[bytes, dict[str, str]]]:
        deadline = time.time() + timeout
        while time.time() < deadline:
            with self.lock:
                if len(self.posts) >= count:
                    return list(self.posts)
            time.sleep(0.02)
        raise AssertionError(f"expected {count} deliveries, got {len(self.posts)}")

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def fake() -> Iterator[FakeWhatsApp]:
    server = FakeWhatsApp(access_token=TOKEN, app_secret=SECRET, verify_token=VERIFY, phone_number_id=PHONE).start()
    yield server
    server.stop()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    server = Receiver()
    yield server
    server.close()


def api(fake: FakeWhatsApp, payload: Any, *, token: str | None = TOKEN, phone: str = PHONE) -> requests.Response:
    headers = {"Authorization": f"Bearer {token}"} if token is not None else {}
    return requests.post(f"{fake.base_url}/v21.0/{phone}/messages", json=payload, headers=headers, timeout=10)


def text(to: str = WA_ID, body: str = "Hello", **extra: Any) -> dict[str, Any]:
    return {"messaging_product": "whatsapp", "recipient_type": "individual", "to": to, "type": "text",
            "text": {"body": body, "preview_url": False}, **extra}


def ctl(fake: FakeWhatsApp, method: str, path: str, payload: Any = None) -> requests.Response:
    return requests.request(method, fake.base_url + path, json=payload, timeout=10)


def error_of(response: requests.Response) -> dict[str, Any]:
    error: dict[str, Any] = response.json()["error"]
    return error


def valid_signature(body: bytes, header: str) -> bool:
    return hmac.compare_digest(header, "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest())


# --- Graph API ------------------------------------------------------------------------
def test_missing_and_wrong_tokens(fake: FakeWhatsApp) -> None:
    missing = api(fake, text(), token=None)
    assert missing.status_code == 400 and error_of(missing)["code"] == 2500
    wrong = api(fake, text(), token="nope")
    assert wrong.status_code == 401 and error_of(wrong)["code"] == 190
    assert "invalid_token" in wrong.headers["WWW-Authenticate"]
    assert fake.outbound() == []


def test_another_phone_number_id_is_unsupported(fake: FakeWhatsApp) -> None:
    response = api(fake, text(), phone="999")
    error = error_of(response)
    assert response.status_code == 400 and (error["code"], error["error_subcode"]) == (100, 33)
    assert error["type"] == "GraphMethodException"


def test_free_text_needs_an_open_window(fake: FakeWhatsApp) -> None:
    never_wrote = api(fake, text())
    error = error_of(never_wrote)
    assert never_wrote.status_code == 400
    assert (error["code"], error["error_subcode"]) == (131047, 2018278)
    assert error["message"] == "(#131047) Re-engagement message"
    assert "24 hours" in error["error_data"]["details"] and error["fbtrace_id"]
    fake.inbound(WA_ID, "Ahoj", at=time.time() - 24 * 3600 - 5)
    assert error_of(api(fake, text()))["code"] == 131047
    fake.inbound(WA_ID, "Jste tam?")
    answer = api(fake, text(body="Ano 👋", context={"message_id": "wamid.X"}))
    assert answer.status_code == 200
    wamid = answer.json()["messages"][0]["id"]
    assert answer.json() == {"messaging_product": "whatsapp", "contacts": [{"input": WA_ID, "wa_id": WA_ID}],
                             "messages": [{"id": wamid}]}
    [sent] = fake.outbound()
    assert (sent["to"], sent["text"], sent["context_message_id"], sent["id"]) == (WA_ID, "Ano 👋", "wamid.X", wamid)


def test_clock_advance_closes_the_window(fake: FakeWhatsApp) -> None:
    fake.inbound(WA_ID, "Ahoj")
    assert api(fake, text()).status_code == 200
    assert ctl(fake, "POST", "/_fake/clock", {"advance": 24 * 3600}).status_code == 200
    assert error_of(api(fake, text()))["code"] == 131047


def test_reactions_do_not_open_the_window(fake: FakeWhatsApp) -> None:
    fake.inbound(WA_ID, "👍", kind="reaction", in_reply_to="wamid.OURS")
    assert error_of(api(fake, text()))["code"] == 131047


def test_text_is_limited_to_4096_characters(fake: FakeWhatsApp) -> None:
    fake.inbound(WA_ID, "Ahoj")
    assert api(fake, text(body="ž" * 4096)).status_code == 200
    too_long = api(fake, text(body="ž" * 4097))
    assert too_long.status_code == 400 and error_of(too_long)["code"] == 100
    assert "4096" in error_of(too_long)["message"]
    assert len(fake.outbound()) == 1


@pytest.mark.parametrize(
    "payload",
    [
        {"to": WA_ID, "type": "text", "text": {"body": "x"}},  # no messaging_product
        text(to=""),
        text(body=""),
        {**text(), "text": "plain"},
        {**text(), "type": "image", "image": {"link": "https://example.com/a.jpg"}},
        {**text(), "context": "wamid.X"},
    ],
)
def test_invalid_requests_are_code_100(fake: FakeWhatsApp, payload: dict[str, Any]) -> None:
    fake.inbound(WA_ID, "Ahoj")
    response = api(fake, payload)
    assert response.status_code == 400 and error_of(response)["code"] == 100


def test_templates_go_out_any_time_and_are_checked(fake: FakeWhatsApp) -> None:
    def template(name: str, language: str, *params: str) -> dict[str, Any]:
        body: dict[str, Any] = {"name": name, "language": {"code": language}}
        if params:
            body["components"] = [{"type": "body", "parameters": [{"type": "text", "text": p} for p in params]}]
        return {"messaging_product": "whatsapp", "to": WA_ID, "type": "template", "template": body}

    ok = api(fake, template("follow_up", "en_US", "Jana", "#1"))
    assert ok.status_code == 200 and ok.json()["messages"][0]["message_status"] == "accepted"
    assert fake.outbound()[0]["text"] == "Hi Jana, we have an update on your request #1."
    assert error_of(api(fake, template("follow_up", "en_US", "Jana")))["code"] == 132000
    missing = api(fake, template("follow_up", "de", "Jana", "#1"))  # no German version
    assert missing.status_code == 404 and error_of(missing)["code"] == 132001
    assert api(fake, template("hello_world", "en_US")).status_code == 200
    pending = api(fake, template("spring_sale", "en_US", "Monday"))  # listed, still in review
    assert pending.status_code == 404 and error_of(pending)["code"] == 132001


def test_read_receipts(fake: FakeWhatsApp) -> None:
    wamid = fake.inbound(WA_ID, "Ahoj")["id"]
    read = {"messaging_product": "whatsapp", "status": "read", "message_id": wamid}
    assert api(fake, read).json() == {"success": True}
    assert error_of(api(fake, {**read, "message_id": "wamid.nope"}))["code"] == 100
    assert [r["message_id"] for r in fake.reads()] == [wamid]
    assert ctl(fake, "GET", "/_fake/reads").json()["data"][0]["message_id"] == wamid


def test_phone_number_lookup(fake: FakeWhatsApp) -> None:
    response = requests.get(f"{fake.base_url}/v21.0/{PHONE}", headers={"Authorization": f"Bearer {TOKEN}"}, timeout=5)
    assert response.json() == {"verified_name": "Acme Care", "display_phone_number": "15550783881",
                               "quality_rating": "GREEN", "id": PHONE}


@pytest.mark.parametrize(
    ("spec", "status", "code"),
    [
        ({"code": 130429}, 400, 130429),
        ({"code": 131056}, 400, 131056),
        ({"code": 131047}, 400, 131047),
        ({"code": 190}, 401, 190),
        ({"status": 500}, 500, 1),
        ({"status": 503}, 503, 2),
        ({"code": 131000, "status": 500}, 500, 131000),
    ],
)
def test_armed_failures(fake: FakeWhatsApp, spec: dict[str, Any], status: int, code: int) -> None:
    fake.inbound(WA_ID, "Ahoj")
    assert ctl(fake, "POST", "/_fake/fail", {**spec, "times": 2}).status_code == 200
    for _ in range(2):
        response = api(fake, text())
        assert (response.status_code, error_of(response)["code"]) == (status, code)
    assert api(fake, text()).status_code == 200
    assert len(fake.outbound()) == 1


def test_failure_after_acting_still_sends(fake: FakeWhatsApp) -> None:
    fake.inbound(WA_ID, "Ahoj")
    fake.fail(status=500, mode="after")
    assert api(fake, text()).status_code == 500
    assert len(fake.outbound()) == 1


# --- deliveries -----------------------------------------------------------------------
def test_inbound_delivery_is_signed_over_metas_serialisation(fake: FakeWhatsApp) -> None:
    response = ctl(fake, "POST", "/_fake/inbound",
                   {"author": "+420 601 234 567", "name": "Jiří Čech", "text": "Dobrý den / ďěkuji 🙂"})
    assert response.status_code == 201
    message = response.json()["data"]
    [delivery] = fake.take_deliveries()
    assert delivery.body.isascii() and b"\\u010c" in delivery.body and b"\\/" in delivery.body
    assert valid_signature(delivery.body, delivery.headers["X-Hub-Signature-256"])
    assert delivery.headers["X-Hub-Signature"] == "sha1=" + hmac.new(SECRET.encode(), delivery.body,
                                                                      hashlib.sha1).hexdigest()
    data = json.loads(delivery.body)
    value = data["entry"][0]["changes"][0]["value"]
    assert data["object"] == "whatsapp_business_account" and data["entry"][0]["changes"][0]["field"] == "messages"
    assert value["metadata"] == {"display_phone_number": "15550783881", "phone_number_id": PHONE}
    assert value["contacts"] == [{"profile": {"name": "Jiří Čech"}, "wa_id": WA_ID}]
    assert value["messages"] == [message]
    assert message["from"] == WA_ID and message["type"] == "text" and message["id"].startswith("wamid.")
    assert message["text"] == {"body": "Dobrý den / ďěkuji 🙂"} and message["timestamp"].isdigit()
    assert response.json()["delivery"]["body"] == delivery.body.decode()


def test_meta_json_matches_what_meta_sends() -> None:
    assert meta_json({"a": "é/ü", "b": [1, 2]}) == b'{"a":"\\u00e9\\/\\u00fc","b":[1,2]}'
    assert json.loads(meta_json({"t": "a\\/b"})) == {"t": "a\\/b"}


def test_authors_from_the_crowd_get_stable_numbers() -> None:
    assert wa_id_for("@jnovakova") == wa_id_for("@JNovakova") != wa_id_for("@petr")
    assert wa_id_for("@jnovakova").isdigit() and wa_id_for("+420 601 234 567") == WA_ID


@pytest.mark.parametrize(
    ("kind", "fields", "section"),
    [
        ("image", {}, "image"),
        ("document", {"filename": "Faktura.pdf"}, "document"),
        ("audio", {}, "audio"),
        ("video", {}, "video"),
        ("sticker", {}, "sticker"),
        ("location", {"name": "Praha", "address": "Staroměstské nám."}, "location"),
        ("interactive", {"reply_id": "yes"}, "interactive"),
        ("button", {"payload": "YES"}, "button"),
        ("unsupported", {}, "errors"),
    ],
)
def test_inbound_kinds_have_whatsapps_shapes(fake: FakeWhatsApp, kind: str, fields: dict[str, Any],
                                             section: str) -> None:
    message = fake.inbound(WA_ID, "Caption", kind=kind, **fields)
    assert message["type"] == kind and section in message
    if kind in ("image", "document", "audio", "video", "sticker"):
        assert message[kind]["id"].isdigit() and message[kind]["mime_type"]


def test_statuses_follow_each_accepted_send(fake: FakeWhatsApp) -> None:
    fake.inbound(WA_ID, "Ahoj")
    fake.take_deliveries()
    wamid = api(fake, text()).json()["messages"][0]["id"]
    deliveries = fake.take_deliveries()
    statuses = [json.loads(d.body)["entry"][0]["changes"][0]["value"]["statuses"][0] for d in deliveries]
    assert [s["status"] for s in statuses] == ["sent", "delivered", "read"]
    assert {s["id"] for s in statuses} == {wamid} and {s["recipient_id"] for s in statuses} == {WA_ID}
    assert "conversation" in statuses[0] and "pricing" in statuses[1] and "pricing" not in statuses[2]
    assert all(valid_signature(d.body, d.headers["X-Hub-Signature-256"]) for d in deliveries)
    assert api(fake, {**text(), "to": "+1 555 0100"}).status_code == 400  # never wrote: no statuses either
    assert fake.take_deliveries() == []


def test_armed_delivery_failure_ends_in_a_failed_status(fake: FakeWhatsApp) -> None:
    fake.inbound(WA_ID, "Ahoj")
    fake.take_deliveries()
    ctl(fake, "POST", "/_fake/fail", {"delivery": "failed", "code": 131026})
    api(fake, text())
    [delivery] = fake.take_deliveries()
    [status] = json.loads(delivery.body)["entry"][0]["changes"][0]["value"]["statuses"]
    assert status["status"] == "failed"
    assert status["errors"][0]["code"] == 131026 and status["errors"][0]["title"] == "Message undeliverable"
    api(fake, text())
    assert len(fake.take_deliveries()) == 3  # armed once only


def test_redeliver_repeats_the_same_bytes(fake: FakeWhatsApp) -> None:
    fake.inbound(WA_ID, "Ahoj")
    [original] = fake.take_deliveries()
    response = ctl(fake, "POST", "/_fake/redeliver", {"times": 2})
    assert response.json()["redelivered"] == 2
    copies = fake.take_deliveries()
    assert [c.body for c in copies] == [original.body] * 2
    assert [c.headers for c in copies] == [original.headers] * 2
    assert len(ctl(fake, "GET", "/_fake/deliveries").json()["data"]) == 3


def test_control_endpoints_refuse_bad_input(fake: FakeWhatsApp) -> None:
    assert ctl(fake, "POST", "/_fake/inbound", {"text": "no author"}).status_code == 400
    assert ctl(fake, "POST", "/_fake/inbound", {"author": WA_ID, "text": 5}).status_code == 400
    assert ctl(fake, "POST", "/_fake/inbound", {"author": WA_ID, "text": "x", "kind": "hologram"}).status_code == 400
    assert ctl(fake, "POST", "/_fake/inbound", {"author": WA_ID, "text": "x", "at": "yesterday"}).status_code == 400
    assert ctl(fake, "POST", "/_fake/redeliver", {}).status_code == 400  # nothing delivered yet
    assert ctl(fake, "POST", "/_fake/fail", {"code": "many"}).status_code == 400
    assert ctl(fake, "GET", "/_fake/nothing").status_code == 404
    assert ctl(fake, "POST", "/_fake/reset").json() == {"reset": True}


def test_crowd_style_inbound_works(fake: FakeWhatsApp) -> None:
    """fakes.crowd posts X-style bodies; the fake takes them as text messages."""
    response = ctl(fake, "POST", "/_fake/inbound",
                   {"author": "@jnovakova", "name": "Jana Nováková", "text": "Kde je balík?", "kind": "mention"})
    assert response.status_code == 201 and response.json()["data"]["type"] == "text"
    assert response.json()["data"]["from"] == wa_id_for("@jnovakova")


# --- push side ------------------------------------------------------------------------
def test_push_verifies_then_delivers_in_order_with_retries(receiver: Receiver) -> None:
    fake = FakeWhatsApp(access_token=TOKEN, app_secret=SECRET, verify_token=VERIFY, phone_number_id=PHONE,
                        webhook_url=receiver.url, status_delay=0.01).start()
    fake.push_backoff = 0.01
    try:
        assert fake.verify_webhook()["verified"] is True
        receiver.verify_token = "something else"
        assert fake.verify_webhook()["verified"] is False
        receiver.fail_next = 1  # the first push fails once and is retried
        wamid = fake.inbound(WA_ID, "Ahoj 👋")["id"]
        api(fake, text())
        posts = receiver.wait_for(4)
        assert all(valid_signature(body, headers["X-Hub-Signature-256"]) for body, headers in posts)
        first = json.loads(posts[0][0])["entry"][0]["changes"][0]["value"]
        assert first["messages"][0]["id"] == wamid
        kinds = [json.loads(b)["entry"][0]["changes"][0]["value"]["statuses"][0]["status"] for b, _ in posts[1:]]
        assert kinds == ["sent", "delivered", "read"]
        assert fake.deliveries()[0].pushed == [500, 200]
        fake.redeliver(index=0)
        assert receiver.wait_for(5)[4][0] == posts[0][0]
    finally:
        fake.stop()


def test_command_line_fake(receiver: Receiver) -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "fakes.whatsapp", "--port", "0", "--webhook", receiver.url,
         "--app-secret", SECRET, "--verify-token", VERIFY, "--phone-number-id", PHONE, "--access-token", TOKEN,
         "--status-delay", "0", "--verify", "--template", "order_update:cs:Dobrý den {{1}}"],
        cwd=REPO_ROOT, stdout=subprocess.PIPE, text=True,
    )
    try:
        assert process.stdout is not None
        ready = process.stdout.readline().split()
        assert ready[0] == "FAKE_WHATSAPP_READY"
        base = ready[1]
        verify = process.stdout.readline()
        assert verify.startswith("FAKE_WHATSAPP_VERIFY") and json.loads(verify.split(" ", 1)[1])["verified"]
        inbound = requests.post(f"{base}/_fake/inbound", json={"author": WA_ID, "name": "Jana", "text": "Ahoj"},
                                timeout=5)
        assert inbound.status_code == 201
        [(body, headers)] = receiver.wait_for(1)
        assert valid_signature(body, headers["X-Hub-Signature-256"])
        template = {"messaging_product": "whatsapp", "to": WA_ID, "type": "template",
                    "template": {"name": "order_update", "language": {"code": "cs"},
                                 "components": [{"type": "body", "parameters": [{"type": "text", "text": "Jano"}]}]}}
        sent = requests.post(f"{base}/v21.0/{PHONE}/messages", json=template,
                             headers={"Authorization": f"Bearer {TOKEN}"}, timeout=5)
        assert sent.status_code == 200
        assert requests.get(f"{base}/_fake/outbound", timeout=5).json()["data"][0]["text"] == "Dobrý den Jano"
        receiver.wait_for(4)
    finally:
        process.terminate()
        assert process.wait(timeout=10) == 0


# --- against Hovor over real HTTP -----------------------------------------------------
@pytest.mark.django_db(transaction=True)
def test_fake_pushes_into_hovors_webhook(live_server: Any, brand: Any, agent: Any) -> None:
    from channels.services import brand_account_connect
    from inbox.actions.replies import ticket_reply
    from inbox.enums import DeliveryStatus
    from inbox.models import Message
    from tests.support import wait_for

    # Statuses follow a send by 0.1 s, as Meta's follow it by a moment: Hovor stores the
    # reply's wamid when the send returns, and a status for an unknown wamid matches nothing.
    fake = FakeWhatsApp(access_token=TOKEN, app_secret=SECRET, verify_token=VERIFY, phone_number_id=PHONE,
                        status_delay=0.1)
    fake.start()
    try:
        account = brand_account_connect(
            brand=brand, platform="whatsapp", handle="+15550783881", base_url=fake.base_url,
            credentials={"phone_number_id": PHONE, "access_token": TOKEN, "app_secret": SECRET,
                         "verify_token": VERIFY},
        )
        fake.webhook_url = f"{live_server.url}/webhooks/whatsapp/{account.pk}/"
        fake.start_pushing()
        assert fake.verify_webhook()["verified"] is True
        sent = fake.inbound(WA_ID, "Dobrý den, kde je můj balík? 📦", name="Jana Nováková")
        message = wait_for(lambda: Message.objects.filter(platform_id=sent["id"]).first(), timeout=10)
        assert message is not None and message.text == "Dobrý den, kde je můj balík? 📦"
        reply = ticket_reply(ticket=message.ticket, agent=agent, text="Hned to prověřím.")
        assert wait_for(lambda: Message.objects.get(pk=reply.pk).delivery_status == DeliveryStatus.READ, timeout=10)
        # READ is visible while the fourth push is still being answered: wait for the answer.
        assert wait_for(lambda: [d.pushed for d in fake.deliveries()] == [[200]] * 4, timeout=10)
    finally:
        fake.stop()


def test_interactive_list_is_checked_recorded_and_can_be_picked(fake: FakeWhatsApp) -> None:
    fake.inbound(WA_ID, "hi")
    rows = [{"id": f"csat:1:{n}", "title": str(n)} for n in range(1, 6)]
    body = {"messaging_product": "whatsapp", "recipient_type": "individual", "to": WA_ID, "type": "interactive",
            "interactive": {"type": "list", "body": {"text": "Rate us"},
                            "action": {"button": "⭐ 1–5", "sections": [{"rows": rows}]}}}
    sent = api(fake, body)
    assert sent.status_code == 200, sent.text
    assert [r["id"] for r in fake.outbound()[-1]["rows"]] == [r["id"] for r in rows]
    eleven = [{"id": f"r{n}", "title": "x"} for n in range(11)]
    bad = json.loads(json.dumps(body))
    bad["interactive"]["action"]["sections"] = [{"rows": eleven}]
    assert api(fake, bad).status_code == 400
    bad["interactive"]["action"] = {"button": "x" * 21, "sections": [{"rows": rows}]}
    assert api(fake, bad).status_code == 400

    wamid = sent.json()["messages"][0]["id"]
    fake.take_deliveries()
    assert ctl(fake, "POST", "/_fake/press", {"wamid": wamid, "id": "nope"}).status_code == 400
    picked = ctl(fake, "POST", "/_fake/press", {"wamid": wamid, "id": "csat:1:3"}).json()["data"]
    assert picked["type"] == "interactive" and picked["context"]["id"] == wamid
    assert picked["interactive"] == {"type": "list_reply", "list_reply": {"id": "csat:1:3", "title": "3"}}
    [delivery] = fake.take_deliveries()
    assert delivery.payload["entry"][0]["changes"][0]["value"]["messages"][0]["interactive"]["list_reply"]["id"] == (
        "csat:1:3"
    )
