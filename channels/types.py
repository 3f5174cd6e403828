"""Channel-neutral types: what connectors hand to the inbox, and what the inbox hands back."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class NormalizedAuthor:
    external_id: str
    handle: str = ""
    display_name: str = ""
    # What a platform tells about the person that can match them across channels.
    email: str = ""
    phone: str = ""  # E.164 digits, with or without "+"
    avatar_url: str = ""


@dataclass(frozen=True)
class Attachment:
    filename: str
    content_type: str
    size: int | None = None
    url: str = ""
    # What the connector's fetch_attachment needs besides the stored event: Telegram's
    # file_id, WhatsApp's media id ("" where the URL or the stored message itself holds it).
    # Not part of the metadata's identity (nor of what the API shows).
    ref: str = field(default="", compare=False)


@dataclass(frozen=True)
class OutboundFile:
    """A file an agent attached to a reply, read from storage by the outbox. `url` is a
    signed, expiring link anyone holding it may download the file from, for platforms that
    take media by URL and fetch it themselves (Viber)."""

    filename: str
    content_type: str
    content: bytes
    # Where the platform can fetch it itself (a signed, expiring link: platforms that send
    # files by URL, such as Instagram, use it; "" when Hovor has none).
    url: str = ""


@dataclass(frozen=True)
class ButtonPress:
    """The customer pressed one of the buttons a message of ours offered
    (OutboundRequest.choices): the domain reads `payload`, never the platform's shape."""

    payload: str
    # What the connector's press_acknowledge needs where the platform waits for an answer
    # to the press (Telegram's callback query id; its client spins until then); "" elsewhere.
    ack: str = ""


@dataclass(frozen=True)
class NormalizedMessage:
    """One customer message, parsed from a platform payload at the edge."""

    platform_id: str
    author: NormalizedAuthor
    text: str
    sent_at: datetime
    kind: str  # mention, dm, comment, email, chat ...
    thread_key: str = ""
    in_reply_to: str = ""
    subject: str = ""
    language: str = ""
    attachments: tuple[Attachment, ...] = ()
    automated: str | None = None
    public: bool = True
    # Channel-specific threading data to keep for replies (e.g. email Message-ID/References).
    extra: Mapping[str, Any] = field(default_factory=dict)
    # A button press rather than (or as well as) words: the domain decides what it answers.
    # Where the platform also posts the button's title in the chat (Messenger, WhatsApp),
    # `text` is that title; where it does not (Telegram's callback query), `text` is "".
    press: ButtonPress | None = None


# NormalizedMessage.extra[UNSUPPORTED]: the customer sent something the platform's API will
# not show (a poll, a message type it does not know): {"what": the platform's type or "",
# "detail": the platform's explanation or ""}. The message text is then "": the inbox shows
# a placeholder in the agent's language, so the conversation is never silent.
UNSUPPORTED = "unsupported"
# NormalizedMessage.extra[EDIT_OF]: this is a new version of the customer's message with that
# platform id (an edited comment): the inbox updates that message and keeps the old text.
# (Telegram marks its edits with extra["edit_of"] of its own: a new version stored beside the
# original, kind "message_edit", as channels/telegram/parser.py says.)
EDIT_OF = "edited_comment_of"


# OutboundRequest.extra[TEMPLATE]: send an approved message template instead of free text:
# {"name", "language", "params": [str, …]} (WhatsApp outside its 24-hour window).
TEMPLATE = "template"


@dataclass(frozen=True)
class MessageTemplate:
    """A platform-approved message template an agent may send when free text may not go
    out (WhatsApp's, synced from the business's account or listed by an admin)."""

    name: str
    language: str
    body: str = ""  # with {{1}}…{{n}} placeholders
    category: str = ""

    @property
    def label(self) -> str:
        return f"{self.name} ({self.language})"

    @property
    def key(self) -> str:
        return f"{self.name}|{self.language}"

    def placeholders(self) -> int:
        """How many {{n}} body parameters the template expects (numbered 1…n)."""
        count = 0
        while "{{" + str(count + 1) + "}}" in self.body:
            count += 1
        return count


@dataclass(frozen=True)
class NormalizedStatus:
    """A platform's report on a message we sent (WhatsApp sent/delivered/read/failed)."""

    platform_id: str  # the id the platform gave our message
    status: str  # sent | delivered | read | failed
    at: datetime
    error: str = ""


@dataclass(frozen=True)
class RawEvent:
    """A platform object as fetched, before parsing; stored as an InboundEvent."""

    platform_id: str
    kind: str
    payload: dict[str, Any]
    # The brand-side id the platform addressed it to (a Page, an Instagram account, a phone
    # number, X's for_user_id): one app's webhook carries every account it serves, so the
    # webhook view files it under the account that id belongs to. "" when not known.
    recipient: str = ""


@dataclass(frozen=True)
class OutboundRequest:
    """What to send: everything a connector needs, nothing of the inbox's models."""

    text: str
    kind: str = "reply"  # the kind of the customer message answered: dm, comment, mention …
    mode: str = ""  # "" answers in kind; "private" moves a public conversation to a DM
    in_reply_to: str = ""  # platform id of that message
    recipient: str = ""  # platform id of the customer (PSID, chat id, wa_id, address …)
    thread_key: str = ""
    subject: str = ""
    # Channel-specific threading data the inbox keeps for the connector (e.g. email
    # References), as stored on the message answered.
    extra: Mapping[str, Any] = field(default_factory=dict)
    not_before: datetime | None = None  # for reconciling: the first attempt's start
    exclude_ids: frozenset[str] = frozenset()  # our own earlier sends, never "found" again
    files: tuple[OutboundFile, ...] = ()  # attachments, within the connector's AttachmentLimits
    # Answers offered as buttons ((label, payload) each) where the platform has them; the
    # text always says how to answer without them.
    choices: tuple[tuple[str, str], ...] = ()


# What one delivery attempt came to (channels.outbound.outbound_send); the domain's outbox
# decides what it means for the reply.
@dataclass(frozen=True)
class Sent:
    platform_id: str


@dataclass(frozen=True)
class Failed:
    """For good: the platform refused it (or the account needs reconnecting)."""

    error: str


@dataclass(frozen=True)
class RetryAt:
    at: datetime
    error: str
    # The platform may have it (a timeout, a 5xx after sending): look before sending again.
    outcome_unknown: bool


DeliveryResult = Sent | Failed | RetryAt
