"""A plain requests client for the Telegram Bot API (`{base}/bot<token>/<method>`, JSON
POST bodies), with Telegram's answers mapped onto the channels error family.

The bot token is part of every URL. Nothing this module raises or logs contains it:
error messages are built from Telegram's `description`, transport errors are re-raised
without their chained cause (requests puts the URL in its messages), and a logging filter
scrubs urllib3's debug lines ("POST /bot<token>/sendMessage …")."""
from __future__ import annotations

import json
import logging
import re
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from http import HTTPStatus
from typing import Any

import requests

from channels.http import (
    ApiAuthError,
    ApiError,
    ApiOutcomeUnknown,
    ApiPermanentError,
    ApiRateLimited,
    DownloadTooLarge,
    download,
    make_session,
    transport_error,
)
from channels.types import OutboundFile

from .limits import MAX_CAPTION_LENGTH, PHOTO_TYPES, text_problem

logger = logging.getLogger("hovor.channels.telegram")

CANONICAL_BASE = "https://api.telegram.org"
# What Hovor asks Telegram for (polling and webhook alike); everything else is noise.
# callback_query: a press of a button of ours (the satisfaction question's).
ALLOWED_UPDATES = ["message", "edited_message", "callback_query"]
MAX_CALLBACK_DATA = 64  # bytes of an inline button's callback_data
MAX_CALLBACK_ANSWER = 200  # characters of answerCallbackQuery's text
DEFAULT_RETRY_AFTER = 5

_TOKEN_RE = re.compile(r"bot\d+:[A-Za-z0-9_-]+")


def redact(text: str, token: str = "") -> str:
    """`text` with any bot token replaced by <token>."""
    if token:
        text = text.replace(token, "<token>")
    return _TOKEN_RE.sub("bot<token>", text)


class _RedactTokens(logging.Filter):
    """urllib3 logs each request line at DEBUG, URL (and so the token) included."""

    def filter(self, record: logging.LogRecord) -> bool:
        if "bot" in str(record.msg) or any("bot" in str(a) for a in record.args or ()):
            record.msg = redact(record.getMessage())
            record.args = None
        return True


_urllib3_logger = logging.getLogger("urllib3.connectionpool")
if not any(isinstance(f, _RedactTokens) for f in _urllib3_logger.filters):
    _urllib3_logger.addFilter(_RedactTokens())


class ChatMigrated(ApiPermanentError):
    """A group became a supergroup and has a new chat id (400 with migrate_to_chat_id)."""

    def __init__(self, message: str, *, new_chat_id: int) -> None:
        super().__init__(message, status=400)
        self.new_chat_id = new_chat_id


def _forbidden_message(description: str) -> str:
    """What the agent sees when Telegram refuses to deliver to this chat (403)."""
    lowered = description.lower()
    if "blocked by the user" in lowered:
        return "The customer has blocked the brand's Telegram bot, so Telegram will not deliver this reply."
    if "can't initiate conversation" in lowered or "bot can't send messages to bots" in lowered:
        return "Telegram bots can only write to people who started a chat with the bot first."
    if "kicked" in lowered or "not a member" in lowered:
        return "The brand's Telegram bot is no longer a member of this group, so it cannot reply there."
    if "deactivated" in lowered:
        return "The customer's Telegram account has been deleted."
    return f"Telegram refused to deliver the reply ({description or '403 Forbidden'})."


def _phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


