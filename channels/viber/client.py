"""A requests client for the Viber REST Bot API (`POST {base}/pa/<method>`, JSON bodies,
header `X-Viber-Auth-Token`), with Viber's answers mapped onto the channels error family.

Viber answers HTTP 200 whatever happened: the JSON `status` is 0 for success and otherwise
one of its error codes, with `status_message`. Codes 1–24 are documented (see STATUS_NAMES);
any other is Viber's "general error". The token travels only in a header, so no URL, log
line or error message carries it."""
from __future__ import annotations

import json
import logging
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
    ApiUnavailable,
    make_session,
    transport_error,
)

from .limits import PICTURE_TEXT_MAX, file_name, sender_name, text_problem
from .parser import TRACKING_KEY

logger = logging.getLogger("hovor.channels.viber")

CANONICAL_BASE = "https://chatapi.viber.com"
AUTH_HEADER = "X-Viber-Auth-Token"
# What Hovor asks Viber to call back about (`message` and `webhook` always come).
EVENT_TYPES = ["delivered", "seen", "failed", "subscribed", "unsubscribed", "conversation_started"]
# Viber gives no retry time with tooManyRequests (a per-receiver rate control).
RATE_LIMIT_WAIT = timedelta(seconds=60)
MIN_API_VERSION = 1  # plain text: every Viber version that has bots shows it

STATUS_NAMES = {
    0: "ok",
    1: "invalidUrl",
    2: "invalidAuthToken",
    3: "badData",
    4: "missingData",
    5: "receiverNotRegistered",
    6: "receiverNotSubscribed",
    7: "publicAccountBlocked",
    8: "publicAccountNotFound",
    9: "publicAccountSuspended",
    10: "webhookNotSet",
    11: "receiverNoSuitableDevice",
    12: "tooManyRequests",
    13: "apiVersionNotSupported",
    14: "incompatibleWithVersion",
    15: "publicAccountNotAuthorized",
    16: "inchatReplyMessageNotAllowed",
    17: "publicAccountIsNotInline",
    18: "noPublicChat",
    19: "cannotSendBroadcast",
    20: "broadcastNotAllowed",
    21: "unsupportedCountry",
    22: "paymentUnsupported",
    23: "freeMessagesExceeded",
    24: "noBalance",
}

# The bot itself is unusable until an admin acts: the account is flagged broken.
ACCOUNT_BROKEN = {
    2: "Viber refused the auth token: copy the bot's token again from the Viber Admin Panel.",
    7: "The brand's Viber bot is blocked by Viber.",
    8: "Viber knows no bot with this auth token.",
    9: "The brand's Viber bot is suspended by Viber.",
    15: "The brand's Viber bot is not authorised to send messages.",
}
# This message cannot go out as it is; sending it again cannot help.
PERMANENT = {
    1: "Viber refused the webhook URL (it must be public HTTPS with a trusted certificate).",
    3: "Viber could not read the message (badData).",
    4: "Viber says the message lacks a required field (missingData).",
    5: "The customer's Viber account no longer exists.",
    6: "The customer has unsubscribed from the brand's Viber bot, so Viber will not deliver the reply "
    "until they write to it again.",
    10: "The brand's Viber bot has no webhook, and Viber sends nothing for it until one is set: "
    "register the webhook on the account page.",
    11: "The customer's Viber app or device cannot receive messages from bots.",
    13: "The customer's Viber app is too old for this message.",
    14: "The message does not fit the Viber version it asks for.",
    21: "Viber does not deliver this message to the customer's country.",
    22: "The brand's Viber bot does not support payment messages.",
    23: "The brand's Viber bot has used this month's free messages outside a conversation; "
    "Viber delivers replies again once the customer writes or the plan allows it.",
    24: "The brand's Viber bot has no balance left for messages outside a conversation.",
}


def _phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


def error_for(code: int, status_message: str, *, what: str) -> ApiError:
    """A non-zero `status` -> the channels error family (its message is safe to show an agent)."""
    name = STATUS_NAMES.get(code, "generalError")
    detail = f"Viber {code} {name}" + (f": {status_message}" if status_message and status_message != name else "")
    if code in ACCOUNT_BROKEN:
        return ApiAuthError(f"{ACCOUNT_BROKEN[code]} ({detail})")
    if code == 12:
        return ApiRateLimited(f"Viber asks to slow down ({detail}).", retry_at=datetime.now(UTC) + RATE_LIMIT_WAIT)
    if code in PERMANENT:
        return ApiPermanentError(f"{PERMANENT[code]} ({detail})")
    if code in STATUS_NAMES:  # 16–20: inline, public chat and broadcast features Hovor never uses
        return ApiPermanentError(f"Viber refused the request ({detail}).")
    # Viber's general error: it answered that it did not act, so trying again is safe.
    return ApiUnavailable(f"Viber could not handle the request now ({detail}).")


def http_error_for(status: int, *, what: str, retry_after: str | None = None) -> ApiError:
    """A non-200 answer (Viber itself always answers 200; these come from what is in front)."""
    text = f"Viber HTTP {status} {_phrase(status)} ({what})"
    if status == 429:
        seconds = int(retry_after) if retry_after and retry_after.isdigit() else int(RATE_LIMIT_WAIT.total_seconds())
        return ApiRateLimited(text, retry_at=datetime.now(UTC) + timedelta(seconds=seconds))
    if status >= 500:
        return ApiOutcomeUnknown(text, status=status)
    if status == 401:
        return ApiAuthError(f"{text}: check the auth token", status=status)
    return ApiPermanentError(text, status=status)


# A custom keyboard is a grid 6 columns wide; tracking_data holds at most 4,000 characters.
KEYBOARD_COLUMNS = 6
MAX_TRACKING_DATA = 4000


