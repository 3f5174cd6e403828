"""Writes small but valid TNEF (winmail.dat) files the way Outlook does for "Rich Text"
mail: the body only as compressed RTF (MS-OXRTFCP "LZFu"), attachments with their long
file names as MAPI properties. tnefparse can only read, so the fixture
channels/email/fixtures/email__outlook_tnef_winmail.eml was made with this, and a test
regenerates it to prove the fixture's bytes are what this writer produces."""
from __future__ import annotations

import struct
import zlib

from channels.email.tnef import RTF_PREBUF

TNEF_SIGNATURE = 0x223E9F78
LVL_MESSAGE, LVL_ATTACHMENT = 1, 2
# TNEF attribute types (MS-OXTNEF §2.1.3.1)
ATP_STRING, ATP_TEXT, ATP_DATE, ATP_SHORT, ATP_BYTE, ATP_WORD, ATP_DWORD = 1, 2, 3, 4, 6, 7, 8
# MAPI property types
PT_LONG, PT_STRING8, PT_UNICODE, PT_BINARY = 0x0003, 0x001E, 0x001F, 0x0102


def compress_rtf(rtf: bytes) -> bytes:
    """LZFu compression: greedy longest matches against the ring dictionary (references
    never overlap the bytes they write), literals otherwise, then the end marker."""
    window = bytearray(4096)
    window[: len(RTF_PREBUF)] = RTF_PREBUF
    valid = bytearray(4096)
    valid[: len(RTF_PREBUF)] = b"\x01" * len(RTF_PREBUF)
    write = len(RTF_PREBUF)
    tokens: list[bytes | tuple[int, int]] = []
    pos = 0
    while pos < len(rtf):
        best_len, best_off = 0, 0
        for off in range(4096):
            if not valid[off]:
                continue
            length = 0
            while (
                length < 17
                and pos + length < len(rtf)
                and valid[(off + length) % 4096]
                and (off + length) % 4096 != write  # never read what this reference writes
                and all((off + length) % 4096 != (write + k) % 4096 for k in range(length + 1))
                and window[(off + length) % 4096] == rtf[pos + length]
            ):
                length += 1
            if length > best_len:
                best_len, best_off = length, off
        if best_len >= 2:
            tokens.append((best_off, best_len))
            chunk = rtf[pos : pos + best_len]
        else:
            tokens.append(rtf[pos : pos + 1])
            chunk = rtf[pos : pos + 1]
        for byte in chunk:
            window[write] = byte
            valid[write] = 1
            write = (write + 1) % 4096
        pos += len(chunk)
    tokens.append((write, 2))  # end marker: a reference to the write position
    body = bytearray()
    for start in range(0, len(tokens), 8):
        group = tokens[start : start + 8]
        control = 0
        encoded = bytearray()
        for bit, token in enumerate(group):
            if isinstance(token, tuple):
                control |= 1 << bit
                offset, length = token
                encoded += struct.pack(">H", (offset << 4) | (length - 2))
            else:
                encoded += token
        body.append(control)
        body += encoded
    crc = zlib.crc32(bytes(body), 0xFFFFFFFF) ^ 0xFFFFFFFF
    header = struct.pack("<IIII", len(body) + 12, len(rtf), 0x75465A4C, crc)
    return header + bytes(body)


def _pad(data: bytes) -> bytes:
    return data + b"\x00" * (-len(data) % 4)


def mapi_binary(data: bytes) -> bytes:
    return struct.pack("<II", 1, len(data)) + _pad(data)


def mapi_unicode(text: str) -> bytes:
    encoded = (text + "\x00").encode("utf-16-le")
    return struct.pack("<II", 1, len(encoded)) + _pad(encoded)


def mapi_string8(text: str, codepage: str = "cp1252") -> bytes:
    encoded = (text + "\x00").encode(codepage)
    return struct.pack("<II", 1, len(encoded)) + _pad(encoded)


def mapi_long(value: int) -> bytes:
    return struct.pack("<i", value)


def mapi_props(props: list[tuple[int, int, bytes]]) -> bytes:
    """(property type, property id, encoded value) triples as a MAPI property list."""
    out = struct.pack("<I", len(props))
    for prop_type, prop_id, value in props:
        out += struct.pack("<HH", prop_type, prop_id) + value
    return out


def attribute(level: int, attr_id: int, attr_type: int, data: bytes) -> bytes:
    checksum = sum(data) & 0xFFFF
    return struct.pack("<BHHI", level, attr_id, attr_type, len(data)) + data + struct.pack("<H", checksum)


def date_value(year: int, month: int, day: int, hour: int, minute: int, second: int, weekday: int) -> bytes:
    return struct.pack("<7H", year, month, day, hour, minute, second, weekday)


def winmail_dat(
    *,
    subject: str,
    rtf: bytes,
    sent: tuple[int, int, int, int, int, int, int],
    files: list[tuple[str, str, str, bytes]],
    key: int = 0x4F21,
) -> bytes:
    """A TNEF stream: message attributes, the body as PR_RTF_COMPRESSED, then one
    attachment per (8.3 name, long name, MIME type or "", bytes)."""
    out = struct.pack("<IH", TNEF_SIGNATURE, key)
    out += attribute(LVL_MESSAGE, 0x9006, ATP_DWORD, struct.pack("<I", 0x00010000))  # attTnefVersion
    out += attribute(LVL_MESSAGE, 0x9007, ATP_BYTE, struct.pack("<II", 1250, 0))  # attOemCodepage
    out += attribute(LVL_MESSAGE, 0x8008, ATP_WORD, b"IPM.Microsoft Mail.Note\x00")  # attMessageClass
    out += attribute(LVL_MESSAGE, 0x8004, ATP_STRING, subject.encode("cp1250") + b"\x00")  # attSubject
    out += attribute(LVL_MESSAGE, 0x8005, ATP_DATE, date_value(*sent))  # attDateSent
    out += attribute(
        LVL_MESSAGE,
        0x9003,  # attMsgProps
        ATP_BYTE,
        mapi_props(
            [
                (PT_LONG, 0x3FDE, mapi_long(1250)),  # PR_INTERNET_CPID
                (PT_UNICODE, 0x0037, mapi_unicode(subject)),  # PR_SUBJECT
                (PT_BINARY, 0x1009, mapi_binary(compress_rtf(rtf))),  # PR_RTF_COMPRESSED
            ]
        ),
    )
    for short_name, long_name, mime, data in files:
        out += attribute(LVL_ATTACHMENT, 0x9002, ATP_BYTE, struct.pack("<HIHHI", 1, 0xFFFFFFFF, 0, 0, 0))
        out += attribute(LVL_ATTACHMENT, 0x8010, ATP_STRING, short_name.encode("ascii") + b"\x00")
        out += attribute(LVL_ATTACHMENT, 0x800F, ATP_BYTE, data)
        props = [
            (PT_UNICODE, 0x3707, mapi_unicode(long_name)),  # PR_ATTACH_LONG_FILENAME
            (PT_LONG, 0x3705, mapi_long(1)),  # PR_ATTACH_METHOD: by value
        ]
        if mime:
            props.append((PT_STRING8, 0x370E, mapi_string8(mime)))  # PR_ATTACH_MIME_TAG
        out += attribute(LVL_ATTACHMENT, 0x9005, ATP_BYTE, mapi_props(props))
    return out