def error_for(status: int, body: Any, *, what: str) -> ApiError:
    """Telegram's error answer -> the channels error family (safe to show an agent)."""
    data: dict[str, Any] = body if isinstance(body, dict) else {}
    raw_code = data.get("error_code")
    code: int = raw_code if isinstance(raw_code, int) and not isinstance(raw_code, bool) else status
    description = redact(str(data.get("description") or _phrase(status)))
    raw_parameters = data.get("parameters")
    parameters: dict[str, Any] = raw_parameters if isinstance(raw_parameters, dict) else {}
    text = f"Telegram {code}: {description}"
    if code == 429:
        retry_after = parameters.get("retry_after")
        seconds = retry_after if isinstance(retry_after, int) and retry_after >= 0 else DEFAULT_RETRY_AFTER
        return ApiRateLimited(text, retry_at=datetime.now(UTC) + timedelta(seconds=seconds))
    if code in (401, 404):
        # 401: the token was revoked or is wrong; 404: Telegram does not know this bot URL.
        return ApiAuthError(f"{text} (check the bot token)", status=status)
    if code == 403:
        return ApiPermanentError(_forbidden_message(description), status=403)
    migrate_to = parameters.get("migrate_to_chat_id")
    if isinstance(migrate_to, int) and not isinstance(migrate_to, bool):
        return ChatMigrated(text, new_chat_id=migrate_to)
    if code == 409 and what == "getUpdates":
        return ApiPermanentError(
            f"{text}. Telegram refuses polling while a webhook is set or another program polls this bot: "
            "delete the webhook, stop the other program, or switch the account to webhook mode.",
            status=409,
        )
    if code >= 500 or status >= 500:
        return ApiOutcomeUnknown(text, status=status)
    return ApiPermanentError(text, status=status)


def inline_keyboard(buttons: Sequence[tuple[str, str]]) -> dict[str, Any]:
    """InlineKeyboardMarkup with the buttons in one row; a button's callback_data is its
    payload (1–64 bytes, which Telegram returns in the callback query's `data`)."""
    for _label, data in buttons:
        if not 1 <= len(data.encode("utf-8")) <= MAX_CALLBACK_DATA:
            raise ApiPermanentError(f"A Telegram button's data must be 1–{MAX_CALLBACK_DATA} bytes.", status=400)
    return {"inline_keyboard": [[{"text": label, "callback_data": data} for label, data in buttons]]}


