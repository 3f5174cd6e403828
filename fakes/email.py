"""A loopback mail provider for the e-mail channel: one mailbox served over IMAP4rev1 (what
Hovor polls) and an SMTP submission server (what Hovor sends replies through), both plain
TCP on 127.0.0.1, with the control plane every fake has on its HTTP port.

Run standalone::

    python -m fakes.email --port 8090 --imap-port 8091 --smtp-port 8092   # prints FAKE_EMAIL_READY http://…

or in-process (tests)::

    with FakeMail() as fake:
        account_credentials = fake.credentials()          # imap/smtp host, ports, login
        fake.inbound(author="jana@example.cz", name="Jana", text="Dobrý den")
        fake.outbound()                                    # what Hovor submitted over SMTP

IMAP, as much as a client polling one folder needs (RFC 3501): the greeting with its
CAPABILITY, ``CAPABILITY``, ``NOOP``, ``LOGIN`` (``NO [AUTHENTICATIONFAILED]`` for a wrong
password), ``SELECT``/``EXAMINE`` (``FLAGS``, ``EXISTS``, ``RECENT``, ``[UIDVALIDITY]``,
``[UIDNEXT]``; ``NO [NONEXISTENT]`` for an unknown folder), ``UID SEARCH`` (``UID`` sets,
``SINCE``, ``HEADER``, ``ALL``; ``n:*`` always takes in the highest UID), ``UID FETCH``
(``UID``, ``FLAGS``, ``INTERNALDATE``, ``RFC822.SIZE``, ``BODY[]``, ``BODY.PEEK[]``,
``BODY.PEEK[HEADER]`` as literals) and ``LOGOUT``. Folders: ``INBOX`` and ``Sent``.

SMTP (RFC 5321): ``EHLO`` (8BITMIME, SMTPUTF8, AUTH PLAIN LOGIN, SIZE), ``HELO``, ``AUTH
PLAIN``/``LOGIN`` (535 for a wrong password), ``MAIL``, ``RCPT``, ``DATA`` (dot-unstuffed),
``RSET``, ``NOOP``, ``QUIT``; no STARTTLS (454). Each accepted message is also filed in
``Sent``, as Gmail and Microsoft 365 do.

Control endpoints (no auth): ``POST /_fake/inbound`` ``{"author", "name", "text",
"subject", "in_reply_to", "at", "folder"}`` (a customer's mail lands in the folder),
``GET /_fake/outbound`` (submitted messages: ``id`` = Message-ID, ``from``, ``to``,
``subject``, ``text``, ``in_reply_to``), ``POST /_fake/fail`` ``{"stage": "login" | "mail" |
"rcpt" | "data" | "imap_login" (default "mail"), "code" (or "status"), "reply", "times"}``, ``POST /_fake/uidvalidity``
(the server renumbers the folder), ``GET /_fake/credentials``, ``GET /_fake/requests``,
``POST /_fake/reset``.

Standard library only. No Django.
"""

from __future__ import annotations

import base64
import email.policy
import itertools
import re
import socketserver
import sys
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import format_datetime, formataddr, make_msgid, parseaddr
from typing import Any, Self
from urllib.parse import urlsplit

from fakes.base import (
    ControlRequest,
    ControlRoute,
    Failures,
    FakeHandler,
    FakeServer,
    RequestLog,
    cli,
    run_until_signalled,
    serve,
)
from fakes.demo import Crowd, FakeDemo

DEMO_ADDRESS = "care@acme.example"
DEMO_PASSWORD = "demo-mail-password"
FOLDERS = ("INBOX", "Sent")
MAX_SIZE = 35_882_577
SMTP_STAGES = ("login", "mail", "rcpt", "data")
CUSTOMER_DOMAIN = "mail.example"


class ControlError(Exception):
    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass
