"""The fake's V2 Webhooks API and Account Activity subscriptions on the wire: shapes, auth,
refusals, and how CRC failures (wrong token, redirect, transient errors) decide validity."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from requests_oauthlib import OAuth1

from fakes.x import FakeX
from tests.support import X_CREDENTIALS

ROOT = Path(__file__).resolve().parents[3]
SECRET = X_CREDENTIALS["consumer_secret"]
BEARER = {"Authorization": f"Bearer {X_CREDENTIALS['bearer_token']}"}
USER = OAuth1(
    X_CREDENTIALS["consumer_key"], SECRET, X_CREDENTIALS["access_token"], X_CREDENTIALS["access_token_secret"]
)
BRAND_ID = "1000000000000000001"


class Receiver:
    """A webhook endpoint whose CRC answer the test chooses: "ok", "wrong", "redirect" or a status."""

    def __init__(self) -> None:
        self.mode: str | int = "ok"
        self.gets = 0
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_GET(self) -> None:  # noqa: N802
                receiver.gets += 1
                token = parse_qs(urlsplit(self.path).query).get("crc_token", [""])[0]
                digest = hmac.new(SECRET.encode(), token.encode(), hashlib.sha256).digest()
                mode = receiver.mode
                status, answer = 200, {"response_token": "sha256=" + base64.b64encode(digest).decode()}
                if mode == "wrong":
                    answer = {"response_token": "sha256=d3Jvbmc="}
                elif isinstance(mode, int):
                    status = mode
                data = json.dumps(answer).encode()
                self.send_response(302 if mode == "redirect" else status)
                if mode == "redirect":
                    self.send_header("Location", "/elsewhere" + self.path)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_POST(self) -> None:  # noqa: N802
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/webhooks/x/7/"

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver()
    yield r
    r.stop()


@pytest.fixture
def fake() -> Iterator[FakeX]:
    with FakeX(
        consumer_key=X_CREDENTIALS["consumer_key"],
        consumer_secret=SECRET,
        access_token=X_CREDENTIALS["access_token"],
        access_token_secret=X_CREDENTIALS["access_token_secret"],
        bearer_token=X_CREDENTIALS["bearer_token"],
        rate_limit_scale=1000,
    ) as fake:
        yield fake


def api(fake: FakeX, method: str, path: str, *, user: bool = False, **kwargs: Any) -> requests.Response:
    auth = {"auth": USER} if user else {"headers": BEARER}
    return requests.request(method, f"{fake.base_url}{path}", timeout=10, **auth, **kwargs)


def reason(response: requests.Response) -> str:
    return str(response.json()["errors"][0]["message"]).split(":")[0]


def test_webhook_lifecycle_shapes(fake: FakeX, receiver: Receiver) -> None:
    assert api(fake, "GET", "/2/webhooks").json() == {"data": [], "meta": {"result_count": 0}}
    created = api(fake, "POST", "/2/webhooks", json={"url": receiver.url})
    assert created.status_code == 200 and receiver.gets == 1
    hook = created.json()["data"]
    assert set(hook) == {"id", "url", "valid", "created_at"} and hook["valid"] is True and hook["url"] == receiver.url
    assert hook["id"].isdigit() and hook["created_at"].endswith("Z")
    assert api(fake, "GET", "/2/webhooks").json() == {"data": [hook], "meta": {"result_count": 1}}
    assert reason(api(fake, "POST", "/2/webhooks", json={"url": receiver.url})) == "DuplicateUrlFailed"

    assert api(fake, "PUT", f"/2/webhooks/{hook['id']}").json() == {"data": {"valid": True}}
    assert receiver.gets == 2  # registration and PUT: the duplicate was refused before any CRC
    assert api(fake, "DELETE", f"/2/webhooks/{hook['id']}").json() == {"data": {"deleted": True}}
    missing = api(fake, "DELETE", f"/2/webhooks/{hook['id']}")
    assert missing.status_code == 400 and reason(missing) == "WebhookIdInvalid"
    assert reason(api(fake, "PUT", "/2/webhooks/42")) == "WebhookIdInvalid"


def test_subscriptions(fake: FakeX, receiver: Receiver) -> None:
    webhook_id = api(fake, "POST", "/2/webhooks", json={"url": receiver.url}).json()["data"]["id"]
    path = f"/2/account_activity/webhooks/{webhook_id}/subscriptions/all"
    assert api(fake, "GET", path, user=True).json() == {"data": {"subscribed": False}}
    assert api(fake, "POST", path, user=True).json() == {"data": {"subscribed": True}}
    again = api(fake, "POST", path, user=True)
    assert again.status_code == 409 and reason(again) == "DuplicateSubscriptionFailed"
    assert api(fake, "GET", path, user=True).json() == {"data": {"subscribed": True}}
    listed = api(fake, "GET", path + "/list").json()["data"]
    assert listed["webhook_id"] == webhook_id and listed["webhook_url"] == receiver.url
    assert listed["subscriptions"] == [{"user_id": BRAND_ID}]
    unsubscribe = f"/2/account_activity/webhooks/{webhook_id}/subscriptions/{BRAND_ID}/all"
    assert api(fake, "DELETE", unsubscribe).json() == {"data": {"subscribed": False}}
    assert reason(api(fake, "DELETE", unsubscribe)) == "SubscriptionNotFound"
    assert reason(api(fake, "POST", "/2/account_activity/webhooks/42/subscriptions/all", user=True)) == (
        "WebhookIdInvalid"
    )


def test_each_endpoint_takes_only_its_documented_auth(fake: FakeX, receiver: Receiver) -> None:
    as_user = api(fake, "POST", "/2/webhooks", user=True, json={"url": receiver.url})
    assert as_user.status_code == 403 and "Application-Only" in as_user.json()["detail"]
    assert receiver.gets == 0
    webhook_id = api(fake, "POST", "/2/webhooks", json={"url": receiver.url}).json()["data"]["id"]
    as_app = api(fake, "POST", f"/2/account_activity/webhooks/{webhook_id}/subscriptions/all")
    assert as_app.status_code == 403 and "User Context" in as_app.json()["detail"]
    nobody = requests.get(f"{fake.base_url}/2/webhooks", timeout=10)
    assert nobody.status_code == 401


@pytest.mark.parametrize(
    "url",
    [
        "http://hovor.example/webhooks/x/1/",  # not https
        "https://hovor.example:8443/webhooks/x/1/",  # a port
        "https://hovor.example/" + "x" * 200,  # too long
        "ftp://hovor.example/",
    ],
)
def test_url_requirements(fake: FakeX, url: str) -> None:
    refused = api(fake, "POST", "/2/webhooks", json={"url": url})
    assert refused.status_code == 400 and reason(refused) == "UrlValidationFailed"
    assert refused.json()["type"] == "https://api.twitter.com/2/problems/invalid-request"


def test_missing_url(fake: FakeX) -> None:
    assert api(fake, "POST", "/2/webhooks", json={}).status_code == 400


@pytest.mark.parametrize("mode", ["wrong", "redirect", 500, 404])
def test_a_failed_crc_refuses_the_registration(fake: FakeX, receiver: Receiver, mode: str | int) -> None:
    receiver.mode = mode
    refused = api(fake, "POST", "/2/webhooks", json={"url": receiver.url})
    assert refused.status_code == 400 and reason(refused) == "CrcValidationFailed"
    assert fake.webhooks() == []


def test_webhook_limit(receiver: Receiver) -> None:
    with FakeX(bearer_token=X_CREDENTIALS["bearer_token"], consumer_secret=SECRET, webhook_limit=1) as fake:
        assert api(fake, "POST", "/2/webhooks", json={"url": receiver.url}).status_code == 200
        refused = api(fake, "POST", "/2/webhooks", json={"url": receiver.url + "?second"})
        assert refused.status_code == 400 and reason(refused) == "WebhookLimitExceeded"


def subscribed_hook(fake: FakeX, receiver: Receiver) -> str:
    webhook_id = str(api(fake, "POST", "/2/webhooks", json={"url": receiver.url}).json()["data"]["id"])
    api(fake, "POST", f"/2/account_activity/webhooks/{webhook_id}/subscriptions/all", user=True)
    return webhook_id


def test_wrong_token_or_redirect_at_a_periodic_check_invalidates_at_once(fake: FakeX, receiver: Receiver) -> None:
    subscribed_hook(fake, receiver)
    receiver.mode = "redirect"
    [hook] = fake.recheck_webhooks()
    assert hook["valid"] is False
    fake.inbound("@jana", "Jana", "hello", kind="dm")
    assert fake.wait_deliveries()
    assert [e["type"] for e in fake.webhook_log()] == ["crc", "crc", "skipped"]
    # Periodic checks leave an invalid webhook alone; PUT brings it back.
    receiver.mode = "ok"
    gets = receiver.gets
    assert fake.recheck_webhooks()[0]["valid"] is False and receiver.gets == gets


def test_transient_failures_are_forgiven_within_the_grace_period(receiver: Receiver) -> None:
    for grace, still_valid in ((28 * 3600.0, True), (0.0, False)):
        with FakeX(
            consumer_key=X_CREDENTIALS["consumer_key"],
            consumer_secret=SECRET,
            access_token=X_CREDENTIALS["access_token"],
            access_token_secret=X_CREDENTIALS["access_token_secret"],
            bearer_token=X_CREDENTIALS["bearer_token"],
            crc_grace=grace,
        ) as fake:
            receiver.mode = "ok"
            subscribed_hook(fake, receiver)
            receiver.mode = 503
            [hook] = fake.recheck_webhooks()
            assert hook["valid"] is still_valid
            last = fake.webhook_log()[-1]
            assert last["status"] == 503 and last["transient"] is True


def test_deliveries_go_only_to_webhooks_the_brand_is_subscribed_to(fake: FakeX, receiver: Receiver) -> None:
    api(fake, "POST", "/2/webhooks", json={"url": receiver.url})  # registered, nobody subscribed
    fake.inbound("@jana", "Jana", "hello", kind="dm")
    assert fake.wait_deliveries()
    assert [e["type"] for e in fake.webhook_log()] == ["crc"]


def test_cli_takes_the_crc_interval() -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "fakes.x", "--port", "0", "--crc-interval", "0.2", "--webhook-limit", "1"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        base = proc.stdout.readline().strip().split()[-1]
        assert requests.get(base + "/_fake/webhooks", timeout=10).json()["data"] == []
        assert requests.post(base + "/_fake/webhooks/crc", timeout=10).json() == {"data": []}
    finally:
        proc.terminate()
        proc.wait(timeout=10)
