"""A loopback fake of Meta's Graph API and webhooks for a Facebook Page (Messenger and Page
comments) or, in ``instagram`` mode, the Instagram professional account connected to it.

Run standalone::

    python -m fakes.facebook --port 8082 --webhook http://127.0.0.1:8000/webhooks/facebook/1/ \\
        --app-secret S --verify-token T --page-id P       # prints FAKE_FACEBOOK_READY http://127.0.0.1:8082
    python -m fakes.instagram ...                  # the same server in instagram mode

or in-process (tests)::

    fake = FakeMeta(page_id="104512345678901", app_secret="s", verify_token="t").start()
    item = fake.inbound(author="jana", name="Jana", text="Dobrý den")   # a customer writes
    body, headers = fake.last_delivery.body, fake.last_delivery.headers  # POST these to Hovor
    fake.stop()

What it does as Meta does:

- Webhooks: a verification GET (``hub.mode=subscribe&hub.verify_token=…&hub.challenge=…``,
  expecting the challenge echoed as the body) before the first push; signed POSTs of
  ``object: "page"`` / ``"instagram"`` deliveries serialised the way Meta does (compact,
  non-ASCII as lowercase ``\\uXXXX``, ``/`` as ``\\/``) with ``X-Hub-Signature-256``
  (HMAC-SHA256, app secret, lowercase hex, over exactly those bytes) and the older SHA-1
  ``X-Hub-Signature``; several entries and items per delivery when asked
  (``delivery(events, per_entry=N)``); failed pushes retried in the background; echoes
  (``is_echo``) of every message the Page sends, Messenger delivery receipts, and feed /
  comments changes for the Page's own comment replies.
- Graph API (``/vNN.N/`` optional): ``POST /{page-id}/messages`` and ``/me/messages`` (Send
  API: ``messaging_type`` RESPONSE/UPDATE only within 24 hours of the person's last message,
  MESSAGE_TAG + HUMAN_AGENT up to 7 days, otherwise error 10/2018278; 2000 characters on
  Messenger, 1000 UTF-8 bytes on Instagram; 551 for a person who blocked the Page; private
  replies with ``recipient.comment_id``, once per comment (10900) within 7 days (10903));
  ``POST /{comment-id}/comments`` (Facebook, 8000 characters) and ``POST /{ig-comment-id}/replies``
  (Instagram, 2200 characters); ``GET`` of a comment's replies, of a comment's
  ``can_reply_privately``, and of ``/{page-id}/conversations?platform=&user_id=``; the user
  profile API with the Page token for anyone who wrote to the Page (``GET /{PSID}?fields=
  first_name,last_name,profile_pic`` on Messenger, ``GET /{IGSID}?fields=name,username,
  profile_pic`` on Instagram; ``profile_lookups`` lists whom it was asked about).
  Attachments: ``POST /{page-id}/message_attachments`` (the Attachment Upload API: multipart
  ``message`` + ``filedata``, or ``payload.url``; Instagram's with ``platform=instagram``) →
  ``{"attachment_id"}``; the Send API's ``message.attachment`` ``{type: image|video|audio|file,
  payload: {attachment_id} | {url}}`` (JSON) or with the file as multipart ``filedata``, never
  together with ``text``. A URL is fetched as Meta's servers would (``fetched`` lists them),
  and a failed fetch is 100/2018008. 25 MB a file, pictures by URL 8 MB; Instagram takes
  PNG or JPEG pictures up to 8 MB. ``outbound()`` records each with ``attachment``: type,
  filename, content_type, size, sha256, source (attachment_id, filedata, url) and url.
  Every answer carries ``X-App-Usage``, ``x-fb-trace-id`` and ``facebook-api-version``;
  errors are Graph error JSON ``{"error": {"message", "type", "code", "error_subcode",
  "fbtrace_id"}}``; a bad token is 190 with ``WWW-Authenticate``.
- Injected failures (``POST /_fake/fail {"code", "status", "times", "subcode", "path",
  "after", "regain_minutes"}``): throttling codes carry ``X-Business-Use-Case-Usage`` with
  ``estimated_time_to_regain_access``; ``after: true`` makes the call take effect and then
  fail (an unknown outcome, for reconciliation tests).

Facebook Login and webhook configuration (what "Connect with Facebook" uses):

- ``GET|POST /vNN/dialog/oauth`` (the consent page), ``GET|POST /vNN/oauth/access_token``,
  ``GET /vNN/debug_token``: Facebook Login for the fake's app (``app_id`` / ``app_secret``)
  and its logged-in admin, as fakes/meta/login.py describes. The admin manages
  the main Page (``page_id``, its Instagram account ``ig_user_id``) and ``other_pages``
  (default DEMO_OTHER_PAGES: one with an Instagram account, one without, one where the admin
  has no MESSAGING or MODERATE task, one with a narrower role).
- With a user token: ``GET /me``, ``/me/permissions`` and ``/me/accounts`` (``fields`` with
  expansion such as ``instagram_business_account{id,username}``; at most
  ``accounts_page_size`` Pages a page, default 2, paged by ``paging.cursors`` and
  ``paging.next`` as Meta does), each Page with its own Page token (long-lived when the user
  token is). ``GET /{page-id}?fields=…`` and ``GET /{ig-user-id}`` for the Pages it was granted.
- Issued tokens authenticate like the configured one, within what was granted: the Send API
  and comment edges take only the main Page's Page token (configured, or issued for it) and
  the permission they need (``pages_messaging`` / ``instagram_manage_messages``,
  ``pages_manage_engagement`` / ``instagram_manage_comments``; otherwise 200); a user token
  there is 190 "must be called with a Page Access Token"; another Page's token cannot see
  the main Page's objects (100/33).
- ``GET /app`` (the app of the calling token). ``GET|POST|DELETE /{app-id}/subscriptions``
  with the app token (``app_id|app_secret``; otherwise 15): ``object, callback_url, fields,
  verify_token``. Before saving, the fake makes Meta's verification GET to ``callback_url``
  with ``hub.verify_token`` and refuses with 2200 "callback verification failed" unless the
  challenge comes back. A subscription for the fake's own object (``page`` / ``instagram``)
  becomes its webhook: deliveries go there, once the main Page is subscribed to the app.
- ``GET|POST|DELETE /{page-id}/subscribed_apps`` with that Page's token (``POST`` needs
  ``pages_manage_metadata`` and ``subscribed_fields``, checked against Page webhook fields)
  → ``{"success": true}``.

Control endpoints (no auth): ``POST /_fake/inbound`` ``{"author", "name", "text", "kind":
"dm"|"comment", "in_reply_to", "at", "attachments", "post_id", "push"}``, ``POST
/_fake/inbound/bulk`` ``{"items": [...], "per_entry": N}``, ``POST /_fake/edit``
``{"comment_id", "text"}``, ``POST /_fake/remove`` ``{"comment_id"}``, ``POST /_fake/unsend``
``{"mid"}``, ``POST /_fake/read`` ``{"author"}``, ``POST /_fake/block`` ``{"author"}``,
``POST /_fake/press`` ``{"mid", "payload"}`` (the customer taps a quick reply of ours),
``GET /_fake/outbound``, ``POST /_fake/fail``, ``GET /_fake/deliveries``, ``POST
/_fake/redeliver`` ``{"index"}``, ``POST /_fake/verify``, ``GET /_fake/requests``,
``POST /_fake/reset``.

Standard library only. No Django.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import random
import re
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from http.server import ThreadingHTTPServer
from typing import Any, Self
from urllib.parse import SplitResult, parse_qs, urlencode, urlsplit

from fakes.base import (
    ControlRequest,
    ControlRoute,
    Failures,
    FakeHandler,
    FakeServer,
    RequestLog,
    cli,
    multipart_form,
    post,
    run_until_signalled,
    serve,
)
from fakes.meta.common import GRAPH_VERSION, meta_json, signed_headers
from fakes.meta.login import (
    Asset,
    FakeLogin,
    LoginError,
    Token,
    redact_query,
    write_page,
)

# Well-known demo values (not secrets): what the seeded demo account is configured with.
DEMO_PAGE_ID = "104512345678901"
DEMO_IG_USER_ID = "17841405793187218"
DEMO_APP_ID = "1517776481860111"
DEMO_APP_SECRET = "demo-app-secret"
DEMO_VERIFY_TOKEN = "demo-verify-token"
DEMO_PAGE_TOKEN = "demo-page-access-token"
DEMO_USER_ID = "10229876543210987"
FULL_TASKS = ("ANALYZE", "ADVERTISE", "MESSAGING", "MODERATE", "CREATE_CONTENT", "MANAGE")
# The other Pages the demo admin manages (what /me/accounts lists after the main one): one
# with an Instagram account, one without, one where the admin has no messaging or moderating
# role, one with a narrower role. Ids are fixed so tests and the demo can name them.
DEMO_OTHER_PAGES: tuple[dict[str, Any], ...] = (
    {"id": "104598765432101", "name": "Acme Care Deutschland", "tasks": FULL_TASKS,
     "ig_id": "17841400000000101", "ig_username": "acmecare.de"},
    {"id": "104598765432102", "name": "Acme Outlet", "tasks": FULL_TASKS},
    {"id": "104598765432103", "name": "Acme Careers", "tasks": ("ANALYZE", "ADVERTISE", "CREATE_CONTENT"),
     "ig_id": "17841400000000103", "ig_username": "acmecare.jobs"},
    {"id": "104598765432104", "name": "Acme Care Slovensko", "tasks": ("MESSAGING", "MODERATE", "CREATE_CONTENT"),
     "ig_id": "17841400000000104", "ig_username": "acmecare.sk"},
)
# Page webhook fields an app can subscribe a Page to (a subset of Meta's list).
PAGE_WEBHOOK_FIELDS = {
    "feed", "messages", "message_echoes", "message_deliveries", "message_reads", "message_reactions",
    "messaging_postbacks", "messaging_optins", "messaging_referrals", "messaging_handovers", "standby",
    "message_edits", "mention", "name", "picture", "category", "description", "conversations", "ratings",
}
APP_WEBHOOK_OBJECTS = {"page", "instagram", "user", "permissions", "application", "whatsapp_business_account"}

STANDARD_WINDOW = 24 * 3600
HUMAN_AGENT_WINDOW = 7 * 24 * 3600
PRIVATE_REPLY_WINDOW = 7 * 24 * 3600
MESSENGER_MAX_CHARS = 2000
INSTAGRAM_MAX_BYTES = 1000
FB_COMMENT_MAX_CHARS = 8000
IG_COMMENT_MAX_CHARS = 2200
# Send API attachments: up to 25 MB each (Meta's "Saving assets"), a picture by URL up to 8 MB;
# Instagram DMs take PNG or JPEG pictures up to 8 MB, video and audio up to 25 MB.
ATTACHMENT_MAX_BYTES = 25 * 1024 * 1024
IMAGE_MAX_BYTES = 8 * 1024 * 1024
ATTACHMENT_TYPES = ("image", "video", "audio", "file")
IG_IMAGE_TYPES = ("image/png", "image/jpeg")
URL_FETCH_TIMEOUT = 10.0

THROTTLING_CODES = {4, 17, 32, 341, 613, 80001, 80002, 80003, 80004, 80005, 80006, 80007, 80008, 80009, 80014}
PAGE_TAGS = {"HUMAN_AGENT", "CONFIRMED_EVENT_UPDATE", "POST_PURCHASE_UPDATE", "ACCOUNT_UPDATE"}

ERROR_MESSAGES: dict[int, tuple[str, str]] = {
    1: ("An unknown error has occurred.", "OAuthException"),
    2: ("An unexpected error has occurred. Please retry your request later.", "OAuthException"),
    4: ("(#4) Application request limit reached", "OAuthException"),
    10: ("(#10) This message is sent outside of allowed window.", "OAuthException"),
    17: ("(#17) User request limit reached", "OAuthException"),
    32: ("(#32) Page request limit reached", "OAuthException"),
    100: ("(#100) Invalid parameter", "OAuthException"),
    190: (
        "Error validating access token: The session has been invalidated because the user changed their "
        "password or Facebook has changed the session for security reasons.",
        "OAuthException",
    ),
    200: ("(#200) Requires pages_messaging permission to manage the object", "OAuthException"),
    341: ("(#341) Application limit reached", "OAuthException"),
    551: ("(#551) This person isn't available right now.", "OAuthException"),
    613: ("(#613) Calls to this api have exceeded the rate limit.", "OAuthException"),
    10900: ("(#10900) Activity already replied to", "OAuthException"),
    10903: ("(#10903) This user can't reply to this activity", "OAuthException"),
    80001: ("(#80001) There have been too many calls to this Page account. Wait a bit and try again.",
            "OAuthException"),
    80002: ("(#80002) There have been too many calls to this Instagram account. Wait a bit and try again.",
            "OAuthException"),
    80006: ("(#80006) There have been too many messenger api calls to this Page account. Wait a bit and try "
            "again.", "OAuthException"),
}
DEFAULT_SUBCODES = {10: 2018278, 551: 1545041, 190: 460}
STATUS_CODES = {500: 1, 502: 2, 503: 2, 504: 2, 429: 4, 401: 190, 403: 200, 400: 100, 404: 100}

JSON_CONTENT_TYPE = "application/json; charset=UTF-8"
ID_RE = re.compile(r"^[0-9]+(_[0-9]+)?$")
VERSION_RE = re.compile(r"^/v[0-9]+(\.[0-9]+)?(/|$)")
DIALOG_PATH_RE = re.compile(r"^(/v[0-9]+(\.[0-9]+)?)?/dialog/oauth/?$")
TOKEN_PATH_RE = re.compile(r"^(/v[0-9]+(\.[0-9]+)?)?/oauth/access_token/?$")


QUICK_REPLY_TYPES = frozenset({"text", "user_phone_number", "user_email"})


def check_quick_replies(value: Any) -> list[dict[str, Any]] | None:
    """message.quick_replies as the Send API takes them: at most 13; a `text` one needs a
    title (at most 20 characters) and a payload (at most 1000)."""
    if value is None:
        return None
    if not isinstance(value, list) or not value or len(value) > 13:
        raise bad_param("param message[quick_replies] must be an array of 1 to 13 quick replies")
    for reply in value:
        if not isinstance(reply, dict) or reply.get("content_type") not in QUICK_REPLY_TYPES:
            raise bad_param("param message[quick_replies][content_type] must be one of {text, user_phone_number, "
                            "user_email}")
        if reply["content_type"] == "text":
            title, payload = reply.get("title"), reply.get("payload")
            if not isinstance(title, str) or not title or len(title) > 20:
                raise bad_param("param message[quick_replies][title] must be a non-empty string of at most 20 "
                                "characters")
            if not isinstance(payload, str | int) or not str(payload) or len(str(payload)) > 1000:
                raise bad_param("param message[quick_replies][payload] must be at most 1000 characters")
    return [dict(r) for r in value]


def graph_time(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%dT%H:%M:%S+0000")


def parse_at(value: Any) -> float:
    """An ISO time (or Unix seconds) for backdating an inbound message."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    if not isinstance(value, str):
        raise FakeGraphError(400, 100, "`at` must be an ISO 8601 time")
    text = value.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    try:
        dt = datetime.fromisoformat(text)
    except ValueError as exc:
        raise FakeGraphError(400, 100, f"`at` is not an ISO 8601 time: {value!r}") from exc
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return dt.timestamp()