class Mail:
    uid: int
    raw: bytes
    internaldate: float
    flags: set[str] = field(default_factory=set)

    def header(self, name: str) -> str:
        message = BytesParser(policy=email.policy.default).parsebytes(self.raw, headersonly=True)
        return str(message.get(name, ""))

    @property
    def header_bytes(self) -> bytes:
        end = self.raw.find(b"\r\n\r\n")
        return self.raw if end < 0 else self.raw[: end + 4]


@dataclass
class Folder:
    uidvalidity: int
    next_uid: int = 1
    mails: list[Mail] = field(default_factory=list)


def customer_address(author: str) -> str:
    """A customer's address: as given, or "@handle" (the crowd) at a made-up domain."""
    text = author.strip()
    if "@" in text.lstrip("@"):
        return text
    return f"{text.lstrip('@') or 'customer'}@{CUSTOMER_DOMAIN}"


def imap_date(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).strftime("%d-%b-%Y %H:%M:%S +0000")


class FakeMail(FakeServer):
    def __init__(
        self,
        port: int = 0,
        *,
        host: str = "127.0.0.1",
        imap_port: int = 0,
        smtp_port: int = 0,
        address: str = DEMO_ADDRESS,
        password: str = DEMO_PASSWORD,
        verbose: bool = False,
    ) -> None:
        self.host = host
        self.port = port
        self.imap_port = imap_port
        self.smtp_port = smtp_port
        self.address = address
        self.password = password
        self.verbose = verbose
        self._lock = threading.RLock()
        self._uidvalidity = itertools.count(int(time.time()))
        self._servers: list[socketserver.BaseServer] = []
        self._reset_state()

    # ------------------------------------------------------------------ state
    def _reset_state(self) -> None:
        with self._lock:
            self.folders = {name: Folder(next(self._uidvalidity)) for name in FOLDERS}
            self._outbound: list[dict[str, Any]] = []
            self._requests = RequestLog()
            self._failures: Failures[dict[str, Any]] = Failures()

    def reset(self) -> None:
        self._reset_state()

    def start(self) -> Self:
        http, _ = serve(self, _Handler, self.host, self.port, "fake-mail-http")
        imap = _TCPServer((self.host, self.imap_port), _ImapHandler, self)
        smtp = _TCPServer((self.host, self.smtp_port), _SmtpHandler, self)
        self.imap_port = imap.server_address[1]
        self.smtp_port = smtp.server_address[1]
        for server, name in ((imap, "fake-mail-imap"), (smtp, "fake-mail-smtp")):
            threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, name=name,
                             daemon=True).start()
        self._servers = [http, imap, smtp]
        return self

    def stop(self) -> None:
        for server in self._servers:
            server.shutdown()
            server.server_close()
        self._servers = []

    def credentials(self) -> dict[str, Any]:
        """What the e-mail connector's account needs to reach this mailbox."""
        return {
            "address": self.address,
            "imap_host": self.host,
            "imap_port": self.imap_port,
            "imap_password": self.password,
            "imap_ssl": False,
            "smtp_host": self.host,
            "smtp_port": self.smtp_port,
            "smtp_ssl": False,
            "smtp_starttls": False,
            "sent_folder": "Sent",
        }

    def log(self, protocol: str, line: str) -> None:
        with self._lock:
            self._requests.append({"protocol": protocol, "command": line, "at": time.time()})
        if self.verbose:
            sys.stderr.write(f"fake-mail {protocol}: {line}\n")

    # ------------------------------------------------------------------ mailbox
    def append(self, raw: bytes, folder: str = "INBOX", at: float | None = None) -> Mail:
        with self._lock:
            box = self.folders.get(folder)
            if box is None:
                raise ControlError(f"no folder {folder!r} (there are {', '.join(FOLDERS)})")
            mail = Mail(uid=box.next_uid, raw=raw, internaldate=time.time() if at is None else at)
            box.next_uid += 1
            box.mails.append(mail)
            return mail

    def inbound(
        self,
        *,
        author: str,
        text: str,
        name: str = "",
        subject: str = "",
        in_reply_to: str = "",
        at: float | None = None,
        folder: str = "INBOX",
    ) -> dict[str, Any]:
        """A customer's mail to the brand's address, filed in `folder`."""
        sender = customer_address(author)
        when = time.time() if at is None else at
        message = EmailMessage()
        message["From"] = formataddr((name, sender)) if name else sender
        message["To"] = self.address
        message["Subject"] = subject or _subject_from(text)
        message["Date"] = format_datetime(datetime.fromtimestamp(when, UTC))
        message["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2])
        if in_reply_to:
            message["In-Reply-To"] = in_reply_to
            message["References"] = in_reply_to
        message.set_content(text)
        mail = self.append(message.as_bytes(policy=email.policy.SMTP), folder, when)
        return {"id": str(message["Message-ID"]), "uid": mail.uid, "from": sender, "subject": str(message["Subject"]),
                "folder": folder}

    def renumber(self, folder: str = "INBOX") -> int:
        """A new UIDVALIDITY (the server rebuilt the folder): same mail, new UIDs."""
        with self._lock:
            box = self.folders[folder]
            box.uidvalidity = next(self._uidvalidity)
            box.next_uid = 1
            for mail in box.mails:
                mail.uid = box.next_uid
                box.next_uid += 1
            return box.uidvalidity

    def submitted(self, sender: str, recipients: list[str], raw: bytes) -> None:
        """One message accepted over SMTP: kept for /_fake/outbound and filed in Sent."""
        message = BytesParser(policy=email.policy.default).parsebytes(raw)
        body = message.get_body(("plain",)) if isinstance(message, EmailMessage) else None
        text = body.get_content() if body is not None else ""
        with self._lock:
            self._outbound.append(
                {
                    "id": str(message.get("Message-ID", "")),
                    "from": sender,
                    "to": list(recipients),
                    "subject": str(message.get("Subject", "")),
                    "text": text,
                    "in_reply_to": str(message.get("In-Reply-To", "")),
                    "references": str(message.get("References", "")),
                    "at": time.time(),
                }
            )
            self.append(raw, "Sent")

    def outbound(self) -> list[dict[str, Any]]:
        with self._lock:
            return [dict(item) for item in self._outbound]

    def fail(self, stage: str, code: int = 451, reply: str = "", times: int = 1) -> int:
        """The next `times` SMTP commands of `stage` (or IMAP logins, "imap_login") are refused."""
        if stage not in (*SMTP_STAGES, "imap_login"):
            raise ControlError(f"`stage` is one of {', '.join((*SMTP_STAGES, 'imap_login'))}")
        if int(times) < 1:
            return 0
        self._failures.arm({"stage": stage, "code": int(code), "reply": reply, "times": int(times)})
        return int(times)

    def failure(self, stage: str) -> dict[str, Any] | None:
        return self._failures.take(lambda rule: rule["stage"] == stage)

    # ------------------------------------------------------------------ control plane
    control_errors = (ControlError, TypeError, ValueError)

    def control_bad_body(self, message: str) -> Exception:
        return ControlError(message)

    def control_error(self, error: Exception) -> tuple[int, Any]:
        if isinstance(error, ControlError):
            return error.status, {"error": error.message}
        return 400, {"error": f"bad control request: {error}"}

    def control_routes(self) -> dict[tuple[str, str], ControlRoute]:
        return {
            ("POST", "/_fake/inbound"): self._control_inbound,
            ("GET", "/_fake/outbound"): lambda request: (200, {"data": self.outbound()}),
            ("POST", "/_fake/fail"): self._control_fail,
            ("POST", "/_fake/uidvalidity"): lambda request: (
                200, {"uidvalidity": self.renumber(str(request.object().get("folder") or "INBOX"))}
            ),
            ("GET", "/_fake/credentials"): lambda request: (200, {"data": self.credentials()}),
            ("GET", "/_fake/requests"): lambda request: (200, {"data": self.requests_log()}),
            ("POST", "/_fake/reset"): self._control_reset,
        }

    def _control_inbound(self, request: ControlRequest) -> tuple[int, Any]:
        data = request.object()
        text = data.get("text")
        if not isinstance(text, str) or not text.strip():
            raise ControlError("`text` is required")
        at = data.get("at")
        return 201, {"data": self.inbound(
            author=str(data.get("author") or "customer"),
            text=text,
            name=str(data.get("name") or ""),
            subject=str(data.get("subject") or ""),
            in_reply_to=str(data.get("in_reply_to") or ""),
            at=float(at) if at is not None else None,
            folder=str(data.get("folder") or "INBOX"),
        )}

    def _control_fail(self, request: ControlRequest) -> tuple[int, Any]:
        data = request.object()
        # {"status": 451|550, "times": N} as every fake takes it: the next submissions are refused.
        code = data.get("code", data.get("status", 451))
        armed = self.fail(str(data.get("stage") or "mail"), int(code), str(data.get("reply") or ""),
                          int(data.get("times", 1)))
        return 200, {"armed": armed}

    def _control_reset(self, request: ControlRequest) -> tuple[int, Any]:
        self.reset()
        return 200, {"reset": True}


def _subject_from(text: str) -> str:
    words = text.split()
    subject = " ".join(words[:8])
    return subject + ("…" if len(words) > 8 else "")


class _TCPServer(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], handler: type[socketserver.BaseRequestHandler], fake: FakeMail):
        self.fake = fake
        super().__init__(address, handler)


