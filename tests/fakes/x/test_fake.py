"""The loopback X fake, exercised over HTTP with requests and with real tweepy (signing for
https://api.twitter.com and rewritten to loopback by a session adapter, as Hovor's client does)."""

from __future__ import annotations

import re
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest
import requests
import tweepy
from requests.adapters import HTTPAdapter
from requests_oauthlib import OAuth1

from fakes.x import FakeX

CANONICAL = "https://api.twitter.com"
REPO_ROOT = Path(__file__).resolve().parents[3]

CREDS = {
    "bearer_token": "demo-bearer-token",
    "consumer_key": "demo-consumer-key",
    "consumer_secret": "demo-consumer-secret",
    "access_token": "demo-access-token",
    "access_token_secret": "demo-access-token-secret",
}
BRAND_ID = "1000000000000000001"


class RewriteAdapter(HTTPAdapter):
    """Sends requests signed for api.twitter.com to the fake instead."""

    def __init__(self, base_url: str, timeout: float | None = None) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        super().__init__()

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        if request.url and request.url.startswith(CANONICAL):
            request.url = self.base_url + request.url[len(CANONICAL) :]
        if self.timeout is not None and kwargs.get("timeout") is None:
            kwargs["timeout"] = self.timeout
        return super().send(request, **kwargs)


def make_client(fake: FakeX, timeout: float | None = None, **overrides: Any) -> tweepy.Client:
    creds = {**CREDS, **overrides}
    return_type = creds.pop("return_type", tweepy.Response)
    client = tweepy.Client(**creds, return_type=return_type, wait_on_rate_limit=False)
    client.session.mount(CANONICAL, RewriteAdapter(fake.base_url, timeout=timeout))
    return client


def user_auth() -> OAuth1:
    return OAuth1(CREDS["consumer_key"], CREDS["consumer_secret"], CREDS["access_token"], CREDS["access_token_secret"])


@pytest.fixture
def fake():
    server = FakeX(rate_limit_scale=1e6).start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def client(fake):
    return make_client(fake)


def ctl(fake: FakeX, method: str, path: str, json: Any = None) -> requests.Response:
    return requests.request(method, fake.base_url + path, json=json, timeout=10)


def bulk(fake: FakeX, items: list[dict[str, Any]]) -> None:
    resp = ctl(fake, "POST", "/_fake/inbound/bulk", {"items": items})
    assert resp.status_code == 201
    assert resp.json() == {"count": len(items)}


# ---------------------------------------------------------------------------- users/me, auth


def test_get_me_with_user_context(fake, client):
    resp = client.get_me(user_auth=True)
    assert resp.data.id == int(BRAND_ID)
    assert resp.data.username == "AcmeCare"
    assert resp.data.name == "Acme Care"


def test_users_me_wire_format_and_rate_headers(fake):
    auth = user_auth()
    # Signed over the loopback URL itself (no rewrite) is accepted too.
    resp = requests.get(fake.base_url + "/2/users/me", auth=auth, timeout=10)
    assert resp.status_code == 200
    assert resp.headers["Content-Type"] == "application/json; charset=utf-8"
    assert resp.json() == {"data": {"id": BRAND_ID, "name": "Acme Care", "username": "AcmeCare"}}
    for header in ("x-rate-limit-limit", "x-rate-limit-remaining", "x-rate-limit-reset"):
        assert resp.headers[header].isdigit()
    assert int(resp.headers["x-rate-limit-reset"]) > time.time() + 800


def test_missing_auth_is_401_with_x_body(fake):
    resp = requests.get(fake.base_url + f"/2/users/{BRAND_ID}/mentions", timeout=10)
    assert resp.status_code == 401
    assert resp.headers["Content-Type"].startswith("application/json")
    assert resp.json() == {"title": "Unauthorized", "type": "about:blank", "status": 401, "detail": "Unauthorized"}


def test_bad_oauth_secret_is_unauthorized(fake):
    bad = make_client(fake, consumer_secret="wrong-secret")
    with pytest.raises(tweepy.Unauthorized):
        bad.get_me(user_auth=True)
    with pytest.raises(tweepy.Unauthorized):
        bad.create_tweet(text="hello", user_auth=True)
    bad_token = make_client(fake, access_token_secret="wrong")
    with pytest.raises(tweepy.Unauthorized):
        bad_token.get_me(user_auth=True)
    assert fake.outbound() == []


