"""The X API v2 as the fake speaks it: constants and limits, the error bodies X answers with,
and the small formats (v1.1 times, ISO times, rate-limit windows) the server builds on."""

from __future__ import annotations

import html
import http
import json
import re
import urllib.error
import urllib.request
from datetime import UTC, datetime
from typing import Any

CANONICAL_BASE = "https://api.twitter.com"

# Well-known demo credentials (not secrets): what the seeded demo account is configured with.
DEMO_CONSUMER_KEY = "demo-consumer-key"
DEMO_CONSUMER_SECRET = "demo-consumer-secret"
DEMO_ACCESS_TOKEN = "demo-access-token"
DEMO_ACCESS_TOKEN_SECRET = "demo-access-token-secret"
DEMO_BEARER_TOKEN = "demo-bearer-token"

FIRST_TWEET_ID = 1_860_000_000_000_000_000
FIRST_USER_ID = 2_000_000_000_000_000_000

WINDOW_15MIN = 15 * 60
WINDOW_24H = 24 * 60 * 60

# Per-endpoint limits per 15-minute window (before rate_limit_scale).
ENDPOINT_LIMITS = {
    "users_me": 75,
    "mentions": 180,
    "user_tweets": 900,
    "create_tweet": 100,
    "search_recent": 450,
    "dm_events": 300,
    "dm_conversation_events": 300,
    "create_dm": 200,
    "media_upload": 500,  # assumed: X lists it per tier
    "media_upload_initialize": 500,
    "media_upload_append": 500,
    "media_upload_finalize": 500,
    "media_upload_status": 500,
    # The V2 Webhooks and Account Activity endpoints (limits assumed: X lists them per tier).
    "webhooks_list": 15,
    "webhooks_create": 15,
    "webhooks_validate": 15,
    "webhooks_delete": 15,
    "aaa_subscribe": 500,
    "aaa_subscription": 500,
    "aaa_subscriptions_list": 50,
    "aaa_unsubscribe": 500,
}
CREATE_TWEET_24H_LIMIT = 2400
# Endpoints with a per-user 24-hour cap besides the 15-minute window.
DAY_LIMITS = {"create_tweet": CREATE_TWEET_24H_LIMIT, "create_dm": 1000}
# Endpoints X refuses with an app-only bearer token.
USER_CONTEXT_ONLY = {
    "create_tweet",
    "media_upload",
    "media_upload_initialize",
    "media_upload_append",
    "media_upload_finalize",
    "media_upload_status",
    "users_me",
    "dm_events",
    "dm_conversation_events",
    "create_dm",
    "aaa_subscribe",
    "aaa_subscription",
}
# Endpoints X refuses with user context (the V2 Webhooks API and subscription management).
APP_ONLY = {
    "webhooks_list",
    "webhooks_create",
    "webhooks_validate",
    "webhooks_delete",
    "aaa_subscriptions_list",
    "aaa_unsubscribe",
}

DM_MAX_LENGTH = 10_000
# POST /2/media/upload in one request (docs.x.com media best practices): pictures up to 5 MB,
# up to four on a post, one on a DM; the media category says which it is for.
MEDIA_IMAGE_MAX_BYTES = 5 * 1024 * 1024
MEDIA_CATEGORIES = ("tweet_image", "dm_image")
# The chunked upload (initialize, append, finalize, status), which a GIF needs.
CHUNKED_CATEGORIES = ("tweet_image", "dm_image", "tweet_gif", "dm_gif")
MEDIA_GIF_MAX_BYTES = 15 * 1024 * 1024
MEDIA_PER_POST = 4
MEDIA_EXPIRES_AFTER = 24 * 60 * 60
DM_LOOKBACK = 30 * 24 * 60 * 60
SEARCH_LOOKBACK = 7 * 24 * 60 * 60
SEARCH_QUERY_MAX = 512
DM_EVENT_FIELDS = (
    "id",
    "text",
    "event_type",
    "created_at",
    "dm_conversation_id",
    "sender_id",
    "participant_ids",
    "referenced_tweets",
    "attachments",
)
DM_EVENT_TYPES = ("MessageCreate", "ParticipantsJoin", "ParticipantsLeave")
FAKE_APP_ID = "17470001"
CRC_TIMEOUT = 3.0

MENTIONS_REACHABLE = 800
USER_TWEETS_REACHABLE = 3200

OPTIONAL_TWEET_FIELDS = (
    "created_at",
    "conversation_id",
    "author_id",
    "in_reply_to_user_id",
    "referenced_tweets",
    "lang",
    "note_tweet",
)
# A post longer than a classic one (X Premium's long posts, up to 25,000 characters): v2
# gives its first 280 weighted characters as `text` and the whole in `note_tweet.text`.
NOTE_TWEET_OVER = 280
FULL_TWEET_ORDER = (
    "id",
    "text",
    "author_id",
    "created_at",
    "conversation_id",
    "edit_history_tweet_ids",
    "lang",
    "in_reply_to_user_id",
    "referenced_tweets",
    "note_tweet",
)

