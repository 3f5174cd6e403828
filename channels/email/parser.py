"""A stored raw e-mail -> NormalizedMessage (and, for delivery reports about our own
replies, NormalizedStatus). The stored payload of an `email` event is
`{"raw": <base64 of the message as fetched>, "uid", "uidvalidity", "folder",
"internaldate", "address": <the account's address>}`: self-contained, so the event can be
parsed again later from the raw .eml alone."""
from __future__ import annotations

import base64
import binascii
import email
import email.policy
import hashlib
import mimetypes
import re
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage, Message
from email.parser import BytesHeaderParser, HeaderParser
from email.utils import getaddresses, parsedate_to_datetime
from typing import Any

from channels import parsing
from channels.base import StoredFile
from channels.parsing import Handler, MalformedPayload, Parsed, SkippedEvent
from channels.types import Attachment, NormalizedAuthor, NormalizedMessage, NormalizedStatus

from .text import (
    ENCODED_WORD,
    codec_name,
    decode_bytes,
    decode_header_words,
    fold_quoted,
    header_needs_repair,
    html_to_text,
    unflow,
)
from .tnef import TnefError, read_tnef

EVENT_KIND = "email"
MAX_ID_LENGTH = 200  # Message.platform_id / thread_key columns
MAX_FULL_TEXT = 100_000
FORWARD_SUBJECT = re.compile(r"^\s*(?:fwd?|fw|pd|př|wg|tr|doorst|i)\s*:", re.IGNORECASE)
SUBJECT_TOKEN = re.compile(r"\[#(\d{1,12})\]")
PLUS_TOKEN = re.compile(r"^([^@+\s]+)\+t(\d{1,12})@(.+)$", re.IGNORECASE)
MSG_ID = re.compile(r"<([^<>\s]+)>")
REPORT_PARTS = frozenset(
    {"message/delivery-status", "message/global-delivery-status", "message/disposition-notification",
     "text/rfc822-headers", "message/feedback-report"}
)
SIGNATURE_PARTS = frozenset(
    {"application/pkcs7-signature", "application/x-pkcs7-signature", "application/pgp-signature"}
)
BOUNCE_SENDERS = frozenset({"mailer-daemon", "postmaster"})
UU_ENCODINGS = frozenset({"x-uuencode", "uuencode", "uue", "x-uue"})
HEADER_FIELD = re.compile(rb"^[!-9;-~]+[ \t]*:")
# "Date: Tue, 24 Nov 2026 09:30:00 +0100Message-ID: <…>": a mailer that lost a line end.
GLUED_DATE = re.compile(
    rb"^(Date[ \t]*:.*?[+-]\d{4}(?:[ \t]*\([^()]*\))?)([A-Za-z][A-Za-z0-9-]*[ \t]*:.*)$", re.IGNORECASE | re.DOTALL
)
DATE_PREFIX = re.compile(
    r"^\s*(?:[A-Za-z]{3},?\s*)?\d{1,2}\s+[A-Za-z]{3}\s+\d{2,4}\s+\d{1,2}:\d{2}(?::\d{2})?"
    r"(?:\s*(?:[+-]\d{4}|(?:UT|GMT|[ECMP][SD]T|Z)(?![A-Za-z])))?"
)
FILENAME_PARAM = re.compile(r"""(?:^|;)\s*(?:file)?name\*?\s*=\s*("(?:[^"\\]|\\.)*"|[^;\s]+)""", re.IGNORECASE)