def test_bad_bearer_is_unauthorized(fake):
    bad = make_client(fake, bearer_token="nope")
    with pytest.raises(tweepy.Unauthorized):
        bad.get_users_mentions(BRAND_ID)


def test_bearer_cannot_post_tweets(fake, client):
    with pytest.raises(tweepy.Forbidden) as info:
        client.create_tweet(text="app-only", user_auth=False)
    body = info.value.response.json()
    assert body["type"] == "https://api.twitter.com/2/problems/unsupported-authentication"
    assert body["status"] == 403


def test_tampered_query_fails_signature(fake):
    """The signature covers the query string: a request whose params changed after signing is refused."""

    class Tamper(RewriteAdapter):
        def send(self, request, **kwargs):
            request.url = request.url.replace("max_results=10", "max_results=11")
            return super().send(request, **kwargs)

    client = tweepy.Client(**CREDS)
    client.session.mount(CANONICAL, Tamper(fake.base_url))
    with pytest.raises(tweepy.Unauthorized):
        client.get_users_mentions(BRAND_ID, max_results=10, user_auth=True)
    # Untampered, the same call works with user context.
    assert make_client(fake).get_users_mentions(BRAND_ID, max_results=10, user_auth=True).meta == {"result_count": 0}


# ---------------------------------------------------------------------------- mentions


def test_page_through_250_mentions_newest_first(fake, client):
    first = fake.inbound("@early_bird", "Early", "before the baseline")
    since_id = first["data"]["id"]
    bulk(
        fake,
        [{"author": f"@cust{i % 7}", "name": f"Customer {i % 7}", "text": f"help #{i}"} for i in range(250)],
    )

    seen: list[int] = []
    token = None
    pages = 0
    while True:
        resp = client.get_users_mentions(
            BRAND_ID,
            max_results=100,
            since_id=since_id,
            pagination_token=token,
            expansions=["author_id", "referenced_tweets.id"],
            tweet_fields=["created_at", "conversation_id", "author_id", "lang"],
            user_fields=["name", "username"],
        )
        pages += 1
        assert resp.includes["users"], "author_id expansion must produce includes.users"
        authors = {u.id for u in resp.includes["users"]}
        for tweet in resp.data:
            assert tweet.author_id in authors
            assert tweet.created_at is not None
            assert tweet.text.startswith("@AcmeCare help #")
        seen.extend(t.id for t in resp.data)
        assert resp.meta["result_count"] == len(resp.data)
        assert resp.meta["newest_id"] == str(resp.data[0].id)
        assert resp.meta["oldest_id"] == str(resp.data[-1].id)
        token = resp.meta.get("next_token")
        if not token:
            break
        assert not token.isdigit()
        assert token != resp.meta["oldest_id"]
    assert pages == 3
    assert len(seen) == 250 == len(set(seen))
    assert seen == sorted(seen, reverse=True)
    assert int(since_id) not in seen


def test_since_id_and_zero_results(fake, client):
    bulk(fake, [{"author": "@jana", "text": f"one {i}"} for i in range(5)])
    newest = client.get_users_mentions(BRAND_ID, max_results=5).meta["newest_id"]

    resp = requests.get(
        fake.base_url + f"/2/users/{BRAND_ID}/mentions",
        params={"since_id": newest},
        headers={"Authorization": "Bearer demo-bearer-token"},
        timeout=10,
    )
    assert resp.status_code == 200
    assert resp.json() == {"meta": {"result_count": 0}}

    bulk(fake, [{"author": "@jana", "text": f"two {i}"} for i in range(3)])
    resp = client.get_users_mentions(BRAND_ID, since_id=newest)
    assert [t.text for t in resp.data] == ["@AcmeCare two 2", "@AcmeCare two 1", "@AcmeCare two 0"]
    assert "next_token" not in resp.meta


def test_default_fields_and_requested_fields(fake):
    fake.inbound("@petr", "Petr", "Dobrý den, nefunguje mi objednávka")
    url = fake.base_url + f"/2/users/{BRAND_ID}/mentions"
    bearer = {"Authorization": "Bearer demo-bearer-token"}
    plain = requests.get(url, headers=bearer, timeout=10).json()
    assert set(plain["data"][0]) == {"id", "text", "edit_history_tweet_ids"}
    assert "includes" not in plain

    full = requests.get(
        url,
        params={"tweet.fields": "created_at,conversation_id,author_id,lang", "expansions": "author_id"},
        headers=bearer,
        timeout=10,
    ).json()
    tweet = full["data"][0]
    assert tweet["lang"] == "cs"
    assert tweet["conversation_id"] == tweet["id"]
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", tweet["created_at"])
    assert tweet["edit_history_tweet_ids"] == [tweet["id"]]
    assert full["includes"]["users"] == [{"id": tweet["author_id"], "name": "Petr", "username": "petr"}]


