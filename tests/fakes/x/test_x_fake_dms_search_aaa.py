"""The fake's DM, recent-search and Account Activity parts, over HTTP with tweepy (signed
for api.twitter.com and rewritten to loopback, as Hovor's client does) and with requests."""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
import tweepy

from channels.x.parser import aaa_events, parse
from fakes.x import FakeX
from tests.fakes.x.test_fake import BRAND_ID, CREDS, ctl, make_client, user_auth

BEARER = {"Authorization": "Bearer demo-bearer-token"}


@pytest.fixture
def fake() -> Iterator[FakeX]:
    server = FakeX(rate_limit_scale=1e6).start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def client(fake: FakeX) -> tweepy.Client:
    return make_client(fake, return_type=dict)


def dm_from(fake: FakeX, handle: str, text: str, **extra: Any) -> dict[str, Any]:
    return fake.inbound(handle, None, text, kind="dm", **extra)


# --- DMs ------------------------------------------------------------------------------
def test_dm_events_wire_format(fake: FakeX, client: tweepy.Client) -> None:
    sent = dm_from(fake, "@jana", "Ahoj & <b>ahoj</b> 😀")
    user_id = sent["includes"]["users"][0]["id"]
    page = client.get_direct_message_events(
        dm_event_fields=["id", "text", "event_type", "created_at", "sender_id", "dm_conversation_id"],
        event_types="MessageCreate", expansions=["sender_id"], user_fields=["name", "username"],
    )
    [event] = page["data"]
    assert event == {
        "id": sent["data"]["id"],
        "event_type": "MessageCreate",
        "text": "Ahoj &amp; &lt;b&gt;ahoj&lt;/b&gt; 😀",  # X escapes &, < and >
        "created_at": sent["data"]["created_at"],
        "sender_id": user_id,
        "dm_conversation_id": f"{BRAND_ID}-{user_id}",
    }
    assert event["created_at"].endswith(".000Z")
    assert page["includes"]["users"] == [{"id": user_id, "name": "jana", "username": "jana"}]
    assert page["meta"] == {"result_count": 1}
    plain = client.get_direct_message_events()
    assert set(plain["data"][0]) == {"id", "event_type", "text"}


def test_dm_lookup_needs_user_context(fake: FakeX) -> None:
    for path in ("/2/dm_events", f"/2/dm_conversations/with/{BRAND_ID}5/dm_events"):
        resp = requests.get(fake.base_url + path, headers=BEARER, timeout=10)
        assert resp.status_code == 403
        assert resp.json()["type"] == "https://api.twitter.com/2/problems/unsupported-authentication"
    resp = requests.post(fake.base_url + "/2/dm_conversations/with/2000000000000000000/messages",
                         json={"text": "hi"}, headers=BEARER, timeout=10)
    assert resp.status_code == 403


def test_dm_paging_newest_first_and_no_since_id(fake: FakeX, client: tweepy.Client) -> None:
    fake.inbound_bulk([{"author": f"@c{i % 4}", "text": f"dm {i}", "kind": "dm"} for i in range(25)])
    seen: list[str] = []
    token = None
    while True:
        page = client.get_direct_message_events(max_results=10, pagination_token=token)
        seen.extend(e["id"] for e in page["data"])
        assert "newest_id" not in page["meta"]
        token = page["meta"].get("next_token")
        if not token:
            break
    assert len(seen) == 25 and seen == sorted(seen, key=int, reverse=True)
    with pytest.raises(tweepy.BadRequest):
        client.get_direct_message_events(max_results=0)
    with pytest.raises(tweepy.BadRequest):
        client.get_direct_message_events(max_results=101)
    with pytest.raises(tweepy.BadRequest):
        client.get_direct_message_events(dm_event_fields=["bogus"])
    with pytest.raises(tweepy.BadRequest):
        client.get_direct_message_events(event_types="Nope")


