"""A loopback fake of the WhatsApp Cloud API, faithful to the wire format Hovor relies on.

Run standalone::

    python -m fakes.whatsapp --port 8083 --webhook http://127.0.0.1:8000/webhooks/whatsapp/1/ \\
        --app-secret S --verify-token T --phone-number-id P      # prints FAKE_WHATSAPP_READY <base url>

or in-process (tests)::

    fake = FakeWhatsApp(app_secret="s", access_token="t", phone_number_id="p").start()
    fake.inbound("420601234567", "Hi", name="Jana")   # a customer writes
    for delivery in fake.take_deliveries():           # the signed webhook POSTs Meta would send
        client.post(url, data=delivery.body, content_type="application/json", **delivery.django_headers())
    fake.stop()

Graph side: ``POST /vNN.N/{phone_number_id}/messages`` with ``type`` ``text`` (≤ 4096 characters,
only inside the 24-hour customer service window, else error 131047) or ``template`` (an approved
template, allowed any time), and ``{"status": "read", "message_id": …}`` read receipts. Bearer token
checked (190 when wrong), Graph error JSON with WhatsApp's ``error_data``.

Webhook side: every customer message and every status of an accepted send (sent → delivered →
read, or failed with ``errors[]`` when armed) becomes a delivery: the ``whatsapp_business_account``
envelope serialised as Meta does (``ensure_ascii``, ``\\/``) and signed over exactly those bytes
(``X-Hub-Signature-256``, and the legacy SHA-1 ``X-Hub-Signature``). With ``--webhook`` each
delivery is POSTed there in order, with retries; in-process they also queue for
``take_deliveries()``. ``verify_webhook()`` performs Meta's ``hub.challenge`` GET.

Connecting and webhook configuration (what "Connect with Facebook" uses): Facebook Login for
the fake's app (``app_id``, ``app_secret``) and its logged-in admin, as
fakes/meta/login.py describes: ``GET|POST /vNN/dialog/oauth`` (consent page
listing the WhatsApp Business accounts to share), ``GET|POST /vNN/oauth/access_token``,
``GET /vNN/debug_token`` (``granular_scopes`` name the shared accounts), ``GET /vNN/app``,
``GET /vNN/me``. The admin's business has the main account (``waba_id``, ``waba_name``)
with the main number and, by default, two more numbers, and a second account with one
(DEMO_OTHER_WABAS / DEMO_OTHER_NUMBERS). With a token that reaches an account:
``GET /{waba-id}`` and ``GET /{waba-id}/phone_numbers`` (``id, display_phone_number,
verified_name, quality_rating, …``; at most ``numbers_page_size`` a page, default 2, cursor
paged with ``paging.next``); ``GET|POST|DELETE /{waba-id}/subscribed_apps`` (subscribe the
token's app; an ``override_callback_uri`` + ``verify_token`` sets the account's callback);
``POST /{phone-number-id}`` ``{"webhook_configuration": {"override_callback_uri",
"verify_token"}}`` (the number's own callback; ``GET …?fields=webhook_configuration`` shows
all three levels). Meta verifies an override with the hub.challenge GET first and refuses
with 2200 "callback verification failed" unless the challenge comes back. Once the app is
subscribed to the main account, deliveries for the main number go to its override (else the
account's), as Meta routes them. Issued user tokens authenticate the Cloud API like the
configured token, for the accounts they were granted (``whatsapp_business_messaging`` to
send); another account's number is 100/33.

Control endpoints (no auth): ``POST /_fake/inbound``, ``GET /_fake/outbound``, ``GET /_fake/reads``,
``POST /_fake/fail``, ``POST /_fake/redeliver``, ``GET /_fake/deliveries``, ``POST /_fake/verify``,
``POST /_fake/clock``, ``POST /_fake/reset``, ``GET /_fake/requests``, ``POST /_fake/press``
``{"wamid", "id"}`` (the customer picks a row or reply button of our interactive message).

Standard library only. No Django.
"""
from __future__ import annotations

import argparse
import base64
import collections
import hashlib
import hmac
import itertools
import json
import queue
import re
import secrets
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from datetime import datetime
from http.server import ThreadingHTTPServer
from typing import Any, Self

from fakes.base import (
    ControlRequest,
    ControlRoute,
    Failures,
    FakeHandler,
    FakeServer,
    RequestLog,
    cli,
    document_bytes,
    multipart_form,
    png_bytes,
    post,
    run_until_signalled,
    serve,
)
from fakes.demo import Crowd, FakeDemo
from fakes.meta.common import meta_json, signed_headers
from fakes.meta.login import Asset, FakeLogin, LoginError, Token, redact_query, write_page

DEMO_ACCESS_TOKEN = "demo-whatsapp-access-token"
DEMO_APP_SECRET = "demo-whatsapp-app-secret"
DEMO_VERIFY_TOKEN = "demo-whatsapp-verify-token"
DEMO_PHONE_NUMBER_ID = "106540352242922"
DEMO_DISPLAY_PHONE_NUMBER = "15550783881"
DEMO_WABA_ID = "102290129340398"
DEMO_APP_ID = "1517776481860224"
DEMO_SYSTEM_USER_ID = "122100000000000001"
# What else the demo admin's business has on WhatsApp: two more numbers on the main WhatsApp
# Business account ("waba_id": "" means that one) and another account with one number.
DEMO_OTHER_WABAS: tuple[dict[str, str], ...] = ({"id": "102290129340411", "name": "Acme Care CZ"},)
DEMO_OTHER_NUMBERS: tuple[dict[str, str], ...] = (
    {"id": "106540352242933", "display_phone_number": "15550783882", "verified_name": "Acme Care Returns",
     "quality_rating": "GREEN", "waba_id": ""},
    {"id": "106540352242944", "display_phone_number": "15550783883", "verified_name": "Acme Care Billing",
     "quality_rating": "YELLOW", "waba_id": ""},
    {"id": "106540352242955", "display_phone_number": "420225123456", "verified_name": "Acme Care CZ",
     "quality_rating": "GREEN", "waba_id": "102290129340411"},
)
DEMO_TEMPLATES = (
    {"name": "hello_world", "language": "en_US", "body": "Hello World"},
    {"name": "follow_up", "language": "en_US", "body": "Hi {{1}}, we have an update on your request {{2}}."},
    {"name": "follow_up", "language": "cs", "body": "Dobrý den, {{1}}, máme novinky k vašemu požadavku {{2}}."},
    # Still in Meta's review: listed by message_templates, refused when sent (132001).
    {"name": "spring_sale", "language": "en_US", "body": "Our spring sale starts {{1}}!", "status": "PENDING",
     "category": "MARKETING"},
)
TEMPLATES_PAGE_SIZE = 2

SERVICE_WINDOW = 24 * 60 * 60
KEEP_DELIVERIES = 5000
MAX_TEXT_LENGTH = 4096
JSON_CONTENT_TYPE = "application/json; charset=UTF-8"
PHONE_PATH_RE = re.compile(r"^/v\d+\.\d+/([^/]+)/?$")
MESSAGES_PATH_RE = re.compile(r"^/v(\d+)\.(\d+)/([^/]+)/messages/?$")
MEDIA_PATH_RE = re.compile(r"^/v\d+\.\d+/([^/]+)/media/?$")
GRAPH_PATH_RE = re.compile(r"^/v\d+\.\d+/")
NODE_PATH_RE = re.compile(r"^/v\d+\.\d+/([^/]+)(?:/([^/]+))?/?$")
DIALOG_PATH_RE = re.compile(r"^(/v\d+(\.\d+)?)?/dialog/oauth/?$")
TOKEN_PATH_RE = re.compile(r"^(/v\d+(\.\d+)?)?/oauth/access_token/?$")
ERROR_HREF = "https://developers.facebook.com/docs/whatsapp/cloud-api/support/error-codes/"

# code -> (HTTP status, title, details); titles and details as WhatsApp words them.
ERRORS: dict[int, tuple[int, str, str]] = {
    1: (500, "An unknown error occurred", "Invalid request or possible server error."),
    2: (503, "Service temporarily unavailable", "Temporary due to downtime or due to being overloaded."),
    4: (400, "Application request limit reached", "The app has reached its API call rate limit."),
    100: (400, "Invalid parameter", "The request included one or more unsupported or misspelled parameters."),
    190: (401, "Access token has expired", "Error validating access token: The session has been invalidated."),
    80007: (400, "Rate limit issues", "The WhatsApp Business Account has reached its rate limit."),
    130429: (400, "Rate limit hit", "Cloud API message throughput has been reached."),
    131000: (500, "Something went wrong", "Message failed to send due to an unknown error."),
    131026: (400, "Message undeliverable", "Message Undeliverable."),
    131047: (
        400,
        "Re-engagement message",
        "Message failed to send because more than 24 hours have passed since the customer last replied to this number.",
    ),
    131048: (
        400,
        "Spam rate limit hit",
        "Message failed to send because there are restrictions on how many messages can be sent from this phone "
        "number. This may be because too many previous messages were blocked or flagged as spam.",
    ),
    131051: (400, "Message type unknown", "Message type is currently not supported."),
    131056: (
        400,
        "(Business Account, Consumer Account) pair rate limit hit",
        "Message failed to send because there were too many messages sent from this phone number to the same phone "
        "number in a short period of time.",
    ),
    132000: (400, "Number of parameters does not match the expected number of params",
             "body: number of localizable_params does not match the expected number of params"),
    132001: (404, "Template name does not exist in the translation", "template name does not exist in the language"),
}
SUBCODES = {131047: 2018278, 190: 460}
STATUS_CODES = {429: 130429, 401: 190, 500: 1, 502: 1, 503: 2}