# --- repairs of the raw message --------------------------------------------------------------
def repair_headers(raw: bytes) -> bytes:
    """Header lines as a sloppy mailer wrote them, put right before parsing: a continuation
    line that lost its folding indent (followed by more header fields, so it is no body
    line) is folded back, and a Date glued to the next header is split from it."""
    match = re.search(rb"\r?\n\r?\n", raw)
    head, rest = (raw[: match.start()], raw[match.start() :]) if match else (raw, b"")
    lines = head.split(b"\n")
    out: list[bytes] = []
    for i, line in enumerate(lines):
        glued = GLUED_DATE.match(line)
        if glued:
            out += [glued.group(1), glued.group(2)]
            continue
        lost_indent = (
            out
            and line.strip()
            and line[:1] not in (b" ", b"\t")
            and not HEADER_FIELD.match(line)
            and any(HEADER_FIELD.match(later) for later in lines[i + 1 :])
        )
        out.append(b" " + line if lost_indent else line)
    repaired = b"\n".join(out)
    return raw if repaired == head else repaired + rest


# --- message ids ---------------------------------------------------------------------------
def normalize_msgid(value: str) -> str:
    """`<local@domain>` from a Message-ID / In-Reply-To value (comments, missing angle
    brackets and surrounding junk dropped); "" if there is none."""
    match = MSG_ID.search(value or "")
    if match:
        return f"<{match.group(1)}>"
    tokens = (value or "").replace("<", " ").replace(">", " ").split()
    return f"<{tokens[0]}>" if tokens and "@" in tokens[0] else ""


def msgid_list(value: str) -> list[str]:
    seen: list[str] = []
    for match in MSG_ID.finditer(value or ""):
        msgid = f"<{match.group(1)}>"
        if msgid not in seen:
            seen.append(msgid)
    if not seen and normalize_msgid(value):
        seen.append(normalize_msgid(value))
    return seen


def fit_id(msgid: str) -> str:
    """A Message-ID as a platform id; absurdly long ones are hashed to fit the column."""
    if len(msgid) <= MAX_ID_LENGTH:
        return msgid
    return "mid-sha256:" + hashlib.sha256(msgid.encode("utf-8", "surrogateescape")).hexdigest()


def raw_sha256_id(raw: bytes) -> str:
    return "sha256:" + hashlib.sha256(raw).hexdigest()


def _raw_header(msg: Message, name: str) -> str:
    """The header's value as sent (first occurrence), unfolded, not decoded."""
    lowered = name.lower()
    for key, value in msg.raw_items():
        if key.lower() == lowered:
            return re.sub(r"\r?\n[ \t]", " ", str(value)).strip()
    return ""


def event_platform_id(raw: bytes) -> str:
    """The idempotency key of a fetched message: its Message-ID, else the SHA-256 of its
    bytes (the same message in two folders, or fetched twice, is one event)."""
    headers = BytesHeaderParser(policy=email.policy.compat32).parsebytes(repair_headers(raw))
    msgid = normalize_msgid(_raw_header(headers, "Message-ID"))
    return fit_id(msgid) if msgid else raw_sha256_id(raw)


# --- headers -------------------------------------------------------------------------------
def _header_text(msg: Message, name: str, charsets: Sequence[str] = ()) -> str:
    """A decoded header value (RFC 2047), repaired when the sender mislabelled it."""
    raw = _raw_header(msg, name)
    try:
        value = msg.get(name)
        text = str(value) if value is not None else ""
    except Exception:  # the stdlib header parser has crashed on hostile input before
        text = ""
    if raw and (not text or header_needs_repair(text)):
        text = decode_header_words(raw, charsets)
    return re.sub(r"\s*[\r\n]+\s*", " ", text).strip()