JSON_CONTENT_TYPE = "application/json; charset=utf-8"

INVALID_REQUEST_TYPE = "https://api.twitter.com/2/problems/invalid-request"
INVALID_REQUEST_DETAIL = "One or more parameters to your request was invalid."

UNAUTHORIZED_BODY = {"title": "Unauthorized", "type": "about:blank", "status": 401, "detail": "Unauthorized"}
TOO_MANY_REQUESTS_BODY = {
    "title": "Too Many Requests",
    "detail": "Too Many Requests",
    "type": "about:blank",
    "status": 429,
}
UNSUPPORTED_AUTH_BODY = {
    "title": "Unsupported Authentication",
    "detail": "Authenticating with OAuth 2.0 Application-Only is forbidden for this endpoint.  "
    "Supported authentication types are [OAuth 1.0a User Context, OAuth 2.0 User Context].",
    "type": "https://api.twitter.com/2/problems/unsupported-authentication",
    "status": 403,
}
DM_FORBIDDEN_BODY = {
    "detail": "You cannot send messages to this user.",
    "type": "about:blank",
    "title": "Forbidden",
    "status": 403,
}
DUPLICATE_BODY = {
    "detail": "You are not allowed to create a Tweet with duplicate content.",
    "type": "about:blank",
    "title": "Forbidden",
    "status": 403,
}

INBOUND_KINDS = ("mention", "tweet", "dm")
OAUTH_SECRET_IN_URL = re.compile(r"\b(oauth_token|oauth_verifier|denied)=[^&\s]+")

APP_ONLY_BODY = {
    "title": "Unsupported Authentication",
    "detail": "Authenticating with OAuth 1.0a User Context is forbidden for this endpoint.  "
    "Supported authentication types are [OAuth 2.0 Application-Only].",
    "type": "https://api.twitter.com/2/problems/unsupported-authentication",
    "status": 403,
}

# OAuth 1.0a endpoints answer in v1.1's error shape.
V1_NOT_AUTHENTICATED = {"errors": [{"code": 32, "message": "Could not authenticate you."}]}
V1_INVALID_TOKEN = {"errors": [{"code": 89, "message": "Invalid or expired token."}]}
V1_OOB_ONLY = {"errors": [{"code": 417, "message": "Desktop applications only support the oauth_callback value 'oob'"}]}
V1_CALLBACK_NOT_APPROVED = {
    "errors": [
        {
            "code": 415,
            "message": "Callback URL not approved for this client application. "
            "Approved callback URLs can be adjusted in your application settings",
        }
    ]
}
V1_BAD_CREDENTIALS = {
    "errors": [{"code": 99, "label": "authenticity_token_error", "message": "Unable to verify your credentials"}]
}
V1_MISSING_GRANT_TYPE = {
    "errors": [
        {"code": 170, "label": "forbidden_missing_parameter", "message": "Missing required parameter: grant_type"}
    ]
}
V1_SERVER_ERRORS = {
    500: {"errors": [{"code": 131, "message": "Internal error"}]},
    503: {"errors": [{"code": 130, "message": "Over capacity"}]},
}
INVALID_VERIFIER_TEXT = "Error processing your OAuth request: Invalid oauth_verifier parameter"
FORM_CONTENT_TYPE = "application/x-www-form-urlencoded"
HTML_CONTENT_TYPE = "text/html; charset=utf-8"

WEBHOOK_LIMIT = 5
WEBHOOK_URL_MAX = 200
CRC_INTERVAL = 3600.0
CRC_GRACE = 28 * 60 * 60.0


USERNAME_MENTION_RE = re.compile(r"(?<![A-Za-z0-9_@])@([A-Za-z0-9_]{1,15})(?![A-Za-z0-9_])")
NUMERIC_ID_RE = re.compile(r"^[0-9]{1,19}$")

CZECH_LETTERS = set("ěščřžýáíéůúďťň")
POLISH_LETTERS = set("ąćęłńóśźż")


class FakeXError(Exception):
    """A problem answer: HTTP status plus X's JSON body (and optional extra headers)."""

    def __init__(self, status: int, body: dict[str, Any], headers: dict[str, str] | None = None) -> None:
        super().__init__(f"{status}: {body}")
        self.status = status
        self.body = body
        self.headers = headers or {}


