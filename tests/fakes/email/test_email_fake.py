"""The loopback mail provider (fakes/email.py) read and written by the e-mail connector's
own IMAP and SMTP clients: UIDs and UIDVALIDITY as a poll needs them, literals byte for
byte, submissions kept and filed in Sent, refusals as a provider answers them; Hovor polls
it into tickets; and `python -m fakes.email`."""
from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
import requests

from channels.email.client import EmailSettings, ImapMailbox, smtp_send, smtp_verify
from channels.http import ApiAuthError, ApiPermanentError, ApiUnavailable
from fakes.email import DEMO, DEMO_ADDRESS, FakeMail, demo_credentials

REPO_ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture
def fake() -> Iterator[FakeMail]:
    with FakeMail() as server:
        yield server


def settings(fake: FakeMail, **overrides: Any) -> EmailSettings:
    return EmailSettings.from_credentials({**fake.credentials(), **overrides})


def reply(text: str = "Dobrý den, posíláme náhradu 📦") -> EmailMessage:
    message = EmailMessage()
    message["From"] = DEMO_ADDRESS
    message["To"] = "jana@mail.example"
    message["Subject"] = "Re: Objednávka"
    message["Message-ID"] = "<reply-1@acme.example>"
    message["In-Reply-To"] = "<first@mail.example>"
    message.set_content(text)
    return message


def test_imap_poll_reads_new_mail_by_uid(fake: FakeMail) -> None:
    first = fake.inbound(author="@jnovakova", name="Jana Nováková", text="Dobrý den, kde je objednávka 12345?")
    fake.inbound(author="petr@example.cz", name="Petr", text="Ahoj", subject="Faktura")
    with ImapMailbox(settings(fake)) as mailbox:
        uidvalidity = mailbox.examine("INBOX")
        assert uidvalidity == fake.folders["INBOX"].uidvalidity
        assert mailbox.uids_after(0) == [1, 2]
        assert mailbox.uids_after(2) == []  # "3:*" names UID 2, which is not new
        sizes = mailbox.sizes([1, 2])
        fetched = list(mailbox.fetch([1, 2]))
        headers = list(mailbox.fetch([1], headers_only=True))
        assert mailbox.search_header("Message-ID", first["id"]) == [1]
    assert [f.uid for f in fetched] == [1, 2]
    assert fetched[0].raw == fake.folders["INBOX"].mails[0].raw and sizes[1] == len(fetched[0].raw)
    assert fetched[0].internaldate
    assert "objednávka 12345" in fetched[0].raw.decode() and first["from"] == "jnovakova@mail.example"
    head, _, body = fetched[0].raw.partition(b"\r\n\r\n")
    assert headers[0].raw == head + b"\r\n\r\n" and body


def test_a_new_uidvalidity_renumbers_the_folder(fake: FakeMail) -> None:
    fake.inbound(author="jana@example.cz", text="one")
    with ImapMailbox(settings(fake)) as mailbox:
        before = mailbox.examine("INBOX")
    after = requests.post(f"{fake.base_url}/_fake/uidvalidity", json={}, timeout=5).json()["uidvalidity"]
    with ImapMailbox(settings(fake)) as mailbox:
        assert mailbox.examine("INBOX") == after != before


def test_imap_refusals(fake: FakeMail) -> None:
    with pytest.raises(ApiAuthError):
        ImapMailbox(settings(fake, imap_password="wrong")).open()
    with ImapMailbox(settings(fake)) as mailbox, pytest.raises(ApiAuthError):
        mailbox.examine("Archive")
    fake.fail("imap_login")
    with pytest.raises(ApiUnavailable):
        ImapMailbox(settings(fake)).open()


def test_smtp_submission_is_kept_and_filed_in_sent(fake: FakeMail) -> None:
    assert smtp_verify(settings(fake)) == f"127.0.0.1:{fake.smtp_port}"
    smtp_send(settings(fake), reply(), recipients=["jana@mail.example"])
    [sent] = requests.get(f"{fake.base_url}/_fake/outbound", timeout=5).json()["data"]
    assert sent["id"] == "<reply-1@acme.example>" and sent["to"] == ["jana@mail.example"]
    assert sent["text"].strip() == "Dobrý den, posíláme náhradu 📦" and sent["in_reply_to"] == "<first@mail.example>"
    with ImapMailbox(settings(fake)) as mailbox:
        mailbox.examine("Sent")
        assert mailbox.search_header("Message-ID", "<reply-1@acme.example>") == [1]


