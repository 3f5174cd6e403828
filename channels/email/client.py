"""IMAP in (imaplib) and SMTP out (smtplib), with the servers' answers mapped onto the
channels error family. Read-only on IMAP: folders are opened with EXAMINE and bodies
fetched with BODY.PEEK[], so Hovor never marks a customer's mail as read."""
from __future__ import annotations

import base64
import email.policy
import imaplib
import logging
import re
import smtplib
import ssl
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from email.message import EmailMessage
from typing import Any

from django.conf import settings

from channels.http import ApiAuthError, ApiOutcomeUnknown, ApiPermanentError, ApiUnavailable

logger = logging.getLogger("hovor.channels.email")

TRUE_WORDS = frozenset({"1", "true", "yes", "on", "y"})
FALSE_WORDS = frozenset({"0", "false", "no", "off", "n", ""})


def _bool(value: Any, default: bool) -> bool:
    if value is None:
        return default
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return bool(value)
    word = str(value).strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise ApiAuthError(f"Invalid e-mail setting: {value!r} is not yes/no.")


def _int(value: Any, default: int) -> int:
    if value in (None, ""):
        return default
    try:
        return int(value)
    except (TypeError, ValueError):
        raise ApiAuthError(f"Invalid e-mail setting: {value!r} is not a port number.")


@dataclass(frozen=True)
class EmailSettings:
    """The account's credentials, typed, with the defaults mail providers use."""

    address: str
    imap_host: str
    imap_port: int
    imap_user: str
    imap_password: str
    imap_ssl: bool
    imap_starttls: bool
    smtp_host: str
    smtp_port: int
    smtp_user: str
    smtp_password: str
    smtp_ssl: bool
    smtp_starttls: bool
    folder: str = "INBOX"
    sent_folder: str = ""
    backlog_days: int = 0
    display_name: str = ""

    @property
    def domain(self) -> str:
        return self.address.rpartition("@")[2] or "localhost"

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any]) -> EmailSettings:
        c = credentials
        address = str(c.get("address") or "").strip()
        if "@" not in address:
            raise ApiAuthError("The e-mail account has no valid `address`.")
        imap_ssl = _bool(c.get("imap_ssl"), True)
        smtp_ssl = _bool(c.get("smtp_ssl"), _int(c.get("smtp_port"), 465) == 465)
        smtp_port = _int(c.get("smtp_port"), 465 if smtp_ssl else 587)
        imap_user = str(c.get("imap_user") or address)
        imap_password = str(c.get("imap_password") or "")
        return cls(
            address=address,
            imap_host=str(c.get("imap_host") or ""),
            imap_port=_int(c.get("imap_port"), 993 if imap_ssl else 143),
            imap_user=imap_user,
            imap_password=imap_password,
            imap_ssl=imap_ssl,
            imap_starttls=_bool(c.get("imap_starttls"), False),
            smtp_host=str(c.get("smtp_host") or ""),
            smtp_port=smtp_port,
            smtp_user=str(c.get("smtp_user") if c.get("smtp_user") is not None else imap_user),
            smtp_password=str(c.get("smtp_password") if c.get("smtp_password") is not None else imap_password),
            smtp_ssl=smtp_ssl,
            # Port 587 (submission) means STARTTLS unless the admin says otherwise.
            smtp_starttls=_bool(c.get("smtp_starttls"), not smtp_ssl and smtp_port == 587),
            folder=str(c.get("folder") or "INBOX"),
            sent_folder=str(c.get("sent_folder") or ""),
            backlog_days=_int(c.get("backlog_days"), 0),
            display_name=str(c.get("display_name") or ""),
        )


def _timeout() -> float:
    return max(float(settings.HOVOR_HTTP_TIMEOUT), 5.0)


# --- IMAP ----------------------------------------------------------------------------------
def imap_utf7(name: str) -> str:
    """RFC 3501 §5.1.3 modified UTF-7 for a folder name ("Odeslaná pošta")."""
    out: list[str] = []
    pending: list[str] = []

    def flush() -> None:
        if pending:
            data = "".join(pending).encode("utf-16-be")
            out.append("&" + base64.b64encode(data).decode("ascii").rstrip("=").replace("/", ",") + "-")
            pending.clear()

    for ch in name:
        if 0x20 <= ord(ch) <= 0x7E:
            flush()
            out.append("&-" if ch == "&" else ch)
        else:
            pending.append(ch)
    flush()
    return "".join(out)


