"""The loopback Meta fake over HTTP: Graph error JSON and headers, the Send API's rules,
comment edges, control endpoints, and the standalone process pushing signed deliveries to
a webhook after verifying it (`python -m fakes.facebook --webhook URL …`)."""
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

from fakes.facebook import FakeMeta, meta_json
from tests.channels.facebook.meta_support import APP_SECRET, PAGE_ID, PAGE_TOKEN, VERIFY_TOKEN

REPO_ROOT = Path(__file__).resolve().parents[3]
AUTH = {"Authorization": f"Bearer {PAGE_TOKEN}"}


def graph(fake: FakeMeta, method: str, path: str, **kwargs: Any) -> requests.Response:
    headers = {**AUTH, **kwargs.pop("headers", {})}
    return requests.request(method, f"{fake.base_url}/v21.0/{path}", headers=headers, timeout=10, **kwargs)


def ctl(fake: FakeMeta, method: str, path: str, payload: Any = None) -> requests.Response:
    return requests.request(method, fake.base_url + path, json=payload, timeout=10)


def send(fake: FakeMeta, psid: str, text: str = "hi", **extra: Any) -> requests.Response:
    body = {"recipient": {"id": psid}, "messaging_type": "RESPONSE", "message": {"text": text}, **extra}
    return graph(fake, "POST", f"{PAGE_ID}/messages", json=body)


def test_meta_serialisation() -> None:
    assert meta_json({"t": "ä/😀"}) == b'{"t":"\\u00e4\\/\\ud83d\\ude00"}'
    assert json.loads(meta_json({"t": "a\\/b"})) == {"t": "a\\/b"}


def test_inbound_control_endpoint_returns_the_platform_object(fake: FakeMeta) -> None:
    response = ctl(fake, "POST", "/_fake/inbound", {"author": "jana", "name": "Jana", "text": "Dobrý den"})
    assert response.status_code == 201
    body = response.json()
    item = body["data"]
    assert item["recipient"] == {"id": PAGE_ID}
    assert item["message"]["text"] == "Dobrý den" and item["message"]["mid"].startswith("m_")
    assert item["sender"]["id"].isdigit() and len(item["sender"]["id"]) == 17
    assert b"Dobr\\u00fd den" in fake.last_delivery.body
    assert body["delivery"]["pushed"] is False  # no --webhook
    backdated = ctl(fake, "POST", "/_fake/inbound", {"author": "jana", "text": "old", "at": "2025-01-02T03:04:05Z"})
    assert backdated.json()["data"]["timestamp"] == 1735787045000
    comment = ctl(fake, "POST", "/_fake/inbound", {"author": "petr", "name": "Petr", "text": "hi", "kind": "comment"})
    value = comment.json()["data"]
    assert value["item"] == "comment" and value["verb"] == "add" and value["parent_id"] == value["post_id"]
    assert value["from"]["name"] == "Petr" and value["from"]["id"] != fake.user_id("petr")  # not the PSID
    assert ctl(fake, "POST", "/_fake/inbound", {"text": "no author"}).status_code == 400
    assert ctl(fake, "POST", "/_fake/inbound", {"author": "x", "text": "hi", "kind": "tweet"}).status_code == 400


def test_bulk_inbound_batches_entries(fake: FakeMeta) -> None:
    items = [{"author": f"u{i}", "text": f"m{i}"} for i in range(5)] + [{"author": "c", "text": "k", "kind": "comment"}]
    response = ctl(fake, "POST", "/_fake/inbound/bulk", {"items": items, "per_entry": 2})
    assert response.status_code == 201 and response.json()["count"] == 6
    payload = fake.last_delivery.payload
    assert [len(e.get("messaging", e.get("changes", []))) for e in payload["entry"]] == [2, 2, 1, 1]
    signature = hmac.new(APP_SECRET.encode(), fake.last_delivery.body, hashlib.sha256).hexdigest()
    assert fake.last_delivery.headers["X-Hub-Signature-256"] == f"sha256={signature}"


def test_graph_errors_have_meta_shape(fake: FakeMeta) -> None:
    missing = requests.post(f"{fake.base_url}/v21.0/{PAGE_ID}/messages", json={}, timeout=10)
    assert missing.status_code == 400 and missing.json()["error"]["code"] == 104
    wrong = requests.post(
        f"{fake.base_url}/v21.0/{PAGE_ID}/messages", json={}, headers={"Authorization": "Bearer nope"}, timeout=10
    )
    error = wrong.json()["error"]
    assert wrong.status_code == 400 and error["code"] == 190 and error["type"] == "OAuthException"
    assert error["fbtrace_id"] and wrong.headers["WWW-Authenticate"].startswith('OAuth "Facebook Platform"')
    unknown = graph(fake, "GET", "987654321")
    assert unknown.json()["error"]["code"] == 100 and unknown.json()["error"]["error_subcode"] == 33
    assert unknown.json()["error"]["type"] == "GraphMethodException"
    ok = graph(fake, "GET", PAGE_ID, params={"access_token": PAGE_TOKEN}, headers={"Authorization": ""})
    assert ok.status_code == 200 and ok.json() == {"id": PAGE_ID, "name": "Acme Care"}
    assert json.loads(ok.headers["X-App-Usage"]).keys() == {"call_count", "total_cputime", "total_time"}
    assert ok.headers["x-fb-trace-id"] and ok.headers["facebook-api-version"] == "v21.0"


