"""The X connector: mentions, direct messages and an optional brand-keyword search by
polling (paced by X's rate-limit headers and a monthly read budget), the same posts and
DMs by Account Activity webhooks, replies as reply posts or DMs. For admins: "Connect with
X" (OAuth 1.0a, channels.x.oauth) and webhook registration through X's API
(channels.x.registration)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from channels import parsing
from channels.base import (
    AttachmentLimits,
    Badge,
    BaseConnector,
    ChannelLimits,
    CredentialField,
    MalformedWebhook,
    MessageKind,
    OAuthApp,
    OAuthChoice,
    OAuthConnect,
    OAuthStart,
    RecordEvents,
    ReplyContext,
    SignatureInvalid,
)
from channels.http import ApiAuthError, ApiError, ApiPermanentError, ApiRateLimited
from channels.types import NormalizedMessage, NormalizedStatus, OutboundRequest, RawEvent

from . import oauth as oauth_flow
from . import parser, registration
from .client import CANONICAL_BASE, XClient
from .limits import DM_ATTACHMENTS, DM_LIMITS, POST_ATTACHMENTS, TWEET_LIMITS, weighted_length
from .pacing import Pacer
from .threads import split_into_thread

if TYPE_CHECKING:
    from channels.models import BrandAccount

logger = logging.getLogger("hovor.channels.x")

# Clock skew tolerated between us and X when matching a reply we may already have sent.
RECONCILE_SKEW = timedelta(seconds=30)
# How long an optional feed (DMs, search) rests after X refused it or failed.
FEED_ERROR_PAUSE = timedelta(minutes=1)
FEED_REFUSED_PAUSE = timedelta(hours=1)
WEBHOOK_INVALID_NOTE = (
    "X no longer sends to Hovor's webhook (its CRC re-check failed, or it was deleted): polled at full "
    "speed until it is registered again"
)
# How often a poll asks X whether the account's registered webhook is still valid: X marks
# it invalid when its CRC re-check fails and tells nobody.
WEBHOOK_CHECK_EVERY = timedelta(hours=1)
SIGNATURE_HEADER = "x-twitter-webhooks-signature"
URL_HINT = re.compile(r"https?://|\b[\w-]+\.[a-z]{2,}\b", re.IGNORECASE)


def client_for(account: BrandAccount) -> XClient:
    return XClient(base_url=account.base_url, credentials=account.credentials, account_ref=str(account.pk))


def mention_events(page: dict[str, Any]) -> list[RawEvent]:
    """Split one mentions page into self-contained raw events (tweet + its author)."""
    return parser.tweet_events(page, "mention")


def crc_response_token(consumer_secret: str, crc_token: str) -> str:
    digest = hmac.new(consumer_secret.encode(), crc_token.encode(), hashlib.sha256).digest()
    return "sha256=" + base64.b64encode(digest).decode("ascii")


def signature_for(consumer_secret: str, body: bytes) -> str:
    """The x-twitter-webhooks-signature X sends for this exact body."""
    return "sha256=" + base64.b64encode(hmac.new(consumer_secret.encode(), body, hashlib.sha256).digest()).decode()


def _newest(page: dict[str, Any]) -> str | None:
    newest = (page.get("meta") or {}).get("newest_id")
    if newest:
        return str(newest)
    data = page.get("data") or []
    ids = [int(item["id"]) for item in data if isinstance(item, dict) and str(item.get("id")).isdigit()]
    return str(max(ids)) if ids else None


@dataclass(frozen=True)
class Feed:
    """One paged read: how to fetch a page, split it, and where its cursor lives."""

    name: str  # mentions | dms | search
    cursor_key: str  # mentions_since_id | dms_newest_id | search_since_id
    min_results: int
    fetch: Callable[[str | None, str | None, int], dict[str, Any]]  # (since, token, max_results)
    split: Callable[[dict[str, Any]], list[RawEvent]]
    # DMs have no since_id: page until an id already stored shows up.
    stop_at_seen: bool = False
    # Search without a cursor reads one page (the latest posts) instead of 7 days back.
    baseline_page_only: bool = False
    # Mentions are the account's main feed: their errors fail the poll, as they always did.
    primary: bool = False
    # X's monthly post cap counts posts from the mention timeline and search, not DM events.
    budgeted: bool = True


class XConnector(BaseConnector):
    platform = "x"
    label = _("X")
    badge = Badge(background="#111111", color="#ffffff")
    credential_fields = (
        CredentialField("consumer_key", _("API key (consumer key)")),
        CredentialField("consumer_secret", _("API key secret (consumer secret)")),
        CredentialField("access_token", _("Access token")),
        CredentialField("access_token_secret", _("Access token secret")),
        CredentialField(
            "bearer_token",
            _("Bearer token"),
            _("The app's bearer token; Hovor fetches one itself when it registers the webhook."),
            required=False,
        ),
    )
    # OAuth 1.0a has no state parameter: the callback is matched by its request token.
    connects = OAuthConnect(
        _("API key (consumer key)"),
        _("API key secret (consumer secret)"),
        state_param=False,
        app_id_credential="consumer_key",
    )
    polls = True
    webhooks = True
    kinds = (
        MessageKind("mention", _("mention")),
        MessageKind("tweet", _("post naming the brand")),
        MessageKind("dm", _("direct message")),
    )
    history_hint = _("X gives the last 800 mentions and 30 days of DMs.")
    option_fields = (
        CredentialField(
            "search_query",
            _("Also watch posts that name the brand without tagging it (search query, optional)"),
            secret=False,
            required=False,
            placeholder='"Acme" -from:AcmeCare -is:retweet',
        ),
    )
    limits: ChannelLimits = TWEET_LIMITS
    attachment_limits = POST_ATTACHMENTS
    registers_webhooks = True
    keeps_unrouted = False

    def ensure_user_id(self, account: BrandAccount, client: XClient) -> str:
        if not account.platform_user_id:
            me = client.me()
            account.platform_user_id = str(me["id"])
            account.save(update_fields=["platform_user_id"])
        return account.platform_user_id

    # --- polling --------------------------------------------------------------------
    def poll(self, account: BrandAccount, cursor: dict[str, Any], record: RecordEvents) -> dict[str, Any]:
        """Mentions, then DMs, then the brand-keyword search (if configured). Each feed
        hands every page to `record` as it arrives and advances its cursor only once its
        last page is read; a feed interrupted by pacing or the budget keeps its place in
        `<feed>_resume` and carries on from there next time."""
        client = client_for(account)
        user_id = self.ensure_user_id(account, client)
        new_cursor = dict(cursor)
        notes: dict[str, str] = {}
        pacer = Pacer(new_cursor, now=timezone.now(), budget=self._budget(account, notes))
        feeds = [
            Feed(
                name="mentions",
                cursor_key="mentions_since_id",
                min_results=5,
                fetch=lambda since, token, n: client.mentions_page(
                    user_id=user_id, since_id=since, token=token, max_results=n
                ),
                split=lambda page: parser.tweet_events(page, "mention", brand_id=user_id),
                primary=True,
            )
        ]
        options = account.options or {}
        if not client.user_context:
            notes["dms"] = "not polled: reading DMs needs the user-context tokens (access_token and secret)"
        elif options.get("poll_dms", True) is False:
            notes["dms"] = "not polled: switched off in the account options (poll_dms)"
        else:
            feeds.append(
                Feed(
                    name="dms",
                    cursor_key="dms_newest_id",
                    min_results=1,
                    fetch=lambda since, token, n: client.dm_events_page(token=token, max_results=n),
                    split=lambda page: parser.dm_events(page, brand_id=user_id),
                    stop_at_seen=True,
                    budgeted=False,
                )
            )
        query = options.get("search_query")
        if isinstance(query, str) and query.strip():
            feeds.append(
                Feed(
                    name="search",
                    cursor_key="search_since_id",
                    min_results=10,
                    fetch=lambda since, token, n: client.search_page(
                        query=query.strip(), since_id=since, token=token, max_results=n
                    ),
                    split=lambda page: parser.tweet_events(page, "search", brand_id=user_id),
                    baseline_page_only=True,
                )
            )
        for feed in feeds:
            if feed.primary:
                self._run_feed(feed, client, new_cursor, pacer, record)
                continue
            try:
                self._run_feed(feed, client, new_cursor, pacer, record)
            except ApiAuthError:
                raise
            except ApiRateLimited as exc:
                pacer.pause(feed.name, exc.retry_at, exc.message)
            except ApiPermanentError as exc:
                # e.g. 403: the app has no DM permission, or the access level has no search.
                pacer.pause(feed.name, pacer.now + FEED_REFUSED_PAUSE, exc.message)
            except ApiError as exc:
                pacer.pause(feed.name, pacer.now + FEED_ERROR_PAUSE, exc.message)
        self._check_webhook(account, client, new_cursor, notes, pacer.now)
        new_cursor["notes"] = notes
        return new_cursor

    @staticmethod
    def _check_webhook(
        account: BrandAccount, client: XClient, cursor: dict[str, Any], notes: dict[str, str], now: datetime
    ) -> None:
        """Once an hour, whether the registered webhook still gets deliveries (kept in the
        cursor as {"checked_at", "valid"}; an invalid one brings polling back to full speed)."""
        webhook_id = str((account.options or {}).get("webhook_id") or "")
        if not webhook_id:
            cursor.pop("webhook", None)
            return
        raw = cursor.get("webhook")
        last: dict[str, Any] = raw if isinstance(raw, dict) else {}
        try:
            checked = datetime.fromisoformat(str(last.get("checked_at")))
        except ValueError:
            checked = None
        if checked is not None and now - checked < WEBHOOK_CHECK_EVERY:
            if last.get("valid") is False:
                notes["webhook"] = WEBHOOK_INVALID_NOTE
            return
        if not account.credentials.get("bearer_token"):
            notes["webhook"] = "not checked: it needs the app's bearer token"
            return
        try:
            hooks = client.webhooks()
        except ApiError as exc:
            notes["webhook"] = f"not checked: {exc.message}"
            return
        hook = next((h for h in hooks if str(h.get("id")) == webhook_id), None)
        valid = hook is not None and hook.get("valid") is True
        cursor["webhook"] = {"checked_at": now.isoformat(), "valid": valid}
        if not valid:
            notes["webhook"] = WEBHOOK_INVALID_NOTE

    @staticmethod
    def _budget(account: BrandAccount, notes: dict[str, str]) -> int | None:
        raw = (account.options or {}).get("monthly_read_budget")
        if raw in (None, ""):
            return None
        if isinstance(raw, bool) or not (isinstance(raw, int) or (isinstance(raw, str) and raw.isdigit())):
            notes["read_budget"] = f"ignored: monthly_read_budget {raw!r} is not a whole number"
            return None
        return int(raw)

    def _run_feed(
        self, feed: Feed, client: XClient, cursor: dict[str, Any], pacer: Pacer, record: RecordEvents
    ) -> None:
        if pacer.is_paused(feed.name):
            return
        resume_key = f"{feed.name}_resume"
        resume = cursor.get(resume_key)
        if not isinstance(resume, dict):
            resume = None
        stored = cursor.get(feed.cursor_key)
        since: str | None = resume.get("since") if resume else stored
        token: str | None = resume.get("token") if resume else None
        newest: str | None = resume.get("newest") if resume else None
        while True:
            if feed.budgeted and pacer.spent():
                if token:
                    cursor[resume_key] = {"token": token, "newest": newest, "since": since}
                return
            try:
                page = feed.fetch(since, token, pacer.page_size(feed.min_results) if feed.budgeted else 100)
            except ApiPermanentError:
                if resume is None or token is None:
                    raise
                # The saved pagination token expired: start this read over from its cursor.
                logger.info("%s: pagination token refused, re-reading from the cursor", feed.name)
                cursor.pop(resume_key, None)
                resume, token, newest = None, None, None
                continue
            except ApiError:
                if token:  # retry this very page next time
                    cursor[resume_key] = {"token": token, "newest": newest, "since": since}
                raise
            pacer.observe(feed.name, client.rate)
            if feed.budgeted:
                pacer.spend(len(page.get("data") or []))
            events = feed.split(page)
            reached = False
            if feed.stop_at_seen and since:
                fresh = [e for e in events if int(e.platform_id) > int(since)]
                reached = len(fresh) < len(events)
                events = fresh
            record(events)
            if newest is None:
                newest = _newest(page)
            next_token = (page.get("meta") or {}).get("next_token")
            if not next_token or reached or (feed.baseline_page_only and not since):
                if newest and (not stored or int(newest) > int(stored)):
                    cursor[feed.cursor_key] = newest
                cursor.pop(resume_key, None)
                return
            token = str(next_token)
            if pacer.is_paused(feed.name) or (feed.budgeted and pacer.spent()):
                cursor[resume_key] = {"token": token, "newest": newest, "since": since}
                return

    # --- webhooks (Account Activity API) --------------------------------------------
    def handshake(self, request: HttpRequest, account: BrandAccount) -> HttpResponse | None:
        """X's challenge-response check: GET ?crc_token=… answered with
        {"response_token": "sha256=" + base64(HMAC-SHA256(consumer_secret, crc_token))}."""
        crc_token = request.GET.get("crc_token", "")
        if not crc_token:
            raise MalformedWebhook("no crc_token")
        secret = str(account.credentials.get("consumer_secret") or "")
        if not secret:
            raise SignatureInvalid("the account has no consumer_secret to answer the CRC with")
        return JsonResponse({"response_token": crc_response_token(secret, crc_token)})

    def verify(self, request: HttpRequest, account: BrandAccount) -> None:
        secret = str(account.credentials.get("consumer_secret") or "")
        if not secret:
            raise SignatureInvalid("the account has no consumer_secret to check signatures with")
        given = request.headers.get(SIGNATURE_HEADER, "")
        if not given.startswith("sha256="):
            raise SignatureInvalid(f"missing {SIGNATURE_HEADER}")
        if not hmac.compare_digest(given.encode(), signature_for(secret, request.body).encode()):
            raise SignatureInvalid(f"bad {SIGNATURE_HEADER}")

    def webhook_events(self, request: HttpRequest, account: BrandAccount) -> list[RawEvent]:
        try:
            body = parsing.loads_body(request.body)
        except ValueError as exc:
            raise MalformedWebhook(f"body is not JSON: {exc}") from exc
        for_user = str(body.get("for_user_id", "")) if isinstance(body, dict) else ""
        if account.platform_user_id and for_user and for_user != account.platform_user_id:
            # Signed by our app for another user subscribed to its one webhook: parsed as that
            # user's, and the webhook view files it under that user's account (or drops it).
            return [replace(e, recipient=for_user) for e in parser.aaa_events(body, brand_id=for_user)]
        return parser.aaa_events(body, brand_id=account.platform_user_id)

    def webhook_recipient_ids(self, account: BrandAccount) -> frozenset[str]:
        return frozenset({account.platform_user_id} - {""})

    def webhook_app_secret(self, account: BrandAccount) -> str:
        return str(account.credentials.get("consumer_secret") or "")

    def parse(self, kind: str, payload: dict[str, Any]) -> Sequence[NormalizedMessage | NormalizedStatus]:
        return parser.parse(kind, payload)

    # --- limits ---------------------------------------------------------------------
    def limits_for(self, kind: str) -> ChannelLimits:
        return DM_LIMITS if kind == "dm" else TWEET_LIMITS

    def attachment_limits_for(self, kind: str, mode: str = "") -> AttachmentLimits | None:
        """Pictures only: up to four on a post, one on a direct message."""
        if kind == "dm" or mode == "private":
            return DM_ATTACHMENTS
        return POST_ATTACHMENTS

    def can_reply_privately(self, kind: str) -> bool:
        """A public post can move to a DM (if the customer accepts DMs from the brand)."""
        return kind in ("mention", "search_mention")

    def check_reply(self, context: ReplyContext) -> str:
        return ""  # X has no reply windows for posts or DMs

    def count(self, text: str) -> int:
        return weighted_length(text)

    def count_for(self, kind: str, text: str) -> int:
        """Length in the units of limits_for(kind): weighted for posts, characters for DMs."""
        return len(text) if self.limits_for(kind).counting == "chars" else weighted_length(text)

    def permalink(self, account: BrandAccount, platform_id: str, author_handle: str = "") -> str:
        """Where an agent sees this tweet on X (only for the real API, not a fake)."""
        if account.base_url and account.base_url.rstrip("/") != CANONICAL_BASE:
            return ""  # a proxy or a fake: there is no public page to link to
        return f"https://x.com/i/web/status/{platform_id}"

    # --- admin ----------------------------------------------------------------------
    def oauth_begin(self, app: OAuthApp, *, callback_url: str, state: str) -> OAuthStart:
        """A request token for `callback_url`; the browser goes to X's consent page with it.
        `saved` holds the request token and its secret for oauth_complete (`state` is unused)."""
        return oauth_flow.begin(app, callback_url=callback_url)

    def oauth_complete(
        self, app: OAuthApp, *, callback_url: str, params: dict[str, str], saved: dict[str, str]
    ) -> list[OAuthChoice]:
        """The callback's oauth_token must be the saved request token; its verifier buys the
        access token; the one choice is the user who authorised, with all five credentials
        (the bearer token when X gave one)."""
        return oauth_flow.complete(app, callback_url=callback_url, params=params, saved=saved)

    def webhook_register(self, account: BrandAccount, webhook_url: str) -> str:
        """A valid X webhook for `webhook_url` (an existing one for the URL is reused, an
        invalid one validated again), the account's user subscribed to it, and its id kept
        in account.options["webhook_id"]."""
        return registration.register(account, webhook_url)

    def test_connection(self, account: BrandAccount) -> dict[str, str]:
        """GET /2/users/me with the account's credentials: who they are, and how they sign."""
        client = client_for(account)
        me = client.me()
        username = str(me.get("username") or "")
        return {
            "id": str(me.get("id") or ""),
            "name": str(me.get("name") or ""),
            "username": f"@{username}" if username else "",
            "auth": "user context (OAuth 1.0a): reads mentions and DMs, posts replies"
            if client.user_context
            else "app-only bearer token: reads mentions only, cannot reply or read DMs",
        }

    # --- sending --------------------------------------------------------------------
    @staticmethod
    def _is_dm(outbound: OutboundRequest) -> bool:
        return outbound.kind == "dm" or outbound.mode == "private"

    @staticmethod
    def _participant(account: BrandAccount, outbound: OutboundRequest) -> str:
        """Whom a DM goes to: the customer (their X user id)."""
        if outbound.recipient.isdigit():
            return outbound.recipient
        if outbound.kind == "dm" and "-" in outbound.thread_key:
            others = [p for p in outbound.thread_key.split("-") if p != account.platform_user_id]
            if len(others) == 1 and others[0].isdigit():
                return others[0]
        raise ApiPermanentError("No X user to send the direct message to.")

    def split_thread(self, kind: str, text: str) -> list[str] | None:
        return split_into_thread(text) if kind in ("mention", "search_mention") else None

    def send(self, account: BrandAccount, outbound: OutboundRequest) -> str:
        client = client_for(account)
        if outbound.mode == "thread":
            return self._send_thread(account, client, outbound)
        if self._is_dm(outbound):
            media = self._upload(client, outbound, use="dm")
            return client.create_dm(
                participant_id=self._participant(account, outbound), text=outbound.text,
                media_id=media[0] if media else "",
            )
        return client.create_reply(
            text=outbound.text, in_reply_to=outbound.in_reply_to, media_ids=self._upload(client, outbound, use="post")
        )

    @staticmethod
    def _upload(client: XClient, outbound: OutboundRequest, *, use: str) -> list[str]:
        """The reply's pictures uploaded for a post or a DM (their media ids, in order). A
        retry uploads again: an unused media id simply expires on X."""
        limit = (DM_ATTACHMENTS if use == "dm" else POST_ATTACHMENTS).max_files
        return [
            client.upload_media(filename=f.filename, content_type=f.content_type, content=f.content, use=use)
            for f in outbound.files[:limit]
        ]

    def _send_thread(self, account: BrandAccount, client: XClient, outbound: OutboundRequest) -> str:
        """Post the parts in order, each replying to the one before. Every part is first
        looked for among our own recent posts, so a retry after a partial send carries on
        where it stopped instead of posting the first parts again. Returns the last post."""
        user_id = self.ensure_user_id(account, client)
        previous = outbound.in_reply_to
        for number, part in enumerate(split_into_thread(outbound.text)):
            found = None
            for tweet in client.recent_own_tweets(user_id=user_id, since_id=previous, max_pages=1):
                same = parser.unescape_text(str(tweet.get("text", ""))) == part
                if same and parser.replied_to(tweet) == previous and str(tweet.get("id")) not in outbound.exclude_ids:
                    found = str(tweet["id"])
                    break
            # The pictures go with the first post of the thread.
            media = self._upload(client, outbound, use="post") if number == 0 and not found else None
            previous = found or client.create_reply(text=part, in_reply_to=previous, media_ids=media)
        return previous

    def find_sent(self, account: BrandAccount, outbound: OutboundRequest) -> str | None:
        """After an unknown outcome: did our reply reach X? A reply to the same tweet (or a
        DM to the same customer), sent by us since the first attempt started, is taken to be it."""
        if outbound.mode == "thread":
            return None  # _send_thread finds each part it already posted
        if self._is_dm(outbound):
            return self._find_sent_dm(account, outbound)
        if not outbound.in_reply_to:
            return None
        client = client_for(account)
        user_id = self.ensure_user_id(account, client)
        candidates = []
        for tweet in client.recent_own_tweets(user_id=user_id, since_id=outbound.in_reply_to):
            if parser.replied_to(tweet) != outbound.in_reply_to or str(tweet.get("id")) in outbound.exclude_ids:
                continue
            created = tweet.get("created_at")
            too_old = (
                isinstance(created, str)
                and outbound.not_before is not None
                and (parser.parse_time(created) < outbound.not_before - RECONCILE_SKEW)
            )
            if too_old:
                continue
            if parser.unescape_text(str(tweet.get("text", ""))) == outbound.text:
                return str(tweet["id"])
            candidates.append(str(tweet["id"]))
        # X rewrites links to t.co, so a changed text can still be ours.
        return candidates[-1] if candidates else None

    def _find_sent_dm(self, account: BrandAccount, outbound: OutboundRequest) -> str | None:
        participant = self._participant(account, outbound)
        client = client_for(account)
        user_id = self.ensure_user_id(account, client)
        candidates = []
        for event in client.conversation_dm_events(participant_id=participant):
            created = event.get("created_at")
            if (
                isinstance(created, str)
                and outbound.not_before is not None
                and (parser.parse_time(created) < outbound.not_before - RECONCILE_SKEW)
            ):
                break  # newest first: everything after this is older still
            event_id = str(event.get("id"))
            if str(event.get("sender_id")) != user_id or event_id in outbound.exclude_ids:
                continue
            if parser.unescape_text(str(event.get("text", ""))) == outbound.text:
                return event_id
            candidates.append(event_id)
        # Links come back as t.co: only then can a different text still be ours.
        return candidates[-1] if candidates and URL_HINT.search(outbound.text) else None


connector = XConnector()
