"""The Telegram connector: a bot's private chats (and the groups it is in) by polling
getUpdates or by webhook, replies by sendMessage.

Credentials: `bot_token` (from @BotFather), `webhook_secret` (the secret_token given to
setWebhook, echoed in X-Telegram-Bot-Api-Secret-Token), optional `mode`: "polling"
(default) or "webhook". Telegram answers getUpdates with 409 while a webhook is set, so a
webhook-mode account is never polled."""

from __future__ import annotations

import hmac
import logging
import secrets
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext_lazy

from channels import parsing
from channels.base import (
    Badge,
    BaseConnector,
    ChannelLimits,
    CredentialField,
    FormConnect,
    MalformedWebhook,
    MessageKind,
    RecordEvents,
    SignatureInvalid,
)
from channels.http import ApiPermanentError
from channels.parsing import SkippedEvent
from channels.types import Attachment, NormalizedMessage, NormalizedStatus, OutboundRequest, RawEvent

from . import parser
from .client import ALLOWED_UPDATES, MAX_CALLBACK_DATA, ChatMigrated, TelegramClient
from .limits import ATTACHMENT_LIMITS, GROUP_LIMITS, MAX_CAPTION_LENGTH, PRIVATE_LIMITS, text_length

if TYPE_CHECKING:
    from django.http import HttpRequest

    from channels.models import BrandAccount

logger = logging.getLogger("hovor.channels.telegram")

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
MODE_POLLING = "polling"
MODE_WEBHOOK = "webhook"
PAGE_SIZE = 100
MAX_PAGES_PER_POLL = 20
# Telegram keeps an unconfirmed update for at most 24 hours, and after a week without
# updates the next update_id is random (possibly below a stored offset). A cursor older
# than the retention is therefore dropped: asking without an offset returns whatever is
# still pending, and nothing already recorded can still be pending by then.
UPDATE_RETENTION = timedelta(hours=24)


def client_for(account: BrandAccount) -> TelegramClient:
    return TelegramClient(
        base_url=account.base_url, token=str(account.credentials.get("bot_token") or ""), account_ref=str(account.pk)
    )


def account_mode(account: BrandAccount) -> str:
    mode = account.credentials.get("mode") or (account.options or {}).get("mode") or MODE_POLLING
    return MODE_WEBHOOK if str(mode).strip().lower() == MODE_WEBHOOK else MODE_POLLING


def _as_int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str):
        try:
            return int(value.strip())
        except ValueError:
            return None
    return None


def reply_target(outbound: OutboundRequest) -> tuple[int, int | None]:
    """(chat to send to, message to reply to) for a reply to the customer's message: the
    chat and message ids kept on it, else read from its platform id `<chat>:<message>`,
    else the conversation (thread_key is the chat id) or the customer (a private chat's id
    is the user's id)."""
    extra = outbound.extra or {}
    ids = parser.split_message_id(outbound.in_reply_to) if outbound.in_reply_to else None
    chat_id = _as_int(extra.get("chat_id"))
    for candidate in (ids[0] if ids else None, outbound.thread_key, outbound.recipient):
        if chat_id is None:
            chat_id = _as_int(candidate)
    if chat_id is None:
        raise ApiPermanentError("Hovor cannot tell which Telegram chat this reply belongs to.")
    reply_to = _as_int(extra.get("message_id"))
    if reply_to is None and ids and ids[0] == chat_id:
        reply_to = ids[1]
    return chat_id, reply_to


def keyboard_buttons(outbound: OutboundRequest) -> tuple[tuple[str, str], ...]:
    """The offered answers as inline buttons, where each fits Telegram's 64-byte
    callback_data (else none: the text says how to answer without them)."""
    choices = tuple(outbound.choices)
    if any(not 1 <= len(payload.encode("utf-8")) <= MAX_CALLBACK_DATA or not label for label, payload in choices):
        return ()
    return choices


def _decode_update(body: bytes) -> dict[str, Any]:
    try:
        data = parsing.loads_body(body)
    except ValueError as exc:
        raise MalformedWebhook(f"body is not a JSON Update: {type(exc).__name__}") from exc
    if not isinstance(data, dict):
        raise MalformedWebhook("body is not a JSON object")
    if parser.has_lone_surrogates(data):
        raise MalformedWebhook("body has \\u escapes that are not Unicode text (lone surrogates)")
    return dict(parser.storable(data))


