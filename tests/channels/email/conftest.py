"""Real mail servers for the e-mail connector's tests: one private Dovecot (IMAP) for the
test session, with a fresh mailbox user per test, and an in-process aiosmtpd sink per
test that records what it is sent and can be told to refuse or drop."""
from __future__ import annotations

import asyncio
import imaplib
import itertools
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from tests.conftest import skip_or_fail

DOVECOT = os.environ.get("HOVOR_DOVECOT", "/usr/sbin/dovecot")
USERS = 200
ADDRESS = "support@acme.example"
FIXTURES = Path(__file__).resolve().parents[3] / "channels" / "email" / "fixtures"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def fixture_raw(name: str) -> bytes:
    return (FIXTURES / f"{name}.eml").read_bytes()


# --- IMAP: Dovecot -------------------------------------------------------------------------
CONFIG = """\
base_dir = {root}/run
state_dir = {root}/state
listen = 127.0.0.1
protocols = imap
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
auth_failure_delay = 0
default_login_user = {login_user}
default_internal_user = {internal_user}
log_path = {root}/dovecot.log
mail_location = maildir:{root}/mail/%u/Maildir
mail_uid = {mail_user}
mail_gid = {mail_group}
mail_fsync = never
namespace inbox {{
  inbox = yes
  separator = /
}}
first_valid_uid = 1
first_valid_gid = 1
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/passwd
}}
userdb {{
  driver = static
  args = uid={mail_user} gid={mail_group} home={root}/mail/%u allow_all_users=yes
}}
# No growing delay for an address after failed logins (the auth-failure tests run first).
service anvil {{
  unix_listener anvil-auth-penalty {{
    mode = 0
  }}
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
{login_chroot}}}
"""


class Dovecot:
    """`dovecot -F -c <private config>` on 127.0.0.1:<free port>, Maildir, users in a
    passwd-file."""

    def __init__(self) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="hovor-dovecot-"))
        self.root.chmod(0o755)  # login and mail processes run as other users
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None
        self.users = itertools.count(1)
        # Dovecot notices a changed passwd-file only by its mtime (whole seconds): users
        # are written up front rather than added while it runs.
        self.passwords = {f"support{i}": f"pw-{os.urandom(6).hex()}" for i in range(1, USERS + 1)}

    def start(self) -> Dovecot:
        for sub in ("run", "state", "mail"):
            (self.root / sub).mkdir()
        (self.root / "passwd").write_text("".join(f"{u}:{{PLAIN}}{p}::::::\n" for u, p in self.passwords.items()))
        if os.geteuid() == 0:
            # imap-login refuses root and mail processes refuse uid 0 (channels.md §6).
            login_user, internal_user, mail_user = "dovenull", "dovecot", "dovecot"
            entry = pwd.getpwnam(mail_user)
            os.chown(self.root / "mail", entry.pw_uid, entry.pw_gid)
            chroot = ""
        else:
            me = pwd.getpwuid(os.geteuid()).pw_name
            login_user = internal_user = mail_user = me
            chroot = "  chroot =\n"
        mail_group = pwd.getpwnam(mail_user).pw_gid
        (self.root / "dovecot.conf").write_text(
            CONFIG.format(
                root=self.root, port=self.port, login_user=login_user, internal_user=internal_user,
                mail_user=mail_user, mail_group=mail_group, login_chroot=chroot,
            )
        )
        self.process = subprocess.Popen(
            [DOVECOT, "-F", "-c", str(self.root / "dovecot.conf")],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        )
        deadline = time.time() + 15
        while time.time() < deadline:
            if self.process.poll() is not None:
                break
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1) as sock:
                    if sock.recv(64).startswith(b"* OK"):
                        return self
            except OSError:
                time.sleep(0.05)
        output = self.process.stdout.read().decode(errors="replace") if self.process.poll() is not None and \
            self.process.stdout else ""
        self.stop()
        pytest.fail(f"Dovecot did not start: {output}\n{self.log()}")

    def log(self) -> str:
        path = self.root / "dovecot.log"
        return path.read_text(errors="replace")[-3000:] if path.exists() else ""

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)
        if self.process is not None and self.process.stdout:
            self.process.stdout.close()
        shutil.rmtree(self.root, ignore_errors=True)

    def add_user(self) -> tuple[str, str]:
        """A mailbox user no other test has used."""
        user = f"support{next(self.users)}"
        return user, self.passwords[user]


