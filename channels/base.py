"""The connector interface. Connectors know nothing of tickets; the inbox knows nothing of
wire formats. Every platform package exposes `connector`, an instance of a BaseConnector
subclass, and overrides what its platform does (poll or webhooks or both, send, limits)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, Literal

from django.utils.functional import Promise

from . import http, parsing
from .types import (
    Attachment,
    MessageTemplate,
    NormalizedAuthor,
    NormalizedMessage,
    NormalizedStatus,
    OutboundRequest,
    RawEvent,
)

if TYPE_CHECKING:
    from django.http import HttpRequest, HttpResponse

    from .models import BrandAccount


class WebhookRejected(Exception):
    """A webhook request we refuse; `status` is the HTTP status to answer with."""

    status = 400

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class SignatureInvalid(WebhookRejected):
    status = 403


class MalformedWebhook(WebhookRejected):
    status = 400


# A poller hands each page of raw events to this as soon as it has it (stored first).
RecordEvents = Callable[[list[RawEvent]], None]


@dataclass(frozen=True)
class ChannelLimits:
    max_length: int
    # "x-weighted" counts like X (URLs 23, CJK/emoji 2); "chars" counts code points;
    # "utf8-bytes" counts encoded bytes (Instagram DMs); "utf16" counts code units (Telegram).
    counting: str = "chars"
    public: bool = True
    signature_separator: str = " "


@dataclass(frozen=True)
class AttachmentLimits:
    """What a reply may carry on this platform: shown beside the composer's file input
    before sending, and checked when the reply is written. `types` are content types or
    families ("image/*"); `image_max_bytes` is a tighter limit for pictures where the
    platform has one (Telegram's sendPhoto, Viber's picture)."""

    max_bytes: int
    types: tuple[str, ...] = ("*/*",)
    max_files: int = 1
    image_max_bytes: int | None = None
    # File name extensions the platform refuses whatever the type (Viber: executables).
    forbidden_extensions: frozenset[str] = frozenset()
    # Types that go only on their own, never with other files (X: a GIF).
    alone_types: tuple[str, ...] = ()
    # One more thing the agent should know before sending, shown with the limits.
    note: str | Promise = ""

    def allows(self, content_type: str) -> bool:
        family = content_type.split("/", 1)[0] + "/*"
        return any(t in ("*/*", content_type, family) for t in self.types)

    def forbids_name(self, filename: str) -> bool:
        return "." in filename and filename.rpartition(".")[2].lower() in self.forbidden_extensions

    def max_bytes_for(self, content_type: str) -> int:
        if content_type.startswith("image/") and self.image_max_bytes is not None:
            return self.image_max_bytes
        return self.max_bytes


# --- what a connector declares about itself ------------------------------------------------
# Read by the registry and everything that shows or validates a platform (account pages,
# the API, the admin, badges): a new platform is one package, not edits across the project.
StrOrPromise = str | Promise  # a label given to gettext_lazy, translated when shown
InputType = Literal["text", "password", "number", "email", "json"]


@dataclass(frozen=True)
class Badge:
    """The platform's badge in lists and on tickets: CSS colours (#rgb or #rrggbb) of its
    background and text, served as a stylesheet (channels.views.badges_css), never inline."""

    background: str
    color: str


@dataclass(frozen=True)
class CredentialField:
    """One credential an admin enters (form) or sends (API `credentials`), keyed as the
    platform names it (DESIGN.md). `input_type` "" is a password box for a secret, else text;
    "json" takes a structured value (a list, an object) in the API and a text area in forms."""

    name: str
    label: StrOrPromise
    help_text: StrOrPromise = ""
    secret: bool = True
    required: bool = True
    input_type: InputType | Literal[""] = ""
    placeholder: str = ""
    # Shown back beside the webhook URL: the admin pastes it into the platform's settings
    # (Meta's verify token). Everything else secret is never shown again.
    shown_with_webhook: bool = False

    @property
    def widget(self) -> str:
        return self.input_type or ("password" if self.secret else "text")


@dataclass(frozen=True)
class MessageKind:
    """A kind of customer message the platform's parser produces (NormalizedMessage.kind),
    in the agent's words."""

    kind: str
    label: StrOrPromise


@dataclass(frozen=True)
class FormConnect:
    """The admin pastes the credential fields (the account form, or the API). With
    `test_first`, connecting calls test_connection and refuses the account if it fails."""

    test_first: bool = False