class TelegramConnector(BaseConnector):
    platform = "telegram"
    label = gettext_lazy("Telegram")
    badge = Badge(background="#e3f2fd", color="#1565c0")
    credential_fields = (
        CredentialField("bot_token", gettext_lazy("Bot token (from @BotFather)")),
        CredentialField("webhook_secret", gettext_lazy("Webhook secret token (A–Z a–z 0–9 _ -)"), required=False),
        CredentialField(
            "mode", gettext_lazy("How messages arrive: polling (default) or webhook"), secret=False, required=False
        ),
    )
    connects = FormConnect()
    polls = True
    webhooks = True
    kinds = (
        MessageKind("message", gettext_lazy("message")),
        MessageKind("group_message", gettext_lazy("group message")),
        MessageKind("message_edit", gettext_lazy("edited message")),
    )
    limits: ChannelLimits = PRIVATE_LIMITS
    attachment_limits = ATTACHMENT_LIMITS

    # --- inbound: polling ---------------------------------------------------------------
    def poll(self, account: BrandAccount, cursor: dict[str, Any], record: RecordEvents) -> dict[str, Any]:
        """getUpdates from `offset` (the last recorded update_id + 1), a page at a time.
        Telegram confirms (and forgets) updates below the offset of the *next* call, and
        each page is recorded before that call is made, so nothing is confirmed before it
        is stored; a crash re-reads at most one page, which dedupe absorbs. Short polls
        (timeout=0): the beat supplies the cadence."""
        if account_mode(account) == MODE_WEBHOOK:
            return cursor
        client = client_for(account)
        new_cursor = dict(cursor)
        offset = _as_int(cursor.get("offset"))
        advanced_at = cursor.get("advanced_at")
        if offset is not None and isinstance(advanced_at, str):
            try:
                advanced = datetime.fromisoformat(advanced_at)
            except ValueError:
                advanced = None
            if advanced is not None and advanced.tzinfo is None:
                advanced = advanced.replace(tzinfo=UTC)
            if advanced is None or advanced < datetime.now(UTC) - UPDATE_RETENTION:
                offset = None
        for _ in range(MAX_PAGES_PER_POLL):
            updates = client.get_updates(
                offset=offset, limit=PAGE_SIZE, timeout=0, allowed_updates=list(ALLOWED_UPDATES)
            )
            events: list[RawEvent] = []
            ids: list[int] = []
            for update in updates:
                update = parser.storable(update)
                try:
                    uid = parser.update_id(update)
                except ValueError:
                    logger.warning("account %s: getUpdates returned an update without update_id", account.pk)
                    continue
                ids.append(uid)
                try:
                    events.append(parser.update_event(update))
                except ValueError:
                    # Stored anyway: parsing marks it failed with the reason, visible to admins.
                    kind = next((k for k in update if k != "update_id"), "unknown")
                    events.append(RawEvent(platform_id=f"update:{uid}", kind=kind, payload=update))
            if events:
                record(events)
            if ids:
                offset = max(ids) + 1
                new_cursor = {"offset": offset, "advanced_at": datetime.now(UTC).isoformat()}
            if len(updates) < PAGE_SIZE:
                break
        return new_cursor

    # --- inbound: webhook ---------------------------------------------------------------
    def verify(self, request: HttpRequest, account: BrandAccount) -> None:
        """Telegram sends the setWebhook secret_token verbatim in a header (no HMAC)."""
        secret = str(account.credentials.get("webhook_secret") or "")
        if not secret:
            raise SignatureInvalid("the account has no webhook_secret to check deliveries with")
        given = request.headers.get(SECRET_HEADER)
        if not given:
            raise SignatureInvalid(f"missing {SECRET_HEADER}")
        if not hmac.compare_digest(given.encode("utf-8"), secret.encode("utf-8")):
            raise SignatureInvalid(f"wrong {SECRET_HEADER}")

    def webhook_events(self, request: HttpRequest, account: BrandAccount) -> list[RawEvent]:
        """One Update per POST. It is validated here, at the edge, so that a delivery we
        could not turn into a message is refused (400) rather than stored."""
        update = _decode_update(request.body)
        try:
            event = parser.update_event(update)
            parser.parse(event.kind, event.payload)
        except SkippedEvent:
            pass  # stored, then marked ignored
        except (ValueError, TypeError, KeyError, AttributeError) as exc:
            raise MalformedWebhook(f"unreadable Update: {exc}") from exc
        return [event]

    def parse(self, kind: str, payload: dict[str, Any]) -> Sequence[NormalizedMessage | NormalizedStatus]:
        return parser.parse(kind, payload)

    # --- outbound -----------------------------------------------------------------------
    def limits_for(self, kind: str) -> ChannelLimits:
        return GROUP_LIMITS if kind == parser.KIND_GROUP_MESSAGE else PRIVATE_LIMITS

    def count(self, text: str) -> int:
        return text_length(text)

    def send(self, account: BrandAccount, outbound: OutboundRequest) -> str:
        chat_id, reply_to = reply_target(outbound)
        client = client_for(account)
        try:
            message = self._send_to(client, chat_id, outbound, reply_to)
        except ChatMigrated as exc:
            # The group became a supergroup: same conversation, new chat (and message) ids.
            message = self._send_to(client, exc.new_chat_id, outbound, None)
        chat = message.get("chat")
        sent_chat = _as_int(chat.get("id")) if isinstance(chat, dict) else None
        return parser.message_id_of(sent_chat if sent_chat is not None else chat_id, message["message_id"])

    @staticmethod
    def _send_to(
        client: TelegramClient, chat_id: int, outbound: OutboundRequest, reply_to: int | None
    ) -> dict[str, Any]:
        """The text, or with files: the text as the first file's caption when it fits
        Telegram's 1024, else the text first and the files after it. The reply's platform
        id is the first message's."""
        if not outbound.files:
            return client.send_message(
                chat_id=chat_id, text=outbound.text, reply_to=reply_to, buttons=keyboard_buttons(outbound)
            )
        first: dict[str, Any] | None = None
        caption = outbound.text if text_length(outbound.text) <= MAX_CAPTION_LENGTH else ""
        if outbound.text.strip() and not caption:
            first = client.send_message(chat_id=chat_id, text=outbound.text, reply_to=reply_to)
        for index, file in enumerate(outbound.files):
            sent = client.send_file(
                chat_id=chat_id, file=file, caption=caption if index == 0 else "",
                reply_to=reply_to if first is None else None,
            )
            first = first or sent
        assert first is not None
        return first

    def press_acknowledge(self, account: BrandAccount, *, ack: str, text: str) -> None:
        """answerCallbackQuery for a pressed inline button (ack: the callback query's id)."""
        client_for(account).answer_callback_query(callback_query_id=ack, text=text)

    def fetch_attachment(
        self, account: BrandAccount, *, attachment: Attachment, index: int, kind: str, payload: dict[str, Any],
        max_bytes: int,
    ) -> bytes:
        if not attachment.ref:
            raise ApiPermanentError("Telegram gave no file_id for this attachment")
        return client_for(account).download_file(file_id=attachment.ref, max_bytes=max_bytes)

    def find_sent(self, account: BrandAccount, outbound: OutboundRequest) -> str | None:
        """The Bot API cannot list or look up messages a bot sent, so an earlier attempt
        that ended without an answer cannot be checked: the reply is sent again, and the
        customer may see it twice. Connection refused is reported as ApiUnavailable (nothing
        was sent), so only a lost answer after Telegram got the request can duplicate."""
        return None

    # --- setup --------------------------------------------------------------------------
    def test_connection(self, account: BrandAccount) -> dict[str, str]:
        """getMe (who the token is) and getWebhookInfo (whether pushes or polls will work)."""
        client = client_for(account)
        me = client.get_me()
        info = client.get_webhook_info()
        mode = account_mode(account)
        url = str(info.get("url") or "")
        details = {
            "id": str(me.get("id") or ""),
            "name": str(me.get("first_name") or ""),
            "username": f"@{me['username']}" if me.get("username") else "",
            "mode": mode,
            "webhook": url or "not set",
            "pending_updates": str(info.get("pending_update_count", 0)),
            "group_messages": "all" if me.get("can_read_all_group_messages") else "mentions and replies only",
        }
        if mode == MODE_POLLING and url:
            details["warning"] = "A webhook is set, so polling gets 409: delete it or switch to webhook mode."
        elif mode == MODE_WEBHOOK and not url:
            details["warning"] = "No webhook is registered with Telegram, so nothing arrives: register it."
        if info.get("last_error_message"):
            details["last_webhook_error"] = str(info["last_error_message"])
        return details

    registers_webhooks = True

    def webhook_register(self, account: BrandAccount, webhook_url: str) -> str:
        """setWebhook to Hovor with a secret token (made now if the account has none), then
        switch the account to webhook mode: Telegram refuses getUpdates while a webhook is set."""
        credentials = dict(account.credentials)
        if not credentials.get("webhook_secret"):
            # Stored before Telegram knows it, so no delivery can carry a secret Hovor lacks.
            credentials["webhook_secret"] = secrets.token_urlsafe(32)
            account.credentials = credentials
            account.save(update_fields=["credentials_encrypted"])
        self.set_webhook(account, webhook_url)
        account.credentials = {**credentials, "mode": MODE_WEBHOOK}
        account.save(update_fields=["credentials_encrypted"])
        return f"Telegram now delivers {account.handle}'s updates to this webhook; polling stops."

    def set_webhook(self, account: BrandAccount, url: str) -> bool:
        """Point Telegram's webhook at `url` (https://<host>/webhooks/telegram/<account id>/)
        with the account's webhook_secret as secret_token."""
        secret = str(account.credentials.get("webhook_secret") or "")
        if not secret:
            raise ApiPermanentError("Set a webhook_secret on the account before registering the webhook.")
        return client_for(account).set_webhook(url=url, secret_token=secret, allowed_updates=list(ALLOWED_UPDATES))

    def delete_webhook(self, account: BrandAccount) -> bool:
        """Back to polling: Telegram keeps undelivered updates for getUpdates."""
        return client_for(account).delete_webhook()


connector = TelegramConnector()
