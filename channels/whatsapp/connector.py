"""The WhatsApp Cloud API connector: webhooks in (Meta's handshake and signature), text
replies out through POST /{PHONE_NUMBER_ID}/messages, delivery statuses back in. Admins
connect a number with Facebook Login (channels.meta.login.MetaLoginConnector: the WhatsApp
Business accounts they share, each number of them) and Hovor points its webhooks at itself
(the app subscribed to the WABA, the number's callback overridden to this account's URL).

There is no polling API and no way to look a sent message up, so `find_sent` returns None:
after an unknown outcome (timeout, 5xx) the reply is sent again, which can duplicate it."""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from channels.base import (
    AttachmentLimits,
    Badge,
    ChannelLimits,
    CredentialField,
    MalformedWebhook,
    MessageKind,
    OAuthApp,
    OAuthChoice,
    OAuthConnect,
    ReplyContext,
)
from channels.http import ApiError, ApiPermanentError
from channels.meta import webhooks
from channels.meta.graph import GraphClient
from channels.meta.login import MetaGrant, MetaLoginConnector, debug_token, granted_targets, new_verify_token
from channels.meta.subscriptions import app_id_for, subscribed, verification_failed
from channels.meta.webhooks import envelope_list
from channels.parsing import SkippedEvent
from channels.types import TEMPLATE, Attachment, NormalizedMessage, NormalizedStatus, OutboundRequest, RawEvent

from . import parser
from .client import WhatsAppClient, list_fits
from .limits import (
    LIMITS,
    MAX_CAPTION_LENGTH,
    MAX_TEXT_LENGTH,
    Template,
    hours_since,
    render_template,
    window_closed,
    window_closed_message,
)
from .templates import account_templates, templates_sync, waba_id_of

if TYPE_CHECKING:
    from django.http import HttpRequest, HttpResponse

    from channels.models import BrandAccount

logger = logging.getLogger("hovor.channels.whatsapp")

OBJECT = "whatsapp_business_account"
# Facebook Login permissions: the WhatsApp Business accounts (their numbers, webhooks) and
# sending; business_management only when access comes through a business portfolio.
SCOPES = ("whatsapp_business_management", "whatsapp_business_messaging", "business_management")
PHONE_FIELDS = "id,display_phone_number,verified_name,quality_rating"
TOKEN_RE = re.compile(r"[a-z][a-z0-9_]{0,39}")
# The label of the button that opens a list of offered answers: the same in every language.
LIST_BUTTON = "⭐ 1–5"
MAX_ID_LENGTH = 180  # InboundEvent.platform_id holds 200, and a status adds ":<status>"


def client_for(account: BrandAccount) -> WhatsAppClient:
    credentials = account.credentials
    return WhatsAppClient(
        base_url=account.base_url,
        access_token=str(credentials.get("access_token") or ""),
        phone_number_id=str(credentials.get("phone_number_id") or ""),
        account_ref=str(account.pk),
    )


# --- webhooks -------------------------------------------------------------------------
def _id(item: dict[str, Any], what: str) -> str:
    value = item.get("id")
    if not isinstance(value, str) or not value or len(value) > MAX_ID_LENGTH:
        raise MalformedWebhook(f"{what} has no usable id")
    return value


def _kind(prefix: str, value: Any) -> str:
    if not isinstance(value, str):
        raise MalformedWebhook(f"{prefix} has no {'type' if prefix == 'message' else 'status'}")
    # An unexpected value still gets stored (and marked ignored), under a bounded kind.
    return f"{prefix}.{value}" if TOKEN_RE.fullmatch(value) else f"{prefix}.other"


# Webhook fields that are about the account, not a conversation: acknowledged, not stored.
UNSTORED_FIELDS: dict[str, str] = {
    "message_template_status_update": "a template's review",
    "message_template_quality_update": "a template's quality rating",
    "template_category_update": "a template's category",
    "account_update": "a change to the WhatsApp Business account",
    "account_review_update": "the WhatsApp Business account's review",
    "account_alerts": "an alert about the WhatsApp Business account",
    "phone_number_name_update": "a review of the number's display name",
    "phone_number_quality_update": "the number's quality rating or messaging limit",
    "business_capability_update": "the account's messaging limits",
    "security": "a security notice (two-step verification, a new device)",
}
ECHO_FIELD = "smb_message_echoes"  # sends from the WhatsApp Business app on the same number