def test_injected_throttling_carries_usage_headers(fake: FakeMeta) -> None:
    psid = fake.inbound("jana", None, "hi")["sender"]["id"]
    assert ctl(fake, "POST", "/_fake/fail", {"code": 80006, "times": 2, "regain_minutes": 4}).json() == {"armed": 2}
    for _ in range(2):
        response = send(fake, psid)
        assert response.status_code == 400 and response.json()["error"]["code"] == 80006
        usage = json.loads(response.headers["X-Business-Use-Case-Usage"])
        assert usage[PAGE_ID][0]["estimated_time_to_regain_access"] == 4
        assert usage[PAGE_ID][0]["type"] == "messenger"
    assert send(fake, psid).status_code == 200
    assert len(fake.outbound()) == 1


@pytest.mark.parametrize(("status", "code"), [(500, 1), (503, 2), (429, 4)])
def test_injected_status_maps_to_graph_codes(fake: FakeMeta, status: int, code: int) -> None:
    fake.fail(status=status, path="/messages")
    assert graph(fake, "GET", PAGE_ID).status_code == 200  # the path filter
    psid = fake.inbound("jana", None, "hi")["sender"]["id"]
    response = send(fake, psid)
    assert response.status_code == status and response.json()["error"]["code"] == code
    assert fake.outbound() == []


def test_failure_after_acting_has_taken_effect(fake: FakeMeta) -> None:
    psid = fake.inbound("jana", None, "hi")["sender"]["id"]
    fake.fail(status=500, after=True)
    assert send(fake, psid, "once").status_code == 500
    assert [o["text"] for o in fake.outbound()] == ["once"]
    conversations = graph(fake, "GET", f"{PAGE_ID}/conversations", params={"platform": "messenger", "user_id": psid})
    [conversation] = conversations.json()["data"]
    assert [m["message"] for m in conversation["messages"]["data"]] == ["once", "hi"]
    assert conversation["messages"]["data"][0]["from"]["id"] == PAGE_ID


def test_send_api_rules(fake: FakeMeta) -> None:
    psid = fake.inbound("jana", None, "hi")["sender"]["id"]
    no_type = graph(fake, "POST", f"{PAGE_ID}/messages", json={"recipient": {"id": psid}, "message": {"text": "x"}})
    assert no_type.json()["error"]["code"] == 100
    nobody = send(fake, "1234567890")
    assert nobody.json()["error"]["error_subcode"] == 2018001
    too_long = send(fake, psid, "x" * 2001)
    assert too_long.status_code == 400 and "2000" in too_long.json()["error"]["message"]
    assert send(fake, psid, "x" * 2000).status_code == 200
    tag_missing = send(fake, psid, messaging_type="MESSAGE_TAG")
    assert tag_missing.json()["error"]["code"] == 100
    form = requests.post(
        f"{fake.base_url}/v21.0/me/messages",
        data={"recipient": json.dumps({"id": psid}), "messaging_type": "RESPONSE",
              "message": json.dumps({"text": "form ✓"}), "access_token": PAGE_TOKEN},
        timeout=10,
    )
    assert form.status_code == 200 and form.json()["recipient_id"] == psid
    fake.block("jana")
    blocked = send(fake, psid)
    assert blocked.json()["error"]["code"] == 551 and blocked.json()["error"]["error_subcode"] == 1545041


def test_window_error_is_metas(fake: FakeMeta) -> None:
    psid = fake.inbound("jana", None, "hi", at=time.time() - 25 * 3600)["sender"]["id"]
    response = send(fake, psid)
    assert response.status_code == 400
    error = response.json()["error"]
    assert (error["code"], error["error_subcode"]) == (10, 2018278)
    assert error["message"] == "(#10) This message is sent outside of allowed window."
    assert send(fake, psid, messaging_type="MESSAGE_TAG", tag="HUMAN_AGENT").status_code == 200


