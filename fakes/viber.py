"""A loopback fake of the Viber REST Bot API, faithful to the wire format Hovor relies on.

Run standalone::

    python -m fakes.viber --port 8086 \\
        [--webhook http://127.0.0.1:8000/webhooks/viber/1/ --auth-token T]
    # prints FAKE_VIBER_READY http://127.0.0.1:8086

or in-process (tests)::

    with FakeViber(auth_token="T") as fake:
        callback = fake.inbound("@jana", "Jana Nováková", "Dobrý den")
        body, headers = fake.delivery(callback)   # what Viber's POST would carry
        fake.outbound()                           # what the bot sent

REST Bot API (`POST /pa/<method>`, JSON body, header `X-Viber-Auth-Token`; every answer
HTTP 200 with a JSON `status`, 0 = ok): set_webhook (Viber first POSTs a signed `webhook`
callback to the URL and sets it only on a 200; an empty url removes it; event_types,
send_name, send_photo), get_account_info, get_user_details, send_message (types text,
picture and file; receiver, sender.name ≤ 28 and text ≤ 7,000 checked; a picture's or
file's `media` URL is fetched as Viber would and what came back recorded; 10 webhookNotSet without a webhook,
5 receiverNotRegistered for an unknown user, 6 receiverNotSubscribed for one who never
wrote or unsubscribed; success gives a 64-bit message_token, and a `delivered` receipt
follows). A wrong or missing token gets status 2 invalidAuthToken.

Callbacks: while a webhook is set, callbacks are POSTed to it in order, one at a time, with
`X-Viber-Content-Signature` (hex HMAC-SHA256 of the exact body, keyed with the auth token);
a non-200 answer is retried with backoff (Viber retries for about an hour) and given up
after `max_delivery_attempts`. `message`, `subscribed` and `unsubscribed` always come; the
others only if named in event_types (all when none were given). Real Viber takes only
public HTTPS webhooks; the fake takes plain http on loopback.

With ``push=False`` nothing is POSTed: callbacks wait for ``take_callbacks()``.

Control endpoints (no auth), on the control plane every fake shares (fakes.base), answered
as the others are (``{"data": …}``, ``{"armed": n}``, ``{"reset": true}``, ``{"error": …}``):
``POST /_fake/inbound``, ``GET /_fake/outbound``, ``POST /_fake/fail`` (`status` below 100
is a Viber status code in a 200 answer, from 100 an HTTP status; `mode` "after_commit" acts
then fails, "timeout" acts then answers after `delay`), ``POST /_fake/reset``,
``GET /_fake/requests``; and Viber's own: ``POST /_fake/subscribe``, ``POST
/_fake/unsubscribe``, ``POST /_fake/open`` (conversation_started), ``POST /_fake/receipt``
(delivered/seen/failed of a sent message), ``GET /_fake/pushed`` (the webhook POSTs made),
``POST /_fake/press`` ``{"message_token", "action_body"}`` (the customer taps a reply button
of the keyboard that message carried: its ActionBody comes back as their text message,
with the message's tracking_data). send_message takes a `keyboard` (checked, recorded).

Its side of the demo is ``DEMO`` (fakes/demo.py): a bot whose customers write in Bulgarian
and Czech, the two countries where Viber is the messenger most people use.

Standard library only; no Django.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import sys
import threading
import time
import urllib.error
import urllib.request
from collections import deque
from http.server import ThreadingHTTPServer
from typing import Any, Self
from urllib.parse import SplitResult, urlsplit

from fakes.base import (
    ControlRequest,
    ControlRoute,
    Failures,
    FakeHandler,
    FakeServer,
    RequestLog,
    cli,
    post,
    run_until_signalled,
    serve,
)
from fakes.demo import Crowd, FakeDemo

# Well-known demo credentials (not secrets): what a seeded demo account is configured with.
DEMO_AUTH_TOKEN = "4f3a9c21d8e7b605-1c2d3e4f5a6b7c8d-9e0f1a2b3c4d5e6f"

# How the demo's crowd writes on Viber (DEMO, at the end): Bulgarian and Czech customers,
# mostly text, now and then a photo or a sticker (a location pin carries no words of theirs,
# so the crowd, which always has something to say, does not send one).
DEMO_CROWD_KINDS = ("text", "text", "text", "text", "picture", "sticker")
DEMO_CROWD_LANGUAGES = ("bg", "cs")
DEMO_CROWD_LINES: dict[str, tuple[str, ...]] = {
    "bg": (
        "Здравейте! Поръчка 4521 още не е пристигнала, можете ли да проверите?",
        "Куриерът не ме намери вкъщи. Как да си взема пратката?",
        "Платих два пъти с карта 😟 Моля, върнете ми едното плащане.",
        "Имате ли този модел в размер 42?",
        "Благодаря, всичко пристигна наред! 🙏",
        "Може ли да сменя адреса за доставка на бул. Витоша 1, София?",
    ),
    "cs": (
        "Dobrý den, kde je můj balík? Objednávka č. 12345 📦",
        "Přišlo mi rozbité zboží, posílám fotku. Jak to reklamovat?",
        "Můžu si změnit čas doručení na zítra odpoledne?",
        "Děkuji, vše v pořádku dorazilo.",
        "Máte prodejnu v Brně? Chtěla bych si to vyzvednout osobně.",
        "Platba kartou neprošla, ale peníze mi z účtu odešly.",
    ),
}

AUTH_HEADER = "X-Viber-Auth-Token"
SIGNATURE_HEADER = "X-Viber-Content-Signature"
MAX_TEXT_LENGTH = 7000
MAX_SENDER_NAME = 28
PICTURE_TEXT_MAX = 512
PICTURE_MAX_BYTES = 1024 * 1024
FILE_MAX_BYTES = 50 * 1024 * 1024
FILE_NAME_MAX = 256
CHAT_HOSTNAME = "SN-CHAT-05_"
ACCOUNT_ID = "pa:5739401029382732510"
FILTERABLE_EVENTS = ("delivered", "seen", "failed", "subscribed", "unsubscribed", "conversation_started")
ALWAYS_SENT = frozenset({"message", "subscribed", "unsubscribed", "webhook"})
INBOUND_KINDS = ("text", "picture", "video", "file", "sticker", "location", "contact", "url")
STATUS_NAMES = {
    0: "ok", 1: "invalidUrl", 2: "invalidAuthToken", 3: "badData", 4: "missingData", 5: "receiverNotRegistered",
    6: "receiverNotSubscribed", 7: "publicAccountBlocked", 8: "publicAccountNotFound", 9: "publicAccountSuspended",
    10: "webhookNotSet", 11: "receiverNoSuitableDevice", 12: "tooManyRequests", 13: "apiVersionNotSupported",
    14: "incompatibleWithVersion", 15: "publicAccountNotAuthorized", 16: "inchatReplyMessageNotAllowed",
    17: "publicAccountIsNotInline", 18: "noPublicChat", 19: "cannotSendBroadcast", 20: "broadcastNotAllowed",
    21: "unsupportedCountry", 22: "paymentUnsupported", 23: "freeMessagesExceeded", 24: "noBalance",
}
HTTP_PHRASES = {500: "Internal Server Error", 502: "Bad Gateway", 503: "Service Unavailable", 504: "Gateway Timeout"}


class ViberError(Exception):
    """A Viber error answer: HTTP 200 with `{"status": code, "status_message": …}`."""

    def __init__(self, code: int, message: str | None = None) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message or STATUS_NAMES.get(code, "General error")

    def body(self) -> dict[str, Any]:
        return {"status": self.code, "status_message": self.message, "chat_hostname": CHAT_HOSTNAME}


class ControlError(Exception):
    """A control request the fake cannot act on: 400 with ``{"error": …}``."""


KEYBOARD_ACTIONS = frozenset({"reply", "open-url", "location-picker", "share-phone", "none"})


def check_keyboard(keyboard: Any) -> None:
    """send_message's `keyboard`: Type "keyboard" and 1+ Buttons, each with an ActionBody,
    Columns 1–6 and Rows 1–2 (defaults 6 and 1) and a known ActionType; status 3 badData
    otherwise, as Viber answers."""
    if not isinstance(keyboard, dict) or keyboard.get("Type") != "keyboard":
        raise ViberError(3, "keyboard.Type must be keyboard")
    buttons = keyboard.get("Buttons")
    if not isinstance(buttons, list) or not buttons:
        raise ViberError(3, "keyboard.Buttons must be a non-empty list")
    for button in buttons:
        if not isinstance(button, dict) or not isinstance(button.get("ActionBody"), str) or not button["ActionBody"]:
            raise ViberError(3, "a button needs an ActionBody")
        if button.get("ActionType", "reply") not in KEYBOARD_ACTIONS:
            raise ViberError(3, "unknown ActionType")
        columns, rows = button.get("Columns", 6), button.get("Rows", 1)
        if not (isinstance(columns, int) and 1 <= columns <= 6 and isinstance(rows, int) and 1 <= rows <= 2):
            raise ViberError(3, "Columns must be 1-6 and Rows 1-2")


def serialize(callback: dict[str, Any]) -> bytes:
    """The bytes Viber POSTs: compact JSON, UTF-8, non-ASCII written as is."""
    return json.dumps(callback, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def sign(body: bytes, auth_token: str) -> str:
    return hmac.new(auth_token.encode("utf-8"), body, hashlib.sha256).hexdigest()


def user_id_for(author: str) -> str:
    """A stable Viber-looking user id (24 characters of base64) for a name or @handle."""
    digest = hashlib.sha256(author.strip().lstrip("@").lower().encode("utf-8")).digest()[:16]
    return base64.b64encode(digest).decode("ascii")


class FakeViber(FakeServer):
    """In-process fake Viber REST Bot API. ``start()`` serves on 127.0.0.1 in a daemon thread."""

    _webhook: dict[str, Any] | None

    def __init__(
        self,
        port: int = 0,
        *,
        auth_token: str = DEMO_AUTH_TOKEN,
        webhook_url: str | None = None,
        bot_name: str = "Acme Care",
        bot_uri: str = "acmecare",
        host: str = "127.0.0.1",
        verbose: bool = False,
        auto_delivered: bool = True,
        push: bool = True,
        retry_delay: float = 0.2,
        max_retry_delay: float = 5.0,
        max_delivery_attempts: int = 8,
        first_token: int = 5_741_311_803_600_000_001,
        fetch_media: bool = True,
    ) -> None:
        self.host = host
        self.port = int(port)
        self.auth_token = auth_token
        self.bot_name = bot_name
        self.bot_uri = bot_uri
        self.verbose = verbose
        self.auto_delivered = auto_delivered
        # False: callbacks wait in `pending` for take_callbacks() (tests post them themselves).
        self.push = push
        self.retry_delay = float(retry_delay)
        self.max_retry_delay = float(max_retry_delay)
        self.max_delivery_attempts = int(max_delivery_attempts)
        self._first_token = int(first_token)
        # Viber downloads a picture or file from its `media` URL: the fake does it at once and
        # records what it got (False: it only records the URL).
        self.fetch_media = fetch_media
        self._lock = threading.RLock()
        self._changed = threading.Condition(self._lock)
        self._server: ThreadingHTTPServer | None = None
        self._threads: list[threading.Thread] = []
        self._stopping = threading.Event()
        self._reset_state()
        if webhook_url:
            # As if set_webhook had been called earlier (the check callback is not sent).
            self._webhook = {"url": webhook_url, "event_types": list(FILTERABLE_EVENTS)}

    # ------------------------------------------------------------------ lifecycle

    def start(self) -> Self:
        if self._server is not None:
            return self
        self._stopping.clear()
        self._server, serving = serve(self, _Handler, self.host, self.port, "fake-viber")
        self._threads = [serving]
        if self.push:
            pusher = threading.Thread(target=self._push_loop, name="fake-viber-webhook", daemon=True)
            pusher.start()
            self._threads.append(pusher)
        return self

    def stop(self) -> None:
        server, self._server = self._server, None
        if server is None:
            return
        self._stopping.set()
        with self._changed:
            self._changed.notify_all()
        server.shutdown()
        server.server_close()
        for thread in self._threads:
            thread.join(timeout=5)
        self._threads = []

    # ------------------------------------------------------------------ state

    def _reset_state(self) -> None:
        with self._lock:
            self._users: dict[str, dict[str, Any]] = {}
            self._subscribed: set[str] = set()
            self._webhook = None
            self._next_token = self._first_token
            self._last_ms = 0
            self._pending: deque[dict[str, Any]] = deque()
            self._pushed: list[dict[str, Any]] = []
            self._outbound: list[dict[str, Any]] = []
            self._failures: Failures[dict[str, Any]] = Failures()
            self._requests = RequestLog()

    def reset(self) -> None:
        """Forget users, subscriptions, the webhook, pending callbacks, armed failures and logs."""
        with self._changed:
            self._reset_state()
            self._changed.notify_all()

    def _token(self) -> int:
        self._next_token += 1
        return self._next_token

    def _now_ms(self) -> int:
        """Epoch milliseconds, never the same twice (events keep their order by time)."""
        with self._lock:
            self._last_ms = max(int(time.time() * 1000), self._last_ms + 1)
            return self._last_ms

    def _user(self, author: Any, name: Any = None, **profile: Any) -> dict[str, Any]:
        if isinstance(author, bool) or not isinstance(author, str) or not author.strip():
            raise ControlError("`author` is required (a Viber user id, a name or an @handle)")
        raw = author.strip()
        uid = raw if raw in self._users else user_id_for(raw)
        user = self._users.get(uid)
        if user is None:
            shown = name if isinstance(name, str) and name.strip() else raw.lstrip("@")
            user = {
                "id": uid,
                "name": shown,
                "avatar": f"https://media-direct.cdn.viber.com/download_photo?dlid={uid[:10]}&fltp=jpg&imsz=0000",
                "language": "en",
                "country": "GB",
                "api_version": 10,
            }
            self._users[uid] = user
        elif isinstance(name, str) and name.strip():
            user["name"] = name.strip()
        for key in ("language", "country"):
            if isinstance(profile.get(key), str) and profile[key]:
                user[key] = profile[key]
        return user

    def _shown(self, user: dict[str, Any]) -> dict[str, Any]:
        """The user as callbacks show them: name and photo only if set_webhook asked."""
        shown = dict(user)
        webhook = self._webhook or {}
        if webhook.get("send_name") is False:
            shown.pop("name", None)
        if webhook.get("send_photo") is False:
            shown.pop("avatar", None)
        return shown

    def _enqueue_locked(self, callback: dict[str, Any]) -> dict[str, Any]:
        webhook = self._webhook
        if webhook is not None:
            wanted = webhook.get("event_types") or list(FILTERABLE_EVENTS)
            if callback["event"] in ALWAYS_SENT or callback["event"] in wanted:
                self._pending.append(callback)
                self._changed.notify_all()
        return callback

    # ------------------------------------------------------------------ a customer acts

    def _inbound_locked(self, item: Any) -> dict[str, Any]:
        if not isinstance(item, dict):
            raise ControlError("the inbound item must be a JSON object")
        user = self._user(item.get("author"), item.get("name"), language=item.get("language"),
                          country=item.get("country"))
        kind = str(item.get("kind") or "text")
        if kind in ("dm", "message"):
            kind = "text"
        if kind not in INBOUND_KINDS:
            raise ControlError(f"unknown kind {kind!r}: {', '.join(INBOUND_KINDS)}")
        text = item.get("text", "")
        if not isinstance(text, str):
            raise ControlError("`text` must be a string")
        token = self._token()
        ref = f"{token:x}"
        message: dict[str, Any] = {"type": kind}
        if kind == "text":
            if not text.strip():
                raise ControlError("a text message needs `text`")
            message["text"] = text
        elif kind in ("picture", "video", "file"):
            default = {"picture": "IMG_0001.jpg", "video": "VID_0001.mp4", "file": "document.pdf"}[kind]
            file_name = item.get("file_name") if isinstance(item.get("file_name"), str) else default
            message["media"] = f"https://dl-media.viber.com/5/share/2/long/vibes/{kind}/0x0/{ref}/{file_name}"
            message["size"] = int(item.get("size") or 48213)
            if kind == "file":
                message["file_name"] = file_name
            else:
                message["thumbnail"] = f"https://dl-media.viber.com/5/share/2/long/vibes/image/0x0/{ref}/thumb.jpg"
            if kind == "video":
                message["duration"] = int(item.get("duration") or 12)
            if text:
                message["text"] = text
        elif kind == "sticker":
            sticker_id = int(item.get("sticker_id") or 114408)
            message.update(sticker_id=sticker_id, media=f"https://viber.com/sticker/{sticker_id}.png")
        elif kind == "location":
            location: dict[str, Any] = {"lat": float(item.get("lat", 42.6977)), "lon": float(item.get("lon", 23.3219))}
            if text:
                location["address"] = text
            message["location"] = location
        elif kind == "contact":
            phone = str(item.get("phone") or "+420601123456")
            message["contact"] = {"name": text or "Petr Novák", "phone_number": phone}
        elif kind == "url":
            message["media"] = text or "https://example.com/"
        tracking = item.get("tracking_data")
        if isinstance(tracking, str) and tracking:
            message["tracking_data"] = tracking
        # Writing to a bot subscribes to it (and undoes an earlier unsubscribe).
        self._subscribed.add(user["id"])
        callback = {
            "event": "message",
            "timestamp": self._now_ms(),
            "chat_hostname": CHAT_HOSTNAME,
            "message_token": token,
            "sender": self._shown(user),
            "message": message,
            "silent": False,
        }
        return self._enqueue_locked(callback)

    def press(self, message_token: int | str, action_body: str) -> dict[str, Any]:
        """Same as POST /_fake/press: the customer taps the reply button with this
        ActionBody of the keyboard our message `message_token` carried. Viber sends the
        ActionBody as the customer's text message, with our message's tracking_data."""
        with self._lock:
            sent = next((m for m in self._outbound if str(m["message_token"]) == str(message_token)), None)
            if sent is None:
                raise ControlError(f"the bot sent no message {message_token}")
            buttons = (sent.get("keyboard") or {}).get("Buttons") or []
            if not any(b.get("ActionType", "reply") == "reply" and b.get("ActionBody") == action_body for b in buttons):
                raise ControlError("that message's keyboard has no reply button with this ActionBody")
            item: dict[str, Any] = {"author": sent["receiver"], "text": action_body}
            if sent.get("tracking_data"):
                item["tracking_data"] = sent["tracking_data"]
            return self._inbound_locked(item)

    def inbound(
        self, author: str, name: str | None = None, text: str = "", kind: str = "text", **more: Any
    ) -> dict[str, Any]:
        """Same as POST /_fake/inbound: a customer writes to the bot; returns the callback
        (pushed to the webhook when one is set)."""
        with self._lock:
            return self._inbound_locked({"author": author, "name": name, "text": text, "kind": kind, **more})

    def subscribe(self, author: Any, name: Any = None) -> dict[str, Any]:
        with self._lock:
            user = self._user(author, name)
            self._subscribed.add(user["id"])
            return self._enqueue_locked({"event": "subscribed", "timestamp": self._now_ms(),
                                         "chat_hostname": CHAT_HOSTNAME, "user": self._shown(user),
                                         "message_token": self._token()})

    def unsubscribe(self, author: Any) -> dict[str, Any]:
        """The customer unsubscribes: send_message to them answers 6 receiverNotSubscribed."""
        with self._lock:
            user = self._user(author)
            self._subscribed.discard(user["id"])
            return self._enqueue_locked({"event": "unsubscribed", "timestamp": self._now_ms(),
                                         "chat_hostname": CHAT_HOSTNAME, "user_id": user["id"],
                                         "message_token": self._token()})

    def open(self, author: Any, name: Any = None, context: str = "") -> dict[str, Any]:
        """The customer opens the bot's chat (a deep link, a QR code): conversation_started."""
        with self._lock:
            user = self._user(author, name)
            callback: dict[str, Any] = {"event": "conversation_started", "timestamp": self._now_ms(),
                                        "chat_hostname": CHAT_HOSTNAME, "message_token": self._token(),
                                        "type": "open", "user": self._shown(user),
                                        "subscribed": user["id"] in self._subscribed}
            if context:
                callback["context"] = context
            return self._enqueue_locked(callback)

    def receipt(self, message_token: int | str, event: str = "seen", desc: str = "") -> dict[str, Any]:
        """A delivered, seen or failed callback for one of the bot's sent messages."""
        if event not in ("delivered", "seen", "failed"):
            raise ControlError("`event` must be delivered, seen or failed")
        with self._lock:
            sent = next((m for m in self._outbound if str(m["message_token"]) == str(message_token)), None)
            if sent is None:
                raise ControlError(f"the bot sent no message {message_token}")
            callback: dict[str, Any] = {"event": event, "timestamp": self._now_ms(), "chat_hostname": CHAT_HOSTNAME,
                                        "message_token": sent["message_token"], "user_id": sent["receiver"]}
            if event == "failed":
                callback["desc"] = desc or "Message delivery failed"
            return self._enqueue_locked(callback)

    # ------------------------------------------------------------------ in-process helpers

    def delivery(self, callback: dict[str, Any], auth_token: str | None = None) -> tuple[bytes, dict[str, str]]:
        """The body and headers of the POST that carries `callback`, signed as Viber signs."""
        body = serialize(callback)
        token = self.auth_token if auth_token is None else auth_token
        return body, {"Content-Type": "application/json", SIGNATURE_HEADER: sign(body, token)}

    def outbound(self) -> list[dict[str, Any]]:
        """What the bot sent with send_message, oldest first."""
        with self._lock:
            return [dict(m) for m in self._outbound]

    def pushed(self) -> list[dict[str, Any]]:
        """Webhook POSTs made so far: event, message_token, status (or error), attempt."""
        with self._lock:
            return [dict(p) for p in self._pushed]

    def pending(self) -> list[dict[str, Any]]:
        with self._lock:
            return [dict(c) for c in self._pending]

    def take_callbacks(self) -> list[dict[str, Any]]:
        """The callbacks waiting for the webhook, oldest first, taken (with push=False, what
        Viber would have POSTed since the last call)."""
        with self._changed:
            taken = list(self._pending)
            self._pending.clear()
            self._changed.notify_all()
            return taken

    def webhook(self) -> dict[str, Any] | None:
        with self._lock:
            return dict(self._webhook) if self._webhook else None

    def set_webhook(self, url: str, event_types: list[str] | None = None) -> None:
        """Set the webhook in-process (no check callback), e.g. once the web app is up."""
        with self._changed:
            self._webhook = {"url": url, "event_types": list(event_types or FILTERABLE_EVENTS)}
            self._changed.notify_all()

    def wait_pushed(self, timeout: float = 5.0) -> bool:
        """Block until no callback waits for the webhook (True) or the timeout passes."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while self._webhook and self._pending:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._changed.wait(min(left, 0.05))
        return True

    def fail(self, status: int = 500, times: int = 1, *, method: str | None = None, mode: str | None = None,
             delay: float = 5.0, status_message: str | None = None) -> int:
        """Arm the next `times` API calls (of `method`, if given) to fail: `status` < 100 is a
        Viber status code in a 200 answer, otherwise an HTTP status. mode "after_commit": the
        call takes effect, then the failure is answered; "timeout": it takes effect and the
        answer comes after `delay` seconds."""
        if int(times) < 1:
            return 0
        self._failures.arm({"status": int(status), "times": int(times), "method": method, "mode": mode,
                            "delay": float(delay), "status_message": status_message})
        return int(times)

    # ------------------------------------------------------------------ webhook push

    def _push_loop(self) -> None:
        attempts = 0
        while not self._stopping.is_set():
            with self._changed:
                while not self._stopping.is_set() and not (self._webhook and self._pending):
                    self._changed.wait(0.5)
                if self._stopping.is_set():
                    return
                assert self._webhook is not None
                callback = self._pending[0]
                url = self._webhook["url"]
                body, headers = self.delivery(callback)
            attempts += 1
            status, error = self._post(url, body, headers)
            with self._changed:
                self._pushed.append({"event": callback["event"], "message_token": callback.get("message_token"),
                                     "status": status, "error": error, "attempt": attempts})
                ok = status == 200
                same = bool(self._pending) and self._pending[0] is callback
                if same and (ok or attempts >= self.max_delivery_attempts):
                    self._pending.popleft()
                if ok or attempts >= self.max_delivery_attempts or not same:
                    attempts = 0
                    self._changed.notify_all()
                    continue
            self._stopping.wait(min(self.retry_delay * 2 ** (attempts - 1), self.max_retry_delay))

    @staticmethod
    def _post(url: str, body: bytes, headers: dict[str, str]) -> tuple[int | None, str | None]:
        """One push (fakes.base.post): the status, and what went wrong if it was not a 200.
        Only http(s) URLs are ever set (set_webhook checks)."""
        pushed = post(url, body, headers, timeout=10)
        if pushed.status is None:
            return None, f"connection error: {pushed.reason}"
        if pushed.refused:
            return pushed.status, f"{pushed.status} {pushed.reason}"
        return pushed.status, None

    # ------------------------------------------------------------------ REST Bot API

    def _match_failure(self, method: str) -> dict[str, Any] | None:
        rule = self._failures.take(lambda rule: not rule["method"] or rule["method"] == method)
        return dict(rule) if rule is not None else None

    @staticmethod
    def _failure_answer(rule: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        status = rule["status"]
        if status < 100:
            return 200, ViberError(status, rule["status_message"]).body()
        return status, {"error": HTTP_PHRASES.get(status, "Error")}

    def handle_api(self, http_method: str, path: str, headers: Any, body: bytes) -> tuple[int, dict[str, Any], float]:
        """Handle POST /pa/<method>; returns (HTTP status, body, delay before answering)."""
        method = path[len("/pa/"):] if path.startswith("/pa/") else ""
        info: dict[str, Any] = {}
        try:
            status, payload, delay = self._handle_api(http_method, method, headers, body, info)
        except ViberError as err:
            status, payload, delay = 200, err.body(), 0.0
        with self._lock:
            self._requests.append({"method": method, "params": info.get("params", {}), "status": status,
                                   "viber_status": payload.get("status"), "at": time.time()})
        return status, payload, delay

    def _handle_api(self, http_method: str, method: str, headers: Any, body: bytes,
                    info: dict[str, Any]) -> tuple[int, dict[str, Any], float]:
        handler = {
            "set_webhook": self._set_webhook,
            "get_account_info": self._get_account_info,
            "get_user_details": self._get_user_details,
            "send_message": self._send_message,
        }.get(method)
        if handler is None or http_method != "POST":
            return 404, {"error": "Not Found"}, 0.0
        with self._lock:
            rule = self._match_failure(method)
        late: tuple[int, dict[str, Any]] | None = None
        delay = 0.0
        if rule is not None:
            if rule["mode"] == "timeout":
                delay = rule["delay"]
            elif rule["mode"] == "after_commit":
                late = self._failure_answer(rule)
            else:
                status, payload = self._failure_answer(rule)
                return status, payload, 0.0
        try:
            params = json.loads(body.decode("utf-8")) if body else {}
        except (ValueError, UnicodeDecodeError) as exc:
            raise ViberError(3) from exc
        if not isinstance(params, dict):
            raise ViberError(3)
        info["params"] = params
        given = headers.get(AUTH_HEADER) or params.get("auth_token") or ""
        if not isinstance(given, str) or not hmac.compare_digest(given.encode(), self.auth_token.encode()):
            raise ViberError(2)
        result = handler(params)
        if late is not None:
            return late[0], late[1], 0.0
        return 200, {"status": 0, "status_message": "ok", "chat_hostname": CHAT_HOSTNAME, **result}, delay

    def _set_webhook(self, params: dict[str, Any]) -> dict[str, Any]:
        url = params.get("url")
        if not isinstance(url, str):
            raise ViberError(4)
        if not url:
            with self._changed:
                self._webhook = None
                self._pending.clear()
                self._changed.notify_all()
            return {}
        split = urlsplit(url)
        if split.scheme not in ("http", "https") or not split.hostname:
            raise ViberError(1)
        event_types: Any = params.get("event_types")
        if event_types is None:
            event_types = list(FILTERABLE_EVENTS)
        if not isinstance(event_types, list) or not all(e in FILTERABLE_EVENTS for e in event_types):
            raise ViberError(3)
        # The check: a signed `webhook` callback that must get 200, before anything is set.
        with self._lock:
            check = {"event": "webhook", "timestamp": self._now_ms(), "chat_hostname": CHAT_HOSTNAME,
                     "message_token": self._token()}
        body, headers = self.delivery(check)
        status, error = self._post(url, body, headers)
        with self._changed:
            self._pushed.append({"event": "webhook", "message_token": check["message_token"], "status": status,
                                 "error": error, "attempt": 1})
            if status != 200:
                raise ViberError(1, f"Result[HttpResponse({status or error})] from {url}")
            self._webhook = {"url": url, "event_types": list(event_types),
                             "send_name": bool(params.get("send_name", False)),
                             "send_photo": bool(params.get("send_photo", False))}
            self._changed.notify_all()
        return {"event_types": list(event_types)}

    def _get_account_info(self, params: dict[str, Any]) -> dict[str, Any]:
        with self._lock:
            info: dict[str, Any] = {
                "id": ACCOUNT_ID, "name": self.bot_name, "uri": self.bot_uri,
                "icon": "https://media-direct.cdn.viber.com/pg_download?id=0&fltp=jpg&imsz=0000",
                "background": "https://media-direct.cdn.viber.com/pg_download?id=1&fltp=jpg&imsz=0000",
                "category": "Companies & Organizations", "subcategory": "Customer service",
                "location": {"lon": 23.3219, "lat": 42.6977}, "country": "BG",
                "subscribers_count": len(self._subscribed),
                "members": [{"id": "Qw3rTy8uIo0pAs2dFg4hJk==", "name": "Acme admin", "avatar": "", "role": "admin"}],
            }
            if self._webhook:
                info["webhook"] = self._webhook["url"]
                info["event_types"] = list(self._webhook["event_types"])
        return info

    def _get_user_details(self, params: dict[str, Any]) -> dict[str, Any]:
        uid = params.get("id")
        if not isinstance(uid, str) or not uid:
            raise ViberError(4)
        with self._lock:
            user = self._users.get(uid)
            if user is None:
                raise ViberError(5)
            return {"user": {**user, "primary_device_os": "Android 14", "viber_version": "24.8.0.0",
                             "device_type": "SM-S921B", "mcc": 284, "mnc": 1}}

    def _send_message(self, params: dict[str, Any]) -> dict[str, Any]:
        receiver, kind, sender = params.get("receiver"), params.get("type"), params.get("sender")
        if not receiver or not kind or not isinstance(sender, dict) or not sender.get("name"):
            raise ViberError(4)
        name = sender["name"]
        if not isinstance(receiver, str) or not isinstance(name, str) or len(name) > MAX_SENDER_NAME:
            raise ViberError(3)
        media: dict[str, Any] = {}
        if kind == "text":
            text = params.get("text")
            if not isinstance(text, str) or not text.strip():
                raise ViberError(4)
            if len(text.encode("utf-16-le")) // 2 > MAX_TEXT_LENGTH:
                raise ViberError(3)
        elif kind in ("picture", "file"):
            text, media = self._media_message(kind, params)
        else:
            raise ViberError(3, "the fake sends text, picture and file messages")
        keyboard = params.get("keyboard")
        if keyboard is not None:
            check_keyboard(keyboard)
        tracking = params.get("tracking_data")
        if tracking is not None and (not isinstance(tracking, str) or len(tracking) > 4000):
            raise ViberError(3)
        with self._lock:
            if self._webhook is None:
                raise ViberError(10)
            if receiver not in self._users:
                raise ViberError(5)
            if receiver not in self._subscribed:
                raise ViberError(6)
            token = self._token()
            self._outbound.append({
                "receiver": receiver, "type": kind, "text": text, "sender": dict(sender),
                "min_api_version": params.get("min_api_version"), "tracking_data": params.get("tracking_data"),
                "keyboard": keyboard, "message_token": token, "at": time.time(), **media,
            })
            if self.auto_delivered:
                self._enqueue_locked({"event": "delivered", "timestamp": self._now_ms(),
                                      "chat_hostname": CHAT_HOSTNAME, "message_token": token, "user_id": receiver})
        return {"message_token": token, "billing_status": 1}

    def _media_message(self, kind: str, params: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        """A `picture` (media URL of a JPEG/PNG/GIF, `text` required but may be "", at most
        512 characters, the picture at most 1 MB) or a `file` (media URL, `size` in bytes,
        `file_name` with its extension, at most 256 characters, at most 50 MB). What the
        fake fetched from the URL is recorded with it (`fetched`)."""
        url = params.get("media")
        if not isinstance(url, str) or not url:
            raise ViberError(4)
        split = urlsplit(url)
        if split.scheme not in ("http", "https") or not split.hostname:
            raise ViberError(3)
        record: dict[str, Any] = {"media": url}
        if kind == "picture":
            text = params.get("text")
            if not isinstance(text, str):
                raise ViberError(4)
            if len(text) > PICTURE_TEXT_MAX:
                raise ViberError(3)
            if not split.path.lower().endswith((".jpg", ".jpeg", ".png", ".gif")):
                raise ViberError(3, "a picture's URL must end with .jpeg, .png or .gif")
            limit = PICTURE_MAX_BYTES
        else:
            text = ""
            size, name = params.get("size"), params.get("file_name")
            if size is None or name is None:
                raise ViberError(4)
            if isinstance(size, bool) or not isinstance(size, int) or size <= 0 or size > FILE_MAX_BYTES:
                raise ViberError(3)
            if not isinstance(name, str) or not name or len(name) > FILE_NAME_MAX:
                raise ViberError(3)
            record.update(size=size, file_name=name)
            limit = FILE_MAX_BYTES
        if self.fetch_media:
            record["fetched"] = self._fetch(url, limit)
        return text, record

    @staticmethod
    def _fetch(url: str, limit: int) -> dict[str, Any]:
        """GET the media as Viber's servers would: the status, type, size and sha256 it got."""
        request = urllib.request.Request(url, headers={"User-Agent": "Viber-Fake-Fetcher/1.0"})  # noqa: S310
        try:
            with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 (a URL the test gave)
                data = response.read(limit + 1)
                return {
                    "status": response.status, "content_type": response.headers.get_content_type(),
                    "size": len(data), "sha256": hashlib.sha256(data).hexdigest(), "too_large": len(data) > limit,
                }
        except urllib.error.HTTPError as exc:
            return {"status": exc.code, "error": str(exc.reason)}
        except (urllib.error.URLError, OSError) as exc:
            return {"status": None, "error": str(exc)}

    # ------------------------------------------------------------------ control plane
    control_errors = (ControlError, TypeError, ValueError)

    def control_bad_body(self, message: str) -> Exception:
        return ControlError(message)

    def control_error(self, error: Exception) -> tuple[int, Any]:
        if isinstance(error, ControlError):
            return 400, {"error": str(error)}
        return 400, {"error": f"bad control request: {error}"}

    def control_routes(self) -> dict[tuple[str, str], ControlRoute]:
        return {
            ("POST", "/_fake/inbound"): self._control_inbound,
            ("GET", "/_fake/outbound"): lambda request: (200, {"data": self.outbound()}),
            ("POST", "/_fake/fail"): self._control_fail,
            ("POST", "/_fake/reset"): self._control_reset,
            ("GET", "/_fake/requests"): lambda request: (200, {"data": self.requests_log()}),
            # Viber's own: what a customer does besides writing, and what Viber reports.
            ("POST", "/_fake/subscribe"): lambda request: self._created(
                self.subscribe(request.object().get("author"), request.object().get("name"))
            ),
            ("POST", "/_fake/unsubscribe"): lambda request: self._created(
                self.unsubscribe(request.object().get("author"))
            ),
            ("POST", "/_fake/open"): self._control_open,
            ("POST", "/_fake/receipt"): self._control_receipt,
            ("GET", "/_fake/pushed"): lambda request: (200, {"data": self.pushed()}),
            ("POST", "/_fake/press"): lambda request: self._created(
                self.press(request.object().get("message_token", ""), str(request.object().get("action_body") or ""))
            ),
        }

    @staticmethod
    def _created(callback: dict[str, Any]) -> tuple[int, Any]:
        return 201, {"data": callback}

    def _control_inbound(self, request: ControlRequest) -> tuple[int, Any]:
        data = request.object()
        with self._lock:
            return self._created(self._inbound_locked(data))

    def _control_open(self, request: ControlRequest) -> tuple[int, Any]:
        data = request.object()
        return self._created(self.open(data.get("author"), data.get("name"), str(data.get("context") or "")))

    def _control_receipt(self, request: ControlRequest) -> tuple[int, Any]:
        data = request.object()
        return self._created(
            self.receipt(data.get("message_token", ""), str(data.get("event") or "seen"), str(data.get("desc") or ""))
        )

    def _control_fail(self, request: ControlRequest) -> tuple[int, Any]:
        data = request.object()
        try:
            armed = self.fail(
                status=int(data.get("status", 500)), times=int(data.get("times", 1)),
                method=data.get("method"), mode=data.get("mode"), delay=float(data.get("delay", 5)),
                status_message=data.get("status_message"),
            )
        except (TypeError, ValueError) as exc:
            raise ControlError(f"invalid failure spec: {exc}") from exc
        return 200, {"armed": armed}

    def _control_reset(self, request: ControlRequest) -> tuple[int, Any]:
        self.reset()
        return 200, {"reset": True}