def test_dms_older_than_30_days_are_gone(fake: FakeX, client: tweepy.Client) -> None:
    dm_from(fake, "@old", "ancient", created_at="2020-01-01T00:00:00Z")
    dm_from(fake, "@new", "fresh")
    assert [e["text"] for e in client.get_direct_message_events()["data"]] == ["fresh"]


def test_conversation_lookup_and_create_dm(fake: FakeX, client: tweepy.Client) -> None:
    jana = dm_from(fake, "@jana", "první")["includes"]["users"][0]["id"]
    dm_from(fake, "@petr", "jiný zákazník")
    created = client.create_direct_message(participant_id=jana, text="Dobrý den 😀")
    assert set(created["data"]) == {"dm_conversation_id", "dm_event_id"}
    assert created["data"]["dm_conversation_id"] == f"{BRAND_ID}-{jana}"
    convo = client.get_direct_message_events(participant_id=jana, dm_event_fields=["sender_id", "text"])
    assert [(e["sender_id"], e["text"]) for e in convo["data"]] == [(BRAND_ID, "Dobrý den 😀"), (jana, "první")]
    [out] = fake.outbound()
    assert out == {
        "kind": "dm", "id": created["data"]["dm_event_id"], "dm_event_id": created["data"]["dm_event_id"],
        "dm_conversation_id": f"{BRAND_ID}-{jana}", "participant_id": jana, "text": "Dobrý den 😀",
        "created_at": out["created_at"], "auth": "oauth1", "media": [],
    }


def test_create_dm_wire_format_and_refusals(fake: FakeX) -> None:
    jana = dm_from(fake, "@jana", "hi")["includes"]["users"][0]["id"]
    url = fake.base_url + f"/2/dm_conversations/with/{jana}/messages"
    resp = requests.post(url, json={"text": "hello"}, auth=user_auth(), timeout=10)
    assert resp.status_code == 201
    for prefix in ("x-rate-limit", "x-user-limit-24hour"):
        for suffix in ("limit", "remaining", "reset"):
            assert resp.headers[f"{prefix}-{suffix}"].isdigit()
    for body in ({}, {"text": ""}, {"text": "x" * 10_001}):
        bad = requests.post(url, json=body, auth=user_auth(), timeout=10)
        assert bad.status_code == 400 and bad.json()["title"] == "Invalid Request", body
    assert requests.post(fake.base_url + "/2/dm_conversations/with/nobody/messages", json={"text": "x"},
                         auth=user_auth(), timeout=10).status_code == 400
    assert requests.post(fake.base_url + "/2/dm_conversations/with/1999999999999999999/messages",
                         json={"text": "x"}, auth=user_auth(), timeout=10).status_code == 400
    assert requests.post(fake.base_url + f"/2/dm_conversations/with/{BRAND_ID}/messages",
                         json={"text": "x"}, auth=user_auth(), timeout=10).status_code == 400
    assert len(fake.outbound()) == 1


def test_dms_closed_until_the_customer_writes(fake: FakeX, client: tweepy.Client) -> None:
    tweet = fake.inbound("@shy", None, "public only", dms_open=False)
    shy = tweet["includes"]["users"][0]["id"]
    with pytest.raises(tweepy.Forbidden) as info:
        client.create_direct_message(participant_id=shy, text="hi")
    assert info.value.response.json()["detail"] == "You cannot send messages to this user."
    dm_from(fake, "@shy", "ok, here")
    assert client.create_direct_message(participant_id=shy, text="hi")["data"]["dm_event_id"]


def test_inbound_control_kinds(fake: FakeX) -> None:
    resp = ctl(fake, "POST", "/_fake/inbound", {"author": "@z", "text": "Přes DM", "kind": "dm"})
    assert resp.status_code == 201 and resp.json()["data"]["event_type"] == "MessageCreate"
    tweet = ctl(fake, "POST", "/_fake/inbound", {"author": "@z", "text": "Acme is slow", "kind": "tweet"}).json()
    assert tweet["data"]["text"] == "Acme is slow"  # not tagged: no @AcmeCare added
    mentions = requests.get(fake.base_url + f"/2/users/{BRAND_ID}/mentions", headers=BEARER, timeout=10).json()
    assert mentions == {"meta": {"result_count": 0}}
    assert ctl(fake, "POST", "/_fake/inbound", {"author": "@z", "text": "x", "kind": "fax"}).status_code == 400
    assert ctl(fake, "POST", "/_fake/inbound", {"author": "@z", "text": "", "kind": "dm"}).status_code == 400