class _CrcPending:
    """A webhook call that needs a CRC GET first: handle_api runs it outside the lock, then
    `finish(probe)` (under the lock) gives the answer or raises FakeXError."""

    def __init__(self, url: str, finish: Any) -> None:
        self.url = url
        self.finish = finish


def invalid_request(message: str, parameters: dict[str, list[str]] | None = None) -> FakeXError:
    error: dict[str, Any] = {"message": message}
    if parameters:
        error = {"parameters": parameters, "message": message}
    return FakeXError(
        400,
        {"errors": [error], "title": "Invalid Request", "detail": INVALID_REQUEST_DETAIL, "type": INVALID_REQUEST_TYPE},
    )


def sniff_image(content: bytes) -> str:
    """The picture type the bytes are (what X checks, whatever the part's header says), or ""."""
    if content.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if content.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if content[:4] == b"RIFF" and content[8:12] == b"WEBP":
        return "image/webp"
    if content[:6] in (b"GIF87a", b"GIF89a"):
        return "image/gif"
    return ""


def problem_body(status: int) -> dict[str, Any]:
    """X's generic problem JSON for an injected failure with this status."""
    if status == 401:
        return dict(UNAUTHORIZED_BODY)
    if status == 429:
        return dict(TOO_MANY_REQUESTS_BODY)
    if status == 400:
        return invalid_request("Injected failure").body
    if status == 404:
        return {
            "title": "Not Found Error",
            "detail": "Could not find the requested resource.",
            "type": "https://api.twitter.com/2/problems/resource-not-found",
            "status": 404,
        }
    try:
        phrase = http.HTTPStatus(status).phrase
    except ValueError:
        phrase = "Error"
    return {"title": phrase, "detail": phrase, "type": "about:blank", "status": status}


def not_found(detail: str) -> FakeXError:
    return FakeXError(
        404,
        {
            "title": "Not Found Error",
            "detail": detail,
            "type": "https://api.twitter.com/2/problems/resource-not-found",
            "status": 404,
        },
    )


def webhook_problem(reason: str, message: str, status: int = 400) -> FakeXError:
    """The V2 Webhooks API's refusal: the invalid-request problem, the reason leading the message."""
    return FakeXError(
        status,
        {
            "errors": [{"message": f"{reason}: {message}"}],
            "title": "Invalid Request",
            "detail": INVALID_REQUEST_DETAIL,
            "type": INVALID_REQUEST_TYPE,
        },
    )


def is_loopback_host(host: str) -> bool:
    host = host.strip("[]").lower()
    return host == "localhost" or host == "::1" or host.startswith("127.")


def _v1(payload: Any) -> bytes:
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def _page(title: str, body: str) -> bytes:
    return (
        f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}</title></head>'
        f"<body>{body}</body></html>"
    ).encode()


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """X does not follow a redirect during the CRC: a 3xx is a failed check."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


_CRC_OPENER = urllib.request.build_opener(_NoRedirects)


def dm_conversation_key(a: str, b: str) -> str:
    """X's one-to-one conversation id: "{smaller user id}-{larger user id}"."""
    low, high = sorted((a, b), key=int)
    return f"{low}-{high}"


def html_escape(text: str) -> str:
    """X escapes exactly &, < and > in post and DM text."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def v1_time(ts: float) -> str:
    """v1.1's created_at: "Wed Oct 10 20:19:24 +0000 2018" (English names whatever the locale)."""
    dt = datetime.fromtimestamp(int(ts), UTC)
    return f"{_DAYS[dt.weekday()]} {_MONTHS[dt.month - 1]} {dt.day:02d} {dt:%H:%M:%S} +0000 {dt.year}"


def guess_lang(text: str) -> str:
    lowered = text.lower()
    letters = set(lowered)
    if any("\u0400" <= ch <= "\u04ff" for ch in letters):
        return "bg"
    if letters & CZECH_LETTERS:
        return "cs"
    if letters & POLISH_LETTERS:
        return "pl"
    return "en"


def iso_ms(ts: float) -> str:
    """2026-11-23T22:10:05.123Z"""
    dt = datetime.fromtimestamp(ts, UTC)
    return dt.strftime("%Y-%m-%dT%H:%M:%S.") + f"{dt.microsecond // 1000:03d}Z"


def parse_iso(value: str) -> float:
    text = value.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    dt = datetime.fromisoformat(text)
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return dt.timestamp()


class _Window:
    __slots__ = ("length", "limit", "reset_at", "used")

    def __init__(self, limit: int, length: int) -> None:
        self.limit = limit
        self.length = length
        self.reset_at = 0
        self.used = 0

    def roll(self, now: float) -> None:
        if now >= self.reset_at:
            self.reset_at = int(now) + self.length
            self.used = 0

    @property
    def remaining(self) -> int:
        return max(0, self.limit - self.used)
