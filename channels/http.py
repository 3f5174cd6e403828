"""One error family for every outbound call, so tasks decide retries the same way for all
platforms, and one requests session factory with default timeouts."""
from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

import requests
from django.conf import settings
from requests.adapters import HTTPAdapter

logger = logging.getLogger("hovor.channels.http")


class ApiError(Exception):
    """Base of every platform error. `message` is safe to show an agent."""

    def __init__(self, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


class ApiRateLimited(ApiError):
    """The platform said 'not now'; nothing was done. Retry at `retry_at`."""

    def __init__(self, message: str, *, retry_at: datetime, status: int | None = 429) -> None:
        super().__init__(message, status=status)
        self.retry_at = retry_at


class ApiOutcomeUnknown(ApiError):
    """Timeout, dropped connection or 5xx: the platform may or may not have acted.
    Before trying again, a sender must check whether the first attempt went through."""


class ApiUnavailable(ApiError):
    """The platform refused before acting (e.g. connection refused): safe to retry."""


class ApiAuthError(ApiError):
    """Credentials refused or revoked: the account needs an admin."""


class ApiPermanentError(ApiError):
    """The platform rejected this request; retrying the same request cannot help."""


class TimeoutAdapter(HTTPAdapter):
    """Applies the default timeout to every request that does not set one, and optionally
    rewrites a canonical API prefix to a configured base URL (for self-hosted proxies and
    the loopback fakes) after auth has been computed over the canonical URL."""

    def __init__(self, *, timeout: float | None = None, rewrite: tuple[str, str] | None = None, **kwargs: Any) -> None:
        self.timeout = timeout if timeout is not None else settings.HOVOR_HTTP_TIMEOUT
        self.rewrite = rewrite
        super().__init__(**kwargs)

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        if kwargs.get("timeout") is None:
            kwargs["timeout"] = self.timeout
        if self.rewrite and request.url and request.url.startswith(self.rewrite[0]):
            request.url = self.rewrite[1] + request.url[len(self.rewrite[0]) :]
        return super().send(request, **kwargs)


def make_session(*, canonical: str | None = None, base_url: str | None = None) -> requests.Session:
    session = requests.Session()
    rewrite = None
    if canonical and base_url and base_url.rstrip("/") != canonical.rstrip("/"):
        rewrite = (canonical.rstrip("/"), base_url.rstrip("/"))
    adapter = TimeoutAdapter(rewrite=rewrite)
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    return session


def transport_error(exc: requests.RequestException, *, who: str, what: str = "") -> ApiError:
    """A failure below HTTP, mapped by what it says about the request's fate: refused or
    timed out while connecting means nothing reached the platform (safe to retry); a
    timeout or a dropped connection after sending leaves the outcome unknown."""
    where = f" ({what})" if what else ""
    if isinstance(exc, requests.ConnectTimeout):
        return ApiUnavailable(f"{who} unreachable{where}: connect timeout")
    if isinstance(exc, requests.Timeout):
        return ApiOutcomeUnknown(f"{who} did not answer in time{where}")
    if isinstance(exc, requests.ConnectionError) and "refused" in str(exc).lower():
        return ApiUnavailable(f"{who} unreachable{where}: connection refused")
    if isinstance(exc, requests.ConnectionError):
        return ApiOutcomeUnknown(f"connection to {who} lost{where}")
    return ApiOutcomeUnknown(f"request to {who} failed{where}")


class DownloadTooLarge(ApiPermanentError):
    """The file is larger than Hovor keeps (settings.HOVOR_ATTACHMENT_MAX_BYTES)."""


def download(
    session: requests.Session, url: str, *, max_bytes: int, who: str, headers: dict[str, str] | None = None
) -> bytes:
    """GET a file in chunks, stopping as soon as it passes `max_bytes` (a declared
    Content-Length past it is refused before reading). Errors map onto the family: 429 and
    5xx are transient, 401/403 an auth problem, other 4xx permanent."""
    try:
        with session.get(url, headers=headers or {}, stream=True) as response:
            status = response.status_code
            if status == 429:
                retry = response.headers.get("Retry-After", "")
                seconds = int(retry) if retry.isdigit() else 5
                retry_at = datetime.now().astimezone() + timedelta(seconds=seconds)
                raise ApiRateLimited(f"{who}: too many requests", retry_at=retry_at)
            if status >= 500:
                raise ApiUnavailable(f"{who} answered {status} for a file", status=status)
            if status in (401, 403):
                raise ApiAuthError(f"{who} refused the file download ({status})", status=status)
            if status >= 400:
                raise ApiPermanentError(f"{who} has no such file ({status})", status=status)
            declared = response.headers.get("Content-Length", "")
            if declared.isdigit() and int(declared) > max_bytes:
                raise DownloadTooLarge(f"the file is {declared} bytes, over the {max_bytes} limit")
            chunks: list[bytes] = []
            total = 0
            for chunk in response.iter_content(64 * 1024):
                total += len(chunk)
                if total > max_bytes:
                    raise DownloadTooLarge(f"the file is over the {max_bytes} byte limit")
                chunks.append(chunk)
            return b"".join(chunks)
    except requests.RequestException as exc:
        raise transport_error(exc, who=who, what="file download") from None