class _Handler(FakeHandler):
    server_version = "Jetty(9.4.z-SNAPSHOT)"
    log_name = "fake-viber"
    methods = ("GET", "POST")

    def route(self, split: SplitResult, body: bytes) -> None:
        status, payload, delay = self.fake.handle_api(self.command, split.path, self.headers, body)
        if delay > 0:
            time.sleep(delay)
        self._send_json(status, payload)


def main(argv: list[str] | None = None) -> int:
    parser = cli("python -m fakes.viber", "Loopback fake of Viber's REST Bot API",
                 webhook="push callbacks to this URL (as after set_webhook)")
    parser.add_argument("--auth-token", default=DEMO_AUTH_TOKEN, help="the bot's auth token (signs the callbacks)")
    parser.add_argument("--bot-name", default="Acme Care")
    args = parser.parse_args(argv)
    fake = FakeViber(args.port, host=args.host, auth_token=args.auth_token, webhook_url=args.webhook,
                     bot_name=args.bot_name, verbose=args.verbose).start()
    return run_until_signalled(fake, "FAKE_VIBER_READY")


# The demo's bot: seed_demo connects it with the demo token, the fake signs its callbacks
# with the same one and pushes them to the account's webhook (as after set_webhook).
DEMO = FakeDemo(
    handle="Acme Care",
    credentials={"auth_token": DEMO_AUTH_TOKEN},
    args=lambda run: ["--auth-token", DEMO_AUTH_TOKEN],
    webhook=True,
    crowd=Crowd(every=15.0, kinds=DEMO_CROWD_KINDS, languages=DEMO_CROWD_LANGUAGES, lines=DEMO_CROWD_LINES),
)


if __name__ == "__main__":
    sys.exit(main())
