"""The fake X server: its state, the API v2, OAuth 1.0a and app-only auth, the Account
Activity webhooks, the control plane, the HTTP handler and the command line."""

from __future__ import annotations

import base64
import bisect
import collections
import hashlib
import hmac
import html
import json
import queue
import random
import re
import secrets
import sys
import threading
import time
import unicodedata
import urllib.error
import urllib.request
from http.server import ThreadingHTTPServer
from typing import Any, Self
from urllib.parse import SplitResult, parse_qs, unquote, urlencode, urlsplit

from oauthlib.oauth1.rfc5849 import signature as oauth_signature
from oauthlib.oauth1.rfc5849 import utils as oauth_utils
from twitter_text import parse_tweet

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
from fakes.x.search import SearchQuery
from fakes.x.wire import (
    _CRC_OPENER,
    APP_ONLY,
    APP_ONLY_BODY,
    CANONICAL_BASE,
    CHUNKED_CATEGORIES,
    CRC_GRACE,
    CRC_INTERVAL,
    CRC_TIMEOUT,
    DAY_LIMITS,
    DEMO_ACCESS_TOKEN,
    DEMO_ACCESS_TOKEN_SECRET,
    DEMO_BEARER_TOKEN,
    DEMO_CONSUMER_KEY,
    DEMO_CONSUMER_SECRET,
    DM_EVENT_FIELDS,
    DM_EVENT_TYPES,
    DM_FORBIDDEN_BODY,
    DM_LOOKBACK,
    DM_MAX_LENGTH,
    DUPLICATE_BODY,
    ENDPOINT_LIMITS,
    FAKE_APP_ID,
    FIRST_TWEET_ID,
    FIRST_USER_ID,
    FORM_CONTENT_TYPE,
    FULL_TWEET_ORDER,
    HTML_CONTENT_TYPE,
    INBOUND_KINDS,
    INVALID_VERIFIER_TEXT,
    JSON_CONTENT_TYPE,
    MEDIA_CATEGORIES,
    MEDIA_EXPIRES_AFTER,
    MEDIA_GIF_MAX_BYTES,
    MEDIA_IMAGE_MAX_BYTES,
    MEDIA_PER_POST,
    MENTIONS_REACHABLE,
    NOTE_TWEET_OVER,
    NUMERIC_ID_RE,
    OAUTH_SECRET_IN_URL,
    OPTIONAL_TWEET_FIELDS,
    SEARCH_LOOKBACK,
    SEARCH_QUERY_MAX,
    TOO_MANY_REQUESTS_BODY,
    UNAUTHORIZED_BODY,
    UNSUPPORTED_AUTH_BODY,
    USER_CONTEXT_ONLY,
    USER_TWEETS_REACHABLE,
    USERNAME_MENTION_RE,
    V1_BAD_CREDENTIALS,
    V1_CALLBACK_NOT_APPROVED,
    V1_INVALID_TOKEN,
    V1_MISSING_GRANT_TYPE,
    V1_NOT_AUTHENTICATED,
    V1_OOB_ONLY,
    V1_SERVER_ERRORS,
    WEBHOOK_LIMIT,
    WEBHOOK_URL_MAX,
    WINDOW_15MIN,
    WINDOW_24H,
    FakeXError,
    _CrcPending,
    _page,
    _v1,
    _Window,
    dm_conversation_key,
    guess_lang,
    html_escape,
    invalid_request,
    is_loopback_host,
    iso_ms,
    not_found,
    parse_iso,
    problem_body,
    sniff_image,
    v1_time,
    webhook_problem,
)


def _cut_weighted(text: str, limit: int) -> str:
    """The longest start of `text` that fits `limit` weighted characters (X's cut of a long
    post's `text`)."""
    low, high = 0, len(text)
    while low < high:
        middle = (low + high + 1) // 2
        if parse_tweet(text[:middle]).weightedLength <= limit:
            low = middle
        else:
            high = middle - 1
    return text[:low]