# --- recent search -------------------------------------------------------------------------
def search(fake: FakeX, query: str, **params: Any) -> requests.Response:
    return requests.get(fake.base_url + "/2/tweets/search/recent", params={"query": query, **params},
                        headers=BEARER, timeout=10)


def texts(resp: requests.Response) -> list[str]:
    return [t["text"] for t in resp.json().get("data", [])]


def test_search_query_operators(fake: FakeX, client: tweepy.Client) -> None:
    for handle, text in [
        ("@eva", "Acme's app is down again"),
        ("@eva", "I love acme"),
        ("@petr", "acmesoft is something else"),
        ("@petr", "the Acme store in Prague"),
        ("@anna", "Nothing about it"),
        ("@anna", "ACME rocks #acme"),
    ]:
        fake.inbound(handle, None, text, kind="tweet")
    client.create_tweet(text="Acme here: thanks all!", user_auth=True)
    assert texts(search(fake, "Acme")) == [
        "Acme here: thanks all!", "ACME rocks #acme", "the Acme store in Prague", "I love acme",
        "Acme's app is down again",
    ]
    assert texts(search(fake, "Acme -from:AcmeCare -is:retweet")) == [
        "ACME rocks #acme", "the Acme store in Prague", "I love acme", "Acme's app is down again",
    ]
    assert texts(search(fake, '"Acme store"')) == ["the Acme store in Prague"]
    assert texts(search(fake, "acme from:eva")) == ["I love acme", "Acme's app is down again"]
    assert texts(search(fake, "(love OR store) acme")) == ["the Acme store in Prague", "I love acme"]
    assert texts(search(fake, "#acme")) == ["ACME rocks #acme"]
    assert texts(search(fake, "nonexistentword")) == []
    assert search(fake, "nonexistentword").json() == {"meta": {"result_count": 0}}
    for bad in ("", "-is:retweet", '"unbalanced', "acme bogus:op", "x" * 513, "(acme"):
        resp = search(fake, bad)
        assert resp.status_code == 400, bad
        assert resp.json()["title"] == "Invalid Request"


def test_search_since_id_paging_and_max_results(fake: FakeX, client: tweepy.Client) -> None:
    first = fake.inbound("@a", None, "Acme zero", kind="tweet")["data"]["id"]
    fake.inbound_bulk([{"author": f"@p{i % 3}", "text": f"Acme {i}", "kind": "tweet"} for i in range(25)])
    seen: list[str] = []
    token = None
    while True:
        page = client.search_recent_tweets("Acme", since_id=first, max_results=10, next_token=token,
                                           expansions=["author_id"], tweet_fields=["author_id", "created_at"])
        seen.extend(t["id"] for t in page["data"])
        assert {u["id"] for u in page["includes"]["users"]} >= {t["author_id"] for t in page["data"]}
        token = page["meta"].get("next_token")
        if not token:
            break
    assert len(seen) == 25 and first not in seen
    assert seen == sorted(seen, key=int, reverse=True)
    with pytest.raises(tweepy.BadRequest):
        client.search_recent_tweets("Acme", max_results=9)
    with pytest.raises(tweepy.BadRequest):
        client.search_recent_tweets("Acme", max_results=101)
    # pagination_token is accepted as well as next_token.
    token = search(fake, "Acme", max_results=10).json()["meta"]["next_token"]
    assert len(texts(search(fake, "Acme", max_results=10, pagination_token=token))) == 10