def _quote(name: str) -> str:
    encoded = imap_utf7(name)
    return '"' + encoded.replace("\\", "\\\\").replace('"', '\\"') + '"'


@dataclass(frozen=True)
class FetchedMessage:
    uid: int
    raw: bytes
    internaldate: str  # ISO 8601, or ""
    size: int


INTERNALDATE = re.compile(rb'INTERNALDATE "([^"]+)"')
UID = re.compile(rb"UID (\d+)")
SIZE = re.compile(rb"RFC822\.SIZE (\d+)")


def _internaldate(meta: bytes) -> str:
    match = INTERNALDATE.search(meta)
    if not match:
        return ""
    try:
        return datetime.strptime(match.group(1).decode().strip(), "%d-%b-%Y %H:%M:%S %z").isoformat()
    except ValueError:
        return ""


def _response_text(exc: BaseException) -> str:
    text = exc.args[0] if exc.args else exc
    if isinstance(text, bytes):
        return text.decode("utf-8", "replace")
    return str(text)


class ImapMailbox:
    """One IMAP session: connect and log in, examine a folder, search and fetch by UID."""

    def __init__(self, config: EmailSettings) -> None:
        self.config = config
        self.conn: imaplib.IMAP4 | None = None

    def __enter__(self) -> ImapMailbox:
        self.open()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def open(self) -> None:
        c = self.config
        if not c.imap_host:
            raise ApiAuthError("The e-mail account has no `imap_host`.")
        where = f"{c.imap_host}:{c.imap_port}"
        try:
            if c.imap_ssl:
                self.conn = imaplib.IMAP4_SSL(
                    c.imap_host, c.imap_port, ssl_context=ssl.create_default_context(), timeout=_timeout()
                )
            else:
                self.conn = imaplib.IMAP4(c.imap_host, c.imap_port, timeout=_timeout())
                if c.imap_starttls:
                    self.conn.starttls(ssl_context=ssl.create_default_context())
        except ssl.SSLCertVerificationError as exc:
            raise ApiAuthError(f"IMAP server {where}: TLS certificate not trusted ({exc.verify_message}).") from exc
        except (OSError, imaplib.IMAP4.error) as exc:
            raise ApiUnavailable(f"IMAP server {where} unreachable: {exc}") from exc
        try:
            self.conn.login(c.imap_user, c.imap_password)
        except imaplib.IMAP4.abort as exc:
            raise ApiUnavailable(f"IMAP server {where} dropped the connection at login: {exc}") from exc
        except imaplib.IMAP4.error as exc:
            text = _response_text(exc)
            if "[UNAVAILABLE]" in text or "[INUSE]" in text:
                raise ApiUnavailable(f"IMAP login to {where} temporarily refused: {text}") from exc
            raise ApiAuthError(f"IMAP login to {where} refused for {c.imap_user}: {text}") from exc
        except OSError as exc:
            raise ApiUnavailable(f"IMAP server {where} dropped the connection at login: {exc}") from exc

    def close(self) -> None:
        if self.conn is None:
            return
        try:
            self.conn.logout()
        except (OSError, imaplib.IMAP4.error):
            pass
        self.conn = None

    def _command(self, what: str, fn: Any, *args: Any) -> list[Any]:
        """Run one command; a NO/BAD is an IMAP4.error, a broken connection abort/OSError."""
        try:
            status, data = fn(*args)
        except imaplib.IMAP4.abort as exc:
            raise ApiUnavailable(f"IMAP connection lost ({what}): {exc}") from exc
        except imaplib.IMAP4.error as exc:
            raise ApiPermanentError(f"IMAP {what} failed: {_response_text(exc)}") from exc
        except OSError as exc:
            raise ApiUnavailable(f"IMAP connection lost ({what}): {exc}") from exc
        if status != "OK":
            detail = b" ".join(d for d in data if isinstance(d, bytes)).decode("utf-8", "replace")
            raise ApiPermanentError(f"IMAP {what} failed: {status} {detail}")
        return list(data)

    def examine(self, folder: str) -> int:
        """Open a folder read-only; returns its UIDVALIDITY."""
        assert self.conn is not None
        try:
            status, data = self.conn.select(_quote(folder), readonly=True)
        except imaplib.IMAP4.abort as exc:
            raise ApiUnavailable(f"IMAP connection lost (examine {folder}): {exc}") from exc
        except (imaplib.IMAP4.error, OSError) as exc:
            raise ApiUnavailable(f"IMAP examine {folder} failed: {exc}") from exc
        if status != "OK":
            detail = b" ".join(d for d in data if isinstance(d, bytes)).decode("utf-8", "replace")
            # A folder that does not exist will not appear by waiting: an admin must act.
            raise ApiAuthError(f"The IMAP folder {folder!r} cannot be opened: {detail}")
        _, values = self.conn.response("UIDVALIDITY")
        for value in values or []:
            if isinstance(value, bytes) and value.strip().isdigit():
                return int(value)
        raise ApiUnavailable(f"The IMAP server sent no UIDVALIDITY for {folder!r}.")

    def uids_after(self, last_uid: int, *, since: date | None = None) -> list[int]:
        assert self.conn is not None
        criteria: list[str] = ["UID", f"{last_uid + 1}:*"]
        if since is not None:
            criteria += ["SINCE", since.strftime("%d-%b-%Y")]
        data = self._command("search", self.conn.uid, "SEARCH", *criteria)
        found: set[int] = set()
        for chunk in data:
            if isinstance(chunk, bytes):
                found.update(int(x) for x in chunk.split() if x.isdigit())
        # "n:*" always includes the highest UID, even one below n (RFC 3501 §6.4.8).
        return sorted(uid for uid in found if uid > last_uid)

    def search_header(self, name: str, value: str) -> list[int]:
        assert self.conn is not None
        quoted = '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
        data = self._command("search", self.conn.uid, "SEARCH", "HEADER", name, quoted)
        return [int(x) for chunk in data if isinstance(chunk, bytes) for x in chunk.split() if x.isdigit()]

    def sizes(self, uids: Sequence[int]) -> dict[int, int]:
        assert self.conn is not None
        result: dict[int, int] = {}
        for start in range(0, len(uids), 500):
            chunk = ",".join(str(u) for u in uids[start : start + 500])
            for item in self._command("fetch sizes", self.conn.uid, "FETCH", chunk, "(UID RFC822.SIZE)"):
                meta = item[0] if isinstance(item, tuple) else item
                if isinstance(meta, bytes):
                    uid, size = UID.search(meta), SIZE.search(meta)
                    if uid and size:
                        result[int(uid.group(1))] = int(size.group(1))
        return result

    def fetch(self, uids: Sequence[int], *, headers_only: bool = False) -> Iterator[FetchedMessage]:
        """The raw messages, BODY.PEEK[] so that \\Seen is never set."""
        assert self.conn is not None
        section = "BODY.PEEK[HEADER]" if headers_only else "BODY.PEEK[]"
        data = self._command(
            "fetch", self.conn.uid, "FETCH", ",".join(str(u) for u in uids), f"(UID INTERNALDATE RFC822.SIZE {section})"
        )
        records: list[list[bytes]] = []  # [meta, literal]
        for item in data:
            if isinstance(item, tuple) and len(item) >= 2:
                records.append([bytes(item[0]), bytes(item[1])])
            elif isinstance(item, bytes) and records:
                records[-1][0] += b" " + item  # the rest of the FETCH line after the literal
        for meta, literal in records:
            uid = UID.search(meta)
            if not uid:
                continue
            size = SIZE.search(meta)
            yield FetchedMessage(
                uid=int(uid.group(1)),
                raw=literal,
                internaldate=_internaldate(meta),
                size=int(size.group(1)) if size else len(literal),
            )


