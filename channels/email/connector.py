"""The e-mail connector: a mailbox polled over IMAP, replies submitted over SMTP."""
from __future__ import annotations

import base64
import hashlib
import logging
import re
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime, formataddr, make_msgid
from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext_lazy as _

from channels.base import (
    AttachmentLimits,
    Badge,
    BaseConnector,
    ChannelLimits,
    CredentialField,
    FormConnect,
    MessageKind,
    RecordEvents,
    StoredFile,
)
from channels.http import ApiPermanentError, DownloadTooLarge
from channels.types import Attachment, NormalizedMessage, NormalizedStatus, OutboundRequest, RawEvent

from . import parser
from .client import EmailSettings, FetchedMessage, ImapMailbox, smtp_send, smtp_verify
from .limits import EMAIL_LIMITS
from .text import REPLY_MARKER

if TYPE_CHECKING:
    from channels.models import BrandAccount

logger = logging.getLogger("hovor.channels.email")

BATCH_MESSAGES = 50
BATCH_BYTES = 20 * 1024 * 1024
MAX_PER_POLL = 500  # the rest next time: a poll must end well inside its lease
MAX_RAW_BYTES = 30 * 1024 * 1024  # larger mail is stored as headers only
MAX_REFERENCES = 20
REPLY_PREFIX = re.compile(
    r"^\s*(?:re|aw|sv|odp|odp\.|antw|ynt|rif|res|отг|отн|回复|答复)\s*(?:\[\d+\]|\(\d+\))?\s*[:：]\s*", re.IGNORECASE
)
NOBODY = frozenset({"mailer-daemon", "postmaster"})


def settings_for(account: BrandAccount) -> EmailSettings:
    return EmailSettings.from_credentials(account.credentials)


def reply_subject(subject: str, fallback: str) -> str:
    """"Re: " once, whatever chain of (localized) reply prefixes the subject had."""
    rest = subject.strip()
    while True:
        stripped = REPLY_PREFIX.sub("", rest, count=1)
        if stripped == rest:
            break
        rest = stripped
    return f"Re: {rest or fallback}"


def message_event(fetched: FetchedMessage, *, uidvalidity: int, folder: str, address: str) -> RawEvent:
    payload: dict[str, Any] = {
        "raw": base64.b64encode(fetched.raw).decode("ascii"),
        "uid": fetched.uid,
        "uidvalidity": uidvalidity,
        "folder": folder,
        "internaldate": fetched.internaldate,
        "address": address,
    }
    if fetched.size > MAX_RAW_BYTES:
        payload.update(too_large=True, size=fetched.size)
    return RawEvent(platform_id=parser.event_platform_id(fetched.raw), kind=parser.EVENT_KIND, payload=payload)


def _batches(uids: list[int], sizes: dict[int, int]) -> list[list[int]]:
    batches: list[list[int]] = []
    current: list[int] = []
    weight = 0
    for uid in uids:
        size = min(sizes.get(uid, 0), MAX_RAW_BYTES)
        if current and (len(current) >= BATCH_MESSAGES or weight + size > BATCH_BYTES):
            batches.append(current)
            current, weight = [], 0
        current.append(uid)
        weight += size
    if current:
        batches.append(current)
    return batches