def test_search_covers_the_last_seven_days(fake: FakeX) -> None:
    fake.inbound("@a", None, "Acme long ago", kind="tweet", created_at="2020-05-05T10:00:00Z")
    fake.inbound("@a", None, "Acme today", kind="tweet")
    assert texts(search(fake, "Acme")) == ["Acme today"]


def test_new_endpoints_carry_rate_limit_headers_and_fail_on_demand(fake: FakeX) -> None:
    for resp in (search(fake, "Acme"),
                 requests.get(fake.base_url + "/2/dm_events", auth=user_auth(), timeout=10)):
        for header in ("x-rate-limit-limit", "x-rate-limit-remaining", "x-rate-limit-reset"):
            assert resp.headers[header].isdigit()
    fake.fail(status=429, times=1, path="/2/dm_events", reset_in=30)
    resp = requests.get(fake.base_url + "/2/dm_events", auth=user_auth(), timeout=10)
    assert resp.status_code == 429 and resp.headers["x-rate-limit-remaining"] == "0"


def test_search_window_runs_out() -> None:
    fake = FakeX(rate_limit_scale=2 / 450).start()
    try:
        assert search(fake, "Acme").headers["x-rate-limit-remaining"] == "1"
        assert search(fake, "Acme").headers["x-rate-limit-remaining"] == "0"
        assert search(fake, "Acme").status_code == 429
    finally:
        fake.stop()


# --- Account Activity API: CRC, then signed pushes -------------------------------------------
class Receiver:
    """A stand-in for Hovor's webhook endpoint that records what X sends it."""

    def __init__(self, secret: str, *, answer_crc: bool = True) -> None:
        self.secret = secret
        self.answer_crc = answer_crc
        self.requests: list[tuple[str, str, dict[str, str], bytes]] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_GET(self) -> None:  # noqa: N802
                receiver.requests.append(("GET", self.path, {k.lower(): v for k, v in self.headers.items()}, b""))
                token = parse_qs(urlsplit(self.path).query).get("crc_token", [""])[0]
                digest = hmac.new(receiver.secret.encode(), token.encode(), hashlib.sha256).digest()
                answer = {"response_token": "sha256=" + base64.b64encode(digest).decode()}
                if not receiver.answer_crc:
                    answer = {"response_token": "sha256=wrong"}
                data = json.dumps(answer).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_POST(self) -> None:  # noqa: N802
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                receiver.requests.append(("POST", self.path, {k.lower(): v for k, v in self.headers.items()}, body))
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/webhooks/x/1/"

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def test_push_starts_with_the_crc_then_signed_deliveries(fake: FakeX, client: tweepy.Client) -> None:
    receiver = Receiver(CREDS["consumer_secret"])
    try:
        assert fake.register_webhook(receiver.url) is True
        tweet = fake.inbound("@jana", "Jana", "Příliš žluťoučký kůň 🐎")["data"]
        dm = dm_from(fake, "@jana", "Soukromě & tajně")["data"]
        fake.inbound("@jana", None, "Acme only named", kind="tweet")  # not a mention: not pushed
        reply = client.create_tweet(text="Díky, Jano!", in_reply_to_tweet_id=tweet["id"], user_auth=True)
        assert fake.wait_deliveries()
        methods = [r[0] for r in receiver.requests]
        assert methods == ["GET", "POST", "POST", "POST"]
        assert "crc_token=" in receiver.requests[0][1]
        bodies = []
        for _, path, headers, body in receiver.requests[1:]:
            assert path == "/webhooks/x/1/"
            expected = "sha256=" + base64.b64encode(
                hmac.new(CREDS["consumer_secret"].encode(), body, hashlib.sha256).digest()).decode()
            assert headers["x-twitter-webhooks-signature"] == expected
            bodies.append(json.loads(body))
        assert [b["for_user_id"] for b in bodies] == [BRAND_ID] * 3
        assert bodies[0]["tweet_create_events"][0]["id_str"] == tweet["id"]
        assert bodies[0]["tweet_create_events"][0]["user"]["screen_name"] == "jana"
        assert bodies[1]["direct_message_events"][0]["id"] == dm["id"]
        assert bodies[1]["direct_message_events"][0]["message_create"]["message_data"]["text"] == "Soukromě &amp; tajně"
        assert bodies[2]["tweet_create_events"][0]["id_str"] == reply["data"]["id"]  # the brand's own post
        # What the fake pushes parses to what polling gives.
        kinds = [e.kind for b in bodies for e in aaa_events(b)]
        assert kinds == ["aaa_tweet", "aaa_dm", "tweet_own"]
        log = fake.webhook_log()
        assert [e["type"] for e in log] == ["crc", "post", "post", "post"] and log[0]["valid"]
    finally:
        receiver.stop()


