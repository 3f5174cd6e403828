"""Outlook's "Rich Text" mail: an application/ms-tnef part (winmail.dat) holding the body
and the attachments. tnefparse reads the container; the body is often only compressed
RTF (MS-OXRTFCP), which tnefparse cannot unpack without an extra package, so the small
LZFu decompressor and an RTF-to-text reader live here."""
from __future__ import annotations

import mimetypes
import re
import struct
from dataclasses import dataclass, field
from typing import Any

from tnefparse.tnef import TNEF

from .text import decode_bytes, html_to_text

# MS-OXRTFCP §2.1.2.1: the dictionary every compressed RTF stream starts from.
RTF_PREBUF = (
    b"{\\rtf1\\ansi\\mac\\deff0\\deftab720{\\fonttbl;}{\\f0\\fnil \\froman \\fswiss \\fmodern \\fscript "
    b"\\fdecor MS Sans SerifSymbolArialTimes New RomanCourier{\\colortbl\\red0\\green0\\blue0\r\n\\par "
    b"\\pard\\plain\\f0\\fs20\\b\\i\\u\\tab\\tx"
)
COMPRESSED = 0x75465A4C  # "LZFu"
UNCOMPRESSED = 0x414C454D  # "MELA"
MAPI_ATTACH_MIME_TAG = 0x370E


class TnefError(ValueError):
    pass


def decompress_rtf(data: bytes) -> bytes:
    """MS-OXRTFCP: a 16-byte header (sizes, "LZFu"/"MELA", CRC) and LZ77 runs over a
    4096-byte ring dictionary preloaded with RTF_PREBUF."""
    if len(data) < 16:
        raise TnefError("compressed RTF shorter than its header")
    comp_size, raw_size, magic, _crc = struct.unpack_from("<IIII", data)
    end = min(len(data), comp_size + 4)
    if magic == UNCOMPRESSED:
        return data[16 : 16 + raw_size]
    if magic != COMPRESSED:
        raise TnefError(f"unknown compressed RTF type {magic:#010x}")
    window = bytearray(4096)
    window[: len(RTF_PREBUF)] = RTF_PREBUF
    write = len(RTF_PREBUF)
    out = bytearray()
    pos = 16
    while pos < end:
        control = data[pos]
        pos += 1
        for bit in range(8):
            if pos >= end:
                break
            if control & (1 << bit):
                if pos + 1 >= end:
                    return bytes(out)
                reference = (data[pos] << 8) | data[pos + 1]
                pos += 2
                offset, length = reference >> 4, (reference & 0xF) + 2
                if offset == write:
                    return bytes(out)  # the end marker points at the write position
                for i in range(length):
                    byte = window[(offset + i) % 4096]
                    out.append(byte)
                    window[write] = byte
                    write = (write + 1) % 4096
            else:
                byte = data[pos]
                pos += 1
                out.append(byte)
                window[write] = byte
                write = (write + 1) % 4096
    return bytes(out)


# --- RTF to text -------------------------------------------------------------------------
RTF_TOKEN = re.compile(rb"\\([a-zA-Z]+)(-?\d+)? ?|\\'([0-9a-fA-F]{2})|\\([^a-zA-Z])|([{}])|([^\\{}\r\n]+)|[\r\n]+")
SKIPPED_DESTINATIONS = frozenset(
    b"fonttbl colortbl stylesheet info pict object header footer headerl headerr footerl footerr themedata "
    b"colorschememapping datastore latentstyles listtable listoverridetable rsidtbl generator xmlnstbl "
    b"mmathPr fldinst filetbl revtbl pgdsctbl operator author title".split()
)
CHAR_WORDS = {
    b"par": "\n", b"line": "\n", b"sect": "\n\n", b"page": "\n\n", b"tab": "\t", b"cell": " ", b"row": "\n",
    b"emdash": "\u2014", b"endash": "\u2013", b"lquote": "\u2018", b"rquote": "\u2019",
    b"ldblquote": "\u201c", b"rdblquote": "\u201d", b"bullet": "\u2022", b"emspace": " ", b"enspace": " ",
}
CHAR_SYMBOLS = {b"~": "\xa0", b"_": "\u2011", b"-": "", b"\\": "\\", b"{": "{", b"}": "}", b"\n": "\n", b"\r": "\n"}


