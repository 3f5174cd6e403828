"""The Viber connector: a brand's bot on the REST Bot API. Callbacks come to the one webhook
view, signed with `X-Viber-Content-Signature` (hex HMAC-SHA256 of the raw body, keyed with
the bot's auth token); replies go out by send_message; delivered/seen/failed callbacks move
the reply's delivery state. Viber has no polling API and no history to import.

Credentials: `auth_token` (the bot's token from the Viber Admin Panel). Options: an optional
`sender_name`, the name shown above replies (≤ 28 characters; default: the brand's name).

Whether the bot may write to a person is Viber's subscription state: someone who
unsubscribed cannot be messaged until they write again. The reply check reads it back from
the account's own stored callbacks (see `unsubscribed_since`)."""

from __future__ import annotations

import hashlib
import hmac
import io
import logging
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext, gettext_lazy
from PIL import Image, UnidentifiedImageError

from channels import parsing
from channels.base import (
    AttachmentLimits,
    Badge,
    BaseConnector,
    ChannelLimits,
    CredentialField,
    FormConnect,
    MalformedWebhook,
    MessageKind,
    ReplyContext,
    SignatureInvalid,
)
from channels.http import ApiPermanentError
from channels.models import InboundEvent
from channels.parsing import MalformedPayload, SkippedEvent
from channels.types import NormalizedMessage, NormalizedStatus, OutboundFile, OutboundRequest, RawEvent

from . import parser
from .client import ViberClient, keyboard_fits
from .limits import ATTACHMENTS, LIMITS, PICTURE_MAX_BYTES, PICTURE_TEXT_MAX, PICTURE_TYPES, text_length

if TYPE_CHECKING:
    from django.http import HttpRequest

    from channels.models import BrandAccount

logger = logging.getLogger("hovor.channels.viber")

SIGNATURE_HEADER = "X-Viber-Content-Signature"
# Between Viber's clock (callback timestamps) and ours (received_at): how far back a stored
# message may have been received before the time it says it was sent.
CLOCK_SLACK = timedelta(days=1)


def client_for(account: BrandAccount) -> ViberClient:
    return ViberClient(
        base_url=account.base_url,
        auth_token=str(account.credentials.get("auth_token") or ""),
        account_ref=str(account.pk),
    )


def is_picture(file: OutboundFile) -> bool:
    """Whether Viber shows this file as a picture: JPEG, PNG or a still GIF of at most 1 MB
    (an animated GIF or a bigger picture goes as a file)."""
    if file.content_type not in PICTURE_TYPES or len(file.content) > PICTURE_MAX_BYTES:
        return False
    if file.content_type == "image/gif":
        try:
            with Image.open(io.BytesIO(file.content)) as image:
                return not getattr(image, "is_animated", False)
        except (UnidentifiedImageError, OSError, ValueError):
            return False
    return True


def signature(body: bytes, auth_token: str) -> str:
    """What Viber puts in X-Viber-Content-Signature for this body."""
    return hmac.new(auth_token.encode("utf-8"), body, hashlib.sha256).hexdigest()


def sender_of(account: BrandAccount) -> str:
    """The name Viber shows above the brand's replies: the account's `sender_name` option,
    else the brand's name."""
    chosen = (account.options or {}).get("sender_name")
    return str(chosen) if isinstance(chosen, str) and chosen.strip() else account.brand.name


def _decode(body: bytes) -> dict[str, Any]:
    try:
        data = parsing.loads_body(body)
    except ValueError as exc:
        raise MalformedWebhook(f"body is not a JSON callback: {type(exc).__name__}") from exc
    if not isinstance(data, dict):
        raise MalformedWebhook("body is not a JSON object")
    return dict(parser.storable(data))


# --- subscription state, read back from the account's stored callbacks ---------------------
def _customer_at(account: BrandAccount, sent_at: datetime) -> str:
    """The Viber id of whoever wrote the message sent at `sent_at` (the reply check knows the
    answered message only by its time): "" when no stored message, or more than one person,
    has that millisecond."""
    senders = {
        sender
        for sender in InboundEvent.objects.filter(
            account=account,
            kind="message",
            received_at__gte=sent_at - CLOCK_SLACK,
            payload__timestamp=parser.millis(sent_at),
        ).values_list("payload__sender__id", flat=True)[:5]
        if isinstance(sender, str) and sender
    }
    return senders.pop() if len(senders) == 1 else ""


