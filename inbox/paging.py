"""Keyset paging: the next page is "the rows after the last one shown" in the list's own
order, not "skip N rows". A conversation that arrives, or leaves the view, between two
pages moves no other row: scrolling never skips or repeats one, and page 40 costs what
page 1 costs (an index range scan, see migration 0008), so there is no wall at 200 rows.

The keys are read from the queryset's `order_by` (plain fields, `-field`, or annotations
such as the search rank), with the id appended as the tie-break when it is missing.
Nullable keys sort last in both directions, on SQLite and PostgreSQL alike. The cursor is
an opaque URL-safe token carrying the last row's key values.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, TypeVar

from django.core.exceptions import FieldDoesNotExist
from django.db.models import F, Model, Q, QuerySet
from django.db.models.expressions import OrderBy
from django.db.models.lookups import IsNull
from django.utils.dateparse import parse_datetime

__all__ = ["InvalidCursor", "Key", "Page", "keyset_after", "keyset_cursor", "keyset_page"]

M = TypeVar("M", bound=Model)


class InvalidCursor(ValueError):
    """A cursor that is not one this list gave out (tampered, or from another ordering)."""


@dataclass(frozen=True)
class Key:
    name: str
    descending: bool
    nullable: bool
    is_datetime: bool


@dataclass
class Page(Generic[M]):
    rows: list[M]
    next_cursor: str | None


def _non_null_filtered(qs: QuerySet[Any], name: str) -> bool:
    """True when the queryset already keeps only rows where `name` is set (the waiting view
    filters waiting_since IS NOT NULL): the key then needs no NULL branch, which keeps the
    condition a plain index range."""
    return any(
        isinstance(child, IsNull)
        and child.rhs is False
        and getattr(child.lhs, "target", None) is not None
        and child.lhs.target.name == name
        and child.lhs.alias == qs.query.base_table
        for child in qs.query.where.children
    )


def _keys(qs: QuerySet[Any]) -> list[Key]:
    model = qs.model
    keys: list[Key] = []
    for term in qs.query.order_by:
        if isinstance(term, str):
            descending, name = term.startswith("-"), term.lstrip("-")
        elif isinstance(term, OrderBy) and isinstance(term.expression, F):
            descending, name = term.descending, term.expression.name
        else:
            raise TypeError(f"keyset paging needs orderings by field or annotation, not {term!r}")
        if name == "pk":
            name = model._meta.pk.name
        try:
            field = model._meta.get_field(name)
            nullable, is_datetime = field.null, field.get_internal_type() == "DateTimeField"
        except FieldDoesNotExist:
            if name not in qs.query.annotations:
                raise TypeError(f"keyset paging cannot order by {name!r}") from None
            output = qs.query.annotations[name].output_field
            nullable, is_datetime = True, output.get_internal_type() == "DateTimeField"
        if nullable and _non_null_filtered(qs, name):
            nullable = False
        keys.append(Key(name, descending, nullable, is_datetime))
    pk = model._meta.pk.name
    if not any(k.name == pk for k in keys):
        keys.append(Key(pk, keys[-1].descending if keys else False, False, False))
    return keys


def _ordering(keys: list[Key]) -> list[OrderBy]:
    terms = []
    for k in keys:
        nulls = {"nulls_last": True} if k.nullable else {}
        terms.append(F(k.name).desc(**nulls) if k.descending else F(k.name).asc(**nulls))
    return terms


def _beyond(key: Key, value: Any) -> Q:
    """Rows strictly after `value` on this key (NULLs last)."""
    if value is None:
        return Q(pk__in=[])  # nothing sorts after NULL
    after = Q(**{f"{key.name}__lt" if key.descending else f"{key.name}__gt": value})
    return after | Q(**{f"{key.name}__isnull": True}) if key.nullable else after


def _equal(key: Key, value: Any) -> Q:
    return Q(**{f"{key.name}__isnull": True}) if value is None else Q(**{key.name: value})


def _after(keys: list[Key], values: list[Any]) -> Q:
    """Lexicographically after the row: k1 > v1, or k1 = v1 and k2 > v2, or …; plus the
    first key's range (k1 >= v1) on its own, which is what an index scan starts from."""
    condition = Q(pk__in=[])
    equal = Q()
    for key, value in zip(keys, values, strict=True):
        condition |= equal & _beyond(key, value)
        equal &= _equal(key, value)
    first, v1 = keys[0], values[0]
    if v1 is not None:
        bound = Q(**{f"{first.name}__lte" if first.descending else f"{first.name}__gte": v1})
        if first.nullable:
            bound |= Q(**{f"{first.name}__isnull": True})
        condition &= bound
    elif first.nullable:
        condition &= Q(**{f"{first.name}__isnull": True})
    return condition


def _encode(keys: list[Key], row: Model) -> str:
    values = []
    for key in keys:
        value = getattr(row, key.name)
        values.append(value.isoformat() if isinstance(value, datetime) else value)
    raw = json.dumps([[k.name for k in keys], values], separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _decode(keys: list[Key], cursor: str) -> list[Any]:
    try:
        names, values = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (ValueError, TypeError) as exc:
        raise InvalidCursor(cursor) from exc
    if names != [k.name for k in keys] or not isinstance(values, list) or len(values) != len(keys):
        raise InvalidCursor(cursor)
    decoded: list[Any] = []
    for key, value in zip(keys, values, strict=True):
        if value is not None and key.is_datetime:
            moment = parse_datetime(value) if isinstance(value, str) else None
            if moment is None:
                raise InvalidCursor(cursor)
            value = moment
        elif value is not None and not isinstance(value, int | float | str):
            raise InvalidCursor(cursor)
        decoded.append(value)
    return decoded


def keyset_page(qs: QuerySet[M], *, cursor: str | None, size: int) -> Page[M]:
    """One page of `qs` in its order, after the row the cursor names (the first page
    without one). One query: it fetches one row more than `size` to know there is a next."""
    keys = _keys(qs)
    qs = qs.order_by(*_ordering(keys))
    if cursor:
        qs = qs.filter(_after(keys, _decode(keys, cursor)))
    rows = list(qs[: size + 1])
    more = len(rows) > size
    rows = rows[:size]
    return Page(rows=rows, next_cursor=_encode(keys, rows[-1]) if more and rows else None)


def keyset_after(qs: QuerySet[M], cursor: str | None) -> QuerySet[M]:
    """`qs` in its keyset order, after the row the cursor names (all of it without one):
    what keyset_page slices, for a caller that combines several lists (search_page)."""
    keys = _keys(qs)
    ordered = qs.order_by(*_ordering(keys))
    return ordered.filter(_after(keys, _decode(keys, cursor))) if cursor else ordered


def keyset_cursor(qs: QuerySet[M], row: M) -> str:
    """The cursor of the page after `row` in `qs`'s order."""
    return _encode(_keys(qs), row)
