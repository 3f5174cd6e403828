"""tweepy's v2 Client pointed at the account's base URL, with X's errors mapped to the
channels error family. tweepy hard-codes https://api.twitter.com, so a session adapter
rewrites the prefix after OAuth 1.0a has signed the canonical URL. A response hook keeps
the rate-limit headers of the last answer, which tweepy's dict results drop."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import requests
import tweepy
from django.conf import settings

from channels.http import (
    ApiAuthError,
    ApiOutcomeUnknown,
    ApiPermanentError,
    ApiRateLimited,
    ApiUnavailable,
    make_session,
    transport_error,
)

logger = logging.getLogger("hovor.channels.x")

CANONICAL_BASE = "https://api.twitter.com"
# note_tweet: a long post's whole text (its `text` is cut at 280 weighted characters).
TWEET_FIELDS = [
    "created_at", "conversation_id", "author_id", "in_reply_to_user_id", "referenced_tweets", "lang", "note_tweet"
]
USER_FIELDS = ["name", "username"]
DM_EVENT_FIELDS = ["id", "text", "event_type", "created_at", "sender_id", "dm_conversation_id", "attachments"]
DM_EXPANSIONS = ["sender_id", "attachments.media_keys"]
MEDIA_FIELDS = ["type", "url", "preview_image_url"]
# X API v2 media upload (the v1.1 media/upload.json that tweepy's API.media_upload calls is
# retired): one multipart POST of the file with its use case, answered with the media id.
MEDIA_UPLOAD_ROUTE = "/2/media/upload"
MEDIA_CATEGORY = {"post": "tweet_image", "dm": "dm_image"}
# An (animated) GIF goes through the chunked upload (initialize, append, finalize, then the
# status until processed), as the one-request upload takes still pictures only.
GIF_CATEGORY = {"post": "tweet_gif", "dm": "dm_gif"}
CHUNK_BYTES = 1024 * 1024
PROCESSING_WAIT_MAX = 30.0  # seconds a worker waits for X to process a GIF before retrying later


@dataclass(frozen=True)
class RateState:
    """x-rate-limit-* of one response (None when the response did not carry them)."""

    limit: int | None
    remaining: int | None
    reset: datetime | None

    @classmethod
    def from_headers(cls, headers: Mapping[str, str]) -> RateState:
        def number(name: str) -> int | None:
            value = headers.get(name, "")
            return int(value) if value.isdigit() else None

        reset = number("x-rate-limit-reset")
        return cls(
            limit=number("x-rate-limit-limit"),
            remaining=number("x-rate-limit-remaining"),
            reset=datetime.fromtimestamp(reset, UTC) if reset is not None else None,
        )


def _reset_from(response: requests.Response | None) -> datetime:
    """When a 429 ends: the 15-minute window's reset, or the 24-hour cap's when that one is spent."""
    now = datetime.now(UTC)
    if response is None:
        return now + timedelta(seconds=60)
    headers = response.headers
    candidates = []
    for prefix in ("x-user-limit-24hour", "x-app-limit-24hour"):
        if headers.get(f"{prefix}-remaining") == "0" and headers.get(f"{prefix}-reset", "").isdigit():
            candidates.append(int(headers[f"{prefix}-reset"]))
    if not candidates and headers.get("x-rate-limit-reset", "").isdigit():
        candidates.append(int(headers["x-rate-limit-reset"]))
    if not candidates:
        return now + timedelta(seconds=60)
    return max(datetime.fromtimestamp(max(candidates), UTC), now)


def _raise_for_status(response: requests.Response) -> None:
    """tweepy's status -> exception map (BaseClient.request) for calls made on its session."""
    status = response.status_code
    errors: dict[int, type[tweepy.HTTPException]] = {
        400: tweepy.BadRequest, 401: tweepy.Unauthorized, 403: tweepy.Forbidden, 404: tweepy.NotFound,
    }
    if status == 429:
        reset = response.headers.get("x-rate-limit-reset", "")
        raise tweepy.TooManyRequests(response, reset_time=int(reset) if reset.isdigit() else None)
    if status in errors:
        raise errors[status](response)
    if status >= 500:
        raise tweepy.TwitterServerError(response)
    if not 200 <= status < 300:
        raise tweepy.HTTPException(response)


def _describe(exc: tweepy.HTTPException) -> str:
    parts = [m for m in exc.api_messages if m] or [str(exc.response.reason or "")]
    return f"X {exc.response.status_code}: " + "; ".join(parts)