# --- SMTP ----------------------------------------------------------------------------------
def _smtp_reason(code: int, message: bytes | str) -> str:
    text = message.decode("utf-8", "replace") if isinstance(message, bytes) else str(message)
    return f"{code} {' '.join(text.split())}".strip()


def _refused(what: str, code: int, message: bytes | str) -> Exception:
    """A definite SMTP reply: 4xx nothing was accepted and a later try may work; 5xx
    the server will not take this mail."""
    reason = _smtp_reason(code, message)
    if 400 <= code < 500:
        return ApiUnavailable(f"The mail server deferred the message ({what}): {reason}", status=code)
    return ApiPermanentError(f"The mail server refused the message ({what}): {reason}", status=code)


def smtp_send(config: EmailSettings, message: EmailMessage, *, recipients: list[str]) -> None:
    """Submit one message. Errors before the end of DATA are definite (nothing was
    accepted: safe to send again); losing the connection while the server decides on
    DATA is not (ApiOutcomeUnknown)."""
    if not config.smtp_host:
        raise ApiAuthError("The e-mail account has no `smtp_host`.")
    where = f"{config.smtp_host}:{config.smtp_port}"
    international = any(not a.isascii() for a in [config.address, *recipients])
    policy = email.policy.SMTPUTF8 if international else email.policy.SMTP
    payload = message.as_bytes(policy=policy)
    phase = "connect"
    smtp: smtplib.SMTP | None = None
    try:
        if config.smtp_ssl:
            smtp = smtplib.SMTP_SSL(
                config.smtp_host, config.smtp_port, timeout=_timeout(), context=ssl.create_default_context()
            )
        else:
            smtp = smtplib.SMTP(config.smtp_host, config.smtp_port, timeout=_timeout())
        phase = "hello"
        smtp.ehlo()
        if config.smtp_starttls:
            smtp.starttls(context=ssl.create_default_context())
            smtp.ehlo()
        if config.smtp_user:
            phase = "login"
            smtp.login(config.smtp_user, config.smtp_password)
        options: list[str] = []
        if international:
            if not smtp.has_extn("smtputf8"):
                raise ApiPermanentError("The mail server cannot send to international (non-ASCII) addresses.")
            options.append("SMTPUTF8")
        phase = "sender"
        code, reply = smtp.mail(config.address, options)
        if code != 250:
            raise _refused("sender", code, reply)
        phase = "recipient"
        for recipient in recipients:
            code, reply = smtp.rcpt(recipient)
            if code not in (250, 251):
                raise _refused(f"recipient {recipient}", code, reply)
        phase = "data"
        code, reply = smtp.data(payload)
        if code != 250:
            raise _refused("data", code, reply)
        phase = "done"
    except ssl.SSLCertVerificationError as exc:
        raise ApiAuthError(f"SMTP server {where}: TLS certificate not trusted ({exc.verify_message}).") from exc
    except smtplib.SMTPAuthenticationError as exc:
        raise ApiAuthError(f"SMTP login to {where} refused: {_smtp_reason(exc.smtp_code, exc.smtp_error)}") from exc
    except smtplib.SMTPNotSupportedError as exc:
        raise ApiAuthError(f"SMTP server {where} does not support what the account needs: {exc}") from exc
    except smtplib.SMTPResponseException as exc:  # greeting, HELO or STARTTLS refused
        raise _refused(phase, exc.smtp_code, exc.smtp_error) from exc
    except (smtplib.SMTPServerDisconnected, OSError) as exc:
        if phase == "data":
            raise ApiOutcomeUnknown(f"Lost the mail server {where} while it took the message: {exc}") from exc
        if phase == "done":
            return
        raise ApiUnavailable(f"Mail server {where} unreachable ({phase}): {exc}") from exc
    except smtplib.SMTPException as exc:
        raise ApiUnavailable(f"Mail server {where} failed ({phase}): {exc}") from exc
    finally:
        if smtp is not None:
            try:
                if phase == "done":
                    smtp.quit()
                else:
                    smtp.close()
            except (smtplib.SMTPException, OSError):
                pass