class _Line(socketserver.StreamRequestHandler):
    timeout = 60
    fake: FakeMail

    def setup(self) -> None:
        super().setup()
        server = self.server
        assert isinstance(server, _TCPServer)
        self.fake = server.fake

    def send(self, *lines: str | bytes) -> None:
        out = b"".join((line if isinstance(line, bytes) else line.encode("utf-8")) + b"\r\n" for line in lines)
        self.wfile.write(out)
        self.wfile.flush()

    def read_line(self) -> str | None:
        try:
            raw = self.rfile.readline(65536)
        except OSError:
            return None
        if not raw:
            return None
        return raw.rstrip(b"\r\n").decode("utf-8", "replace")


# --- IMAP --------------------------------------------------------------------------------
TOKEN_RE = re.compile(r'"((?:[^"\\]|\\.)*)"|\(([^)]*)\)|(\S+)')
SECTION_RE = re.compile(r"BODY(?:\.PEEK)?\[([A-Z.]*)\]", re.IGNORECASE)


def imap_tokens(text: str) -> list[str]:
    tokens = []
    for quoted, group, atom in TOKEN_RE.findall(text):
        if quoted or (not group and not atom):
            tokens.append(re.sub(r"\\(.)", r"\1", quoted))
        elif group:
            tokens.append(f"({group})")
        else:
            tokens.append(atom)
    return tokens


