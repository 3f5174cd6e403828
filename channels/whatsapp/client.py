"""The WhatsApp Cloud API client: POST /{PHONE_NUMBER_ID}/messages on the Graph API (or
the account's base URL), for text replies, approved templates and read receipts.

Errors come out as the channels error family through Meta's Graph mapping
(channels.meta.graph.graph_error: 130429/131056/131048/80007/4 rate limited, 190 auth, 5xx
unknown outcome), with one WhatsApp refinement: 131047 (the 24-hour window has closed)
becomes a permanent error that says so in words an agent understands."""
from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

import requests

from channels.http import ApiError, ApiOutcomeUnknown, ApiPermanentError, DownloadTooLarge, download
from channels.meta.graph import GRAPH_VERSION, GraphClient, graph_error, graph_error_body
from channels.types import OutboundFile

logger = logging.getLogger("hovor.channels.whatsapp")

IMAGE_TYPES = frozenset({"image/jpeg", "image/png"})
WINDOW_CLOSED_CODE = 131047  # "Re-engagement message"
WINDOW_CLOSED_SUBCODE = 2018278
WINDOW_CLOSED_SENT = (
    "WhatsApp refused the reply: more than 24 hours have passed since the customer's last message "
    "(error 131047, re-engagement message). Only an approved template can reach the customer now."
)


# Interactive list messages: the button's label up to 20 characters, at most 10 rows, a
# row's title up to 24 and its id up to 200; the body (shared with reply-button messages)
# is kept to their 1024.
MAX_LIST_BUTTON = 20
MAX_LIST_ROWS = 10
MAX_ROW_TITLE = 24
MAX_ROW_ID = 200
MAX_INTERACTIVE_BODY = 1024


def list_fits(body: str, button: str, rows: Sequence[tuple[str, str]]) -> bool:
    return (
        0 < len(body) <= MAX_INTERACTIVE_BODY
        and 0 < len(button) <= MAX_LIST_BUTTON
        and 0 < len(rows) <= MAX_LIST_ROWS
        and all(0 < len(title) <= MAX_ROW_TITLE and 0 < len(row_id) <= MAX_ROW_ID for title, row_id in rows)
    )


def whatsapp_error(response: requests.Response) -> ApiError:
    error = graph_error_body(response)
    if error.get("code") == WINDOW_CLOSED_CODE:
        return ApiPermanentError(WINDOW_CLOSED_SENT, status=response.status_code)
    return graph_error(response)