class TelegramClient:
    def __init__(self, *, base_url: str, token: str, account_ref: str = "") -> None:
        if not token:
            raise ApiAuthError("The Telegram account has no bot_token.")
        self.base = (base_url or CANONICAL_BASE).rstrip("/")
        self.token = token
        self.account_ref = account_ref
        self.session = make_session()

    def call(
        self, method: str, params: dict[str, Any] | None = None, *, timeout: float | None = None,
        files: dict[str, tuple[str, bytes, str]] | None = None,
    ) -> Any:
        """POST one Bot API method; returns `result`, or raises an ApiError. With `files` the
        request is multipart/form-data (an upload), its other fields as form values."""
        url = f"{self.base}/bot{self.token}/{method}"
        try:
            if files:
                form = {k: v if isinstance(v, str) else json.dumps(v) for k, v in (params or {}).items()}
                response = self.session.post(url, data=form, files=files, timeout=timeout)
            else:
                response = self.session.post(url, json=params or {}, timeout=timeout)
        except requests.RequestException as exc:
            # `from None`: the cause's message holds the URL, and the URL holds the token.
            raise transport_error(exc, who="Telegram", what=method) from None
        try:
            body = response.json()
        except ValueError:
            body = None
        if response.ok and isinstance(body, dict) and body.get("ok") is True and "result" in body:
            return body["result"]
        if response.ok:
            raise ApiOutcomeUnknown(f"unreadable answer from Telegram ({method})", status=response.status_code)
        error = error_for(response.status_code, body, what=method)
        logger.info("telegram %s for account %s: %s", method, self.account_ref, error.message)
        raise error

    # --- methods -----------------------------------------------------------------------
    def get_me(self) -> dict[str, Any]:
        result = self.call("getMe")
        if not isinstance(result, dict):
            raise ApiOutcomeUnknown("unreadable getMe answer from Telegram")
        return result

    def get_updates(
        self, *, offset: int | None, limit: int = 100, timeout: int = 0, allowed_updates: list[str] | None = None
    ) -> list[dict[str, Any]]:
        params: dict[str, Any] = {"limit": limit, "timeout": timeout}
        if offset is not None:
            params["offset"] = offset
        if allowed_updates is not None:
            params["allowed_updates"] = allowed_updates
        result = self.call("getUpdates", params)
        if not isinstance(result, list):
            raise ApiOutcomeUnknown("unreadable getUpdates answer from Telegram")
        return result

    def set_webhook(
        self, *, url: str, secret_token: str, allowed_updates: list[str], drop_pending_updates: bool = False
    ) -> bool:
        params: dict[str, Any] = {"url": url, "allowed_updates": allowed_updates}
        if secret_token:
            params["secret_token"] = secret_token
        if drop_pending_updates:
            params["drop_pending_updates"] = True
        return self.call("setWebhook", params) is True

    def delete_webhook(self, *, drop_pending_updates: bool = False) -> bool:
        return self.call("deleteWebhook", {"drop_pending_updates": drop_pending_updates}) is True

    def get_webhook_info(self) -> dict[str, Any]:
        result = self.call("getWebhookInfo")
        return result if isinstance(result, dict) else {}

    def send_message(
        self, *, chat_id: int, text: str, reply_to: int | None = None,
        buttons: Sequence[tuple[str, str]] = (),
    ) -> dict[str, Any]:
        """sendMessage as plain text (no parse_mode: nothing the agent types is read as
        HTML or Markdown). A reply that quotes a message Telegram no longer has is still
        delivered (allow_sending_without_reply). `buttons` ((label, callback data) each)
        become one row of an inline keyboard (reply_markup InlineKeyboardMarkup)."""
        problem = text_problem(text)
        if problem:
            raise ApiPermanentError(problem, status=400)
        params: dict[str, Any] = {"chat_id": chat_id, "text": text}
        if reply_to:
            params["reply_parameters"] = {"message_id": reply_to, "allow_sending_without_reply": True}
        if buttons:
            params["reply_markup"] = inline_keyboard(buttons)
        result = self.call("sendMessage", params)
        if not isinstance(result, dict) or not isinstance(result.get("message_id"), int):
            raise ApiOutcomeUnknown("Telegram accepted the message but returned no message_id")
        return result

    def answer_callback_query(self, *, callback_query_id: str, text: str = "") -> bool:
        """answerCallbackQuery: the pressing client stops its progress indicator and shows
        `text` (0–200 characters) as a notice at the top of the chat."""
        params: dict[str, Any] = {"callback_query_id": callback_query_id}
        if text:
            params["text"] = text[:MAX_CALLBACK_ANSWER]
        return self.call("answerCallbackQuery", params) is True

    def send_file(
        self, *, chat_id: int, file: OutboundFile, caption: str = "", reply_to: int | None = None
    ) -> dict[str, Any]:
        """sendPhoto for a picture Telegram shows as one, else sendDocument (the file as sent)."""
        if len(caption) > MAX_CAPTION_LENGTH:
            raise ApiPermanentError(
                f"Too long for a Telegram caption: {len(caption)}/{MAX_CAPTION_LENGTH}.", status=400
            )
        field, method = ("photo", "sendPhoto") if file.content_type in PHOTO_TYPES else ("document", "sendDocument")
        params: dict[str, Any] = {"chat_id": chat_id}
        if caption:
            params["caption"] = caption
        if reply_to:
            params["reply_parameters"] = {"message_id": reply_to, "allow_sending_without_reply": True}
        result = self.call(method, params, files={field: (file.filename, file.content, file.content_type)})
        if not isinstance(result, dict) or not isinstance(result.get("message_id"), int):
            raise ApiOutcomeUnknown("Telegram accepted the file but returned no message_id")
        return result

    def download_file(self, *, file_id: str, max_bytes: int) -> bytes:
        """getFile, then GET {base}/file/bot<token>/<file_path> (bots may fetch up to 20 MB)."""
        info = self.call("getFile", {"file_id": file_id})
        path = info.get("file_path") if isinstance(info, dict) else None
        if not isinstance(path, str) or not path:
            raise ApiPermanentError("Telegram has no downloadable file for this attachment (over 20 MB?)")
        size = info.get("file_size")
        if isinstance(size, int) and size > max_bytes:
            raise DownloadTooLarge(f"the file is {size} bytes, over the {max_bytes} limit")
        # download()'s errors name Telegram, never the URL (which holds the token).
        url = f"{self.base}/file/bot{self.token}/{path}"
        return download(self.session, url, max_bytes=max_bytes, who="Telegram")