def in_set(uid: int, spec: str, highest: int) -> bool:
    """Is `uid` in an IMAP sequence set ("1,3:5,7:*")? "n:*" includes the highest UID."""
    for part in spec.split(","):
        low, _, high = part.partition(":")
        first = highest if low == "*" else int(low)
        last = first if not high else (highest if high == "*" else int(high))
        if min(first, last) <= uid <= max(first, last):
            return True
    return False


class _ImapHandler(_Line):
    def handle(self) -> None:
        self.user = ""
        self.selected: Folder | None = None
        self.send("* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN] Fake IMAP4rev1 ready")
        while (line := self.read_line()) is not None:
            tag, _, rest = line.partition(" ")
            command, _, args = rest.partition(" ")
            command = command.upper()
            if command == "UID":
                sub, _, args = args.partition(" ")
                command = f"UID {sub.upper()}"
            self.fake.log("imap", f"{command} <redacted>" if command == "LOGIN" else f"{command} {args}".strip())
            try:
                if not self.dispatch(tag, command, args):
                    return
            except (ValueError, IndexError):
                self.send(f"{tag} BAD Invalid arguments to {command}")

    def dispatch(self, tag: str, command: str, args: str) -> bool:
        if command == "CAPABILITY":
            self.send("* CAPABILITY IMAP4rev1 AUTH=PLAIN", f"{tag} OK CAPABILITY completed")
        elif command == "NOOP":
            self.send(f"{tag} OK NOOP completed")
        elif command == "LOGOUT":
            self.send("* BYE Fake IMAP logging out", f"{tag} OK LOGOUT completed")
            return False
        elif command == "LOGIN":
            self.login(tag, imap_tokens(args))
        elif not self.user:
            self.send(f"{tag} BAD Log in first")
        elif command in ("SELECT", "EXAMINE"):
            self.select(tag, command, imap_tokens(args)[0])
        elif self.selected is None:
            self.send(f"{tag} BAD Select a folder first")
        elif command == "UID SEARCH":
            self.search(tag, imap_tokens(args))
        elif command == "UID FETCH":
            spec, _, items = args.partition(" ")
            self.fetch(tag, spec, items)
        elif command == "CLOSE":
            self.selected = None
            self.send(f"{tag} OK CLOSE completed")
        else:
            self.send(f"{tag} BAD Unknown command {command}")
        return True

    def login(self, tag: str, tokens: list[str]) -> None:
        failure = self.fake.failure("imap_login")
        if failure is not None:
            self.send(f"{tag} NO [UNAVAILABLE] {failure['reply'] or 'Try again later'}")
        elif len(tokens) == 2 and tokens[0] == self.fake.address and tokens[1] == self.fake.password:
            self.user = tokens[0]
            self.send(f"{tag} OK [CAPABILITY IMAP4rev1] LOGIN completed")
        else:
            self.send(f"{tag} NO [AUTHENTICATIONFAILED] Invalid credentials")

    def select(self, tag: str, command: str, name: str) -> None:
        box = self.fake.folders.get("INBOX" if name.upper() == "INBOX" else name)
        if box is None:
            self.send(f"{tag} NO [NONEXISTENT] Unknown mailbox {name}")
            return
        self.selected = box
        with self.fake._lock:
            exists, uidvalidity, uidnext = len(box.mails), box.uidvalidity, box.next_uid
        mode = "READ-ONLY" if command == "EXAMINE" else "READ-WRITE"
        self.send(
            r"* FLAGS (\Answered \Flagged \Deleted \Seen \Draft)",
            f"* {exists} EXISTS",
            "* 0 RECENT",
            f"* OK [UIDVALIDITY {uidvalidity}] UIDs valid",
            f"* OK [UIDNEXT {uidnext}] Predicted next UID",
            f"{tag} OK [{mode}] {command} completed",
        )

    def _mails(self) -> list[Mail]:
        assert self.selected is not None
        with self.fake._lock:
            return list(self.selected.mails)

    def search(self, tag: str, tokens: list[str]) -> None:
        mails = self._mails()
        highest = max((m.uid for m in mails), default=0)
        found = []
        for mail in mails:
            keep, i = True, 0
            while i < len(tokens):
                key = tokens[i].upper()
                if key == "ALL":
                    i += 1
                elif key == "UID":
                    keep = keep and in_set(mail.uid, tokens[i + 1], highest)
                    i += 2
                elif key == "SINCE":
                    since = datetime.strptime(tokens[i + 1], "%d-%b-%Y").replace(tzinfo=UTC).timestamp()
                    keep = keep and mail.internaldate >= since
                    i += 2
                elif key == "HEADER":
                    keep = keep and tokens[i + 2].lower() in mail.header(tokens[i + 1]).lower()
                    i += 3
                else:
                    raise ValueError(key)
            if keep:
                found.append(mail.uid)
        self.send("* SEARCH" + "".join(f" {uid}" for uid in found), f"{tag} OK SEARCH completed")

    def fetch(self, tag: str, spec: str, items: str) -> None:
        wanted = items.strip().strip("()").split()
        mails = self._mails()
        highest = max((m.uid for m in mails), default=0)
        out: list[bytes] = []
        for seq, mail in enumerate(mails, start=1):
            if not in_set(mail.uid, spec, highest):
                continue
            parts: list[bytes] = [f"UID {mail.uid}".encode()]
            literal: tuple[str, bytes] | None = None
            for item in wanted:
                upper = item.upper()
                if upper == "UID":
                    continue
                if upper == "FLAGS":
                    parts.append(f"FLAGS ({' '.join(sorted(mail.flags))})".encode())
                elif upper == "INTERNALDATE":
                    parts.append(f'INTERNALDATE "{imap_date(mail.internaldate)}"'.encode())
                elif upper == "RFC822.SIZE":
                    parts.append(f"RFC822.SIZE {len(mail.raw)}".encode())
                elif (section := SECTION_RE.fullmatch(item)) is not None:
                    name = section.group(1).upper()
                    literal = (f"BODY[{name}]", mail.header_bytes if name == "HEADER" else mail.raw)
                else:
                    raise ValueError(item)
            head = f"* {seq} FETCH (".encode() + b" ".join(parts)
            if literal is None:
                out.append(head + b")\r\n")
            else:
                label, data = literal
                out.append(head + f" {label} {{{len(data)}}}\r\n".encode() + data + b")\r\n")
        self.wfile.write(b"".join(out) + f"{tag} OK FETCH completed\r\n".encode())
        self.wfile.flush()