class XClient:
    def __init__(self, *, base_url: str, credentials: dict[str, Any], account_ref: str = "") -> None:
        self.account_ref = account_ref
        self.user_context = bool(credentials.get("consumer_key") and credentials.get("access_token"))
        self.client = tweepy.Client(
            bearer_token=credentials.get("bearer_token"),
            consumer_key=credentials.get("consumer_key"),
            consumer_secret=credentials.get("consumer_secret"),
            access_token=credentials.get("access_token"),
            access_token_secret=credentials.get("access_token_secret"),
            return_type=dict,
            # Workers must never sleep inside a call: a 429 becomes ApiRateLimited and the
            # task reschedules itself for the reset time.
            wait_on_rate_limit=False,
        )
        self.client.session = make_session(canonical=CANONICAL_BASE, base_url=base_url or settings.X_API_BASE)
        self.client.session.hooks["response"].append(self._remember)
        self.rate = RateState(None, None, None)

    def _remember(self, response: requests.Response, *args: Any, **kwargs: Any) -> None:
        self.rate = RateState.from_headers(response.headers)

    def _call(self, what: str, fn: Any, **kwargs: Any) -> dict[str, Any]:
        try:
            result: dict[str, Any] = fn(**kwargs)
            return result
        except tweepy.TooManyRequests as exc:
            raise ApiRateLimited(_describe(exc), retry_at=_reset_from(exc.response)) from exc
        except tweepy.Unauthorized as exc:
            raise ApiAuthError(_describe(exc), status=401) from exc
        except tweepy.TwitterServerError as exc:
            raise ApiOutcomeUnknown(_describe(exc), status=exc.response.status_code) from exc
        except tweepy.HTTPException as exc:
            raise ApiPermanentError(_describe(exc), status=exc.response.status_code) from exc
        except requests.RequestException as exc:
            raise transport_error(exc, who="X", what=what) from exc
        except (ValueError, tweepy.TweepyException) as exc:
            raise ApiOutcomeUnknown(f"unreadable answer from X ({what}): {exc}") from exc

    def me(self) -> dict[str, Any]:
        data = self._call("users/me", self.client.get_me, user_auth=self.user_context)
        return dict(data.get("data") or {})

    def mentions_page(
        self, *, user_id: str, since_id: str | None, token: str | None = None, max_results: int = 100
    ) -> dict[str, Any]:
        """One page of the mentions timeline newer than since_id, newest first."""
        kwargs: dict[str, Any] = {
            "id": user_id,
            "max_results": max_results,
            "expansions": ["author_id", "referenced_tweets.id"],
            "tweet_fields": TWEET_FIELDS,
            "user_fields": USER_FIELDS,
            "user_auth": self.user_context,
        }
        if since_id:
            kwargs["since_id"] = since_id
        if token:
            kwargs["pagination_token"] = token
        return self._call("mentions", self.client.get_users_mentions, **kwargs)

    def mentions_pages(self, *, user_id: str, since_id: str | None) -> Iterator[dict[str, Any]]:
        """Yields the raw pages of the mentions timeline newer than since_id, newest first."""
        token: str | None = None
        while True:
            page = self.mentions_page(user_id=user_id, since_id=since_id, token=token)
            yield page
            token = (page.get("meta") or {}).get("next_token")
            if not token:
                return

    def search_page(
        self, *, query: str, since_id: str | None, token: str | None = None, max_results: int = 100
    ) -> dict[str, Any]:
        """One page of GET /2/tweets/search/recent (last 7 days), newest first."""
        kwargs: dict[str, Any] = {
            "query": query,
            "max_results": max_results,
            "expansions": ["author_id", "referenced_tweets.id"],
            "tweet_fields": TWEET_FIELDS,
            "user_fields": USER_FIELDS,
            "user_auth": self.user_context,
        }
        if since_id:
            kwargs["since_id"] = since_id
        if token:
            kwargs["next_token"] = token
        return self._call("search", self.client.search_recent_tweets, **kwargs)

    def dm_events_page(
        self, *, token: str | None = None, max_results: int = 100, participant_id: str | None = None
    ) -> dict[str, Any]:
        """One page of GET /2/dm_events (or of one 1:1 conversation), newest first. DMs need
        user context: X refuses app-only tokens here."""
        kwargs: dict[str, Any] = {
            "dm_event_fields": DM_EVENT_FIELDS,
            "event_types": "MessageCreate",
            "expansions": DM_EXPANSIONS,
            "user_fields": USER_FIELDS,
            "media_fields": MEDIA_FIELDS,
            "max_results": max_results,
            "user_auth": True,
        }
        if participant_id:
            kwargs["participant_id"] = participant_id
        if token:
            kwargs["pagination_token"] = token
        return self._call("dm events", self.client.get_direct_message_events, **kwargs)

    def conversation_dm_events(self, *, participant_id: str, max_pages: int = 3) -> Iterator[dict[str, Any]]:
        """The DM events of the 1:1 conversation with this user, newest first."""
        token: str | None = None
        for _ in range(max_pages):
            page = self.dm_events_page(token=token, participant_id=participant_id)
            yield from page.get("data") or []
            token = (page.get("meta") or {}).get("next_token")
            if not token:
                return

    def _multipart(self, what: str, route: str, *, fields: dict[str, str], media: tuple[str, bytes, str]) -> Any:
        """A multipart POST signed with OAuth 1.0a on tweepy's session (tweepy's own
        `request` sends JSON only); X's errors mapped as for tweepy's calls."""

        def go() -> dict[str, Any]:
            auth = tweepy.OAuth1UserHandler(
                self.client.consumer_key, self.client.consumer_secret,
                self.client.access_token, self.client.access_token_secret,
            ).apply_auth()
            response = self.client.session.post(
                CANONICAL_BASE + route, data=fields, files={"media": media},
                headers={"User-Agent": self.client.user_agent}, auth=auth,
            )
            _raise_for_status(response)
            answer: dict[str, Any] = response.json() if response.content else {}
            return answer

        return self._call(what, go)

    def upload_media(self, *, filename: str, content_type: str, content: bytes, use: str) -> str:
        """POST /2/media/upload (multipart: `media` and `media_category`, tweet_image for a
        post, dm_image for a DM; user context); returns the media id to attach. A GIF goes
        through the chunked upload instead (tweet_gif, dm_gif)."""
        if not self.user_context:
            raise ApiAuthError("X takes media only with user context (OAuth 1.0a access token).")
        if content_type == "image/gif":
            return self._upload_chunked(filename=filename, content_type=content_type, content=content, use=use)
        data = self._multipart(
            "media upload", MEDIA_UPLOAD_ROUTE, fields={"media_category": MEDIA_CATEGORY[use]},
            media=(filename, content, content_type),
        )
        return self._media_ready(data, filename=filename)

    def _upload_chunked(self, *, filename: str, content_type: str, content: bytes, use: str) -> str:
        """initialize (JSON: media_type, total_bytes, media_category) → append each chunk
        (multipart: media, segment_index) → finalize → the status until processed."""
        started = self._request(
            "media upload initialize", "POST", MEDIA_UPLOAD_ROUTE + "/initialize", user_auth=True,
            body={"media_type": content_type, "total_bytes": len(content), "media_category": GIF_CATEGORY[use]},
        )
        media_id = (started.get("data") or {}).get("id") if isinstance(started.get("data"), dict) else None
        if not media_id:
            raise ApiOutcomeUnknown("X started the upload but returned no media id")
        for index, start in enumerate(range(0, len(content), CHUNK_BYTES)):
            self._multipart(
                "media upload append", f"{MEDIA_UPLOAD_ROUTE}/{media_id}/append",
                fields={"segment_index": str(index)}, media=(filename, content[start : start + CHUNK_BYTES],
                                                             "application/octet-stream"),
            )
        finished = self._request(
            "media upload finalize", "POST", f"{MEDIA_UPLOAD_ROUTE}/{media_id}/finalize", user_auth=True
        )
        return self._media_ready(finished, filename=filename)

    def _media_ready(self, answer: dict[str, Any], *, filename: str) -> str:
        """The media id once X has processed the upload (GIFs take a moment: the status is
        polled for up to PROCESSING_WAIT_MAX seconds, then the send is tried again later)."""
        media = answer.get("data") if isinstance(answer.get("data"), dict) else {}
        assert isinstance(media, dict)
        media_id = media.get("id")
        if not media_id:
            raise ApiOutcomeUnknown("X accepted the upload but returned no media id")
        waited = 0.0
        while True:
            info = media.get("processing_info") if isinstance(media.get("processing_info"), dict) else {}
            assert isinstance(info, dict)
            state = info.get("state") or "succeeded"
            if state == "succeeded":
                return str(media_id)
            if state == "failed":
                raise ApiPermanentError(f"X could not process {filename}")
            pause = float(info.get("check_after_secs") or 1)
            if waited + pause > PROCESSING_WAIT_MAX:
                raise ApiUnavailable(f"X is still processing {filename}; the reply is tried again later")
            time.sleep(pause)
            waited += pause
            status = self._request(
                "media upload status", "GET", MEDIA_UPLOAD_ROUTE, user_auth=True,
                params={"command": "STATUS", "media_id": str(media_id)},
            )
            media = status.get("data") if isinstance(status.get("data"), dict) else {}
            media.setdefault("id", media_id)

    def create_dm(self, *, participant_id: str, text: str, media_id: str = "") -> str:
        """POST /2/dm_conversations/with/:participant_id/messages (with at most one
        `attachments: [{media_id}]`); returns the dm_event_id."""
        kwargs: dict[str, Any] = {"participant_id": participant_id, "text": text or None, "user_auth": True}
        if media_id:
            kwargs["media_id"] = media_id
        data = self._call("create dm", self.client.create_direct_message, **kwargs)
        event_id = (data.get("data") or {}).get("dm_event_id")
        if not event_id:
            raise ApiOutcomeUnknown("X accepted the direct message but returned no dm_event_id")
        return str(event_id)

    def recent_own_tweets(self, *, user_id: str, since_id: str, max_pages: int = 5) -> Iterator[dict[str, Any]]:
        token: str | None = None
        for _ in range(max_pages):
            kwargs: dict[str, Any] = {
                "id": user_id,
                "max_results": 100,
                "since_id": since_id,
                "tweet_fields": TWEET_FIELDS,
                "user_auth": self.user_context,
            }
            if token:
                kwargs["pagination_token"] = token
            page = self._call("own tweets", self.client.get_users_tweets, **kwargs)
            yield from page.get("data") or []
            token = (page.get("meta") or {}).get("next_token")
            if not token:
                return

    def create_reply(self, *, text: str, in_reply_to: str, media_ids: list[str] | None = None) -> str:
        """POST /2/tweets, as a reply when `in_reply_to` is set, carrying `media.media_ids`
        (up to four pictures) when given."""
        data = self._call(
            "create tweet",
            self.client.create_tweet,
            text=text,
            in_reply_to_tweet_id=in_reply_to or None,
            media_ids=list(media_ids) if media_ids else None,
            user_auth=True,
        )
        tweet_id = (data.get("data") or {}).get("id")
        if not tweet_id:
            raise ApiOutcomeUnknown("X accepted the tweet but returned no id")
        return str(tweet_id)

    # --- V2 Webhooks API and Account Activity subscriptions -----------------------------
    def _request(
        self, what: str, method: str, route: str, *, body: Any = None, user_auth: bool = False,
        params: dict[str, str] | None = None,
    ) -> Any:
        """A call tweepy has no method for, through tweepy's signed `request` (errors mapped)."""

        def go() -> dict[str, Any]:
            response = self.client.request(method, route, params=params, json=body, user_auth=user_auth)
            if response.status_code == 204 or not response.content:
                return {}
            answer: dict[str, Any] = response.json()
            return answer

        return self._call(what, go)

    def webhooks(self) -> list[dict[str, Any]]:
        """GET /2/webhooks (app-only): the app's webhooks, `{id, url, valid, created_at}` each."""
        data = self._request("list webhooks", "GET", "/2/webhooks").get("data") or []
        return [dict(hook) for hook in data if isinstance(hook, dict)]

    def create_webhook(self, url: str) -> dict[str, Any]:
        """POST /2/webhooks (app-only): X checks the URL with a CRC before it answers."""
        data = self._request("create webhook", "POST", "/2/webhooks", body={"url": url})
        hook = data.get("data") if isinstance(data.get("data"), dict) else data  # the OpenAPI shape is bare
        if not hook.get("id"):
            raise ApiOutcomeUnknown("X accepted the webhook but returned no id")
        return dict(hook)

    def validate_webhook(self, webhook_id: str) -> None:
        """PUT /2/webhooks/:id (app-only): a CRC now; a pass re-enables an invalid webhook."""
        self._request("validate webhook", "PUT", f"/2/webhooks/{webhook_id}")

    def delete_webhook(self, webhook_id: str) -> None:
        self._request("delete webhook", "DELETE", f"/2/webhooks/{webhook_id}")

    def subscribed(self, webhook_id: str) -> bool:
        """GET /2/account_activity/webhooks/:id/subscriptions/all (user context)."""
        data = self._request(
            "subscription", "GET", f"/2/account_activity/webhooks/{webhook_id}/subscriptions/all", user_auth=True
        )
        return bool((data.get("data") or {}).get("subscribed"))

    def subscribe(self, webhook_id: str) -> bool:
        """POST /2/account_activity/webhooks/:id/subscriptions/all (user context): the
        authenticating user's events go to the webhook."""
        data = self._request(
            "subscribe", "POST", f"/2/account_activity/webhooks/{webhook_id}/subscriptions/all", user_auth=True
        )
        return bool((data.get("data") or {}).get("subscribed"))