def test_max_results_out_of_range_is_bad_request(fake, client):
    with pytest.raises(tweepy.BadRequest) as info:
        client.get_users_mentions(BRAND_ID, max_results=4)
    assert info.value.response.json()["type"] == "https://api.twitter.com/2/problems/invalid-request"
    with pytest.raises(tweepy.BadRequest):
        client.get_users_mentions(BRAND_ID, max_results=101)
    with pytest.raises(tweepy.BadRequest):
        client.get_users_mentions("not-a-number")
    with pytest.raises(tweepy.BadRequest):
        client.get_users_mentions(BRAND_ID, pagination_token="garbage!")


def test_pagination_token_is_stable(fake, client):
    bulk(fake, [{"author": "@stable", "text": f"t{i}"} for i in range(12)])
    a = client.get_users_mentions(BRAND_ID, max_results=5).meta["next_token"]
    b = client.get_users_mentions(BRAND_ID, max_results=5).meta["next_token"]
    assert a == b
    second = client.get_users_mentions(BRAND_ID, max_results=5, pagination_token=a)
    third = client.get_users_mentions(BRAND_ID, max_results=5, pagination_token=second.meta["next_token"])
    assert third.meta["result_count"] == 2
    assert "next_token" not in third.meta


def test_only_800_most_recent_mentions_reachable(fake, client):
    bulk(fake, [{"author": "@many", "text": f"m{i}"} for i in range(850)])
    total = 0
    token = None
    while True:
        resp = client.get_users_mentions(BRAND_ID, max_results=100, pagination_token=token)
        total += resp.meta["result_count"]
        token = resp.meta.get("next_token")
        if not token:
            break
    assert total == 800


def test_reply_chain_and_expansions(fake, client):
    root = fake.inbound("@anna", "Anna", "my parcel is late")["data"]
    reply = client.create_tweet(text="Sorry Anna, checking!", in_reply_to_tweet_id=root["id"], user_auth=True)
    follow = fake.inbound("@anna", None, "@AcmeCare thanks", in_reply_to=reply.data["id"])["data"]
    assert follow["in_reply_to_user_id"] == BRAND_ID
    assert follow["referenced_tweets"] == [{"type": "replied_to", "id": reply.data["id"]}]
    assert follow["conversation_id"] == root["id"]

    # A reply to the brand's tweet is a mention even without @AcmeCare in the text.
    silent = fake.inbound("@anna", None, "still waiting", in_reply_to=reply.data["id"])["data"]
    assert silent["text"] == "still waiting"

    resp = requests.get(
        fake.base_url + f"/2/users/{BRAND_ID}/mentions",
        params={
            "expansions": "author_id,referenced_tweets.id,in_reply_to_user_id",
            "tweet.fields": "referenced_tweets,in_reply_to_user_id,conversation_id",
        },
        headers={"Authorization": "Bearer demo-bearer-token"},
        timeout=10,
    ).json()
    assert [t["id"] for t in resp["data"]] == [silent["id"], follow["id"], root["id"]]
    assert {u["username"] for u in resp["includes"]["users"]} == {"anna", "AcmeCare"}
    assert [t["id"] for t in resp["includes"]["tweets"]] == [reply.data["id"]]
    assert "in_reply_to_user_id" not in resp["data"][-1]

    # The brand's reply mentions the customer and shows on the brand's own timeline.
    anna_id = root["author_id"]
    anna_mentions = client.get_users_mentions(anna_id, tweet_fields=["in_reply_to_user_id"])
    assert [str(t.id) for t in anna_mentions.data] == [reply.data["id"]]
    own = client.get_users_tweets(BRAND_ID, tweet_fields=["conversation_id"])
    assert [str(t.id) for t in own.data] == [reply.data["id"]]
    assert own.data[0].conversation_id == int(root["id"])