def smtp_verify(config: EmailSettings) -> str:
    """Connect and log in without sending anything (the admin's connection test)."""
    if not config.smtp_host:
        raise ApiAuthError("The e-mail account has no `smtp_host`.")
    where = f"{config.smtp_host}:{config.smtp_port}"
    smtp: smtplib.SMTP
    try:
        if config.smtp_ssl:
            smtp = smtplib.SMTP_SSL(
                config.smtp_host, config.smtp_port, timeout=_timeout(), context=ssl.create_default_context()
            )
        else:
            smtp = smtplib.SMTP(config.smtp_host, config.smtp_port, timeout=_timeout())
        try:
            smtp.ehlo()
            if config.smtp_starttls:
                smtp.starttls(context=ssl.create_default_context())
                smtp.ehlo()
            if config.smtp_user:
                smtp.login(config.smtp_user, config.smtp_password)
        finally:
            smtp.close()
    except ssl.SSLCertVerificationError as exc:
        raise ApiAuthError(f"SMTP server {where}: TLS certificate not trusted ({exc.verify_message}).") from exc
    except smtplib.SMTPAuthenticationError as exc:
        raise ApiAuthError(f"SMTP login to {where} refused: {_smtp_reason(exc.smtp_code, exc.smtp_error)}") from exc
    except smtplib.SMTPNotSupportedError as exc:
        raise ApiAuthError(f"SMTP server {where} does not support what the account needs: {exc}") from exc
    except smtplib.SMTPResponseException as exc:
        raise _refused("hello", exc.smtp_code, exc.smtp_error) from exc
    except (smtplib.SMTPException, OSError) as exc:
        raise ApiUnavailable(f"Mail server {where} unreachable: {exc}") from exc
    return where
