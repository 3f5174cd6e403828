"""What several view modules share: where a form goes back to."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.http import url_has_allowed_host_and_scheme


def next_url(request: HttpRequest, default: str) -> str:
    """The page the form was on (its `next`, posted or in the query), if that is one of
    ours; else `default`. Never an open redirect."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                                  require_https=request.is_secure()):
        return target
    return default


def redirect_back(request: HttpRequest, default: str) -> HttpResponse:
    """Redirect to `next_url` (`default` may be a URL name, as for `redirect`)."""
    target = next_url(request, "")
    return redirect(target or default)