def test_inbound_control_endpoint(fake):
    resp = ctl(fake, "POST", "/_fake/inbound", {"author": "@Zuzka", "name": "Zuzka", "text": "ahoj"})
    assert resp.status_code == 201
    body = resp.json()
    assert body["data"]["text"] == "@AcmeCare ahoj"
    assert body["includes"]["users"][0]["username"] == "Zuzka"
    assert int(body["includes"]["users"][0]["id"]) >= 2000000000000000000
    assert set(body["data"]) >= {"id", "text", "author_id", "created_at", "conversation_id", "lang"}

    # Already addressed: no prefix; same handle (any case) is the same user; name updated.
    again = ctl(fake, "POST", "/_fake/inbound", {"author": "zuzka", "name": "Zuzana", "text": "hi @acmecare"}).json()
    assert again["data"]["text"] == "hi @acmecare"
    assert again["includes"]["users"][0] == {**body["includes"]["users"][0], "name": "Zuzana"}
    assert int(again["data"]["id"]) > int(body["data"]["id"])

    backdated = ctl(
        fake, "POST", "/_fake/inbound", {"author": "@old", "text": "old one", "created_at": "2025-01-02T03:04:05Z"}
    ).json()
    assert backdated["data"]["created_at"] == "2025-01-02T03:04:05.000Z"

    bad = ctl(fake, "POST", "/_fake/inbound", {"author": "@x", "text": "hi", "in_reply_to": "123"})
    assert bad.status_code == 400


def test_start_and_end_time_filters(fake, client):
    fake.inbound("@t", None, "old", created_at="2025-01-01T00:00:00Z")
    fake.inbound("@t", None, "new", created_at="2025-06-01T00:00:00Z")
    resp = client.get_users_mentions(BRAND_ID, start_time="2025-03-01T00:00:00Z")
    assert [t.text for t in resp.data] == ["@AcmeCare new"]
    resp = client.get_users_mentions(BRAND_ID, end_time="2025-03-01T00:00:00Z")
    assert [t.text for t in resp.data] == ["@AcmeCare old"]


# ---------------------------------------------------------------------------- posting


def test_create_reply_shows_in_outbound(fake, client):
    parent = fake.inbound("@karel", "Karel", "where is my order?")["data"]
    resp = client.create_tweet(text="@karel On its way!", in_reply_to_tweet_id=parent["id"], user_auth=True)
    assert resp.data["text"] == "@karel On its way!"
    assert resp.data["edit_history_tweet_ids"] == [resp.data["id"]]

    out = ctl(fake, "GET", "/_fake/outbound").json()["data"]
    assert len(out) == 1
    assert out[0]["id"] == resp.data["id"]
    assert out[0]["in_reply_to_tweet_id"] == parent["id"]
    assert out[0]["conversation_id"] == parent["conversation_id"]
    assert out[0]["auth"] == "oauth1"
    assert fake.outbound() == out


def test_create_tweet_wire_format(fake):
    auth = user_auth()
    resp = requests.post(fake.base_url + "/2/tweets", json={"text": "standalone"}, auth=auth, timeout=10)
    assert resp.status_code == 201
    assert set(resp.json()["data"]) == {"id", "text", "edit_history_tweet_ids"}
    for prefix in ("x-rate-limit", "x-user-limit-24hour"):
        for suffix in ("limit", "remaining", "reset"):
            assert resp.headers[f"{prefix}-{suffix}"].isdigit()

    for body in (b"{not json", b'{"nothing": 1}'):
        bad = requests.post(
            fake.base_url + "/2/tweets",
            data=body,
            headers={"Content-Type": "application/json"},
            auth=auth,
            timeout=10,
        )
        assert bad.status_code == 400
        assert bad.json()["title"] == "Invalid Request"
        assert bad.json()["errors"][0]["message"]

    unknown = requests.post(
        fake.base_url + "/2/tweets",
        json={"text": "reply", "reply": {"in_reply_to_tweet_id": "1860000000000000999"}},
        auth=auth,
        timeout=10,
    )
    assert unknown.status_code == 400


def test_too_long_tweet_is_bad_request(fake, client):
    with pytest.raises(tweepy.BadRequest) as info:
        client.create_tweet(text="x" * 281, user_auth=True)
    assert info.value.response.status_code == 400
    assert info.value.response.json()["type"] == "https://api.twitter.com/2/problems/invalid-request"
    # 140 emoji weigh 280: allowed.
    client.create_tweet(text="\U0001f600" * 140, user_auth=True)
    assert len(fake.outbound()) == 1


