"""A loopback fake of the Telegram Bot API, faithful to the wire format Hovor relies on.

Run standalone::

    python -m fakes.telegram --port 8083 \\
        [--webhook http://127.0.0.1:8000/webhooks/telegram/1/ --bot-token T --webhook-secret S]
    # prints FAKE_TELEGRAM_READY http://127.0.0.1:8083

or in-process (tests)::

    fake = FakeTelegram(bot_token="123:abc").start()
    update = fake.inbound("@jana", "Jana Nováková", "Dobrý den")
    body, headers = fake.delivery(update)      # what a webhook POST would carry
    ...
    fake.stop()

Bot API (`/bot<token>/<method>`, GET or POST; parameters in the query string, a form or a
JSON body; method names case-insensitive): getMe, getUpdates (offset confirmation,
negative offsets, limit 1–100, long-poll timeout, allowed_updates remembered, 409 while a
webhook is set or when a newer getUpdates takes over), setWebhook / deleteWebhook /
getWebhookInfo (secret_token 1–256 of A-Za-z0-9_-, drop_pending_updates, pending count,
last error), sendMessage (1–4096 UTF-16 units after entity parsing, whitespace trimmed,
reply_parameters and the legacy reply_to_message_id, parse_mode HTML parsed, 400 chat not
found, 403 for a user who never started the bot or blocked it). A wrong token gets 401
`{"ok":false,"error_code":401,"description":"Unauthorized"}`; an unknown method 404.

Webhook push: while a webhook is set, pending updates are POSTed to it in order, one at a
time, with `X-Telegram-Bot-Api-Secret-Token` when a secret was given; a non-2xx answer or
a connection error is retried with backoff and given up after `max_delivery_attempts`.
(Real Telegram delivers over HTTPS only, on ports 443/80/88/8443, and up to
max_connections in parallel, so out of order; the fake accepts plain http on any port.)

Inline keyboards: sendMessage takes `reply_markup` (InlineKeyboardMarkup, callback_data
1–64 bytes), returns it with the message and records it in the outbound log;
``POST /_fake/press`` ``{"platform_id": "<chat>:<message>", "data", "author"?}`` presses one
of its buttons (the `callback_query` Update Telegram sends); answerCallbackQuery answers a
query once (text 0–200), recorded for ``GET /_fake/callback_answers``.

Control endpoints (no auth): ``POST /_fake/inbound``, ``GET /_fake/outbound``,
``POST /_fake/fail``, ``POST /_fake/block``, ``POST /_fake/reset``, ``GET /_fake/requests``,
``GET /_fake/pending``, ``POST /_fake/press``, ``GET /_fake/callback_answers``.

Standard library only; no Django.
"""

from __future__ import annotations

import hashlib
import html
import json
import re
import sys
import threading
import time
from collections import deque
from http.server import ThreadingHTTPServer
from typing import Any, Self
from urllib.parse import SplitResult, parse_qs, urlsplit

from fakes.base import (
    ControlRequest,
    ControlRoute,
    Failures,
    FakeHandler,
    FakeServer,
    RequestLog,
    cli,
    document_bytes,
    multipart_form,
    png_bytes,
    post,
    run_until_signalled,
    serve,
)
from fakes.demo import Crowd, FakeDemo

# Well-known demo credentials (not secrets): what the seeded demo account is configured with.
DEMO_BOT_TOKEN = "7000000001:AAFakeHovorDemoBotToken_0123456789ab"
DEMO_WEBHOOK_SECRET = "demo-telegram-webhook-secret"

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
MAX_TEXT_LENGTH = 4096
SECRET_RE = re.compile(r"[A-Za-z0-9_-]+")
NUMERIC_RE = re.compile(r"-?[0-9]{1,20}")
HANDLE_RE = re.compile(r"@?[A-Za-z0-9_]{1,32}")
JSON_CONTENT_TYPE = "application/json"

FIRST_USER_ID = 5_000_000_001
FIRST_GROUP_ID = -4_000_000_001
# Telegram's default when allowed_updates was never given: every type but these.
DEFAULT_EXCLUDED_UPDATES = frozenset({"chat_member", "message_reaction", "message_reaction_count"})
UPDATE_TYPES = frozenset(
    {
        "message", "edited_message", "channel_post", "edited_channel_post", "business_connection",
        "business_message", "edited_business_message", "deleted_business_messages", "message_reaction",
        "message_reaction_count", "inline_query", "chosen_inline_result", "callback_query", "shipping_query",
        "pre_checkout_query", "purchased_paid_media", "poll", "poll_answer", "my_chat_member", "chat_member",
        "chat_join_request", "chat_boost", "removed_chat_boost",
    }
)
HTML_TAGS = frozenset(
    {"b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "a", "code", "pre", "span", "tg-spoiler",
     "tg-emoji", "blockquote"}
)

DESCRIPTIONS = {
    400: "Bad Request: chat not found",
    401: "Unauthorized",
    403: "Forbidden: bot was blocked by the user",
    404: "Not Found",
    409: "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running",
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
    504: "Gateway Timeout",
}
WEBHOOK_CONFLICT = (
    "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first"
)
POLL_CONFLICT = DESCRIPTIONS[409]


class BotApiError(Exception):
    """A Bot API error answer: `{"ok":false,"error_code":…,"description":…[,"parameters"]}`."""

    def __init__(self, code: int, description: str, parameters: dict[str, Any] | None = None) -> None:
        super().__init__(f"{code}: {description}")
        self.code = code
        self.description = description
        self.parameters = parameters or {}

    def body(self) -> dict[str, Any]:
        out: dict[str, Any] = {"ok": False, "error_code": self.code, "description": self.description}
        if self.parameters:
            out["parameters"] = dict(self.parameters)
        return out


def bad_request(detail: str) -> BotApiError:
    return BotApiError(400, f"Bad Request: {detail}")


def check_inline_keyboard(markup: Any) -> None:
    """reply_markup as sendMessage takes an InlineKeyboardMarkup: rows of buttons, each with
    a text and exactly one action; callback_data 1–64 bytes."""
    rows = markup.get("inline_keyboard") if isinstance(markup, dict) else None
    if not isinstance(rows, list) or not all(isinstance(r, list) for r in rows):
        raise bad_request("can't parse inline keyboard markup JSON object")
    actions = ("callback_data", "url", "web_app", "login_url", "switch_inline_query", "pay", "copy_text")
    for row in rows:
        for button in row:
            if not isinstance(button, dict) or not isinstance(button.get("text"), str) or not button["text"]:
                raise bad_request("can't parse inline keyboard button: a button needs a text")
            if sum(1 for a in actions if a in button) != 1:
                raise bad_request("can't parse inline keyboard button: exactly one action field must be used")
            data = button.get("callback_data")
            if data is not None and not (isinstance(data, str) and 1 <= len(data.encode("utf-8")) <= 64):
                raise bad_request("BUTTON_DATA_INVALID")