class FakeX(FakeServer):
    """In-process fake X API v2 server. ``start()`` serves on 127.0.0.1 in a daemon thread."""

    def __init__(
        self,
        port: int = 0,
        *,
        brand_handle: str = "AcmeCare",
        brand_id: str = "1000000000000000001",
        brand_name: str = "Acme Care",
        consumer_key: str = DEMO_CONSUMER_KEY,
        consumer_secret: str = DEMO_CONSUMER_SECRET,
        access_token: str = DEMO_ACCESS_TOKEN,
        access_token_secret: str = DEMO_ACCESS_TOKEN_SECRET,
        bearer_token: str = DEMO_BEARER_TOKEN,
        rate_limit_scale: float = 1.0,
        host: str = "127.0.0.1",
        verbose: bool = False,
        seed: int = 20261123,
        mentions_reachable: int = MENTIONS_REACHABLE,
        webhook_url: str | None = None,
        app_name: str = "Hovor",
        allowed_callbacks: list[str] | None = None,
        webhook_limit: int = WEBHOOK_LIMIT,
        crc_interval: float = CRC_INTERVAL,
        crc_grace: float = CRC_GRACE,
        media_processing_checks: int = 0,
    ) -> None:
        self.host = host
        self.port = int(port)
        self.brand_handle = brand_handle.lstrip("@")
        self.brand_id = str(brand_id)
        self.brand_name = brand_name
        self.consumer_key = consumer_key
        self.consumer_secret = consumer_secret
        self.access_token = access_token
        self.access_token_secret = access_token_secret
        self.bearer_token = bearer_token
        self.rate_limit_scale = float(rate_limit_scale)
        self.verbose = verbose
        self.mentions_reachable = int(mentions_reachable)
        # How many STATUS polls a finalized chunked upload answers "in_progress" before it has
        # "succeeded" (0: ready at finalize, with no processing_info).
        self.media_processing_checks = int(media_processing_checks)

        self._lock = threading.RLock()
        self._random = random.Random(seed)
        self._last_tweet_id = FIRST_TWEET_ID - 1
        self._next_user_id = FIRST_USER_ID
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._token_key = hashlib.sha256(f"fake-x:{seed}".encode()).digest()
        # Account Activity push: deliveries go out in order from one worker thread.
        self._webhook_url: str | None = webhook_url or None
        self._webhook_valid = False
        self._push_queue: queue.Queue[dict[str, Any] | str | None] = queue.Queue()
        self._push_thread: threading.Thread | None = None
        # "Connect with X" and the V2 Webhooks API: app configuration and authorisations, which
        # reset() keeps (it forgets content, not setup).
        self.app_name = app_name
        self.allowed_callbacks = list(allowed_callbacks) if allowed_callbacks is not None else None
        self.webhook_limit = int(webhook_limit)
        self.crc_interval = float(crc_interval)
        self.crc_grace = float(crc_grace)
        self._request_tokens: dict[str, dict[str, Any]] = {}
        self._issued_tokens: dict[str, str] = {}  # access token -> secret, all the brand user's
        self._issued_for_app: tuple[str, str] | None = None
        self._webhooks: dict[str, dict[str, Any]] = {}
        self._next_webhook_id = 1_870_000_000_000_000_000
        self._crc_stop = threading.Event()
        self._crc_thread: threading.Thread | None = None
        self._reset_state()

    # ------------------------------------------------------------------ lifecycle

    def start(self) -> Self:
        if self._server is not None:
            return self
        self._server, self._thread = serve(self, _Handler, self.host, self.port, "fake-x")
        self._push_thread = threading.Thread(target=self._push_worker, name="fake-x-webhook", daemon=True)
        self._push_thread.start()
        if self._webhook_url:
            self._push_queue.put("crc")  # X checks a registered URL first; deliveries queue behind it
        if self.crc_interval > 0:
            self._crc_stop.clear()
            self._crc_thread = threading.Thread(target=self._crc_timer, name="fake-x-crc", daemon=True)
            self._crc_thread.start()
        return self

    def stop(self) -> None:
        server, self._server = self._server, None
        if server is None:
            return
        server.shutdown()
        server.server_close()
        self._crc_stop.set()
        if self._crc_thread is not None:
            self._crc_thread.join(timeout=5)
            self._crc_thread = None
        if self._push_thread is not None:
            self._push_queue.put(None)
            self._push_thread.join(timeout=5)
            self._push_thread = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None


    # ------------------------------------------------------------------ state

    def _reset_state(self) -> None:
        with self._lock:
            self._users: dict[str, dict[str, str]] = {
                self.brand_id: {"id": self.brand_id, "name": self.brand_name, "username": self.brand_handle}
            }
            self._by_username: dict[str, str] = {self.brand_handle.lower(): self.brand_id}
            self._tweets: dict[int, dict[str, Any]] = {}
            self._tweet_ts: dict[int, float] = {}
            self._mentions: dict[str, list[int]] = collections.defaultdict(list)
            self._authored: dict[str, list[int]] = collections.defaultdict(list)
            self._recent_texts: dict[tuple[str, str], float] = {}
            self._outbound: list[dict[str, Any]] = []
            self._all_tweets: list[int] = []
            self._dm_events: dict[int, dict[str, Any]] = {}
            self._dm_ts: dict[int, float] = {}
            self._dm_index: list[int] = []
            self._dm_closed: set[str] = set()
            self._media: dict[str, dict[str, Any]] = {}  # media id -> what was uploaded
            self._uploads: dict[str, dict[str, Any]] = {}  # chunked uploads not yet finalized
            self._processing: dict[str, int] = {}  # media id -> STATUS answers still "in_progress"
            self._deliveries: list[dict[str, Any]] = []
            self._failures: Failures[dict[str, Any]] = Failures()
            self._windows: dict[str, _Window] = {}
            self._requests = RequestLog()

    def reset_windows(self) -> None:
        """Start every rate-limit window afresh (as if 15 minutes and a day had passed)."""
        with self._lock:
            self._windows = {}

    def reset(self) -> None:
        """Forget tweets, customer users, armed failures, rate-limit counters and the request log."""
        self._reset_state()

    def _scaled(self, limit: int) -> int:
        return max(1, int(limit * self.rate_limit_scale))

    def _window(self, key: str, limit: int, length: int) -> _Window:
        window = self._windows.get(key)
        if window is None:
            window = self._windows[key] = _Window(self._scaled(limit), length)
        return window

    def _new_tweet_id(self) -> int:
        self._last_tweet_id += self._random.randint(1 << 12, 1 << 22)
        return self._last_tweet_id

    def _ensure_user(self, author: str | int, name: str | None) -> dict[str, str]:
        raw = str(author).strip()
        if NUMERIC_ID_RE.match(raw):
            user = self._users.get(raw)
            if user is None:
                user = {"id": raw, "name": name or f"user{raw[-6:]}", "username": f"user{raw[-6:]}"}
                self._users[raw] = user
                self._by_username.setdefault(user["username"].lower(), raw)
        else:
            handle = raw.lstrip("@")
            if not re.fullmatch(r"[A-Za-z0-9_]{1,15}", handle):
                raise invalid_request(f"Invalid author handle [{raw}]")
            user_id = self._by_username.get(handle.lower())
            if user_id is None:
                user_id = str(self._next_user_id)
                self._next_user_id += 1
                user = {"id": user_id, "name": name or handle, "username": handle}
                self._users[user_id] = user
                self._by_username[handle.lower()] = user_id
            user = self._users[user_id]
        if name:
            user["name"] = name
        return user

    def _create_tweet(
        self, author_id: str, text: str, in_reply_to: str | None, created_ts: float | None
    ) -> dict[str, Any]:
        """Caller holds the lock and has validated in_reply_to."""
        tweet_id = self._new_tweet_id()
        sid = str(tweet_id)
        ts = time.time() if created_ts is None else created_ts
        tweet: dict[str, Any] = {
            "id": sid,
            "text": text,
            "author_id": author_id,
            "created_at": iso_ms(int(ts)),  # X reports whole seconds: "…:05.000Z"
            "conversation_id": sid,
            "edit_history_tweet_ids": [sid],
            "lang": guess_lang(text),
        }
        parent_author = None
        if in_reply_to is not None:
            parent = self._tweets[int(in_reply_to)]
            parent_author = parent["author_id"]
            tweet["conversation_id"] = parent["conversation_id"]
            tweet["in_reply_to_user_id"] = parent_author
            tweet["referenced_tweets"] = [{"type": "replied_to", "id": parent["id"]}]
        self._tweets[tweet_id] = tweet
        self._tweet_ts[tweet_id] = ts
        self._authored[author_id].append(tweet_id)
        mentioned = set()
        for match in USERNAME_MENTION_RE.finditer(text):
            uid = self._by_username.get(match.group(1).lower())
            if uid is not None:
                mentioned.add(uid)
        if parent_author is not None:
            mentioned.add(parent_author)
        mentioned.discard(author_id)
        for uid in mentioned:
            self._mentions[uid].append(tweet_id)
        self._all_tweets.append(tweet_id)
        self._recent_texts[(author_id, text)] = max(ts, self._recent_texts.get((author_id, text), 0.0))
        if author_id == self.brand_id or self.brand_id in mentioned:
            # Account Activity sends the subscribed user's own posts and the posts that
            # mention or reply to it (not those that only name it).
            self._push(self._aaa_tweet_body(tweet_id))
        return tweet

    def _create_dm(self, sender_id: str, recipient_id: str, text: str, created_ts: float | None) -> dict[str, Any]:
        """Caller holds the lock. A one-to-one DM between the brand and a customer."""
        event_id = self._new_tweet_id()  # one snowflake space for posts and DM events, as on X
        ts = time.time() if created_ts is None else created_ts
        event: dict[str, Any] = {
            "id": str(event_id),
            "event_type": "MessageCreate",
            "text": text,
            "sender_id": sender_id,
            "dm_conversation_id": dm_conversation_key(sender_id, recipient_id),
            "created_at": iso_ms(int(ts)),
            "recipient_id": recipient_id,  # internal: X shows it only in v1.1 shapes
        }
        self._dm_events[event_id] = event
        self._dm_ts[event_id] = ts
        self._dm_index.append(event_id)
        self._push(self._aaa_dm_body(event_id))
        return event

    def _inbound_locked(self, item: dict[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
        if not isinstance(item, dict):
            raise invalid_request("Each inbound item must be a JSON object")
        author = item.get("author")
        text = item.get("text")
        if author in (None, "") or not isinstance(author, (str, int)):
            raise invalid_request('`author` is required ("@handle" or numeric id)')
        if not isinstance(text, str):
            raise invalid_request("`text` is required")
        name = item.get("name")
        kind = item.get("kind") or "mention"
        if kind not in INBOUND_KINDS:
            raise invalid_request(f"`kind` must be one of {', '.join(INBOUND_KINDS)}")
        if kind == "dm":
            return self._inbound_dm_locked(item, author, text, name)
        in_reply_to = item.get("in_reply_to")
        if in_reply_to is not None:
            in_reply_to = str(in_reply_to)
            if not NUMERIC_ID_RE.match(in_reply_to) or int(in_reply_to) not in self._tweets:
                raise invalid_request(f"Unknown in_reply_to tweet [{in_reply_to}]")
        created_ts = None
        if item.get("created_at"):
            try:
                created_ts = parse_iso(str(item["created_at"]))
            except ValueError as exc:
                raise invalid_request(f"Invalid created_at [{item['created_at']}]") from exc
        user = self._ensure_user(author, name if isinstance(name, str) and name else None)
        self._dms_open_option(user, item)
        if kind == "mention" and in_reply_to is None:
            pattern = re.compile(
                r"(?<![A-Za-z0-9_])@" + re.escape(self.brand_handle) + r"(?![A-Za-z0-9_])", re.IGNORECASE
            )
            if not pattern.search(text):
                text = f"@{self.brand_handle} {text}"
        tweet = self._create_tweet(user["id"], text, in_reply_to, created_ts)
        return tweet, user

    def _dms_open_option(self, user: dict[str, str], item: dict[str, Any]) -> None:
        if "dms_open" in item:
            if item["dms_open"] is False:
                self._dm_closed.add(user["id"])
            else:
                self._dm_closed.discard(user["id"])

    def _inbound_dm_locked(
        self, item: dict[str, Any], author: Any, text: str, name: Any
    ) -> tuple[dict[str, Any], dict[str, str]]:
        if item.get("in_reply_to") is not None:
            raise invalid_request("`in_reply_to` is for posts; a DM belongs to its conversation")
        if not text:
            raise invalid_request("`text` is required")
        if len(text) > DM_MAX_LENGTH:
            raise invalid_request(f"DM text is longer than {DM_MAX_LENGTH} characters")
        created_ts = None
        if item.get("created_at"):
            try:
                created_ts = parse_iso(str(item["created_at"]))
            except ValueError as exc:
                raise invalid_request(f"Invalid created_at [{item['created_at']}]") from exc
        user = self._ensure_user(author, name if isinstance(name, str) and name else None)
        if user["id"] == self.brand_id:
            raise invalid_request("The brand cannot write a DM to itself")
        self._dms_open_option(user, item)
        event = self._create_dm(user["id"], self.brand_id, text, created_ts)
        return self._render_dm(event, set(DM_EVENT_FIELDS)), user

    # ------------------------------------------------------------------ in-process helpers

    def inbound(
        self,
        author: str | int,
        name: str | None = None,
        text: str = "",
        in_reply_to: str | None = None,
        kind: str = "mention",
        created_at: str | None = None,
        dms_open: bool | None = None,
    ) -> dict[str, Any]:
        """Same as POST /_fake/inbound; returns {"data": tweet or DM event, "includes": {"users": [author]}}.
        kind: "mention" (tags the brand), "tweet" (only names it, for search), "dm".
        dms_open=False: the author does not accept DMs from the brand (until they write one)."""
        item: dict[str, Any] = {"author": author, "name": name, "text": text, "kind": kind}
        if in_reply_to is not None:
            item["in_reply_to"] = in_reply_to
        if created_at is not None:
            item["created_at"] = created_at
        if dms_open is not None:
            item["dms_open"] = dms_open
        with self._lock:
            tweet, user = self._inbound_locked(item)
            return {"data": dict(tweet), "includes": {"users": [dict(user)]}}

    def inbound_bulk(self, items: list[dict[str, Any]]) -> int:
        with self._lock:
            for item in items:
                self._inbound_locked(item)
        return len(items)

    def outbound(self) -> list[dict[str, Any]]:
        """The tweets the brand posted through POST /2/tweets, oldest first."""
        with self._lock:
            return [dict(entry) for entry in self._outbound]

    def chaos_error(self, status: int, retry_after: int) -> tuple[int, Any, dict[str, str]]:
        """A storm answered as X does: its problem JSON, and for 429 the rate-limit reset."""
        headers: dict[str, str] = {}
        if status == 429:
            headers = {"x-rate-limit-limit": "1", "x-rate-limit-remaining": "0",
                       "x-rate-limit-reset": str(int(time.time() + retry_after))}
        return status, problem_body(status), headers

    def fail(
        self,
        status: int = 503,
        times: int = 1,
        path: str | None = None,
        method: str | None = None,
        reset_in: float = 2,
        mode: str | None = None,
        delay: float = 5,
    ) -> int:
        """Arm the next `times` matching /2/ calls to fail (see POST /_fake/fail)."""
        times = int(times)
        if times < 1:
            return 0
        with self._lock:
            self._failures.arm(
                {
                    "status": int(status),
                    "times": times,
                    "path": path or "/2/",
                    "method": method.upper() if method else None,
                    "reset_in": float(reset_in),
                    "mode": mode,
                    "delay": float(delay),
                }
            )
        return times


    def tweet(self, tweet_id: str) -> dict[str, Any] | None:
        with self._lock:
            found = self._tweets.get(int(tweet_id)) if NUMERIC_ID_RE.match(str(tweet_id)) else None
            return dict(found) if found else None

    # ------------------------------------------------------------------ auth

    def _authenticate(self, method: str, path: str, query: str, headers: Any, body: bytes) -> str:
        """Returns "bearer" or "oauth1"; raises 401 otherwise."""
        header = headers.get("Authorization") or ""
        if header.startswith("Bearer "):
            if hmac.compare_digest(header[len("Bearer ") :].strip(), self.bearer_token):
                return "bearer"
            raise FakeXError(401, dict(UNAUTHORIZED_BODY))
        if header.startswith("OAuth ") and self._verify_oauth1(method, path, query, header, headers, body):
            return "oauth1"
        raise FakeXError(401, dict(UNAUTHORIZED_BODY))

    def _verify_oauth1(self, method: str, path: str, query: str, header: str, headers: Any, body: bytes) -> bool:
        """User context on /2/: the app's consumer key, and an access token of the brand user
        (the configured one or one issued through "Connect with X")."""
        oauth_params = self._oauth1_params(header)
        if oauth_params is None or oauth_params.get("oauth_consumer_key") != self.consumer_key:
            return False
        token = oauth_params.get("oauth_token") or ""
        token_secret = self._user_token_secret(token)
        if token_secret is None:
            return False
        return self._oauth1_signed(method, path, query, header, headers, body, token_secret)

    def _user_token_secret(self, token: str) -> str | None:
        if token and hmac.compare_digest(token, self.access_token):
            return self.access_token_secret
        return self._issued_tokens.get(token)

    @staticmethod
    def _oauth1_params(header: str) -> dict[str, str] | None:
        if not header.startswith("OAuth "):
            return None
        try:
            return {k: oauth_utils.unescape(v) for k, v in oauth_utils.parse_authorization_header(header)}
        except (ValueError, TypeError):
            return None

    def _oauth1_signed(
        self, method: str, path: str, query: str, header: str, headers: Any, body: bytes, token_secret: str
    ) -> bool:
        """HMAC-SHA1 over the canonical https://api.twitter.com URL or the loopback one, keyed
        with the consumer secret and the token secret ("" before there is a token)."""
        oauth_params = self._oauth1_params(header)
        if oauth_params is None or oauth_params.get("oauth_signature_method", "HMAC-SHA1") != "HMAC-SHA1":
            return False
        try:
            given = oauth_params.get("oauth_signature") or ""
            form_body = None
            content_type = (headers.get("Content-Type") or "").split(";")[0].strip().lower()
            if body and content_type == FORM_CONTENT_TYPE:
                form_body = body.decode("utf-8")
            params = oauth_signature.collect_parameters(
                uri_query=query, body=form_body, headers={"Authorization": header}, exclude_oauth_signature=True
            )
            normalized = oauth_signature.normalize_parameters(params)
        except (ValueError, TypeError, UnicodeDecodeError):
            return False
        host_header = headers.get("Host") or f"{self.host}:{self.port}"
        key = f"{oauth_utils.escape(self.consumer_secret)}&{oauth_utils.escape(token_secret)}".encode()
        candidates = [CANONICAL_BASE + path, f"http://{host_header}{path}", f"http://{self.host}:{self.port}{path}"]
        for uri in dict.fromkeys(candidates):
            try:
                base = oauth_signature.signature_base_string(
                    method.upper(), oauth_signature.base_string_uri(uri), normalized
                )
            except ValueError:
                continue
            expected = base64.b64encode(hmac.new(key, base.encode("utf-8"), hashlib.sha1).digest()).decode("ascii")
            if hmac.compare_digest(expected, given):
                return True
        return False

    # ------------------------------------------------------------------ "Connect with X" (OAuth 1.0a)

    def handle_oauth(
        self, method: str, path: str, query: str, headers: Any, body: bytes
    ) -> tuple[int, str, bytes, dict[str, str]]:
        """Handle /oauth/… and /oauth2/token; returns (status, content type, body, headers)."""
        with self._lock:
            rule = self._match_failure(method, path)
            if rule is not None and rule["mode"] != "timeout_after_commit":
                status = rule["status"]
                payload = V1_SERVER_ERRORS.get(status) or {"errors": [{"code": status, "message": "Injected failure"}]}
                answer: tuple[int, str, bytes, dict[str, str]] = (status, JSON_CONTENT_TYPE, _v1(payload), {})
            elif method == "POST" and path == "/oauth/request_token":
                answer = self._request_token(method, path, query, headers, body)
            elif method == "GET" and path == "/oauth/authorize":
                answer = self._authorize_page(parse_qs(query).get("oauth_token", [""])[-1])
            elif method == "POST" and path == "/oauth/authorize":
                answer = self._authorize_decision(body)
            elif method == "POST" and path == "/oauth/access_token":
                answer = self._access_token(method, path, query, headers, body)
            elif method == "POST" and path == "/oauth2/token":
                answer = self._app_bearer_token(headers, body)
            else:
                err = not_found(f"No route matches {method} {path}")
                answer = (err.status, JSON_CONTENT_TYPE, _v1(err.body), {})
            # Never the tokens or verifiers themselves in the log.
            self._requests.append(
                {"method": method, "path": path, "query": {}, "status": answer[0], "at": iso_ms(time.time())}
            )
        return answer

    def _request_token(
        self, method: str, path: str, query: str, headers: Any, body: bytes
    ) -> tuple[int, str, bytes, dict[str, str]]:
        header = headers.get("Authorization") or ""
        oauth_params = self._oauth1_params(header)
        if (
            oauth_params is None
            or oauth_params.get("oauth_consumer_key") != self.consumer_key
            or not self._oauth1_signed(method, path, query, header, headers, body, "")
        ):
            return 401, JSON_CONTENT_TYPE, _v1(V1_NOT_AUTHENTICATED), {}
        callback = oauth_params.get("oauth_callback") or parse_qs(query).get("oauth_callback", [""])[-1]
        if not callback:
            return 401, JSON_CONTENT_TYPE, _v1(V1_OOB_ONLY), {}
        if callback != "oob" and self.allowed_callbacks is not None and callback not in self.allowed_callbacks:
            return 403, JSON_CONTENT_TYPE, _v1(V1_CALLBACK_NOT_APPROVED), {}
        token = secrets.token_urlsafe(24)
        secret = secrets.token_urlsafe(30)
        self._request_tokens[token] = {
            "secret": secret,
            "callback": callback,
            "verifier": None,
            "authenticity": secrets.token_urlsafe(16),
        }
        answer = urlencode({"oauth_token": token, "oauth_token_secret": secret, "oauth_callback_confirmed": "true"})
        return 200, FORM_CONTENT_TYPE, answer.encode(), {}

    def _authorize_page(self, token: str) -> tuple[int, str, bytes, dict[str, str]]:
        pending = self._request_tokens.get(token)
        if pending is None or pending["verifier"] is not None:
            return (
                200,
                HTML_CONTENT_TYPE,
                _page(
                    "X / Error",
                    "<h1>Whoa there!</h1><p>There is no request token for this page. That's the special key we "
                    "need from applications asking to use your X account. Please go back to the site or "
                    "application that sent you here and try again; it was probably just a mistake.</p>",
                ),
                {},
            )
        brand = self._users[self.brand_id]
        app = html.escape(self.app_name)
        body = (
            f"<h1>Authorize {app} to access your account?</h1>"
            f'<p class="account">Signed in as <strong>{html.escape(brand["name"])}</strong> '
            f'<span class="handle">@{html.escape(brand["username"])}</span></p>'
            f"<p>This application will be able to read posts from your timeline, see your Direct Messages, "
            f"post and send Direct Messages for you.</p>"
            f'<form id="oauth_form" action="/oauth/authorize" method="post">'
            f'<input type="hidden" name="authenticity_token" value="{html.escape(pending["authenticity"])}">'
            f'<input type="hidden" name="oauth_token" value="{html.escape(token)}">'
            f'<input type="submit" id="allow" name="allow" value="Authorize app">'
            f'<input type="submit" id="cancel" name="cancel" value="Cancel">'
            f"</form>"
        )
        return 200, HTML_CONTENT_TYPE, _page(f"X / Authorize {self.app_name}", body), {}

    def _authorize_decision(self, body: bytes) -> tuple[int, str, bytes, dict[str, str]]:
        form = {k: v[-1] for k, v in parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True).items()}
        token = form.get("oauth_token", "")
        pending = self._request_tokens.get(token)
        if pending is None or pending["verifier"] is not None:
            return self._authorize_page("")
        if not hmac.compare_digest(form.get("authenticity_token", ""), pending["authenticity"]):
            return 403, HTML_CONTENT_TYPE, _page("X / Error", "<h1>Forbidden</h1>"), {}
        if "cancel" in form:
            del self._request_tokens[token]
            query: dict[str, str] = {"denied": token}
        elif "allow" in form:
            verifier = secrets.token_urlsafe(24)
            pending["verifier"] = verifier
            query = {"oauth_token": token, "oauth_verifier": verifier}
        else:
            return 400, HTML_CONTENT_TYPE, _page("X / Error", "<h1>Choose Authorize app or Cancel</h1>"), {}
        callback = pending["callback"]
        if callback == "oob":
            pin = html.escape(pending["verifier"] or "")
            text = f'<p>Enter this PIN: <code id="oauth_pin">{pin}</code></p>' if pin else "<p>Not authorized.</p>"
            return 200, HTML_CONTENT_TYPE, _page("X / Authorize", text), {}
        location = callback + ("&" if "?" in callback else "?") + urlencode(query)
        return (
            302,
            HTML_CONTENT_TYPE,
            _page("Redirecting", "<p>Redirecting you back to the application.</p>"),
            {"Location": location},
        )

    def _access_token(
        self, method: str, path: str, query: str, headers: Any, body: bytes
    ) -> tuple[int, str, bytes, dict[str, str]]:
        header = headers.get("Authorization") or ""
        oauth_params = self._oauth1_params(header)
        if oauth_params is None or oauth_params.get("oauth_consumer_key") != self.consumer_key:
            return 401, JSON_CONTENT_TYPE, _v1(V1_NOT_AUTHENTICATED), {}
        token = oauth_params.get("oauth_token") or ""
        pending = self._request_tokens.get(token)
        if pending is None:
            return 401, JSON_CONTENT_TYPE, _v1(V1_INVALID_TOKEN), {}
        if not self._oauth1_signed(method, path, query, header, headers, body, pending["secret"]):
            return 401, JSON_CONTENT_TYPE, _v1(V1_NOT_AUTHENTICATED), {}
        given = oauth_params.get("oauth_verifier") or parse_qs(query).get("oauth_verifier", [""])[-1]
        if pending["verifier"] is None or not hmac.compare_digest(given, pending["verifier"]):
            return 401, "text/plain; charset=utf-8", INVALID_VERIFIER_TEXT.encode(), {}
        del self._request_tokens[token]  # a request token and its verifier serve once
        if self._issued_for_app is None:
            access = f"{self.brand_id}-{secrets.token_urlsafe(30)}"
            self._issued_for_app = (access, secrets.token_urlsafe(33))
            self._issued_tokens[access] = self._issued_for_app[1]
        access, access_secret = self._issued_for_app
        answer = urlencode(
            {
                "oauth_token": access,
                "oauth_token_secret": access_secret,
                "user_id": self.brand_id,
                "screen_name": self.brand_handle,
            }
        )
        return 200, FORM_CONTENT_TYPE, answer.encode(), {}

    def _app_bearer_token(self, headers: Any, body: bytes) -> tuple[int, str, bytes, dict[str, str]]:
        """POST /oauth2/token: the app's bearer token for its (URL-encoded) key and secret."""
        header = headers.get("Authorization") or ""
        key = secret = ""
        if header.startswith("Basic "):
            try:
                decoded = base64.b64decode(header[len("Basic ") :].strip(), validate=True).decode("utf-8")
                raw_key, _, raw_secret = decoded.partition(":")
                key, secret = unquote(raw_key), unquote(raw_secret)
            except (ValueError, UnicodeDecodeError):
                key = secret = ""
        if not (
            key and hmac.compare_digest(key, self.consumer_key) and hmac.compare_digest(secret, self.consumer_secret)
        ):
            return 403, JSON_CONTENT_TYPE, _v1(V1_BAD_CREDENTIALS), {}
        form = parse_qs(body.decode("utf-8", "replace"))
        if form.get("grant_type", [""])[-1] != "client_credentials":
            return 403, JSON_CONTENT_TYPE, _v1(V1_MISSING_GRANT_TYPE), {}
        return 200, JSON_CONTENT_TYPE, _v1({"token_type": "bearer", "access_token": self.bearer_token}), {}

    # ------------------------------------------------------------------ rate limits

    def _rate_headers(self, endpoint: str) -> dict[str, str]:
        window = self._window(endpoint, ENDPOINT_LIMITS[endpoint], WINDOW_15MIN)
        window.roll(time.time())
        headers = {
            "x-rate-limit-limit": str(window.limit),
            "x-rate-limit-remaining": str(window.remaining),
            "x-rate-limit-reset": str(window.reset_at),
        }
        if endpoint in DAY_LIMITS:
            day = self._window(f"{endpoint}_24h", DAY_LIMITS[endpoint], WINDOW_24H)
            day.roll(time.time())
            headers.update(
                {
                    "x-user-limit-24hour-limit": str(day.limit),
                    "x-user-limit-24hour-remaining": str(day.remaining),
                    "x-user-limit-24hour-reset": str(day.reset_at),
                }
            )
        return headers

    def _consume(self, endpoint: str) -> dict[str, str]:
        now = time.time()
        window = self._window(endpoint, ENDPOINT_LIMITS[endpoint], WINDOW_15MIN)
        window.roll(now)
        day = None
        if endpoint in DAY_LIMITS:
            day = self._window(f"{endpoint}_24h", DAY_LIMITS[endpoint], WINDOW_24H)
            day.roll(now)
        if window.remaining <= 0 or (day is not None and day.remaining <= 0):
            raise FakeXError(429, dict(TOO_MANY_REQUESTS_BODY), self._rate_headers(endpoint))
        window.used += 1
        if day is not None:
            day.used += 1
        return self._rate_headers(endpoint)

    # ------------------------------------------------------------------ paging helpers

    def _encode_token(self, kind: str, position: int) -> str:
        raw = position.to_bytes(8, "big")
        mac = hmac.new(self._token_key, kind.encode() + raw, hashlib.sha256).digest()[:7]
        return base64.b32encode(raw + mac).decode().lower().rstrip("=")

    def _decode_token(self, kind: str, token: str) -> int:
        try:
            padded = token.upper() + "=" * (-len(token) % 8)
            blob = base64.b32decode(padded)
        except (ValueError, TypeError) as exc:
            raise invalid_request(
                f"The `pagination_token` query parameter value [{token}] is not valid",
                {"pagination_token": [token]},
            ) from exc
        raw, mac = blob[:8], blob[8:]
        expected = hmac.new(self._token_key, kind.encode() + raw, hashlib.sha256).digest()[:7]
        if len(blob) != 15 or not hmac.compare_digest(mac, expected):
            raise invalid_request(
                f"The `pagination_token` query parameter value [{token}] is not valid",
                {"pagination_token": [token]},
            )
        return int.from_bytes(raw, "big")

    @staticmethod
    def _single(params: dict[str, list[str]], name: str) -> str | None:
        values = params.get(name)
        if not values:
            return None
        return values[-1]

    @staticmethod
    def _csv(params: dict[str, list[str]], name: str) -> list[str]:
        out: list[str] = []
        for value in params.get(name, []):
            out.extend(part.strip() for part in value.split(",") if part.strip())
        return out

    def _id_param(self, params: dict[str, list[str]], name: str) -> int | None:
        value = self._single(params, name)
        if value is None:
            return None
        if not NUMERIC_ID_RE.match(value):
            raise invalid_request(
                f"The `{name}` query parameter value [{value}] does not match ^[0-9]{{1,19}}$", {name: [value]}
            )
        return int(value)

    def _time_param(self, params: dict[str, list[str]], name: str) -> float | None:
        value = self._single(params, name)
        if value is None:
            return None
        try:
            return parse_iso(value)
        except ValueError as exc:
            raise invalid_request(
                f"Invalid '{name}':'{value}'. '{name}' must be a valid ISO 8601 date", {name: [value]}
            ) from exc

    def _render_tweet(self, tweet: dict[str, Any], fields: set[str]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        long_post = parse_tweet(tweet["text"]).weightedLength > NOTE_TWEET_OVER
        for key in FULL_TWEET_ORDER:
            if key == "note_tweet" and long_post and key in fields:
                out[key] = {"text": html_escape(tweet["text"])}
                continue
            if key not in tweet:
                continue
            if key == "text" and long_post:
                out[key] = html_escape(_cut_weighted(tweet["text"], NOTE_TWEET_OVER))
                continue
            if key in ("id", "text", "edit_history_tweet_ids") or key in fields:
                value = tweet[key]
                if key == "text":
                    # X's v2 API returns tweet text with &, < and > as HTML entities.
                    value = value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
                elif key == "referenced_tweets":
                    value = [dict(ref) for ref in value]
                elif isinstance(value, list):
                    value = list(value)
                out[key] = value
        return out

    def _max_results(self, params: dict[str, list[str]], low: int, high: int, default: int) -> int:
        max_raw = self._single(params, "max_results")
        if max_raw is None:
            return default
        try:
            value = int(max_raw)
        except ValueError:
            value = -1
        if not low <= value <= high:
            raise invalid_request(
                f"The `max_results` query parameter value [{max_raw}] is not between {low} and {high}",
                {"max_results": [max_raw]},
            )
        return value

    def _select(
        self,
        kind: str,
        index: list[int],
        stamps: dict[int, float],
        params: dict[str, list[str]],
        *,
        max_results: int,
        reachable: int,
        token_param: tuple[str, ...] = ("pagination_token",),
        since_until: bool = True,
        keep: Any = None,
    ) -> tuple[list[int], bool]:
        """Newest-first selection over an ascending id index: since_id/until_id/start_time/
        end_time, a signed pagination token, and an optional predicate. Returns (ids, more)."""
        since_id = self._id_param(params, "since_id") if since_until else None
        until_id = self._id_param(params, "until_id") if since_until else None
        start_ts = self._time_param(params, "start_time") if since_until else None
        end_ts = self._time_param(params, "end_time") if since_until else None
        token = None
        for name in token_param:
            token = token or self._single(params, name)
        token_pos = self._decode_token(kind, token) if token else None
        lo = max(0, len(index) - reachable)
        if since_id is not None:
            lo = max(lo, bisect.bisect_right(index, since_id))
        hi = len(index)
        if until_id is not None:
            hi = min(hi, bisect.bisect_left(index, until_id))
        if token_pos is not None:
            hi = min(hi, bisect.bisect_left(index, token_pos))
        picked: list[int] = []
        more = False
        i = hi - 1
        while i >= lo:
            item_id = index[i]
            ts = stamps[item_id]
            i -= 1
            if start_ts is not None and ts < start_ts:
                continue
            if end_ts is not None and ts >= end_ts:
                continue
            if keep is not None and not keep(item_id):
                continue
            if len(picked) == max_results:
                more = True
                break
            picked.append(item_id)
        return picked, more

    def _tweets_page(self, kind: str, picked: list[int], more: bool, params: dict[str, list[str]]) -> dict[str, Any]:
        if not picked:
            return {"meta": {"result_count": 0}}
        expansions = set(self._csv(params, "expansions"))
        fields = set(self._csv(params, "tweet.fields")) & set(OPTIONAL_TWEET_FIELDS)
        tweets = [self._tweets[tid] for tid in picked]
        response: dict[str, Any] = {"data": [self._render_tweet(t, fields) for t in tweets]}
        includes: dict[str, list[dict[str, Any]]] = {}
        user_ids: list[str] = []
        if "author_id" in expansions:
            user_ids.extend(t["author_id"] for t in tweets)
        if "in_reply_to_user_id" in expansions:
            user_ids.extend(t["in_reply_to_user_id"] for t in tweets if "in_reply_to_user_id" in t)
        referenced: list[dict[str, Any]] = []
        if "referenced_tweets.id" in expansions:
            seen_refs: set[str] = set()
            for t in tweets:
                for ref in t.get("referenced_tweets", []):
                    target = self._tweets.get(int(ref["id"]))
                    if target is not None and ref["id"] not in seen_refs:
                        seen_refs.add(ref["id"])
                        referenced.append(target)
        users = [self._users[uid] for uid in dict.fromkeys(user_ids) if uid in self._users]
        if users:
            includes["users"] = [dict(u) for u in users]
        if referenced:
            includes["tweets"] = [self._render_tweet(t, fields) for t in referenced]
        if includes:
            response["includes"] = includes
        meta: dict[str, Any] = {
            "result_count": len(picked),
            "newest_id": str(picked[0]),
            "oldest_id": str(picked[-1]),
        }
        if more:
            meta["next_token"] = self._encode_token(kind, picked[-1])
        response["meta"] = meta
        return response

    def _timeline(self, kind: str, user_id: str, params: dict[str, list[str]]) -> dict[str, Any]:
        max_results = self._max_results(params, 5, 100, 10)
        index = self._mentions.get(user_id, []) if kind == "mentions" else self._authored.get(user_id, [])
        reachable = self.mentions_reachable if kind == "mentions" else USER_TWEETS_REACHABLE
        picked, more = self._select(kind, index, self._tweet_ts, params, max_results=max_results, reachable=reachable)
        return self._tweets_page(kind, picked, more, params)

    # ------------------------------------------------------------------ recent search

    def _search(self, params: dict[str, list[str]]) -> dict[str, Any]:
        query = self._single(params, "query")
        if query is None or not query.strip():
            raise invalid_request("The `query` query parameter can not be empty", {"query": [query or ""]})
        if len(query) > SEARCH_QUERY_MAX:
            raise invalid_request(
                f"The `query` query parameter value is longer than {SEARCH_QUERY_MAX} characters", {"query": [query]}
            )
        matcher = SearchQuery.compile(query)
        max_results = self._max_results(params, 10, 100, 10)
        oldest = time.time() - SEARCH_LOOKBACK

        def keep(tweet_id: int) -> bool:
            if self._tweet_ts[tweet_id] < oldest:
                return False
            tweet = self._tweets[tweet_id]
            return matcher.matches(tweet, self._users.get(tweet["author_id"], {}), self)

        picked, more = self._select(
            "search",
            self._all_tweets,
            self._tweet_ts,
            params,
            max_results=max_results,
            reachable=len(self._all_tweets),
            token_param=("next_token", "pagination_token"),
            keep=keep,
        )
        return self._tweets_page("search", picked, more, params)

    # ------------------------------------------------------------------ direct messages

    def _render_dm(self, event: dict[str, Any], fields: set[str]) -> dict[str, Any]:
        out: dict[str, Any] = {"id": event["id"], "event_type": event["event_type"]}
        if event["event_type"] == "MessageCreate":
            out["text"] = html_escape(event["text"])
        for key in ("created_at", "sender_id", "dm_conversation_id"):
            if key in fields:
                out[key] = event[key]
        return out

    def _dm_lookup(self, params: dict[str, list[str]], participant_id: str | None) -> dict[str, Any]:
        fields = self._csv(params, "dm_event.fields")
        bad = [f for f in fields if f not in DM_EVENT_FIELDS]
        if bad:
            raise invalid_request(
                f"The `dm_event.fields` query parameter value [{bad[0]}] is not one of [{','.join(DM_EVENT_FIELDS)}]",
                {"dm_event.fields": [bad[0]]},
            )
        types = self._csv(params, "event_types") or list(DM_EVENT_TYPES)
        wrong = [t for t in types if t not in DM_EVENT_TYPES]
        if wrong:
            raise invalid_request(
                f"The `event_types` query parameter value [{wrong[0]}] is not one of [{','.join(DM_EVENT_TYPES)}]",
                {"event_types": [wrong[0]]},
            )
        conversation = None
        kind = "dm_events"
        if participant_id is not None:
            if not NUMERIC_ID_RE.match(participant_id):
                raise invalid_request(
                    f"The `participant_id` query parameter value [{participant_id}] does not match ^[0-9]{{1,19}}$",
                    {"participant_id": [participant_id]},
                )
            conversation = dm_conversation_key(self.brand_id, participant_id)
            kind = f"dm_with_{participant_id}"
        max_results = self._max_results(params, 1, 100, 100)
        oldest = time.time() - DM_LOOKBACK

        def keep(event_id: int) -> bool:
            event = self._dm_events[event_id]
            if self._dm_ts[event_id] < oldest or event["event_type"] not in types:
                return False
            return conversation is None or event["dm_conversation_id"] == conversation

        picked, more = self._select(
            kind,
            self._dm_index,
            self._dm_ts,
            params,
            max_results=max_results,
            reachable=len(self._dm_index),
            since_until=False,  # X's DM lookup has no since_id/until_id
            keep=keep,
        )
        if not picked:
            return {"meta": {"result_count": 0}}
        events = [self._dm_events[i] for i in picked]
        response: dict[str, Any] = {"data": [self._render_dm(e, set(fields)) for e in events]}
        expansions = set(self._csv(params, "expansions"))
        if "sender_id" in expansions:
            senders = [self._users[e["sender_id"]] for e in events if e["sender_id"] in self._users]
            unique = {u["id"]: dict(u) for u in senders}
            if unique:
                response["includes"] = {"users": list(unique.values())}
        meta: dict[str, Any] = {"result_count": len(picked)}
        if more:
            meta["next_token"] = self._encode_token(kind, picked[-1])
        response["meta"] = meta
        return response

    def _post_dm(self, participant_id: str, body: bytes) -> tuple[int, dict[str, Any]]:
        if not NUMERIC_ID_RE.match(participant_id):
            raise invalid_request(
                f"The `participant_id` path parameter value [{participant_id}] does not match ^[0-9]{{1,19}}$",
                {"participant_id": [participant_id]},
            )
        try:
            data = json.loads(body.decode("utf-8")) if body else None
        except (ValueError, UnicodeDecodeError) as exc:
            raise invalid_request("Request body is not valid JSON") from exc
        if not isinstance(data, dict):
            raise invalid_request("Request body must be a JSON object")
        text = data.get("text")
        media = self._dm_media(data.get("attachments"))
        if not media and (not isinstance(text, str) or not text):
            raise invalid_request("$.text: is missing but it is required")
        if text is None:
            text = ""
        if not isinstance(text, str):
            raise invalid_request("$.text: string expected")
        if len(text) > DM_MAX_LENGTH:
            raise invalid_request(f"$.text: must be at most {DM_MAX_LENGTH} characters long")
        if participant_id == self.brand_id:
            raise invalid_request("You cannot send a direct message to yourself")
        if participant_id not in self._users:
            raise invalid_request(f"Could not find user with participant_id: [{participant_id}]")
        conversation = dm_conversation_key(self.brand_id, participant_id)
        wrote_first = any(
            e["dm_conversation_id"] == conversation and e["sender_id"] == participant_id
            for e in self._dm_events.values()
        )
        if participant_id in self._dm_closed and not wrote_first:
            raise FakeXError(403, dict(DM_FORBIDDEN_BODY))
        event = self._create_dm(self.brand_id, participant_id, text, None)
        if media:
            event["attachments"] = {"media_keys": [m["media_key"] for m in media]}
        self._outbound.append(
            {
                "kind": "dm",
                "id": event["id"],
                "dm_event_id": event["id"],
                "dm_conversation_id": event["dm_conversation_id"],
                "participant_id": participant_id,
                "text": text,
                "media": media,
                "created_at": event["created_at"],
                "auth": "oauth1",
            }
        )
        return 201, {"data": {"dm_conversation_id": event["dm_conversation_id"], "dm_event_id": event["id"]}}

    # ------------------------------------------------------------------ Account Activity API

    def _v1_user(self, user_id: str) -> dict[str, Any]:
        user = self._users[user_id]
        return {
            "id": int(user_id),
            "id_str": user_id,
            "name": user["name"],
            "screen_name": user["username"],
            "location": None,
            "url": None,
            "description": None,
            "protected": False,
            "verified": False,
            "followers_count": 0,
            "friends_count": 0,
            "listed_count": 0,
            "favourites_count": 0,
            "statuses_count": len(self._authored.get(user_id, [])),
            "created_at": v1_time(1_262_304_000),
            "profile_image_url_https": "https://abs.twimg.com/sticky/default_profile_images/default_profile_normal.png",
            "default_profile": True,
            "default_profile_image": True,
        }

    def _v1_entities(self, text: str) -> dict[str, Any]:
        mentions = []
        for match in USERNAME_MENTION_RE.finditer(text):
            uid = self._by_username.get(match.group(1).lower())
            if uid is None:
                continue
            user = self._users[uid]
            mentions.append(
                {
                    "screen_name": user["username"],
                    "name": user["name"],
                    "id": int(uid),
                    "id_str": uid,
                    "indices": [match.start(), match.end()],
                }
            )
        return {"hashtags": [], "urls": [], "user_mentions": mentions, "symbols": []}

    def _v1_tweet(self, tweet_id: int) -> dict[str, Any]:
        tweet = self._tweets[tweet_id]
        ts = self._tweet_ts[tweet_id]
        text = html_escape(tweet["text"])
        parent_id = next((r["id"] for r in tweet.get("referenced_tweets", []) if r["type"] == "replied_to"), None)
        parent_user = self._users.get(tweet.get("in_reply_to_user_id", ""), {})
        obj: dict[str, Any] = {
            "created_at": v1_time(ts),
            "id": tweet_id,
            "id_str": tweet["id"],
            "text": text,
            "source": '<a href="https://mobile.twitter.com" rel="nofollow">Twitter Web App</a>',
            "truncated": False,
            "in_reply_to_status_id": int(parent_id) if parent_id else None,
            "in_reply_to_status_id_str": parent_id,
            "in_reply_to_user_id": int(parent_user["id"]) if parent_user else None,
            "in_reply_to_user_id_str": parent_user.get("id"),
            "in_reply_to_screen_name": parent_user.get("username"),
            "user": self._v1_user(tweet["author_id"]),
            "geo": None,
            "coordinates": None,
            "place": None,
            "contributors": None,
            "is_quote_status": False,
            "quote_count": 0,
            "reply_count": 0,
            "retweet_count": 0,
            "favorite_count": 0,
            "entities": self._v1_entities(tweet["text"]),
            "favorited": False,
            "retweeted": False,
            "filter_level": "low",
            "lang": tweet["lang"],
            "timestamp_ms": str(int(ts * 1000)),
        }
        if parse_tweet(tweet["text"]).weightedLength > NOTE_TWEET_OVER:
            obj["note_tweet"] = {"text": text}  # account activity names long posts like v2
        if parse_tweet(tweet["text"]).weightedLength > 140:
            # Compatibility mode: text cut to fit 140 with a link; the whole post in extended_tweet.
            link = f"https://t.co/{hashlib.sha256(tweet['id'].encode()).hexdigest()[:10]}"
            obj["text"] = html_escape(tweet["text"][:113].rstrip()) + "\u2026 " + link
            obj["truncated"] = True
            obj["extended_tweet"] = {
                "full_text": text,
                "display_text_range": [0, len(tweet["text"])],
                "entities": obj["entities"],
            }
            end = len(obj["text"])
            obj["entities"] = {
                "hashtags": [],
                "urls": [{"url": link, "indices": [end - 23, end]}],
                "user_mentions": [],
                "symbols": [],
            }
        return obj

    def _aaa_tweet_body(self, tweet_id: int) -> dict[str, Any]:
        tweet = self._tweets[tweet_id]
        body: dict[str, Any] = {"for_user_id": self.brand_id}
        if tweet["author_id"] != self.brand_id:
            body["user_has_blocked"] = "false"  # as in X's documented mention example
        body["tweet_create_events"] = [self._v1_tweet(tweet_id)]
        return body

    def _v1_dm_user(self, user_id: str) -> dict[str, Any]:
        user = self._users[user_id]
        return {
            "id": user_id,
            "created_timestamp": "1262304000000",
            "name": user["name"],
            "screen_name": user["username"],
            "protected": False,
            "verified": False,
            "followers_count": 0,
            "friends_count": 0,
            "statuses_count": len(self._authored.get(user_id, [])),
            "profile_image_url": "http://abs.twimg.com/sticky/default_profile_images/default_profile_normal.png",
            "profile_image_url_https": "https://abs.twimg.com/sticky/default_profile_images/default_profile_normal.png",
        }

    def _aaa_dm_body(self, event_id: int) -> dict[str, Any]:
        event = self._dm_events[event_id]
        create: dict[str, Any] = {
            "target": {"recipient_id": event["recipient_id"]},
            "sender_id": event["sender_id"],
        }
        own = event["sender_id"] == self.brand_id
        if own:
            create["source_app_id"] = FAKE_APP_ID
        create["message_data"] = {
            "text": html_escape(event["text"]),
            "entities": {"hashtags": [], "symbols": [], "user_mentions": [], "urls": []},
        }
        body: dict[str, Any] = {
            "for_user_id": self.brand_id,
            "direct_message_events": [
                {
                    "type": "message_create",
                    "id": event["id"],
                    "created_timestamp": str(int(self._dm_ts[event_id] * 1000)),
                    "message_create": create,
                }
            ],
        }
        if own:
            body["apps"] = {FAKE_APP_ID: {"id": FAKE_APP_ID, "name": "Hovor", "url": "https://hovor.example"}}
        body["users"] = {uid: self._v1_dm_user(uid) for uid in (event["sender_id"], event["recipient_id"])}
        return body

    def aaa_body(self, platform_id: str) -> dict[str, Any]:
        """The Account Activity delivery X sends for this post or DM event."""
        with self._lock:
            key = int(platform_id) if NUMERIC_ID_RE.match(str(platform_id)) else -1
            if key in self._tweets:
                return self._aaa_tweet_body(key)
            if key in self._dm_events:
                return self._aaa_dm_body(key)
        raise KeyError(platform_id)

    def sign(self, body: bytes) -> str:
        """x-twitter-webhooks-signature: sha256= + base64(HMAC-SHA256(consumer secret, body))."""
        digest = hmac.new(self.consumer_secret.encode(), body, hashlib.sha256).digest()
        return "sha256=" + base64.b64encode(digest).decode("ascii")

    def crc_response_token(self, crc_token: str) -> str:
        return self.sign(crc_token.encode())

    @staticmethod
    def encode_delivery(body: dict[str, Any]) -> bytes:
        return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")

    def signed_delivery(self, platform_id: str) -> tuple[bytes, dict[str, str]]:
        """The exact bytes and headers X would POST to the webhook for this post or DM."""
        body = self.encode_delivery(self.aaa_body(platform_id))
        signature = self.sign(body)
        return body, {"Content-Type": "application/json; charset=utf-8", "x-twitter-webhooks-signature": signature}

    def register_webhook(self, url: str | None) -> bool:
        """Register (or clear) the control webhook URL; X first checks it with a CRC GET."""
        with self._lock:
            self._webhook_url = url or None
            self._webhook_valid = False
        return self.check_webhook() if url else False

    def check_webhook(self) -> bool:
        """CRC of the control webhook: GET url?crc_token=… expecting 200 {"response_token": …}."""
        url = self._webhook_url
        if not url:
            return False
        entry = self._crc_probe(url)
        with self._lock:
            self._webhook_valid = entry["valid"]
            self._deliveries.append(entry)
        return bool(entry["valid"])

    def _crc_probe(self, url: str) -> dict[str, Any]:
        """One CRC GET (never under the lock): 200 with {"response_token": "sha256=<b64>"} within
        3 s passes. `transient` marks failures X forgives for a while (4xx, 5xx, timeouts)."""
        crc_token = secrets.token_urlsafe(24)
        entry: dict[str, Any] = {"type": "crc", "url": url, "at": iso_ms(time.time())}
        valid, transient, reason = False, False, ""
        try:
            sep = "&" if "?" in url else "?"
            with _CRC_OPENER.open(f"{url}{sep}crc_token={crc_token}", timeout=CRC_TIMEOUT) as resp:
                entry["status"] = resp.status
                raw = resp.read()
            try:
                answer = json.loads(raw.decode("utf-8"))
            except (ValueError, UnicodeDecodeError):
                answer = None
            valid = isinstance(answer, dict) and hmac.compare_digest(
                str(answer.get("response_token", "")), self.crc_response_token(crc_token)
            )
            if not valid:
                reason = "Invalid response_token or JSON response format."
        except urllib.error.HTTPError as exc:
            entry["status"] = exc.code
            transient = exc.code >= 400
            reason = f"Non-200 response code during CRC GET request ({exc.code})."
        except OSError as exc:  # timeouts, refused connections, TLS
            entry["error"] = str(exc)
            transient = True
            reason = "The CRC GET request timed out or could not connect."
        entry["valid"] = valid
        if not valid:
            entry["transient"] = transient
            entry["reason"] = reason
        return entry

    # ------------------------------------------------------------------ V2 Webhooks API

    def _render_webhook(self, hook: dict[str, Any]) -> dict[str, Any]:
        return {"created_at": hook["created_at"], "id": hook["id"], "url": hook["url"], "valid": hook["valid"]}

    def _record_crc(self, hook: dict[str, Any], probe: dict[str, Any], trigger: str) -> None:
        """Caller holds the lock. A pass (re)validates; at registration and on PUT any failure
        invalidates; a periodic failure does too unless transient within the grace period."""
        now = time.time()
        if probe["valid"]:
            hook["valid"] = True
            hook["last_ok"] = now
        elif not (trigger == "periodic" and probe.get("transient") and now - hook["last_ok"] < self.crc_grace):
            hook["valid"] = False
        self._deliveries.append({**probe, "webhook_id": hook["id"], "trigger": trigger, "webhook_valid": hook["valid"]})

    def _check_webhook_url(self, url: str) -> None:
        if len(url) > WEBHOOK_URL_MAX:
            raise webhook_problem("UrlValidationFailed", f"The URL is longer than {WEBHOOK_URL_MAX} characters.")
        try:
            parts = urlsplit(url)
            port = parts.port
        except ValueError as exc:
            raise webhook_problem("UrlValidationFailed", "The URL is not valid.") from exc
        host = parts.hostname or ""
        if not host or parts.scheme not in ("http", "https"):
            raise webhook_problem("UrlValidationFailed", "The URL is not valid.")
        if is_loopback_host(host):
            return  # the fake's allowance: no TLS on loopback
        if parts.scheme != "https":
            raise webhook_problem("UrlValidationFailed", "The URL must use https.")
        if port is not None:
            raise webhook_problem("UrlValidationFailed", "The URL must not specify a port.")

    def _webhook(self, webhook_id: str) -> dict[str, Any]:
        hook = self._webhooks.get(webhook_id)
        if hook is None:
            raise webhook_problem(
                "WebhookIdInvalid", f"The webhook id [{webhook_id}] was not found or is not associated with your app."
            )
        return hook

    def _webhooks_api(self, endpoint: str, ident: str | None, body: bytes) -> tuple[int, Any]:
        """Caller holds the lock. A CRC is answered with a _CrcPending that handle_api finishes
        after the GET, outside the lock."""
        if endpoint == "webhooks_list":
            hooks = [self._render_webhook(h) for h in self._webhooks.values()]
            return 200, {"data": hooks, "meta": {"result_count": len(hooks)}}
        if endpoint == "webhooks_create":
            try:
                data = json.loads(body.decode("utf-8")) if body else None
            except (ValueError, UnicodeDecodeError) as exc:
                raise invalid_request("Request body is not valid JSON") from exc
            url = data.get("url") if isinstance(data, dict) else None
            if not isinstance(url, str) or not url:
                raise invalid_request("$.url: is missing but it is required")
            self._check_webhook_url(url)
            self._check_new_webhook(url)

            def create(probe: dict[str, Any]) -> tuple[int, Any]:
                self._check_new_webhook(url)  # another registration may have won meanwhile
                if not probe["valid"]:
                    self._deliveries.append({**probe, "trigger": "create"})
                    raise webhook_problem("CrcValidationFailed", probe["reason"])
                now = time.time()
                webhook_id = str(self._next_webhook_id)
                self._next_webhook_id += self._random.randint(1 << 12, 1 << 22)
                hook = {
                    "id": webhook_id,
                    "url": url,
                    "valid": True,
                    "created_at": iso_ms(now),
                    "last_ok": now,
                    "subscriptions": [],
                }
                self._webhooks[webhook_id] = hook
                self._deliveries.append({**probe, "webhook_id": webhook_id, "trigger": "create", "webhook_valid": True})
                return 200, {"data": self._render_webhook(hook)}

            return 0, _CrcPending(url, create)
        if endpoint == "aaa_unsubscribe":
            assert ident is not None
            webhook_id, _, user_id = ident.partition("/")
        else:
            webhook_id, user_id = ident or "", self.brand_id  # user context is always the brand here
        hook = self._webhook(webhook_id)
        if endpoint == "webhooks_validate":

            def validate(probe: dict[str, Any]) -> tuple[int, Any]:
                current = self._webhook(webhook_id)
                self._record_crc(current, probe, "put")
                if not current["valid"]:
                    raise webhook_problem("CrcValidationFailed", probe["reason"])
                return 200, {"data": {"valid": True}}

            return 0, _CrcPending(hook["url"], validate)
        if endpoint == "webhooks_delete":
            del self._webhooks[webhook_id]
            return 200, {"data": {"deleted": True}}
        subscriptions: list[str] = hook["subscriptions"]
        if endpoint == "aaa_subscribe":
            if user_id in subscriptions:
                raise webhook_problem(
                    "DuplicateSubscriptionFailed",
                    f"A subscription for user [{user_id}] already exists for webhook [{webhook_id}].",
                    status=409,
                )
            subscriptions.append(user_id)
            return 200, {"data": {"subscribed": True}}
        if endpoint == "aaa_subscription":
            return 200, {"data": {"subscribed": user_id in subscriptions}}
        if endpoint == "aaa_subscriptions_list":
            return 200, {
                "data": {
                    "application_id": FAKE_APP_ID,
                    "webhook_id": webhook_id,
                    "webhook_url": hook["url"],
                    "subscriptions": [{"user_id": uid} for uid in subscriptions],
                }
            }
        # aaa_unsubscribe
        if user_id not in subscriptions:
            raise webhook_problem(
                "SubscriptionNotFound", f"No subscription exists for user [{user_id}] on webhook [{webhook_id}]."
            )
        subscriptions.remove(user_id)
        return 200, {"data": {"subscribed": False}}

    def _check_new_webhook(self, url: str) -> None:
        if any(h["url"] == url for h in self._webhooks.values()):
            raise webhook_problem(
                "DuplicateUrlFailed", "A webhook is already registered by your application for this URL."
            )
        if len(self._webhooks) >= self.webhook_limit:
            raise webhook_problem(
                "WebhookLimitExceeded",
                f"Your application has reached its maximum of {self.webhook_limit} webhook configurations.",
            )

    def webhooks(self) -> list[dict[str, Any]]:
        """The webhooks registered through the API, with their subscribed user ids."""
        with self._lock:
            return [
                {**self._render_webhook(h), "subscriptions": list(h["subscriptions"]), "last_ok": iso_ms(h["last_ok"])}
                for h in self._webhooks.values()
            ]

    def recheck_webhooks(self) -> list[dict[str, Any]]:
        """X's periodic CRC of every valid webhook, now (the timer calls this every crc_interval)."""
        with self._lock:
            targets = [(h["id"], h["url"]) for h in self._webhooks.values() if h["valid"]]
        for webhook_id, url in targets:
            probe = self._crc_probe(url)
            with self._lock:
                hook = self._webhooks.get(webhook_id)
                if hook is not None and hook["url"] == url and hook["valid"]:
                    self._record_crc(hook, probe, "periodic")
        return self.webhooks()

    def _crc_timer(self) -> None:
        while not self._crc_stop.wait(self.crc_interval):
            try:
                self.recheck_webhooks()
            except Exception as exc:  # keep the timer alive, as X's scheduler would
                if self.verbose:
                    sys.stderr.write(f"fake-x: periodic CRC failed: {exc}\n")

    # ------------------------------------------------------------------ push

    def _push(self, body: dict[str, Any]) -> None:
        """Caller holds the lock: queue a delivery for the registered webhooks, if any."""
        if self._webhook_url or self._webhooks:
            self._push_queue.put(body)

    def _push_worker(self) -> None:
        while True:
            body = self._push_queue.get()
            try:
                if body is None:
                    return
                if body == "crc":
                    self.check_webhook()
                elif isinstance(body, dict):
                    self._deliver(body)
            except Exception as exc:  # one failed delivery must not end the worker
                if self.verbose:
                    sys.stderr.write(f"fake-x: delivery failed: {exc}\n")
            finally:
                self._push_queue.task_done()

    def _deliver(self, body: dict[str, Any]) -> None:
        url = self._webhook_url
        if url:
            if self._webhook_valid or self.check_webhook():
                self._post_delivery(url, body, {})
            else:
                with self._lock:
                    self._deliveries.append(
                        {"type": "skipped", "url": url, "reason": "CRC failed", "at": iso_ms(time.time())}
                    )
        with self._lock:
            targets = [
                (h["id"], h["url"], h["valid"])
                for h in self._webhooks.values()
                if str(body.get("for_user_id")) in h["subscriptions"]
            ]
        for webhook_id, hook_url, valid in targets:
            if valid:
                self._post_delivery(hook_url, body, {"webhook_id": webhook_id})
            else:
                with self._lock:
                    self._deliveries.append(
                        {
                            "type": "skipped",
                            "url": hook_url,
                            "webhook_id": webhook_id,
                            "reason": "webhook invalid",
                            "at": iso_ms(time.time()),
                        }
                    )

    def _post_delivery(self, url: str, body: dict[str, Any], extra: dict[str, Any]) -> None:
        data = self.encode_delivery(body)
        headers = {"Content-Type": "application/json; charset=utf-8", "x-twitter-webhooks-signature": self.sign(data)}
        entry: dict[str, Any] = {"type": "post", "url": url, "at": iso_ms(time.time()), "body": body, **extra}
        pushed = post(url, data, headers, timeout=10)
        if pushed.status is not None:
            entry["status"] = pushed.status
        else:
            entry["error"] = pushed.error
        with self._lock:
            self._deliveries.append(entry)

    def wait_deliveries(self, timeout: float = 10.0) -> bool:
        """Block until every queued webhook delivery was attempted (tests)."""
        deadline = time.monotonic() + timeout
        while self._push_queue.unfinished_tasks:
            if time.monotonic() > deadline:
                return False
            time.sleep(0.01)
        return True

    def webhook_log(self) -> list[dict[str, Any]]:
        with self._lock:
            return [dict(entry) for entry in self._deliveries]

    # ------------------------------------------------------------------ request handling

    def _match_failure(self, method: str, path: str) -> dict[str, Any] | None:
        return self._failures.take(
            lambda rule: path.startswith(rule["path"]) and (not rule["method"] or rule["method"] == method)
        )

    @staticmethod
    def _route(method: str, path: str) -> tuple[str, str | None] | None:
        """Returns (endpoint, user_id) for a known /2/ route."""
        if path == "/2/users/me" and method == "GET":
            return "users_me", None
        if path == "/2/tweets" and method == "POST":
            return "create_tweet", None
        if path == "/2/media/upload":
            return {"POST": ("media_upload", None), "GET": ("media_upload_status", None)}.get(method)
        if path == "/2/media/upload/initialize" and method == "POST":
            return "media_upload_initialize", None
        m = re.fullmatch(r"/2/media/upload/([0-9]{1,19})/(append|finalize)", path)
        if m and method == "POST":
            return f"media_upload_{m.group(2)}", m.group(1)
        if path == "/2/tweets/search/recent" and method == "GET":
            return "search_recent", None
        if path == "/2/dm_events" and method == "GET":
            return "dm_events", None
        m = re.fullmatch(r"/2/dm_conversations/with/([^/]+)/(dm_events|messages)", path)
        if m and m.group(2) == "dm_events" and method == "GET":
            return "dm_conversation_events", m.group(1)
        if m and m.group(2) == "messages" and method == "POST":
            return "create_dm", m.group(1)
        m = re.fullmatch(r"/2/users/([^/]+)/(mentions|tweets)", path)
        if m and method == "GET":
            return ("mentions" if m.group(2) == "mentions" else "user_tweets"), m.group(1)
        if path == "/2/webhooks":
            return {"GET": ("webhooks_list", None), "POST": ("webhooks_create", None)}.get(method)
        m = re.fullmatch(r"/2/webhooks/([^/]+)", path)
        if m:
            endpoint = {"PUT": "webhooks_validate", "DELETE": "webhooks_delete"}.get(method)
            return (endpoint, m.group(1)) if endpoint else None
        m = re.fullmatch(r"/2/account_activity/webhooks/([^/]+)/subscriptions/all(/list)?", path)
        if m and m.group(2) and method == "GET":
            return "aaa_subscriptions_list", m.group(1)
        if m and not m.group(2):
            endpoint = {"POST": "aaa_subscribe", "GET": "aaa_subscription"}.get(method)
            return (endpoint, m.group(1)) if endpoint else None
        m = re.fullmatch(r"/2/account_activity/webhooks/([^/]+)/subscriptions/([^/]+)/all", path)
        if m and method == "DELETE":
            return "aaa_unsubscribe", f"{m.group(1)}/{m.group(2)}"
        return None

    def handle_api(
        self, method: str, path: str, query: str, headers: Any, body: bytes
    ) -> tuple[int, dict[str, Any], dict[str, str], float]:
        """Handle a /2/ request; returns (status, body, headers, delay_before_sending)."""
        with self._lock:
            status, payload, extra, delay = self._handle_api_locked(method, path, query, headers, body)
        if isinstance(payload, _CrcPending):
            probe = self._crc_probe(payload.url)  # X's GET to the webhook, while the caller waits
            with self._lock:
                try:
                    status, payload = payload.finish(probe)
                except FakeXError as err:
                    status, payload = err.status, err.body
                    extra = {**extra, **err.headers}
        with self._lock:
            self._requests.append(
                {
                    "method": method,
                    "path": path,
                    "query": {k: v[-1] for k, v in parse_qs(query, keep_blank_values=True).items()},
                    "status": status,
                    "at": iso_ms(time.time()),
                }
            )
            return status, payload, extra, delay

    def _handle_api_locked(
        self, method: str, path: str, query: str, headers: Any, body: bytes
    ) -> tuple[int, dict[str, Any], dict[str, str], float]:
        route = self._route(method, path)
        rate_headers = self._rate_headers(route[0]) if route else {}
        rule = self._match_failure(method, path)
        delay = 0.0
        if rule is not None:
            if rule["mode"] == "timeout_after_commit":
                delay = rule["delay"]
            else:
                status = rule["status"]
                extra = dict(rate_headers)
                if status == 429:
                    extra["x-rate-limit-remaining"] = "0"
                    extra["x-rate-limit-reset"] = str(int(time.time() + rule["reset_in"]))
                    extra.setdefault("x-rate-limit-limit", str(rate_headers.get("x-rate-limit-limit", "1")))
                return status, problem_body(status), extra, 0.0
        if route is None:
            err = not_found(f"No route matches {method} {path}")
            return err.status, err.body, {}, delay
        endpoint, user_id = route
        try:
            auth = self._authenticate(method, path, query, headers, body)
            if auth == "bearer" and endpoint in USER_CONTEXT_ONLY:
                raise FakeXError(403, dict(UNSUPPORTED_AUTH_BODY))
            if auth == "oauth1" and endpoint in APP_ONLY:
                raise FakeXError(403, dict(APP_ONLY_BODY))
            rate_headers = self._consume(endpoint)
            params = parse_qs(query, keep_blank_values=True)
            if endpoint == "users_me":
                status, payload = 200, {"data": dict(self._users[self.brand_id])}
            elif endpoint == "create_tweet":
                status, payload = self._post_tweet(body)
                rate_headers = self._rate_headers(endpoint)
            elif endpoint == "media_upload":
                status, payload = self._upload_media(headers, body)
            elif endpoint.startswith("media_upload_"):
                status, payload = self._chunked_upload(endpoint, user_id, params, headers, body)
            elif endpoint == "create_dm":
                assert user_id is not None
                status, payload = self._post_dm(user_id, body)
                rate_headers = self._rate_headers(endpoint)
            elif endpoint == "search_recent":
                status, payload = 200, self._search(params)
            elif endpoint in ("dm_events", "dm_conversation_events"):
                status, payload = 200, self._dm_lookup(params, user_id)
            elif endpoint.startswith(("webhooks_", "aaa_")):
                status, payload = self._webhooks_api(endpoint, user_id, body)
            else:
                assert user_id is not None
                if not NUMERIC_ID_RE.match(user_id):
                    raise invalid_request(
                        f"The `id` query parameter value [{user_id}] does not match ^[0-9]{{1,19}}$", {"id": [user_id]}
                    )
                status, payload = (
                    200,
                    self._timeline("mentions" if endpoint == "mentions" else "tweets", user_id, params),
                )
        except FakeXError as err:
            extra = dict(rate_headers)
            extra.update(err.headers)
            return err.status, err.body, extra, delay
        return status, payload, rate_headers, delay

    def _post_tweet(self, body: bytes) -> tuple[int, dict[str, Any]]:
        try:
            data = json.loads(body.decode("utf-8")) if body else None
        except (ValueError, UnicodeDecodeError) as exc:
            raise invalid_request("Request body is not valid JSON") from exc
        if not isinstance(data, dict):
            raise invalid_request("Request body must be a JSON object")
        text = data.get("text")
        media = self._post_media(data.get("media"))
        if not media and (not isinstance(text, str) or not text):
            raise invalid_request("$.text: is missing but it is required")
        if text is None:
            text = ""
        if not isinstance(text, str):
            raise invalid_request("$.text: string expected")
        reply = data.get("reply")
        parent_id = None
        if reply is not None:
            if not isinstance(reply, dict) or not isinstance(reply.get("in_reply_to_tweet_id"), str):
                raise invalid_request("$.reply.in_reply_to_tweet_id: is missing but it is required")
            parent_id = reply["in_reply_to_tweet_id"]
            if not NUMERIC_ID_RE.match(parent_id):
                raise invalid_request("$.reply.in_reply_to_tweet_id: does not match the regex pattern ^[0-9]{1,19}$")
            if int(parent_id) not in self._tweets:
                raise invalid_request(f"The tweet [{parent_id}] you are replying to does not exist or is not visible")
        parsed = parse_tweet(unicodedata.normalize("NFC", text))
        if text and not parsed.valid:
            if parsed.weightedLength > 280:
                raise invalid_request("Tweet text is too long")
            raise invalid_request("Tweet text is not valid")
        last = self._recent_texts.get((self.brand_id, text))
        if last is not None and time.time() - last < WINDOW_24H:
            raise FakeXError(403, dict(DUPLICATE_BODY))
        tweet = self._create_tweet(self.brand_id, text, parent_id, None)
        if media:
            tweet["attachments"] = {"media_keys": [m["media_key"] for m in media]}
        self._outbound.append(
            {
                "kind": "tweet",
                "id": tweet["id"],
                "text": tweet["text"],
                "in_reply_to_tweet_id": parent_id,
                "conversation_id": tweet["conversation_id"],
                "media": media,
                "created_at": tweet["created_at"],
                "auth": "oauth1",
            }
        )
        return 201, {"data": {"edit_history_tweet_ids": [tweet["id"]], "id": tweet["id"], "text": tweet["text"]}}

    # ------------------------------------------------------------------ media

    def _upload_media(self, headers: Any, body: bytes) -> tuple[int, dict[str, Any]]:
        """POST /2/media/upload in one multipart request: `media` (the file's bytes) and
        `media_category`. Answers {"data": {"id", "media_key", "size", "expires_after_secs",
        "image": {"image_type", "w", "h"}}}; the id is what a post or a DM then names."""
        content_type = (headers.get("Content-Type") or "").split(";")[0].strip().lower()
        if content_type != "multipart/form-data":
            raise invalid_request("The request must be multipart/form-data with a `media` part")
        fields, files = multipart_form(headers, body)
        category = fields.get("media_category", "")
        if category not in MEDIA_CATEGORIES:
            raise invalid_request(
                f"$.media_category: must be one of [{', '.join(MEDIA_CATEGORIES)}] in this fake",
                {"media_category": [category]},
            )
        if "media" not in files or not files["media"][2]:
            raise invalid_request("$.media: is missing but it is required")
        filename, _declared, content = files["media"]
        kind = sniff_image(content)
        if not kind:
            raise invalid_request("media type unrecognized.")
        if len(content) > MEDIA_IMAGE_MAX_BYTES:
            raise invalid_request(f"File size exceeds {MEDIA_IMAGE_MAX_BYTES} bytes.")
        media_id = str(self._new_tweet_id())
        self._keep_media(media_id, category=category, filename=filename, kind=kind, content=content)
        return 200, {"data": {
            "id": media_id, "media_key": f"3_{media_id}", "size": len(content),
            "expires_after_secs": MEDIA_EXPIRES_AFTER, "image": {"image_type": kind},
        }}

    def _keep_media(self, media_id: str, *, category: str, filename: str, kind: str, content: bytes) -> None:
        self._media[media_id] = {
            "media_id": media_id, "media_key": f"3_{media_id}", "category": category, "filename": filename,
            "content_type": kind, "size": len(content), "sha256": hashlib.sha256(content).hexdigest(),
        }

    def _chunked_upload(
        self, endpoint: str, media_id: str | None, params: dict[str, list[str]], headers: Any, body: bytes
    ) -> tuple[int, dict[str, Any]]:
        """The chunked upload: initialize (JSON media_type, total_bytes, media_category) ->
        append (multipart media, segment_index 0-999) -> finalize -> GET ?command=STATUS."""
        if endpoint == "media_upload_initialize":
            try:
                data = json.loads(body.decode("utf-8")) if body else None
            except (ValueError, UnicodeDecodeError) as exc:
                raise invalid_request("Request body is not valid JSON") from exc
            if not isinstance(data, dict):
                raise invalid_request("Request body must be a JSON object")
            category, media_type, total = data.get("media_category"), data.get("media_type"), data.get("total_bytes")
            if category not in CHUNKED_CATEGORIES:
                allowed = ", ".join(CHUNKED_CATEGORIES)
                raise invalid_request(f"$.media_category: must be one of [{allowed}] in this fake")
            if media_type not in ("image/jpeg", "image/png", "image/webp", "image/gif"):
                raise invalid_request("$.media_type: must be a picture type in this fake")
            limit = MEDIA_GIF_MAX_BYTES if category.endswith("_gif") else MEDIA_IMAGE_MAX_BYTES
            if isinstance(total, bool) or not isinstance(total, int) or not 0 < total <= limit:
                raise invalid_request(f"$.total_bytes: must be 1 to {limit}")
            new_id = str(self._new_tweet_id())
            self._uploads[new_id] = {"category": category, "media_type": media_type, "total": total, "chunks": {}}
            return 200, {"data": {"id": new_id, "media_key": f"16_{new_id}", "expires_after_secs": 86400}}
        if endpoint == "media_upload_status":
            wanted = self._single(params, "media_id") or ""
            if self._single(params, "command") not in (None, "STATUS") or wanted not in self._media:
                raise invalid_request(f"Invalid media_id [{wanted}]")
            left = self._processing.get(wanted, 0)
            if left > 0:
                self._processing[wanted] = left - 1
                info = {"state": "in_progress", "check_after_secs": 1, "progress_percent": 50}
            else:
                info = {"state": "succeeded", "progress_percent": 100}
            return 200, {"data": {"id": wanted, "media_key": self._media[wanted]["media_key"], "processing_info": info}}
        assert media_id is not None
        upload = self._uploads.get(media_id)
        if upload is None:
            raise invalid_request(f"Invalid media_id [{media_id}]")
        if endpoint == "media_upload_append":
            fields, files = multipart_form(headers, body)
            index = fields.get("segment_index", "")
            if not index.isdigit() or int(index) > 999:
                raise invalid_request("$.segment_index: must be 0 to 999")
            if "media" not in files:
                raise invalid_request("$.media: is missing but it is required")
            upload["chunks"][int(index)] = (files["media"][0], files["media"][2])
            return 200, {"data": {"expires_at": int(time.time()) + 86400}}
        chunks = [upload["chunks"][i] for i in sorted(upload["chunks"])]
        content = b"".join(part for _, part in chunks)
        if len(content) != upload["total"]:
            raise invalid_request(f"Segments add up to {len(content)} bytes, not the {upload['total']} announced")
        kind = sniff_image(content)
        if kind != upload["media_type"]:
            raise invalid_request("media type unrecognized.")
        del self._uploads[media_id]
        self._keep_media(media_id, category=upload["category"], filename=chunks[0][0], kind=kind, content=content)
        answer: dict[str, Any] = {
            "id": media_id, "media_key": self._media[media_id]["media_key"], "size": len(content),
            "expires_after_secs": MEDIA_EXPIRES_AFTER, "image": {"image_type": kind},
        }
        if self.media_processing_checks > 0:
            self._processing[media_id] = self.media_processing_checks - 1
            answer["processing_info"] = {"state": "pending", "check_after_secs": 1}
        return 200, {"data": answer}

    def _media_for(self, media_id: Any, use: str) -> dict[str, Any]:
        if not isinstance(media_id, str) or media_id not in self._media:
            raise invalid_request(f"Your media IDs are invalid: [{media_id}]")
        media = self._media[media_id]
        if not media["category"].startswith(use):
            raise invalid_request(f"Media [{media_id}] was uploaded as {media['category']}, not for a {use}")
        return media

    @staticmethod
    def _recorded(media: dict[str, Any]) -> dict[str, Any]:
        return {k: media[k] for k in ("media_id", "media_key", "content_type", "size", "sha256", "filename")}

    def _post_media(self, value: Any) -> list[dict[str, Any]]:
        """`media: {"media_ids": [...]}` of POST /2/tweets: one to four uploaded pictures."""
        if value is None:
            return []
        ids = value.get("media_ids") if isinstance(value, dict) else None
        if not isinstance(ids, list) or not 1 <= len(ids) <= MEDIA_PER_POST:
            raise invalid_request(f"$.media.media_ids: must hold 1 to {MEDIA_PER_POST} media ids")
        found = [self._media_for(media_id, "tweet") for media_id in ids]
        if len(found) > 1 and any(m["category"] == "tweet_gif" for m in found):
            raise invalid_request("A post carries up to 4 pictures or 1 GIF, not both")
        return [self._recorded(m) for m in found]

    def _dm_media(self, value: Any) -> list[dict[str, Any]]:
        """`attachments: [{"media_id"}]` of a DM: one uploaded picture at most."""
        if value is None:
            return []
        if not isinstance(value, list) or len(value) != 1 or not isinstance(value[0], dict):
            raise invalid_request("$.attachments: a direct message carries exactly one attachment")
        return [self._recorded(self._media_for(value[0].get("media_id"), "dm"))]

    # ------------------------------------------------------------------ control plane
    control_errors = (FakeXError,)
    control_not_json = "Request body is not valid JSON"
    control_not_object = "Body must be a JSON object"

    def control_bad_body(self, message: str) -> Exception:
        return invalid_request(message)

    def control_error(self, error: Exception) -> tuple[int, Any]:
        assert isinstance(error, FakeXError)
        return error.status, error.body

    def control_missing(self, method: str, path: str) -> tuple[int, Any]:
        missing = not_found(f"No route matches {method} {path}")
        return missing.status, missing.body

    def control_routes(self) -> dict[tuple[str, str], ControlRoute]:
        return {
            ("POST", "/_fake/inbound"): self._control_inbound,
            ("POST", "/_fake/inbound/bulk"): self._control_inbound_bulk,
            ("GET", "/_fake/outbound"): lambda request: (200, {"data": self.outbound()}),
            ("POST", "/_fake/fail"): self._control_fail,
            ("POST", "/_fake/webhook"): self._control_webhook,
            ("POST", "/_fake/webhook/crc"): lambda request: (
                200, {"url": self._webhook_url, "valid": self.check_webhook()}
            ),
            ("GET", "/_fake/webhook"): self._control_webhook_log,
            ("GET", "/_fake/webhooks"): self._control_webhooks,
            ("POST", "/_fake/webhooks/crc"): lambda request: (200, {"data": self.recheck_webhooks()}),
            ("POST", "/_fake/reset"): self._control_reset,
            ("GET", "/_fake/requests"): lambda request: (200, {"data": self.requests_log()}),
        }

    def _control_inbound(self, request: ControlRequest) -> tuple[int, Any]:
        data = request.json()
        with self._lock:
            tweet, user = self._inbound_locked(data)
            return 201, {"data": dict(tweet), "includes": {"users": [dict(user)]}}

    def _control_inbound_bulk(self, request: ControlRequest) -> tuple[int, Any]:
        data = request.json()
        items = data.get("items") if isinstance(data, dict) else None
        if not isinstance(items, list):
            raise invalid_request("`items` must be a list")
        return 201, {"count": self.inbound_bulk(items)}

    def _control_fail(self, request: ControlRequest) -> tuple[int, Any]:
        data = request.object()
        try:
            armed = self.fail(
                status=int(data.get("status", 503)),
                times=int(data.get("times", 1)),
                path=data.get("path"),
                method=data.get("method"),
                reset_in=float(data.get("reset_in", 2)),
                mode=data.get("mode"),
                delay=float(data.get("delay", 5)),
            )
        except (TypeError, ValueError) as exc:
            raise invalid_request(f"Invalid failure spec: {exc}") from exc
        return 200, {"armed": armed}

    def _control_webhook(self, request: ControlRequest) -> tuple[int, Any]:
        data = request.json()
        url = data.get("url") if isinstance(data, dict) else None
        if url is not None and not (isinstance(url, str) and url.startswith(("http://", "https://"))):
            raise invalid_request("`url` must be an http(s) URL or null")
        return 200, {"url": url, "valid": self.register_webhook(url)}

    def _control_webhook_log(self, request: ControlRequest) -> tuple[int, Any]:
        self.wait_deliveries(timeout=5)
        return 200, {"url": self._webhook_url, "valid": self._webhook_valid, "data": self.webhook_log()}

    def _control_webhooks(self, request: ControlRequest) -> tuple[int, Any]:
        self.wait_deliveries(timeout=5)
        return 200, {"data": self.webhooks(), "log": self.webhook_log()}

    def _control_reset(self, request: ControlRequest) -> tuple[int, Any]:
        self.reset()
        return 200, {"reset": True}


class _Handler(FakeHandler):
    methods = ("GET", "POST", "PUT", "DELETE", "PATCH")
    server_version = "FakeX/1.0"
    log_name = "fake-x"
    content_type = JSON_CONTENT_TYPE

    def redact(self, line: str) -> str:
        """Request tokens and verifiers travel in /oauth/ URLs: never in the log."""
        return OAUTH_SECRET_IN_URL.sub(r"\1=…", line)

    def route(self, split: SplitResult, body: bytes) -> None:
        path, query = split.path, split.query
        if path.startswith(("/oauth/", "/oauth2/")):
            status, content_type, data, headers = self.fake.handle_oauth(self.command, path, query, self.headers, body)
            self.send_bytes(status, content_type, data, headers)
        elif path.startswith("/2/"):
            status, payload, headers, delay = self.fake.handle_api(self.command, path, query, self.headers, body)
            if delay > 0:
                time.sleep(delay)
            self._send_json(status, payload, headers)
        else:
            err = not_found(f"No route matches {self.command} {path}")
            self._send_json(err.status, err.body)

def main(argv: list[str] | None = None) -> int:
    parser = cli(
        "python -m fakes.x",
        "Loopback fake of the X API v2",
        webhook="Account Activity webhook URL: checked with a CRC GET, then sent signed deliveries "
        "(signed with --consumer-secret)",
    )
    parser.add_argument("--brand-handle", default="AcmeCare")
    parser.add_argument("--brand-id", default="1000000000000000001")
    parser.add_argument("--brand-name", default="Acme Care")
    parser.add_argument("--consumer-key", default=DEMO_CONSUMER_KEY)
    parser.add_argument("--consumer-secret", default=DEMO_CONSUMER_SECRET)
    parser.add_argument("--access-token", default=DEMO_ACCESS_TOKEN)
    parser.add_argument("--access-token-secret", default=DEMO_ACCESS_TOKEN_SECRET)
    parser.add_argument("--bearer-token", default=DEMO_BEARER_TOKEN)
    parser.add_argument("--rate-limit-scale", type=float, default=1.0)
    parser.add_argument(
        "--mentions-reachable",
        type=int,
        default=MENTIONS_REACHABLE,
        help="how many of the most recent mentions paging can reach (X: 800)",
    )
    parser.add_argument("--app-name", default="Hovor", help='the app named on the "Connect with X" consent page')
    parser.add_argument(
        "--webhook-limit", type=int, default=WEBHOOK_LIMIT, help="webhooks the app may register (X Pro: 1)"
    )
    parser.add_argument(
        "--crc-interval",
        type=float,
        default=CRC_INTERVAL,
        help="seconds between X's periodic CRC checks of registered webhooks (0: never)",
    )
    parser.add_argument(
        "--crc-grace",
        type=float,
        default=CRC_GRACE,
        help="seconds a webhook may fail periodic CRCs transiently (4xx, 5xx, timeouts) before it is invalid",
    )
    args = parser.parse_args(argv)

    fake = FakeX(
        args.port,
        host=args.host,
        brand_handle=args.brand_handle,
        brand_id=args.brand_id,
        brand_name=args.brand_name,
        consumer_key=args.consumer_key,
        consumer_secret=args.consumer_secret,
        access_token=args.access_token,
        access_token_secret=args.access_token_secret,
        bearer_token=args.bearer_token,
        rate_limit_scale=args.rate_limit_scale,
        verbose=args.verbose,
        mentions_reachable=args.mentions_reachable,
        webhook_url=args.webhook,
        app_name=args.app_name,
        webhook_limit=args.webhook_limit,
        crc_interval=args.crc_interval,
        crc_grace=args.crc_grace,
    ).start()
    return run_until_signalled(fake, "FAKE_X_READY")