def test_duplicate_tweet_is_forbidden(fake, client):
    client.create_tweet(text="We are looking into it.", user_auth=True)
    with pytest.raises(tweepy.Forbidden) as info:
        client.create_tweet(text="We are looking into it.", user_auth=True)
    assert info.value.response.json()["detail"] == "You are not allowed to create a Tweet with duplicate content."
    assert len(fake.outbound()) == 1


def test_unicode_survives_byte_for_byte(fake, client):
    texts = {
        "cs": "@AcmeCare Příliš žluťoučký kůň úpěl ďábelské ódy",
        "bg": "@AcmeCare Здравейте, поръчката ми не е пристигнала",
        "pl": "@AcmeCare Zażółć gęślą jaźń",
        "en": "@AcmeCare \U0001f44b\U0001f3fd family \U0001f468\u200d\U0001f469\u200d\U0001f467 ok",
    }
    for text in texts.values():
        ctl(fake, "POST", "/_fake/inbound", {"author": "@unicode", "text": text})
    raw = requests.get(
        fake.base_url + f"/2/users/{BRAND_ID}/mentions",
        params={"tweet.fields": "lang"},
        headers={"Authorization": "Bearer demo-bearer-token"},
        timeout=10,
    )
    for text in texts.values():
        assert text.encode("utf-8") in raw.content
    got = {t["text"]: t["lang"] for t in raw.json()["data"]}
    assert got == {text: lang for lang, text in texts.items()}

    reply = "Dobrý den, omlouváme se 🙏 Здравейте"
    created = client.create_tweet(text=reply, user_auth=True)
    assert created.data["text"] == reply
    assert fake.outbound()[0]["text"].encode("utf-8") == reply.encode("utf-8")


# ---------------------------------------------------------------------------- failures and limits


def test_injected_429_has_reset_header(fake, client):
    armed = ctl(fake, "POST", "/_fake/fail", {"status": 429, "times": 1, "path": "/2/users", "reset_in": 30})
    assert armed.json() == {"armed": 1}
    before = int(time.time())
    with pytest.raises(tweepy.TooManyRequests) as info:
        client.get_users_mentions(BRAND_ID)
    response = info.value.response
    assert response.headers["x-rate-limit-remaining"] == "0"
    assert before + 29 <= int(response.headers["x-rate-limit-reset"]) <= before + 32
    assert response.json() == {
        "title": "Too Many Requests",
        "detail": "Too Many Requests",
        "type": "about:blank",
        "status": 429,
    }
    # Armed once only.
    assert client.get_users_mentions(BRAND_ID).meta == {"result_count": 0}


def test_injected_failure_matches_method_and_path(fake, client):
    fake.fail(status=500, times=1, path="/2/tweets", method="POST")
    client.get_me(user_auth=True)  # not matched
    with pytest.raises(tweepy.TwitterServerError) as info:
        client.create_tweet(text="boom", user_auth=True)
    assert info.value.response.json()["title"] == "Internal Server Error"
    assert fake.outbound() == []


def test_injected_503(fake, client):
    ctl(fake, "POST", "/_fake/fail", {"status": 503, "times": 2})
    for _ in range(2):
        with pytest.raises(tweepy.TwitterServerError) as info:
            client.get_me(user_auth=True)
        assert info.value.response.status_code == 503
        assert info.value.response.json()["title"] == "Service Unavailable"
    client.get_me(user_auth=True)


def test_injected_401(fake, client):
    fake.fail(status=401, times=1)
    with pytest.raises(tweepy.Unauthorized):
        client.get_me(user_auth=True)


def test_timeout_after_commit_creates_the_tweet(fake):
    parent = fake.inbound("@slow", None, "hello?")["data"]
    ctl(fake, "POST", "/_fake/fail", {"mode": "timeout_after_commit", "path": "/2/tweets", "delay": 3})
    impatient = make_client(fake, timeout=1)
    started = time.monotonic()
    with pytest.raises(requests.exceptions.Timeout):
        impatient.create_tweet(text="Answer that got lost", in_reply_to_tweet_id=parent["id"], user_auth=True)
    assert time.monotonic() - started < 2.5
    out = fake.outbound()
    assert [o["text"] for o in out] == ["Answer that got lost"]
    assert out[0]["in_reply_to_tweet_id"] == parent["id"]
    # The retry with the same text is a duplicate: exactly what a careless retry would hit on X.
    with pytest.raises(tweepy.Forbidden):
        make_client(fake).create_tweet(text="Answer that got lost", in_reply_to_tweet_id=parent["id"])