def split_delivery(data: dict[str, Any], *, phone_number_id: str = "") -> list[RawEvent]:
    """One raw event per messages[] item (platform id: the wamid), per statuses[] item
    (platform id: wamid:status, so each transition dedupes on its own) and per echo of a
    message sent from the WhatsApp Business app (`smb_message_echoes`, kind message_echo,
    platform id echo:<wamid>; stored and skipped like any echo), each carrying the sender's
    contact profile and the metadata it came with. Raises MalformedWebhook when the envelope
    cannot be read; changes of other fields (UNSTORED_FIELDS: template reviews, account
    updates …) are acknowledged, logged and not stored."""
    events: list[RawEvent] = []
    for entry in envelope_list(data.get("entry"), "entry"):
        if not isinstance(entry, dict):
            raise MalformedWebhook("entry item is not an object")
        for change in envelope_list(entry.get("changes"), "changes"):
            if not isinstance(change, dict):
                raise MalformedWebhook("changes item is not an object")
            value = change.get("value")
            field = change.get("field")
            if field not in ("messages", ECHO_FIELD):
                why = UNSTORED_FIELDS.get(field, "a field Hovor does not use") if isinstance(field, str) else ""
                logger.info("whatsapp: not storing a %r change (%s)", field, why or "no field")
                continue
            if not isinstance(value, dict):
                raise MalformedWebhook("change value is not an object")
            metadata = value.get("metadata") or {}
            if not isinstance(metadata, dict):
                raise MalformedWebhook("metadata is not an object")
            number = metadata.get("phone_number_id")
            if phone_number_id and number and str(number) != phone_number_id:
                # Meta sends every number of an app to its one callback URL unless overridden
                # (doc.md): the webhook view files it under the number's own account, if any.
                logger.info("whatsapp: delivery for phone number %s reached the account of %s", number, phone_number_id)
            contacts = {}
            for contact in envelope_list(value.get("contacts"), "contacts"):
                if isinstance(contact, dict) and isinstance(contact.get("wa_id"), str):
                    contacts[contact["wa_id"]] = contact
            for message in envelope_list(value.get("messages"), "messages"):
                if not isinstance(message, dict):
                    raise MalformedWebhook("messages item is not an object")
                sender = message.get("from")
                contact = contacts.get(sender) if isinstance(sender, str) else None
                if contact is None and len(contacts) == 1:
                    contact = next(iter(contacts.values()))
                events.append(
                    RawEvent(
                        platform_id=_id(message, "message"),
                        kind=_kind("message", message.get("type")),
                        payload={"message": message, "contact": contact, "metadata": metadata},
                        recipient=str(number or ""),
                    )
                )
            for status in envelope_list(value.get("statuses"), "statuses"):
                if not isinstance(status, dict):
                    raise MalformedWebhook("statuses item is not an object")
                kind = _kind("status", status.get("status"))
                events.append(
                    RawEvent(
                        platform_id=f"{_id(status, 'status')}:{kind.removeprefix('status.')}",
                        kind=kind,
                        payload={"status": status, "metadata": metadata},
                        recipient=str(number or ""),
                    )
                )
            for echo in envelope_list(value.get("message_echoes"), "message_echoes") if field == ECHO_FIELD else []:
                if not isinstance(echo, dict):
                    raise MalformedWebhook("message_echoes item is not an object")
                events.append(
                    RawEvent(
                        platform_id=f"echo:{_id(echo, 'message echo')}",
                        kind="message_echo",
                        payload={"echo": echo, "metadata": metadata},
                        recipient=str(number or ""),
                    )
                )
            for error in envelope_list(value.get("errors"), "errors"):
                logger.warning("whatsapp: error reported in a delivery: %s", error)
    return events


def validate_events(events: list[RawEvent]) -> None:
    """Types are checked at the edge: a delivery whose items would not parse is refused
    (400) before anything is stored. Unknown types are fine; they are stored and ignored."""
    for event in events:
        try:
            parser.parse(event.kind, event.payload)
        except SkippedEvent:
            continue
        except (ValueError, TypeError, KeyError, AttributeError) as exc:
            raise MalformedWebhook(f"{event.kind} {event.platform_id}: {exc}") from exc


def _text(item: dict[str, Any], key: str) -> str:
    value = item.get(key)
    return str(value) if isinstance(value, (str, int)) and not isinstance(value, bool) else ""


def e164(display_phone_number: str) -> str:
    """ "+1 555-078-3881" or "15550783881" as "+15550783881"."""
    digits = "".join(c for c in display_phone_number if c.isdigit())
    return f"+{digits}" if digits else ""


