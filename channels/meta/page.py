"""What the Facebook Page and Instagram connectors share: Meta's webhook handshake and
signature, splitting a batched delivery into raw events, the 24-hour / 7-day reply
windows, sending through a Page's Send API and comment edges, connecting a Page with
Facebook Login (channels.meta.login.MetaLoginConnector) and pointing its webhooks at Hovor."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from django.utils import timezone

from channels.base import AttachmentLimits, ChannelLimits, MalformedWebhook, OAuthApp, ReplyContext
from channels.http import ApiPermanentError
from channels.parsing import SkippedEvent, UnsupportedEventType
from channels.types import NormalizedAuthor, NormalizedMessage, NormalizedStatus, OutboundRequest, RawEvent

from . import webhooks
from .events import split_delivery
from .login import MetaLoginConnector, new_verify_token
from .messaging import profile_author
from .page_client import PageClient, attachment_type, quick_replies_fit
from .subscriptions import app_id_for, subscribe_app, subscribe_page
from .windows import (
    COMMENT_KINDS,
    PRIVATE_REPLY_WINDOW,
    SendMode,
    check_window,
    dm_window_closed_message,
    private_reply_closed_message,
    send_mode,
)

if TYPE_CHECKING:
    from django.http import HttpRequest, HttpResponse

    from channels.models import BrandAccount

logger = logging.getLogger("hovor.channels.meta_page")

# Clock skew tolerated between us and Meta when matching a reply we may already have sent.
RECONCILE_SKEW = timedelta(seconds=60)


@dataclass(frozen=True)
class MetaCredentials:
    page_id: str
    page_access_token: str
    app_secret: str
    verify_token: str
    ig_user_id: str = ""

    @classmethod
    def of(cls, account: BrandAccount) -> MetaCredentials:
        raw = account.credentials

        def text(key: str) -> str:
            value = raw.get(key)
            return str(value).strip() if isinstance(value, (str, int)) and not isinstance(value, bool) else ""

        return cls(
            page_id=text("page_id"),
            page_access_token=text("page_access_token"),
            app_secret=text("app_secret"),
            verify_token=text("verify_token"),
            ig_user_id=text("ig_user_id") or account.platform_user_id,
        )

    def own_ids(self) -> frozenset[str]:
        return frozenset(i for i in (self.page_id, self.ig_user_id) if i)


def customer_wrote_at(extra: Any) -> datetime | None:
    """The answered message's own time, kept in its `extra` by the parser (ms for a
    message, s for a comment's created_time)."""
    if not hasattr(extra, "get"):
        return None
    for key in ("timestamp", "created_time"):
        value = extra.get(key)
        if isinstance(value, int) and not isinstance(value, bool) and value > 0:
            seconds = value / 1000 if value > 100_000_000_000 else value
            return datetime.fromtimestamp(seconds, UTC)
    return None


def _extra_str(extra: Any, key: str) -> str:
    value = extra.get(key) if hasattr(extra, "get") else None
    return value if isinstance(value, str) else ""


def page_credentials(app: OAuthApp, *, page_id: str, page_access_token: str) -> dict[str, str]:
    """A Page's credentials as an authorisation gives them (keys as channels.accounts names
    them), with a fresh verify token for the webhook handshake."""
    return {
        "page_id": page_id,
        "page_access_token": page_access_token,
        "app_secret": app.client_secret,
        "verify_token": new_verify_token(),
    }


def page_tasks(page: dict[str, Any]) -> frozenset[str]:
    tasks = page.get("tasks")
    return frozenset(t for t in tasks if isinstance(t, str)) if isinstance(tasks, list) else frozenset()


def text_of(item: dict[str, Any], key: str) -> str:
    value = item.get(key)
    return str(value) if isinstance(value, (str, int)) and not isinstance(value, bool) else ""


