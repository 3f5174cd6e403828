"""The X connector: mentions by polling, replies by POST /2/tweets."""
from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from channels.base import BaseConnector, ChannelLimits, RecordEvents
from channels.types import NormalizedMessage, NormalizedStatus, OutboundRequest, RawEvent

from . import parser
from .client import CANONICAL_BASE, XClient
from .limits import TWEET_LIMITS, weighted_length

if TYPE_CHECKING:
    from channels.models import BrandAccount

# Clock skew tolerated between us and X when matching a reply we may already have sent.
RECONCILE_SKEW = timedelta(seconds=30)


def client_for(account: BrandAccount) -> XClient:
    return XClient(base_url=account.base_url, credentials=account.credentials, account_ref=str(account.pk))


def mention_events(page: dict[str, Any]) -> list[RawEvent]:
    """Split one mentions page into self-contained raw events (tweet + its author)."""
    users = {u.get("id"): u for u in (page.get("includes") or {}).get("users") or [] if isinstance(u, dict)}
    events = []
    for tweet in page.get("data") or []:
        if not isinstance(tweet, dict) or not tweet.get("id"):
            continue
        events.append(
            RawEvent(
                platform_id=str(tweet["id"]),
                kind="mention",
                payload={"tweet": tweet, "author": users.get(tweet.get("author_id"))},
            )
        )
    return events


class XConnector(BaseConnector):
    platform = "x"
    limits: ChannelLimits = TWEET_LIMITS
    polls = True

    def ensure_user_id(self, account: BrandAccount, client: XClient) -> str:
        if not account.platform_user_id:
            me = client.me()
            account.platform_user_id = str(me["id"])
            account.save(update_fields=["platform_user_id"])
        return account.platform_user_id

    def poll(self, account: BrandAccount, cursor: dict[str, Any], record: RecordEvents) -> dict[str, Any]:
        """Pages through every mention newer than the stored since_id, handing each page to
        `record` as it arrives; only when the last page is read does the first page's
        newest_id become the next since_id (a crash mid-way re-reads, and dedupe absorbs it)."""
        client = client_for(account)
        user_id = self.ensure_user_id(account, client)
        new_cursor = dict(cursor)
        newest: str | None = None
        for page in client.mentions_pages(user_id=user_id, since_id=cursor.get("mentions_since_id")):
            if newest is None:
                newest = (page.get("meta") or {}).get("newest_id")
            record(mention_events(page))
        if newest:
            new_cursor["mentions_since_id"] = newest
        return new_cursor

    def parse(self, kind: str, payload: dict[str, Any]) -> Sequence[NormalizedMessage | NormalizedStatus]:
        return parser.parse(kind, payload)

    def count(self, text: str) -> int:
        return weighted_length(text)

    def permalink(self, account: BrandAccount, platform_id: str, author_handle: str = "") -> str:
        """Where an agent sees this tweet on X (only for the real API, not a fake)."""
        if account.base_url and account.base_url.rstrip("/") != CANONICAL_BASE:
            return ""  # a proxy or a fake: there is no public page to link to
        return f"https://x.com/i/web/status/{platform_id}"

    def send(self, account: BrandAccount, outbound: OutboundRequest) -> str:
        return client_for(account).create_reply(text=outbound.text, in_reply_to=outbound.in_reply_to)

    def find_sent(self, account: BrandAccount, outbound: OutboundRequest) -> str | None:
        """After an unknown outcome: did our reply reach X? A reply to the same tweet,
        posted by us since the first attempt started, is taken to be it."""
        if not outbound.in_reply_to:
            return None
        client = client_for(account)
        user_id = self.ensure_user_id(account, client)
        candidates = []
        for tweet in client.recent_own_tweets(user_id=user_id, since_id=outbound.in_reply_to):
            if parser.replied_to(tweet) != outbound.in_reply_to or str(tweet.get("id")) in outbound.exclude_ids:
                continue
            created = tweet.get("created_at")
            too_old = isinstance(created, str) and outbound.not_before is not None and (
                parser.parse_time(created) < outbound.not_before - RECONCILE_SKEW
            )
            if too_old:
                continue
            if parser.unescape_text(str(tweet.get("text", ""))) == outbound.text:
                return str(tweet["id"])
            candidates.append(str(tweet["id"]))
        # X rewrites links to t.co, so a changed text can still be ours.
        return candidates[-1] if candidates else None


connector = XConnector()
