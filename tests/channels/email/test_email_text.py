"""The text helpers: charsets and their mislabels, format=flowed, HTML to text, folding
quoted replies of the clients our customers use, and the small pieces of addressing."""
from __future__ import annotations

import time

import pytest

from channels.email.client import EmailSettings, imap_utf7
from channels.email.connector import reply_subject
from channels.email.parser import msgid_list, normalize_msgid
from channels.email.text import REPLY_MARKER, decode_bytes, decode_header_words, fold_quoted, html_to_text, unflow
from channels.http import ApiAuthError

CZECH = "Příliš žluťoučký kůň úpěl ďábelské ódy – „šťastně“"


# --- charsets ------------------------------------------------------------------------------
def test_cp1250_labelled_iso_8859_2_is_repaired() -> None:
    assert decode_bytes(CZECH.encode("cp1250"), "iso-8859-2") == CZECH


def test_cp1252_labelled_latin1_is_repaired() -> None:
    text = "Grüße – “quoted” €5"
    assert decode_bytes(text.encode("cp1252"), "ISO-8859-1") == text


def test_real_iso_8859_2_is_left_alone() -> None:
    text = "Příliš žluťoučký kůň"
    assert decode_bytes(text.encode("iso-8859-2"), "iso-8859-2") == text


@pytest.mark.parametrize("label", ["unknown-8bit", "x-unknown", "bogus-charset", None, "us-ascii"])
def test_unknown_labels_fall_back_to_utf8_then_cp1252(label: str | None) -> None:
    assert decode_bytes(CZECH.encode("utf-8"), label) == CZECH
    assert decode_bytes("Grüße “x”".encode("cp1252"), label) == "Grüße “x”"


def test_header_words_are_repaired_like_bodies() -> None:
    assert decode_header_words("=?iso-8859-2?Q?Dotaz_=96_doprava?=") == "Dotaz – doprava"
    assert decode_header_words("=?utf-8?B?xaBr?= =?utf-8?Q?oda?= a dost") == "Škoda a dost"
    assert decode_header_words("=?UTF-8*cs?Q?P=C5=99=C3=ADli=C5=A1?=") == "Příliš"


# --- format=flowed -------------------------------------------------------------------------
def test_unflow_joins_soft_breaks_only() -> None:
    text = "One long \nparagraph here.\nHard break.\n-- \nSig"
    assert unflow(text) == "One long paragraph here.\nHard break.\n-- \nSig"


def test_unflow_delsp_and_quotes_and_stuffing() -> None:
    assert unflow("Sup \nercalifragilistic\n", delsp=True) == "Supercalifragilistic\n"
    assert unflow("> quoted \n> more\n>> deeper\n From here") == "> quoted more\n>> deeper\nFrom here"


# --- HTML -----------------------------------------------------------------------------------
def test_gmail_divs_and_brs() -> None:
    html = '<div dir="ltr">Dobrý den,<div><br></div><div>řádek   jedna</div><div>řádek dvě<br></div></div>'
    assert html_to_text(html) == "Dobrý den,\n\nřádek jedna\nřádek dvě"


def test_outlook_word_paragraphs_are_lines_and_styles_are_dropped() -> None:
    html = (
        "<html><head><style><!-- p.MsoNormal {margin:0cm} --></style></head><body>"
        '<p class="MsoNormal">Dobrý den,<o:p></o:p></p><p class="MsoNormal"><o:p>&nbsp;</o:p></p>'
        '<p class="MsoNormal">díky&nbsp;&amp; <b>nashle</b><o:p></o:p></p></body></html>'
    )
    assert html_to_text(html) == "Dobrý den,\n\ndíky & nashle"


def test_plain_paragraphs_lists_quotes_and_pre() -> None:
    html = (
        "<p>First</p><p>Second<br>line</p><ol><li>one</li><li>two</li></ol><ul><li>dot</li></ul>"
        "<blockquote>quoted<br>text</blockquote><pre>  kept\n    as is</pre><script>alert(1)</script>"
    )
    assert html_to_text(html) == (
        "First\n\nSecond\nline\n\n1. one\n2. two\n\n- dot\n\n> quoted\n> text\n\n  kept\n    as is"
    )