def utf16_length(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def serialize(update: dict[str, Any]) -> bytes:
    """The bytes Telegram POSTs: compact JSON, UTF-8, non-ASCII written as is."""
    return json.dumps(update, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def parse_html(text: str) -> str:
    """Telegram's HTML parse mode, enough to reject what Telegram rejects and return the
    visible text: supported tags are removed, entities decoded."""
    out: list[str] = []
    stack: list[str] = []
    pos = 0
    for match in re.finditer(r"<(/?)([A-Za-z][A-Za-z0-9-]*)?[^>]*>|&([A-Za-z]+|#[0-9]+|#x[0-9a-fA-F]+);?|[<&]", text):
        out.append(text[pos : match.start()])
        pos = match.end()
        token = match.group(0)
        offset = len(text[: match.start()].encode("utf-8"))
        if token.startswith("<"):
            name = (match.group(2) or "").lower()
            if not name:
                raise bad_request(f"can't parse entities: Unsupported start tag \"\" at byte offset {offset}")
            if name not in HTML_TAGS:
                raise bad_request(f"can't parse entities: Unsupported start tag \"{name}\" at byte offset {offset}")
            if match.group(1):
                if not stack or stack[-1] != name:
                    raise bad_request(f"can't parse entities: Unmatched end tag at byte offset {offset}")
                stack.pop()
            else:
                stack.append(name)
        elif token == "&":
            raise bad_request(f"can't parse entities: Unsupported HTML entity at byte offset {offset}")
        else:
            decoded = html.unescape(token if token.endswith(";") else token + ";")
            if decoded == token or decoded == token + ";":
                raise bad_request(f"can't parse entities: Unsupported HTML entity at byte offset {offset}")
            out.append(decoded)
    out.append(text[pos:])
    if stack:
        raise bad_request(f"can't parse entities: Can't find end tag corresponding to start tag \"{stack[-1]}\"")
    return "".join(out)


class FakeTelegram(FakeServer):
    """In-process fake Telegram Bot API server. ``start()`` serves on 127.0.0.1 in a daemon thread."""

    def __init__(
        self,
        port: int = 0,
        *,
        bot_token: str = DEMO_BOT_TOKEN,
        webhook_url: str | None = None,
        webhook_secret: str | None = None,
        bot_username: str = "AcmeCareBot",
        bot_name: str = "Acme Care",
        host: str = "127.0.0.1",
        verbose: bool = False,
        first_update_id: int = 734_100_001,
        retry_delay: float = 0.2,
        max_retry_delay: float = 5.0,
        max_delivery_attempts: int = 8,
        max_long_poll: float = 50.0,
    ) -> None:
        self.host = host
        self.port = int(port)
        self.bot_token = bot_token
        head = bot_token.split(":", 1)[0]
        self.bot_id = int(head) if head.isdigit() else 7_000_000_001
        self.bot_username = bot_username.lstrip("@")
        self.bot_name = bot_name
        self.verbose = verbose
        self.retry_delay = float(retry_delay)
        self.max_retry_delay = float(max_retry_delay)
        self.max_delivery_attempts = int(max_delivery_attempts)
        self.max_long_poll = float(max_long_poll)
        self._first_update_id = int(first_update_id)
        # The secret deliveries carry when no webhook was registered through the API.
        self.webhook_secret = webhook_secret or ""

        self._lock = threading.RLock()
        self._changed = threading.Condition(self._lock)
        self._server: ThreadingHTTPServer | None = None
        self._threads: list[threading.Thread] = []
        self._stopping = threading.Event()
        self._reset_state()
        if webhook_url:
            with self._changed:
                self._set_webhook_locked(
                    url=webhook_url, secret=webhook_secret or "", allowed=None, max_connections=40
                )

    # ------------------------------------------------------------------ lifecycle

    def start(self) -> Self:
        if self._server is not None:
            return self
        self._stopping.clear()
        self._server, serving = serve(self, _Handler, self.host, self.port, "fake-telegram")
        pusher = threading.Thread(target=self._push_loop, name="fake-telegram-webhook", daemon=True)
        pusher.start()
        self._threads = [serving, pusher]
        return self

    def stop(self) -> None:
        server, self._server = self._server, None
        if server is None:
            return
        self._stopping.set()
        with self._changed:
            self._changed.notify_all()
        server.shutdown()
        server.server_close()
        for thread in self._threads:
            thread.join(timeout=5)
        self._threads = []


    # ------------------------------------------------------------------ state

    def _reset_state(self) -> None:
        with self._lock:
            self._users: dict[int, dict[str, Any]] = {}
            self._by_username: dict[str, int] = {}
            self._chats: dict[int, dict[str, Any]] = {}
            self._started: set[int] = set()  # users who wrote to the bot privately
            self._blocked: set[int] = set()
            self._left_groups: set[int] = set()
            self._messages: dict[tuple[int, int], dict[str, Any]] = {}
            self._last_mid: dict[int, int] = {}
            self._next_user_id = FIRST_USER_ID
            self._next_group_id = FIRST_GROUP_ID
            self._last_update_id = self._first_update_id - 1
            self._pending: deque[dict[str, Any]] = deque()
            self._allowed_updates: list[str] | None = None
            self._webhook: dict[str, Any] | None = None
            self._last_error: tuple[int, str] | None = None
            self._delivered: list[dict[str, Any]] = []
            self._outbound: list[dict[str, Any]] = []
            self._failures: Failures[dict[str, Any]] = Failures()
            self._requests = RequestLog()
            self._poll_generation = 0
            # file_id -> (file_path, bytes): what getFile and /file/bot<token>/<path> serve.
            self._files: dict[str, tuple[str, bytes]] = {}
            # Callback queries a press made: id -> {"query", "answered"}; the answers given.
            self._callbacks: dict[str, dict[str, Any]] = {}
            self._callback_answers: list[dict[str, Any]] = []
            self._next_callback = 1

    def reset(self) -> None:
        """Forget users, chats, messages, pending updates, the webhook, armed failures and logs."""
        with self._changed:
            self._reset_state()
            self._changed.notify_all()

    @property
    def bot_user(self) -> dict[str, Any]:
        return {"id": self.bot_id, "is_bot": True, "first_name": self.bot_name, "username": self.bot_username}

    def _new_mid(self, chat_id: int) -> int:
        self._last_mid[chat_id] = self._last_mid.get(chat_id, 0) + 1
        return self._last_mid[chat_id]

    def _ensure_user(self, author: str | int, name: str | None) -> dict[str, Any]:
        raw = str(author).strip()
        if NUMERIC_RE.fullmatch(raw) and int(raw) > 0:
            uid = int(raw)
            user = self._users.get(uid)
            if user is None:
                user = {"id": uid, "is_bot": False, "first_name": f"User{str(uid)[-4:]}"}
                self._users[uid] = user
        elif HANDLE_RE.fullmatch(raw):
            handle = raw.lstrip("@")
            uid = self._by_username.get(handle.lower(), 0)
            if not uid:
                uid = self._next_user_id
                self._next_user_id += 1
                self._users[uid] = {"id": uid, "is_bot": False, "first_name": handle, "username": handle}
                self._by_username[handle.lower()] = uid
            user = self._users[uid]
        else:
            raise bad_request(f'invalid author "{raw}": give a numeric user id or an @handle')
        if name:
            first, _, last = name.strip().partition(" ")
            user["first_name"] = first or name
            if last.strip():
                user["last_name"] = last.strip()
            else:
                user.pop("last_name", None)
        return user

    def _private_chat(self, user: dict[str, Any]) -> dict[str, Any]:
        chat = {"id": user["id"], "first_name": user["first_name"]}
        for key in ("last_name", "username"):
            if key in user:
                chat[key] = user[key]
        chat["type"] = "private"
        self._chats[user["id"]] = chat
        return chat

    def _group_chat(self, chat_id: int | None, title: str | None) -> dict[str, Any]:
        if chat_id is None:
            chat_id = self._next_group_id
            self._next_group_id -= 1
        chat = self._chats.get(chat_id)
        if chat is None:
            kind = "supergroup" if str(chat_id).startswith("-100") else "group"
            chat = {"id": chat_id, "title": title or "Acme Customers", "type": kind}
            self._chats[chat_id] = chat
        elif title:
            chat["title"] = title
        return chat

    def _allowed(self, update_type: str) -> bool:
        allowed = self._webhook.get("allowed_updates") if self._webhook else self._allowed_updates
        if allowed:
            return update_type in allowed
        return update_type not in DEFAULT_EXCLUDED_UPDATES

    def _enqueue_locked(self, update_type: str, obj: dict[str, Any]) -> dict[str, Any]:
        self._last_update_id += 1
        update = {"update_id": self._last_update_id, update_type: obj}
        if self._allowed(update_type):
            self._pending.append(update)
            self._changed.notify_all()
        return update

    def _message_ref(self, chat_id: int, ref: Any) -> dict[str, Any]:
        """A stored message in this chat from an id or a `<chat>:<message>` platform id."""
        text = str(ref).strip()
        if ":" in text:
            chat_part, _, mid_part = text.partition(":")
            mid_part = mid_part.split(":", 1)[0]
            if not (NUMERIC_RE.fullmatch(chat_part) and mid_part.isdigit()) or int(chat_part) != chat_id:
                raise bad_request(f"in_reply_to {text} is not a message of chat {chat_id}")
            text = mid_part
        if not text.isdigit() or (chat_id, int(text)) not in self._messages:
            raise bad_request("message to be replied not found")
        return self._messages[(chat_id, int(text))]

    def _inbound_locked(self, item: dict[str, Any]) -> dict[str, Any]:
        if not isinstance(item, dict):
            raise bad_request("the inbound item must be a JSON object")
        author = item.get("author")
        if author in (None, "") or not isinstance(author, (str, int)) or isinstance(author, bool):
            raise bad_request('`author` is required (a numeric user id or "@handle")')
        text = item.get("text", "")
        if not isinstance(text, str):
            raise bad_request("`text` must be a string")
        name = item.get("name")
        kind = str(item.get("kind") or "message")
        if kind in ("dm", "mention", "text"):
            kind = "message"
        if kind not in ("message", "edit", "sticker", "photo", "document", "group"):
            raise bad_request(f"unknown kind {kind!r}: message, edit, sticker, photo, document or group")
        user = self._ensure_user(author, name if isinstance(name, str) and name else None)
        chat_id = item.get("chat_id")
        if chat_id is not None and (not isinstance(chat_id, int) or isinstance(chat_id, bool) or chat_id >= 0):
            raise bad_request("`chat_id` must be a negative group chat id")
        if kind == "group" or chat_id is not None:
            title = item.get("chat_title")
            chat = self._group_chat(chat_id, title if isinstance(title, str) else None)
        else:
            chat = self._private_chat(user)
            self._started.add(user["id"])
            self._blocked.discard(user["id"])  # writing again means they unblocked the bot
        now = int(time.time())

        if kind == "edit":
            ref = item.get("message_id") or item.get("in_reply_to")
            if ref is None:
                mine = [m for (cid, _), m in self._messages.items() if cid == chat["id"]
                        and m.get("from", {}).get("id") == user["id"]]
                if not mine:
                    raise bad_request("this author has no message in the chat to edit")
                original = mine[-1]
            else:
                original = self._message_ref(chat["id"], ref)
            if original.get("from", {}).get("id") != user["id"]:
                raise bad_request("message can't be edited")
            if "text" not in original:
                raise bad_request("there is no text in the message to edit")
            edited = dict(original)
            edited["text"] = text
            edited["edit_date"] = max(now, original.get("edit_date", original["date"]) + 1)
            self._messages[(chat["id"], original["message_id"])] = edited
            return self._enqueue_locked("edited_message", edited)

        message: dict[str, Any] = {
            "message_id": self._new_mid(chat["id"]),
            "from": dict(user),
            "chat": dict(chat),
            "date": now,
        }
        if item.get("in_reply_to") is not None:
            replied = dict(self._message_ref(chat["id"], item["in_reply_to"]))
            replied.pop("reply_to_message", None)  # Telegram does not nest replies further
            message["reply_to_message"] = replied
        uid = f"AgAD{message['message_id']:04d}{abs(chat['id']) % 100000:05d}"
        if kind == "sticker":
            self._files[f"CAACAgIAAxkBAAI{uid}"] = (f"stickers/file_{len(self._files)}.webp", png_bytes(128, 128, 5))
            message["sticker"] = {
                "width": 512, "height": 512, "emoji": text or "\U0001f600", "set_name": "HotCherry",
                "is_animated": False, "is_video": False, "type": "regular",
                "file_id": f"CAACAgIAAxkBAAI{uid}", "file_unique_id": uid, "file_size": 25110,
            }
        elif kind == "photo":
            # Real PNG bytes at each size (Telegram re-encodes photos as JPEG; any picture
            # format serves the client the same), so the client can fetch and thumbnail them.
            seed = message["message_id"]
            sizes = []
            for suffix, (width, height) in (("s", (90, 68)), ("m", (320, 240)), ("x", (640, 480))):
                file_id = f"AgACAgQAAxkBAAI{uid}{suffix}"
                data = png_bytes(width, height, seed)
                self._files[file_id] = (f"photos/file_{len(self._files)}.jpg", data)
                sizes.append({"file_id": file_id, "file_unique_id": uid + suffix, "file_size": len(data),
                              "width": width, "height": height})
            message["photo"] = sizes
            if text:
                message["caption"] = text
        elif kind == "document":
            file_name = item.get("file_name") if isinstance(item.get("file_name"), str) else "document.pdf"
            mime = item.get("mime_type") if isinstance(item.get("mime_type"), str) else "application/pdf"
            data = document_bytes(str(file_name), int(item.get("file_size") or 0))
            self._files[f"BQACAgQAAxkBAAI{uid}"] = (f"documents/file_{len(self._files)}.pdf", data)
            message["document"] = {
                "file_name": file_name, "mime_type": mime, "file_id": f"BQACAgQAAxkBAAI{uid}",
                "file_unique_id": uid, "file_size": len(data),
            }
            if text:
                message["caption"] = text
        else:
            if not text.strip():
                raise bad_request("message text is empty")
            message["text"] = text
        self._messages[(chat["id"], message["message_id"])] = message
        return self._enqueue_locked("message", message)

    # ------------------------------------------------------------------ in-process helpers

    def inbound(
        self,
        author: str | int,
        name: str | None = None,
        text: str = "",
        kind: str = "message",
        in_reply_to: str | int | None = None,
        **more: Any,
    ) -> dict[str, Any]:
        """Same as POST /_fake/inbound: a customer writes; returns the Update (queued for
        getUpdates, or pushed to the webhook when one is set)."""
        item: dict[str, Any] = {"author": author, "name": name, "text": text, "kind": kind, **more}
        if in_reply_to is not None:
            item["in_reply_to"] = in_reply_to
        with self._lock:
            return self._inbound_locked(item)

    def update(self, update_type: str, obj: dict[str, Any]) -> dict[str, Any]:
        """Queue any Update (callback_query, my_chat_member …) as Telegram would."""
        if update_type not in UPDATE_TYPES:
            raise ValueError(f"unknown update type {update_type}")
        with self._lock:
            return self._enqueue_locked(update_type, obj)

    def press(self, platform_id: str, data: str, author: str | int | None = None) -> dict[str, Any]:
        """Same as POST /_fake/press: the customer presses the inline button with callback
        data `data` under the bot's message `platform_id` (`<chat>:<message>`); queues the
        callback_query Update Telegram sends (an unanswered query until the bot answers)."""
        with self._lock:
            return self._press_locked({"platform_id": platform_id, "data": data, "author": author})

    def _press_locked(self, item: Any) -> dict[str, Any]:
        if not isinstance(item, dict):
            raise bad_request("the press must be a JSON object")
        ref, data = str(item.get("platform_id") or ""), item.get("data")
        chat_part, _, mid_part = ref.partition(":")
        if not (NUMERIC_RE.fullmatch(chat_part) and mid_part.isdigit()):
            raise bad_request("`platform_id` must name a message as <chat id>:<message id>")
        message = self._messages.get((int(chat_part), int(mid_part)))
        if message is None or message.get("from", {}).get("id") != self.bot_id:
            raise bad_request("the bot sent no such message")
        buttons = [b for row in (message.get("reply_markup") or {}).get("inline_keyboard", []) for b in row]
        if not isinstance(data, str) or not any(b.get("callback_data") == data for b in buttons):
            raise bad_request("that message has no button with this callback_data")
        chat = message["chat"]
        author = item.get("author")
        if author in (None, ""):
            if chat["type"] != "private":
                raise bad_request("`author` is required for a press in a group")
            user = self._users[chat["id"]]
        else:
            user = self._ensure_user(str(author), None)
        query_id = f"{abs(user['id']) * 1000 + self._next_callback:x}{self._next_callback:06d}"
        self._next_callback += 1
        query = {
            "id": query_id,
            "from": dict(user),
            "message": {k: v for k, v in message.items() if k != "reply_to_message"},
            "chat_instance": str(-(abs(chat["id"]) * 7919 % 10**19)),
            "data": data,
        }
        self._callbacks[query_id] = {"query": query, "answered": False}
        return self._enqueue_locked("callback_query", query)

    def callback_answers(self) -> list[dict[str, Any]]:
        """answerCallbackQuery calls the bot made, oldest first."""
        with self._lock:
            return [dict(a) for a in self._callback_answers]

    def delivery(self, update: dict[str, Any], secret: str | None = None) -> tuple[bytes, dict[str, str]]:
        """The body and headers of the webhook POST that carries `update`: the secret is the
        registered webhook's (or `secret`), sent only when there is one."""
        with self._lock:
            if secret is None:
                secret = (self._webhook or {}).get("secret_token") or self.webhook_secret
        headers = {"Content-Type": JSON_CONTENT_TYPE}
        if secret:
            headers[SECRET_HEADER] = secret
        return serialize(update), headers

    def outbound(self) -> list[dict[str, Any]]:
        """What the bot sent with sendMessage, oldest first, with the threading it received."""
        with self._lock:
            return [dict(entry) for entry in self._outbound]

    def pending(self) -> list[dict[str, Any]]:
        with self._lock:
            return [dict(u) for u in self._pending]

    def delivered(self) -> list[dict[str, Any]]:
        """Webhook POSTs made so far: update_id, status (or error) and attempt number."""
        with self._lock:
            return [dict(d) for d in self._delivered]

    def wait_delivered(self, timeout: float = 5.0) -> bool:
        """Block until no update is waiting for the webhook (True) or the timeout passes."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while self._webhook and self._pending:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._changed.wait(min(left, 0.05))
        return True

    def block(self, author: str | int) -> None:
        """The user blocks the bot: sendMessage to them answers 403."""
        with self._lock:
            self._blocked.add(self._ensure_user(author, None)["id"])

    def chaos_error(self, status: int, retry_after: int) -> tuple[int, Any, dict[str, str]]:
        """A storm answered as the Bot API does (429 carries parameters.retry_after)."""
        parameters = {"retry_after": retry_after} if status == 429 else {}
        description = f"Too Many Requests: retry after {retry_after}" if status == 429 else None
        error = BotApiError(status, description or DESCRIPTIONS.get(status, "Internal Server Error"), parameters)
        return error.code, error.body(), {}

    def fail(
        self,
        status: int = 500,
        times: int = 1,
        *,
        method: str | None = None,
        retry_after: int = 1,
        description: str | None = None,
        parameters: dict[str, Any] | None = None,
        mode: str | None = None,
        delay: float = 5.0,
    ) -> int:
        """Arm the next `times` Bot API calls (of `method`, if given) to fail as Telegram
        does. mode "after_commit": the call takes effect, then the failure is answered (an
        unknown outcome); mode "timeout": it takes effect and the answer comes after `delay`."""
        times = int(times)
        if times < 1:
            return 0
        with self._lock:
            self._failures.arm(
                {
                    "status": int(status),
                    "times": times,
                    "method": method.lower() if method else None,
                    "retry_after": int(retry_after),
                    "description": description,
                    "parameters": dict(parameters or {}),
                    "mode": mode,
                    "delay": float(delay),
                }
            )
        return times


    def set_webhook(self, url: str, secret: str = "", allowed_updates: list[str] | None = None) -> None:
        with self._changed:
            self._set_webhook_locked(url=url, secret=secret, allowed=allowed_updates, max_connections=40)

    # ------------------------------------------------------------------ webhook push

    def _set_webhook_locked(self, *, url: str, secret: str, allowed: list[str] | None, max_connections: int) -> None:
        self._webhook = {
            "url": url,
            "secret_token": secret,
            "allowed_updates": list(allowed) if allowed else None,
            "max_connections": max_connections,
        }
        self._last_error = None
        self._changed.notify_all()

    def _push_loop(self) -> None:
        attempts = 0
        while not self._stopping.is_set():
            with self._changed:
                while not self._stopping.is_set() and not (self._webhook and self._pending):
                    self._changed.wait(0.5)
                if self._stopping.is_set():
                    return
                assert self._webhook is not None
                update = self._pending[0]
                url = self._webhook["url"]
                body, headers = serialize(update), {"Content-Type": JSON_CONTENT_TYPE}
                if self._webhook["secret_token"]:
                    headers[SECRET_HEADER] = self._webhook["secret_token"]
            attempts += 1
            status, error = self._post(url, body, headers)
            with self._changed:
                self._delivered.append(
                    {"update_id": update["update_id"], "status": status, "error": error, "attempt": attempts}
                )
                delivered = status is not None and 200 <= status < 300
                if not delivered:
                    self._last_error = (int(time.time()), error or f"Wrong response from the webhook: {status}")
                head = self._pending[0] if self._pending else None
                same = head is not None and head["update_id"] == update["update_id"]
                if same and (delivered or attempts >= self.max_delivery_attempts):
                    self._pending.popleft()  # delivered, or Telegram gives up on it
                if delivered or attempts >= self.max_delivery_attempts or not same:
                    attempts = 0
                    self._changed.notify_all()
                    continue
            self._stopping.wait(min(self.retry_delay * 2 ** (attempts - 1), self.max_retry_delay))

    @staticmethod
    def _post(url: str, body: bytes, headers: dict[str, str]) -> tuple[int | None, str | None]:
        # setWebhook only takes http(s) URLs, so no file: or custom scheme reaches this.
        pushed = post(url, body, headers, timeout=10)
        if pushed.status is None:
            return None, f"Connection error: {pushed.reason}"
        if pushed.refused:
            return pushed.status, f"Wrong response from the webhook: {pushed.status} {pushed.reason}"
        return pushed.status, None

    # ------------------------------------------------------------------ Bot API

    @staticmethod
    def _params(query: str, headers: Any, body: bytes) -> dict[str, Any]:
        params: dict[str, Any] = {k: v[-1] for k, v in parse_qs(query, keep_blank_values=True).items()}
        content_type = (headers.get("Content-Type") or "").split(";")[0].strip().lower()
        if body and content_type == "application/json":
            try:
                data = json.loads(body.decode("utf-8"))
            except (ValueError, UnicodeDecodeError) as exc:
                raise bad_request("can't parse JSON object") from exc
            if not isinstance(data, dict):
                raise bad_request("JSON object expected")
            params.update(data)
        elif body and content_type == "application/x-www-form-urlencoded":
            try:
                form = parse_qs(body.decode("utf-8"), keep_blank_values=True)
            except UnicodeDecodeError as exc:
                raise bad_request("can't decode form data") from exc
            params.update({k: v[-1] for k, v in form.items()})
        elif body and content_type == "multipart/form-data":
            fields, files = multipart_form(headers, body)
            params.update(fields)
            params.update({name: {"upload": f} for name, f in files.items()})
        return params

    @staticmethod
    def _int(params: dict[str, Any], name: str, default: int | None = None) -> int | None:
        value = params.get(name)
        if value is None or value == "":
            return default
        if isinstance(value, bool):
            raise bad_request(f"field \"{name}\" must be of type Integer")
        if isinstance(value, int):
            return value
        if isinstance(value, str) and NUMERIC_RE.fullmatch(value.strip()):
            return int(value.strip())
        raise bad_request(f"field \"{name}\" must be of type Integer")

    @staticmethod
    def _bool(params: dict[str, Any], name: str) -> bool:
        value = params.get(name)
        if isinstance(value, str):
            return value.strip().lower() in ("true", "1")
        return bool(value)

    @staticmethod
    def _json_field(params: dict[str, Any], name: str) -> Any:
        value = params.get(name)
        if isinstance(value, str):
            if not value:
                return None
            try:
                return json.loads(value)
            except ValueError as exc:
                raise bad_request(f"can't parse {name} JSON object") from exc
        return value

    def _match_failure(self, method: str) -> dict[str, Any] | None:
        return self._failures.take(lambda rule: not rule["method"] or rule["method"] == method)

    @staticmethod
    def _failure_error(rule: dict[str, Any]) -> BotApiError:
        status = rule["status"]
        parameters = dict(rule["parameters"])
        description = rule["description"]
        if status == 429:
            parameters.setdefault("retry_after", rule["retry_after"])
            description = description or f"Too Many Requests: retry after {parameters['retry_after']}"
        return BotApiError(status, description or DESCRIPTIONS.get(status, "Internal Server Error"), parameters)

    def handle_api(
        self, http_method: str, path: str, query: str, headers: Any, body: bytes
    ) -> tuple[int, dict[str, Any], float]:
        """Handle /bot<token>/<method>; returns (status, body, delay before answering)."""
        match = re.fullmatch(r"/bot([^/]*)/([A-Za-z]*)", path)
        method = match.group(2).lower() if match else ""
        info: dict[str, Any] = {}
        try:
            status, payload, delay = self._handle_api(http_method, match, method, query, headers, body, info)
        except BotApiError as err:
            status, payload, delay = err.code, err.body(), 0.0
        with self._lock:
            self._requests.append(
                {
                    "method": match.group(2) if match else "",
                    "params": info.get("params", {}),
                    "status": status,
                    "at": time.time(),
                }
            )
        return status, payload, delay

    def _handle_api(
        self,
        http_method: str,
        match: re.Match[str] | None,
        method: str,
        query: str,
        headers: Any,
        body: bytes,
        info: dict[str, Any],
    ) -> tuple[int, dict[str, Any], float]:
        if match is None or not method:
            raise BotApiError(404, "Not Found")
        if http_method not in ("GET", "POST"):
            raise BotApiError(404, "Not Found")
        with self._lock:
            rule = self._match_failure(method)
        delay = 0.0
        late_failure: BotApiError | None = None
        if rule is not None:
            if rule["mode"] == "timeout":
                delay = rule["delay"]
            elif rule["mode"] == "after_commit":
                late_failure = self._failure_error(rule)
            else:
                raise self._failure_error(rule)
        if match.group(1) != self.bot_token:
            raise BotApiError(401, "Unauthorized")
        params = self._params(query, headers, body)
        info["params"] = params
        handler = {
            "getme": self._get_me,
            "getupdates": self._get_updates,
            "setwebhook": self._set_webhook,
            "deletewebhook": self._delete_webhook,
            "getwebhookinfo": self._get_webhook_info,
            "sendmessage": self._send_message,
            "answercallbackquery": self._answer_callback_query,
            "getfile": self._get_file,
            "sendphoto": self._send_photo,
            "senddocument": self._send_document,
        }.get(method)
        if handler is None:
            raise BotApiError(404, "Not Found")
        result, description = handler(params)
        if late_failure is not None:
            raise late_failure
        payload: dict[str, Any] = {"ok": True, "result": result}
        if description:
            payload["description"] = description
        return 200, payload, delay

    def _get_me(self, params: dict[str, Any]) -> tuple[Any, str]:
        me = dict(self.bot_user)
        me.update({"can_join_groups": True, "can_read_all_group_messages": False, "supports_inline_queries": False,
                   "can_connect_to_business": False, "has_main_web_app": False})
        return me, ""

    def _get_updates(self, params: dict[str, Any]) -> tuple[Any, str]:
        offset = self._int(params, "offset")
        limit = self._int(params, "limit", 100) or 100
        limit = max(1, min(100, limit))
        timeout = max(0, self._int(params, "timeout", 0) or 0)
        allowed = self._json_field(params, "allowed_updates")
        if allowed is not None and not (isinstance(allowed, list) and all(isinstance(a, str) for a in allowed)):
            raise bad_request("can't parse allowed_updates JSON array")
        deadline = time.monotonic() + min(float(timeout), self.max_long_poll)
        with self._changed:
            if self._webhook:
                raise BotApiError(409, WEBHOOK_CONFLICT)
            if allowed is not None:
                self._allowed_updates = [a for a in allowed if a in UPDATE_TYPES] or None
            # A newer getUpdates ends one still waiting (Telegram answers the older one 409).
            self._poll_generation += 1
            generation = self._poll_generation
            self._changed.notify_all()
            while True:
                if offset is not None:
                    if offset < 0:
                        keep = -offset
                        while len(self._pending) > keep:
                            self._pending.popleft()
                    else:
                        while self._pending and self._pending[0]["update_id"] < offset:
                            self._pending.popleft()
                if self._pending:
                    return [json.loads(serialize(u)) for u in list(self._pending)[:limit]], ""
                left = deadline - time.monotonic()
                if left <= 0 or self._stopping.is_set():
                    return [], ""
                self._changed.wait(min(left, 0.5))
                if self._poll_generation != generation:
                    raise BotApiError(409, POLL_CONFLICT)
                if self._webhook:
                    return [], ""

    def _set_webhook(self, params: dict[str, Any]) -> tuple[Any, str]:
        url = params.get("url")
        if url is None:
            raise bad_request("parameter \"url\" is required")
        url = str(url).strip()
        secret = str(params.get("secret_token") or "")
        if len(secret) > 256:
            raise bad_request("secret token is too long")
        if secret and not SECRET_RE.fullmatch(secret):
            raise bad_request("secret token contains unallowed characters")
        max_connections = self._int(params, "max_connections", 40) or 40
        if not 1 <= max_connections <= 100:
            raise bad_request("max_connections must be between 1 and 100")
        allowed = self._json_field(params, "allowed_updates")
        if allowed is not None and not (isinstance(allowed, list) and all(isinstance(a, str) for a in allowed)):
            raise bad_request("can't parse allowed_updates JSON array")
        with self._changed:
            if self._bool(params, "drop_pending_updates"):
                self._pending.clear()
            if not url:
                was = self._webhook is not None
                self._webhook = None
                self._changed.notify_all()
                return True, "Webhook was deleted" if was else "Webhook is already deleted"
            split = urlsplit(url)
            if split.scheme not in ("http", "https") or not split.hostname:
                raise bad_request("bad webhook: Failed to resolve host: Name or service not known")
            same = self._webhook is not None and self._webhook["url"] == url
            self._set_webhook_locked(url=url, secret=secret, allowed=allowed, max_connections=max_connections)
            return True, "Webhook is already set" if same else "Webhook was set"

    def _delete_webhook(self, params: dict[str, Any]) -> tuple[Any, str]:
        with self._changed:
            if self._bool(params, "drop_pending_updates"):
                self._pending.clear()
            was = self._webhook is not None
            self._webhook = None
            self._changed.notify_all()
        return True, "Webhook was deleted" if was else "Webhook is already deleted"

    def _get_webhook_info(self, params: dict[str, Any]) -> tuple[Any, str]:
        with self._lock:
            info: dict[str, Any] = {
                "url": self._webhook["url"] if self._webhook else "",
                "has_custom_certificate": False,
                "pending_update_count": len(self._pending),
            }
            if self._webhook:
                info["max_connections"] = self._webhook["max_connections"]
                info["ip_address"] = "127.0.0.1"
                if self._webhook["allowed_updates"]:
                    info["allowed_updates"] = list(self._webhook["allowed_updates"])
                if self._last_error:
                    info["last_error_date"], info["last_error_message"] = self._last_error
        return info, ""

    def _send_message(self, params: dict[str, Any]) -> tuple[Any, str]:
        raw_chat = params.get("chat_id")
        if raw_chat is None or raw_chat == "":
            raise bad_request("chat_id is empty")
        with self._lock:
            chat: dict[str, Any] | None
            if isinstance(raw_chat, str) and raw_chat.startswith("@"):
                chat = next((c for c in self._chats.values() if c.get("username", "").lower()
                             == raw_chat[1:].lower() and c["type"] != "private"), None)
            else:
                chat_id = self._int(params, "chat_id")
                chat = self._chats.get(chat_id) if chat_id is not None else None
                if chat is None and chat_id is not None and chat_id in self._users:
                    raise BotApiError(403, "Forbidden: bot can't initiate conversation with a user")
            if chat is None:
                raise bad_request("chat not found")
            if chat["type"] == "private":
                if chat["id"] in self._blocked:
                    raise BotApiError(403, "Forbidden: bot was blocked by the user")
                if chat["id"] not in self._started:
                    raise BotApiError(403, "Forbidden: bot can't initiate conversation with a user")
            elif chat["id"] in self._left_groups:
                raise BotApiError(403, "Forbidden: bot was kicked from the group chat")
            text = params.get("text")
            if not isinstance(text, str):
                raise bad_request("message text is empty")
            parse_mode = params.get("parse_mode") or ""
            if parse_mode not in ("", "HTML", "MarkdownV2", "Markdown"):
                raise bad_request("unsupported parse_mode")
            visible = parse_html(text) if parse_mode == "HTML" else text
            visible = visible.strip()
            if not visible:
                raise bad_request("message text is empty")
            if utf16_length(visible) > MAX_TEXT_LENGTH:
                raise bad_request("message is too long")
            reply = self._json_field(params, "reply_parameters")
            if reply is not None and not isinstance(reply, dict):
                raise bad_request("can't parse reply parameters JSON object")
            reply_to: int | None = None
            allow_without = False
            if reply:
                reply_to = self._int(reply, "message_id")
                allow_without = self._bool(reply, "allow_sending_without_reply")
                if reply.get("chat_id") not in (None, chat["id"]):
                    raise bad_request("message to be replied not found")
            elif params.get("reply_to_message_id") not in (None, ""):
                reply_to = self._int(params, "reply_to_message_id")
                allow_without = self._bool(params, "allow_sending_without_reply")
            replied = self._messages.get((chat["id"], reply_to)) if reply_to else None
            if reply_to and replied is None and not allow_without:
                raise bad_request("message to be replied not found")
            markup = self._json_field(params, "reply_markup")
            if markup is not None:
                check_inline_keyboard(markup)
            message: dict[str, Any] = {
                "message_id": self._new_mid(chat["id"]),
                "from": dict(self.bot_user),
                "chat": dict(chat),
                "date": int(time.time()),
            }
            if replied is not None:
                nested = dict(replied)
                nested.pop("reply_to_message", None)
                message["reply_to_message"] = nested
            message["text"] = visible
            if markup is not None:
                message["reply_markup"] = markup  # Telegram returns the inline keyboard with the message
            self._messages[(chat["id"], message["message_id"])] = message
            self._outbound.append(
                {
                    "chat_id": chat["id"],
                    "message_id": message["message_id"],
                    "platform_id": f"{chat['id']}:{message['message_id']}",
                    "text": visible,
                    "sent_text": text,
                    "parse_mode": parse_mode or None,
                    "reply_to_message_id": replied["message_id"] if replied is not None else None,
                    "reply_parameters": reply if reply is not None else None,
                    "reply_markup": markup,
                    "date": message["date"],
                }
            )
            return message, ""

    def _answer_callback_query(self, params: dict[str, Any]) -> tuple[Any, str]:
        """answerCallbackQuery: once per query, text 0–200 characters; an unknown (or already
        answered) query id is refused as Telegram refuses it."""
        query_id = params.get("callback_query_id")
        if not isinstance(query_id, str) or not query_id:
            raise bad_request("query is too old and response timeout expired or query ID is invalid")
        text = params.get("text") or ""
        if not isinstance(text, str) or len(text) > 200:
            raise bad_request("message text is too long")
        with self._lock:
            found = self._callbacks.get(query_id)
            if found is None or found["answered"]:
                raise bad_request("query is too old and response timeout expired or query ID is invalid")
            found["answered"] = True
            self._callback_answers.append(
                {"callback_query_id": query_id, "text": text, "show_alert": self._bool(params, "show_alert"),
                 "data": found["query"].get("data"), "at": time.time()}
            )
        return True, ""

    def _get_file(self, params: dict[str, Any]) -> tuple[Any, str]:
        file_id = params.get("file_id")
        with self._lock:
            found = self._files.get(file_id) if isinstance(file_id, str) else None
        if found is None:
            raise bad_request("invalid file_id")
        path, data = found
        if len(data) > 20 * 1024 * 1024:
            raise bad_request("file is too big")
        return {"file_id": file_id, "file_unique_id": str(file_id)[-12:], "file_size": len(data), "file_path": path}, ""

    def file_content(self, token: str, path: str) -> bytes | None:
        """GET /file/bot<token>/<file_path>: the bytes, or None (Telegram answers 404)."""
        if token != self.bot_token:
            return None
        with self._lock:
            return next((data for p, data in self._files.values() if p == path), None)

    def _send_photo(self, params: dict[str, Any]) -> tuple[Any, str]:
        return self._send_media(params, "photo", max_bytes=10 * 1024 * 1024)

    def _send_document(self, params: dict[str, Any]) -> tuple[Any, str]:
        return self._send_media(params, "document", max_bytes=50 * 1024 * 1024)

    def _send_media(self, params: dict[str, Any], field: str, *, max_bytes: int) -> tuple[Any, str]:
        """sendPhoto / sendDocument with the file uploaded as multipart/form-data; the caption
        (0-1024 characters) is what the recipient reads as the message's text."""
        upload = params.get(field)
        if not isinstance(upload, dict) or "upload" not in upload:
            raise bad_request(f"there is no {field} in the request")
        filename, content_type, data = upload["upload"]
        if not data:
            raise bad_request("file must be non-empty")
        if len(data) > max_bytes:
            raise BotApiError(413, "Request Entity Too Large")
        caption = params.get("caption") or ""
        if not isinstance(caption, str) or utf16_length(caption) > 1024:
            raise bad_request("message caption is too long")
        chat_id = self._int(params, "chat_id")
        with self._lock:
            chat = self._chats.get(chat_id) if chat_id is not None else None
            if chat is None:
                raise bad_request("chat not found")
            if chat["type"] == "private" and (chat["id"] in self._blocked or chat["id"] not in self._started):
                raise BotApiError(403, "Forbidden: bot was blocked by the user")
            reply = self._json_field(params, "reply_parameters")
            reply_to = self._int(reply, "message_id") if isinstance(reply, dict) else None
            message: dict[str, Any] = {
                "message_id": self._new_mid(chat["id"]), "from": dict(self.bot_user), "chat": dict(chat),
                "date": int(time.time()),
            }
            file_id = f"SENT{field}{len(self._files):06d}"
            self._files[file_id] = (f"{field}s/sent_{len(self._files)}", data)
            info = {"file_id": file_id, "file_unique_id": file_id[-12:], "file_size": len(data)}
            if field == "photo":
                message["photo"] = [dict(info, width=0, height=0)]
            else:
                message["document"] = dict(info, file_name=filename, mime_type=content_type)
            if caption:
                message["caption"] = caption
            self._messages[(chat["id"], message["message_id"])] = message
            self._outbound.append(
                {
                    "chat_id": chat["id"],
                    "message_id": message["message_id"],
                    "platform_id": f"{chat['id']}:{message['message_id']}",
                    "method": "sendPhoto" if field == "photo" else "sendDocument",
                    "text": caption,
                    "caption": caption,
                    field: {"filename": filename, "content_type": content_type, "size": len(data),
                            "sha256": hashlib.sha256(data).hexdigest()},
                    "reply_to_message_id": reply_to,
                    "date": message["date"],
                }
            )
            return message, ""

    # ------------------------------------------------------------------ control endpoints

    # ------------------------------------------------------------------ control plane
    control_errors = (BotApiError,)

    def control_bad_body(self, message: str) -> Exception:
        return bad_request(message)

    def control_error(self, error: Exception) -> tuple[int, Any]:
        assert isinstance(error, BotApiError)
        return error.code, error.body()

    def control_missing(self, method: str, path: str) -> tuple[int, Any]:
        return 404, {"ok": False, "error_code": 404, "description": "Not Found"}

    def control_routes(self) -> dict[tuple[str, str], ControlRoute]:
        return {
            ("POST", "/_fake/inbound"): self._control_inbound,
            ("GET", "/_fake/outbound"): lambda request: (200, {"ok": True, "result": self.outbound()}),
            ("POST", "/_fake/fail"): self._control_fail,
            ("POST", "/_fake/block"): self._control_block,
            ("POST", "/_fake/reset"): self._control_reset,
            ("GET", "/_fake/requests"): lambda request: (200, {"ok": True, "result": self.requests_log()}),
            ("GET", "/_fake/pending"): lambda request: (200, {"ok": True, "result": self.pending()}),
            ("POST", "/_fake/press"): self._control_press,
            ("GET", "/_fake/callback_answers"): lambda request: (200, {"ok": True, "result": self.callback_answers()}),
        }

    def _control_press(self, request: ControlRequest) -> tuple[int, Any]:
        data = request.json()
        with self._lock:
            return 200, {"ok": True, "result": self._press_locked(data)}

    def _control_inbound(self, request: ControlRequest) -> tuple[int, Any]:
        data = request.json()
        with self._lock:
            return 200, {"ok": True, "result": self._inbound_locked(data)}

    def _control_fail(self, request: ControlRequest) -> tuple[int, Any]:
        data = request.json()
        if not isinstance(data, dict):
            raise bad_request("the failure spec must be a JSON object")
        try:
            armed = self.fail(
                status=int(data.get("status", data.get("code", 500)) or 500),
                times=int(data.get("times", 1)),
                method=data.get("method"),
                retry_after=int(data.get("retry_after", 1)),
                description=data.get("description"),
                parameters=data.get("parameters") if isinstance(data.get("parameters"), dict) else None,
                mode=data.get("mode"),
                delay=float(data.get("delay", 5)),
            )
        except (TypeError, ValueError) as exc:
            raise bad_request(f"invalid failure spec: {exc}") from exc
        return 200, {"ok": True, "result": {"armed": armed}}

    def _control_block(self, request: ControlRequest) -> tuple[int, Any]:
        data = request.json()
        if not isinstance(data, dict) or data.get("author") in (None, ""):
            raise bad_request("`author` is required")
        self.block(data["author"])
        return 200, {"ok": True, "result": True}

    def _control_reset(self, request: ControlRequest) -> tuple[int, Any]:
        self.reset()
        return 200, {"ok": True, "result": True}


class _Handler(FakeHandler):
    server_version = "nginx/1.18.0"
    log_name = "fake-telegram"
    content_type = JSON_CONTENT_TYPE

    def redact(self, line: str) -> str:
        return re.sub(r"/bot[^/\s]+/", "/bot<token>/", line)

    def _send_json(self, status: int, payload: Any, headers: dict[str, str] | None = None) -> None:
        super()._send_json(status, payload, {"Access-Control-Allow-Origin": "*", **(headers or {})})

    def route(self, split: SplitResult, body: bytes) -> None:
        file_match = re.fullmatch(r"/file/bot([^/]*)/(.+)", split.path)
        if file_match:
            data = self.fake.file_content(file_match.group(1), file_match.group(2))
            if data is None:
                self._send_json(404, {"ok": False, "error_code": 404, "description": "Not Found"})
            else:
                self.send_bytes(200, "application/octet-stream", data)
            return
        status, payload, delay = self.fake.handle_api(self.command, split.path, split.query, self.headers, body)
        if delay > 0:
            time.sleep(delay)
        self._send_json(status, payload)


def main(argv: list[str] | None = None) -> int:
    parser = cli("python -m fakes.telegram", "Loopback fake of the Telegram Bot API",
                 webhook="push updates to this URL (as after setWebhook)")
    parser.add_argument("--bot-token", default=DEMO_BOT_TOKEN)
    parser.add_argument("--webhook-secret", default=DEMO_WEBHOOK_SECRET, help="secret_token sent with each push")
    parser.add_argument("--bot-username", default="AcmeCareBot")
    parser.add_argument("--bot-name", default="Acme Care")
    args = parser.parse_args(argv)
    fake = FakeTelegram(
        args.port,
        host=args.host,
        bot_token=args.bot_token,
        webhook_url=args.webhook,
        webhook_secret=args.webhook_secret,
        bot_username=args.bot_username,
        bot_name=args.bot_name,
        verbose=args.verbose,
    ).start()
    return run_until_signalled(fake, "FAKE_TELEGRAM_READY")


# The demo's bot (polling): the token seed_demo gives the account, passed to the fake.
DEMO_POLLING_BOT_TOKEN = "123456:demo-bot-token"
DEMO = FakeDemo(
    handle="@AcmeCareBot",
    credentials={"bot_token": DEMO_POLLING_BOT_TOKEN, "mode": "polling"},
    args=lambda run: ["--bot-token", DEMO_POLLING_BOT_TOKEN],
    crowd=Crowd(every=12.0),
)


if __name__ == "__main__":
    sys.exit(main())
