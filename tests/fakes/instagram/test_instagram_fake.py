"""The Meta fake in Instagram mode over HTTP, and `python -m fakes.instagram`."""
from __future__ import annotations

import hashlib
import hmac
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import requests

from fakes.meta.pages import FakeMeta
from tests.channels.facebook.meta_support import APP_SECRET, IG_USER_ID, PAGE_ID, PAGE_TOKEN, VERIFY_TOKEN

REPO_ROOT = Path(__file__).resolve().parents[3]
AUTH = {"Authorization": f"Bearer {PAGE_TOKEN}"}


def graph(fake: FakeMeta, method: str, path: str, **kwargs: Any) -> requests.Response:
    return requests.request(method, f"{fake.base_url}/v21.0/{path}", headers=AUTH, timeout=10, **kwargs)


def send(fake: FakeMeta, psid: str, text: str, **extra: Any) -> requests.Response:
    body = {"recipient": {"id": psid}, "message": {"text": text}, **extra}
    return graph(fake, "POST", f"{PAGE_ID}/messages", json=body)


def test_deliveries_are_instagram_shaped(fake: FakeMeta) -> None:
    item = fake.inbound("katerina.novakova", None, "Ahoj 👋")
    payload = fake.last_delivery.payload
    assert payload["object"] == "instagram" and payload["entry"][0]["id"] == IG_USER_ID
    assert item["recipient"] == {"id": IG_USER_ID}
    comment = fake.inbound("katerina.novakova", None, "Krása", kind="comment")
    assert set(comment) == {"from", "media", "id", "text"}
    assert comment["from"] == {"id": item["sender"]["id"], "username": "katerina.novakova"}  # one IGSID
    reply = fake.inbound("ivan", None, "+1", kind="comment", in_reply_to=comment["id"])
    assert reply["parent_id"] == comment["id"]
    change = fake.last_delivery.payload["entry"][0]["changes"][0]
    assert change["field"] == "comments"


def test_send_rules(fake: FakeMeta) -> None:
    psid = fake.inbound("katerina", None, "hi")["sender"]["id"]
    assert send(fake, psid, "ž" * 500).status_code == 200  # 1000 bytes
    too_long = send(fake, psid, "ž" * 500 + "a")
    assert too_long.status_code == 400 and "1000" in too_long.json()["error"]["message"]
    other_tag = send(fake, psid, "x", messaging_type="MESSAGE_TAG", tag="ACCOUNT_UPDATE")
    assert other_tag.json()["error"]["code"] == 100
    assert send(fake, psid, "x", messaging_type="MESSAGE_TAG", tag="HUMAN_AGENT").status_code == 200
    echoes = [d.payload["entry"][0]["messaging"][0] for d in fake.deliveries[1:]]
    assert [e["message"]["is_echo"] for e in echoes] == [True, True]  # and no delivery receipts
    assert all(e["sender"]["id"] == IG_USER_ID for e in echoes)


def test_comment_edges(fake: FakeMeta) -> None:
    comment = fake.inbound("katerina", None, "Máte to?", kind="comment")
    assert graph(fake, "POST", f"{comment['id']}/comments", json={"message": "x"}).status_code == 400
    created = graph(fake, "POST", f"{comment['id']}/replies", json={"message": "Ano!"})
    assert created.status_code == 200
    own = fake.last_delivery.payload["entry"][0]["changes"][0]["value"]
    assert own["from"] == {"id": IG_USER_ID, "username": "acmecare"} and own["parent_id"] == comment["id"]
    listed = graph(fake, "GET", f"{comment['id']}/replies", params={"fields": "id,text,timestamp,from"}).json()
    found = [(c["id"], c["text"], c["from"]["id"]) for c in listed["data"]]
    assert found == [(created.json()["id"], "Ano!", IG_USER_ID)]
    assert graph(fake, "POST", f"{comment['id']}/replies", json={"message": "x" * 2201}).status_code == 400


def test_unsend_and_read(fake: FakeMeta) -> None:
    item = fake.inbound("katerina", None, "oops")
    deleted = fake.unsend(item["message"]["mid"])
    assert deleted["message"] == {"mid": item["message"]["mid"], "is_deleted": True}
    send(fake, item["sender"]["id"], "ours")
    read = fake.read("katerina")
    assert read["read"] == {"mid": fake.outbound()[0]["id"]}


def test_standalone_instagram_fake() -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "fakes.instagram", "--port", "0", "--app-secret", APP_SECRET,
         "--verify-token", VERIFY_TOKEN, "--page-id", PAGE_ID, "--ig-user-id", IG_USER_ID,
         "--access-token", PAGE_TOKEN],
        cwd=REPO_ROOT, stdout=subprocess.PIPE, text=True,
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        assert line.startswith("FAKE_INSTAGRAM_READY ")
        base = line.split()[1]
        created = requests.post(base + "/_fake/inbound", json={"author": "ivan", "text": "Привет"}, timeout=10).json()
        body = created["delivery"]["body"].encode()
        assert b"\\u041f\\u0440\\u0438" in body
        payload = json.loads(body)
        assert payload["object"] == "instagram" and payload["entry"][0]["id"] == IG_USER_ID
        psid = created["data"]["sender"]["id"]
        sent = requests.post(f"{base}/v21.0/{PAGE_ID}/messages", headers=AUTH, timeout=10,
                             json={"recipient": {"id": psid}, "message": {"text": "Здравей"}})
        assert sent.status_code == 200
        outbound = requests.get(base + "/_fake/outbound", timeout=10).json()["data"]
        assert [(o["platform"], o["text"]) for o in outbound] == [("instagram", "Здравей")]
        signature = hmac.new(APP_SECRET.encode(), body, hashlib.sha256).hexdigest()
        assert created["delivery"]["signature"] == f"sha256={signature}"
    finally:
        proc.terminate()
        proc.wait(timeout=10)