def test_comment_edges_and_private_replies(fake: FakeMeta) -> None:
    top = fake.inbound("anna", "Anna", "Máte M?", kind="comment")
    reply = graph(fake, "POST", f"{top['comment_id']}/comments", json={"message": "Ano ✓"})
    assert reply.status_code == 200
    new_id = reply.json()["id"]
    assert new_id.split("_")[0] == top["post_id"].split("_")[1]
    own = fake.last_delivery.payload["entry"][0]["changes"][0]["value"]
    assert own["from"] == {"id": PAGE_ID, "name": "Acme Care"} and own["parent_id"] == top["comment_id"]
    listed = graph(fake, "GET", f"{top['comment_id']}/comments", params={"order": "reverse_chronological"}).json()
    assert [c["message"] for c in listed["data"]] == ["Ano ✓"] and "paging" in listed
    too_long = graph(fake, "POST", f"{top['comment_id']}/comments", json={"message": "x" * 8001})
    assert too_long.status_code == 400
    assert graph(fake, "GET", top["comment_id"], params={"fields": "can_reply_privately"}).json()[
        "can_reply_privately"] is True
    private = graph(fake, "POST", f"{PAGE_ID}/messages",
                    json={"recipient": {"comment_id": top["comment_id"]}, "message": {"text": "Soukromě"}})
    assert private.status_code == 200 and private.json()["recipient_id"] == fake.user_id("anna")
    again = graph(fake, "POST", f"{PAGE_ID}/messages",
                  json={"recipient": {"comment_id": top["comment_id"]}, "message": {"text": "Znovu"}})
    assert again.json()["error"]["code"] == 10900
    assert graph(fake, "GET", top["comment_id"], params={"fields": "can_reply_privately"}).json()[
        "can_reply_privately"] is False
    old = fake.inbound("olga", "Olga", "old", kind="comment", at=time.time() - 8 * 86400)
    late = graph(fake, "POST", f"{PAGE_ID}/messages",
                 json={"recipient": {"comment_id": old["comment_id"]}, "message": {"text": "late"}})
    assert late.json()["error"]["code"] == 10903
    assert graph(fake, "POST", "999_999/comments", json={"message": "x"}).json()["error"]["error_subcode"] == 33
    kinds = [o["kind"] for o in ctl(fake, "GET", "/_fake/outbound").json()["data"]]
    assert kinds == ["comment_reply", "private_reply"]


def test_customer_side_controls(fake: FakeMeta) -> None:
    top = fake.inbound("anna", "Anna", "Máte M?", kind="comment")
    edited = ctl(fake, "POST", "/_fake/edit", {"comment_id": top["comment_id"], "text": "Máte L?"}).json()["data"]
    assert edited["verb"] == "edited" and edited["message"] == "Máte L?"
    removed = ctl(fake, "POST", "/_fake/remove", {"comment_id": top["comment_id"]}).json()["data"]
    assert removed["verb"] == "remove" and "message" not in removed
    fake.inbound("jana", None, "hi")
    read = ctl(fake, "POST", "/_fake/read", {"author": "jana"}).json()["data"]
    assert "watermark" in read["read"]
    summary = ctl(fake, "GET", "/_fake/deliveries").json()["data"]
    assert len(summary) == 5 and all(d["pushed"] is False for d in summary)
    assert ctl(fake, "POST", "/_fake/reset").json() == {"reset": True}
    assert fake.outbound() == [] and fake.deliveries == []


# --- the standalone process pushing to a webhook --------------------------------------
class _Receiver:
    """A stand-in webhook: answers the verification GET and records signed POSTs."""

    def __init__(self) -> None:
        self.gets: list[dict[str, list[str]]] = []
        self.posts: list[tuple[dict[str, str], bytes]] = []
        self.fail_next = 0
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                query = parse_qs(urlsplit(self.path).query)
                receiver.gets.append(query)
                ok = query.get("hub.verify_token") == [VERIFY_TOKEN]
                body = query["hub.challenge"][0].encode() if ok else b"no"
                self.send_response(200 if ok else 403)
                self.send_header("Content-Type", "text/plain")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                status = 500 if receiver.fail_next > 0 else 200
                receiver.fail_next -= 1
                receiver.posts.append((dict(self.headers.items()), body))
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/webhooks/facebook/1/"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver() -> Iterator[_Receiver]:
    server = _Receiver()
    yield server
    server.close()


def wait_until(predicate: Any, timeout: float = 10.0) -> Any:
    deadline = time.time() + timeout
    while time.time() < deadline:
        if predicate():
            return True
        time.sleep(0.02)
    return predicate()