def _mailbox(msg: Message, name: str, charsets: Sequence[str] = ()) -> tuple[str, str]:
    """(address, display name) of the first mailbox in an address header, read from the
    header as sent: RFC 2047 encoded words are decoded in the display name only, never in
    the address (RFC 2047 §5: `=?utf-8?Q?jana=40example.cz?=@evil.example` is that literal
    address, not jana's). "addr (Name)" gives Name. A value without "@" is no address."""
    raw = _raw_header(msg, name)
    if not raw:
        return "", ""
    address, display = "", ""
    pairs = getaddresses([raw])
    for index, (pair_name, pair_address) in enumerate(pairs):
        candidate = pair_address.strip().strip("<>").strip()
        if "@" in candidate and not header_needs_repair(candidate):
            # An unquoted comma in the name ("Novák, Jan <jan@…>") splits it off as an
            # address-less mailbox: it belongs to the name.
            before = [n or a for n, a in pairs[:index] if "@" not in a]
            address, display = candidate, ", ".join([*before, pair_name] if pair_name else before)
            break
    if not address:
        # The strict parser as the net (group syntax, odd quoting), trusted only for an
        # address that stands literally in the header (nothing decoded into it).
        try:
            header: Any = msg.get(name)
            for mailbox in header.addresses if header is not None else ():
                spec = str(mailbox.addr_spec)
                if "@" in spec and spec.lower() in raw.lower():
                    address, display = spec, str(mailbox.display_name)
                    break
        except Exception:  # noqa: S110 (an unparseable header has no address)
            pass
    display = decode_header_words(display, charsets) if display else ""
    return address.lower(), " ".join(display.split())


def _addresses(msg: Message, *names: str) -> list[str]:
    """Every address in these headers, as written (encoded words are never decoded into
    an address)."""
    found: list[str] = []
    for name in names:
        for key, value in msg.raw_items():
            if key.lower() == name.lower():
                found.extend(addr.lower() for _, addr in getaddresses([str(value)]) if "@" in addr)
    return found


def _sent_at(msg: Message, internaldate: Any) -> datetime:
    received: datetime | None = None
    if isinstance(internaldate, str) and internaldate:
        try:
            received = datetime.fromisoformat(internaldate)
        except ValueError:
            received = None
    raw = _raw_header(msg, "Date")
    prefix = DATE_PREFIX.match(raw)
    if prefix:
        raw = prefix.group(0)  # what follows the zone is another header's, or junk
    written: datetime | None = None
    if raw:
        try:
            written = parsedate_to_datetime(raw)
        except (TypeError, ValueError, IndexError, OverflowError):
            written = None
    if written is not None and written.tzinfo is None:
        written = written.replace(tzinfo=UTC)  # "-0000": zone unknown, taken as UTC
    if written is not None and (written.year < 1990 or written > datetime.now(UTC) + timedelta(days=1)):
        written = None  # a broken clock; the server's receipt time is better
    return written or received or datetime.now(UTC)


# --- structure -----------------------------------------------------------------------------
def _leaves(part: Message, parent: str = "") -> Iterator[tuple[Message, str]]:
    """Every non-multipart part with its parent's multipart subtype. Attached messages
    (message/rfc822) are leaves: their insides are not this message's attachments."""
    if part.get_content_maintype() == "multipart" and part.is_multipart():
        for sub in part.get_payload():
            if isinstance(sub, Message):
                yield from _leaves(sub, part.get_content_subtype())
    else:
        yield part, parent