class EmailConnector(BaseConnector):
    platform = "email"
    label = _("Email")
    badge = Badge(background="#f1f2f4", color="#344054")
    # Keys and defaults as doc.md §1 lists them; yes/no values take true/false, yes/no, 1/0.
    credential_fields = (
        CredentialField("address", _("Support address"), secret=False, input_type="email"),
        CredentialField("imap_host", _("IMAP host"), secret=False),
        CredentialField("imap_port", _("IMAP port"), _("993 with TLS, else 143"), secret=False, required=False,
                        input_type="number"),
        CredentialField("imap_user", _("IMAP user"), _("the support address if empty"), secret=False, required=False),
        CredentialField("imap_password", _("IMAP password")),
        CredentialField("imap_ssl", _("IMAP over TLS (true/false)"), secret=False, required=False),
        CredentialField("imap_starttls", _("IMAP STARTTLS (true/false)"), secret=False, required=False),
        CredentialField("smtp_host", _("SMTP host"), secret=False),
        CredentialField("smtp_port", _("SMTP port"), _("465 with TLS, else 587"), secret=False, required=False,
                        input_type="number"),
        CredentialField("smtp_user", _("SMTP user"), _("the IMAP user if empty"), secret=False, required=False),
        CredentialField("smtp_password", _("SMTP password"), _("the IMAP password if empty"), required=False),
        CredentialField("smtp_ssl", _("SMTP over TLS (true/false)"), secret=False, required=False),
        CredentialField("smtp_starttls", _("SMTP STARTTLS (true/false)"), secret=False, required=False),
        CredentialField("folder", _("Folder to read"), _("INBOX if empty"), secret=False, required=False),
        CredentialField("sent_folder", _("Sent folder"), secret=False, required=False),
        CredentialField("backlog_days", _("Import mail of the last N days only"), secret=False, required=False,
                        input_type="number"),
        CredentialField("display_name", _("Sender name on replies"), _("the brand's name if empty"), secret=False,
                        required=False),
    )
    # A mailbox Hovor cannot log in to is refused when connecting, not listed as active.
    connects = FormConnect(test_first=True)
    polls = True
    kinds = (MessageKind("email", _("email")),)
    history_hint = _("Email brings in the mailbox's folder (backlog_days limits how far back).")
    limits: ChannelLimits = EMAIL_LIMITS
    # What most receiving servers take whole (base64 adds a third on the way).
    attachment_limits = AttachmentLimits(max_bytes=20 * 1024 * 1024, max_files=5)
    sla_class = "email"

    # --- inbound ------------------------------------------------------------------------
    def poll(self, account: BrandAccount, cursor: dict[str, Any], record: RecordEvents) -> dict[str, Any]:
        """New mail in the folder since the cursor's UID. A changed UIDVALIDITY means the
        server renumbered the folder: everything is read again and dedupe (Message-ID,
        else SHA-256 of the bytes) absorbs what we already have."""
        config = settings_for(account)
        with ImapMailbox(config) as mailbox:
            uidvalidity = mailbox.examine(config.folder)
            last_uid = int(cursor.get("last_uid") or 0)
            if cursor.get("uidvalidity") != uidvalidity:
                if cursor.get("uidvalidity") is not None:
                    logger.info("account %s: UIDVALIDITY of %s changed; rescanning", account.pk, config.folder)
                last_uid = 0
            since = None
            if config.backlog_days:
                since = (datetime.now(UTC) - timedelta(days=config.backlog_days)).date()
            uids = mailbox.uids_after(last_uid, since=since)[:MAX_PER_POLL]
            sizes = mailbox.sizes(uids) if uids else {}
            for batch in _batches(uids, sizes):
                small = [u for u in batch if sizes.get(u, 0) <= MAX_RAW_BYTES]
                large = [u for u in batch if sizes.get(u, 0) > MAX_RAW_BYTES]
                fetched = list(mailbox.fetch(small)) if small else []
                fetched += list(mailbox.fetch(large, headers_only=True)) if large else []
                record(
                    [
                        message_event(f, uidvalidity=uidvalidity, folder=config.folder, address=config.address)
                        for f in sorted(fetched, key=lambda f: f.uid)
                    ]
                )
                last_uid = max(last_uid, *batch)
        return {"uidvalidity": uidvalidity, "last_uid": last_uid}

    def parse(self, kind: str, payload: dict[str, Any]) -> Sequence[NormalizedMessage | NormalizedStatus]:
        return parser.parse(kind, payload)

    def stored_files(self, kind: str, payload: dict[str, Any]) -> list[StoredFile]:
        return parser.stored_files(payload) if kind == parser.EVENT_KIND else []

    def fetch_attachment(
        self, account: BrandAccount, *, attachment: Attachment, index: int, kind: str, payload: dict[str, Any],
        max_bytes: int,
    ) -> bytes:
        content = parser.attachment_content(payload, index) if kind == parser.EVENT_KIND else None
        if content is None:
            raise ApiPermanentError("the stored e-mail has no such attachment")
        if len(content) > max_bytes:
            raise DownloadTooLarge(f"the file is {len(content)} bytes, over the {max_bytes} limit")
        return content

    # --- outbound -----------------------------------------------------------------------
    def reply_message_id(self, config: EmailSettings, outbound: OutboundRequest) -> str:
        """Our Message-ID for this reply. Derived from the outbox row's first attempt, so a
        resend after an unknown outcome carries the same id: find_sent can look for it,
        and receiving systems that dedupe by Message-ID (Gmail) show the mail once."""
        if outbound.not_before is None:
            return make_msgid(domain=config.domain)
        seed = "\x00".join(
            [outbound.not_before.isoformat(), outbound.in_reply_to, outbound.recipient, outbound.text]
        )
        digest = hashlib.sha256(seed.encode("utf-8")).hexdigest()[:24]
        stamp = outbound.not_before.astimezone(UTC).strftime("%Y%m%d%H%M%S")
        return f"<{stamp}.{digest}@{config.domain}>"

    def build_reply(
        self, config: EmailSettings, outbound: OutboundRequest, *, brand_name: str, message_id: str
    ) -> tuple[EmailMessage, str]:
        extra = dict(outbound.extra or {})
        recipient = str(extra.get("reply_to") or outbound.recipient or "").strip()
        if "@" not in recipient:
            raise ApiPermanentError("There is no e-mail address to reply to.")
        if recipient.split("@", 1)[0].lower() in NOBODY or recipient.lower() == config.address.lower():
            raise ApiPermanentError(f"{recipient} is an automatic system address; a reply would go nowhere.")
        msg = EmailMessage(policy=SMTP)
        msg["From"] = formataddr((config.display_name or brand_name, config.address))
        msg["To"] = recipient
        msg["Subject"] = reply_subject(str(extra.get("subject") or outbound.subject or ""), brand_name)
        msg["Date"] = format_datetime(datetime.now(UTC))
        msg["Message-ID"] = message_id
        parent = str(extra.get("message_id") or "")
        if not parent and outbound.in_reply_to.startswith("<"):
            parent = outbound.in_reply_to
        if parent:
            references = [r for r in extra.get("references") or [] if isinstance(r, str) and r != parent]
            if len(references) >= MAX_REFERENCES:  # keep the root and the most recent ones
                references = references[:1] + references[-(MAX_REFERENCES - 2) :]
            msg["In-Reply-To"] = parent
            msg["References"] = " ".join([*references, parent])
        body = f"{REPLY_MARKER}\n\n{outbound.text.strip()}\n"
        msg.set_content(body, charset="utf-8", cte="quoted-printable")
        for file in outbound.files:  # MIME parts; the filename is RFC 2231-encoded as needed
            maintype, _, subtype = file.content_type.partition("/")
            msg.add_attachment(file.content, maintype=maintype or "application",
                               subtype=subtype or "octet-stream", filename=file.filename)
        return msg, recipient

    def send(self, account: BrandAccount, outbound: OutboundRequest) -> str:
        config = settings_for(account)
        message_id = self.reply_message_id(config, outbound)
        msg, recipient = self.build_reply(config, outbound, brand_name=account.brand.name, message_id=message_id)
        smtp_send(config, msg, recipients=[recipient])
        return parser.fit_id(message_id)

    def find_sent(self, account: BrandAccount, outbound: OutboundRequest) -> str | None:
        """After an unknown outcome: is our reply (same Message-ID) in the Sent folder?
        Only with a `sent_folder` configured (Gmail and Microsoft 365 file SMTP-submitted
        mail there themselves). Otherwise None, and the reply is sent again with the same
        Message-ID, which receiving systems that dedupe by Message-ID collapse."""
        config = settings_for(account)
        if not config.sent_folder or outbound.not_before is None:
            return None
        message_id = self.reply_message_id(config, outbound)
        if parser.fit_id(message_id) in outbound.exclude_ids:
            return None
        with ImapMailbox(config) as mailbox:
            mailbox.examine(config.sent_folder)
            if mailbox.search_header("Message-ID", message_id):
                return parser.fit_id(message_id)
        return None

    # --- admin --------------------------------------------------------------------------
    def test_connection(self, account: BrandAccount) -> dict[str, str]:
        """Log in to IMAP and open the folder, then log in to SMTP (nothing is sent)."""
        config = settings_for(account)
        with ImapMailbox(config) as mailbox:
            uidvalidity = mailbox.examine(config.folder)
        smtp = smtp_verify(config)
        return {
            "id": config.address,
            "name": config.address,
            "imap": f"{config.imap_host}:{config.imap_port} ({config.folder}, UIDVALIDITY {uidvalidity})",
            "smtp": smtp,
        }


connector = EmailConnector()