def test_standalone_fake_verifies_then_pushes_signed_deliveries(receiver: _Receiver) -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "fakes.facebook", "--port", "0", "--webhook", receiver.url,
         "--app-secret", APP_SECRET, "--verify-token", VERIFY_TOKEN, "--page-id", PAGE_ID,
         "--access-token", PAGE_TOKEN, "--retry-interval", "0.2"],
        cwd=REPO_ROOT, stdout=subprocess.PIPE, text=True,
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        assert line.startswith("FAKE_FACEBOOK_READY http://127.0.0.1:")
        base = line.split()[1]
        assert wait_until(lambda: receiver.gets)
        assert receiver.gets[0]["hub.mode"] == ["subscribe"] and receiver.gets[0]["hub.verify_token"] == [VERIFY_TOKEN]

        receiver.fail_next = 1  # the first push fails; Meta (and the fake) retry
        created = requests.post(base + "/_fake/inbound", json={"author": "jana", "text": "Žluťoučký kůň"}, timeout=10)
        assert created.status_code == 201
        assert wait_until(lambda: len(receiver.posts) >= 2)
        (first_headers, first_body), (headers, body) = receiver.posts[:2]
        assert first_body == body
        expected = "sha256=" + hmac.new(APP_SECRET.encode(), body, hashlib.sha256).hexdigest()
        assert headers["X-Hub-Signature-256"] == expected
        assert headers["X-Hub-Signature"].startswith("sha1=")
        assert headers["Content-Type"] == "application/json"
        assert b"\\u017dlu\\u0165ou\\u010dk\\u00fd k\\u016f\\u0148" in body
        payload = json.loads(body)
        assert payload["object"] == "page" and payload["entry"][0]["messaging"][0]["message"]["text"] == "Žluťoučký kůň"
        deliveries = requests.get(base + "/_fake/deliveries", timeout=10).json()["data"]
        assert deliveries[0]["pushed"] is True and deliveries[0]["attempts"] == 2
    finally:
        proc.terminate()
        proc.wait(timeout=10)


@pytest.mark.django_db(transaction=True)
def test_in_process_push_to_hovor(live_server: Any, brand: Any, agent: Any) -> None:
    """The fake pushing to a running Hovor: verification, a customer message in, a reply
    out, its echo and delivery receipt pushed back and absorbed."""
    from inbox.actions.replies import ticket_reply
    from inbox.models import Message, Ticket
    from tests.channels.facebook.meta_support import connect, start_fake

    fake = start_fake("facebook")
    try:
        account = connect(brand, "facebook", fake)
        fake.webhook = f"{live_server.url}/webhooks/facebook/{account.pk}/"
        fake.inbound("jana", "Jana", "Pošlete mi prosím fakturu 🙏")
        assert fake.verified and fake.last_delivery.pushed
        ticket = Ticket.objects.get()
        # SQLite (the test database) takes one writer at a time: the echo and receipt are
        # pushed after the reply's own writes, as Meta's come after its answer.
        webhook, fake.webhook = fake.webhook, None
        count = len(fake.deliveries)
        reply = ticket_reply(ticket=ticket, agent=agent, text="Posíláme.")
        fake.webhook = webhook
        echo, receipt = fake.deliveries_since(count)
        assert fake.push(echo) and fake.push(receipt)
        assert Message.objects.get(pk=reply.pk).delivery_status == "delivered"
        assert list(Message.objects.filter(direction="in").values_list("text", flat=True)) == [
            "Pošlete mi prosím fakturu 🙏"
        ]
    finally:
        fake.stop()


def test_quick_replies_are_checked_recorded_and_can_be_tapped(fake: FakeMeta) -> None:
    item = ctl(fake, "POST", "/_fake/inbound", {"author": "jana", "text": "hi", "push": False}).json()["data"]
    psid = item["sender"]["id"]
    replies = [{"content_type": "text", "title": str(n), "payload": f"csat:1:{n}"} for n in range(1, 6)]
    sent = send(fake, psid, "Rate us", message={"text": "Rate us", "quick_replies": replies})
    assert sent.status_code == 200, sent.text
    assert fake.outbound()[-1]["quick_replies"] == replies
    too_many = [{"content_type": "text", "title": "x", "payload": "p"}] * 14
    assert send(fake, psid, message={"text": "?", "quick_replies": too_many}).status_code == 400
    long_title = [{"content_type": "text", "title": "x" * 21, "payload": "p"}]
    assert send(fake, psid, message={"text": "?", "quick_replies": long_title}).status_code == 400

    mid = sent.json()["message_id"]
    assert ctl(fake, "POST", "/_fake/press", {"mid": mid, "payload": "nope"}).status_code == 400
    tapped = ctl(fake, "POST", "/_fake/press", {"mid": mid, "payload": "csat:1:5"}).json()["data"]
    assert tapped["sender"]["id"] == psid
    assert tapped["message"]["text"] == "5" and tapped["message"]["quick_reply"] == {"payload": "csat:1:5"}
    delivered = json.loads(fake.last_delivery.body)
    assert delivered["entry"][0]["messaging"][0]["message"]["quick_reply"] == {"payload": "csat:1:5"}