META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?([A-Za-z0-9_.:-]+)""", re.IGNORECASE)


def _uudecode(text: str) -> bytes:
    """The lines of a uuencoded body, with or without its `begin` and `end` lines."""
    out: list[bytes] = []
    for line in text.replace("\r", "").split("\n"):
        if line.startswith("begin ") or not line.strip() or line.strip() == "`":
            continue
        if line.strip() == "end":
            break
        try:
            out.append(binascii.a2b_uu(line))
        except binascii.Error:
            # Some encoders pad lines with junk: decode what the length byte announces.
            length = (((ord(line[0]) - 32) & 63) * 4 + 5) // 3
            try:
                out.append(binascii.a2b_uu(line[:length]))
            except binascii.Error:
                continue
    return b"".join(out)


def _payload(part: Message) -> bytes | None:
    """A leaf part's decoded bytes. The standard library hands back a uuencoded part without
    its `begin` line undecoded; it is decoded here."""
    cte = str(part.get("Content-Transfer-Encoding") or "").strip().lower()
    if cte in UU_ENCODINGS and not part.is_multipart():
        text = part.get_payload()
        if isinstance(text, str) and not re.search(r"^begin [0-7]+ ", text, re.MULTILINE):
            return _uudecode(text)
    payload = part.get_payload(decode=True)
    return payload if isinstance(payload, bytes) else None


def _part_text(part: Message, charsets: Sequence[str] = ()) -> str:
    payload = _payload(part)
    if payload is None:
        return ""
    charset = part.get_content_charset()
    if not charset and part.get_content_type() == "text/html":
        meta = META_CHARSET.search(payload[:4096])  # HTML may name its charset only inside
        charset = meta.group(1).decode("ascii") if meta else None
    text = decode_bytes(payload, charset, charsets)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if part.get_content_type() == "text/plain" and str(part.get_param("format") or "").lower() == "flowed":
        text = unflow(text, delsp=str(part.get_param("delsp") or "").lower() == "yes")
    return text


def _as_text(part: Message, charsets: Sequence[str]) -> str:
    text = _part_text(part, charsets)
    return html_to_text(text) if part.get_content_type() == "text/html" else text


def _filename(part: Message, charsets: Sequence[str] = ()) -> str:
    try:
        name = part.get_filename() or ""
    except Exception:
        name = ""
    if not name:
        name = str(part.get_param("name") or "")
    if header_needs_repair(name):
        # 8-bit bytes in the parameter (no RFC 2231): repaired like an 8-bit header.
        for header in ("Content-Disposition", "Content-Type"):
            found = FILENAME_PARAM.search(_raw_header(part, header))
            if found:
                value = found.group(1)
                if value.startswith('"'):
                    value = re.sub(r"\\(.)", r"\1", value[1:-1])
                name = decode_header_words(value, charsets)
                break
    if "=?" in name:
        name = decode_header_words(name, charsets)
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    return "".join(ch for ch in name if ch.isprintable()).strip()


def _is_text_body_part(part: Message) -> bool:
    return (
        part.get_content_type() in ("text/plain", "text/html")
        and part.get_content_disposition() != "attachment"
        and not _filename(part)
    )


def _unparsed_multipart(leaves: list[tuple[Message, str]]) -> Message | None:
    """A multipart whose parts could not be found (no boundary, or one never used): its
    payload is text as it stands."""
    for leaf, _ in leaves:
        if leaf.get_content_maintype() == "multipart" and isinstance(leaf.get_payload(), str):
            return leaf
    return None


def _body(msg: EmailMessage, leaves: list[tuple[Message, str]], charsets: Sequence[str] = ()) -> tuple[str, set[int]]:
    """The text of the message body and the ids of the parts it came from. Plain text
    is preferred; a blank plain part gives way to its HTML alternative, and HTML-only mail
    is converted. The inline text parts of a multipart/mixed (Apple Mail splits a body around
    inline pictures; some clients add an inline HTML part) are joined in order."""
    try:
        part = msg.get_body(preferencelist=("plain", "html"))
    except Exception:
        part = None
    if part is None:
        unparsed = _unparsed_multipart(leaves)
        if unparsed is None:
            return "", set()
        return _part_text(unparsed, charsets), {id(unparsed)}
    if part.get_content_type() == "text/plain" and not _part_text(part, charsets).strip():
        try:
            html = msg.get_body(preferencelist=("html",))
        except Exception:
            html = None
        part = html or part
    order = {id(leaf): i for i, (leaf, _) in enumerate(leaves)}
    pieces = [leaf for leaf, p in leaves if p == "mixed" and _is_text_body_part(leaf)]
    if id(part) not in {id(p) for p in pieces}:
        pieces.append(part)
    pieces.sort(key=lambda p: order.get(id(p), -1))
    if len(pieces) == 1:
        return _as_text(part, charsets), {id(part)}
    text = "\n\n".join(t for t in (_as_text(p, charsets).strip("\n") for p in pieces) if t.strip())
    return text, {id(p) for p in pieces}


def _size(part: Message) -> int | None:
    try:
        if part.get_content_type() == "message/rfc822":
            inner = part.get_payload(0)
            return len(inner.as_bytes()) if isinstance(inner, Message) else None
        payload = _payload(part)
        return len(payload) if payload is not None else None
    except Exception:
        return None


def _default_name(part: Message, index: int) -> str:
    ctype = part.get_content_type()
    if ctype == "message/rfc822":
        inner = part.get_payload(0) if part.is_multipart() else None
        subject = _header_text(inner, "Subject") if isinstance(inner, Message) else ""
        return f"{subject or 'message'}.eml"
    content_id = normalize_msgid(str(part.get("Content-ID") or "")).strip("<>")
    extension = mimetypes.guess_extension(ctype) or ".bin"
    stem = content_id.split("@", 1)[0] if content_id else f"attachment-{index}"
    return stem if "." in stem else stem + extension


def _attachments(
    leaves: list[tuple[Message, str]], body_parts: set[int], *, report: bool, charsets: Sequence[str] = (),
    contents: list[bytes] | None = None,
) -> tuple[list[Attachment], list[str], str]:
    """Attachments (inline cid: pictures included), the names of the inline ones, and a
    winmail.dat's body text if the message had one. With `contents`, each attachment's
    bytes are appended to it in the same order."""
    found: list[Attachment] = []
    inline: list[str] = []
    tnef_body = ""
    for index, (part, _parent) in enumerate(leaves, start=1):
        if id(part) in body_parts:
            continue
        ctype = part.get_content_type()
        if _is_text_body_part(part) or ctype in REPORT_PARTS or ctype in SIGNATURE_PARTS:
            continue
        if report and ctype == "message/rfc822":
            continue  # the returned copy of our own mail in a delivery report
        filename = _filename(part, charsets)
        if ctype == "application/ms-tnef" or filename.lower() == "winmail.dat":
            payload = _payload(part)
            try:
                content = read_tnef(payload or b"")
            except TnefError:
                content = None
            if content is not None:
                tnef_body = tnef_body or content.body
                found.extend(Attachment(f.filename, f.content_type, f.size) for f in content.files)
                if contents is not None:
                    contents.extend(f.data for f in content.files)
                continue
        name = filename or _default_name(part, index)
        if part.get("Content-ID") and part.get_content_disposition() != "attachment":
            inline.append(name)
        found.append(Attachment(filename=name, content_type=ctype, size=_size(part)))
        if contents is not None:
            contents.append(_payload(part) or b"")
    return found, inline, tnef_body


# --- automated mail ------------------------------------------------------------------------
def _first_token(value: str) -> str:
    return re.split(r"[\s;(]", value.strip().lower(), maxsplit=1)[0] if value.strip() else ""


def _automated(msg: Message, author: str) -> str | None:
    """bounce, auto_reply or bulk (RFC 3834, RFC 3464, RFC 2369 and vendor headers)."""
    ctype = msg.get_content_type()
    report_type = str(msg.get_param("report-type") or "").lower()
    local = author.split("@", 1)[0]
    if (
        (ctype == "multipart/report" and report_type == "delivery-status")
        or local in BOUNCE_SENDERS
        or _raw_header(msg, "X-Failed-Recipients")
    ):
        return "bounce"
    auto_submitted = _first_token(_raw_header(msg, "Auto-Submitted"))
    precedence = _first_token(_raw_header(msg, "Precedence"))
    if (
        (auto_submitted and auto_submitted != "no")
        or any(h in msg for h in ("X-Autoreply", "X-Autorespond", "X-Auto-Response-Suppress"))
        or precedence == "auto_reply"
        or (ctype == "multipart/report" and report_type == "disposition-notification")
    ):
        return "auto_reply"
    if precedence in ("bulk", "junk", "list") or "List-Id" in msg or "List-Unsubscribe" in msg:
        return "bulk"
    if "Return-Path" in msg and _raw_header(msg, "Return-Path").replace(" ", "") in ("<>", ""):
        return "bounce"  # the null envelope sender (RFC 5321 §4.5.5)
    return None


def _report_fields(part: Message) -> list[dict[str, str]]:
    """The field blocks of a message/delivery-status or disposition-notification part."""
    blocks: list[dict[str, str]] = []
    payload = part.get_payload()
    if isinstance(payload, list):
        for block in payload:
            if isinstance(block, Message):
                blocks.append({k.lower(): str(v) for k, v in block.items()})
    elif isinstance(payload, str):
        for chunk in re.split(r"\r?\n\s*\r?\n", payload):
            parsed = HeaderParser(policy=email.policy.compat32).parsestr(chunk)
            blocks.append({k.lower(): str(v) for k, v in parsed.items()})
    return [b for b in blocks if b]


def _original_message_id(leaves: list[tuple[Message, str]]) -> str:
    for part, _ in leaves:
        ctype = part.get_content_type()
        headers: Message | None = None
        if ctype == "message/rfc822" and part.is_multipart():
            inner = part.get_payload(0)
            headers = inner if isinstance(inner, Message) else None
        elif ctype == "text/rfc822-headers":
            payload = part.get_payload(decode=True)
            if isinstance(payload, bytes):
                headers = BytesHeaderParser(policy=email.policy.compat32).parsebytes(payload)
        if headers is not None:
            msgid = normalize_msgid(_raw_header(headers, "Message-ID"))
            if msgid:
                return msgid
    return ""


def _delivery_reports(
    msg: Message, leaves: list[tuple[Message, str]], at: datetime
) -> tuple[list[NormalizedStatus], dict[str, Any]]:
    """What a DSN or read receipt says about a message we sent: failed (5.x.x) or read."""
    statuses: list[NormalizedStatus] = []
    details: dict[str, Any] = {}
    for part, _ in leaves:
        ctype = part.get_content_type()
        if ctype in ("message/delivery-status", "message/global-delivery-status"):
            for block in _report_fields(part)[1:] or _report_fields(part):
                status = block.get("status", "").strip().split(" ", 1)[0]
                action = block.get("action", "").strip().lower()
                recipient = (block.get("final-recipient") or block.get("original-recipient") or "").split(";")[-1]
                if not status and not action:
                    continue
                details = {
                    "status": status,
                    "action": action,
                    "recipient": recipient.strip(),
                    "diagnostic": " ".join(block.get("diagnostic-code", "").split(";")[-1].split()),
                }
                if action == "failed" or status.startswith("5."):
                    break
        elif ctype == "message/disposition-notification":
            for block in _report_fields(part):
                if "disposition" in block:
                    details = {"disposition": block["disposition"].strip(),
                               "original_message_id": normalize_msgid(block.get("original-message-id", ""))}
    original = details.get("original_message_id") or _original_message_id(leaves)
    if original:
        details["original_message_id"] = original
        if details.get("action") == "failed" or str(details.get("status", "")).startswith("5."):
            reason = " ".join(x for x in (details.get("status", ""), details.get("diagnostic", "")) if x)
            statuses.append(
                NormalizedStatus(
                    platform_id=fit_id(original),
                    status="failed",
                    at=at,
                    error=f"The mail to {details.get('recipient') or 'the customer'} bounced: {reason}".strip(),
                )
            )
        elif "displayed" in str(details.get("disposition", "")).lower():
            statuses.append(NormalizedStatus(platform_id=fit_id(original), status="read", at=at))
    return statuses, details


# --- the message ---------------------------------------------------------------------------
def _ticket_token(msg: Message, subject: str, account_address: str) -> str:
    """`[#123]` in the subject, or plus-addressing `support+t123@…` (our own address)."""
    match = SUBJECT_TOKEN.search(subject)
    if match:
        return match.group(1)
    ours_local, _, ours_domain = account_address.lower().partition("@")
    for address in _addresses(msg, "To", "Cc", "Delivered-To", "X-Original-To", "Envelope-To"):
        plus = PLUS_TOKEN.match(address)
        if plus and (not ours_local or (plus.group(1) == ours_local and plus.group(3) == ours_domain)):
            return plus.group(2)
    return ""


def _raw_bytes(payload: dict[str, Any]) -> bytes:
    if not isinstance(payload, dict):
        raise MalformedPayload("payload is not an object")
    raw = payload.get("raw")
    if not isinstance(raw, str) or not raw:
        raise MalformedPayload("payload has no raw message")
    try:
        return base64.b64decode(raw, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise MalformedPayload(f"raw message is not base64: {exc}") from exc


def stored_files(payload: dict[str, Any]) -> list[StoredFile]:
    """The message as fetched (.eml) and each attachment's bytes, for a data export."""
    try:
        raw = _raw_bytes(payload)
    except MalformedPayload:
        return []
    files = [StoredFile("message.eml", "message/rfc822", raw)]
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    leaves = list(_leaves(msg))
    _text, body_parts = _body(msg, leaves) if isinstance(msg, EmailMessage) else ("", set())
    for index, (part, _parent) in enumerate(leaves, start=1):
        if id(part) in body_parts or _is_text_body_part(part) or part.is_multipart():
            continue
        content = part.get_payload(decode=True)
        if isinstance(content, bytes) and content:
            name = _filename(part) or _default_name(part, index)
            files.append(StoredFile(name, part.get_content_type(), content))
    return files