def test_smtp_refusals(fake: FakeMail) -> None:
    with pytest.raises(ApiAuthError):
        smtp_send(settings(fake, smtp_password="wrong"), reply(), recipients=["jana@mail.example"])
    fake.fail("rcpt", code=550, reply="5.1.1 No such user")
    with pytest.raises(ApiPermanentError, match="No such user"):
        smtp_send(settings(fake), reply(), recipients=["nobody@mail.example"])
    requests.post(f"{fake.base_url}/_fake/fail", json={"status": 451, "times": 1}, timeout=5)
    with pytest.raises(ApiUnavailable):
        smtp_send(settings(fake), reply(), recipients=["jana@mail.example"])
    smtp_send(settings(fake), reply(), recipients=["jana@mail.example"])  # each failure was used once
    assert len(fake.outbound()) == 1


def test_control_plane(fake: FakeMail) -> None:
    url = fake.base_url
    created = requests.post(f"{url}/_fake/inbound", json={"author": "@sarah_m", "name": "Sarah", "text": "Hi"},
                            timeout=5)
    assert created.status_code == 201 and created.json()["data"]["uid"] == 1
    assert requests.post(f"{url}/_fake/inbound", json={"author": "x"}, timeout=5).status_code == 400
    assert requests.post(f"{url}/_fake/inbound", data=b"{", timeout=5).status_code == 400
    assert requests.get(f"{url}/_fake/nothing", timeout=5).status_code == 404
    assert requests.post(f"{url}/_fake/fail", json={"stage": "nope"}, timeout=5).status_code == 400
    assert requests.get(f"{url}/_fake/credentials", timeout=5).json()["data"]["imap_port"] == fake.imap_port
    with ImapMailbox(settings(fake)) as mailbox:
        mailbox.examine("INBOX")
    log = requests.get(f"{url}/_fake/requests", timeout=5).json()["data"]
    assert [e["command"] for e in log if e["protocol"] == "imap"][:3] == ["CAPABILITY", "LOGIN <redacted>",
                                                                          'EXAMINE "INBOX"']
    assert fake.password not in str(log)
    assert requests.post(f"{url}/_fake/reset", timeout=5).json() == {"reset": True}
    assert fake.folders["INBOX"].mails == []


def test_the_demo_account_reaches_the_fake_on_its_ports() -> None:
    with FakeMail() as probe:
        port = probe.port
    with FakeMail(port, imap_port=port + 1, smtp_port=port + 2) as fake:
        credentials = DEMO.credentials_for(fake.base_url)
        assert credentials == demo_credentials(fake.base_url)
        assert (credentials["imap_port"], credentials["smtp_port"]) == (fake.imap_port, fake.smtp_port)
        with ImapMailbox(EmailSettings.from_credentials(credentials)) as mailbox:
            mailbox.examine("INBOX")


@pytest.mark.django_db(transaction=True)
def test_hovor_polls_the_fake_into_tickets(fake: FakeMail, brand: Any) -> None:
    from channels.services import account_poll, brand_account_connect
    from inbox.models import Ticket

    account = brand_account_connect(brand=brand, platform="email", handle=DEMO_ADDRESS, credentials=fake.credentials())
    fake.inbound(author="@jnovakova", name="Jana Nováková", text="Dobrý den, objednávka 12345 nedorazila.")
    assert account_poll(account_id=account.pk) == 1
    fake.inbound(author="@jnovakova", name="Jana Nováková", text="Ještě jednou prosím.")
    assert account_poll(account_id=account.pk) == 1
    assert Ticket.objects.filter(account=account).count() >= 1


def test_cli_prints_ready_and_serves() -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "fakes.email", "--port", "0"],
        cwd=REPO_ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline().strip()
        assert line.startswith("FAKE_EMAIL_READY http://127.0.0.1:")
        credentials = requests.get(line.split()[1] + "/_fake/credentials", timeout=5).json()["data"]
        assert credentials["imap_port"] > 0 and credentials["smtp_port"] > 0
    finally:
        proc.terminate()
        assert proc.wait(timeout=10) == 0