class WhatsAppClient(GraphClient):
    label = "WhatsApp"

    def __init__(
        self, *, base_url: str, access_token: str, phone_number_id: str, version: str = GRAPH_VERSION,
        account_ref: str = "",
    ) -> None:
        super().__init__(base_url=base_url, access_token=access_token, version=version)
        self.phone_number_id = phone_number_id
        self.account_ref = account_ref

    def error_for(self, response: requests.Response) -> ApiError:
        """WhatsApp's refinement of Graph errors (131047 and friends, by code)."""
        exc = whatsapp_error(response)
        logger.warning("whatsapp account %s: %s", self.account_ref, exc.message)
        return exc

    def _send(self, payload: dict[str, Any]) -> str:
        data = self.post(f"{self.phone_number_id}/messages", {"messaging_product": "whatsapp", **payload})
        messages = data.get("messages")
        first = messages[0] if isinstance(messages, list) and messages else None
        wamid = first.get("id") if isinstance(first, dict) else None
        if not isinstance(wamid, str) or not wamid:
            raise ApiOutcomeUnknown("WhatsApp accepted the message but returned no id")
        return wamid

    def send_text(self, *, to: str, body: str, reply_to: str = "") -> str:
        """A free-form text message (inside the 24-hour window), quoting `reply_to` if given."""
        payload: dict[str, Any] = {
            "recipient_type": "individual",
            "to": to,
            "type": "text",
            "text": {"body": body, "preview_url": False},
        }
        if reply_to:
            payload["context"] = {"message_id": reply_to}
        return self._send(payload)

    def send_list(
        self, *, to: str, body: str, button: str, rows: Sequence[tuple[str, str]], reply_to: str = ""
    ) -> str:
        """An interactive list message (inside the 24-hour window): `button` opens the list,
        whose rows ((title, id) each, one section) the customer picks one of; the pick
        arrives as an `interactive` message with `list_reply.id`. Reply buttons would do
        only 3, a list takes up to 10 rows."""
        if not list_fits(body, button, rows):
            raise ApiPermanentError("A WhatsApp list takes 1–10 rows (titles up to 24 characters, ids up to 200).")
        payload: dict[str, Any] = {
            "recipient_type": "individual",
            "to": to,
            "type": "interactive",
            "interactive": {
                "type": "list",
                "body": {"text": body},
                "action": {
                    "button": button,
                    "sections": [{"rows": [{"id": row_id, "title": title} for title, row_id in rows]}],
                },
            },
        }
        if reply_to:
            payload["context"] = {"message_id": reply_to}
        return self._send(payload)

    def send_file(self, *, to: str, file: OutboundFile, caption: str = "", reply_to: str = "") -> str:
        """Upload the file (POST /{phone-number-id}/media), then send it as an image (JPEG
        or PNG, which WhatsApp shows inline) or a document carrying its file name."""
        uploaded = self.request(
            "POST", f"{self.phone_number_id}/media",
            data={"messaging_product": "whatsapp", "type": file.content_type},
            files={"file": (file.filename, file.content, file.content_type)},
        )
        media_id = uploaded.get("id")
        if not isinstance(media_id, str) or not media_id:
            raise ApiOutcomeUnknown("WhatsApp accepted the upload but returned no media id")
        kind = "image" if file.content_type in IMAGE_TYPES else "document"
        media: dict[str, Any] = {"id": media_id}
        if caption:
            media["caption"] = caption
        if kind == "document":
            media["filename"] = file.filename
        payload: dict[str, Any] = {"recipient_type": "individual", "to": to, "type": kind, kind: media}
        if reply_to:
            payload["context"] = {"message_id": reply_to}
        return self._send(payload)

    def send_template(self, *, to: str, name: str, language: str, params: list[str]) -> str:
        """An approved template (allowed outside the window); `params` fill {{1}}…{{n}} of its body."""
        template: dict[str, Any] = {"name": name, "language": {"code": language}}
        if params:
            template["components"] = [
                {"type": "body", "parameters": [{"type": "text", "text": p} for p in params]}
            ]
        return self._send({"recipient_type": "individual", "to": to, "type": "template", "template": template})

    def phone_number(self) -> dict[str, Any]:
        """What WhatsApp says about the account's number (the admin's connection test)."""
        return self.get(self.phone_number_id, {"fields": "verified_name,display_phone_number,quality_rating"})

    def message_templates(self, *, waba_id: str) -> list[dict[str, Any]]:
        """The business's message templates (GET /{WABA-ID}/message_templates, cursor paged),
        as Graph gives them: name, language, status, category, components."""
        return list(
            self.pages(
                f"{waba_id}/message_templates",
                {"fields": "id,name,language,status,category,components", "limit": 100},
            )
        )

    def mark_read(self, *, message_id: str) -> bool:
        data = self.post(
            f"{self.phone_number_id}/messages",
            {"messaging_product": "whatsapp", "status": "read", "message_id": message_id},
        )
        return bool(data.get("success"))

    def download_media(self, *, media_id: str, max_bytes: int) -> bytes:
        """GET /{media-id} for a short-lived URL, then GET that URL with the same token."""
        info = self.get(media_id, {"phone_number_id": self.phone_number_id})
        url = info.get("url")
        if not isinstance(url, str) or not url:
            raise ApiPermanentError("WhatsApp has no download URL for this media")
        size = str(info.get("file_size") or "")
        if size.isdigit() and int(size) > max_bytes:
            raise DownloadTooLarge(f"the file is {size} bytes, over the {max_bytes} limit")
        return download(self.session, url, max_bytes=max_bytes, who=self.label)