def keyboard_fits(buttons: Sequence[tuple[str, str]]) -> bool:
    labels = [label for label, _ in buttons]
    return 0 < len(buttons) <= KEYBOARD_COLUMNS and all(labels) and len(set(labels)) == len(labels)


def reply_keyboard(buttons: Sequence[tuple[str, str]]) -> dict[str, Any]:
    """Reply buttons side by side (each as wide as a row shares out); ActionBody is the label,
    which is what the customer is seen to answer."""
    if not keyboard_fits(buttons):
        raise ApiPermanentError(f"A Viber keyboard row takes 1–{KEYBOARD_COLUMNS} buttons with distinct labels.")
    columns = KEYBOARD_COLUMNS // len(buttons)
    return {
        "Type": "keyboard",
        "DefaultHeight": False,
        "Buttons": [
            {"Columns": columns, "Rows": 1, "ActionType": "reply", "ActionBody": label, "Text": label}
            for label, _ in buttons
        ],
    }


def buttons_tracking(buttons: Sequence[tuple[str, str]]) -> str:
    data = json.dumps({TRACKING_KEY: dict(buttons)}, separators=(",", ":"))
    if len(data) > MAX_TRACKING_DATA:
        raise ApiPermanentError("The buttons' payloads do not fit Viber's tracking_data.")
    return data


class ViberClient:
    def __init__(self, *, base_url: str, auth_token: str, account_ref: str = "") -> None:
        if not auth_token:
            raise ApiAuthError("The Viber account has no auth_token.")
        self.base = (base_url or CANONICAL_BASE).rstrip("/")
        self.auth_token = auth_token
        self.account_ref = account_ref
        self.session = make_session()

    def call(self, method: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
        """POST one API method; returns the answer (status 0), or raises an ApiError."""
        try:
            response = self.session.post(
                f"{self.base}/pa/{method}", json=params or {}, headers={AUTH_HEADER: self.auth_token}
            )
        except requests.RequestException as exc:
            raise transport_error(exc, who="Viber", what=method) from None
        if response.status_code != 200:
            error = http_error_for(response.status_code, what=method, retry_after=response.headers.get("Retry-After"))
            logger.info("viber %s for account %s: %s", method, self.account_ref, error.message)
            raise error
        try:
            body = response.json()
        except ValueError:
            body = None
        code = body.get("status") if isinstance(body, dict) else None
        if isinstance(code, bool) or not isinstance(code, int):
            raise ApiOutcomeUnknown(f"unreadable answer from Viber ({method})", status=response.status_code)
        assert isinstance(body, dict)
        if code != 0:
            message = body.get("status_message")
            error = error_for(code, message if isinstance(message, str) else "", what=method)
            logger.info("viber %s for account %s: %s", method, self.account_ref, error.message)
            raise error
        return body

    # --- methods -----------------------------------------------------------------------
    def get_account_info(self) -> dict[str, Any]:
        return self.call("get_account_info")

    def set_webhook(self, *, url: str, event_types: list[str] | None = None) -> dict[str, Any]:
        """Point the bot's callbacks at `url` (Viber first POSTs a signed `webhook` event
        there and sets it only if that gets 200); an empty url removes the webhook."""
        params: dict[str, Any] = {"url": url}
        if url:
            params.update(event_types=list(event_types or EVENT_TYPES), send_name=True, send_photo=True)
        return self.call("set_webhook", params)

    def send_text(
        self, *, receiver: str, text: str, sender: str, buttons: Sequence[tuple[str, str]] = ()
    ) -> str:
        """send_message with a plain text; returns the message_token as a string. `buttons`
        ((label, payload) each) become a custom keyboard of reply buttons in one row: a
        press sends the label back as the customer's message, and the tracking_data maps
        the labels to their payloads (Viber returns it with the customer's next message)."""
        problem = text_problem(text)
        if problem:
            raise ApiPermanentError(problem)
        message: dict[str, Any] = {"type": "text", "text": text}
        if buttons:
            message["keyboard"] = reply_keyboard(buttons)
            message["tracking_data"] = buttons_tracking(buttons)
        return self._send(receiver=receiver, sender=sender, message=message)

    def send_picture(self, *, receiver: str, media: str, text: str, sender: str) -> str:
        """send_message type `picture`: `media` is the picture's URL (JPEG, PNG or a still
        GIF, ≤ 1 MB, fetched by Viber), `text` its description (required, "" allowed,
        ≤ 512 characters)."""
        if len(text) > PICTURE_TEXT_MAX:
            raise ApiPermanentError(f"A Viber picture's text is at most {PICTURE_TEXT_MAX} characters.")
        return self._send(receiver=receiver, sender=sender, message={"type": "picture", "text": text, "media": media})

    def send_file(self, *, receiver: str, media: str, size: int, name: str, sender: str) -> str:
        """send_message type `file`: the file's URL, its `size` in bytes and `file_name`
        (with its extension, ≤ 256 characters); Viber fetches it (≤ 50 MB)."""
        return self._send(
            receiver=receiver, sender=sender,
            message={"type": "file", "media": media, "size": size, "file_name": file_name(name)},
        )

    def _send(self, *, receiver: str, sender: str, message: dict[str, Any]) -> str:
        body = self.call(
            "send_message",
            {"receiver": receiver, "min_api_version": MIN_API_VERSION, "sender": {"name": sender_name(sender)},
             **message},
        )
        token = body.get("message_token")
        if isinstance(token, bool) or not isinstance(token, int):
            raise ApiOutcomeUnknown("Viber accepted the message but returned no message_token")
        return str(token)