# --- SMTP --------------------------------------------------------------------------------
class _SmtpHandler(_Line):
    def handle(self) -> None:
        self.authenticated = False
        self.sender: str | None = None
        self.recipients: list[str] = []
        self.send("220 fake-mail ESMTP ready")
        while (line := self.read_line()) is not None:
            verb, _, args = line.partition(" ")
            verb = verb.upper()
            self.fake.log("smtp", f"{verb} <redacted>" if verb == "AUTH" else line)
            if not self.dispatch(verb, args):
                return

    def refused(self, stage: str) -> bool:
        failure = self.fake.failure(stage)
        if failure is None:
            return False
        self.send(f"{failure['code']} {failure['reply'] or 'Refused by the fake'}")
        return True

    def dispatch(self, verb: str, args: str) -> bool:
        if verb == "EHLO":
            self.send("250-fake-mail", "250-8BITMIME", "250-SMTPUTF8", "250-AUTH PLAIN LOGIN", f"250 SIZE {MAX_SIZE}")
        elif verb == "HELO":
            self.send("250 fake-mail")
        elif verb in ("NOOP",):
            self.send("250 2.0.0 OK")
        elif verb == "RSET":
            self.sender, self.recipients = None, []
            self.send("250 2.0.0 OK")
        elif verb == "QUIT":
            self.send("221 2.0.0 Bye")
            return False
        elif verb == "STARTTLS":
            self.send("454 4.7.0 TLS not available")
        elif verb == "AUTH":
            self.auth(args)
        elif verb == "MAIL":
            if not self.refused("mail"):
                self.sender = parseaddr(args.partition(":")[2].split(" ")[0])[1]
                self.recipients = []
                self.send("250 2.1.0 Sender OK")
        elif verb == "RCPT":
            if self.sender is None:
                self.send("503 5.5.1 MAIL first")
            elif not self.refused("rcpt"):
                self.recipients.append(parseaddr(args.partition(":")[2])[1])
                self.send("250 2.1.5 Recipient OK")
        elif verb == "DATA":
            self.data()
        else:
            self.send("502 5.5.2 Command not recognised")
        return True

    def auth(self, args: str) -> None:
        mechanism, _, initial = args.partition(" ")
        mechanism = mechanism.upper()
        if self.refused("login"):
            return
        try:
            if mechanism == "PLAIN":
                if not initial:
                    self.send("334 ")
                    initial = self.read_line() or ""
                _, user, password = base64.b64decode(initial).decode("utf-8").split("\0")
            elif mechanism == "LOGIN":
                self.send("334 VXNlcm5hbWU6")
                user = base64.b64decode(self.read_line() or "").decode("utf-8")
                self.send("334 UGFzc3dvcmQ6")
                password = base64.b64decode(self.read_line() or "").decode("utf-8")
            else:
                self.send("504 5.5.4 Unrecognised authentication type")
                return
        except (ValueError, UnicodeDecodeError):
            self.send("501 5.5.2 Cannot decode the response")
            return
        if user == self.fake.address and password == self.fake.password:
            self.authenticated = True
            self.send("235 2.7.0 Authentication successful")
        else:
            self.send("535 5.7.8 Authentication credentials invalid")

    def data(self) -> None:
        if self.sender is None or not self.recipients:
            self.send("503 5.5.1 RCPT first")
            return
        self.send("354 End data with <CR><LF>.<CR><LF>")
        lines: list[bytes] = []
        while True:
            raw = self.rfile.readline(1_000_000)
            if not raw:
                return
            if raw in (b".\r\n", b".\n"):
                break
            lines.append(raw[1:] if raw.startswith(b"..") else raw)
        if self.refused("data"):
            return
        self.fake.submitted(self.sender, self.recipients, b"".join(lines))
        self.sender, self.recipients = None, []
        self.send("250 2.0.0 Queued")


