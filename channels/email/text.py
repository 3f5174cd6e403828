"""Turning e-mail bodies into the text a customer wrote: charsets (and their usual
mislabels), format=flowed, HTML-only mail, and folding away the quoted conversation below
a reply. Pure functions over str/bytes; nothing here knows about Django or IMAP."""
from __future__ import annotations

import base64
import codecs
import quopri
import re
from collections.abc import Iterable, Sequence
from functools import lru_cache
from html.parser import HTMLParser
from re import Pattern

# --- charsets ----------------------------------------------------------------------------
# Decoding cp1250 bytes as ISO-8859-2 never fails: it silently turns š ž – „ “ into C1
# control characters, which nobody types. Their presence is the tell.
C1_CONTROLS = re.compile("[\u0080-\u009f]")
MISLABELLED_AS = {"iso8859-2": "cp1250", "iso8859-1": "cp1252"}


# Labels that name a smaller charset than the mail really uses: what the WHATWG encoding
# standard (and so every browser and mail client) decodes them as. GB2312 mail is in
# practice GBK; Korean "ks_c_5601-1987" is cp949.
SUPERSET_OF = {
    **dict.fromkeys(
        ("gb2312", "gb_2312", "gb_2312-80", "chinese", "csgb2312", "csiso58gb231280", "iso-ir-58", "x-gbk"), "gbk"
    ),
    "euc_kr": "cp949",
    "ks_c_5601-1987": "cp949",
    "iso8859-8-i": "iso8859-8",
}
# A body labelled UTF-8 that is not UTF-8 is usually in the charset the sender's client uses
# elsewhere in the same message, else Western (cp1252 has five undefined bytes: latin-1 last).
LAST_RESORTS = ("cp1252", "latin-1")
FALLBACK_LABELS = frozenset({"utf-8", "ascii"})


def codec_name(label: str | None) -> str:
    """Python's canonical codec name for a MIME charset label, or "" if unknown."""
    if not label:
        return ""
    label = label.strip().strip('"').strip().lower()
    if label in SUPERSET_OF:
        return SUPERSET_OF[label]
    try:
        name = codecs.lookup(label).name
    except (LookupError, ValueError):
        return ""
    return SUPERSET_OF.get(name, name)


def _strict(data: bytes, codecs_to_try: Iterable[str]) -> str | None:
    for codec in codecs_to_try:
        try:
            return data.decode(codec)
        except (UnicodeDecodeError, LookupError):
            continue
    return None


def decode_bytes(data: bytes, charset: str | None, fallbacks: Sequence[str] = ()) -> str:
    """Decode a body or header chunk whose label may lie (see C1_CONTROLS), may be
    missing, or may name no real charset (`unknown-8bit`, `x-user-defined` …). Text
    labelled UTF-8 (or ASCII, or nothing) that does not decode as such is tried in the
    message's other charsets (`fallbacks`), then cp1252, then latin-1."""
    codec = codec_name(charset)
    if not codec or codec in FALLBACK_LABELS:
        if data.isascii():
            return data.decode("ascii")
        others = [c for c in (codec_name(f) for f in fallbacks) if c and c not in FALLBACK_LABELS]
        text = _strict(data, ["utf-8", *dict.fromkeys(others), *LAST_RESORTS])
        return text if text is not None else data.decode("utf-8", errors="replace")
    text = data.decode(codec, errors="replace")
    if codec in MISLABELLED_AS and C1_CONTROLS.search(text):
        return data.decode(MISLABELLED_AS[codec], errors="replace")
    return text


ENCODED_WORD = re.compile(r"=\?([^?\s]+)\?([bBqQ])\?([^?\s]*)\?=")
BETWEEN_ENCODED_WORDS = re.compile(r"(\?=)\s+(=\?)")