@dataclass
class Mailbox:
    """One IMAP user on the test Dovecot, with helpers a test uses as "the outside world"."""

    server: Dovecot
    user: str
    password: str

    def connect(self) -> imaplib.IMAP4:
        conn = imaplib.IMAP4("127.0.0.1", self.server.port, timeout=10)
        conn.login(self.user, self.password)
        return conn

    def append(self, raw: bytes, folder: str = "INBOX") -> None:
        conn = self.connect()
        try:
            if folder != "INBOX":
                conn.create(folder)
            status, data = conn.append(folder, "", None, raw)
            assert status == "OK", data
        finally:
            conn.logout()

    def recreate(self, folder: str) -> None:
        conn = self.connect()
        try:
            conn.delete(folder)
            status, data = conn.create(folder)
            assert status == "OK", data
        finally:
            conn.logout()

    def flags(self, folder: str = "INBOX") -> list[bytes]:
        conn = self.connect()
        try:
            conn.select(folder, readonly=True)
            _, data = conn.fetch("1:*", "(FLAGS)")
            return [d for d in data if isinstance(d, bytes)]
        finally:
            conn.logout()

    def credentials(self, smtp_port: int = 0, **overrides: Any) -> dict[str, Any]:
        creds: dict[str, Any] = {
            "address": ADDRESS,
            "imap_host": "127.0.0.1",
            "imap_port": self.server.port,
            "imap_user": self.user,
            "imap_password": self.password,
            "imap_ssl": False,
            "smtp_host": "127.0.0.1",
            "smtp_port": smtp_port,
            "smtp_user": "",
            "smtp_password": "",
            "smtp_ssl": False,
            "smtp_starttls": False,
        }
        creds.update(overrides)
        return creds


@pytest.fixture(scope="session")
def dovecot() -> Iterator[Dovecot]:
    if not os.path.exists(DOVECOT):
        skip_or_fail(f"Dovecot is not installed ({DOVECOT} missing; Debian package dovecot-imapd)")
    server = Dovecot().start()
    yield server
    server.stop()


@pytest.fixture
def mailbox(dovecot: Dovecot) -> Mailbox:
    user, password = dovecot.add_user()
    return Mailbox(server=dovecot, user=user, password=password)


# --- SMTP: aiosmtpd ------------------------------------------------------------------------
@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    data: bytes

    @property
    def message(self) -> EmailMessage:
        msg = message_from_bytes(self.data, policy=policy.default)
        assert isinstance(msg, EmailMessage)
        return msg


@dataclass
class SmtpSink:
    """What the brand's mail server received, in order. `fail(stage, reply, times)` makes
    the next attempts get that reply at MAIL, RCPT or DATA; `drop_after_data(times)`
    accepts a message and then hangs up before answering (the outcome-unknown case)."""

    port: int = 0
    username: str = ""
    password: str = ""
    received: list[Received] = field(default_factory=list)
    failures: list[tuple[str, str]] = field(default_factory=list)
    drops: int = 0

    def fail(self, stage: str, reply: str, times: int = 1) -> None:
        self.failures.extend([(stage, reply)] * times)

    def drop_after_data(self, times: int = 1) -> None:
        self.drops += times

    def _failure(self, stage: str) -> str | None:
        for i, (where, reply) in enumerate(self.failures):
            if where == stage:
                del self.failures[i]
                return reply
        return None

    async def handle_MAIL(self, server: Any, session: Any, envelope: Any, address: str, options: list[str]) -> str:
        reply = self._failure("mail")
        if reply:
            return reply
        envelope.mail_from = address
        envelope.mail_options.extend(options)
        return "250 2.1.0 Ok"

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, options: list[str]) -> str:
        reply = self._failure("rcpt")
        if reply:
            return reply
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 Ok"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        reply = self._failure("data")
        if reply:
            return reply
        self.received.append(Received(envelope.mail_from, list(envelope.rcpt_tos), bytes(envelope.original_content)))
        if self.drops:
            self.drops -= 1
            server.transport.abort()  # the message is taken; the client never hears so
            await asyncio.sleep(0)
        return "250 2.0.0 Ok: queued as 4XkR0a1B2c3D"

    def authenticate(self, server: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> AuthResult:
        ok = isinstance(data, LoginPassword) and data.login.decode() == self.username and (
            data.password.decode() == self.password
        )
        return AuthResult(success=ok, handled=False)


@pytest.fixture
def smtp_sink() -> Iterator[SmtpSink]:
    sink = SmtpSink(port=free_port(), username="smtp-user", password="smtp-secret")
    controller = Controller(
        sink, hostname="127.0.0.1", port=sink.port, authenticator=sink.authenticate, auth_require_tls=False
    )
    controller.start()
    yield sink
    controller.stop()
