from __future__ import annotations

from typing import Any

from rest_framework.exceptions import ValidationError
from rest_framework.pagination import BasePagination, PageNumberPagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.utils.urls import replace_query_param

from ..paging import InvalidCursor, keyset_page


class ResultsPagination(PageNumberPagination):
    """Lists as {"results": [...], "next": url-or-null} (plus previous and count)."""

    page_size_query_param = "page_size"
    max_page_size = 200

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
        size = self.page_size
        raw = request.query_params.get("page_size", "")
        if raw.isdigit() and int(raw) > 0:
            size = min(int(raw), self.max_page_size)
        try:
            page = keyset_page(queryset, cursor=request.query_params.get("cursor") or None, size=size)
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
            {"name": "page_size", "required": False, "in": "query", "schema": {"type": "integer"},
             "description": f"Rows per page, up to {self.max_page_size}."},
        ]