@dataclass(frozen=True)
class OAuthConnect:
    """"Connect with <platform>": the admin enters the developer app's id and secret (named
    as the platform names them), grants access on its consent page and picks the accounts
    (oauth_begin → oauth_complete); the credentials form stays offered below it.
    `state_param`: OAuth 2 flows carry our `state` through the platform and the view checks
    it; OAuth 1.0a (X) correlates by request token inside oauth_complete."""

    app_id_label: StrOrPromise
    app_secret_label: StrOrPromise
    state_param: bool = True
    test_first: bool = False
    # The credential that holds the app id, for accounts connected before Hovor kept
    # options["oauth_app_id"] ("Authorise again" starts from it).
    app_id_credential: str = ""
    # What one authorisation can reach, for the connect form and the "which ones" step.
    choose_hint: StrOrPromise = ""
    choose_heading: StrOrPromise = ""


@dataclass(frozen=True)
class ReplyContext:
    """What a connector needs to judge whether a reply may go out now."""

    kind: str  # the kind of the customer message being answered (dm, comment, mention …)
    last_customer_message_at: datetime | None
    now: datetime
    mode: str = ""  # "" answers in kind; "private" moves the conversation to a private message
    account: BrandAccount | None = None  # whose rules apply (e.g. to name its approved templates)


@dataclass(frozen=True)
class StoredFile:
    filename: str
    content_type: str
    content: bytes


