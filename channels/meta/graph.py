"""The Graph API client every Meta platform uses, and Graph's errors mapped onto
channels.http's family: throttling codes -> ApiRateLimited (retry at what
X-Business-Use-Case-Usage says), 190/102 or HTTP 401 -> ApiAuthError, codes 1/2 and 5xx ->
ApiOutcomeUnknown, anything else -> ApiPermanentError. See ../shared/channels.md §0."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import requests

from channels.http import (
    ApiAuthError,
    ApiError,
    ApiOutcomeUnknown,
    ApiPermanentError,
    ApiRateLimited,
    make_session,
    transport_error,
)

GRAPH_BASE = "https://graph.facebook.com"
GRAPH_VERSION = "v21.0"

# Graph error codes that mean "slow down" (detected by code, not HTTP status).
THROTTLING_CODES = {
    4,
    17,
    32,
    341,
    613,
    80001,
    80002,
    80003,
    80004,
    80005,
    80006,
    80007,
    80008,
    80009,
    80014,
    130429,
    131048,
    131056,
}
AUTH_CODES = {190, 102}
# Codes that mean Meta failed before or while acting; retry after checking nothing went out.
TRANSIENT_CODES = {1, 2}

def _retry_at(response: requests.Response | None) -> datetime:
    """From X-Business-Use-Case-Usage's estimated_time_to_regain_access (minutes), else 60 s."""
    now = datetime.now(UTC)
    minutes = 0
    if response is not None:
        try:
            usage = json.loads(response.headers.get("X-Business-Use-Case-Usage", "{}"))
            for entries in usage.values():
                for entry in entries:
                    minutes = max(minutes, int(entry.get("estimated_time_to_regain_access", 0)))
        except (ValueError, TypeError, AttributeError):
            minutes = 0
    return now + (timedelta(minutes=minutes) if minutes else timedelta(seconds=60))


def graph_error(response: requests.Response) -> ApiError:
    try:
        error = response.json().get("error") or {}
    except ValueError:
        error = {}
    code = error.get("code")
    subcode = error.get("error_subcode")
    text = f"{error.get('message') or response.reason} (code {code}" + (f"/{subcode})" if subcode else ")")
    message = f"Meta {response.status_code}: {text}"
    if code in THROTTLING_CODES:
        return ApiRateLimited(message, retry_at=_retry_at(response), status=response.status_code)
    if code in AUTH_CODES or response.status_code == 401:
        return ApiAuthError(message, status=response.status_code)
    if code in TRANSIENT_CODES or response.status_code >= 500:
        return ApiOutcomeUnknown(message, status=response.status_code)
    return ApiPermanentError(message, status=response.status_code)


class GraphClient:
    """requests against graph.facebook.com (or the account's base URL), Bearer token,
    one error family out."""

    label = "Meta"  # how errors name the platform

    def __init__(self, *, base_url: str, access_token: str, version: str = GRAPH_VERSION) -> None:
        self.base = (base_url or GRAPH_BASE).rstrip("/")
        self.version = version
        self.session = make_session()
        if access_token:  # the OAuth token exchange authenticates with its parameters instead
            self.session.headers["Authorization"] = f"Bearer {access_token}"

    def url(self, path: str) -> str:
        return f"{self.base}/{self.version}/{path.lstrip('/')}"

    def send(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        try:
            return self.session.request(method, self.url(path), **kwargs)
        except requests.RequestException as exc:
            raise transport_error(exc, who=self.label) from exc

    def request(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        response = self.send(method, path, **kwargs)
        if response.status_code >= 400:
            raise self.error_for(response)
        try:
            data = response.json()
        except ValueError as exc:
            raise ApiOutcomeUnknown(f"unreadable answer from {self.label}") from exc
        if not isinstance(data, dict):
            raise ApiOutcomeUnknown(f"unreadable answer from {self.label}")
        if "error" in data:
            raise self.error_for(response)
        return data

    def error_for(self, response: requests.Response) -> ApiError:
        """The error family member for a failed answer (a platform refines it by code)."""
        return graph_error(response)

    def post(self, path: str, payload: dict[str, Any]) -> dict[str, Any]:
        return self.request("POST", path, json=payload)

    def get(self, path: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
        return self.request("GET", path, params=params)

    def pages(
        self, path: str, params: dict[str, Any] | None = None, *, max_pages: int = 200
    ) -> Iterator[dict[str, Any]]:
        """Every item of a cursor-paged edge: follows ``paging.cursors.after`` for as long as
        Meta says there is a ``paging.next`` page (the ``next`` URL itself carries the token
        in its query, so it is not requested as given)."""
        query = dict(params or {})
        seen: set[str] = set()
        for _ in range(max_pages):
            data = self.get(path, query)
            for item in data.get("data") or []:
                if isinstance(item, dict):
                    yield item
            paging = data.get("paging")
            paging = paging if isinstance(paging, dict) else {}
            cursors = paging.get("cursors")
            after = cursors.get("after") if isinstance(cursors, dict) else None
            if not paging.get("next") or not isinstance(after, str) or not after or after in seen:
                return
            seen.add(after)
            query["after"] = after
        raise ApiPermanentError(f"{self.label} kept paging {path} beyond {max_pages} pages")


def graph_error_body(response: requests.Response) -> dict[str, Any]:
    """The `error` object of a Graph error answer ({} when there is none)."""
    try:
        body = response.json()
    except ValueError:
        return {}
    error = body.get("error") if isinstance(body, dict) else None
    return error if isinstance(error, dict) else {}


def graph_time(value: Any) -> datetime | None:
    """Graph's `2024-05-01T10:00:00+0000` times."""
    if not isinstance(value, str):
        return None
    try:
        return datetime.strptime(value, "%Y-%m-%dT%H:%M:%S%z")
    except ValueError:
        try:
            return datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return None