def test_real_rate_limit_window():
    fake = FakeX(rate_limit_scale=3 / 180).start()
    try:
        client = make_client(fake)
        for expected in (2, 1, 0):
            resp = requests.get(
                fake.base_url + f"/2/users/{BRAND_ID}/mentions",
                headers={"Authorization": "Bearer demo-bearer-token"},
                timeout=10,
            )
            assert resp.status_code == 200
            assert resp.headers["x-rate-limit-limit"] == "3"
            assert resp.headers["x-rate-limit-remaining"] == str(expected)
        with pytest.raises(tweepy.TooManyRequests) as info:
            client.get_users_mentions(BRAND_ID)
        assert info.value.response.headers["x-rate-limit-remaining"] == "0"
        assert info.value.reset_time > time.time() + 800
        # Other endpoints have their own windows.
        client.get_me(user_auth=True)
        # reset clears the counters.
        ctl(fake, "POST", "/_fake/reset")
        assert client.get_users_mentions(BRAND_ID).meta == {"result_count": 0}
    finally:
        fake.stop()


def test_post_tweets_24h_limit():
    fake = FakeX(rate_limit_scale=1 / 2400).start()  # 15-min limit 1 (floor), 24-hour limit 1
    try:
        client = make_client(fake)
        first = client.create_tweet(text="one", user_auth=True)
        assert first.data["id"]
        with pytest.raises(tweepy.TooManyRequests) as info:
            client.create_tweet(text="two", user_auth=True)
        assert info.value.response.headers["x-user-limit-24hour-remaining"] == "0"
        assert int(info.value.response.headers["x-user-limit-24hour-reset"]) > time.time() + 86000
    finally:
        fake.stop()


# ---------------------------------------------------------------------------- misc control


def test_requests_log_reset_and_not_found(fake, client):
    client.get_me(user_auth=True)
    client.get_users_mentions(BRAND_ID, max_results=5)
    log = ctl(fake, "GET", "/_fake/requests").json()["data"]
    assert [(e["method"], e["path"], e["status"]) for e in log] == [
        ("GET", "/2/users/me", 200),
        ("GET", f"/2/users/{BRAND_ID}/mentions", 200),
    ]
    assert log[1]["query"]["max_results"] == "5"

    missing = requests.get(fake.base_url + "/2/nope", timeout=10)
    assert missing.status_code == 404
    assert missing.json()["type"] == "https://api.twitter.com/2/problems/resource-not-found"

    fake.inbound("@gone", None, "bye")
    client.create_tweet(text="bye", user_auth=True)
    assert ctl(fake, "POST", "/_fake/reset").status_code == 200
    assert fake.outbound() == []
    assert client.get_users_mentions(BRAND_ID).meta == {"result_count": 0}
    assert ctl(fake, "GET", "/_fake/requests").json()["data"][-1]["path"] == f"/2/users/{BRAND_ID}/mentions"
    assert client.get_me(user_auth=True).data.username == "AcmeCare"


def test_concurrent_inbound_ids_unique_and_increasing(fake):
    ids: list[int] = []
    lock = threading.Lock()

    def worker(n: int) -> None:
        session = requests.Session()
        for i in range(20):
            resp = session.post(
                fake.base_url + "/_fake/inbound", json={"author": f"@w{n}", "text": f"w{n}-{i}"}, timeout=10
            )
            with lock:
                ids.append(int(resp.json()["data"]["id"]))

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(set(ids)) == 160


def test_cli_prints_ready_line():
    proc = subprocess.Popen(
        [sys.executable, "-m", "fakes.x", "--port", "0", "--brand-handle", "CliBrand"],
        cwd=REPO_ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline().strip()
        match = re.fullmatch(r"FAKE_X_READY (http://127\.0\.0\.1:\d+)", line)
        assert match, line
        resp = requests.get(
            match.group(1) + "/2/users/me",
            auth=user_auth(),
            timeout=10,
        )
        assert resp.json()["data"]["username"] == "CliBrand"
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    assert proc.returncode == 0