class OAuthDenied(Exception):
    """The admin declined on the platform's consent page, or the callback does not belong
    to the flow we started (wrong state, stale request token). `reason` is shown to them."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class OAuthApp:
    """The developer app an admin registered with the platform: X's consumer key and
    secret, a Meta app's id and secret. `base_url` is the account's base URL ("" for the
    real platform; a fake's loopback URL in tests and the demo)."""

    client_id: str
    client_secret: str
    base_url: str = ""


@dataclass(frozen=True)
class OAuthStart:
    """Where the admin's browser goes to grant access, and what the callback needs later
    (e.g. X's request token secret). `saved` stays server-side in the admin's session."""

    authorize_url: str
    saved: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class OAuthChoice:
    """One account an authorisation gives access to: X's user, a Facebook Page, an
    Instagram professional account, a WhatsApp phone number. `credentials` is complete,
    keyed as the connector's `credential_fields` name them."""

    handle: str
    platform_user_id: str
    label: str
    credentials: dict[str, str]
    options: dict[str, Any] = field(default_factory=dict)


class BaseConnector:
    # --- declaration (what the registry, the admin pages and the API read) ------------
    platform: str = ""  # the package name, stored in BrandAccount.platform
    label: StrOrPromise = ""  # as admins and agents see it (gettext_lazy)
    badge: Badge = Badge(background="#eef0f3", color="#344054")
    credential_fields: tuple[CredentialField, ...] = ()
    connects: FormConnect | OAuthConnect = FormConnect()
    polls: bool = False  # beat polls accounts of platforms that set this
    webhooks: bool = False  # the platform pushes to /webhooks/<platform>/<account id>/
    kinds: tuple[MessageKind, ...] = ()
    # How far back "Import recent history" reaches, for the account page ("" says nothing).
    history_hint: StrOrPromise = ""
    # Non-secret settings the connect form offers (stored in BrandAccount.options).
    option_fields: tuple[CredentialField, ...] = ()
    # Templates of the platform's own package included by the account page (settings only
    # it has) and by the agent's ticket view (e.g. the chat's typing indicator).
    account_template: str = ""
    agent_template: str = ""
    limits: ChannelLimits = ChannelLimits(max_length=4096)
    # None: replies on this platform carry text only.
    attachment_limits: AttachmentLimits | None = None
    # SLA class for first-response targets (settings.FIRST_RESPONSE_TARGETS): "social" or "email".
    sla_class: str = "social"
    # Hovor can point the platform's webhooks at itself (webhook_register).
    registers_webhooks: bool = False
    # A delivery addressed to an id no account of this app claims: kept by the account whose
    # URL it reached (Meta: a Page id may be unknown until "test connection"), or dropped (X:
    # another user subscribed to the same app's webhook is not ours to keep).
    keeps_unrouted: bool = True

    @property
    def oauth(self) -> bool:
        return isinstance(self.connects, OAuthConnect)

    @property
    def oauth_state_param(self) -> bool:
        return not isinstance(self.connects, OAuthConnect) or self.connects.state_param

    def credential_field(self, name: str) -> CredentialField | None:
        return next((f for f in self.credential_fields if f.name == name), None)

    def kind_label(self, kind: str) -> StrOrPromise:
        return next((k.label for k in self.kinds if k.kind == kind), kind)

    # --- inbound --------------------------------------------------------------------
    def poll(self, account: BrandAccount, cursor: dict[str, Any], record: RecordEvents) -> dict[str, Any]:
        raise NotImplementedError(f"{self.platform} is not polled")

    @property
    def imports_history(self) -> bool:
        """Whether "Import recent history" means anything here: a polled platform reads back
        as a first poll would; a push-only one has history only if it overrides backfill."""
        return self.polls or type(self).backfill is not BaseConnector.backfill

    def backfill(self, account: BrandAccount, record: RecordEvents) -> None:
        """Import recent history, as far back as the platform allows, handing pages to
        `record`. A polling platform reads as a first poll would, from an empty cursor,
        without touching the live cursor; redeliveries dedupe as always."""
        if not self.polls:
            raise NotImplementedError(f"{self.platform} pushes new messages only; it has no history to import")
        self.poll(account, {}, record)

    def handshake(self, request: HttpRequest, account: BrandAccount) -> HttpResponse | None:
        """Answer a platform's GET verification (Meta hub.challenge, X CRC); None: 405."""
        return None

    def verify(self, request: HttpRequest, account: BrandAccount) -> None:
        """Raise SignatureInvalid unless the request is signed by the platform."""
        raise SignatureInvalid(f"{self.platform} does not take webhooks")

    def webhook_recipient_ids(self, account: BrandAccount) -> frozenset[str]:
        """The ids deliveries for this account are addressed to (RawEvent.recipient)."""
        return frozenset({account.platform_user_id} - {""})

    def webhook_app_secret(self, account: BrandAccount) -> str:
        """The secret its webhook signatures are made with: accounts sharing it share an app."""
        return ""

    def webhook_events(self, request: HttpRequest, account: BrandAccount) -> list[RawEvent]:
        """Split a verified delivery into raw events; raise MalformedWebhook if unreadable."""
        raise MalformedWebhook(f"{self.platform} does not take webhooks")

    def parse(self, kind: str, payload: dict[str, Any]) -> Sequence[NormalizedMessage | NormalizedStatus]:
        raise parsing.UnsupportedEventType(kind)

    # --- outbound -------------------------------------------------------------------
    def limits_for(self, kind: str) -> ChannelLimits:
        """Limits of a reply to a customer message of this kind (a DM may allow more)."""
        return self.limits

    def attachment_limits_for(self, kind: str, mode: str = "") -> AttachmentLimits | None:
        """What a reply to a customer message of this kind, sent in this mode ("" in kind,
        "private", "thread"), may carry; None: text only. Platforms whose posts and private
        messages take different files (X) override it."""
        return self.attachment_limits

    def can_reply_privately(self, kind: str) -> bool:
        """Whether a public conversation of this kind can move to a private message
        (an X mention to a DM, a Page comment to a Messenger private reply …)."""
        return False

    def split_thread(self, kind: str, text: str) -> list[str] | None:
        """A long public reply as a numbered thread of posts, where the platform has such
        a thing for this kind of message; None where it does not."""
        return None

    def check_reply(self, context: ReplyContext) -> str:
        """Why a reply cannot go out now (a closed 24 h window …), or "" if it can."""
        return ""

    def count(self, text: str) -> int:
        if self.limits.counting == "utf8-bytes":
            return len(text.encode("utf-8"))
        return len(text)

    def count_for(self, kind: str, text: str) -> int:
        """Length of a reply to a message of this kind, in the units of limits_for(kind):
        "chars" (code points), "utf8-bytes", "utf16" (code units); anything else is the
        connector's own count (X's weighting)."""
        counting = self.limits_for(kind).counting
        if counting == "chars":
            return len(text)
        if counting == "utf8-bytes":
            return len(text.encode("utf-8"))
        if counting == "utf16":
            return len(text.encode("utf-16-le")) // 2
        return self.count(text)

    def send(self, account: BrandAccount, outbound: OutboundRequest) -> str:
        raise NotImplementedError

    def press_acknowledge(self, account: BrandAccount, *, ack: str, text: str) -> None:
        """Answer a button press whose ButtonPress.ack is set (Telegram's client shows a
        spinner until the bot answers the callback query), with `text` as a short notice
        ("" shows none). Raises a channels.http ApiError when the platform refuses. Platforms
        that wait for no answer never set `ack`."""
        raise NotImplementedError(f"{self.platform} waits for no answer to a button press")

    def find_sent(self, account: BrandAccount, outbound: OutboundRequest) -> str | None:
        """After an unknown outcome: the platform id of our earlier send, if it got there.
        Platforms with no way to look it up return None (and the send is retried)."""
        return None

    def permalink(self, account: BrandAccount, platform_id: str, author_handle: str = "") -> str:
        return ""

    # --- templates, read receipts, profiles (platforms that have them override) ---------
    def reply_templates(self, account: BrandAccount) -> list[MessageTemplate]:
        """The approved templates an agent may send when free text may not go out (send
        them with OutboundRequest.extra[TEMPLATE]). Platforms without templates have none."""
        return []

    def templates_sync(self, account: BrandAccount) -> int:
        """Fetch and cache the account's approved templates; how many there are now."""
        return 0

    # Whether Hovor tells the platform that an agent read the customer's message.
    read_receipts: bool = False

    def mark_read(self, account: BrandAccount, platform_id: str) -> bool:
        raise NotImplementedError(f"{self.platform} takes no read receipts")

    # Whether a customer's name and picture can be looked up (their messages carry neither).
    fetches_profiles: bool = False

    def fetch_profile(self, account: BrandAccount, external_id: str) -> NormalizedAuthor | None:
        """The person's name and avatar from the platform's user-profile API (None: it has
        none for them). Raises a channels.http ApiError when the call fails."""
        raise NotImplementedError(f"{self.platform} has no profile lookup")

    def stored_files(self, kind: str, payload: dict[str, Any]) -> list[StoredFile]:
        """Files Hovor holds inside one stored raw event (a customer's data export takes
        them): an e-mail's original message and its attachments. Platforms whose media stay
        on the platform (a URL in the message) hold none."""
        return []

    def fetch_attachment(
        self, account: BrandAccount, *, attachment: Attachment, index: int, kind: str, payload: dict[str, Any],
        max_bytes: int,
    ) -> bytes:
        """The bytes of the `index`-th attachment of the message parsed from the stored raw
        event (`kind`, `payload`). Raises http.DownloadTooLarge past `max_bytes`, a channels.http
        ApiError otherwise (transient ones are retried). The default downloads the URL the
        parser kept (Meta's CDN links, Viber's media): platforms behind a token override it."""
        if not attachment.url:
            raise http.ApiPermanentError(f"{self.platform} keeps no link to this file")
        return http.download(http.make_session(), attachment.url, max_bytes=max_bytes, who=str(self.label))

    # --- admin ----------------------------------------------------------------------
    def oauth_begin(self, app: OAuthApp, *, callback_url: str, state: str) -> OAuthStart:
        """Start the platform's authorisation: the URL of its consent page (on
        `app.base_url` when set) that returns the admin to `callback_url`."""
        raise NotImplementedError(f"{self.platform} connects with pasted credentials")

    def oauth_complete(
        self, app: OAuthApp, *, callback_url: str, params: dict[str, str], saved: dict[str, str]
    ) -> list[OAuthChoice]:
        """Finish it from the callback's query `params`: exchange the code or verifier for
        tokens and list the accounts they reach. Raises OAuthDenied when the admin declined
        or the callback is not ours, a channels.http ApiError when the platform refuses."""
        raise NotImplementedError(f"{self.platform} connects with pasted credentials")

    def webhook_register(self, account: BrandAccount, webhook_url: str) -> str:
        """Point the platform's webhooks for this account at `webhook_url` through its API
        (subscribe a Page, register a webhook and subscribe the user, setWebhook). Returns a
        sentence for the admin; raises a channels.http ApiError when refused."""
        raise NotImplementedError(f"{self.platform}: paste the webhook URL in its developer settings")

    def test_connection(self, account: BrandAccount) -> dict[str, str]:
        """Call the platform with the account's credentials; return what it says about the
        account (name, id, permissions). Raise a channels.http ApiError if refused."""
        raise NotImplementedError(f"no connection test for {self.platform} yet")


Connector = BaseConnector
