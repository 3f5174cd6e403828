"""Outlook's winmail.dat: the LZFu decompressor against the specification's own example,
the RTF reader, and the committed TNEF fixture, which the test writer must reproduce."""
from __future__ import annotations

import base64
import email
import email.policy
import struct
from email.message import EmailMessage
from pathlib import Path

import pytest

from channels.email.tnef import TnefError, decompress_rtf, read_tnef, rtf_to_text
from tests.channels.email.tnef_writer import compress_rtf, mapi_props, mapi_unicode, winmail_dat

FIXTURE = Path(__file__).resolve().parents[3] / "channels" / "email" / "fixtures" / "email__outlook_tnef_winmail.eml"

# MS-OXRTFCP §4.1: "{\rtf1\ansi\ansicpg1252\pard hello world}\r\n", compressed.
SPEC_COMPRESSED = bytes.fromhex(
    "2d0000002b0000004c5a4675f1c5c7a703000a00726370673132354232" "0af32068656c0900206277" "05b06c647d0a800fa0"
)
RTF = (
    b"{\\rtf1\\ansi\\ansicpg1250\\deff0\\deflang1029{\\fonttbl{\\f0\\fswiss\\fcharset238 Calibri;}}\r\n"
    b"{\\*\\generator Riched20 10.0.19041}\\viewkind4\\uc1 \r\n"
    b"\\pard\\sa200\\sl276\\slmult1\\f0\\fs22\\lang5 Dobr\\'fd den,\\par\r\n\\par\r\n"
    b"v p\\'f8\\'edloze pos\\'edl\\'e1m podepsanou smlouvu \\'e8. 2026-114 a reklama\\'e8n\\'ed protokol.\\par\r\n"
    b"Pros\\'edm o potvrzen\\'ed p\\u345?evzet\\u237?.\\par\r\n\\par\r\n"
    b"S pozdravem\\par\r\nIng. Radek Kuba\\'e8\\par\r\n}\r\n"
)
PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)
DOCX = b"PK\x03\x04\x14\x00\x06\x00" + b"word/document.xml" + bytes(range(64))


def test_lzfu_decompresses_the_specification_example() -> None:
    assert decompress_rtf(SPEC_COMPRESSED) == b"{\\rtf1\\ansi\\ansicpg1252\\pard hello world}\r\n"


def test_our_compressor_round_trips_and_matches_the_spec_crc() -> None:
    compressed = compress_rtf(RTF)
    assert decompress_rtf(compressed) == RTF
    assert len(compressed) < len(RTF)  # it really uses dictionary references
    assert compress_rtf(b"{\\rtf1\\ansi\\ansicpg1252\\pard hello world}\r\n")[12:16] == SPEC_COMPRESSED[12:16]


def test_uncompressed_mela_rtf() -> None:
    data = b"{\\rtf1 plain}"
    assert decompress_rtf(struct.pack("<IIII", len(data) + 12, len(data), 0x414C454D, 0) + data) == data


def test_unknown_compression_is_an_error() -> None:
    with pytest.raises(TnefError):
        decompress_rtf(struct.pack("<IIII", 12, 0, 0x12345678, 0))
    with pytest.raises(TnefError):
        decompress_rtf(b"short")


def test_rtf_to_text() -> None:
    assert rtf_to_text(RTF) == (
        "Dobrý den,\n\nv příloze posílám podepsanou smlouvu č. 2026-114 a reklamační protokol.\n"
        "Prosím o potvrzení převzetí.\n\nS pozdravem\nIng. Radek Kubač"
    )
    assert rtf_to_text(b"{\\rtf1\\ansi{\\*\\htmltag64 <p>}Hi\\tab there\\line{\\field{\\*\\fldinst HYPERLINK x}"
                       b"{\\fldrslt link}}\\~\\ldblquote q\\rdblquote}") == "Hi\tthere\nlink \u201cq\u201d"


def test_the_fixture_is_what_the_writer_makes() -> None:
    msg = email.message_from_bytes(FIXTURE.read_bytes(), policy=email.policy.default)
    assert isinstance(msg, EmailMessage)
    attached = msg.get_payload(decode=True)
    made = winmail_dat(
        subject="Smlouva č. 2026-114",
        rtf=RTF,
        sent=(2026, 11, 23, 8, 47, 12, 1),
        files=[
            ("SMLOUV~1.PDF", "Smlouva č. 2026-114.pdf", "application/pdf", PDF),
            ("REKLAM~1.DOC", "Reklamační protokol.docx", "", DOCX),
        ],
    )
    assert attached == made


def test_read_tnef_body_and_attachments() -> None:
    msg = email.message_from_bytes(FIXTURE.read_bytes(), policy=email.policy.default)
    payload = msg.get_payload(decode=True)
    assert isinstance(payload, bytes)
    content = read_tnef(payload)
    assert content.body.startswith("Dobrý den,\n\nv příloze posílám")
    assert [(f.filename, f.content_type, f.size) for f in content.files] == [
        ("Smlouva č. 2026-114.pdf", "application/pdf", len(PDF)),
        ("Reklamační protokol.docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
         len(DOCX)),
    ]


def test_a_plain_text_tnef_body_wins_over_rtf() -> None:
    data = winmail_dat(subject="x", rtf=RTF, sent=(2026, 11, 23, 8, 0, 0, 1), files=[])
    # Append a PR_BODY (0x1000, unicode) property block as Outlook does for plain-text mail.
    body = mapi_props([(0x001F, 0x1000, mapi_unicode("Plain body"))])
    data += struct.pack("<BHHI", 1, 0x9003, 6, len(body)) + body + struct.pack("<H", sum(body) & 0xFFFF)
    assert read_tnef(data).body == "Plain body"


@pytest.mark.parametrize("data", [b"", b"not tnef at all", b"\x00" * 40])
def test_garbage_is_a_tnef_error(data: bytes) -> None:
    with pytest.raises(TnefError):
        read_tnef(data)


def test_an_empty_tnef_has_nothing_in_it() -> None:
    content = read_tnef(base64.b64decode("eJ8+IgAA"))  # the signature and a key, no attributes
    assert content.body == "" and content.files == []