def decode_header_words(raw: str, fallbacks: Sequence[str] = ()) -> str:
    """RFC 2047 decoding with the same charset repair as bodies; for header values the
    standard decoder got wrong (C1 controls, raw 8-bit bytes)."""
    # Whitespace between two encoded words is not part of the text (RFC 2047 §6.2).
    raw = BETWEEN_ENCODED_WORDS.sub(r"\1\2", re.sub(r"\r?\n[ \t]", " ", raw))

    def one(match: re.Match[str]) -> str:
        charset, encoding, payload = match.group(1), match.group(2).lower(), match.group(3)
        charset = charset.split("*", 1)[0]  # RFC 2231 language suffix: =?utf-8*cs?Q?…?=
        try:
            if encoding == "b":
                data = base64.b64decode(payload + "=" * (-len(payload) % 4))
            else:
                data = quopri.decodestring(payload.encode("ascii", "replace"), header=True)
        except ValueError:
            return match.group(0)
        return decode_bytes(data, charset, fallbacks)

    out: list[str] = []
    last = 0
    for match in ENCODED_WORD.finditer(raw):
        out.append(_decode_8bit(raw[last : match.start()], fallbacks))
        out.append(one(match))
        last = match.end()
    out.append(_decode_8bit(raw[last:], fallbacks))
    return "".join(out)


def _decode_8bit(text: str, fallbacks: Sequence[str] = ()) -> str:
    """Raw 8-bit header bytes arrive as surrogate escapes; they are UTF-8, else in one of
    the message's charsets, else cp1252."""
    if not any("\udc80" <= ch <= "\udcff" for ch in text):
        return text
    return decode_bytes(text.encode("ascii", "surrogateescape"), None, fallbacks)


def header_needs_repair(value: str) -> bool:
    return bool(C1_CONTROLS.search(value)) or "\ufffd" in value or any("\udc80" <= ch <= "\udcff" for ch in value)


# --- format=flowed (RFC 3676) -------------------------------------------------------------
def unflow(text: str, *, delsp: bool = False) -> str:
    """Join the soft line breaks of a format=flowed body back into paragraphs."""
    out: list[str] = []
    pending: str | None = None
    pending_depth = 0
    for line in text.split("\n"):
        depth = len(line) - len(line.lstrip(">"))
        body = line[depth:]
        if body.startswith(" "):
            body = body[1:]  # space-stuffing
        prefix = ">" * depth + (" " if depth else "")
        if pending is not None and depth != pending_depth:
            out.append(pending)  # a quote depth change ends a paragraph (RFC 3676 §4.5)
            pending = None
        flowed = body.endswith(" ") and body != "-- "
        if flowed and delsp:
            body = body[:-1]
        if pending is None:
            pending, pending_depth = prefix + body, depth
        else:
            pending += body
        if not flowed:
            out.append(pending)
            pending = None
    if pending is not None:
        out.append(pending)
    return "\n".join(out)