class _Handler(FakeHandler):
    methods = ("GET", "POST")
    server_version = "FakeMail/1.0"
    log_name = "fake-mail"


def main(argv: list[str] | None = None) -> int:
    parser = cli("python -m fakes.email", "Loopback IMAP + SMTP mailbox for the e-mail channel")
    parser.add_argument("--imap-port", type=int, default=0, help="IMAP port (0 = any free port)")
    parser.add_argument("--smtp-port", type=int, default=0, help="SMTP port (0 = any free port)")
    parser.add_argument("--address", default=DEMO_ADDRESS, help="the mailbox's address (also its login)")
    parser.add_argument("--password", default=DEMO_PASSWORD, help="the IMAP and SMTP password")
    args = parser.parse_args(argv)
    fake = FakeMail(args.port, host=args.host, imap_port=args.imap_port, smtp_port=args.smtp_port,
                    address=args.address, password=args.password, verbose=args.verbose).start()
    return run_until_signalled(fake, "FAKE_EMAIL_READY")


def demo_credentials(base_url: str) -> dict[str, Any]:
    """The demo mailbox's account: IMAP and SMTP on the two ports after the control port."""
    port = urlsplit(base_url).port or 0
    return {
        "address": DEMO_ADDRESS,
        "display_name": "Acme Care",
        "imap_host": "127.0.0.1",
        "imap_port": port + 1,
        "imap_password": DEMO_PASSWORD,
        "imap_ssl": False,
        "smtp_host": "127.0.0.1",
        "smtp_port": port + 2,
        "smtp_ssl": False,
        "smtp_starttls": False,
        "sent_folder": "Sent",
    }


# The demo's mailbox: three ports (control, IMAP, SMTP); customers write from made-up addresses.
DEMO = FakeDemo(
    handle=DEMO_ADDRESS,
    credentials=demo_credentials,
    args=lambda run: ["--imap-port", str(run.port + 1), "--smtp-port", str(run.port + 2)],
    ports=3,
    crowd=Crowd(every=25.0),
)


if __name__ == "__main__":
    sys.exit(main())