def rtf_to_text(rtf: bytes) -> str:
    """The visible text of an RTF document (skipping font tables, pictures, field codes
    and `\\*` destinations), with \\'hh bytes decoded in the document's \\ansicpg."""
    codepage = "cp1252"
    stack: list[tuple[bool, int]] = []
    skip = False
    uc = 1  # how many fallback characters follow each \uN
    pending_skip = 0
    out: list[str] = []
    run = bytearray()  # \'hh bytes, decoded together (multi-byte codepages)
    group_start = False

    def flush() -> None:
        if run:
            out.append(decode_bytes(bytes(run), codepage))
            run.clear()

    for match in RTF_TOKEN.finditer(rtf):
        word, arg, hexbyte, symbol, brace, text = match.groups()
        if brace == b"{":
            flush()
            stack.append((skip, uc))
            group_start = True
            continue
        if brace == b"}":
            flush()
            skip, uc = stack.pop() if stack else (False, 1)
            group_start = False
            continue
        first_in_group, group_start = group_start, False
        if symbol == b"*" and first_in_group:
            skip = True  # an optional destination we do not know
            continue
        if skip:
            continue
        if word is not None:
            if word in SKIPPED_DESTINATIONS:
                flush()
                skip = True
            elif word == b"ansicpg" and arg:
                codepage = f"cp{int(arg)}"
            elif word == b"uc" and arg:
                uc = int(arg)
            elif word == b"u" and arg:
                flush()
                value = int(arg)
                out.append(chr(value + 65536 if value < 0 else value))
                pending_skip = uc
            elif word in CHAR_WORDS:
                flush()
                out.append(CHAR_WORDS[word])
            continue
        if hexbyte is not None:
            if pending_skip:
                pending_skip -= 1
                continue
            run.append(int(hexbyte, 16))
            continue
        if symbol is not None:
            flush()
            out.append(CHAR_SYMBOLS.get(symbol, ""))
            continue
        if text:
            if pending_skip:
                skipped = min(pending_skip, len(text))
                text = text[skipped:]
                pending_skip -= skipped
            flush()
            out.append(decode_bytes(text, codepage))
    flush()
    lines = "".join(out).replace("\xa0", " ").split("\n")
    return re.sub(r"\n{3,}", "\n\n", "\n".join(line.rstrip() for line in lines)).strip("\n")


# --- the container -------------------------------------------------------------------------
@dataclass(frozen=True)
class TnefFile:
    filename: str
    content_type: str
    size: int
    data: bytes = field(default=b"", repr=False)


@dataclass
class TnefContent:
    body: str = ""
    files: list[TnefFile] = field(default_factory=list)


def _string(value: Any, codepage: str) -> str:
    if isinstance(value, list):
        value = value[0] if value else ""
    if isinstance(value, bytes):
        value = decode_bytes(value, codepage)
    return str(value or "").strip("\x00").strip()


def _attachment_name(attachment: Any, codepage: str) -> str:
    for attr in attachment.mapi_attrs:
        if attr.name == 0x3707:  # PR_ATTACH_LONG_FILENAME
            name = _string(attr.data, codepage)
            if name:
                return name
    return _string(getattr(attachment, "_name", b""), codepage)


def _attachment_type(attachment: Any, filename: str, codepage: str) -> str:
    for attr in attachment.mapi_attrs:
        if attr.name == MAPI_ATTACH_MIME_TAG:
            mime = _string(attr.data, codepage)
            if "/" in mime:
                return mime.lower()
    return mimetypes.guess_type(filename)[0] or "application/octet-stream"


def read_tnef(data: bytes) -> TnefContent:
    """The body (plain text, else HTML, else RTF, as text) and attachments of winmail.dat."""
    try:
        tnef = TNEF(data, do_checksum=True)
    except (ValueError, IndexError, struct.error, AssertionError, UnicodeDecodeError) as exc:
        raise TnefError(f"unreadable winmail.dat: {exc}") from exc
    codepage = tnef.codepage or "cp1252"
    content = TnefContent()
    if tnef.body:
        content.body = _string(tnef.body, codepage)
    elif tnef.htmlbody:
        content.body = html_to_text(_string(tnef.htmlbody, codepage))
    else:
        compressed = getattr(tnef, "_rtfbody", None)
        if isinstance(compressed, list):
            compressed = compressed[0] if compressed else None
        if isinstance(compressed, bytes) and compressed:
            rtf = compressed if compressed.lstrip().startswith(b"{\\rtf") else decompress_rtf(compressed)
            content.body = rtf_to_text(rtf)
    for index, attachment in enumerate(tnef.attachments, start=1):
        filename = _attachment_name(attachment, codepage) or f"attachment-{index}"
        payload = attachment.data if isinstance(attachment.data, bytes) else b""
        content_type = _attachment_type(attachment, filename, codepage)
        content.files.append(TnefFile(filename=filename, content_type=content_type, size=len(payload), data=payload))
    return content