MEDIA_DEFAULTS = {
    "image": "image/jpeg",
    "video": "video/mp4",
    "audio": "audio/ogg; codecs=opus",
    "document": "application/pdf",
    "sticker": "image/webp",
}
TEXT_KINDS = {"text", "mention", "dm", "message", "comment"}


class FakeGraphError(Exception):
    """A Graph error answer: HTTP status plus Meta's error JSON."""

    def __init__(self, status: int, body: dict[str, Any], headers: dict[str, str] | None = None) -> None:
        super().__init__(f"{status}: {body}")
        self.status = status
        self.body = body
        self.headers = headers or {}


def graph_error(code: int, *, status: int | None = None, message: str = "", details: str = "") -> FakeGraphError:
    default_status, title, default_details = ERRORS.get(code, (400, "Invalid parameter", ""))
    error: dict[str, Any] = {
        "message": message or f"(#{code}) {title}",
        "type": "OAuthException",
        "code": code,
    }
    if code not in (1, 2, 4, 100, 190):
        error["error_data"] = {"messaging_product": "whatsapp", "details": details or default_details}
    elif details:
        error["error_data"] = {"messaging_product": "whatsapp", "details": details}
    if code in SUBCODES:
        error["error_subcode"] = SUBCODES[code]
    if code in (1, 2):
        error["is_transient"] = True
    error["fbtrace_id"] = "A" + secrets.token_urlsafe(16)
    headers = {}
    if code == 190:
        headers["WWW-Authenticate"] = 'OAuth "Facebook Platform" "invalid_token" "Invalid OAuth access token"'
    if code in (4, 80007):
        headers["X-Business-Use-Case-Usage"] = json.dumps(
            {DEMO_WABA_ID: [{"type": "whatsapp", "call_count": 100, "total_cputime": 1, "total_time": 1,
                             "estimated_time_to_regain_access": 1}]}
        )
    return FakeGraphError(status or default_status, {"error": error}, headers)


def unsupported_request(method: str, object_id: str) -> FakeGraphError:
    """Graph's answer for an id the token cannot reach (e.g. another phone number)."""
    return FakeGraphError(
        400,
        {"error": {"message": f"Unsupported {method} request. Object with ID '{object_id}' does not exist, cannot be "
                   "loaded due to missing permissions, or does not support this operation. Please read the Graph API "
                   "documentation at https://developers.facebook.com/docs/graph-api",
                   "type": "GraphMethodException", "code": 100, "error_subcode": 33,
                   "fbtrace_id": "A" + secrets.token_urlsafe(16)}},
    )


def invalid_parameter(message: str) -> FakeGraphError:
    return graph_error(100, message=message)


def oauth_error(status: int, code: int, message: str, error_type: str = "OAuthException") -> FakeGraphError:
    """A plain Graph error (no WhatsApp error_data): permissions, verification, login."""
    return FakeGraphError(status, {"error": {"message": message, "type": error_type, "code": code,
                                             "fbtrace_id": "A" + secrets.token_urlsafe(16)}})


def _cursor(index: int) -> str:
    return base64.urlsafe_b64encode(f"idx:{index}".encode()).decode().rstrip("=")


def _cursor_index(value: str) -> int:
    try:
        kind, _, number = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4)).decode().partition(":")
    except (ValueError, UnicodeDecodeError):
        kind, number = "", ""
    if kind != "idx" or not number.isdigit():
        raise invalid_parameter("(#100) Invalid cursor")
    return int(number)


def formatted(digits: str) -> str:
    """How the phone_numbers edge shows a number: "+1 555-078-3881" (NANP), else "+<digits>"."""
    if len(digits) == 11 and digits.startswith("1"):
        return f"+1 {digits[1:4]}-{digits[4:7]}-{digits[7:]}"
    return f"+{digits}"


def check_interactive(interactive: Any) -> dict[str, Any]:
    """An interactive message as the Cloud API takes it: `list` (a button label up to 20
    characters opening 1–10 sections of 1–10 rows in all; a row's id up to 200 and unique,
    its title up to 24; body up to 4096) or `button` (1–3 reply buttons, id up to 256, title
    up to 20; body up to 1024). What is recorded: the text, the type and the rows offered."""
    if not isinstance(interactive, dict) or interactive.get("type") not in ("list", "button"):
        raise invalid_parameter("(#100) Param interactive['type'] must be one of {LIST, BUTTON} in this fake")
    kind = interactive["type"]
    body = interactive.get("body")
    text = body.get("text") if isinstance(body, dict) else None
    if not isinstance(text, str) or not text:
        raise invalid_parameter("(#100) The parameter interactive['body']['text'] is required.")
    if len(text) > (4096 if kind == "list" else 1024):
        raise invalid_parameter("(#100) Param interactive['body']['text'] is too long.")
    action = interactive.get("action")
    if not isinstance(action, dict):
        raise invalid_parameter("(#100) The parameter interactive['action'] is required.")
    rows: list[dict[str, str]] = []
    if kind == "list":
        label = action.get("button")
        if not isinstance(label, str) or not label or len(label) > 20:
            raise invalid_parameter("(#100) Param interactive['action']['button'] must be 1-20 characters.")
        sections = action.get("sections")
        if not isinstance(sections, list) or not 1 <= len(sections) <= 10:
            raise invalid_parameter("(#100) Param interactive['action']['sections'] must have 1-10 sections.")
        for section in sections:
            if not isinstance(section, dict) or not isinstance(section.get("rows"), list) or not section["rows"]:
                raise invalid_parameter("(#100) Each section needs rows.")
            if len(sections) > 1 and not section.get("title"):
                raise invalid_parameter("(#100) Param section['title'] is required with more than one section.")
            for row in section["rows"]:
                if not (isinstance(row, dict) and isinstance(row.get("id"), str) and isinstance(row.get("title"), str)):
                    raise invalid_parameter("(#100) A row needs an id and a title.")
                if not row["id"] or len(row["id"]) > 200 or not row["title"] or len(row["title"]) > 24:
                    raise invalid_parameter("(#100) A row's id is 1-200 characters and its title 1-24.")
                rows.append({"id": row["id"], "title": row["title"], "kind": "list"})
        if len(rows) > 10:
            raise invalid_parameter("(#100) A list takes at most 10 rows in all.")
    else:
        buttons = action.get("buttons")
        if not isinstance(buttons, list) or not 1 <= len(buttons) <= 3:
            raise invalid_parameter("(#100) Param interactive['action']['buttons'] must have 1-3 buttons.")
        for button in buttons:
            reply = button.get("reply") if isinstance(button, dict) and button.get("type") == "reply" else None
            if not isinstance(reply, dict) or not isinstance(reply.get("id"), str) or not isinstance(
                reply.get("title"), str
            ):
                raise invalid_parameter("(#100) A reply button needs reply {id, title}.")
            if not reply["id"] or len(reply["id"]) > 256 or not reply["title"] or len(reply["title"]) > 20:
                raise invalid_parameter("(#100) A button's id is 1-256 characters and its title 1-20.")
            rows.append({"id": reply["id"], "title": reply["title"], "kind": "button"})
    if len({r["id"] for r in rows}) != len(rows):
        raise invalid_parameter("(#100) Row and button ids must be unique.")
    return {"text": text, "interactive": {"type": kind, "action": action}, "rows": rows}


def wa_id_for(author: str | int) -> str:
    """A customer's WhatsApp id: digits of a phone number. "@handle" (the X-style crowd)
    maps to a stable made-up Czech mobile number."""
    raw = str(author).strip()
    digits = raw.lstrip("+").replace(" ", "")
    if digits.isascii() and digits.isdigit() and 6 <= len(digits) <= 15:
        return digits
    if not raw:
        raise invalid_parameter("`author` is required (a wa_id such as 420601234567)")
    number = int.from_bytes(hashlib.sha256(raw.lower().encode()).digest()[:8], "big") % 10**8
    return f"4206{number:08d}"


def parse_when(value: Any, now: float) -> float:
    if value is None or value == "":
        return now
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    if isinstance(value, str):
        text = value.strip()
        if text.isdigit():
            return float(text)
        try:
            parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            pass
        else:
            if parsed.tzinfo is not None:
                return parsed.timestamp()
    raise invalid_parameter(f"`at` must be Unix seconds or an ISO time with a zone, not {value!r}")


@dataclass
class Delivery:
    """One webhook POST as Meta sends it: the exact bytes and the headers signed over them."""

    kind: str  # "messages" or "statuses"
    body: bytes
    headers: dict[str, str]
    payload: dict[str, Any]
    pushed: list[int] = field(default_factory=list)  # HTTP statuses our webhook answered

    def django_headers(self) -> dict[str, str]:
        """Keyword arguments for Django's test client (HTTP_X_HUB_SIGNATURE_256=…)."""
        return {
            "HTTP_" + k.upper().replace("-", "_"): v for k, v in self.headers.items() if k.lower() != "content-type"
        }

    def as_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "body": self.body.decode("ascii"), "headers": dict(self.headers),
                "pushed": list(self.pushed)}