def attachment_content(payload: dict[str, Any], index: int) -> bytes | None:
    """The bytes of the message's `index`-th attachment, in the order parse_email lists them
    (the mail is stored whole: nothing to download). None if it has no such attachment."""
    raw = _raw_bytes(payload)
    msg = email.message_from_bytes(repair_headers(raw), policy=email.policy.default)
    if not isinstance(msg, EmailMessage):
        return None
    charsets = _charsets(msg)
    leaves = list(_leaves(msg))
    _text, body_parts = _body(msg, leaves, charsets)
    contents: list[bytes] = []
    _attachments(leaves, body_parts, report=msg.get_content_type() == "multipart/report", charsets=charsets,
                 contents=contents)
    return contents[index] if 0 <= index < len(contents) else None


def _charsets(msg: Message) -> tuple[str, ...]:
    """The charsets a message names (its parts' labels, then its headers' encoded words),
    other than UTF-8 and ASCII: where a part that lies about being UTF-8 is tried first."""
    found: list[str] = []
    for part in msg.walk():
        charset = part.get_content_charset()
        if charset:
            found.append(charset)
    for _key, value in msg.raw_items():
        found.extend(m.group(1).split("*", 1)[0] for m in ENCODED_WORD.finditer(str(value)))
    names = [codec_name(c) for c in found]
    return tuple(dict.fromkeys(n for n in names if n and n not in ("utf-8", "ascii")))