class FakeGraphError(Exception):
    """A Graph error answer: HTTP status, Graph code/subcode, message, extra headers."""

    def __init__(
        self,
        status: int,
        code: int,
        message: str | None = None,
        *,
        subcode: int | None = None,
        error_type: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        default_message, default_type = ERROR_MESSAGES.get(code, (f"(#{code}) Error", "OAuthException"))
        self.status = status
        self.code = code
        self.message = message or default_message
        self.subcode = subcode
        self.error_type = error_type or default_type
        self.headers = dict(headers or {})
        super().__init__(f"{status} #{code}: {self.message}")

    def body(self, trace_id: str) -> dict[str, Any]:
        error: dict[str, Any] = {"message": self.message, "type": self.error_type, "code": self.code}
        if self.subcode is not None:
            error["error_subcode"] = self.subcode
        error["fbtrace_id"] = trace_id
        return {"error": error}


def unsupported(method: str, object_id: str) -> FakeGraphError:
    return FakeGraphError(
        400,
        100,
        f"Unsupported {method.lower()} request. Object with ID '{object_id}' does not exist, cannot be loaded due "
        "to missing permissions, or does not support this operation. Please read the Graph API documentation at "
        "https://developers.facebook.com/docs/graph-api",
        subcode=33,
        error_type="GraphMethodException",
    )


def bad_param(message: str, subcode: int | None = None) -> FakeGraphError:
    return FakeGraphError(400, 100, f"(#100) {message}", subcode=subcode)


@dataclass
class Delivery:
    """One webhook POST: the exact bytes and headers Meta would send."""

    body: bytes
    headers: dict[str, str]
    events: list[dict[str, Any]]
    attempts: int = 0
    status: int | None = None  # HTTP status of the last push attempt (None: not pushed)
    error: str = ""
    pushed: bool = False  # delivered with a 2xx
    created: float = field(default_factory=time.time)

    @property
    def payload(self) -> dict[str, Any]:
        result: dict[str, Any] = json.loads(self.body)
        return result

    def summary(self, index: int) -> dict[str, Any]:
        return {
            "index": index,
            "attempts": self.attempts,
            "status": self.status,
            "pushed": self.pushed,
            "error": self.error,
            "events": len(self.events),
            "body": self.body.decode("ascii"),
            "signature": self.headers.get("X-Hub-Signature-256", ""),
        }


@dataclass
class _User:
    key: str
    name: str
    username: str
    psid: str  # Messenger PSID / Instagram IGSID
    commenter_id: str  # the id Page comments carry (app-scoped on Facebook; the IGSID on Instagram)
    blocked: bool = False


@dataclass
class _Comment:
    id: str
    post_id: str  # Facebook post id, or Instagram media id
    parent_id: str  # Facebook: post id for a top-level comment; Instagram: "" for top-level
    author_id: str
    author_name: str
    text: str
    created: float
    own: bool = False
    private_replied: bool = False
    removed: bool = False

    @property
    def top_level(self) -> bool:
        return self.parent_id in ("", self.post_id)


@dataclass(frozen=True)
class _Page:
    """A Page the logged-in admin manages: their tasks on it, its Instagram account."""

    id: str
    name: str
    tasks: tuple[str, ...]
    ig_id: str = ""
    ig_username: str = ""
    category: str = "Shopping & retail"


def parse_fields(spec: str) -> dict[str, str]:
    """Graph's ``fields`` with expansion: ``id,name,ig{id,username}`` → {id: "", name: "", ig: "id,username"}."""
    fields: dict[str, str] = {}
    depth, start = 0, 0
    spec = spec or ""
    for i, char in enumerate(spec + ","):
        if char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
        elif char == "," and depth == 0:
            item = spec[start:i].strip()
            start = i + 1
            if not item:
                continue
            name, _, inner = item.partition("{")
            fields[name.strip()] = inner[:-1] if inner.endswith("}") else inner
    return fields


def cursor(index: int) -> str:
    return base64.urlsafe_b64encode(f"idx:{index}".encode()).decode().rstrip("=")


def cursor_index(value: str) -> int:
    try:
        raw = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4)).decode()
        kind, _, number = raw.partition(":")
        if kind == "idx" and number.isdigit():
            return int(number)
    except (ValueError, UnicodeDecodeError):
        pass
    raise bad_param("Invalid cursor")


@dataclass
class _Failure:
    status: int
    code: int
    subcode: int | None
    message: str | None
    times: int
    path: str | None
    after: bool
    regain_minutes: int


@dataclass
class _Upload:
    """A file the Page sent or uploaded: as multipart `filedata`, or fetched from a URL."""

    filename: str
    content_type: str
    content: bytes
    url: str = ""
    kind: str = ""
    source: str = "upload"

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.content).hexdigest()

    def summary(self) -> dict[str, Any]:
        return {"type": self.kind, "filename": self.filename, "content_type": self.content_type,
                "size": len(self.content), "sha256": self.sha256, "source": self.source, "url": self.url}