class FakeWhatsApp(FakeServer):
    """In-process fake WhatsApp Cloud API. ``start()`` serves on 127.0.0.1 in a daemon thread."""

    def __init__(
        self,
        port: int = 0,
        *,
        host: str = "127.0.0.1",
        webhook_url: str | None = None,
        app_secret: str = DEMO_APP_SECRET,
        verify_token: str = DEMO_VERIFY_TOKEN,
        access_token: str = DEMO_ACCESS_TOKEN,
        phone_number_id: str = DEMO_PHONE_NUMBER_ID,
        display_phone_number: str = DEMO_DISPLAY_PHONE_NUMBER,
        verified_name: str = "Acme Care",
        waba_id: str = DEMO_WABA_ID,
        templates: list[dict[str, str]] | tuple[dict[str, str], ...] | None = None,
        status_delay: float = 0.3,
        push_retries: int = 4,
        push_backoff: float = 0.5,
        verbose: bool = False,
        app_id: str = DEMO_APP_ID,
        app_name: str = "Hovor",
        user_name: str = "Jana Nováková",
        redirect_uris: tuple[str, ...] | list[str] = (),
        waba_name: str = "Acme Care",
        other_wabas: tuple[dict[str, str], ...] | list[dict[str, str]] | None = None,
        other_numbers: tuple[dict[str, str], ...] | list[dict[str, str]] | None = None,
        numbers_page_size: int = 2,
    ) -> None:
        self.host = host
        self.port = int(port)
        self.webhook_url = webhook_url
        self.app_secret = app_secret
        self.verify_token = verify_token
        self.access_token = access_token
        self.phone_number_id = str(phone_number_id)
        self.display_phone_number = display_phone_number
        self.verified_name = verified_name
        self.waba_id = waba_id
        # The business's templates as message_templates lists them; only APPROVED ones send.
        self.template_list = [
            {"name": t["name"], "language": t["language"], "body": t.get("body", ""),
             "status": t.get("status") or "APPROVED", "category": t.get("category") or "UTILITY",
             "id": str(1_900_000_000_000_000 + index)}
            for index, t in enumerate(DEMO_TEMPLATES if templates is None else templates)
        ]
        self.templates = {
            (t["name"], t["language"]): t["body"] for t in self.template_list if t["status"] == "APPROVED"
        }
        self.status_delay = status_delay
        self.push_retries = push_retries
        self.push_backoff = push_backoff
        self.verbose = verbose
        self._lock = threading.RLock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._pusher: threading.Thread | None = None
        self._push_queue: queue.Queue[tuple[Delivery, float] | None] = queue.Queue()
        self._pushing = 0  # the delivery being pushed (retries included)
        self._reset_state()
        self.app_id = str(app_id)
        self.waba_name = waba_name
        self.other_wabas = [dict(w) for w in (DEMO_OTHER_WABAS if other_wabas is None else other_wabas)]
        self.other_numbers = [dict(n) for n in (DEMO_OTHER_NUMBERS if other_numbers is None else other_numbers)]
        self.numbers_page_size = max(1, int(numbers_page_size))
        # Facebook Login for this app and the admin logged in (fakes/meta/login.py).
        self.login = FakeLogin(
            app_id=self.app_id,
            app_secret=app_secret,
            app_name=app_name,
            user_name=user_name,
            assets=self._assets,
            redirect_uris=redirect_uris,
            clock=self.now,
            configured=self._configured,
        )
        # Webhook configuration made through the API: the app's subscription to each WhatsApp
        # Business account (with an optional override callback) and per-number overrides.
        self.waba_subscriptions: dict[str, dict[str, str]] = {}
        self.number_callbacks: dict[str, dict[str, str]] = {}
        # The app's own callback URL and verify token (the App Dashboard's), under any override.
        self.app_callback_url = webhook_url
        self.app_verify_token = verify_token
        self._webhook_via_api = False

    # ------------------------------------------------------------------ lifecycle
    def start(self) -> Self:
        if self._server is not None:
            return self
        self._server, self._thread = serve(self, _Handler, self.host, self.port, "fake-whatsapp")
        self.start_pushing()
        return self

    def start_pushing(self) -> None:
        """Start POSTing deliveries to `webhook_url` (start() does it when one was given)."""
        if self.webhook_url and self._pusher is None:
            self._pusher = threading.Thread(target=self._push_loop, name="fake-whatsapp-push", daemon=True)
            self._pusher.start()

    def stop(self) -> None:
        server, self._server = self._server, None
        if self._pusher is not None:
            self._push_queue.put(None)
            self._pusher.join(timeout=5)
            self._pusher = None
        if server is None:
            return
        server.shutdown()
        server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None


    # ------------------------------------------------------------------ state
    def _reset_state(self) -> None:
        with self._lock:
            self._ids = itertools.count(1)
            self._clock_offset = 0.0
            self._customers: dict[str, dict[str, Any]] = {}  # wa_id -> {"name", "last_inbound"}
            self._messages: dict[str, dict[str, Any]] = {}  # wamid -> {"direction", "wa_id"}
            # media id -> (mime type, bytes): GET /{media-id} names a URL that serves them.
            self._media: dict[str, tuple[str, bytes]] = {}
            self._outbound: list[dict[str, Any]] = []
            self._reads: list[dict[str, Any]] = []
            self._failures: Failures[dict[str, Any]] = Failures()
            self._status_failures: Failures[dict[str, Any]] = Failures()
            # Bounded: a standalone fake pushing for days keeps only the recent ones.
            self._deliveries: collections.deque[Delivery] = collections.deque(maxlen=KEEP_DELIVERIES)
            self._pending: collections.deque[Delivery] = collections.deque(maxlen=KEEP_DELIVERIES)
            self._requests = RequestLog()

    def reset(self) -> None:
        """Forget customers, messages, sends, armed failures, deliveries and the clock offset."""
        self._reset_state()

    def now(self) -> float:
        return time.time() + self._clock_offset

    def advance(self, seconds: float) -> float:
        """Move the fake's clock (e.g. 25 hours, to close every customer service window)."""
        with self._lock:
            self._clock_offset += float(seconds)
            return self.now()

    def _wamid(self, wa_id: str) -> str:
        # Real wamids are base64 of a protobuf-ish blob naming the chat; opaque to clients.
        serial = next(self._ids)
        raw = b"\x15\x02\x00\x12\x18" + f"{wa_id}:{serial:012d}:{secrets.token_hex(6)}".encode()
        return "wamid." + base64.b64encode(raw).decode("ascii")

    def _media_id(self) -> str:
        return str(1_000_000_000_000_000 + next(self._ids) * 7919)

    # ------------------------------------------------------------------ media
    def _media_info(self, media_id: str, headers: Any) -> dict[str, Any]:
        """GET /{media-id}: a URL valid for five minutes (here: while the fake runs) that
        takes the same Bearer token, as Meta's lookaside.fbsbx.com links do."""
        self._authenticate(headers)
        mime, data = self._media[media_id]
        digest = hashlib.sha256(data).hexdigest()
        url = (f"{self.base_url}/whatsapp_business/attachments/"
               f"?mid={media_id}&ext={int(self.now())}&hash={digest[:16]}")
        return {"messaging_product": "whatsapp", "url": url, "mime_type": mime, "sha256": digest,
                "file_size": str(len(data)), "id": media_id}

    def _upload(self, number: str, headers: Any, body: bytes) -> dict[str, Any]:
        """POST /{phone-number-id}/media (multipart: messaging_product, type, file) -> {"id"}."""
        principal = self._authenticate(headers)
        if number != self.phone_number_id or not self._reaches(principal, self.waba_id):
            raise unsupported_request("post", number)
        fields, files = multipart_form(headers, body)
        if fields.get("messaging_product") != "whatsapp":
            raise invalid_parameter("(#100) The parameter messaging_product is required.")
        if "file" not in files or not files["file"][2]:
            raise invalid_parameter("(#100) The parameter file is required.")
        filename, content_type, content = files["file"]
        mime = fields.get("type") or content_type
        limit = 5 * 1024 * 1024 if mime.startswith("image/") else 100 * 1024 * 1024
        if len(content) > limit:
            raise invalid_parameter("(#131053) Media upload error: file too large")
        media_id = self._media_id()
        self._media[media_id] = (mime, content)
        return {"id": media_id}

    def media_download(self, query: str, headers: Any) -> tuple[int, str, bytes]:
        params = urllib.parse.parse_qs(query)
        media_id = (params.get("mid") or [""])[0]
        with self._lock:
            try:
                self._authenticate(headers)
            except (FakeGraphError, LoginError):
                return 401, "text/plain", b"Unauthorized"
            found = self._media.get(media_id)
            self._requests.append({"method": "GET", "path": "/whatsapp_business/attachments/",
                                   "status": 200 if found else 404, "at": self.now()})
        if found is None:
            return 404, "text/plain", b"Not Found"
        return 200, found[0], found[1]

    def media_content(self, media_id: str) -> bytes | None:
        with self._lock:
            found = self._media.get(media_id)
        return found[1] if found else None

    # ------------------------------------------------------------------ deliveries
    def envelope(self, value: dict[str, Any]) -> dict[str, Any]:
        """The webhook envelope around one change value, as Meta sends it."""
        return {
            "object": "whatsapp_business_account",
            "entry": [
                {
                    "id": self.waba_id,
                    "changes": [
                        {
                            "value": {
                                "messaging_product": "whatsapp",
                                "metadata": {
                                    "display_phone_number": self.display_phone_number,
                                    "phone_number_id": self.phone_number_id,
                                },
                                **value,
                            },
                            "field": "messages",
                        }
                    ],
                }
            ],
        }

    def sign(self, payload: dict[str, Any] | bytes, kind: str = "messages") -> Delivery:
        """A signed delivery of `payload` (a dict serialised as Meta does, or exact bytes)."""
        body = payload if isinstance(payload, bytes) else meta_json(payload)
        headers = signed_headers(self.app_secret, body)
        return Delivery(kind=kind, body=body, headers=headers, payload=payload if isinstance(payload, dict) else {})

    def _emit(self, delivery: Delivery, delay: float = 0.0) -> Delivery:
        """Caller holds the lock."""
        self._deliveries.append(delivery)
        self._pending.append(delivery)
        if self.webhook_url and self._pusher is not None:
            self._push_queue.put((delivery, delay))
        return delivery

    def take_deliveries(self) -> list[Delivery]:
        """The deliveries made since the last call, oldest first (in-process tests POST them)."""
        with self._lock:
            taken = list(self._pending)
            self._pending.clear()
            return taken

    def deliveries(self) -> list[Delivery]:
        with self._lock:
            return list(self._deliveries)

    def redeliver(self, index: int = -1, times: int = 1) -> list[Delivery]:
        """Meta redelivers: the same bytes and signature again (it retries for up to 7 days)."""
        with self._lock:
            if not self._deliveries:
                raise invalid_parameter("nothing has been delivered yet")
            try:
                original = self._deliveries[index]
            except IndexError as exc:
                raise invalid_parameter(f"no delivery at index {index}") from exc
            copies = []
            for _ in range(max(1, int(times))):
                copy = Delivery(original.kind, original.body, dict(original.headers), original.payload)
                copies.append(self._emit(copy))
            return copies

    def _push_loop(self) -> None:
        while True:
            item = self._push_queue.get()
            if item is None:
                return
            delivery, delay = item
            self._pushing = 1
            if delay > 0:
                time.sleep(delay)
            try:
                self._push(delivery)
            finally:
                self._pushing = 0

    def _push(self, delivery: Delivery) -> None:
        assert self.webhook_url
        backoff = self.push_backoff
        for attempt in range(self.push_retries + 1):
            pushed = post(self.webhook_url, delivery.body, delivery.headers, timeout=20)
            delivery.pushed.append(pushed.status or 0)
            if not pushed.refused and pushed.status is not None:
                return
            if attempt < self.push_retries:
                time.sleep(backoff)
                backoff = min(backoff * 2, 8.0)
        if self.verbose:
            sys.stderr.write(f"fake-whatsapp: gave up delivering {delivery.kind} after {self.push_retries + 1} tries\n")

    def verify_webhook(self, url: str | None = None) -> dict[str, Any]:
        """Meta's subscription check: GET ?hub.mode=subscribe&hub.verify_token&hub.challenge,
        expecting the challenge back as the body."""
        target = url or self.webhook_url
        if not target:
            raise invalid_parameter("no webhook URL to verify")
        return self.handshake(target, self.verify_token)

    def handshake(self, target: str, verify_token: str) -> dict[str, Any]:
        """The verification GET to `target` with this verify token."""
        challenge = str(secrets.randbelow(10**9) + 10**9)
        query = urllib.parse.urlencode(
            {"hub.mode": "subscribe", "hub.verify_token": verify_token, "hub.challenge": challenge}
        )
        joiner = "&" if "?" in target else "?"
        try:
            with urllib.request.urlopen(f"{target}{joiner}{query}", timeout=10) as response:  # noqa: S310
                status, body = response.status, response.read().decode("utf-8", "replace")
        except urllib.error.HTTPError as exc:
            status, body = exc.code, exc.read().decode("utf-8", "replace")
        except (urllib.error.URLError, OSError) as exc:
            return {"verified": False, "status": 0, "error": str(exc)}
        return {"verified": status == 200 and body == challenge, "status": status, "challenge": challenge, "body": body}

    # ------------------------------------------------------------------ customers write
    def inbound(
        self,
        author: str | int,
        text: str = "",
        *,
        name: str | None = None,
        kind: str = "text",
        in_reply_to: str | None = None,
        at: Any = None,
        **fields: Any,
    ) -> dict[str, Any]:
        """A customer writes to the brand's number; returns the message object (its `id` is
        the wamid) after queueing (and pushing) the signed delivery."""
        with self._lock:
            return self._inbound_locked(author, text, name=name, kind=kind, in_reply_to=in_reply_to, at=at,
                                        fields=fields)

    def _inbound_locked(
        self, author: str | int, text: Any, *, name: Any, kind: Any, in_reply_to: Any, at: Any, fields: dict[str, Any]
    ) -> dict[str, Any]:
        if not isinstance(text, str):
            raise invalid_parameter("`text` must be a string")
        if name is not None and not isinstance(name, str):
            raise invalid_parameter("`name` must be a string")
        if not isinstance(kind, str):
            raise invalid_parameter("`kind` must be a string")
        if in_reply_to is not None and not isinstance(in_reply_to, str):
            raise invalid_parameter("`in_reply_to` must be a wamid string")
        wa_id = wa_id_for(author)
        ts = parse_when(at, self.now())
        customer = self._customers.setdefault(wa_id, {"name": name or f"+{wa_id}", "last_inbound": None})
        if name:
            customer["name"] = name
        message_type = "text" if kind in TEXT_KINDS else kind
        message: dict[str, Any] = {"from": wa_id, "id": self._wamid(wa_id), "timestamp": str(int(ts))}
        if in_reply_to and message_type != "reaction":
            quoted = self._messages.get(in_reply_to)
            quoted_from = self.display_phone_number if not quoted or quoted["direction"] == "out" else quoted["wa_id"]
            message["context"] = {"from": quoted_from, "id": in_reply_to}
        message["type"] = message_type
        message.update(self._content(message_type, text, in_reply_to, fields))
        self._messages[message["id"]] = {"direction": "in", "wa_id": wa_id}
        if message_type not in ("reaction", "system", "unsupported"):
            # Any customer message (re)opens the 24-hour customer service window.
            last = customer["last_inbound"]
            customer["last_inbound"] = ts if last is None else max(last, ts)
        contact = {"profile": {"name": customer["name"]}, "wa_id": wa_id}
        self._emit(self.sign(self.envelope({"contacts": [contact], "messages": [message]})))
        return message

    def _content(self, message_type: str, text: str, in_reply_to: str | None, fields: dict[str, Any]) -> dict[str, Any]:
        if message_type == "text":
            if not text:
                raise invalid_parameter("`text` is required for a text message")
            return {"text": {"body": text}}
        if message_type in MEDIA_DEFAULTS:
            media: dict[str, Any] = {}
            if text and message_type in ("image", "video", "document"):
                media["caption"] = text
            if message_type == "document":
                media["filename"] = str(fields.get("filename") or "document.pdf")
            media["mime_type"] = str(fields.get("mime_type") or MEDIA_DEFAULTS[message_type])
            media_id = self._media_id()
            if message_type in ("image", "sticker"):
                data = png_bytes(320, 240, int(media_id) % 97)
            else:
                data = document_bytes(str(media.get("filename") or message_type), int(fields.get("file_size") or 0))
            self._media[media_id] = (media["mime_type"], data)
            media["sha256"] = base64.b64encode(hashlib.sha256(data).digest()).decode()
            media["id"] = media_id
            if message_type == "audio":
                media["voice"] = bool(fields.get("voice", True))
            if message_type == "sticker":
                media["animated"] = bool(fields.get("animated", False))
            return {message_type: media}
        if message_type == "location":
            location: dict[str, Any] = {
                "latitude": float(fields.get("latitude", 50.0874654)),
                "longitude": float(fields.get("longitude", 14.4212503)),
            }
            for key in ("name", "address", "url"):
                if fields.get(key):
                    location[key] = str(fields[key])
            return {"location": location}
        if message_type == "interactive":
            reply_type = "list_reply" if fields.get("list") else "button_reply"
            reply = {"id": str(fields.get("reply_id") or "reply-1"), "title": text}
            if reply_type == "list_reply" and fields.get("description"):
                reply["description"] = str(fields["description"])
            return {"interactive": {"type": reply_type, reply_type: reply}}
        if message_type == "button":
            return {"button": {"payload": str(fields.get("payload") or text), "text": text}}
        if message_type == "reaction":
            if not in_reply_to:
                raise invalid_parameter("a reaction needs `in_reply_to` (the wamid reacted to)")
            reaction: dict[str, Any] = {"message_id": in_reply_to}
            if text:
                reaction["emoji"] = text  # no emoji: the customer removed their reaction
            return {"reaction": reaction}
        if message_type == "unsupported":
            _, title, details = ERRORS[131051]
            return {"errors": [{"code": 131051, "title": title, "message": title,
                                "error_data": {"details": details}, "href": ERROR_HREF}]}
        raise invalid_parameter(
            f"`kind` {message_type!r} is not one the fake can send (text, image, video, audio, document, sticker, "
            "location, interactive, button, reaction, unsupported)"
        )

    # ------------------------------------------------------------------ failures
    def chaos_error(self, status: int, retry_after: int) -> tuple[int, Any, dict[str, str]]:
        """A storm answered as the Graph API does (130429 for 429, 1/2 transient for 5xx)."""
        error = graph_error(STATUS_CODES.get(status, 1), status=status)
        return error.status, error.body, dict(error.headers)

    def fail(self, *, code: int | None = None, status: int | None = None, times: int = 1, mode: str = "before") -> dict:
        """The next `times` Graph calls fail with WhatsApp error `code` (HTTP `status`).
        mode "before" fails without acting; "after" sends the message, then answers with
        the error (what a timeout or 5xx after the fact looks like to a client)."""
        if code is None:
            code = STATUS_CODES.get(int(status or 500), 100)
        if mode not in ("before", "after"):
            raise invalid_parameter("`mode` is before or after")
        rule = {"code": int(code), "status": int(status) if status else None, "times": int(times), "mode": mode}
        with self._lock:
            self._failures.arm(rule)
        return dict(rule)

    def fail_delivery(self, *, code: int = 131026, times: int = 1) -> dict:
        """The next `times` accepted sends end in a `failed` status webhook with errors[]."""
        rule = {"code": int(code), "times": int(times)}
        with self._lock:
            self._status_failures.arm(rule)
        return dict(rule)

    # ------------------------------------------------------------------ Graph API
    def handle_api(
        self, method: str, path: str, headers: Any, body: bytes, query: str = ""
    ) -> tuple[int, Any, dict[str, str]]:
        with self._lock:
            try:
                status, payload, extra = self._handle_api_locked(method, path, headers, body, query)
            except LoginError as err:
                status, payload, extra = err.status, err.body("A" + secrets.token_urlsafe(16)), err.headers
            except FakeGraphError as err:
                status, payload, extra = err.status, err.body, err.headers
            self._requests.append({"method": method, "path": path, "status": status, "at": self.now()})
            return status, payload, extra

    def _handle_api_locked(
        self, method: str, path: str, headers: Any, body: bytes, query: str = ""
    ) -> tuple[int, Any, dict[str, str]]:
        rule = self._failures.take()
        if rule is not None and rule["mode"] == "before":
            raise graph_error(rule["code"], status=rule["status"])
        if TOKEN_PATH_RE.match(path) and method in ("GET", "POST"):
            return 200, self.login.exchange(self._params(query, headers, body)), {}
        node = NODE_PATH_RE.match(path)
        if node is not None and not node.group(2) and method == "GET" and node.group(1) in self._media:
            return 200, self._media_info(node.group(1), headers), {}
        request = body + query.encode()
        if node is not None and self._is_account_route(method, node.group(1), node.group(2) or "", request):
            params = self._params(query, headers, body)
            principal = self._principal(headers, params)
            return 200, self._account_route(method, node.group(1), node.group(2) or "", params, principal), {}
        number = PHONE_PATH_RE.match(path)
        if number is not None and method == "GET":
            principal = self._authenticate(headers)
            if number.group(1) != self.phone_number_id or not self._reaches(principal, self.waba_id):
                raise unsupported_request("get", number.group(1))
            return 200, {"verified_name": self.verified_name, "display_phone_number": self.display_phone_number,
                         "quality_rating": "GREEN", "id": self.phone_number_id}, {}
        upload = MEDIA_PATH_RE.match(path)
        if upload is not None and method == "POST":
            return 200, self._upload(upload.group(1), headers, body), {}
        match = MESSAGES_PATH_RE.match(path)
        if match is None or method != "POST":
            raise FakeGraphError(
                400,
                {"error": {"message": f"Unsupported {method.lower()} request.", "type": "GraphMethodException",
                           "code": 100, "error_subcode": 33, "fbtrace_id": "A" + secrets.token_urlsafe(16)}},
            )
        principal = self._authenticate(headers)
        if match.group(3) != self.phone_number_id or not self._reaches(principal, self.waba_id):
            raise unsupported_request("post", match.group(3))
        if not principal.has("whatsapp_business_messaging"):
            raise oauth_error(403, 200, "(#200) Requires whatsapp_business_messaging permission to manage the object")
        try:
            data = json.loads(body.decode("utf-8")) if body else None
        except (ValueError, UnicodeDecodeError):
            raise invalid_parameter("(#100) Invalid parameter") from None
        if not isinstance(data, dict):
            raise invalid_parameter("(#100) Invalid parameter")
        if data.get("messaging_product") != "whatsapp":
            raise invalid_parameter("(#100) The parameter messaging_product is required.")
        if "status" in data:
            status, payload = self._mark_read(data)
        else:
            status, payload = self._send(data)
        if rule is not None:  # mode "after": it went out, but the client hears an error
            raise graph_error(rule["code"], status=rule["status"])
        return status, payload, {}

    def _authenticate(self, headers: Any, params: dict[str, Any] | None = None) -> Token:
        """The caller: the configured access token (a system user's, with the main WhatsApp
        Business account), or a token Facebook Login issued."""
        given = headers.get("Authorization") or ""
        token = given[7:] if given.startswith("Bearer ") else ""
        if not given and params and params.get("access_token"):
            token = str(params.pop("access_token"))
        elif params is not None:
            params.pop("access_token", None)
        if not given and not token:
            raise FakeGraphError(
                400,
                {"error": {"message": "An active access token must be used to query information about the current "
                           "user.", "type": "OAuthException", "code": 2500,
                           "fbtrace_id": "A" + secrets.token_urlsafe(16)}},
            )
        issued = self.login.lookup(token) if token else None
        if issued is None:
            raise graph_error(190, message="Invalid OAuth access token - Cannot parse access token")
        return issued

    _principal = _authenticate

    def _configured(self, value: str) -> Token | None:
        """The configured access token: a system user's, reaching the main WhatsApp account."""
        if not hmac.compare_digest(value.encode(), self.access_token.encode()):
            return None
        return Token(value=self.access_token, kind="user", app_id=self.app_id, user_id=DEMO_SYSTEM_USER_ID,
                     scopes=frozenset({"whatsapp_business_management", "whatsapp_business_messaging"}),
                     wabas=(self.waba_id,))

    # ------------------------------------------------------------------ accounts, numbers, webhooks
    def _wabas(self) -> list[dict[str, str]]:
        return [{"id": self.waba_id, "name": self.waba_name}, *self.other_wabas]

    def _numbers(self) -> list[dict[str, str]]:
        main = {"id": self.phone_number_id, "display_phone_number": self.display_phone_number,
                "verified_name": self.verified_name, "quality_rating": "GREEN", "waba_id": self.waba_id}
        return [main, *({**n, "waba_id": n.get("waba_id") or self.waba_id} for n in self.other_numbers)]

    def _assets(self) -> list[Asset]:
        return [Asset(id=w["id"], name=w["name"], kind="waba") for w in self._wabas()]

    @staticmethod
    def _reaches(principal: Token, waba_id: str) -> bool:
        return principal.kind == "user" and waba_id in principal.wabas

    def _params(self, query: str, headers: Any, body: bytes) -> dict[str, Any]:
        params: dict[str, Any] = {k: v[-1] for k, v in urllib.parse.parse_qs(query, keep_blank_values=True).items()}
        if not body:
            return params
        if (headers.get("Content-Type") or "").split(";")[0].strip().lower() == "application/json":
            try:
                data = json.loads(body.decode("utf-8"))
            except (ValueError, UnicodeDecodeError):
                raise invalid_parameter("(#100) Invalid parameter") from None
            if not isinstance(data, dict):
                raise invalid_parameter("(#100) Invalid parameter")
            params.update(data)
        else:
            try:
                form = urllib.parse.parse_qs(body.decode("utf-8"), keep_blank_values=True)
            except UnicodeDecodeError:
                raise invalid_parameter("(#100) Invalid parameter") from None
            params.update({k: v[-1] for k, v in form.items()})
        return params

    def _is_account_route(self, method: str, node: str, edge: str, request: bytes) -> bool:
        """Whether this is Facebook Login's or the account side of the API (not the Cloud
        API's sending and the main number's lookup, which keep their own routes)."""
        if node in ("debug_token", "app", "me") or node == self.app_id:
            return True
        if node in {w["id"] for w in self._wabas()}:
            return True
        numbers = {n["id"] for n in self._numbers()}
        if node in numbers and not edge:
            return method == "POST" or node != self.phone_number_id or b"webhook_configuration" in request
        return False

    def _account_route(
        self, method: str, node: str, edge: str, params: dict[str, Any], principal: Token
    ) -> dict[str, Any]:
        if node == "debug_token" and method == "GET" and not edge:
            return self.login.debug(principal, params, lambda page_id: "")
        if node == "app" and method == "GET" and not edge:
            return self.login.app_node()
        if node == self.app_id and method == "GET" and not edge:
            return self.login.app_node()
        if node == "me" and method == "GET" and principal.kind == "user":
            if edge == "permissions":
                return self.login.permissions(principal)
            if not edge:
                return self.login.me() if principal.user_id == self.login.user_id else {
                    "id": principal.user_id, "name": "Acme Care system user"}
        waba = next((w for w in self._wabas() if w["id"] == node), None)
        if waba is not None:
            if not self._reaches(principal, node):
                raise unsupported_request(method.lower(), node)
            if method == "GET" and not edge:
                return {"id": waba["id"], "name": waba["name"], "currency": "USD", "timezone_id": "1",
                        "message_template_namespace": hashlib.md5(waba["id"].encode()).hexdigest()}  # noqa: S324
            if method == "GET" and edge == "phone_numbers":
                return self._phone_numbers(waba["id"], params, principal)
            if method == "GET" and edge == "message_templates":
                return self._message_templates(waba["id"], params, principal)
            if edge == "subscribed_apps":
                return self._waba_subscribed_apps(method, waba["id"], params, principal)
            raise unsupported_request(method.lower(), f"{node}/{edge}")
        number = next((n for n in self._numbers() if n["id"] == node), None)
        if number is not None and not edge:
            if not self._reaches(principal, number["waba_id"]):
                raise unsupported_request(method.lower(), node)
            if method == "POST":
                return self._configure_number(number, params, principal)
            if method == "GET":
                return self._number_json(number, params)
        raise unsupported_request(method.lower(), f"{node}/{edge}" if edge else node)

    def _number_json(self, number: dict[str, str], params: dict[str, Any]) -> dict[str, Any]:
        result: dict[str, Any] = {
            "verified_name": number["verified_name"],
            "code_verification_status": "VERIFIED",
            "display_phone_number": formatted(number["display_phone_number"]),
            "quality_rating": number.get("quality_rating") or "GREEN",
            "platform_type": "CLOUD_API",
            "throughput": {"level": "STANDARD"},
            "id": number["id"],
        }
        if "webhook_configuration" in str(params.get("fields") or ""):
            config: dict[str, str] = {}
            if number["id"] in self.number_callbacks:
                config["phone_number"] = self.number_callbacks[number["id"]]["override_callback_uri"]
            waba = self.waba_subscriptions.get(number["waba_id"], {})
            if waba.get("override_callback_uri"):
                config["whatsapp_business_account"] = waba["override_callback_uri"]
            if self.app_callback_url:
                config["application"] = self.app_callback_url
            result["webhook_configuration"] = config
        fields = str(params.get("fields") or "")
        if fields:
            wanted = {f.strip() for f in fields.split(",")} | {"id"}
            result = {k: v for k, v in result.items() if k in wanted}
        return result

    def _phone_numbers(self, waba_id: str, params: dict[str, Any], principal: Token) -> dict[str, Any]:
        """``/{waba-id}/phone_numbers``: cursor-paged, numbers_page_size at most a page."""
        if not principal.has("whatsapp_business_management"):
            raise oauth_error(403, 200, "(#200) Requires whatsapp_business_management permission")
        numbers = [n for n in self._numbers() if n["waba_id"] == waba_id]
        try:
            limit = max(1, min(int(params.get("limit") or 25), self.numbers_page_size))
        except ValueError:
            raise invalid_parameter("(#100) param limit must be a number") from None
        start = _cursor_index(str(params["after"])) + 1 if params.get("after") else 0
        chunk = numbers[start : start + limit]
        data = [self._number_json(n, {"fields": params.get("fields") or ""}) for n in chunk]
        result: dict[str, Any] = {"data": data}
        if chunk:
            paging: dict[str, Any] = {"cursors": {"before": _cursor(start), "after": _cursor(start + len(chunk) - 1)}}
            if start + len(chunk) < len(numbers):
                query = {"access_token": principal.value, "limit": limit, "after": paging["cursors"]["after"]}
                if params.get("fields"):
                    query["fields"] = params["fields"]
                paging["next"] = (f"{self.base_url}/v21.0/{waba_id}/phone_numbers?"
                                  + urllib.parse.urlencode(query))
            result["paging"] = paging
        return result

    def _message_templates(self, waba_id: str, params: dict[str, Any], principal: Token) -> dict[str, Any]:
        """``/{waba-id}/message_templates``: the main account's templates (others have none),
        each ``{name, language, status, category, components: [{type: BODY, text}], id}``,
        filtered by ``status``/``name``/``language`` when given, cursor-paged."""
        if not principal.has("whatsapp_business_management"):
            raise oauth_error(403, 200, "(#200) Requires whatsapp_business_management permission")
        items = self.template_list if waba_id == self.waba_id else []
        for key in ("status", "name", "language"):
            if params.get(key):
                items = [t for t in items if t[key] == params[key]]
        try:
            limit = max(1, min(int(params.get("limit") or 25), TEMPLATES_PAGE_SIZE))
        except ValueError:
            raise invalid_parameter("(#100) param limit must be a number") from None
        start = _cursor_index(str(params["after"])) + 1 if params.get("after") else 0
        chunk = items[start : start + limit]
        data = []
        for t in chunk:
            body: dict[str, Any] = {"type": "BODY", "text": t["body"]}
            count = len(re.findall(r"{{\d+}}", t["body"]))
            if count:
                body["example"] = {"body_text": [[f"example {n}" for n in range(1, count + 1)]]}
            data.append({"name": t["name"], "parameter_format": "POSITIONAL", "components": [body],
                         "language": t["language"], "status": t["status"], "category": t["category"],
                         "id": t["id"]})
        result: dict[str, Any] = {"data": data}
        if chunk:
            paging: dict[str, Any] = {"cursors": {"before": _cursor(start), "after": _cursor(start + len(chunk) - 1)}}
            if start + len(chunk) < len(items):
                query = {k: v for k, v in params.items() if k in ("fields", "status", "name", "language")}
                query.update(access_token=principal.value, limit=limit, after=paging["cursors"]["after"])
                paging["next"] = f"{self.base_url}/v21.0/{waba_id}/message_templates?" + urllib.parse.urlencode(query)
            result["paging"] = paging
        return result

    def _verify_or_refuse(self, url: str, verify_token: str) -> None:
        """Meta verifies an override callback before saving it (2200 when it fails)."""
        parts = urllib.parse.urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise invalid_parameter("(#100) Param override_callback_uri must be a valid URL")
        if len(url) > 200:
            raise invalid_parameter("(#100) Param override_callback_uri must be at most 200 characters long")
        if not verify_token:
            raise invalid_parameter("(#100) The parameter verify_token is required.")
        result = self.handshake(url, verify_token)
        if result["verified"]:
            return
        if result.get("status"):
            detail = (f"Response does not match challenge, expected value=\"{result['challenge']}\", "
                      f"received=\"{str(result.get('body', ''))[:30]}\"" if result["status"] == 200
                      else f"HTTP Status Code = {result['status']}")
        else:
            detail = "Couldn't connect to server"
        raise oauth_error(400, 2200, f"(#2200) callback verification failed: {detail}")

    def _waba_subscribed_apps(
        self, method: str, waba_id: str, params: dict[str, Any], principal: Token
    ) -> dict[str, Any]:
        """``/{waba-id}/subscribed_apps``: subscribe the calling token's app to the account's
        webhooks, optionally overriding its callback URL for the account (verified first)."""
        if not principal.has("whatsapp_business_management"):
            raise oauth_error(403, 200, "(#200) Requires whatsapp_business_management permission")
        if method == "GET":
            sub = self.waba_subscriptions.get(waba_id)
            if sub is None:
                return {"data": []}
            app = self.login.app_node()
            item: dict[str, Any] = {"whatsapp_business_api_data": {"id": app["id"], "link": app["link"],
                                                                    "name": app["name"]}}
            if sub.get("override_callback_uri"):
                item["override_callback_uri"] = sub["override_callback_uri"]
            return {"data": [item]}
        if method == "DELETE":
            self.waba_subscriptions.pop(waba_id, None)
            self._refresh_webhook()
            return {"success": True}
        if method != "POST":
            raise unsupported_request(method.lower(), f"{waba_id}/subscribed_apps")
        uri = str(params.get("override_callback_uri") or "")
        verify_token = str(params.get("verify_token") or "")
        if uri:
            self._verify_or_refuse(uri, verify_token)
        # A POST without an override clears the account's override (Meta: "remove … POST without a body").
        self.waba_subscriptions[waba_id] = {"override_callback_uri": uri, "verify_token": verify_token if uri else ""}
        self._refresh_webhook()
        return {"success": True}

    def _configure_number(self, number: dict[str, str], params: dict[str, Any], principal: Token) -> dict[str, Any]:
        """``POST /{phone-number-id}`` ``{"webhook_configuration": {"override_callback_uri",
        "verify_token"}}``: the number's own callback URL (verified first; "" removes it)."""
        if not principal.has("whatsapp_business_management"):
            raise oauth_error(403, 200, "(#200) Requires whatsapp_business_management permission")
        config = params.get("webhook_configuration")
        if isinstance(config, str):
            try:
                config = json.loads(config)
            except ValueError:
                config = None
        if not isinstance(config, dict):
            raise invalid_parameter("(#100) Param webhook_configuration must be a JSON object")
        uri = str(config.get("override_callback_uri") or "")
        if uri:
            verify_token = str(config.get("verify_token") or "")
            self._verify_or_refuse(uri, verify_token)
            self.number_callbacks[number["id"]] = {"override_callback_uri": uri, "verify_token": verify_token}
        else:
            self.number_callbacks.pop(number["id"], None)
        self._refresh_webhook()
        return {"success": True}

    def _refresh_webhook(self) -> None:
        """Where the main number's messages webhooks go now: its own override, else its
        account's, provided the app is subscribed to that account (Meta's order)."""
        if self.waba_id not in self.waba_subscriptions:
            if self._webhook_via_api:  # unsubscribed again: Meta stops sending
                self.webhook_url = None
            return
        self._webhook_via_api = True
        own = self.number_callbacks.get(self.phone_number_id)
        waba = self.waba_subscriptions[self.waba_id]
        chosen = own or (waba if waba.get("override_callback_uri") else None)
        if chosen is None:
            self.webhook_url, self.verify_token = self.app_callback_url, self.app_verify_token
        else:
            self.webhook_url, self.verify_token = chosen["override_callback_uri"], chosen["verify_token"]
        if self.webhook_url and self._server is not None:
            self.start_pushing()

    def _mark_read(self, data: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        if data.get("status") != "read":
            raise invalid_parameter(f"(#100) Param status must be one of {{READ}} - got \"{data.get('status')}\".")
        wamid = data.get("message_id")
        known = self._messages.get(wamid) if isinstance(wamid, str) else None
        if known is None or known["direction"] != "in":
            raise invalid_parameter("(#100) Invalid parameter")
        self._reads.append({"message_id": wamid, "wa_id": known["wa_id"], "at": self.now()})
        return 200, {"success": True}

    def _window_open(self, wa_id: str) -> bool:
        customer = self._customers.get(wa_id)
        last = customer["last_inbound"] if customer else None
        return last is not None and self.now() - last < SERVICE_WINDOW

    def _send(self, data: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        to = data.get("to")
        if not isinstance(to, str) or not to.strip():
            raise invalid_parameter("(#100) The parameter to is required.")
        wa_id = to.strip().lstrip("+").replace(" ", "")
        if not (wa_id.isascii() and wa_id.isdigit()):
            raise invalid_parameter("(#100) Invalid parameter")
        if data.get("recipient_type", "individual") != "individual":
            raise invalid_parameter("(#100) Param recipient_type must be one of {INDIVIDUAL, GROUP}")
        message_type = data.get("type", "text")
        context = data.get("context")
        reply_to = None
        if context is not None:
            if not isinstance(context, dict) or not isinstance(context.get("message_id"), str):
                raise invalid_parameter("(#100) Param context['message_id'] must be a string.")
            reply_to = context["message_id"]
        record: dict[str, Any] = {"to": wa_id, "type": message_type, "context_message_id": reply_to}
        if message_type == "text":
            text = data.get("text")
            if not isinstance(text, dict) or not isinstance(text.get("body"), str) or not text["body"]:
                raise invalid_parameter("(#100) The parameter text['body'] is required.")
            if len(text["body"]) > MAX_TEXT_LENGTH:
                raise invalid_parameter(f"(#100) Param text['body'] must be at most {MAX_TEXT_LENGTH} characters long.")
            preview = text.get("preview_url", False)
            if not isinstance(preview, bool):
                raise invalid_parameter("(#100) Param text['preview_url'] must be a boolean.")
            if not self._window_open(wa_id):
                raise graph_error(131047)
            record.update(text=text["body"], preview_url=preview)
        elif message_type == "template":
            record.update(self._template(data.get("template")))
        elif message_type == "interactive":
            if not self._window_open(wa_id):
                raise graph_error(131047)
            record.update(check_interactive(data.get("interactive")))
        elif message_type in ("image", "document"):
            media = data.get(message_type)
            if not isinstance(media, dict) or not isinstance(media.get("id"), str) or media["id"] not in self._media:
                raise invalid_parameter(f"(#100) Param {message_type}['id'] is not a valid uploaded media id.")
            if not self._window_open(wa_id):
                raise graph_error(131047)
            mime, content = self._media[media["id"]]
            record.update({message_type: {
                "id": media["id"], "mime_type": mime, "size": len(content),
                "sha256": hashlib.sha256(content).hexdigest(), "filename": media.get("filename"),
            }, "caption": media.get("caption") or ""})
        else:
            raise invalid_parameter(
                "(#100) Param type must be one of {TEXT, TEMPLATE, IMAGE, DOCUMENT, INTERACTIVE} in this fake"
                f" - got \"{message_type}\"."
            )
        wamid = self._wamid(wa_id)
        self._messages[wamid] = {"direction": "out", "wa_id": wa_id, "rows": record.get("rows") or []}
        record.update(id=wamid, at=self.now(), phone_number_id=self.phone_number_id)
        self._outbound.append(record)
        self._emit_statuses(wamid, wa_id, template=message_type == "template")
        answer: dict[str, Any] = {
            "messaging_product": "whatsapp",
            "contacts": [{"input": to, "wa_id": wa_id}],
            "messages": [{"id": wamid, "message_status": "accepted"} if message_type == "template" else {"id": wamid}],
        }
        return 200, answer

    def _template(self, template: Any) -> dict[str, Any]:
        if not isinstance(template, dict) or not isinstance(template.get("name"), str):
            raise invalid_parameter("(#100) The parameter template['name'] is required.")
        language = template.get("language")
        code = language.get("code") if isinstance(language, dict) else None
        if not isinstance(code, str):
            raise invalid_parameter("(#100) The parameter template['language']['code'] is required.")
        body = self.templates.get((template["name"], code))
        if body is None:
            raise graph_error(132001, details=f"template name ({template['name']}) does not exist in {code}")
        params: list[str] = []
        for component in template.get("components") or []:
            if not isinstance(component, dict):
                raise invalid_parameter("(#100) Invalid parameter")
            if component.get("type") == "body":
                for parameter in component.get("parameters") or []:
                    if not isinstance(parameter, dict) or not isinstance(parameter.get("text"), str):
                        raise invalid_parameter("(#100) Invalid parameter")
                    params.append(parameter["text"])
        expected = 0
        while "{{" + str(expected + 1) + "}}" in body:
            expected += 1
        if expected != len(params):
            raise graph_error(132000, details=f"body: number of localizable_params ({len(params)}) does not match the "
                                              f"expected number of params ({expected})")
        rendered = body
        for number, value in enumerate(params, 1):
            rendered = rendered.replace("{{" + str(number) + "}}", value)
        return {"template": {"name": template["name"], "language": code, "params": params}, "text": rendered}

    def _emit_statuses(self, wamid: str, wa_id: str, *, template: bool) -> None:
        now = int(self.now())
        failure = self._status_failures.take()
        if failure is not None:
            code = failure["code"]
            _, title, details = ERRORS.get(code, (400, "Message failed to send", ""))
            failed: dict[str, Any] = {
                "id": wamid, "status": "failed", "timestamp": str(now), "recipient_id": wa_id,
                "errors": [{"code": code, "title": title, "message": title, "error_data": {"details": details},
                            "href": ERROR_HREF}],
            }
            self._emit(self.sign(self.envelope({"statuses": [failed]}), "statuses"), self.status_delay)
            return
        conversation = {"id": hashlib.md5(f"{wa_id}:{now // SERVICE_WINDOW}".encode()).hexdigest(),  # noqa: S324
                        "origin": {"type": "utility" if template else "service"}}
        pricing = {"billable": True, "pricing_model": "PMP", "category": "utility" if template else "service",
                   "type": "regular"}
        for offset, value in enumerate(("sent", "delivered", "read")):
            status: dict[str, Any] = {
                "id": wamid, "status": value, "timestamp": str(now + offset), "recipient_id": wa_id,
            }
            if value == "sent":
                status["conversation"] = {**conversation, "expiration_timestamp": str(now + SERVICE_WINDOW)}
            if value != "read":
                status["pricing"] = pricing
                if value == "delivered":
                    status["conversation"] = conversation
            self._emit(self.sign(self.envelope({"statuses": [status]}), "statuses"), self.status_delay)

    def press(self, wamid: str, row_id: str) -> dict[str, Any]:
        """The customer picks the row (or reply button) `row_id` of our interactive message
        `wamid`: WhatsApp sends an `interactive` message quoting it, with `list_reply` (or
        `button_reply`) {id, title}. Returns the message object, as inbound() does."""
        with self._lock:
            ours = self._messages.get(wamid)
            if ours is None or ours["direction"] != "out":
                raise invalid_parameter(f"the business sent no message {wamid}")
            row = next((r for r in ours.get("rows") or [] if r["id"] == row_id), None)
            if row is None:
                raise invalid_parameter("that message has no row or button with this id")
            return self._inbound_locked(
                ours["wa_id"], row["title"], name=None, kind="interactive", in_reply_to=wamid, at=None,
                fields={"list": row["kind"] == "list", "reply_id": row_id},
            )

    # ------------------------------------------------------------------ inspection
    def outbound(self) -> list[dict[str, Any]]:
        with self._lock:
            return [dict(r) for r in self._outbound]

    def reads(self) -> list[dict[str, Any]]:
        with self._lock:
            return [dict(r) for r in self._reads]


    # ------------------------------------------------------------------ control endpoints
    # ------------------------------------------------------------------ control plane
    control_errors = (FakeGraphError,)
    control_not_json = "request body is not JSON"
    control_not_object = "request body must be a JSON object"

    def control_bad_body(self, message: str) -> Exception:
        return invalid_parameter(message)

    def control_error(self, error: Exception) -> tuple[int, Any]:
        assert isinstance(error, FakeGraphError)
        return error.status, error.body

    def control_missing(self, method: str, path: str) -> tuple[int, Any]:
        return 404, {"error": {"message": f"No route matches {method} {path}", "code": 404}}

    def control_routes(self) -> dict[tuple[str, str], ControlRoute]:
        return {
            ("POST", "/_fake/inbound"): self._control_inbound,
            ("GET", "/_fake/outbound"): lambda request: (200, {"data": self.outbound()}),
            ("GET", "/_fake/reads"): lambda request: (200, {"data": self.reads()}),
            # How many deliveries are still to be pushed (or being retried) to --webhook.
            ("GET", "/_fake/pushing"): lambda request: (
                200, {"waiting": self._push_queue.qsize() + self._pushing},
            ),
            ("POST", "/_fake/fail"): self._control_fail,
            ("POST", "/_fake/redeliver"): self._control_redeliver,
            ("GET", "/_fake/deliveries"): lambda request: (200, {"data": [d.as_json() for d in self.deliveries()]}),
            ("POST", "/_fake/verify"): lambda request: (200, self.verify_webhook(request.object().get("url"))),
            ("POST", "/_fake/clock"): self._control_clock,
            ("POST", "/_fake/press"): self._control_press,
            ("POST", "/_fake/reset"): self._control_reset,
            ("GET", "/_fake/requests"): lambda request: (200, {"data": self.requests_log()}),
        }

    def _control_inbound(self, request: ControlRequest) -> tuple[int, Any]:
        data = request.object()
        extra = {k: v for k, v in data.items() if k not in ("author", "text", "name", "kind", "in_reply_to", "at")}
        author = data.get("author")
        if not isinstance(author, str | int) or isinstance(author, bool):
            raise invalid_parameter("`author` is required (a wa_id such as 420601234567)")
        with self._lock:
            message = self._inbound_locked(
                author, data.get("text", ""), name=data.get("name"), kind=data.get("kind") or "text",
                in_reply_to=data.get("in_reply_to"), at=data.get("at"), fields=extra,
            )
            delivery = self._deliveries[-1]
        return 201, {"data": message, "delivery": delivery.as_json()}

    def _control_press(self, request: ControlRequest) -> tuple[int, Any]:
        data = request.object()
        message = self.press(str(data.get("wamid") or ""), str(data.get("id") or ""))
        with self._lock:
            delivery = self._deliveries[-1]
        return 201, {"data": message, "delivery": delivery.as_json()}

    def _control_fail(self, request: ControlRequest) -> tuple[int, Any]:
        data = request.object()
        try:
            if data.get("delivery") == "failed":
                armed = self.fail_delivery(code=int(data.get("code", 131026)), times=int(data.get("times", 1)))
            else:
                code = data.get("code")
                status = data.get("status")
                armed = self.fail(
                    code=int(code) if code is not None else None,
                    status=int(status) if status is not None else None,
                    times=int(data.get("times", 1)),
                    mode=str(data.get("mode", "before")),
                )
        except (TypeError, ValueError) as exc:
            raise invalid_parameter(f"invalid failure spec: {exc}") from exc
        return 200, {"armed": armed}

    def _control_redeliver(self, request: ControlRequest) -> tuple[int, Any]:
        data = request.object()
        try:
            copies = self.redeliver(index=int(data.get("index", -1)), times=int(data.get("times", 1)))
        except (TypeError, ValueError) as exc:
            raise invalid_parameter(f"invalid redelivery spec: {exc}") from exc
        return 200, {"redelivered": len(copies), "delivery": copies[0].as_json()}

    def _control_clock(self, request: ControlRequest) -> tuple[int, Any]:
        data = request.object()
        try:
            return 200, {"now": self.advance(float(data.get("advance", 0)))}
        except (TypeError, ValueError) as exc:
            raise invalid_parameter(f"invalid clock spec: {exc}") from exc

    def _control_reset(self, request: ControlRequest) -> tuple[int, Any]:
        self.reset()
        return 200, {"reset": True}


class _Handler(FakeHandler):
    server_version = "FakeWhatsApp/1.0"
    log_name = "fake-whatsapp"
    content_type = JSON_CONTENT_TYPE

    def redact(self, line: str) -> str:
        return redact_query(line)

    def route(self, split: urllib.parse.SplitResult, body: bytes) -> None:
        path = split.path
        if DIALOG_PATH_RE.match(path):
            write_page(self, *self.fake.login.dialog(self.command, split.query, body))
        elif path.rstrip("/") == "/whatsapp_business/attachments" and self.command == "GET":
            status, content_type, data = self.fake.media_download(split.query, self.headers)
            self.send_bytes(status, content_type, data)
        elif GRAPH_PATH_RE.match(path):
            status, payload, headers = self.fake.handle_api(self.command, path, self.headers, body, split.query)
            self._send_json(status, payload, headers)
        else:
            self._send_json(400, {"error": {"message": "Unknown path components: " + path, "type": "OAuthException",
                                            "code": 2500, "fbtrace_id": "A" + secrets.token_urlsafe(16)}})

def _template_arg(value: str) -> dict[str, str]:
    name, sep, rest = value.partition(":")
    language, _, body = rest.partition(":")
    if not sep or not name or not language:
        raise argparse.ArgumentTypeError("templates are NAME:LANGUAGE[:BODY with {{1}} placeholders]")
    return {"name": name, "language": language, "body": body}


def main(argv: list[str] | None = None) -> int:
    parser = cli("python -m fakes.whatsapp", "Loopback fake of the WhatsApp Cloud API",
                 webhook="URL to POST signed webhook deliveries to")
    parser.add_argument("--app-secret", default=DEMO_APP_SECRET, help="signs deliveries (X-Hub-Signature-256)")
    parser.add_argument("--verify-token", default=DEMO_VERIFY_TOKEN, help="sent in the hub.challenge handshake")
    parser.add_argument("--access-token", default=DEMO_ACCESS_TOKEN, help="the Bearer token the API accepts")
    parser.add_argument("--phone-number-id", default=DEMO_PHONE_NUMBER_ID)
    parser.add_argument("--display-phone-number", default=DEMO_DISPLAY_PHONE_NUMBER)
    parser.add_argument("--waba-id", default=DEMO_WABA_ID)
    parser.add_argument("--template", action="append", type=_template_arg, default=None,
                        help="an approved template NAME:LANGUAGE[:BODY]; repeatable (default: hello_world, follow_up)")
    parser.add_argument("--status-delay", type=float, default=0.3,
                        help="seconds between an accepted send and each of its status webhooks")
    parser.add_argument("--verify", action="store_true", help="perform the hub.challenge handshake on start")
    parser.add_argument("--app-id", default=DEMO_APP_ID, help="the Meta app's id (Facebook Login's client_id)")
    parser.add_argument("--app-name", default="Hovor", help="the app's name on the consent page")
    parser.add_argument("--redirect-uri", action="append", default=[],
                        help="a Valid OAuth Redirect URI of the app (repeatable; localhost ones are always allowed)")
    args = parser.parse_args(argv)

    fake = FakeWhatsApp(
        args.port,
        host=args.host,
        webhook_url=args.webhook,
        app_secret=args.app_secret,
        verify_token=args.verify_token,
        access_token=args.access_token,
        phone_number_id=args.phone_number_id,
        display_phone_number=args.display_phone_number,
        waba_id=args.waba_id,
        templates=args.template,
        status_delay=args.status_delay,
        verbose=args.verbose,
        app_id=args.app_id,
        app_name=args.app_name,
        redirect_uris=args.redirect_uri,
    ).start()

    def verify(stop: threading.Event) -> None:
        if args.verify and args.webhook:
            print(f"FAKE_WHATSAPP_VERIFY {json.dumps(fake.verify_webhook())}", flush=True)

    return run_until_signalled(fake, "FAKE_WHATSAPP_READY", then=verify)


def demo_author(handle: str) -> str:
    """The crowd's customers write from made-up Czech numbers (one per @handle)."""
    return "420" + str(sum(ord(c) * (i + 1) for i, c in enumerate(handle)) % 1_000_000).zfill(6) + "123"


# The demo's number (seed_demo) and the secrets its fake is started with; signed webhooks.
DEMO_SECRETS = {
    "phone_number_id": DEMO_PHONE_NUMBER_ID,
    "access_token": "demo-wa-access-token",
    "app_secret": "demo-wa-app-secret",
    "verify_token": "demo-wa-verify-token",
    "waba_id": DEMO_WABA_ID,  # its approved templates are synced from there
}
DEMO = FakeDemo(
    handle="+15550783881",
    credentials=DEMO_SECRETS,
    args=lambda run: [
        "--app-secret", DEMO_SECRETS["app_secret"], "--verify-token", DEMO_SECRETS["verify_token"],
        "--access-token", DEMO_SECRETS["access_token"], "--phone-number-id", DEMO_SECRETS["phone_number_id"],
    ],
    webhook=True,
    crowd=Crowd(every=12.0, author=demo_author),
)


if __name__ == "__main__":
    sys.exit(main())