def test_links_keep_their_target_unless_it_is_the_text() -> None:
    assert html_to_text('<a href="https://x.example/a">the form</a>') == "the form (https://x.example/a)"
    assert html_to_text('<a href="https://www.x.example/">www.x.example</a>') == "www.x.example"
    assert html_to_text('<a href="mailto:a@b.example">a@b.example</a>') == "a@b.example"


# --- folding quoted replies -------------------------------------------------------------------
QUOTE = f"> {REPLY_MARKER}\n>\n> Dobrý den,\n>\n> odpověď agenta.\n>\n> -- \n> ^JD"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # Thunderbird / Seznam, Czech
        (f"Díky!\n\nDne 20. 11. 2026 v 10:41 Acme napsal(a):\n{QUOTE}", "Díky!"),
        # Gmail, Czech UI
        (f"Díky!\n\npá 20. 11. 2026 v 16:18 odesílatel Acme <support@acme.example> napsal:\n\n{QUOTE}", "Díky!"),
        # Gmail, Czech UI, the attribution wrapped over two lines
        (
            f"Díky!\n\npá 20. 11. 2026 v 16:18 odesílatel Acme Support Team <\nsupport@acme.example> napsal:\n{QUOTE}",
            "Díky!",
        ),
        # Gmail, Polish UI
        (f"Dzięki!\n\npt., 20 lis 2026 o 16:18 Acme <support@acme.example> napisał(a):\n\n{QUOTE}", "Dzięki!"),
        # Gmail, Bulgarian UI
        (f"Благодаря!\n\nНа пт, 20.11.2026 г. в 16:18 ч. Acme <support@acme.example> написа:\n{QUOTE}", "Благодаря!"),
        # Gmail / Apple, English
        (f"Thanks!\n\nOn Fri, Nov 20, 2026 at 4:18 PM Acme <support@acme.example> wrote:\n{QUOTE}", "Thanks!"),
        # Outlook, Czech
        (
            "Díky.\n\nOd: Acme <support@acme.example>\nOdesláno: pátek 20. listopadu 2026 16:18\n"
            "Komu: Jana <jana@example.cz>\nPředmět: RE: Reklamace\n\nDobrý den, …",
            "Díky.",
        ),
        # Outlook, Polish, with the separator line
        (
            "Dzięki.\n\n________________________________\nOd: Acme <support@acme.example>\n"
            "Wysłano: piątek, 20 listopada 2026 16:18\nDo: Tomasz\nTemat: Re: Zwrot\n\nDzień dobry, …",
            "Dzięki.",
        ),
        # Outlook, English, old style
        ("Thanks.\n\n-----Original Message-----\nFrom: Acme\nSent: Friday\nTo: Sam\nSubject: Re: x\n\nHi", "Thanks."),
        # only our marker survived (a client that quotes without an attribution)
        (f"Ok, díky.\n\n{REPLY_MARKER}\n\nDobrý den, …", "Ok, díky."),
        # bottom-posting: the customer wrote below the quote
        (f"On Fri, Nov 20, 2026 at 4:18 PM Acme <support@acme.example> wrote:\n{QUOTE}\n\nThanks, it works.",
         "Thanks, it works."),
        # a single "Od:" line of the customer's own is not a client header
        ("Objednávka: 2026-1\nOd: pondělí čekám\n\nDíky", "Objednávka: 2026-1\nOd: pondělí čekám\n\nDíky"),
        # "wrote:" in the customer's own words, with no date or address, is not a header
        ("My colleague wrote:\nplease call me back.", "My colleague wrote:\nplease call me back."),
        ("Přijdu v 10:30.\nKolega mi v roce 2025 napsal:\nje to v záruce.",
         "Přijdu v 10:30.\nKolega mi v roce 2025 napsal:\nje to v záruce."),
        # nothing to fold
        ("  indented\n\n-- \nJana", "  indented\n\n-- \nJana"),
    ],
)
def test_fold_quoted(text: str, expected: str) -> None:
    assert fold_quoted(text) == expected