# --- HTML to text -------------------------------------------------------------------------
BLOCK_TAGS = frozenset(
    {
        "address", "article", "aside", "blockquote", "center", "dd", "details", "dialog", "dir", "div", "dl",
        "dt", "fieldset", "figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6", "header",
        "hr", "legend", "li", "main", "menu", "nav", "ol", "p", "pre", "section", "summary", "table", "tbody",
        "thead", "tfoot", "tr", "ul",
    }
)
PARAGRAPH_TAGS = frozenset({"p", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "dl", "table", "pre", "blockquote"})
SKIPPED_TAGS = frozenset(
    {"head", "style", "script", "title", "template", "xml", "noscript", "object", "iframe", "svg"}
)
VOID_TAGS = frozenset(
    {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source", "track", "wbr"}
)
COLLAPSIBLE = re.compile(r"[ \t\n\r\f]+")


class _TextExtractor(HTMLParser):
    """A browser's text rendering, roughly: blocks start lines, <p> leaves a blank line
    (except Word's MsoNormal paragraphs, which Outlook uses for every single line), <br>
    breaks, whitespace collapses outside <pre>, blockquotes become "> " quotes."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.skip_depth = 0
        self.pre = 0
        self.quote = 0
        self.lists: list[list[int]] = []  # per open list: [ordered, counter]
        self.links: list[tuple[str, int]] = []  # (href, output position at <a>)
        self.paragraphs: dict[str, list[bool]] = {}  # tag -> open elements: leaves a blank line?

    def _tail(self) -> str:
        return "".join(self.out[-3:])[-2:] if self.out else ""

    def _at_line_start(self) -> bool:
        return not self.out or self._tail().endswith("\n")

    def _ensure_break(self, blank: bool) -> None:
        if not self.out:
            return
        tail = self._tail()
        if blank:
            self.out.append("" if tail.endswith("\n\n") else "\n" if tail.endswith("\n") else "\n\n")
        elif not tail.endswith("\n"):
            self.out.append("\n")

    def _text(self, text: str) -> None:
        if not text:
            return
        if self._at_line_start():
            if not self.pre:
                text = text.lstrip(" ")
                if not text:
                    return
            if self.quote:
                text = "> " * self.quote + text
        self.out.append(text)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in SKIPPED_TAGS:
            if tag not in VOID_TAGS:
                self.skip_depth += 1
            return
        if self.skip_depth:
            return
        attributes = {k: v or "" for k, v in attrs}
        if tag == "br":
            self.out.append("\n")
            return
        if tag in BLOCK_TAGS:
            blank = tag in PARAGRAPH_TAGS and not (tag == "p" and "mso" in attributes.get("class", "").lower())
            self.paragraphs.setdefault(tag, []).append(blank)
            self._ensure_break(blank)
        if tag == "blockquote":
            self.quote += 1
        elif tag == "pre":
            self.pre += 1
        elif tag in ("ul", "ol"):
            self.lists.append([tag == "ol", 0])
        elif tag == "li":
            marker = "- "
            if self.lists:
                self.lists[-1][1] += 1
                if self.lists[-1][0]:
                    marker = f"{self.lists[-1][1]}. "
            self._text(marker)
        elif tag in ("td", "th") and not self._at_line_start():
            self.out.append(" ")
        elif tag == "a":
            self.links.append((attributes.get("href", ""), len(self.out)))

    def handle_endtag(self, tag: str) -> None:
        if tag in SKIPPED_TAGS:
            self.skip_depth = max(0, self.skip_depth - 1)
            return
        if self.skip_depth:
            return
        if tag == "a" and self.links:
            href, position = self.links.pop()
            shown = "".join(self.out[position:])
            if href.startswith(("http://", "https://")) and _bare_url(href) not in _bare_url(shown):
                self._text(f" ({href})")
        if tag == "blockquote":
            self.quote = max(0, self.quote - 1)
        elif tag == "pre":
            self.pre = max(0, self.pre - 1)
        elif tag in ("ul", "ol") and self.lists:
            self.lists.pop()
        if tag in BLOCK_TAGS:
            opened = self.paragraphs.get(tag)
            self._ensure_break(opened.pop() if opened else False)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag not in VOID_TAGS:
            self.handle_endtag(tag)

    def handle_data(self, data: str) -> None:
        if self.skip_depth:
            return
        if not self.pre:
            self._text(COLLAPSIBLE.sub(" ", data))
            return
        for i, piece in enumerate(data.replace("\r\n", "\n").split("\n")):
            if i:
                self.out.append("\n")
            self._text(piece)

    def text(self) -> str:
        lines = "".join(self.out).replace("\xa0", " ").replace("\u200b", "").split("\n")
        return re.sub(r"\n{3,}", "\n\n", "\n".join(line.rstrip() for line in lines)).strip("\n")


def _bare_url(url: str) -> str:
    return re.sub(r"^\s*(?:https?://)?(?:www\.)?", "", url.strip()).rstrip("/")


def html_to_text(html: str) -> str:
    """Readable plain text of an HTML mail body (for HTML-only mail and previews)."""
    parser = _TextExtractor()
    parser.feed(html)
    parser.close()
    return parser.text()


# --- quoted replies -----------------------------------------------------------------------
# The line our outbound mail carries above the agent's text; everything from it down is
# the quoted conversation.
REPLY_MARKER = "##- Please type your reply above this line -##"
MARKER_LINE = re.compile(r"^[>\s]*##-.*-##\s*$")

# Gmail-style attributions mail-parser-reply does not know: Czech Gmail "… odesílatel X
# <a@b> napsal:", Polish Gmail "… X <a@b> napisał(a):", Bulgarian "… X <a@b> написа:".
ATTRIBUTION_END = re.compile(
    r"(?:wrote|napsal\(a\)|napsal|napsala|napisał\(a\)|napisał|napisała|написа|написал|schrieb|a écrit|escribió)"
    r"\s*:\s*$",
    re.IGNORECASE,
)
TIME = re.compile(r"\d{1,2}:\d{2}")
DIGIT = re.compile(r"\d")
YEAR_OR_ADDRESS = re.compile(r"\d{4}|@")
HEADER_FIELD_LINE = re.compile(r"^[>*\s]*[^\W\d_][\w.\- ]{0,20}\s*:", re.UNICODE)
SEPARATOR_LINE = re.compile(
    r"^[>\s]*(?:[_\-=]{5,}|-+\s*(?:Original Message|Původní zpráva|Oryginalna wiadomość)\s*-+)\s*$", re.IGNORECASE
)
FORWARD_LINE = re.compile(
    r"^[>\s]*(?:-{2,}\s*(?:Forwarded message|Přeposlaná zpráva|Wiadomość przekazana dalej|Препратено писмо|"
    r"Weitergeleitete Nachricht)\s*-{2,}|Begin forwarded message:|Začátek přeposílané zprávy:)",
    re.IGNORECASE,
)
# The attribution line a client writes above the quote, by its opening words and its verb:
# German "Am … schrieb Name <a@b>:", French "Le … a écrit :", Polish "W dniu … pisze:",
# Czech "Dne … napsal(a):", Bulgarian "На … написа:", English "On … wrote:". The verb need
# not end the line (German names the writer after it); the line ends with the colon.
LOCALIZED_ATTRIBUTION = re.compile(
    r"^[>\s]*(?:"
    r"Am\s.{4,}?\sschrieb\b.*|"
    r"Le\s.{4,}?\sa\s+écrit\b.*|"
    r"W\s+dniu\s.{4,}?\s(?:pisze|napisał\(a\)|napisała|napisał)\b.*|"
    r"Dne\s.{4,}?\s(?:napsal\(a\)|napsala|napsal)\b.*|"
    r"На\s.{4,}?\sнаписа(?:л|ла)?\b.*|"
    r"On\s.{4,}?\swrote\b.*"
    r")\s*:\s*$",
    re.IGNORECASE,
)
# "-----Ursprüngliche Nachricht-----" and its kin (Outlook, GMX/web.de, Seznam, Onet, abv.bg,
# Orange): the quoted conversation starts at this line.
ORIGINAL_SEPARATOR = re.compile(
    r"^[>\s]*-{2,}\s*(?:Original\s+Message|Ursprüngliche\s+Nachricht|Original\s+Nachricht|Originalnachricht|"
    r"Původní\s+zpráva|Původní\s+e-mail|Pôvodná\s+správa|Oryginalna\s+wiadomość|Wiadomość\s+oryginalna|"
    r"Оригинално\s+писмо|Оригинално\s+съобщение|Message\s+d['’]origine|Message\s+original)\s*-{2,}\s*$",
    re.IGNORECASE,
)
QUOTE_LANGUAGES = ("cs", "pl", "de", "fr")
MAX_HEADER_LINE = 200
MAX_SCANNED_LINES = 1500


@lru_cache(maxsize=1)
def _client_header_regex() -> Pattern[str]:
    """mail-parser-reply's localized client headers (English, Czech, Polish, German):
    "On … wrote:", "Dne … napsal(a):", Outlook's "Od: … Odesláno: …" blocks …"""
    from mailparser_reply.parser import EmailMessage as ReplyParserMessage

    return ReplyParserMessage(text="", languages=list(QUOTE_LANGUAGES)).HEADER_REGEX


def _header_line(lines: list[str]) -> int | None:
    """Index of the first line of the first client reply header, or None. Client headers
    are short lines near the top: longer lines are blanked and only the first lines are
    searched, which keeps the (backtracking) header patterns fast on any input."""
    lines = [line if len(line) <= MAX_HEADER_LINE else "" for line in lines[:MAX_SCANNED_LINES]]
    for i, line in enumerate(lines):
        if ORIGINAL_SEPARATOR.match(line):
            return i
        if not DIGIT.search(line):
            continue  # attributions carry a date; "Am Montag schrieb ich Ihnen:" is the customer's
        if LOCALIZED_ATTRIBUTION.match(line):
            return i
        following = lines[i + 1].strip() if i + 1 < len(lines) else ""
        # An attribution wrapped over two lines: "Am … schrieb Jana" / "<jana@example.cz>:".
        if following.endswith(":") and "@" in following and LOCALIZED_ATTRIBUTION.match(f"{line} {following}"):
            return i
    stripped = "\n".join(line.strip() for line in lines)
    for match in _client_header_regex().finditer(stripped):
        block = match.group(0)
        start = match.start() + (len(block) - len(block.lstrip("\n")))
        block = block.strip("\n")
        if not block:
            continue
        is_attribution = bool(ATTRIBUTION_END.search(block.split("\n")[-1]))
        fields = sum(1 for line in block.split("\n") if HEADER_FIELD_LINE.match(line))
        # An Outlook-style block needs at least two header fields ("Od:" and "Odesláno:"),
        # so a customer's own "Data: …" line does not cut their message.
        if is_attribution or fields >= 2 or block.lower().startswith("-----"):
            return stripped.count("\n", 0, start)
    for i, line in enumerate(lines):
        if not ATTRIBUTION_END.search(line.strip()):
            continue
        previous = lines[i - 1].strip() if i else ""
        # Clients write the date and time (and usually the address) into the attribution;
        # a long one is wrapped over two lines ("… odesílatel Acme <" / "a@b> napsal:").
        if previous and _dated(previous) and not TIME.search(line) and (previous.endswith("<") or "@" in line):
            return i - 1
        if _dated(line):
            return i
    return None


def _dated(line: str) -> bool:
    return bool(TIME.search(line) and YEAR_OR_ADDRESS.search(line))


def _trim_tail(lines: list[str]) -> list[str]:
    while lines and (not lines[-1].strip() or SEPARATOR_LINE.match(lines[-1])):
        lines.pop()
    return lines


def fold_quoted(text: str, *, forwarded: bool = False) -> str:
    """The customer's own words: the text above our marker line or above the first
    client reply header ("On … wrote:", "Dne … napsal(a):", "Od: … Odesláno: …").
    Forwarded mail keeps its forwarded part, which is what the customer wants us to read.
    A bottom-posted reply (nothing above the quote) keeps what follows the quote."""
    lines = text.split("\n")
    cut: int | None = None
    for i, line in enumerate(lines):
        if MARKER_LINE.match(line):
            cut = i
            break
    header = _header_line(lines[: cut if cut is not None else len(lines)])
    if header is not None and not forwarded:
        forward_here = any(FORWARD_LINE.match(line) for line in lines[max(0, header - 2) : header + 1])
        if not forward_here:
            cut = header if cut is None else min(cut, header)
    if cut is None:
        return text.strip("\n").rstrip()
    above = _trim_tail(lines[:cut])
    if any(line.strip() for line in above):
        return "\n".join(above).strip("\n").rstrip()
    # Bottom-posting: the header, then quoted lines, then the customer's text.
    rest = [line for line in lines[cut + 1 :] if not line.lstrip().startswith(">") and not MARKER_LINE.match(line)]
    rest = _trim_tail(rest)
    own = "\n".join(rest).strip("\n").rstrip()
    return own or text.strip("\n").rstrip()