def _bounce_sender(msg: Message) -> str:
    """Who sent a bounce that names no sender: MAILER-DAEMON of the reporting MTA."""
    for part in msg.walk():
        if part.get_content_type() in ("message/delivery-status", "message/global-delivery-status"):
            for block in _report_fields(part):
                mta = block.get("reporting-mta", "").split(";")[-1].strip().lower()
                if mta and re.fullmatch(r"[a-z0-9.-]+\.[a-z]{2,}", mta):
                    return f"mailer-daemon@{mta}"
    return "mailer-daemon"


def parse_email(payload: dict[str, Any]) -> list[NormalizedMessage | NormalizedStatus]:
    raw = _raw_bytes(payload)
    if not raw.strip():
        raise MalformedPayload("empty message")
    msg = email.message_from_bytes(repair_headers(raw), policy=email.policy.default)
    if not isinstance(msg, EmailMessage) or not list(msg.raw_items()):
        raise MalformedPayload("no headers")
    charsets = _charsets(msg)
    address, display_name = _mailbox(msg, "From", charsets)
    if not address:
        address, display_name = _mailbox(msg, "Sender", charsets)
    if not address and _automated(msg, "") == "bounce":
        # Many MTAs send their reports with an empty From (or none): the report is still
        # about our mail, and the reply it names must show as failed.
        address, display_name = _bounce_sender(msg), ""
    if not address:
        raise MalformedPayload("no sender address (From)")
    message_id = normalize_msgid(_raw_header(msg, "Message-ID"))
    platform_id = fit_id(message_id) if message_id else raw_sha256_id(raw)
    references = msgid_list(_raw_header(msg, "References"))
    parents = msgid_list(_raw_header(msg, "In-Reply-To"))
    in_reply_to = parents[0] if parents else (references[-1] if references else "")
    thread_root = references[0] if references else in_reply_to
    subject = _header_text(msg, "Subject", charsets)
    sent_at = _sent_at(msg, payload.get("internaldate"))
    account_address = str(payload.get("address") or "")

    leaves = list(_leaves(msg))
    automated = _automated(msg, address)
    report = msg.get_content_type() == "multipart/report"
    full_text, body_parts = _body(msg, leaves, charsets)
    attachments, inline, tnef_body = _attachments(leaves, body_parts, report=report, charsets=charsets)
    if not full_text.strip() and tnef_body:
        full_text = tnef_body
    full_text = full_text.strip("\n").rstrip()
    text = fold_quoted(full_text, forwarded=bool(FORWARD_SUBJECT.match(subject)))

    extra: dict[str, Any] = {"message_id": message_id, "references": references, "subject": subject}
    reply_to, _ = _mailbox(msg, "Reply-To", charsets)
    if reply_to and reply_to != address and "@" in reply_to:
        extra["reply_to"] = reply_to
    token = _ticket_token(msg, subject, account_address)
    if token:
        extra["ticket_token"] = token
    if text != full_text:
        extra["full_text"] = full_text[:MAX_FULL_TEXT]
    if inline:
        extra["inline_images"] = inline
    if payload.get("too_large"):
        extra["too_large_bytes"] = payload.get("size")

    if automated == "bounce":
        # A bounce reports on our mail through a status (below); threaded into the
        # customer's ticket it would become the message the next reply answers.
        in_reply_to = thread_root = ""
    results: list[NormalizedMessage | NormalizedStatus] = []
    if report or automated == "bounce":
        statuses, details = _delivery_reports(msg, leaves, sent_at)
        results.extend(statuses)
        if details:
            extra["report"] = details
    results.insert(
        0,
        NormalizedMessage(
            platform_id=platform_id,
            author=NormalizedAuthor(
                external_id=address, handle=address, display_name=display_name, email=address if "@" in address else ""
            ),
            text=text,
            sent_at=sent_at,
            kind="email",
            thread_key=fit_id(thread_root) if thread_root else platform_id,
            in_reply_to=fit_id(in_reply_to) if in_reply_to else "",
            subject=subject,
            attachments=tuple(attachments),
            automated=automated,
            public=False,
            extra=extra,
        ),
    )
    return results


EVENT_HANDLERS: dict[str, Handler] = {
    EVENT_KIND: parse_email,
}
# Every fetched message is something a person (or their mail system) sent the brand: nothing
# is skipped by kind. Auto-replies and bounces become messages marked `automated`.
IGNORED_EVENTS: dict[str, str] = {}


def parse(kind: str, payload: dict[str, Any]) -> Parsed:
    try:
        return parsing.dispatch(kind, payload, handlers=EVENT_HANDLERS, ignored=IGNORED_EVENTS)
    except (MalformedPayload, SkippedEvent):
        raise
    except Exception as exc:  # hostile MIME must mark one event failed, never stop a batch
        raise MalformedPayload(f"unreadable e-mail: {type(exc).__name__}: {exc}") from exc