def test_folding_stays_fast_on_hostile_text() -> None:
    """The client-header patterns backtrack; long lines and huge bodies must not stall a worker."""
    started = time.monotonic()
    fold_quoted("Dne " + "a b " * 50_000)
    fold_quoted(("Dne " + "a b " * 49 + "\n") * 3000)
    fold_quoted(("On " + "x" * 196 + "\n") * 3000)
    assert time.monotonic() - started < 6


def test_forwarded_mail_keeps_the_forwarded_part() -> None:
    text = "See below.\n\n---------- Forwarded message ---------\nFrom: Shop <a@shop.example>\nDate: Wed\n" \
           "Subject: Order\nTo: <k@example.cz>\n\nYour order."
    assert fold_quoted(text) == text
    outlook = "See below.\n\nFrom: Shop <a@shop.example>\nSent: Wednesday\nTo: k\nSubject: Order\n\nYour order."
    assert fold_quoted(outlook, forwarded=True) == outlook
    assert fold_quoted(outlook) == "See below."


def test_html_reply_folds_after_conversion() -> None:
    html = (
        '<div dir="ltr">Díky!</div><br><div class="gmail_quote"><div dir="ltr" class="gmail_attr">'
        "pá 20. 11. 2026 v&nbsp;16:18 odesílatel Acme &lt;support@acme.example&gt; napsal:<br></div>"
        f'<blockquote class="gmail_quote">{REPLY_MARKER}<br><br>Dobrý den</blockquote></div>'
    )
    assert fold_quoted(html_to_text(html)) == "Díky!"


# --- addressing and settings ---------------------------------------------------------------------
@pytest.mark.parametrize(
    ("subject", "expected"),
    [
        ("Reklamace", "Re: Reklamace"),
        ("Re: Reklamace", "Re: Reklamace"),
        ("RE: Re: AW: Reklamace", "Re: Reklamace"),
        ("ODP: Zwrot zamówienia", "Re: Zwrot zamówienia"),
        ("Odp.: Zwrot", "Re: Zwrot"),
        ("Отг.: Въпрос", "Re: Отг.: Въпрос"),
        ("Re[2]: [#1234] Reklamace", "Re: [#1234] Reklamace"),
        ("Fwd: Potvrzení", "Re: Fwd: Potvrzení"),
        ("", "Re: Acme"),
    ],
)
def test_reply_subject(subject: str, expected: str) -> None:
    assert reply_subject(subject, "Acme") == expected


def test_message_ids_are_normalised() -> None:
    assert normalize_msgid("  <a.b@c.example> (comment)") == "<a.b@c.example>"
    assert normalize_msgid("a.b@c.example") == "<a.b@c.example>"
    assert normalize_msgid("") == normalize_msgid("junk") == ""
    assert msgid_list("<a@x>\n <b@y>  <a@x>") == ["<a@x>", "<b@y>"]


def test_imap_folder_names_in_modified_utf7() -> None:
    assert imap_utf7("INBOX") == "INBOX"
    assert imap_utf7("Odeslaná pošta") == "Odeslan&AOE- po&AWE-ta"
    assert imap_utf7("A&B") == "A&-B"


def test_settings_defaults_and_validation() -> None:
    config = EmailSettings.from_credentials(
        {"address": "support@acme.example", "imap_host": "imap.example", "imap_password": "x", "smtp_host": "smtp"}
    )
    assert (config.imap_port, config.imap_ssl, config.imap_user) == (993, True, "support@acme.example")
    assert (config.smtp_port, config.smtp_ssl, config.smtp_starttls) == (465, True, False)
    assert (config.smtp_user, config.smtp_password, config.folder) == ("support@acme.example", "x", "INBOX")
    submission = EmailSettings.from_credentials(
        {"address": "a@b.example", "smtp_port": "587", "smtp_ssl": "false", "imap_ssl": "no"}
    )
    assert (submission.smtp_port, submission.smtp_ssl, submission.smtp_starttls) == (587, False, True)
    assert submission.imap_port == 143
    with pytest.raises(ApiAuthError):
        EmailSettings.from_credentials({"address": "nobody"})
    with pytest.raises(ApiAuthError):
        EmailSettings.from_credentials({"address": "a@b.example", "imap_ssl": "maybe"})
