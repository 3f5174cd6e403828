"""The Graph API calls a Page-style connector (Facebook, Instagram) makes, through
channels.meta.graph.GraphClient (one requests session with default timeouts, Graph errors
mapped onto channels.http's family: throttling codes -> ApiRateLimited, 190 -> ApiAuthError,
5xx -> ApiOutcomeUnknown, other errors -> ApiPermanentError). The base URL is the account's
(a fake, a proxy) or Meta's.

Facebook's client (channels/facebook/client.py) is this one; Instagram's differs only in
the comment edges."""
from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from typing import Any

from channels.http import ApiOutcomeUnknown, ApiPermanentError
from channels.types import OutboundFile

from .graph import GraphClient, graph_time
from .windows import SendMode

logger = logging.getLogger("hovor.channels.facebook")

# Meta's answers that mean "this particular reply can never go", with what the agent reads.
OUTSIDE_WINDOW = (10, 2018278)
EXPLAINED_ERRORS: dict[int, str] = {
    551: "The customer is not available on Messenger any more (they may have blocked the Page "
    "or deactivated their account).",
    10900: "This comment already has a private reply; Meta allows one per comment.",
    10903: "This comment can no longer get a private reply.",
}


def attachment_type(content_type: str) -> str:
    """The Send API's attachment type for a file: image, video, audio, else file."""
    family = content_type.split("/", 1)[0]
    return family if family in ("image", "video", "audio") else "file"


# Messenger's (and Instagram's) quick replies: at most 13, a title of at most 20 characters,
# a payload of at most 1000.
MAX_QUICK_REPLIES = 13
MAX_QUICK_REPLY_TITLE = 20
MAX_QUICK_REPLY_PAYLOAD = 1000


def quick_replies_fit(choices: Sequence[tuple[str, str]]) -> bool:
    return 0 < len(choices) <= MAX_QUICK_REPLIES and all(
        0 < len(title) <= MAX_QUICK_REPLY_TITLE and 0 < len(payload) <= MAX_QUICK_REPLY_PAYLOAD
        for title, payload in choices
    )


def quick_reply_buttons(choices: Sequence[tuple[str, str]]) -> list[dict[str, str]]:
    if not quick_replies_fit(choices):
        raise ApiPermanentError("Quick replies: at most 13, each a title of 1–20 characters and a payload.")
    return [{"content_type": "text", "title": title, "payload": payload} for title, payload in choices]