def test_failed_crc_means_no_deliveries(fake: FakeX) -> None:
    receiver = Receiver(CREDS["consumer_secret"], answer_crc=False)
    try:
        assert fake.register_webhook(receiver.url) is False
        fake.inbound("@jana", None, "hello")
        assert fake.wait_deliveries()
        assert [r[0] for r in receiver.requests] == ["GET", "GET"]  # CRC, and CRC again before sending
        assert [e["type"] for e in fake.webhook_log()] == ["crc", "crc", "skipped"]
    finally:
        receiver.stop()


def test_webhook_control_endpoints(fake: FakeX) -> None:
    receiver = Receiver(CREDS["consumer_secret"])
    try:
        resp = ctl(fake, "POST", "/_fake/webhook", {"url": receiver.url})
        assert resp.json() == {"url": receiver.url, "valid": True}
        fake.inbound("@jana", None, "hello")
        log = ctl(fake, "GET", "/_fake/webhook").json()
        assert log["valid"] and [e["type"] for e in log["data"]] == ["crc", "post"]
        assert ctl(fake, "POST", "/_fake/webhook/crc").json()["valid"] is True
        assert ctl(fake, "POST", "/_fake/webhook", {"url": "ftp://nope"}).status_code == 400
        assert ctl(fake, "POST", "/_fake/webhook", {"url": None}).json() == {"url": None, "valid": False}
    finally:
        receiver.stop()


def test_signed_delivery_in_process(fake: FakeX) -> None:
    long_text = "Dobrý den, " + "objednávka nepřišla, " * 10 + "& co teď?"
    tweet = fake.inbound("@jana", "Jana", long_text)["data"]
    body, headers = fake.signed_delivery(tweet["id"])
    assert headers["x-twitter-webhooks-signature"] == fake.sign(body)
    delivered = json.loads(body)["tweet_create_events"][0]
    # Over 140 characters: compatibility mode cuts `text`, the whole post is in extended_tweet.
    assert delivered["truncated"] is True and delivered["text"].endswith(delivered["entities"]["urls"][0]["url"])
    [event] = aaa_events(json.loads(body), brand_id=BRAND_ID)
    [message] = parse(event.kind, event.payload)
    assert message.text == f"@AcmeCare {long_text}"
    assert message.sent_at.isoformat().startswith(tweet["created_at"][:19])
    with pytest.raises(KeyError):
        fake.signed_delivery("42")


def test_cli_takes_a_webhook_url() -> None:
    import subprocess
    import sys

    from tests.fakes.x.test_fake import REPO_ROOT

    receiver = Receiver("cli-secret")
    proc = subprocess.Popen(
        [sys.executable, "-m", "fakes.x", "--port", "0", "--consumer-secret", "cli-secret",
         "--webhook", receiver.url],
        cwd=REPO_ROOT, stdout=subprocess.PIPE, text=True,
    )
    try:
        assert proc.stdout is not None
        base = proc.stdout.readline().strip().split()[-1]
        requests.post(base + "/_fake/inbound", json={"author": "@cli", "text": "hello"}, timeout=10)
        deadline = time.monotonic() + 10
        while "POST" not in [r[0] for r in receiver.requests] and time.monotonic() < deadline:
            time.sleep(0.05)
        assert [r[0] for r in receiver.requests] == ["GET", "POST"]
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        receiver.stop()