def _latest(account: BrandAccount, kind: str, key: str, user: str, since: int) -> int | None:
    stamps = InboundEvent.objects.filter(
        account=account, kind=kind, payload__timestamp__gt=since, **{f"payload__{key}": user}
    ).values_list("payload__timestamp", flat=True)
    return max((s for s in stamps if isinstance(s, int) and not isinstance(s, bool)), default=None)


def unsubscribed_since(account: BrandAccount, sent_at: datetime) -> bool:
    """Whether the person who wrote at `sent_at` unsubscribed from the bot after that and has
    neither subscribed nor written again since (writing to a bot subscribes to it)."""
    user = _customer_at(account, sent_at)
    if not user:
        return False
    since = parser.millis(sent_at)
    left = _latest(account, "unsubscribed", "user_id", user, since)
    if left is None:
        return False
    back = [
        _latest(account, "subscribed", "user__id", user, left),
        _latest(account, "message", "sender__id", user, left),
        _latest(account, "conversation_started", "user__id", user, left),
    ]
    # conversation_started says whether they are subscribed; opening the chat alone is not enough.
    if back[2] is not None:
        back[2] = back[2] if _opened_subscribed(account, user, back[2]) else None
    return all(b is None for b in back)


def _opened_subscribed(account: BrandAccount, user: str, at: int) -> bool:
    return InboundEvent.objects.filter(
        account=account, kind="conversation_started", payload__user__id=user, payload__timestamp=at,
        payload__subscribed=True,
    ).exists()


