"""Search over conversations: message text, customer names, handles, email addresses,
phone numbers and ticket numbers, accent- and case-insensitive, scoped like every list.

How it works, the same on SQLite and PostgreSQL: each ticket keeps two *folded* copies of
what can be searched, written by the write path (`search_refresh`, called by ingest,
replies and merges):

- `search_who`: the customer's name and every identity's handle, display name, email and
  phone; a match here ranks above a match in the text only;
- `search_text`: the text of the conversation's messages.

Folding lower-cases (casefold), strips accents (NFKD minus combining marks) and maps the
letters Unicode does not decompose (ł → l, đ → d, ø → o, æ → ae …), so "objednavka" finds
"objednávka", "LODZ" finds "Łódź" and Cyrillic folds the same way (ё → е, й → и). A
query is folded the same way and every word must occur (substring match, so a part of a
handle, an email address or a phone number finds it). On PostgreSQL both columns carry a
pg_trgm GIN index (migration 0008), which answers `LIKE '%word%'`; SQLite scans.

Ranking: a ticket number (`123` or `#123`) first, then a match on the person, then a
match in the text; within each, the most recent conversation first (ties by id). The
order is a keyset (inbox/paging.py), so results page by cursor like every list.

`search_page` reads that order tier by tier (number, person, text: each its own query in
the recency order, which the (last_message_at, id) index serves), so a word found in a
tenth of a million conversations costs what a rare one does: PostgreSQL walks the recent
end of the index and stops at the page, or reads a rare word's few rows by trigram,
instead of ranking every match and sorting them all. `tickets_search` is the same order
in one query (the API's schema and the tests compare the two).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.db import connection
from django.db.models import Case, IntegerField, Q, QuerySet, Value, When
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from .models import Identity, Message, Ticket
from .paging import InvalidCursor, Page, keyset_after, keyset_cursor

__all__ = [
    "SearchQuery",
    "fold",
    "highlight",
    "search_refresh",
    "search_refresh_customers",
    "search_page",
    "search_snippets",
    "tickets_search",
]

# Letters that carry no combining mark to strip: NFKD leaves them as they are.
_UNDECOMPOSED = {
    "ł": "l", "Ł": "l", "đ": "d", "Đ": "d", "ø": "o", "Ø": "o", "æ": "ae", "Æ": "ae",
    "œ": "oe", "Œ": "oe", "ß": "ss", "ı": "i", "ħ": "h", "Ħ": "h", "þ": "th", "Þ": "th",
    "ð": "d", "Ð": "d", "ŀ": "l", "Ŀ": "l",
}
# Longer queries are cut: a search box is not a document.
MAX_QUERY = 200
MAX_WORDS = 8
# What one ticket keeps searchable of its conversation (the start of a very long thread).
MAX_TEXT = 20_000


def _fold_char(char: str) -> str:
    if char in _UNDECOMPOSED:
        return _UNDECOMPOSED[char]
    decomposed = unicodedata.normalize("NFKD", char)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def fold(text: str) -> str:
    """Lower case, no accents, ł → l: what is stored and what is looked for."""
    return "".join(_fold_char(c) for c in text)


def _fold_mapped(text: str) -> tuple[str, list[int]]:
    """The folded text and, for each folded character, the index of the original one."""
    out: list[str] = []
    origin: list[int] = []
    for index, char in enumerate(text):
        folded = _fold_char(char)
        out.append(folded)
        origin.extend([index] * len(folded))
    return "".join(out), origin


@dataclass(frozen=True)
class SearchQuery:
    """What the agent typed, parsed once: the folded words and a ticket number if it is one."""

    raw: str
    words: tuple[str, ...]
    ticket_number: int | None

    @classmethod
    def parse(cls, raw: str) -> SearchQuery:
        raw = (raw or "").strip()[:MAX_QUERY]
        number = re.fullmatch(r"#?\s*(\d{1,18})", raw)
        words: list[str] = []
        for word in fold(raw).split():
            # "+420 777" finds the stored "+420777…"; a lone "#" or "+" finds nothing useful.
            word = word.lstrip("#") if number else word
            if word and word not in words:
                words.append(word)
        return cls(raw=raw, words=tuple(words[:MAX_WORDS]), ticket_number=int(number.group(1)) if number else None)

    def __bool__(self) -> bool:
        return bool(self.words) or self.ticket_number is not None


def _all_words(column: str, words: Iterable[str]) -> Q:
    condition = Q()
    for word in words:
        condition &= Q(**{f"{column}__contains": word})
    return condition


RANK_NUMBER, RANK_PERSON, RANK_TEXT = 3, 2, 1


def tickets_search(qs: QuerySet[Ticket], query: SearchQuery) -> QuerySet[Ticket]:
    """`qs` (already scoped and filtered) narrowed to the matches, annotated with
    `search_rank` and ordered by it, then by recency: the order paging keys on."""
    person = _all_words("search_who", query.words)
    text = _all_words("search_text", query.words)
    match = Q(pk__in=[]) if not query.words else person | text
    whens = []
    if query.ticket_number is not None and query.ticket_number < 2**63:
        match |= Q(pk=query.ticket_number)
        whens.append(When(pk=query.ticket_number, then=Value(RANK_NUMBER)))
    if query.words:
        whens.append(When(person, then=Value(RANK_PERSON)))
    rank = Case(*whens, default=Value(RANK_TEXT), output_field=IntegerField())
    return qs.filter(match).annotate(search_rank=rank).order_by("-search_rank", "-last_message_at", "-id")


RECENT_FIRST = ("-last_message_at", "-id")


def _tiers(qs: QuerySet[Ticket], query: SearchQuery) -> list[tuple[int, QuerySet[Ticket]]]:
    """The ranks, highest first, each with its matches (and none of a higher rank's) in the
    recency order."""
    person = _all_words("search_who", query.words)
    text = _all_words("search_text", query.words)
    tiers: list[tuple[int, QuerySet[Ticket]]] = []
    number = query.ticket_number if query.ticket_number is not None and query.ticket_number < 2**63 else None
    if number is not None:
        tiers.append((RANK_NUMBER, qs.filter(pk=number)))
    if query.words:
        not_number = ~Q(pk=number) if number is not None else Q()
        tiers.append((RANK_PERSON, qs.filter(person, not_number)))
        tiers.append((RANK_TEXT, qs.filter(text, not_number).exclude(person)))
    return [(rank, tier.order_by(*RECENT_FIRST)) for rank, tier in tiers]


def _cursor(rank: int, inner: str | None) -> str:
    return f"{rank}~{inner or ''}"


def _parse_cursor(cursor: str, ranks: list[int]) -> tuple[int, str | None]:
    rank, sep, inner = cursor.partition("~")
    if not sep or not rank.isdigit() or int(rank) not in ranks:
        raise InvalidCursor(cursor)
    return int(rank), inner or None


def search_page(
    qs: QuerySet[Ticket], query: SearchQuery, *, cursor: str | None, size: int,
    rows: Callable[[QuerySet[Ticket]], QuerySet[Ticket]] = lambda found: found,
) -> Page[Ticket]:
    """One page of the ranked matches after `cursor` (see the module's doc): the ids come
    from one UNION ALL of the ranks, each in its recency order and limited to the page, and
    the rows (with what `rows` adds to them) from a second query, whatever the sizes. Each
    ticket gets its `search_rank`."""
    tiers = _tiers(qs, query)
    if not tiers:
        return Page(rows=[], next_cursor=None)
    start, after = _parse_cursor(cursor, [rank for rank, _tier in tiers]) if cursor else (tiers[0][0], None)
    chosen = [(rank, keyset_after(tier, after if rank == start else None)) for rank, tier in tiers if rank <= start]
    ids = _ranked_ids(chosen, size + 1)
    by_id = {t.pk: t for t in rows(qs.filter(pk__in=[pk for pk, _rank in ids]))}
    found = []
    for pk, rank in ids[:size]:
        ticket = by_id.get(pk)
        if ticket is not None:
            ticket.search_rank = rank  # type: ignore[attr-defined]
            found.append(ticket)
    if len(ids) <= size or not found:
        return Page(rows=found, next_cursor=None)
    last = found[-1]
    tier = dict(tiers)[last.search_rank]  # type: ignore[attr-defined]
    return Page(rows=found, next_cursor=_cursor(last.search_rank, keyset_cursor(tier, last)))  # type: ignore[attr-defined]


def _ranked_ids(tiers: list[tuple[int, QuerySet[Ticket]]], limit: int) -> list[tuple[int, int]]:
    """(id, rank) of the first `limit` matches across the ranks, in the ranked order."""
    if connection.features.supports_slicing_ordering_in_compound and len(tiers) > 1:
        parts = [
            tier.annotate(search_rank=Value(rank, output_field=IntegerField()))
            .values_list("id", "search_rank", "last_message_at")[:limit]
            for rank, tier in tiers
        ]
        union = parts[0].union(*parts[1:], all=True).order_by("-search_rank", "-last_message_at", "-id")
        return [(pk, rank) for pk, rank, _at in union[:limit]]
    # SQLite cannot limit the parts of a UNION: one query per rank, until the page is full.
    ids: list[tuple[int, int]] = []
    for rank, tier in tiers:
        ids += [(pk, rank) for pk in tier.values_list("id", flat=True)[: limit - len(ids)]]
        if len(ids) >= limit:
            break
    return ids


def highlight(text: str, words: Iterable[str]) -> SafeString:
    """`text` escaped (it is the customer's: untrusted), every occurrence of a folded word
    wrapped in <mark>. Matching is done on the folded text and mapped back, so "lodz"
    marks "Łódź" whole."""
    words = [w for w in words if w]
    folded, origin = _fold_mapped(text)
    spans: list[tuple[int, int]] = []
    for word in words:
        for found in re.finditer(re.escape(word), folded):
            start = origin[found.start()]
            end = origin[found.end() - 1] + 1
            spans.append((start, end))
    spans.sort()
    merged: list[tuple[int, int]] = []
    for start, end in spans:
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    parts: list[str] = []
    at = 0
    for start, end in merged:
        parts.append(escape(text[at:start]))
        parts.append(f"<mark>{escape(text[start:end])}</mark>")
        at = end
    parts.append(escape(text[at:]))
    return mark_safe("".join(parts))  # noqa: S308 (every piece of text above is escaped)


def _window(text: str, words: Iterable[str], width: int = 140) -> str:
    """The part of a long message around its first match, so the mark is visible."""
    text = " ".join(text.split())
    if len(text) <= width:
        return text
    folded, origin = _fold_mapped(text)
    first = min((folded.find(w) for w in words if w and folded.find(w) >= 0), default=-1)
    start = max(0, origin[first] - width // 3) if first >= 0 else 0
    piece = text[start : start + width]
    return ("…" if start else "") + piece + ("…" if start + width < len(text) else "")


def search_snippets(tickets: list[Ticket], query: SearchQuery) -> None:
    """For a page of results: `t.search_name`, `t.search_handle` and `t.search_snippet`,
    highlighted; the snippet is the first message that matches (else the newest customer
    message the row already shows). One query for the page, whatever its size."""
    words = query.words
    texts: dict[int, str] = {}
    if words:
        for ticket_id, text in (
            Message.objects.filter(ticket_id__in=[t.pk for t in tickets]).order_by("ticket_id", "sent_at", "id")
            .values_list("ticket_id", "text")
        ):
            if ticket_id not in texts and all(w in fold(text) for w in words):
                texts[ticket_id] = text
    for ticket in tickets:
        text = texts.get(ticket.pk, getattr(ticket, "last_text", "") or "")
        ticket.search_snippet = highlight(_window(text, words), words)  # type: ignore[attr-defined]
        ticket.search_name = highlight(ticket.customer.name, words)  # type: ignore[attr-defined]
        ticket.search_handle = highlight(getattr(ticket, "last_handle", "") or "", words)  # type: ignore[attr-defined]


# The write path -------------------------------------------------------------------------


def _who(name: str, identities: Iterable[Identity], email: str = "", phone: str = "") -> str:
    parts = [name, email, "+" + phone.lstrip("+") if phone else ""]
    for identity in identities:
        parts += [identity.handle, identity.display_name, identity.email]
        if identity.phone:
            parts.append("+" + identity.phone.lstrip("+"))
    return fold(" ".join(p for p in parts if p))


def search_refresh(*, ticket_ids: Iterable[int]) -> None:
    """Write the folded search columns of these tickets from their customer, identities and
    messages. Three reads and one bulk update, whatever the number of tickets."""
    ids = sorted(set(ticket_ids))
    if not ids:
        return
    tickets = list(Ticket.objects.filter(pk__in=ids).select_related("customer").only(
        "id", "customer__name", "customer__email", "customer__phone"
    ))
    customer_ids = {t.customer_id for t in tickets}
    identities: dict[int, list[Identity]] = {}
    for identity in Identity.objects.filter(customer_id__in=customer_ids).order_by("id"):
        identities.setdefault(identity.customer_id, []).append(identity)
    texts: dict[int, list[str]] = {}
    for ticket_id, text in Message.objects.filter(ticket_id__in=ids).order_by("sent_at", "id").values_list(
        "ticket_id", "text"
    ):
        texts.setdefault(ticket_id, []).append(text)
    for ticket in tickets:
        ticket.search_who = _who(
            ticket.customer.name, identities.get(ticket.customer_id, []), ticket.customer.email, ticket.customer.phone
        )
        ticket.search_text = fold("\n".join(texts.get(ticket.pk, [])))[:MAX_TEXT]
    Ticket.objects.bulk_update(tickets, ["search_who", "search_text"], batch_size=500)


def search_refresh_customers(*, customer_ids: Iterable[int]) -> None:
    """A customer's name or identities changed (or two were merged): every one of their
    tickets is found by the new ones."""
    ids = set(customer_ids)
    if ids:
        search_refresh(ticket_ids=Ticket.objects.filter(customer_id__in=ids).values_list("id", flat=True))
