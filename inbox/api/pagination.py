from __future__ import annotations

from typing import Any

from rest_framework.exceptions import ValidationError
from rest_framework.pagination import BasePagination, PageNumberPagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.utils.urls import replace_query_param

from ..paging import InvalidCursor, keyset_page
from ..search import search_page


def page_size_from(request: Request, *, default: int, maximum: int) -> int:
    """`page_size` as asked (at most `maximum`); a value that is not a whole number from 1 up,
    or one given twice, is refused rather than quietly replaced by the default."""
    values = request.query_params.getlist("page_size")
    if not values:
        return default
    if len(values) > 1 or not values[0].isascii() or not values[0].isdigit() or int(values[0]) < 1:
        raise ValidationError({"page_size": ["A whole number from 1 up, given once."]})
    return min(int(values[0]), maximum)


def page_size_parameter(maximum: int) -> dict[str, Any]:
    return {"name": "page_size", "required": False, "in": "query", "schema": {"type": "integer", "minimum": 1},
            "description": f"Rows per page, up to {maximum} (more is read as {maximum})."}


class ResultsPagination(PageNumberPagination):
    """Lists as {"results": [...], "next": url-or-null} (plus previous and count)."""

    page_size_query_param = "page_size"
    max_page_size = 200

    def get_page_number(self, request: Request, paginator: Any) -> int | str:
        values = request.query_params.getlist(self.page_query_param)
        if not values:
            return 1
        if len(values) > 1 or not values[0].isascii() or not values[0].isdigit() or int(values[0]) < 1:
            raise ValidationError({self.page_query_param: ["A page number from 1 up, given once."]})
        return int(values[0])

    def get_page_size(self, request: Request) -> int:
        return page_size_from(request, default=self.page_size or 50, maximum=self.max_page_size)

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        page = {"name": self.page_query_param, "required": False, "in": "query",
                "schema": {"type": "integer", "minimum": 1}, "description": "A page number within the list."}
        return [page, page_size_parameter(self.max_page_size)]

    def get_paginated_response(self, data: Any) -> Response:
        return Response(
            {
                "results": data,
                "next": self.get_next_link(),
                "previous": self.get_previous_link(),
                "count": self.page.paginator.count if self.page is not None else len(data),
            }
        )

    def get_paginated_response_schema(self, schema: dict[str, Any]) -> dict[str, Any]:
        return {
            "type": "object",
            "required": ["results", "next"],
            "properties": {
                "results": schema,
                "next": {"type": "string", "nullable": True, "format": "uri"},
                "previous": {"type": "string", "nullable": True, "format": "uri"},
                "count": {"type": "integer"},
            },
        }


class KeysetPagination(BasePagination):
    """The ticket list: {"results": [...], "next": url-or-null}, paged by an opaque keyset
    `cursor` over the list's order (inbox/paging.py): tickets arriving while a client walks
    the pages never make it skip or repeat one, and the 1000th page costs what the first
    does (no OFFSET, no COUNT). `page_size` up to 200."""

    page_size = 50
    max_page_size = 200

    def paginate_queryset(self, queryset: Any, request: Request, view: Any = None) -> list[Any]:
        size = page_size_from(request, default=self.page_size, maximum=self.max_page_size)
        cursor = request.query_params.get("cursor") or None
        search = getattr(view, "search", None)  # (the unranked queryset, the query): a search
        try:
            page = search_page(*search, cursor=cursor, size=size) if search else keyset_page(
                queryset, cursor=cursor, size=size
            )
        except InvalidCursor as exc:
            raise ValidationError({"cursor": ["Not a cursor this list gave out."]}) from exc
        self._next = (
            replace_query_param(request.build_absolute_uri(), "cursor", page.next_cursor) if page.next_cursor else None
        )
        return page.rows

    def get_paginated_response(self, data: Any) -> Response:
        return Response({"results": data, "next": self._next})

    def get_paginated_response_schema(self, schema: dict[str, Any]) -> dict[str, Any]:
        return {
            "type": "object",
            "required": ["results", "next"],
            "properties": {"results": schema, "next": {"type": "string", "nullable": True, "format": "uri"}},
        }

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        return [
            {"name": "cursor", "required": False, "in": "query", "schema": {"type": "string"},
             "description": "The `next` link's cursor: the page after it."},
            page_size_parameter(self.max_page_size),
        ]