class ViberConnector(BaseConnector):
    platform = "viber"
    label = gettext_lazy("Viber")
    badge = Badge(background="#7360f2", color="#ffffff")  # Viber purple, white text
    credential_fields = (
        CredentialField(
            "auth_token",
            gettext_lazy("Auth token (from the Viber Admin Panel)"),
            gettext_lazy("Viber also signs every callback it sends to Hovor with it."),
        ),
    )
    option_fields = (
        CredentialField(
            "sender_name",
            gettext_lazy("Name shown above replies (at most 28 characters; default: the brand's name)"),
            secret=False,
            required=False,
        ),
    )
    connects = FormConnect()
    polls = False  # Viber has no polling API and no history to import
    webhooks = True
    registers_webhooks = True
    kinds = (MessageKind(parser.KIND_MESSAGE, gettext_lazy("Viber message")),)
    limits: ChannelLimits = LIMITS
    attachment_limits: AttachmentLimits | None = ATTACHMENTS
    sla_class = "social"

    # --- inbound ------------------------------------------------------------------------
    def verify(self, request: HttpRequest, account: BrandAccount) -> None:
        """Hex HMAC-SHA256 of the body exactly as received, keyed with the auth token."""
        token = str(account.credentials.get("auth_token") or "")
        if not token:
            raise SignatureInvalid("the account has no auth_token to check callbacks with")
        given = (request.headers.get(SIGNATURE_HEADER) or "").strip().lower()
        if not given:
            raise SignatureInvalid(f"missing {SIGNATURE_HEADER}")
        expected = signature(request.body, token)
        if not hmac.compare_digest(given.encode("utf-8", "replace"), expected.encode("ascii")):
            raise SignatureInvalid(f"wrong {SIGNATURE_HEADER}")

    def webhook_events(self, request: HttpRequest, account: BrandAccount) -> list[RawEvent]:
        """One callback per POST, checked here at the edge so that one Hovor could not read
        is refused (400) rather than stored. The `webhook` check is answered 200, not stored."""
        callback = _decode(request.body)
        try:
            event = parser.raw_event(callback)
        except MalformedPayload as exc:
            raise MalformedWebhook(f"unreadable callback: {exc}") from exc
        if event is None:
            return []
        try:
            parser.parse(event.kind, event.payload)
        except SkippedEvent:
            pass  # stored, then marked ignored
        except MalformedPayload as exc:
            raise MalformedWebhook(f"unreadable callback: {exc}") from exc
        return [event]

    def parse(self, kind: str, payload: dict[str, Any]) -> Sequence[NormalizedMessage | NormalizedStatus]:
        return parser.parse(kind, payload)

    # --- outbound -----------------------------------------------------------------------
    def limits_for(self, kind: str) -> ChannelLimits:
        return LIMITS

    def count(self, text: str) -> int:
        return text_length(text)

    def can_reply_privately(self, kind: str) -> bool:
        return False  # a Viber conversation is private already

    def check_reply(self, context: ReplyContext) -> str:
        """Viber refuses messages to someone who unsubscribed from the bot (status 6) until
        they write again: the composer says so before the agent sends."""
        if context.account is None or context.last_customer_message_at is None:
            return ""
        if unsubscribed_since(context.account, context.last_customer_message_at):
            return gettext(
                "The customer has unsubscribed from the brand's Viber bot: Viber delivers nothing to them "
                "until they write to it again."
            )
        return ""

    def send(self, account: BrandAccount, outbound: OutboundRequest) -> str:
        """send_message to the customer (Viber has no replies to a particular message: the
        conversation is the person, so in_reply_to only finds them)."""
        receiver = outbound.recipient or outbound.thread_key or str((outbound.extra or {}).get("sender_id") or "")
        if not receiver:
            raise ApiPermanentError("Hovor cannot tell which Viber user this reply is for.")
        client, sender = client_for(account), sender_of(account)
        if not outbound.files:
            # Offered answers as a keyboard of reply buttons where they fit one row.
            buttons = outbound.choices if keyboard_fits(outbound.choices) else ()
            return client.send_text(receiver=receiver, text=outbound.text, sender=sender, buttons=buttons)
        # One file a message: the text goes with the first picture when it fits its 512
        # characters, else first on its own; the reply's id is that of its first message.
        fits = is_picture(outbound.files[0]) and len(outbound.text) <= PICTURE_TEXT_MAX
        caption = outbound.text if fits else ""
        first = ""
        if outbound.text.strip() and not caption:
            first = client.send_text(receiver=receiver, text=outbound.text, sender=sender)
        for index, file in enumerate(outbound.files):
            if not file.url:
                raise ApiPermanentError("Viber fetches files from a link, and this file has none.")
            if is_picture(file):
                sent = client.send_picture(
                    receiver=receiver, media=file.url, text=caption if index == 0 else "", sender=sender
                )
            else:
                sent = client.send_file(
                    receiver=receiver, media=file.url, size=len(file.content), name=file.filename, sender=sender
                )
            first = first or sent
        return first

    def find_sent(self, account: BrandAccount, outbound: OutboundRequest) -> str | None:
        """Viber cannot list or look up what a bot sent, so an attempt that ended without an
        answer (a timeout, a lost connection, a 5xx) cannot be checked: the reply is sent
        again, and the customer may see it twice. Connection refused and Viber's own error
        answers mean nothing was sent, so only a lost answer can duplicate."""
        return None

    # --- setup --------------------------------------------------------------------------
    def test_connection(self, account: BrandAccount) -> dict[str, str]:
        """get_account_info: who the token is, and where Viber sends its callbacks."""
        info = client_for(account).get_account_info()
        webhook = str(info.get("webhook") or "")
        details = {
            "id": str(info.get("id") or ""),
            "name": str(info.get("name") or ""),
            "uri": str(info.get("uri") or ""),
            "subscribers": str(info.get("subscribers_count", "")),
            "webhook": webhook or "not set",
        }
        registered = str((account.options or {}).get("webhook_url") or "")
        if not webhook:
            details["warning"] = "No webhook is set, so Viber sends nothing and refuses replies: register it."
        elif registered and webhook != registered:
            details["warning"] = f"Viber sends this bot's callbacks elsewhere ({webhook}): register the webhook again."
        return details

    def webhook_register(self, account: BrandAccount, webhook_url: str) -> str:
        """set_webhook: Viber POSTs a signed `webhook` check to the URL and sets it only if
        that is answered 200, so this account must already take callbacks (it does, once
        saved with its token)."""
        answer = client_for(account).set_webhook(url=webhook_url)
        events = answer.get("event_types")
        listed = ", ".join(e for e in events if isinstance(e, str)) if isinstance(events, list) else ""
        return f"Viber now sends {account.handle}'s messages to this webhook" + (f" ({listed})." if listed else ".")


connector = ViberConnector()