class FakeMeta(FakeServer):
    """In-process fake Graph API + webhook pusher. ``start()`` serves on 127.0.0.1 in a daemon thread."""

    def __init__(
        self,
        port: int = 0,
        *,
        mode: str = "page",
        page_id: str = DEMO_PAGE_ID,
        page_name: str = "Acme Care",
        ig_user_id: str = DEMO_IG_USER_ID,
        ig_username: str = "acmecare",
        app_id: str = DEMO_APP_ID,
        app_secret: str = DEMO_APP_SECRET,
        verify_token: str = DEMO_VERIFY_TOKEN,
        access_token: str = DEMO_PAGE_TOKEN,
        webhook: str | None = None,
        host: str = "127.0.0.1",
        verbose: bool = False,
        seed: int = 20261123,
        retry_interval: float = 5.0,
        max_push_attempts: int = 8,
        receipts: bool = True,
        app_name: str = "Hovor",
        user_name: str = "Jana Nováková",
        redirect_uris: tuple[str, ...] | list[str] = (),
        other_pages: tuple[dict[str, Any], ...] | list[dict[str, Any]] | None = None,
        accounts_page_size: int = 2,
    ) -> None:
        if mode not in ("page", "instagram"):
            raise ValueError("mode is 'page' or 'instagram'")
        self.mode = mode
        self.host = host
        self.port = int(port)
        self.page_id = str(page_id)
        self.page_name = page_name
        self.ig_user_id = str(ig_user_id)
        self.ig_username = ig_username
        self.app_id = str(app_id)
        self.app_secret = app_secret
        self.verify_token = verify_token
        self.access_token = access_token
        self.webhook = webhook
        self.verbose = verbose
        self.retry_interval = retry_interval
        self.max_push_attempts = max_push_attempts
        self.receipts = receipts
        self._seed = seed
        self._lock = threading.RLock()
        self._push_lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._retry_thread: threading.Thread | None = None
        self._stopping = threading.Event()
        self._reset_state()
        self.other_pages = [
            _Page(id=str(p["id"]), name=str(p["name"]), tasks=tuple(p.get("tasks") or FULL_TASKS),
                  ig_id=str(p.get("ig_id") or ""), ig_username=str(p.get("ig_username") or ""))
            for p in (DEMO_OTHER_PAGES if other_pages is None else other_pages)
        ]
        self._issued.update(i for p in self.other_pages for i in (p.id, p.ig_id) if i)
        self.accounts_page_size = max(1, int(accounts_page_size))
        # Facebook Login for this app and the admin logged in to Facebook (see fakes/meta/login.py).
        self.login = FakeLogin(
            app_id=self.app_id,
            app_secret=app_secret,
            app_name=app_name,
            user_id=DEMO_USER_ID,
            user_name=user_name,
            assets=self._assets,
            redirect_uris=redirect_uris,
            configured=self._configured,
        )
        # Webhook configuration made through the API: the app's subscriptions per object
        # (POST /{app-id}/subscriptions) and the apps each Page is subscribed to.
        self.app_subscriptions: dict[str, dict[str, Any]] = {}
        self.page_subscriptions: dict[str, list[str]] = {}
        self._webhook_via_api = False
        # Started with --webhook: the admin set the app up by hand, the main Page included, and
        # it stays subscribed to the app when the callback URL later changes through the API.
        self._page_subscribed_by_hand = webhook is not None

    # ------------------------------------------------------------------ lifecycle
    @property
    def instagram(self) -> bool:
        return self.mode == "instagram"

    @property
    def object_name(self) -> str:
        return "instagram" if self.instagram else "page"

    @property
    def account_id(self) -> str:
        """The id entries carry and echoes come from: the Page, or the Instagram account."""
        return self.ig_user_id if self.instagram else self.page_id

    def start(self) -> Self:
        if self._server is not None:
            return self
        self._stopping.clear()
        self._server, self._thread = serve(self, _Handler, self.host, self.port, f"fake-meta-{self.mode}")
        if self.webhook:
            self._retry_thread = threading.Thread(target=self._retry_loop, name="fake-meta-retry", daemon=True)
            self._retry_thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        server, self._server = self._server, None
        if server is None:
            return
        server.shutdown()
        server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None
        if self._retry_thread is not None:
            self._retry_thread.join(timeout=5)
            self._retry_thread = None


    def _log(self, text: str) -> None:
        if self.verbose:
            print(f"[fake-meta] {text}", file=sys.stderr, flush=True)

    # ------------------------------------------------------------------ state
    def _reset_state(self) -> None:
        with self._lock:
            if not hasattr(self, "_random"):  # ids are never reused, not even after a reset
                self._random = random.Random(self._seed)
                self._issued: set[str] = set()
            self._users: dict[str, _User] = {}
            self._by_psid: dict[str, _User] = {}
            self._by_commenter: dict[str, _User] = {}
            # psid -> messages (dicts: id, text, from_id, created, direction)
            self._conversations: dict[str, list[dict[str, Any]]] = {}
            self._conversation_ids: dict[str, str] = {}
            self._last_inbound: dict[str, float] = {}
            self._comments: dict[str, _Comment] = {}
            self._posts: list[str] = []
            self._outbound: list[dict[str, Any]] = []
            # attachment_id -> an uploaded file (Attachment Upload API)
            self._attachments: dict[str, _Upload] = {}
            self.fetched: list[dict[str, Any]] = []  # the attachment URLs the fake downloaded
            self.profile_lookups: list[str] = []  # the PSIDs/IGSIDs whose profile was asked for
            self._failures: Failures[_Failure] = Failures()
            self._requests = RequestLog()
            self.deliveries: list[Delivery] = []
            self.verified = False
            self._calls = 0

    def reset(self) -> None:
        """Forget people, messages, comments, outbound, failures and deliveries (ids issued
        before are not issued again)."""
        self._reset_state()

    def _number(self, digits: int = 15) -> str:
        """A fresh numeric id of this many digits (Meta's ids are numeric strings)."""
        while True:
            value = str(self._random.randint(10 ** (digits - 1), 10**digits - 1))
            if value not in self._issued:
                self._issued.add(value)
                return value

    def _new_mid(self) -> str:
        raw = self._random.randbytes(48)
        if self.instagram:
            inner = f"ig_message_item:1:IGMessageThread:{self.ig_user_id}:{self._number(20)}".encode() + raw[:12]
            return base64.urlsafe_b64encode(inner).decode().rstrip("=")
        return "m_" + base64.urlsafe_b64encode(raw).decode().rstrip("=")

    def _trace_id(self) -> str:
        return base64.urlsafe_b64encode(self._random.randbytes(18)).decode().rstrip("=")

    def _user(self, author: Any, name: str | None = None) -> _User:
        if not isinstance(author, (str, int)) or isinstance(author, bool) or str(author).strip() in ("", "@"):
            raise bad_param("`author` is required (a handle or an id)")
        key = str(author).strip().lstrip("@").lower()
        user = self._users.get(key) or self._by_psid.get(key) or self._by_commenter.get(key)
        if user is None:
            psid = self._number(17 if not self.instagram else 16)
            commenter = psid if self.instagram else self._number(17)
            handle = str(author).strip().lstrip("@")
            user = _User(key=key, name=name or handle, username=handle, psid=psid, commenter_id=commenter)
            self._users[key] = user
            self._by_psid[psid] = user
            self._by_commenter[commenter] = user
        elif name:
            user.name = name
        return user

    def _default_post(self) -> str:
        if not self._posts:
            self._posts.append(self._new_post_id())
        return self._posts[-1]

    def _new_post_id(self) -> str:
        return self._number(17) if self.instagram else f"{self.page_id}_{self._number(16)}"

    def _new_comment_id(self, post_id: str) -> str:
        if self.instagram:
            return self._number(17)
        return f"{post_id.split('_')[-1]}_{self._number(16)}"

    # ------------------------------------------------------------------ webhook deliveries
    def _entry_time(self, container: str, ts: float) -> int:
        # Messenger entries carry milliseconds; feed and Instagram comment changes seconds.
        return int(ts * 1000) if container == "messaging" else int(ts)

    def _event(self, container: str, body: dict[str, Any], ts: float) -> dict[str, Any]:
        return {"container": container, "entry_id": self.account_id, "time": self._entry_time(container, ts),
                "body": body}

    def delivery(self, events: list[dict[str, Any]], *, per_entry: int = 1) -> Delivery:
        """A signed delivery of these events: consecutive events of the same entry id and
        kind share an entry, up to `per_entry` items each (Meta batches up to 1000)."""
        entries: list[dict[str, Any]] = []
        current: dict[str, Any] | None = None
        count = 0
        for event in events:
            container = event["container"]
            if current is None or count >= per_entry or current["id"] != event["entry_id"] or container not in current:
                current = {"id": event["entry_id"], "time": event["time"], container: []}
                entries.append(current)
                count = 0
            current[container].append(event["body"])
            count += 1
        body = meta_json({"object": self.object_name, "entry": entries})
        return Delivery(body=body, headers=self.sign(body), events=list(events))

    def sign(self, body: bytes) -> dict[str, str]:
        """The headers Meta sends with a webhook POST of exactly these bytes."""
        return signed_headers(self.app_secret, body)

    @property
    def last_delivery(self) -> Delivery:
        with self._lock:
            if not self.deliveries:
                raise LookupError("no delivery yet")
            return self.deliveries[-1]

    def deliveries_since(self, index: int) -> list[Delivery]:
        with self._lock:
            return list(self.deliveries[index:])

    def _emit(self, events: list[dict[str, Any]], *, push: bool = True, per_entry: int = 1) -> Delivery:
        delivery = self.delivery(events, per_entry=per_entry)
        with self._lock:
            self.deliveries.append(delivery)
        if push and self.webhook:
            self.push(delivery)
        return delivery

    def verify_webhook(self, timeout: float = 5.0) -> dict[str, Any]:
        """Meta's subscription check: GET the callback with hub.* and expect the challenge back."""
        if not self.webhook:
            return {"verified": False, "error": "no --webhook URL"}
        result = self.handshake(self.webhook, self.verify_token, timeout=timeout)
        self.verified = self.verified or result["verified"]
        return result

    def handshake(self, url: str, verify_token: str, timeout: float = 5.0) -> dict[str, Any]:
        """GET ``url?hub.mode=subscribe&hub.challenge=…&hub.verify_token=…``; verified when
        the answer is 200 with exactly the challenge as its body."""
        challenge = str(self._random.randint(10**9, 2 * 10**9))
        query = urlencode({"hub.mode": "subscribe", "hub.challenge": challenge, "hub.verify_token": verify_token})
        target = url + ("&" if "?" in url else "?") + query
        try:
            with urllib.request.urlopen(target, timeout=timeout) as resp:  # noqa: S310 (a configured URL)
                status, text = resp.status, resp.read().decode("utf-8", "replace")
        except urllib.error.HTTPError as exc:
            status, text = exc.code, exc.read().decode("utf-8", "replace")
        except (OSError, ValueError) as exc:
            return {"verified": False, "status": 0, "error": str(exc)}
        ok = status == 200 and text == challenge
        return {"verified": ok, "status": status, "body": text[:200], "challenge": challenge}

    def _adopt_webhook(self, url: str, verify_token: str) -> None:
        """The app's webhooks for this fake's object now go to `url` (verified just now)."""
        self.webhook = url
        self.verify_token = verify_token
        self.verified = True
        self._webhook_via_api = True
        if self._server is not None and self._retry_thread is None:
            self._retry_thread = threading.Thread(target=self._retry_loop, name="fake-meta-retry", daemon=True)
            self._retry_thread.start()

    def push(self, delivery: Delivery, timeout: float = 10.0) -> bool:
        """POST one delivery to the webhook (after verifying the subscription once)."""
        if not self.webhook:
            return False
        with self._push_lock:
            subscribed = self.page_subscriptions.get(self.page_id) or self._page_subscribed_by_hand
            if self._webhook_via_api and not subscribed:
                # Configured through the API: Meta delivers a Page's updates only once the
                # Page is subscribed to the app (POST /{page-id}/subscribed_apps).
                delivery.attempts += 1
                delivery.error = "the Page is not subscribed to the app"
                return False
            if not self.verified:
                result = self.verify_webhook()
                if not result.get("verified"):
                    delivery.attempts += 1
                    delivery.error = f"webhook not verified: {result}"
                    self._log(delivery.error)
                    return False
            delivery.attempts += 1
            pushed = post(self.webhook, delivery.body, delivery.headers, timeout=timeout)
            delivery.status = pushed.status
            if pushed.status is None:
                delivery.error = pushed.error
            delivery.pushed = delivery.status is not None and 200 <= delivery.status < 300
            if delivery.pushed:
                delivery.error = ""
            elif delivery.status is not None:
                delivery.error = f"HTTP {delivery.status}"
            self._log(f"push {len(delivery.body)} bytes -> {delivery.status} {delivery.error}")
            return delivery.pushed

    def _retry_loop(self) -> None:
        """Meta retries failed deliveries; so does the fake, every retry_interval seconds."""
        while not self._stopping.wait(self.retry_interval):
            with self._lock:
                pending = [d for d in self.deliveries if not d.pushed and 0 < d.attempts < self.max_push_attempts]
            for delivery in pending:
                if self._stopping.is_set():
                    return
                self.push(delivery)

    # ------------------------------------------------------------------ customers write
    def inbound(
        self,
        author: Any,
        name: str | None = None,
        text: str = "",
        *,
        kind: str = "dm",
        in_reply_to: str | None = None,
        at: Any = None,
        attachments: list[dict[str, Any]] | None = None,
        post_id: str | None = None,
        push: bool = True,
    ) -> dict[str, Any]:
        """A customer writes to the brand; returns the platform object (the messaging item,
        or the change value of a comment) and emits its signed delivery."""
        event = self.inbound_event(
            author, name, text, kind=kind, in_reply_to=in_reply_to, at=at, attachments=attachments, post_id=post_id
        )
        self._emit([event], push=push)
        body = event["body"]
        return dict(body["value"]) if event["container"] == "changes" else dict(body)

    def inbound_event(
        self,
        author: Any,
        name: str | None = None,
        text: str = "",
        *,
        kind: str = "dm",
        in_reply_to: str | None = None,
        at: Any = None,
        attachments: list[dict[str, Any]] | None = None,
        post_id: str | None = None,
    ) -> dict[str, Any]:
        """Like inbound() but only builds the event (for batched deliveries)."""
        if not isinstance(text, str):
            raise bad_param("`text` must be a string")
        ts = time.time() if at is None else parse_at(at)
        with self._lock:
            user = self._user(author, name)
            if kind == "dm":
                return self._inbound_dm(user, text, in_reply_to, ts, attachments or [])
            if kind == "comment":
                return self._inbound_comment(user, text, in_reply_to, ts, post_id)
        raise bad_param(f"`kind` must be dm or comment, not {kind!r}")

    def _inbound_dm(
        self, user: _User, text: str, in_reply_to: str | None, ts: float, attachments: list[dict[str, Any]]
    ) -> dict[str, Any]:
        if not text and not attachments:
            raise bad_param("a message needs text or attachments")
        mid = self._new_mid()
        message: dict[str, Any] = {"mid": mid}
        if text:
            message["text"] = text
        if attachments:
            message["attachments"] = [
                {"type": str(a.get("type", "image")), "payload": {k: v for k, v in a.items() if k != "type"}}
                for a in attachments
                if isinstance(a, dict)
            ]
        if in_reply_to:
            known = any(m["id"] == in_reply_to for m in self._conversations.get(user.psid, []))
            if not known:
                raise bad_param(f"no message {in_reply_to} in this conversation")
            message["reply_to"] = {"mid": in_reply_to}
        item = {
            "sender": {"id": user.psid},
            "recipient": {"id": self.account_id},
            "timestamp": int(ts * 1000),
            "message": message,
        }
        self._conversations.setdefault(user.psid, []).append(
            {"id": mid, "text": text, "from_id": user.psid, "from_name": user.name, "created": ts, "direction": "in"}
        )
        self._last_inbound[user.psid] = max(ts, self._last_inbound.get(user.psid, 0.0))
        return self._event("messaging", item, ts)

    def press(self, mid: str, payload: str, *, push: bool = True) -> dict[str, Any]:
        """The customer taps the quick reply with `payload` under our message `mid`: as on
        Messenger and Instagram, the button's title is posted as their message and the
        webhook's `message` carries `quick_reply.payload`. Returns the messaging item."""
        with self._lock:
            found = next(
                ((psid, m) for psid, ms in self._conversations.items() for m in ms
                 if m["id"] == mid and m["direction"] == "out"),
                None,
            )
            if found is None:
                raise bad_param(f"the Page sent no message {mid}")
            psid, ours = found
            button = next((q for q in ours.get("quick_replies") or [] if q.get("payload") == payload), None)
            if button is None:
                raise bad_param("that message has no quick reply with this payload")
            user = self._by_psid[psid]
            ts = time.time()
            event = self._inbound_dm(user, str(button["title"]), None, ts, [])
            event["body"]["message"]["quick_reply"] = {"payload": payload}
        self._emit([event], push=push)
        return dict(event["body"])

    def _inbound_comment(
        self, user: _User, text: str, in_reply_to: str | None, ts: float, post_id: str | None
    ) -> dict[str, Any]:
        if in_reply_to:
            parent = self._comments.get(in_reply_to)
            if parent is None:
                raise bad_param(f"no comment {in_reply_to}")
            post = parent.post_id
            parent_id = parent.id if parent.top_level else parent.parent_id
        else:
            post = post_id or self._default_post()
            if post not in self._posts:
                self._posts.append(post)
            parent_id = "" if self.instagram else post
        comment = _Comment(
            id=self._new_comment_id(post),
            post_id=post,
            parent_id=parent_id,
            author_id=user.commenter_id,
            author_name=user.username if self.instagram else user.name,
            text=text,
            created=ts,
        )
        self._comments[comment.id] = comment
        return self._comment_event(comment, "add", ts)

    def _comment_event(self, comment: _Comment, verb: str, ts: float) -> dict[str, Any]:
        if self.instagram:
            value: dict[str, Any] = {
                "from": {"id": comment.author_id, "username": comment.author_name},
                "media": {"id": comment.post_id, "media_product_type": "FEED"},
                "id": comment.id,
                "text": comment.text,
            }
            if comment.parent_id:
                value["parent_id"] = comment.parent_id
            return self._event("changes", {"field": "comments", "value": value}, ts)
        value = {
            "from": {"id": comment.author_id, "name": comment.author_name},
            "post": {
                "status_type": "added_photos",
                "is_published": True,
                "updated_time": graph_time(ts),
                "permalink_url": f"https://www.facebook.com/{self.page_id}/posts/{comment.post_id.split('_')[-1]}",
                "promotion_status": "inactive",
                "id": comment.post_id,
            },
            "post_id": comment.post_id,
            "comment_id": comment.id,
            "created_time": int(comment.created),
            "item": "comment",
            "parent_id": comment.parent_id,
            "verb": verb,
            "field": "feed",
        }
        if verb != "remove":
            value["message"] = comment.text
        value.pop("field")
        return self._event("changes", {"field": "feed", "value": value}, ts)

    def edit_comment(self, comment_id: str, text: str, *, push: bool = True) -> dict[str, Any]:
        """The customer edits a Facebook comment (`verb: edited`)."""
        if self.instagram:
            raise bad_param("Instagram sends no webhook for edited comments")
        with self._lock:
            comment = self._comments.get(comment_id)
            if comment is None or comment.own:
                raise bad_param(f"no customer comment {comment_id}")
            comment.text = text
            event = self._comment_event(comment, "edited", time.time())
        self._emit([event], push=push)
        return dict(event["body"]["value"])

    def remove_comment(self, comment_id: str, *, push: bool = True) -> dict[str, Any]:
        """The customer removes a Facebook comment (`verb: remove`)."""
        if self.instagram:
            raise bad_param("Instagram sends no webhook for deleted comments")
        with self._lock:
            comment = self._comments.get(comment_id)
            if comment is None:
                raise bad_param(f"no comment {comment_id}")
            comment.removed = True
            event = self._comment_event(comment, "remove", time.time())
        self._emit([event], push=push)
        return dict(event["body"]["value"])

    def unsend(self, mid: str, *, push: bool = True) -> dict[str, Any]:
        """An Instagram customer unsends a message (`is_deleted: true`)."""
        with self._lock:
            found = [
                (psid, m)
                for psid, messages in self._conversations.items()
                for m in messages
                if m["id"] == mid and m["direction"] == "in"
            ]
            if not found:
                raise bad_param(f"no customer message {mid}")
            psid, message = found[0]
            self._conversations[psid].remove(message)
            ts = time.time()
            item = {
                "sender": {"id": psid},
                "recipient": {"id": self.account_id},
                "timestamp": int(ts * 1000),
                "message": {"mid": mid, "is_deleted": True},
            }
            event = self._event("messaging", item, ts)
        self._emit([event], push=push)
        return dict(event["body"])

    def read(self, author: Any, *, push: bool = True) -> dict[str, Any]:
        """The customer reads the conversation: a watermark (Messenger) or the mid (Instagram)."""
        with self._lock:
            user = self._user(author)
            ts = time.time()
            item: dict[str, Any] = {"sender": {"id": user.psid}, "recipient": {"id": self.account_id},
                                    "timestamp": int(ts * 1000)}
            ours = [m for m in self._conversations.get(user.psid, []) if m["direction"] == "out"]
            if self.instagram:
                if not ours:
                    raise bad_param("nothing to read")
                item["read"] = {"mid": ours[-1]["id"]}
            else:
                item["read"] = {"watermark": int(ts * 1000)}
            event = self._event("messaging", item, ts)
        self._emit([event], push=push)
        return dict(event["body"])

    def block(self, author: Any) -> None:
        """The customer blocks the Page: sends to them fail with 551."""
        with self._lock:
            self._user(author).blocked = True

    def user_id(self, author: Any, *, commenter: bool = False) -> str:
        with self._lock:
            user = self._user(author)
            return user.commenter_id if commenter else user.psid

    # ------------------------------------------------------------------ brand side, for tests
    def outbound(self) -> list[dict[str, Any]]:
        with self._lock:
            return [dict(o) for o in self._outbound]

    def requests(self) -> list[dict[str, Any]]:
        return self.requests_log()

    def fail(
        self,
        code: int | None = None,
        status: int | None = None,
        *,
        times: int = 1,
        subcode: int | None = None,
        message: str | None = None,
        path: str | None = None,
        after: bool = False,
        regain_minutes: int = 1,
    ) -> None:
        """Make the next `times` Graph calls (whose path contains `path`) fail as Meta would."""
        if code is None and status is None:
            raise bad_param("give `code` or `status`")
        if code is None:
            assert status is not None
            code = STATUS_CODES.get(status, 1 if status >= 500 else 100)
        if status is None:
            status = 500 if code in (1, 2) else 400
        if subcode is None:
            subcode = DEFAULT_SUBCODES.get(code)
        with self._lock:
            self._failures.arm(
                _Failure(status=int(status), code=int(code), subcode=subcode, message=message, times=int(times),
                         path=path, after=bool(after), regain_minutes=int(regain_minutes))
            )

    def _armed_failure(self, path: str) -> _Failure | None:
        return self._failures.take(lambda failure: failure.times > 0 and (failure.path is None or failure.path in path))

    def _failure_error(self, failure: _Failure) -> FakeGraphError:
        headers: dict[str, str] = {}
        if failure.code in THROTTLING_CODES:
            kind = "instagram" if self.instagram else ("messenger" if failure.code == 80006 else "pages")
            headers["X-Business-Use-Case-Usage"] = json.dumps(
                {
                    self.page_id: [
                        {
                            "type": kind,
                            "call_count": 100,
                            "total_cputime": 12,
                            "total_time": 18,
                            "estimated_time_to_regain_access": failure.regain_minutes,
                        }
                    ]
                },
                separators=(",", ":"),
            )
            headers["X-App-Usage"] = json.dumps({"call_count": 100, "total_cputime": 12, "total_time": 18},
                                                separators=(",", ":"))
        if failure.code == 190:
            headers["WWW-Authenticate"] = 'OAuth "Facebook Platform" "invalid_token" "' + (
                failure.message or ERROR_MESSAGES[190][0]) + '"'
        return FakeGraphError(failure.status, failure.code, failure.message, subcode=failure.subcode, headers=headers)

    # ------------------------------------------------------------------ Graph API
    def handle_api(
        self, method: str, path: str, query: str, headers: Any, body: bytes
    ) -> tuple[int, dict[str, Any], dict[str, str]]:
        trace = self._trace_id()
        base_headers = {
            "x-fb-trace-id": trace,
            "x-fb-rev": "1012345678",
            "facebook-api-version": GRAPH_VERSION,
            "Cache-Control": "private, no-cache, no-store, must-revalidate",
        }
        with self._lock:
            self._calls += 1
            usage = min(99, self._calls % 100)
        base_headers["X-App-Usage"] = json.dumps(
            {"call_count": usage, "total_cputime": max(0, usage - 1), "total_time": usage}, separators=(",", ":")
        )
        try:
            params = self._params(query, headers, body)
            with self._lock:
                self._requests.append({"method": method, "path": path, "params": _redacted(params)})
            if TOKEN_PATH_RE.match(path) and method in ("GET", "POST"):
                # Facebook Login's token endpoint authenticates by its parameters.
                return 200, self.login.exchange(params), base_headers
            principal = self._authenticate(params, headers)
            failure = self._armed_failure(path)
            if failure is not None and not failure.after:
                raise self._failure_error(failure)
            status, payload = self._route(method, path, params, principal)
            if failure is not None:
                raise self._failure_error(failure)
            return status, payload, base_headers
        except LoginError as err:
            return err.status, err.body(trace), {**base_headers, **err.headers}
        except FakeGraphError as err:
            return err.status, err.body(trace), {**base_headers, **err.headers}

    def _params(self, query: str, headers: Any, body: bytes) -> dict[str, Any]:
        params: dict[str, Any] = {k: v[-1] for k, v in parse_qs(query, keep_blank_values=True).items()}
        if not body:
            return params
        content_type = (headers.get("Content-Type") or "").split(";")[0].strip().lower()
        if content_type == "multipart/form-data":
            # The Send API and the Attachment Upload API with a file: JSON-valued fields
            # (recipient, message) and the file as `filedata`.
            fields, files = multipart_form(headers, body)
            for key, text in fields.items():
                params[key] = text
                if key in ("recipient", "message") and text.strip().startswith("{"):
                    try:
                        params[key] = json.loads(text)
                    except ValueError as exc:
                        raise bad_param(f"param {key} must be a JSON object") from exc
            if "filedata" in files:
                filename, file_type, content = files["filedata"]
                params["filedata"] = _Upload(filename=filename, content_type=file_type, content=content)
            return params
        if content_type == "application/json":
            try:
                data = json.loads(body.decode("utf-8"))
            except (UnicodeDecodeError, ValueError) as exc:
                raise bad_param("Invalid JSON for postcard request body") from exc
            if not isinstance(data, dict):
                raise bad_param("The request body must be a JSON object")
            params.update(data)
        else:
            try:
                form = parse_qs(body.decode("utf-8"), keep_blank_values=True)
            except UnicodeDecodeError as exc:
                raise bad_param("Invalid form body") from exc
            for key, values in form.items():
                value: Any = values[-1]
                if key in ("recipient", "message") and value.strip().startswith("{"):
                    try:
                        value = json.loads(value)
                    except ValueError as exc:
                        raise bad_param(f"param {key} must be a JSON object") from exc
                params[key] = value
        return params

    def _authenticate(self, params: dict[str, Any], headers: Any) -> Token:
        """Who is calling: the configured Page token (every permission, the main Page), or a
        token Facebook Login issued (user, Page or app token)."""
        token = params.pop("access_token", None)
        auth = headers.get("Authorization") or ""
        scheme, _, value = auth.partition(" ")
        if scheme.lower() in ("bearer", "oauth") and value.strip():
            token = value.strip()
        if not token:
            raise FakeGraphError(400, 104, "An access token is required to request this resource.")
        token = str(token)
        try:
            issued = self.login.lookup(token)
        except LoginError as err:
            raise FakeGraphError(err.status, err.code, err.message, subcode=err.subcode,
                                 headers=err.headers) from None
        if issued is None:
            message = "Invalid OAuth access token - Cannot parse access token"
            challenge = f'OAuth "Facebook Platform" "invalid_token" "{message}"'
            raise FakeGraphError(400, 190, message, headers={"WWW-Authenticate": challenge})
        return issued

    def _configured(self, value: str) -> Token | None:
        """The configured Page token (what an admin would paste): the main Page, every permission."""
        if not hmac.compare_digest(value.encode(), self.access_token.encode()):
            return None
        return Token(value=value, kind="page", app_id=self.app_id, page_id=self.page_id, pages=(self.page_id,))

    # --- who may do what --------------------------------------------------------------
    def _all_pages(self) -> list[_Page]:
        main = _Page(id=self.page_id, name=self.page_name, tasks=FULL_TASKS, ig_id=self.ig_user_id,
                     ig_username=self.ig_username)
        return [main, *self.other_pages]

    def _page(self, page_id: str) -> _Page | None:
        return next((p for p in self._all_pages() if p.id == page_id), None)

    def _page_of_ig(self, ig_id: str) -> _Page | None:
        return next((p for p in self._all_pages() if p.ig_id and p.ig_id == ig_id), None)

    def _assets(self) -> list[Asset]:
        return [Asset(id=p.id, name=p.name, kind="page", ig_id=p.ig_id) for p in self._all_pages()]

    @staticmethod
    def _reaches(principal: Token, page_id: str) -> bool:
        if principal.kind == "page":
            return principal.page_id == page_id
        return principal.kind == "user" and page_id in principal.pages

    def _as_main_page(self, principal: Token, node: str, method: str = "POST") -> None:
        """The Send API and the comment edges act as the main Page: only its Page token."""
        if principal.kind != "page":
            raise FakeGraphError(400, 190, "(#190) This method must be called with a Page Access Token")
        if principal.page_id != self.page_id:
            raise unsupported(method, node)

    @staticmethod
    def _require(principal: Token, permission: str) -> None:
        if not principal.has(permission):
            raise FakeGraphError(403, 200, f"(#200) Requires {permission} permission to manage the object")

    def _route(self, method: str, path: str, params: dict[str, Any], principal: Token) -> tuple[int, dict[str, Any]]:
        rest = VERSION_RE.sub("/", path, count=1)
        parts = [p for p in rest.split("/") if p]
        if not parts:
            raise unsupported(method, "")
        node = parts[0]
        edge = parts[1] if len(parts) > 1 else ""
        if len(parts) > 2:
            raise unsupported(method, "/".join(parts))
        with self._lock:
            if node == "me" and principal.kind == "user":
                return 200, self._user_edge(method, edge, params, principal)
            if node == "me":
                node = principal.page_id or self.page_id
            if node == "app" and method == "GET" and not edge:
                return 200, self.login.app_node()
            if node == "debug_token" and method == "GET" and not edge:
                return 200, self.login.debug(principal, params, self._ig_id_of)
            if node == self.app_id:
                return 200, self._app_edge(method, edge, params, principal)
            if edge == "subscribed_apps" and self._page(node) is not None:
                return 200, self._subscribed_apps(method, node, params, principal)
            if method == "POST" and edge == "message_attachments" and node == self.page_id:
                self._as_main_page(principal, node)
                self._require(principal, "instagram_manage_messages" if self.instagram else "pages_messaging")
                return 200, self._upload_attachment(params)
            if method == "POST" and edge == "messages" and node in (self.page_id, self.ig_user_id):
                self._as_main_page(principal, node)
                self._require(principal, "instagram_manage_messages" if self.instagram else "pages_messaging")
                return 200, self._send_message(params)
            if method == "POST" and edge == "comments" and not self.instagram:
                self._as_main_page(principal, node)
                self._require(principal, "pages_manage_engagement")
                return 200, self._reply_comment(node, params)
            if method == "POST" and edge == "replies" and self.instagram:
                self._as_main_page(principal, node)
                self._require(principal, "instagram_manage_comments")
                return 200, self._reply_comment(node, params)
            if method == "GET" and edge in ("comments", "replies"):
                self._as_main_page(principal, node, method)
                return 200, self._list_replies(node, edge, params)
            if method == "GET" and edge == "conversations" and node == self.page_id:
                self._as_main_page(principal, node, method)
                return 200, self._conversations_of(params)
            if method == "GET" and not edge:
                return 200, self._node(node, params, principal)
        raise unsupported(method, node)

    # --- Facebook Login's side of the Graph API ----------------------------------------
    def _ig_id_of(self, page_id: str) -> str:
        page = self._page(page_id)
        return page.ig_id if page else ""

    def _user_edge(self, method: str, edge: str, params: dict[str, Any], user: Token) -> dict[str, Any]:
        """``/me`` with a user token: the person, their permissions, their Pages."""
        if method != "GET":
            raise unsupported(method, "me")
        if not edge:
            return self.login.me()
        if edge == "permissions":
            return self.login.permissions(user)
        if edge == "accounts":
            self._require(user, "pages_show_list")
            return self._accounts(params, user)
        raise bad_param(f"Tried accessing nonexisting field ({edge}) on node type (User)")

    def _accounts(self, params: dict[str, Any], user: Token) -> dict[str, Any]:
        """``/me/accounts``: the Pages the person shared, each with its Page token, paged
        by cursor (at most accounts_page_size a page, whatever the limit asked)."""
        pages = [p for p in self._all_pages() if p.id in user.pages]
        try:
            limit = max(1, min(int(params.get("limit") or 25), self.accounts_page_size))
        except ValueError as exc:
            raise bad_param("param limit must be a number") from exc
        start = cursor_index(str(params["after"])) + 1 if params.get("after") else 0
        if params.get("before"):
            start = max(0, cursor_index(str(params["before"])) - limit)
        chunk = pages[start : start + limit]
        fields = parse_fields(str(params.get("fields") or "access_token,category,category_list,name,id,tasks"))
        data = [self._page_json(page, fields, user) for page in chunk]
        result: dict[str, Any] = {"data": data}
        if chunk:
            paging: dict[str, Any] = {"cursors": {"before": cursor(start), "after": cursor(start + len(chunk) - 1)}}
            query = {"access_token": user.value, "limit": limit}
            if params.get("fields"):
                query["fields"] = params["fields"]
            base = f"{self.base_url}/{GRAPH_VERSION}/{self.login.user_id}/accounts?"
            if start + len(chunk) < len(pages):
                paging["next"] = base + urlencode({**query, "after": paging["cursors"]["after"]})
            if start > 0:
                paging["previous"] = base + urlencode({**query, "before": paging["cursors"]["before"]})
            result["paging"] = paging
        return result

    def _page_json(self, page: _Page, fields: dict[str, str], principal: Token) -> dict[str, Any]:
        result: dict[str, Any] = {}
        for name, inner in fields.items():
            if name == "id":
                result["id"] = page.id
            elif name == "name":
                result["name"] = page.name
            elif name == "category":
                result["category"] = page.category
            elif name == "category_list":
                result["category_list"] = [{"id": "200600219953504", "name": page.category}]
            elif name == "tasks":
                result["tasks"] = list(page.tasks)
            elif name == "link":
                result["link"] = f"https://www.facebook.com/{page.id}"
            elif name == "access_token" and principal.kind == "user":
                result["access_token"] = self.login.page_token(principal, page.id)
            elif name == "instagram_business_account" and page.ig_id:
                result["instagram_business_account"] = self._ig_json(page, parse_fields(inner or "id"))
        return result

    @staticmethod
    def _ig_json(page: _Page, fields: dict[str, str]) -> dict[str, Any]:
        result: dict[str, Any] = {"id": page.ig_id}
        if "username" in fields:
            result["username"] = page.ig_username
        if "name" in fields:
            result["name"] = page.name
        return result

    def _app_edge(self, method: str, edge: str, params: dict[str, Any], principal: Token) -> dict[str, Any]:
        """``/{app-id}`` and its ``/subscriptions`` edge (the app's webhooks; app token only)."""
        if not edge and method == "GET":
            return self.login.app_node()
        if edge != "subscriptions":
            raise unsupported(method, f"{self.app_id}/{edge}")
        if principal.kind != "app":
            raise FakeGraphError(400, 15, "(#15) This method must be called with an app access_token.")
        if method == "GET":
            return {"data": [dict(v, fields=[{"name": f, "version": GRAPH_VERSION} for f in v["fields"]])
                             for v in self.app_subscriptions.values()]}
        if method == "DELETE":
            obj = params.get("object")
            for name in [n for n in self.app_subscriptions if not obj or n == obj]:
                removed = self.app_subscriptions.pop(name)
                if name == self.object_name and self._webhook_via_api and removed["callback_url"] == self.webhook:
                    self.webhook = None
            return {"success": True}
        if method != "POST":
            raise unsupported(method, f"{self.app_id}/subscriptions")
        obj = str(params.get("object") or "")
        if obj not in APP_WEBHOOK_OBJECTS:
            raise bad_param(f"Param object must be one of {{{', '.join(sorted(APP_WEBHOOK_OBJECTS))}}}")
        url = str(params.get("callback_url") or "")
        if urlsplit(url).scheme not in ("http", "https") or not urlsplit(url).hostname:
            raise bad_param("The parameter callback_url is required and must be a URL")
        verify_token = str(params.get("verify_token") or "")
        if not verify_token:
            raise bad_param("The parameter verify_token is required")
        raw = params.get("fields")
        fields = [f.strip() for f in (raw if isinstance(raw, list) else str(raw or "").split(",")) if f.strip()]
        if not fields:
            raise bad_param("The parameter fields is required")
        result = self.handshake(url, verify_token)
        if not result["verified"]:
            if result.get("status"):
                detail = (
                    f"Response does not match challenge, expected value=\"{result['challenge']}\", "
                    f"received=\"{result.get('body', '')[:30]}\""
                    if result["status"] == 200
                    else f"HTTP Status Code = {result['status']}"
                )
            else:
                detail = "Couldn't connect to server"
            raise FakeGraphError(400, 2200, f"(#2200) callback verification failed: {detail}")
        self.app_subscriptions[obj] = {"object": obj, "callback_url": url, "active": True, "fields": fields}
        if obj == self.object_name:
            self._adopt_webhook(url, verify_token)
        return {"success": True}

    def _subscribed_apps(self, method: str, page_id: str, params: dict[str, Any], principal: Token) -> dict[str, Any]:
        """``/{page-id}/subscribed_apps`` with that Page's token."""
        if principal.kind != "page" or principal.page_id != page_id:
            raise FakeGraphError(400, 190, "(#190) This method must be called with a Page Access Token")
        if method == "GET":
            fields = self.page_subscriptions.get(page_id)
            if not fields:
                return {"data": []}
            app = self.login.app_node()
            return {"data": [{"category": "Business", "link": app["link"], "name": app["name"], "id": app["id"],
                              "subscribed_fields": list(fields)}]}
        self._require(principal, "pages_manage_metadata")
        if method == "DELETE":
            self.page_subscriptions.pop(page_id, None)
            if page_id == self.page_id:
                self._page_subscribed_by_hand = False
            return {"success": True}
        if method != "POST":
            raise unsupported(method, f"{page_id}/subscribed_apps")
        raw = params.get("subscribed_fields")
        fields = [f.strip() for f in (raw if isinstance(raw, list) else str(raw or "").split(",")) if f.strip()]
        if not fields:
            raise bad_param("The parameter subscribed_fields is required.")
        for index, name in enumerate(fields):
            if name not in PAGE_WEBHOOK_FIELDS:
                raise bad_param(f"Param subscribed_fields[{index}] must be one of "
                                f"{{{', '.join(sorted(PAGE_WEBHOOK_FIELDS))}}} - got \"{name}\".")
        self.page_subscriptions[page_id] = list(dict.fromkeys(fields))
        return {"success": True}

    # --- Send API ---------------------------------------------------------------------
    def _send_message(self, params: dict[str, Any]) -> dict[str, Any]:
        recipient = params.get("recipient")
        message = params.get("message")
        if not isinstance(recipient, dict):
            raise bad_param("param recipient must be non-empty.")
        if not isinstance(message, dict):
            raise bad_param("param message must be non-empty.")
        attachment = message.get("attachment")
        if attachment is not None:
            if message.get("text"):
                raise bad_param("Only one of message[text] or message[attachment] may be set")
            if "comment_id" in recipient:
                raise bad_param("A private reply takes message[text] only in this fake")
            upload = self._attachment_of(attachment, params.get("filedata"))
            return self._deliver(recipient, params, text="", upload=upload, quick_replies=None)
        text = message.get("text")
        if not isinstance(text, str) or not text:
            raise bad_param("Param message[text] must be a non-empty UTF-8 encoded string", subcode=2018034)
        self._check_dm_length(text)
        quick_replies = check_quick_replies(message.get("quick_replies"))
        if "comment_id" in recipient:
            return self._private_reply(str(recipient["comment_id"]), text)
        return self._deliver(recipient, params, text=text, upload=None, quick_replies=quick_replies)

    def _deliver(self, recipient: dict[str, Any], params: dict[str, Any], *, text: str,
                 upload: _Upload | None, quick_replies: list[dict[str, Any]] | None) -> dict[str, Any]:
        """A message (text, or one attachment) to the person who wrote to the Page."""
        psid = str(recipient.get("id") or "")
        user = self._by_psid.get(psid)
        if user is None:
            raise bad_param("No matching user found", subcode=2018001)
        if user.blocked:
            raise FakeGraphError(400, 551, subcode=1545041)
        messaging_type = params.get("messaging_type")
        tag = params.get("tag")
        if messaging_type is None and self.instagram:
            messaging_type = "MESSAGE_TAG" if tag else "RESPONSE"
        if messaging_type not in ("RESPONSE", "UPDATE", "MESSAGE_TAG"):
            raise bad_param("param messaging_type must be one of {RESPONSE, UPDATE, MESSAGE_TAG}")
        age = time.time() - self._last_inbound.get(psid, 0.0)
        if messaging_type == "MESSAGE_TAG":
            allowed = {"HUMAN_AGENT"} if self.instagram else PAGE_TAGS
            if tag not in allowed:
                raise bad_param(f"param tag must be one of {{{', '.join(sorted(allowed))}}}")
            if tag == "HUMAN_AGENT" and age > HUMAN_AGENT_WINDOW:
                raise FakeGraphError(400, 10, subcode=2018278)
        elif age > STANDARD_WINDOW:
            raise FakeGraphError(400, 10, subcode=2018278)
        mid = self._new_mid()
        ts = time.time()
        self._conversations.setdefault(psid, []).append(
            {"id": mid, "text": text, "from_id": self.account_id, "created": ts, "direction": "out",
             "quick_replies": quick_replies}
        )
        record: dict[str, Any] = {
            "id": mid, "kind": "dm", "platform": "instagram" if self.instagram else "messenger",
            "recipient_id": psid, "comment_id": None, "messaging_type": messaging_type, "tag": tag,
            "text": text, "quick_replies": quick_replies, "created_time": graph_time(ts),
        }
        if upload is not None:
            record["attachment"] = upload.summary()
        self._outbound.append(record)
        self._echo(psid, mid, text, ts, upload=upload)
        return {"recipient_id": psid, "message_id": mid}

    # --- attachments ------------------------------------------------------------------
    def _upload_attachment(self, params: dict[str, Any]) -> dict[str, Any]:
        """POST /{page-id}/message_attachments: `message.attachment` {type, payload: {url,
        is_reusable}} with the file at the URL or as multipart `filedata`; Instagram's
        uploads say platform=instagram. Returns {"attachment_id"}."""
        if self.instagram and params.get("platform") != "instagram":
            raise bad_param("param platform must be instagram for an Instagram account's upload")
        message = params.get("message")
        if not isinstance(message, dict) or not isinstance(message.get("attachment"), dict):
            raise bad_param("param message[attachment] must be non-empty.")
        upload = self._attachment_of(message["attachment"], params.get("filedata"), uploading=True)
        attachment_id = self._number(16)
        self._attachments[attachment_id] = upload
        return {"attachment_id": attachment_id}

    def _attachment_of(self, attachment: Any, filedata: Any, *, uploading: bool = False) -> _Upload:
        """The file a message's (or an upload's) attachment names: an uploaded attachment_id,
        a URL the fake fetches as Meta's servers would, or the request's `filedata`."""
        if not isinstance(attachment, dict):
            raise bad_param("param message[attachment] must be an object")
        kind = attachment.get("type")
        if kind not in ATTACHMENT_TYPES:
            raise bad_param(f"param message[attachment][type] must be one of {{{', '.join(ATTACHMENT_TYPES)}}}")
        payload = attachment.get("payload")
        if not isinstance(payload, dict):
            raise bad_param("param message[attachment][payload] must be an object")
        if "attachment_id" in payload and not uploading:
            upload = self._attachments.get(str(payload["attachment_id"]))
            if upload is None:
                raise bad_param("(#100) Invalid attachment_id", subcode=2018047)
            if upload.kind != kind:
                raise bad_param("(#100) The attachment's type does not match message[attachment][type]")
            return replace(upload, source="attachment_id")
        url = payload.get("url")
        if isinstance(url, str) and url:
            upload = self._fetch(url)
            upload.source = "url"
        elif isinstance(filedata, _Upload):
            upload = filedata
            upload.source = "filedata"
        else:
            raise bad_param("(#100) Attachment payload needs an attachment_id, a url or filedata")
        upload.kind = str(kind)
        self._check_attachment(upload)
        return upload

    def _fetch(self, url: str) -> _Upload:
        """Download the file at `url` (Meta fetches it from its own servers; the fake from
        wherever it runs). A failed fetch is Meta's "Failed to fetch the file from the url"."""
        if not url.startswith(("http://", "https://")):
            raise bad_param("(#100) param message[attachment][payload][url] must be a valid URL")
        try:
            opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # straight there, as Meta goes
            with opener.open(url, timeout=URL_FETCH_TIMEOUT) as response:
                content = response.read(ATTACHMENT_MAX_BYTES + 1)
                content_type = (response.headers.get("Content-Type") or "").split(";")[0].strip().lower()
                disposition = response.headers.get("Content-Disposition") or ""
        except (urllib.error.URLError, OSError, ValueError) as exc:
            raise bad_param(f"(#100) Failed to fetch the file from the url: {exc}", subcode=2018008) from exc
        name_match = re.search(r'filename="([^"]*)"', disposition)
        filename = name_match.group(1) if name_match else urlsplit(url).path.rstrip("/").rsplit("/", 1)[-1]
        with self._lock:
            self.fetched.append({"url": url, "status": 200, "content_type": content_type, "size": len(content)})
        return _Upload(filename=filename, content_type=content_type, content=content, url=url)

    def _check_attachment(self, upload: _Upload) -> None:
        size = len(upload.content)
        if not size:
            raise bad_param("(#100) The attachment is empty", subcode=2018047)
        limit = IMAGE_MAX_BYTES if upload.kind == "image" and (self.instagram or upload.source == "url") else (
            ATTACHMENT_MAX_BYTES)
        if size > limit:
            raise bad_param(f"(#100) Attachment size exceeds the allowable limit ({limit} bytes)", subcode=2018294)
        if self.instagram and upload.kind == "image" and upload.content_type not in IG_IMAGE_TYPES:
            raise bad_param(f"(#100) Instagram takes PNG or JPEG pictures, not {upload.content_type or 'this'}",
                            subcode=2534070)

    def _check_dm_length(self, text: str) -> None:
        if self.instagram:
            if len(text.encode("utf-8")) > INSTAGRAM_MAX_BYTES:
                raise bad_param(f"Length of param message[text] must be less than or equal to {INSTAGRAM_MAX_BYTES}")
        elif len(text) > MESSENGER_MAX_CHARS:
            raise bad_param(f"Length of param message[text] must be less than or equal to {MESSENGER_MAX_CHARS}")

    def _private_reply(self, comment_id: str, text: str) -> dict[str, Any]:
        comment = self._comments.get(comment_id)
        if comment is None or comment.removed or comment.own:
            raise bad_param("Invalid comment_id parameter", subcode=2018292)
        if comment.private_replied:
            raise FakeGraphError(400, 10900)
        if time.time() - comment.created > PRIVATE_REPLY_WINDOW:
            raise FakeGraphError(400, 10903)
        user = self._by_commenter.get(comment.author_id)
        if user is None:
            raise bad_param("Invalid comment_id parameter", subcode=2018292)
        comment.private_replied = True
        mid = self._new_mid()
        ts = time.time()
        self._conversations.setdefault(user.psid, []).append(
            {"id": mid, "text": text, "from_id": self.account_id, "created": ts, "direction": "out"}
        )
        self._outbound.append(
            {"id": mid, "kind": "private_reply", "platform": "instagram" if self.instagram else "messenger",
             "recipient_id": user.psid, "comment_id": comment_id, "messaging_type": None, "tag": None,
             "text": text, "created_time": graph_time(ts)}
        )
        self._echo(user.psid, mid, text, ts)
        return {"recipient_id": user.psid, "message_id": mid}

    def _echo(self, psid: str, mid: str, text: str, ts: float, upload: _Upload | None = None) -> None:
        message: dict[str, Any] = {"mid": mid, "is_echo": True, "app_id": int(self.app_id)}
        if upload is not None:
            message["attachments"] = [{"type": upload.kind, "payload": {
                "url": f"https://scontent.xx.fbcdn.net/v/t1/{upload.sha256[:24]}/{upload.filename}"}}]
        else:
            message["text"] = text
        echo = {
            "sender": {"id": self.account_id},
            "recipient": {"id": psid},
            "timestamp": int(ts * 1000),
            "message": message,
        }
        events = [self._event("messaging", echo, ts)]
        if self.receipts and not self.instagram:
            receipt = {
                "sender": {"id": psid},
                "recipient": {"id": self.page_id},
                "timestamp": int(ts * 1000) + 500,
                "delivery": {"mids": [mid], "watermark": int(ts * 1000) + 400},
            }
            events.append(self._event("messaging", receipt, ts))
        self._emit_soon(events)

    def _emit_soon(self, events: list[dict[str, Any]]) -> None:
        """What the Page's own action triggers (echo, receipt, own comment): one delivery
        each. Pushed from another thread, after the API call has answered, as Meta does."""
        if not self.webhook:
            for event in events:
                self._emit([event])
            return

        def push_all() -> None:
            for event in events:
                self._emit([event])

        threading.Thread(target=push_all, daemon=True).start()

    # --- comments ---------------------------------------------------------------------
    def _reply_comment(self, node: str, params: dict[str, Any]) -> dict[str, Any]:
        text = params.get("message")
        if not isinstance(text, str) or not text.strip():
            raise bad_param("Missing message or attachment")
        limit = IG_COMMENT_MAX_CHARS if self.instagram else FB_COMMENT_MAX_CHARS
        if len(text) > limit:
            raise bad_param(f"The comment is too long: at most {limit} characters")
        target = self._comments.get(node)
        if target is None and not self.instagram and node in self._posts:
            post, parent = node, node
        elif target is None or target.removed:
            raise unsupported("POST", node)
        else:
            post = target.post_id
            parent = target.id if target.top_level else target.parent_id
        ts = time.time()
        comment = _Comment(
            id=self._new_comment_id(post),
            post_id=post,
            parent_id=parent,
            author_id=self.account_id,
            author_name=self.ig_username if self.instagram else self.page_name,
            text=text,
            created=ts,
            own=True,
        )
        self._comments[comment.id] = comment
        self._outbound.append(
            {"id": comment.id, "kind": "comment_reply", "platform": "instagram" if self.instagram else "facebook",
             "recipient_id": target.author_id if target else None, "comment_id": node, "parent_id": parent,
             "messaging_type": None, "tag": None, "text": text, "created_time": graph_time(ts)}
        )
        self._emit_soon([self._comment_event(comment, "add", ts)])
        return {"id": comment.id}

    def _comment_json(self, comment: _Comment) -> dict[str, Any]:
        if self.instagram:
            return {"id": comment.id, "text": comment.text, "timestamp": graph_time(comment.created),
                    "username": comment.author_name, "from": {"id": comment.author_id, "username": comment.author_name}}
        return {"id": comment.id, "message": comment.text, "created_time": graph_time(comment.created),
                "from": {"id": comment.author_id, "name": comment.author_name}}

    def _list_replies(self, node: str, edge: str, params: dict[str, Any]) -> dict[str, Any]:
        if (edge == "replies") != self.instagram:
            raise unsupported("GET", f"{node}/{edge}")
        target = self._comments.get(node)
        if target is None and node not in self._posts:
            raise unsupported("GET", node)
        if target is not None:
            children = [c for c in self._comments.values() if c.parent_id == node and c.id != node]
        else:
            children = [c for c in self._comments.values() if c.post_id == node and c.top_level]
        children = [c for c in children if not c.removed]
        children.sort(key=lambda c: c.created, reverse=params.get("order") == "reverse_chronological")
        try:
            limit = max(1, min(100, int(params.get("limit") or 25)))
        except ValueError as exc:
            raise bad_param("param limit must be a number") from exc
        data = [self._comment_json(c) for c in children[:limit]]
        cursors = {"before": "QVFIU" + self._trace_id()[:12], "after": "QVFIU" + self._trace_id()[:12]}
        return {"data": data, "paging": {"cursors": cursors}}

    def _node(self, node: str, params: dict[str, Any], principal: Token) -> dict[str, Any]:
        fields = set(str(params.get("fields") or "").split(","))
        expanded = parse_fields(str(params.get("fields") or ""))
        page = self._page(node)
        if page is not None:
            if not self._reaches(principal, node):
                raise unsupported("GET", node)
            result: dict[str, Any] = {"id": page.id, "name": page.name}
            result.update(self._page_json(page, {k: v for k, v in expanded.items() if k != "access_token"},
                                          principal))
            if page.id == self.page_id and self.instagram and "instagram_business_account" not in result:
                result["instagram_business_account"] = {"id": self.ig_user_id}
            return result
        owner = self._page_of_ig(node)
        if owner is not None:
            if not self._reaches(principal, owner.id):
                raise unsupported("GET", node)
            return {"id": owner.ig_id, "username": owner.ig_username}
        if principal.kind != "page" or principal.page_id != self.page_id:
            raise unsupported("GET", node)
        person = self._by_psid.get(node)
        if person is not None:
            return self._profile_json(person, fields)
        comment = self._comments.get(node)
        if comment is None or comment.removed:
            raise unsupported("GET", node)
        result = self._comment_json(comment)
        if "can_reply_privately" in fields:
            result["can_reply_privately"] = (
                not comment.own
                and not comment.private_replied
                and time.time() - comment.created <= PRIVATE_REPLY_WINDOW
            )
        return result

    def _profile_json(self, person: _User, fields: set[str]) -> dict[str, Any]:
        """The user profile API: ``GET /{PSID}?fields=first_name,last_name,profile_pic``
        (Messenger) or ``GET /{IGSID}?fields=name,username,profile_pic`` (Instagram), with
        the Page token, for someone who wrote to the Page; only the fields asked for."""
        self.profile_lookups.append(person.psid)
        first, _, last = person.name.partition(" ")
        picture = f"https://platform-lookaside.fbsbx.com/platform/profilepic/?psid={person.psid}&height=200"
        known: dict[str, Any] = (
            {"name": person.name, "username": person.username, "profile_pic": picture}
            if self.instagram
            else {"first_name": first, "last_name": last, "profile_pic": picture}
        )
        wanted = {f for f in fields if f} or ({"name"} if self.instagram else {"first_name", "last_name"})
        unknown = sorted(wanted - set(known) - {"id"})
        if unknown:
            raise bad_param(f"Tried accessing nonexisting field ({unknown[0]}) on node type (User)")
        return {**{k: v for k, v in known.items() if k in wanted}, "id": person.psid}

    def _conversations_of(self, params: dict[str, Any]) -> dict[str, Any]:
        platform = params.get("platform") or "messenger"
        if platform != ("instagram" if self.instagram else "messenger"):
            return {"data": []}
        user_id = params.get("user_id")
        psids = [str(user_id)] if user_id else list(self._conversations)
        data = []
        for psid in psids:
            messages = self._conversations.get(psid)
            if not messages:
                continue
            conversation_id = self._conversation_ids.setdefault(psid, "t_" + self._number(16))
            newest_first = sorted(messages, key=lambda m: m["created"], reverse=True)
            user = self._by_psid.get(psid)
            data.append(
                {
                    "id": conversation_id,
                    "updated_time": graph_time(newest_first[0]["created"]),
                    "messages": {
                        "data": [
                            {
                                "id": m["id"],
                                "message": m["text"],
                                "created_time": graph_time(m["created"]),
                                "from": (
                                    {"id": m["from_id"], "name": user.name if user else ""}
                                    if m["direction"] == "in"
                                    else {"id": self.account_id, "name": self.page_name}
                                ),
                            }
                            for m in newest_first[:25]
                        ]
                    },
                }
            )
        return {"data": data}

    # ------------------------------------------------------------------ control endpoints
    # ------------------------------------------------------------------ control plane
    control_errors = (FakeGraphError, TypeError, ValueError, KeyError)
    control_not_json = "control body must be JSON"

    def control_bad_body(self, message: str) -> Exception:
        return FakeGraphError(400, 100, message)

    def control_error(self, error: Exception) -> tuple[int, Any]:
        if not isinstance(error, FakeGraphError):
            error = FakeGraphError(400, 100, f"bad control request: {error}")
        return error.status, error.body(self._trace_id())

    def control_missing(self, method: str, path: str) -> tuple[int, Any]:
        return 404, unsupported(method, path).body(self._trace_id())

    def control_prepare(self, request: ControlRequest) -> None:
        request.object()  # every control body must be a JSON object, whatever the route

    def control_routes(self) -> dict[tuple[str, str], ControlRoute]:
        def post(handler: Callable[[dict[str, Any]], tuple[int, Any]]) -> ControlRoute:
            return lambda request: handler(request.object())

        return {
            ("GET", "/_fake/outbound"): lambda request: (200, {"data": self.outbound()}),
            ("GET", "/_fake/requests"): lambda request: (200, {"data": self.requests_log()}),
            ("GET", "/_fake/deliveries"): lambda request: (200, {"data": self._delivery_summaries()}),
            ("POST", "/_fake/inbound"): post(self._control_inbound),
            ("POST", "/_fake/inbound/bulk"): post(self._control_inbound_bulk),
            ("POST", "/_fake/edit"): post(
                lambda data: (201, {"data": self.edit_comment(str(data["comment_id"]), str(data.get("text", "")))})
            ),
            ("POST", "/_fake/remove"): post(lambda data: (201, {"data": self.remove_comment(str(data["comment_id"]))})),
            ("POST", "/_fake/unsend"): post(lambda data: (201, {"data": self.unsend(str(data["mid"]))})),
            ("POST", "/_fake/read"): post(lambda data: (201, {"data": self.read(data.get("author"))})),
            ("POST", "/_fake/press"): post(
                lambda data: (201, {"data": self.press(str(data.get("mid") or ""), str(data.get("payload") or ""))})
            ),
            ("POST", "/_fake/block"): post(self._control_block),
            ("POST", "/_fake/fail"): post(self._control_fail),
            ("POST", "/_fake/redeliver"): post(self._control_redeliver),
            ("POST", "/_fake/verify"): lambda request: (200, self.verify_webhook()),
            ("POST", "/_fake/reset"): self._control_reset,
        }

    def _delivery_summaries(self) -> list[dict[str, Any]]:
        with self._lock:
            return [d.summary(i) for i, d in enumerate(self.deliveries)]

    def _control_inbound(self, data: dict[str, Any]) -> tuple[int, Any]:
        push = data.get("push", True) is not False
        obj = self.inbound(
            data.get("author"),
            data.get("name"),
            data.get("text", ""),
            kind=data.get("kind") or "dm",
            in_reply_to=data.get("in_reply_to"),
            at=data.get("at"),
            attachments=data.get("attachments"),
            post_id=data.get("post_id"),
            push=push,
        )
        return 201, {"data": obj, "delivery": self.last_delivery.summary(len(self.deliveries) - 1)}

    def _control_inbound_bulk(self, data: dict[str, Any]) -> tuple[int, Any]:
        items = data.get("items")
        if not isinstance(items, list) or not items:
            raise bad_param("`items` must be a non-empty list")
        events = [
            self.inbound_event(
                i.get("author"), i.get("name"), i.get("text", ""), kind=i.get("kind") or "dm",
                in_reply_to=i.get("in_reply_to"), at=i.get("at"), attachments=i.get("attachments"),
                post_id=i.get("post_id"),
            )
            for i in items
        ]
        push = data.get("push", True) is not False
        delivery = self._emit(events, per_entry=int(data.get("per_entry") or 1), push=push)
        objects = [e["body"]["value"] if e["container"] == "changes" else e["body"] for e in events]
        return 201, {"count": len(events), "data": objects, "delivery": delivery.summary(len(self.deliveries) - 1)}

    def _control_block(self, data: dict[str, Any]) -> tuple[int, Any]:
        self.block(data.get("author"))
        return 200, {"blocked": True}

    def _control_fail(self, data: dict[str, Any]) -> tuple[int, Any]:
        self.fail(
            code=int(data["code"]) if data.get("code") is not None else None,
            status=int(data["status"]) if data.get("status") is not None else None,
            times=int(data.get("times", 1)),
            subcode=int(data["subcode"]) if data.get("subcode") is not None else None,
            message=data.get("message"),
            path=data.get("path"),
            after=bool(data.get("after", False)),
            regain_minutes=int(data.get("regain_minutes", 1)),
        )
        return 200, {"armed": self._failures.armed()}

    def _control_redeliver(self, data: dict[str, Any]) -> tuple[int, Any]:
        with self._lock:
            index = int(data.get("index", len(self.deliveries) - 1))
            if not 0 <= index < len(self.deliveries):
                raise bad_param("no such delivery")
            delivery = self.deliveries[index]
        ok = self.push(delivery)
        return 200, {"pushed": ok, "delivery": delivery.summary(index)}

    def _control_reset(self, request: ControlRequest) -> tuple[int, Any]:
        self.reset()
        return 200, {"reset": True}