class PageClient:
    """A Page, with its Page access token. `platform` is the conversations filter
    ("messenger" or "instagram") and the name used in messages."""

    platform = "messenger"
    label = "Facebook"
    # What the user-profile API gives a Page about a person who wrote to it (Messenger's).
    profile_fields = "first_name,last_name,profile_pic"

    def __init__(self, *, base_url: str, page_id: str, page_access_token: str, account_ref: str = "") -> None:
        if not page_id:
            raise ApiPermanentError(f"The {self.label} account has no page_id; an admin must add it.")
        self.page_id = page_id
        self.account_ref = account_ref
        self.graph = GraphClient(base_url=base_url, access_token=page_access_token)

    def user_profile(self, *, user_id: str) -> dict[str, Any]:
        """GET /{PSID or IGSID}?fields=… with the Page token: the person's name and picture."""
        return self.graph.get(user_id, {"fields": self.profile_fields})

    # --- sending ----------------------------------------------------------------------
    def _post(self, path: str, payload: dict[str, Any]) -> dict[str, Any]:
        try:
            return self.graph.post(path, payload)
        except ApiPermanentError as exc:
            raise self._explained(exc) from exc

    def _explained(self, exc: ApiPermanentError) -> ApiPermanentError:
        text = exc.message
        if f"(code {OUTSIDE_WINDOW[0]}/{OUTSIDE_WINDOW[1]})" in text:
            return ApiPermanentError(
                f"{self.label} refused the reply: the customer's last message is outside the allowed "
                f"window (24 hours, or 7 days with the human agent tag). {text}",
                status=exc.status,
            )
        for code, sentence in EXPLAINED_ERRORS.items():
            if f"(code {code})" in text or f"(code {code}/" in text:
                return ApiPermanentError(f"{sentence} {text}", status=exc.status)
        return exc

    @staticmethod
    def _id(data: dict[str, Any], key: str, what: str) -> str:
        value = data.get(key)
        if not isinstance(value, str) or not value:
            raise ApiOutcomeUnknown(f"Meta accepted the {what} but returned no {key}")
        return value

    def send_message(
        self, *, recipient_id: str, text: str, mode: SendMode, quick_replies: Sequence[tuple[str, str]] = ()
    ) -> str:
        """Send API: a text message to a PSID/IGSID; returns its `message_id` (mid).
        `quick_replies` ((title, payload) each) become the message's quick reply buttons:
        tapping one posts its title in the chat and the webhook's message carries
        `quick_reply.payload`."""
        message: dict[str, Any] = {"text": text}
        if quick_replies:
            message["quick_replies"] = quick_reply_buttons(quick_replies)
        payload: dict[str, Any] = {
            "recipient": {"id": recipient_id},
            "messaging_type": mode.messaging_type,
            "message": message,
        }
        if mode.tag:
            payload["tag"] = mode.tag
        data = self._post(f"{self.page_id}/messages", payload)
        return self._id(data, "message_id", "message")

    def upload_attachment(self, *, file: OutboundFile) -> str:
        """Attachment Upload API: POST /{page-id}/message_attachments as multipart form data
        (`message` = {"attachment": {"type", "payload": {"is_reusable": false}}}, the file as
        `filedata`); returns its `attachment_id`."""
        message = {"attachment": {"type": attachment_type(file.content_type), "payload": {"is_reusable": False}}}
        data: dict[str, str] = {"message": json.dumps(message)}
        if self.platform == "instagram":
            data["platform"] = "instagram"
        try:
            answer = self.graph.request(
                "POST", f"{self.page_id}/message_attachments", data=data,
                files={"filedata": (file.filename, file.content, file.content_type)},
            )
        except ApiPermanentError as exc:
            raise self._explained(exc) from exc
        return self._id(answer, "attachment_id", "upload")

    def send_attachment(self, *, recipient_id: str, kind: str, payload: dict[str, Any], mode: SendMode) -> str:
        """Send API: one attachment (`kind` image, video, audio or file; `payload` an uploaded
        {"attachment_id"} or a {"url"} the platform fetches); returns its `message_id`."""
        body: dict[str, Any] = {
            "recipient": {"id": recipient_id},
            "messaging_type": mode.messaging_type,
            "message": {"attachment": {"type": kind, "payload": payload}},
        }
        if mode.tag:
            body["tag"] = mode.tag
        data = self._post(f"{self.page_id}/messages", body)
        return self._id(data, "message_id", "attachment")

    def send_private_reply(self, *, comment_id: str, text: str) -> str:
        """A private reply to a comment: one per comment, within 7 days of it."""
        data = self._post(
            f"{self.page_id}/messages", {"recipient": {"comment_id": comment_id}, "message": {"text": text}}
        )
        return self._id(data, "message_id", "private reply")

    def reply_to_comment(self, *, comment_id: str, text: str) -> str:
        """A public reply under a comment: POST /{comment-id}/comments; returns the new comment id."""
        data = self._post(f"{comment_id}/comments", {"message": text})
        return self._id(data, "id", "comment")

    # --- looking up what we sent (after an unknown outcome) ----------------------------
    def comment_replies(self, *, comment_id: str) -> list[dict[str, Any]]:
        """Replies under a comment, newest first, as {id, text, from_id, at}."""
        data = self.graph.get(
            f"{comment_id}/comments",
            {"fields": "id,message,from,created_time", "order": "reverse_chronological", "limit": 50},
        )
        return [
            {
                "id": str(c.get("id", "")),
                "text": c.get("message"),
                "from_id": str((c.get("from") or {}).get("id", "")),
                "at": graph_time(c.get("created_time")),
            }
            for c in data.get("data") or []
            if isinstance(c, dict)
        ]

    def can_reply_privately(self, *, comment_id: str) -> bool | None:
        data = self.graph.get(comment_id, {"fields": "can_reply_privately"})
        value = data.get("can_reply_privately")
        return value if isinstance(value, bool) else None

    def conversation_messages(self, *, user_id: str) -> list[dict[str, Any]]:
        """The latest messages of the conversation with this person, newest first, as
        {id, text, from_id, at}."""
        data = self.graph.get(
            f"{self.page_id}/conversations",
            {
                "platform": self.platform,
                "user_id": user_id,
                "fields": "messages.limit(25){id,message,from,created_time}",
            },
        )
        found = []
        for conversation in data.get("data") or []:
            if not isinstance(conversation, dict):
                continue
            for m in (conversation.get("messages") or {}).get("data") or []:
                if isinstance(m, dict):
                    found.append(
                        {
                            "id": str(m.get("id", "")),
                            "text": m.get("message"),
                            "from_id": str((m.get("from") or {}).get("id", "")),
                            "at": graph_time(m.get("created_time")),
                        }
                    )
        return found
