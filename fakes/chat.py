"""Simulated website visitors for the live chat. There is no platform to fake: Hovor itself
serves the chat. This drives Hovor's widget protocol from the visitor's side, the way the
widget does (a session per visitor, UUID client_msg_ids, the server-sent event stream), so
the demo crowd and tests can chat without a browser.

    python -m fakes.chat --port 8086 --hovor http://127.0.0.1:8000 --account 3   # prints FAKE_CHAT_READY http://…

Control endpoints (the same shape as the platform fakes'):
    POST /_fake/inbound  {"author": "jana", "name": "Jana Nováková", "text": "…", "email": ""}
                         → {"data": {"id": "<client_msg_id>", "seq": 1, "author": "jana"}}
    GET  /_fake/outbound → {"data": [{"id", "author", "text", "seq", "at", "files"}, …]} agents'
                           replies, in the order the visitors' event streams delivered them;
                           each file as the stream named it and as the visitor downloaded it
                           (status, served_type, disposition, sha256)
    POST /_fake/fail     {"times": N} → the next N messages lose their response (a dropped
                           connection): the visitor resends with the same client_msg_id,
                           as the widget does, and Hovor must store it once.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import sys
import threading
import uuid
from http.server import ThreadingHTTPServer
from typing import Any, Self

import requests

from fakes.base import ControlRequest, ControlRoute, FakeHandler, FakeServer, cli, run_until_signalled, serve
from fakes.demo import Crowd, FakeDemo


class Visitor:
    def __init__(self, owner: FakeVisitors, author: str) -> None:
        self.owner = owner
        self.author = author
        self.visitor_id = str(uuid.uuid5(uuid.NAMESPACE_URL, f"hovor-fake-visitor:{author}"))
        self.session = ""
        self.cursor = 0
        self.listener: threading.Thread | None = None

    def open(self, name: str, email: str) -> None:
        body = {"visitor_id": self.visitor_id, "session": self.session, "name": name, "email": email}
        response = self.owner.http.post(self.owner.api("sessions"), data=json.dumps(body), timeout=10)
        response.raise_for_status()
        self.session = response.json()["session"]
        if self.listener is None:
            self.listener = threading.Thread(target=self.listen, daemon=True)
            self.listener.start()

    def write(self, text: str, name: str, email: str) -> dict[str, Any]:
        if not self.session:
            self.open(name, email)
        body = {"session": self.session, "client_msg_id": str(uuid.uuid4()), "text": text, "name": name,
                "email": email}
        if self.owner.take_failure():
            self.owner.http.post(self.owner.api("messages"), data=json.dumps(body), timeout=10)  # response "lost"
        response = self.owner.http.post(self.owner.api("messages"), data=json.dumps(body), timeout=10)
        response.raise_for_status()
        return {"id": body["client_msg_id"], "seq": response.json()["seq"], "author": self.author,
                "duplicate": response.json()["duplicate"]}

    def listen(self) -> None:
        """Follow the event stream for ever, resuming after each end (Last-Event-ID)."""
        while not self.owner.stopped.is_set():
            try:
                with requests.get(
                    self.owner.api("events"),
                    params={"session": str(self.session), "after": str(self.cursor)},
                    headers={"Last-Event-ID": str(self.cursor)},
                    stream=True,
                    timeout=(5, 40),
                ) as response:
                    fields: dict[str, str] = {}
                    for line in response.iter_lines(decode_unicode=True):
                        if self.owner.stopped.is_set():
                            return
                        if line:
                            if not line.startswith(":"):
                                name, _, value = line.partition(":")
                                fields[name] = value[1:] if value.startswith(" ") else value
                            continue
                        self.dispatch(fields)
                        fields = {}
            except requests.RequestException:
                pass
            self.owner.stopped.wait(0.5)

    def dispatch(self, fields: dict[str, str]) -> None:
        if "id" in fields and fields["id"].isdigit():
            self.cursor = max(self.cursor, int(fields["id"]))
        if fields.get("event") != "message" or "data" not in fields:
            return
        data = json.loads(fields["data"])
        if data.get("from") == "agent":
            files = [self.fetch(data["seq"], f) for f in data.get("files") or [] if isinstance(f, dict)]
            with self.owner.lock:
                self.owner.replies.append(
                    {"id": f"{self.author}:{data['seq']}", "author": self.author, "text": data["text"],
                     "seq": data["seq"], "at": data["at"], "files": files}
                )

    def fetch(self, seq: int, file: dict[str, Any]) -> dict[str, Any]:
        """Download an agent's file as the widget's <img> or link does (the session in the
        query): what came back, so a test sees the visitor got the very bytes."""
        response = self.owner.http.get(
            self.owner.api(f"files/{seq}/{file.get('index')}"), params={"session": self.session}, timeout=10
        )
        return {
            **file, "status": response.status_code, "served_type": response.headers.get("Content-Type", ""),
            "disposition": response.headers.get("Content-Disposition", ""),
            "sha256": hashlib.sha256(response.content).hexdigest() if response.ok else "",
        }


class ChatControlError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


class FakeVisitors(FakeServer):
    def __init__(
        self, *, hovor_url: str, account_id: int, port: int = 0, host: str = "127.0.0.1", verbose: bool = False
    ) -> None:
        self.hovor_url = hovor_url.rstrip("/")
        self.account_id = account_id
        self.host = host
        self.port = port
        self.verbose = verbose
        self.http = requests.Session()
        self.http.headers["Content-Type"] = "text/plain;charset=UTF-8"
        self.visitors: dict[str, Visitor] = {}
        self.replies: list[dict[str, Any]] = []
        self.failures = 0
        self.lock = threading.Lock()
        self.stopped = threading.Event()
        self.server: ThreadingHTTPServer | None = None

    def api(self, path: str) -> str:
        return f"{self.hovor_url}/chat/{self.account_id}/{path}"

    # --- in-process API (tests) ---------------------------------------------------------
    def inbound(self, *, author: str, text: str, name: str = "", email: str = "") -> dict[str, Any]:
        with self.lock:
            visitor = self.visitors.setdefault(author, Visitor(self, author))
        return visitor.write(text, name, email)

    def outbound(self) -> list[dict[str, Any]]:
        with self.lock:
            return list(self.replies)

    def fail(self, times: int = 1) -> None:
        with self.lock:
            self.failures += times

    def take_failure(self) -> bool:
        with self.lock:
            if self.failures > 0:
                self.failures -= 1
                return True
            return False

    # --- control plane (fakes/base.py) --------------------------------------------------
    control_errors = (ChatControlError,)
    control_not_json = "body must be JSON"

    def control_bad_body(self, message: str) -> Exception:
        return ChatControlError(400, message)

    def control_error(self, error: Exception) -> tuple[int, Any]:
        assert isinstance(error, ChatControlError)
        return error.status, {"error": error.message}

    def control_missing(self, method: str, path: str) -> tuple[int, Any]:
        return 404, {"error": "not found"}

    def control_routes(self) -> dict[tuple[str, str], ControlRoute]:
        return {
            ("GET", "/_fake/outbound"): lambda request: (200, {"data": self.outbound()}),
            ("POST", "/_fake/inbound"): self._control_inbound,
            ("POST", "/_fake/fail"): self._control_fail,
        }

    @staticmethod
    def _fields(request: ControlRequest) -> dict[str, Any]:
        data = request.json()
        return data if isinstance(data, dict) else {}

    def _control_inbound(self, request: ControlRequest) -> tuple[int, Any]:
        body = self._fields(request)
        author, text = str(body.get("author") or "visitor"), body.get("text")
        if not isinstance(text, str) or not text.strip():
            raise ChatControlError(400, "text is required")
        try:
            data = self.inbound(author=author.lstrip("@"), text=text, name=str(body.get("name") or ""),
                                email=str(body.get("email") or ""))
        except requests.RequestException as exc:
            raise ChatControlError(502, f"Hovor did not take it: {exc}") from exc
        return 200, {"data": data}

    def _control_fail(self, request: ControlRequest) -> tuple[int, Any]:
        self.fail(int(self._fields(request).get("times") or 1))
        return 200, {"armed": self.failures}

    def start(self) -> Self:
        self.stopped.clear()
        self.server, _ = serve(self, _Handler, self.host, self.port, "fake-chat")
        return self

    def stop(self) -> None:
        self.stopped.set()
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.server = None


class _Handler(FakeHandler):
    methods = ("GET", "POST")
    server_version = "FakeVisitors/1.0"
    log_name = "fake-chat"


def main(argv: list[str] | None = None) -> int:
    parser = cli("python -m fakes.chat", __doc__ or "", port=8086, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--hovor", default="http://127.0.0.1:8000", help="Hovor's base URL")
    parser.add_argument("--account", type=int, required=True, help="the chat account's id")
    args = parser.parse_args(argv)
    fake = FakeVisitors(hovor_url=args.hovor, account_id=args.account, port=args.port, host=args.host,
                        verbose=args.verbose).start()
    return run_until_signalled(fake, "FAKE_CHAT_READY")


# The demo's website chat: no base URL (the widget is served by Hovor); its visitors write
# through the widget protocol, so the fake starts once Hovor answers.
DEMO = FakeDemo(
    handle="acme.example chat",
    options={"greeting": "Dobrý den! Jak vám můžeme pomoci? / How can we help?", "color": "#0f766e"},
    args=lambda run: ["--hovor", run.web_url, "--account", str(run.account_id)],
    talks_to_hovor=True,
    base_url=False,
    crowd=Crowd(every=20.0),
    logins=lambda run: [f"Website chat, a customer's page with the widget: {run.web_url}/chat/demo/{run.account_id}/"],
)


if __name__ == "__main__":
    sys.exit(main())