class WhatsAppConnector(MetaLoginConnector):
    platform = "whatsapp"
    label = _("WhatsApp")
    badge = Badge(background="#e7f6ec", color="#1b7f3b")
    credential_fields = (
        CredentialField("phone_number_id", _("Phone number ID"), secret=False),
        CredentialField("access_token", _("Access token")),
        CredentialField("app_secret", _("App secret"), _("Meta signs its webhooks with it (App settings → Basic).")),
        CredentialField(
            "verify_token", _("Webhook verify token (any random string you choose)"), shown_with_webhook=True
        ),
        CredentialField(
            "waba_id",
            _("WhatsApp Business account ID"),
            _("Hovor reads the account's approved message templates from it (found from the token when blank)."),
            secret=False,
            required=False,
        ),
        CredentialField(
            "templates",
            _("Message templates"),
            _("The approved templates replies may use outside the 24-hour window (JSON list; see doc.md)."),
            secret=False,
            required=False,
            input_type="json",
        ),
    )
    connects = OAuthConnect(
        _("Meta app ID"),
        _("Meta app secret"),
        choose_hint=_("You choose which phone numbers to connect; Hovor subscribes them to its webhook."),
        choose_heading=_("Which phone numbers should Hovor answer from?"),
    )
    webhooks = True
    polls = False
    kinds = (MessageKind("message", _("message")),)
    limits: ChannelLimits = LIMITS
    # Cloud API media: images (JPEG, PNG) up to 5 MB, documents up to 100 MB.
    attachment_limits = AttachmentLimits(
        max_bytes=100 * 1024 * 1024, max_files=5, image_max_bytes=5 * 1024 * 1024,
        types=("image/jpeg", "image/png", "application/pdf", "text/plain", "application/msword",
               "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
               "application/vnd.ms-excel", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    )
    oauth_scopes = SCOPES
    oauth_nothing_found = (
        "Meta shared no WhatsApp Business account with a phone number. On Facebook's consent page, pick the "
        "brand's WhatsApp Business account."
    )

    # --- admin ------------------------------------------------------------------------
    def oauth_accounts(self, app: OAuthApp, grant: MetaGrant) -> list[OAuthChoice]:
        """One choice per phone number of each WhatsApp Business account the admin shared
        (debug_token's granular_scopes name them, as Meta's embedded-signup guide does)."""
        graph = GraphClient(base_url=app.base_url, access_token=grant.user_token)
        graph.label = str(self.label)
        choices = []
        for waba_id in grant.targets.get("whatsapp_business_management", ()):
            waba = graph.get(waba_id, {"fields": "id,name"})
            waba_name = _text(waba, "name") or waba_id
            for number in graph.pages(f"{waba_id}/phone_numbers", {"fields": PHONE_FIELDS}):
                number_id, display = _text(number, "id"), _text(number, "display_phone_number")
                if not number_id:
                    continue
                name = _text(number, "verified_name")
                options: dict[str, Any] = {"waba_id": waba_id, "app_id": app.client_id}
                if grant.expires_at is not None:
                    # A user token lasts 60 days; the account page can say when to reconnect.
                    options["token_expires_at"] = grant.expires_at.isoformat()
                choices.append(
                    OAuthChoice(
                        handle=e164(display) or number_id,
                        platform_user_id=number_id,
                        label=f"{name} {display} (WhatsApp Business account {waba_name})".strip(),
                        credentials={
                            "phone_number_id": number_id,
                            "access_token": grant.user_token,
                            "app_secret": app.client_secret,
                            "verify_token": new_verify_token(),
                        },
                        options=options,
                    )
                )
        return choices

    def webhook_register(self, account: BrandAccount, webhook_url: str) -> str:
        """Subscribe the app to the number's WhatsApp Business account, then override the
        number's callback URL with `webhook_url` (Meta verifies it with the account's verify
        token first). Other numbers of the account keep their own callback."""
        credentials = account.credentials
        number = str(credentials.get("phone_number_id") or "")
        token = str(credentials.get("access_token") or "")
        secret = str(credentials.get("app_secret") or "")
        verify_token = str(credentials.get("verify_token") or "")
        if not (number and token and secret and verify_token):
            raise ApiPermanentError(
                "The WhatsApp account needs phone_number_id, access_token, app_secret and verify_token first."
            )
        options = account.options if isinstance(account.options, dict) else {}
        client = client_for(account)
        waba_id = str(options.get("waba_id") or "") or self._waba_of(account, client)
        if not subscribed(client.post(f"{waba_id}/subscribed_apps", {})):
            raise ApiPermanentError("Meta did not confirm the app's subscription to the WhatsApp Business account")
        try:
            data = client.post(
                number, {"webhook_configuration": {"override_callback_uri": webhook_url, "verify_token": verify_token}}
            )
        except ApiError as exc:
            raise verification_failed(exc, webhook_url) from exc
        if not subscribed(data):
            raise ApiPermanentError("Meta did not confirm the number's callback URL")
        return (
            f"Meta verified {webhook_url} and now sends the messages and delivery statuses of {account.handle} "
            f"there (the number's own callback URL); the app is subscribed to the WhatsApp Business account "
            f"{waba_id}."
        )

    def _waba_of(self, account: BrandAccount, client: WhatsAppClient) -> str:
        """For an account connected with pasted credentials: the WhatsApp Business account of
        its number, among those its token was granted (debug_token's granular_scopes)."""
        credentials = account.credentials
        token, secret = str(credentials.get("access_token") or ""), str(credentials.get("app_secret") or "")
        app_id = app_id_for(base_url=account.base_url, token=token)
        info = debug_token(base_url=account.base_url, app_id=app_id, app_secret=secret, token=token)
        for waba_id in granted_targets(info).get("whatsapp_business_management", ()):
            for number in client.pages(f"{waba_id}/phone_numbers", {"fields": "id"}):
                if _text(number, "id") == client.phone_number_id:
                    return waba_id
        raise ApiPermanentError(
            "Hovor could not find the WhatsApp Business account of this number among those its token reaches; "
            "connect it with Facebook, or set the account option waba_id."
        )

    # --- inbound ----------------------------------------------------------------------
    def handshake(self, request: HttpRequest, account: BrandAccount) -> HttpResponse | None:
        return webhooks.handshake(request, str(account.credentials.get("verify_token") or ""))

    def verify(self, request: HttpRequest, account: BrandAccount) -> None:
        webhooks.verify_signature(request, str(account.credentials.get("app_secret") or ""))

    def webhook_recipient_ids(self, account: BrandAccount) -> frozenset[str]:
        return frozenset({str(account.credentials.get("phone_number_id") or "")} - {""})

    def webhook_app_secret(self, account: BrandAccount) -> str:
        return str(account.credentials.get("app_secret") or "")

    def webhook_events(self, request: HttpRequest, account: BrandAccount) -> list[RawEvent]:
        data = webhooks.json_body(request, expected_object=OBJECT)
        events = split_delivery(data, phone_number_id=str(account.credentials.get("phone_number_id") or ""))
        validate_events(events)
        return events

    def parse(self, kind: str, payload: dict[str, Any]) -> Sequence[NormalizedMessage | NormalizedStatus]:
        return parser.parse(kind, payload)

    # --- outbound ---------------------------------------------------------------------
    def limits_for(self, kind: str) -> ChannelLimits:
        return LIMITS

    def check_reply(self, context: ReplyContext) -> str:
        """Free text only within 24 hours of the customer's last message; after that the
        composer says so and names the account's approved templates."""
        if not window_closed(context.last_customer_message_at, context.now):
            return ""
        assert context.last_customer_message_at is not None
        templates = account_templates(context.account) if context.account is not None else None
        return window_closed_message(templates, hours_since(context.last_customer_message_at, context.now))

    def send(self, account: BrandAccount, outbound: OutboundRequest) -> str:
        to = outbound.recipient or outbound.thread_key
        if not to:
            raise ApiPermanentError("There is no WhatsApp number to reply to.")
        template = outbound.extra.get(TEMPLATE)
        if isinstance(template, dict):
            # An approved template may go out at any time (outside the 24-hour window too).
            params = [str(p) for p in template.get("params") or []]
            return self.send_template(
                account, to, str(template.get("name") or ""), str(template.get("language") or ""), params
            )
        if len(outbound.text) > MAX_TEXT_LENGTH:
            raise ApiPermanentError(f"Too long for WhatsApp: {len(outbound.text)}/{MAX_TEXT_LENGTH} characters.")
        last = _customer_wrote_at(outbound.extra)
        now = timezone.now()
        if window_closed(last, now):
            assert last is not None
            raise ApiPermanentError(window_closed_message(account_templates(account), hours_since(last, now)))
        client = client_for(account)
        if not outbound.files and outbound.choices and list_fits(outbound.text, LIST_BUTTON, outbound.choices):
            # Offered answers (the 1–5 of the satisfaction question) as a list to pick from.
            return client.send_list(
                to=to, body=outbound.text, button=LIST_BUTTON, rows=outbound.choices, reply_to=outbound.in_reply_to
            )
        if not outbound.files:
            return client.send_text(to=to, body=outbound.text, reply_to=outbound.in_reply_to)
        # The text as the first file's caption when it fits WhatsApp's 1024, else on its own first.
        first = ""
        caption = outbound.text if len(outbound.text) <= MAX_CAPTION_LENGTH else ""
        if outbound.text.strip() and not caption:
            first = client.send_text(to=to, body=outbound.text, reply_to=outbound.in_reply_to)
        for index, file in enumerate(outbound.files):
            sent = client.send_file(to=to, file=file, caption=caption if index == 0 else "",
                                    reply_to=outbound.in_reply_to if not first else "")
            first = first or sent
        return first

    def fetch_attachment(
        self, account: BrandAccount, *, attachment: Attachment, index: int, kind: str, payload: dict[str, Any],
        max_bytes: int,
    ) -> bytes:
        if not attachment.ref:
            raise ApiPermanentError("WhatsApp gave no media id for this attachment")
        return client_for(account).download_media(media_id=attachment.ref, max_bytes=max_bytes)

    def find_sent(self, account: BrandAccount, outbound: OutboundRequest) -> str | None:
        """The Cloud API has no endpoint to list or look up sent messages: None, so an
        unknown outcome is followed by a second send (which may duplicate the reply)."""
        return None

    def send_template(
        self, account: BrandAccount, to: str, template_name: str, language: str, params: Sequence[str] = ()
    ) -> str:
        """Send an approved template (allowed outside the 24-hour window). When the account
        lists its templates, the name, language and parameter count are checked first."""
        templates = account_templates(account)
        if templates:
            match = next((t for t in templates if t.name == template_name and t.language == language), None)
            if match is None:
                listed = ", ".join(t.label for t in templates)
                raise ApiPermanentError(
                    f"{template_name} ({language}) is not one of this account's approved templates: {listed}."
                )
            expected = match.placeholders()
            if match.body and expected != len(params):
                raise ApiPermanentError(f"Template {match.label} takes {expected} parameter(s), {len(params)} given.")
        return client_for(account).send_template(to=to, name=template_name, language=language, params=list(params))

    read_receipts = True

    def mark_read(self, account: BrandAccount, platform_id: str) -> bool:
        """Tell WhatsApp the customer's message was read (blue ticks on their side)."""
        return client_for(account).mark_read(message_id=platform_id)

    def reply_templates(self, account: BrandAccount) -> list[Template]:
        return account_templates(account)

    def templates_sync(self, account: BrandAccount) -> int:
        """Cache the approved templates of the number's WhatsApp Business account (found
        through the token's grants and remembered when the account has no waba_id)."""
        client = client_for(account)
        waba_id = waba_id_of(account)
        if not waba_id:
            waba_id = self._waba_of(account, client)
            account.options = {**(account.options if isinstance(account.options, dict) else {}), "waba_id": waba_id}
            type(account).objects.filter(pk=account.pk).update(options=account.options)
        return templates_sync(account=account, client=client, waba_id=waba_id)

    @staticmethod
    def template_text(template: Template, params: Sequence[str]) -> str:
        return render_template(template.body, params)

    def test_connection(self, account: BrandAccount) -> dict[str, str]:
        number = client_for(account).phone_number()
        return {
            "id": str(number.get("id") or ""),
            "name": str(number.get("verified_name") or ""),
            "display_phone_number": str(number.get("display_phone_number") or ""),
            "quality_rating": str(number.get("quality_rating") or ""),
        }

    def can_reply_privately(self, kind: str) -> bool:
        return False  # a WhatsApp conversation is private already

    def permalink(self, account: BrandAccount, platform_id: str, author_handle: str = "") -> str:
        return ""  # WhatsApp messages have no web address


def _customer_wrote_at(extra: Any) -> datetime | None:
    """The answered message's own timestamp, kept in its `extra` by the parser."""
    value = extra.get("timestamp") if hasattr(extra, "get") else None
    if isinstance(value, int) and not isinstance(value, bool):
        return datetime.fromtimestamp(value, UTC)
    return None


connector = WhatsAppConnector()