SECRET_PARAMS = {"access_token", "client_secret", "code", "fb_exchange_token", "input_token", "verify_token"}


def _redacted(params: dict[str, Any]) -> dict[str, Any]:
    return {
        k: ("***" if k in SECRET_PARAMS else v.summary() if isinstance(v, _Upload) else v) for k, v in params.items()
    }


class _Handler(FakeHandler):
    methods = ("GET", "POST", "DELETE")
    server_version = "FakeMeta/1.0"
    log_name = "fake-meta"
    content_type = JSON_CONTENT_TYPE
    serialise = staticmethod(meta_json)

    def _send(self, status: int, payload: Any, headers: dict[str, str] | None = None) -> None:
        self._send_json(status, payload, headers)

    def redact(self, line: str) -> str:
        return redact_query(line)

    def control_path(self, path: str) -> str:
        return path.rstrip("/")

    def route(self, split: SplitResult, body: bytes) -> None:
        if DIALOG_PATH_RE.match(split.path):
            write_page(self, *self.fake.login.dialog(self.command, split.query, body))
            return
        status, payload, headers = self.fake.handle_api(self.command, split.path, split.query, self.headers, body)
        self._send(status, payload, headers)

def main(argv: list[str] | None = None, *, mode: str = "page") -> int:
    name = "instagram" if mode == "instagram" else "facebook"
    parser = cli(f"python -m fakes.{name}", f"Loopback fake of Meta's Graph API and webhooks ({name})",
                 webhook="Hovor's webhook URL (/webhooks/<platform>/<account id>/)")
    parser.add_argument("--app-secret", default=DEMO_APP_SECRET)
    parser.add_argument("--verify-token", default=DEMO_VERIFY_TOKEN)
    parser.add_argument("--page-id", default=DEMO_PAGE_ID)
    parser.add_argument("--page-name", default="Acme Care")
    parser.add_argument("--access-token", default=DEMO_PAGE_TOKEN, help="the Page access token Hovor must use")
    parser.add_argument("--app-id", default=DEMO_APP_ID)
    parser.add_argument("--retry-interval", type=float, default=5.0, help="seconds between webhook retries")
    parser.add_argument("--app-name", default="Hovor", help="the app's name on the consent page")
    parser.add_argument("--redirect-uri", action="append", default=[],
                        help="a Valid OAuth Redirect URI of the app (repeatable; localhost ones are always allowed)")
    if mode == "instagram":
        parser.add_argument("--ig-user-id", default=DEMO_IG_USER_ID)
        parser.add_argument("--ig-username", default="acmecare")
    args = parser.parse_args(argv)

    fake = FakeMeta(
        args.port,
        mode=mode,
        host=args.host,
        webhook=args.webhook,
        app_secret=args.app_secret,
        verify_token=args.verify_token,
        page_id=args.page_id,
        page_name=args.page_name,
        access_token=args.access_token,
        app_id=args.app_id,
        retry_interval=args.retry_interval,
        ig_user_id=getattr(args, "ig_user_id", DEMO_IG_USER_ID),
        ig_username=getattr(args, "ig_username", "acmecare"),
        app_name=args.app_name,
        redirect_uris=args.redirect_uri,
        verbose=args.verbose,
    ).start()

    def verify_in_background(stop: threading.Event) -> None:
        if not fake.webhook:
            return

        # Meta verifies the callback when the subscription is saved; Hovor may still be starting,
        # so a failed check is retried quietly (--verbose prints each one) and the result printed once.
        def verify_until_ok() -> None:
            while not stop.is_set() and not fake.verified:
                result = fake.verify_webhook()
                if result.get("verified") or fake.verbose:
                    print(f"FAKE_{name.upper()}_VERIFY {json.dumps(result)}", flush=True)
                if result.get("verified"):
                    return
                stop.wait(2.0)

        threading.Thread(target=verify_until_ok, daemon=True).start()

    return run_until_signalled(fake, f"FAKE_{name.upper()}_READY", then=verify_in_background)


if __name__ == "__main__":
    sys.exit(main())