class MetaPageConnector(MetaLoginConnector):
    """Webhooks in, Graph API out. Subclasses set the platform, the webhook `object`, the
    parser, the change classifier and the client class, and for connecting: the permissions
    asked for, the Page task an admin needs, and the webhook fields."""

    object_name = "page"
    polls = False
    # A Page on which the admin cannot perform this task is not offered when connecting.
    page_task = "MESSAGING"
    # The app's webhook fields for `object_name`, and the fields the Page is subscribed to.
    app_fields: tuple[str, ...] = ()
    page_fields: tuple[str, ...] = ()
    # Each platform's own (its limits.py): a reply to a private message, and a public
    # reply to a comment.
    limits: ChannelLimits
    comment_limits: ChannelLimits
    client_class: type[PageClient] = PageClient
    # What a private message may carry (a comment reply carries text only), and how files
    # reach the platform: uploaded (the Attachment Upload API), or fetched by the platform
    # from Hovor's signed link (OutboundFile.url).
    dm_attachment_limits: AttachmentLimits | None = None
    files_by_url = False

    # Set by subclasses: staticmethod(<platform>.parser.parse / .classify_change).
    @staticmethod
    def parse_event(kind: str, payload: dict[str, Any]) -> Sequence[NormalizedMessage | NormalizedStatus]:
        raise UnsupportedEventType(kind)

    @staticmethod
    def classify_change(field: str, value: dict[str, Any], entry_id: str, own_ids: frozenset[str]) -> tuple[str, str]:
        return f"field.{field}", f"field:{field}:{entry_id}"

    def client_for(self, account: BrandAccount) -> PageClient:
        creds = MetaCredentials.of(account)
        return self.client_class(
            base_url=account.base_url,
            page_id=creds.page_id,
            page_access_token=creds.page_access_token,
            account_ref=str(account.pk),
        )

    # --- profiles ---------------------------------------------------------------------
    fetches_profiles = True

    def fetch_profile(self, account: BrandAccount, external_id: str) -> NormalizedAuthor | None:
        """The person's name and picture from the user-profile API (Page token); webhook
        messages carry only their id."""
        return profile_author(external_id, self.client_for(account).user_profile(user_id=external_id))

    # --- admin ------------------------------------------------------------------------
    def test_connection(self, account: BrandAccount) -> dict[str, str]:
        """The Page's id and name, as its token sees them."""
        page = self.client_for(account).graph.get(MetaCredentials.of(account).page_id, {"fields": "id,name"})
        return {"id": text_of(page, "id"), "name": text_of(page, "name")}

    def webhook_register(self, account: BrandAccount, webhook_url: str) -> str:
        """Point the app's webhooks for this platform at `webhook_url` (Meta verifies it with
        the account's verify token first) and subscribe the Page to the app."""
        creds = MetaCredentials.of(account)
        if not (creds.page_id and creds.page_access_token and creds.app_secret and creds.verify_token):
            raise ApiPermanentError(
                f"The {self.label} account needs page_id, page_access_token, app_secret and verify_token first."
            )
        options = account.options if isinstance(account.options, dict) else {}
        app_id = str(options.get("app_id") or "") or app_id_for(
            base_url=account.base_url, token=creds.page_access_token
        )
        replaced = subscribe_app(
            base_url=account.base_url,
            app_id=app_id,
            app_secret=creds.app_secret,
            object_name=self.object_name,
            callback_url=webhook_url,
            verify_token=creds.verify_token,
            fields=self.app_fields,
        )
        fields = subscribe_page(
            base_url=account.base_url,
            page_id=creds.page_id,
            page_token=creds.page_access_token,
            app_id=app_id,
            fields=self.page_fields,
        )
        sentence = (
            f"Meta verified {webhook_url} and now sends the app's {self.label} webhooks "
            f"({', '.join(self.app_fields)}) there; the Page {creds.page_id} is subscribed to the app "
            f"({', '.join(fields)})."
        )
        if replaced:
            sentence += (
                f" This replaced {replaced}: Meta sends one app's {self.label} webhooks to one address, so "
                "the other accounts connected through this app deliver here too, and Hovor files each delivery "
                "under the account of the Page it names."
            )
        return sentence

    # --- inbound ----------------------------------------------------------------------
    def handshake(self, request: HttpRequest, account: BrandAccount) -> HttpResponse | None:
        return webhooks.handshake(request, MetaCredentials.of(account).verify_token)

    def verify(self, request: HttpRequest, account: BrandAccount) -> None:
        webhooks.verify_signature(request, MetaCredentials.of(account).app_secret)

    def split(self, data: dict[str, Any], *, own_ids: frozenset[str]) -> list[RawEvent]:
        return split_delivery(data, own_ids=own_ids, classify_change=self.classify_change)

    def webhook_recipient_ids(self, account: BrandAccount) -> frozenset[str]:
        return MetaCredentials.of(account).own_ids()

    def webhook_app_secret(self, account: BrandAccount) -> str:
        return MetaCredentials.of(account).app_secret

    def webhook_events(self, request: HttpRequest, account: BrandAccount) -> list[RawEvent]:
        """One raw event per messaging item and change (Meta batches up to 1000). Types are
        checked at the edge: a delivery with an item that would not parse is refused (400)
        before anything is stored; kinds Hovor ignores are stored and marked ignored."""
        try:
            data = webhooks.json_body(request, expected_object=self.object_name)
        except RecursionError as exc:  # absurdly deep nesting: not something Meta sends
            raise MalformedWebhook("body is nested too deeply") from exc
        events = self.split(data, own_ids=MetaCredentials.of(account).own_ids())
        for event in events:
            try:
                self.parse(event.kind, event.payload)
            except SkippedEvent:
                continue
            except (ValueError, TypeError, KeyError, AttributeError) as exc:
                raise MalformedWebhook(f"{event.kind} {event.platform_id}: {exc}") from exc
        return events

    def parse(self, kind: str, payload: dict[str, Any]) -> Sequence[NormalizedMessage | NormalizedStatus]:
        return self.parse_event(kind, payload)

    # --- outbound rules ---------------------------------------------------------------
    def limits_for(self, kind: str) -> ChannelLimits:
        return self.comment_limits if kind in COMMENT_KINDS else self.limits

    def attachment_limits_for(self, kind: str, mode: str = "") -> AttachmentLimits | None:
        return None if kind in COMMENT_KINDS or mode == "private" else self.dm_attachment_limits

    def can_reply_privately(self, kind: str) -> bool:
        """A comment can be answered with a private message (once, within 7 days)."""
        return kind in COMMENT_KINDS

    def check_reply(self, context: ReplyContext) -> str:
        return check_window(
            platform=str(self.label),
            kind=context.kind,
            mode=context.mode,
            last_customer_message_at=context.last_customer_message_at,
            now=context.now,
        )

    def _check_length(self, text: str, limits: ChannelLimits) -> None:
        length = len(text.encode("utf-8")) if limits.counting == "utf8-bytes" else len(text)
        if length > limits.max_length:
            unit = "bytes" if limits.counting == "utf8-bytes" else "characters"
            raise ApiPermanentError(f"Too long for {self.label}: {length}/{limits.max_length} {unit}.")

    # --- sending ----------------------------------------------------------------------
    def send(self, account: BrandAccount, outbound: OutboundRequest) -> str:
        client = self.client_for(account)
        now = timezone.now()
        if outbound.mode == "private":
            return self._send_private(client, outbound, now)
        if outbound.kind in COMMENT_KINDS:
            target = (
                _extra_str(outbound.extra, "thread_comment_id")
                or _extra_str(outbound.extra, "comment_id")
                or outbound.in_reply_to
            )
            if not target:
                raise ApiPermanentError(f"There is no {self.label} comment to reply to.")
            self._check_length(outbound.text, self.comment_limits)
            return client.reply_to_comment(comment_id=target, text=outbound.text)
        recipient = outbound.recipient or outbound.thread_key
        if not recipient:
            raise ApiPermanentError(f"There is no {self.label} conversation to reply to.")
        last = customer_wrote_at(outbound.extra)
        mode = send_mode(last, now)
        if mode is None:
            assert last is not None
            raise ApiPermanentError(dm_window_closed_message(str(self.label), last, now))
        self._check_length(outbound.text, self.limits)
        if not outbound.files:
            # Offered answers as quick replies where they fit (else the text says how to answer).
            buttons = outbound.choices if quick_replies_fit(outbound.choices) else ()
            return client.send_message(recipient_id=recipient, text=outbound.text, mode=mode, quick_replies=buttons)
        return self._send_files(client, recipient, outbound, mode)

    def _send_files(self, client: PageClient, recipient: str, outbound: OutboundRequest, mode: SendMode) -> str:
        """A message carries text or one attachment: the text first (when there is any), then
        each file as a message of its own. The reply's platform id is the first message's."""
        limits = self.dm_attachment_limits
        if limits is None:
            raise ApiPermanentError(f"{self.label} replies cannot carry files.")
        for file in outbound.files:
            if not limits.allows(file.content_type) or len(file.content) > limits.max_bytes_for(file.content_type):
                raise ApiPermanentError(f"{self.label} does not take {file.filename} ({file.content_type}).")
            if self.files_by_url and not file.url:
                raise ApiPermanentError(f"{self.label} fetches files by link, and Hovor has none for {file.filename}.")
        first = ""
        if outbound.text.strip():
            first = client.send_message(recipient_id=recipient, text=outbound.text, mode=mode)
        for file in outbound.files:
            payload = (
                {"url": file.url} if self.files_by_url else {"attachment_id": client.upload_attachment(file=file)}
            )
            sent = client.send_attachment(
                recipient_id=recipient, kind=attachment_type(file.content_type), payload=payload, mode=mode
            )
            first = first or sent
        return first

    def _send_private(self, client: PageClient, outbound: OutboundRequest, now: datetime) -> str:
        if outbound.kind not in COMMENT_KINDS:
            raise ApiPermanentError("Only a comment can be answered with a private reply.")
        comment_id = _extra_str(outbound.extra, "comment_id") or outbound.in_reply_to
        if not comment_id:
            raise ApiPermanentError(f"There is no {self.label} comment to reply to privately.")
        written = customer_wrote_at(outbound.extra)
        if written is not None and now - written >= PRIVATE_REPLY_WINDOW:
            raise ApiPermanentError(private_reply_closed_message(str(self.label), written, now))
        self._check_length(outbound.text, self.limits)
        return client.send_private_reply(comment_id=comment_id, text=outbound.text)

    # --- reconciling ------------------------------------------------------------------
    def find_sent(self, account: BrandAccount, outbound: OutboundRequest) -> str | None:
        """After an unknown outcome (timeout, 5xx): did our reply get there? A message or
        comment reply from us with the same text, made since the first attempt started and
        not one of our earlier replies, is taken to be it. A private reply cannot be listed:
        if the comment no longer takes one, our earlier attempt used it up."""
        client = self.client_for(account)
        if outbound.mode == "private":
            comment_id = _extra_str(outbound.extra, "comment_id") or outbound.in_reply_to
            if comment_id and client.can_reply_privately(comment_id=comment_id) is False:
                return f"private-reply:{comment_id}"
            return None
        if outbound.kind in COMMENT_KINDS:
            target = _extra_str(outbound.extra, "thread_comment_id") or outbound.in_reply_to
            if not target:
                return None
            # Not the customer's own comments; the Page's (or the Instagram account's) id is
            # not always known for Instagram, so anyone else's exact text since our attempt counts.
            mine = [c for c in client.comment_replies(comment_id=target) if c["from_id"] != outbound.recipient]
        else:
            recipient = outbound.recipient or outbound.thread_key
            if not recipient:
                return None
            mine = [m for m in client.conversation_messages(user_id=recipient) if m["from_id"] != recipient]
        for item in mine:
            if not item["id"] or item["id"] in outbound.exclude_ids or item["text"] != outbound.text:
                continue
            at = item["at"]
            if outbound.not_before is not None and at is not None and at < outbound.not_before - RECONCILE_SKEW:
                continue
            return str(item["id"])
        return None
