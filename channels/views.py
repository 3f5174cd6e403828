"""Admins connect brand accounts: per-platform credentials form, test connection, the
webhook URL to paste, health, new credentials, disconnect. Staff only."""
from __future__ import annotations

from typing import Any

from django.contrib import messages as flash
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.db.models import Count, Max, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from .accounts import WEBHOOK_PLATFORMS, fields_for
from .models import AccountStatus, Brand, BrandAccount, InboundEventStatus, Platform
from .registry import UnknownPlatform, get_connector, supported_platforms
from .services import (
    brand_account_connect,
    brand_account_disconnect,
    brand_account_test,
    brand_account_update_credentials,
)


def _staff(request: HttpRequest) -> None:
    if not (request.user.is_authenticated and request.user.is_staff):
        raise Http404("Admins only")


@login_required
def accounts(request: HttpRequest) -> HttpResponse:
    _staff(request)
    rows = (
        BrandAccount.objects.select_related("brand")
        .annotate(
            last_event_at=Max("inbound_events__received_at"),
            failed_events=Count("inbound_events", filter=Q(inbound_events__status=InboundEventStatus.FAILED)),
        )
        .order_by("brand__name", "platform", "handle")
    )
    platforms = [(p, Platform(p).label) for p in supported_platforms()]
    return render(request, "channels/accounts.html", {"accounts": rows, "platforms": platforms})


def _credentials_from(request: HttpRequest, platform: str, *, partial: bool) -> tuple[dict[str, str], list[str]]:
    values: dict[str, str] = {}
    missing = []
    for field in fields_for(platform):
        value = request.POST.get(field.name, "").strip()
        if value:
            values[field.name] = value
        elif field.required and not partial:
            missing.append(field.label)
    return values, missing


@login_required
@require_http_methods(["GET", "POST"])
def account_new(request: HttpRequest) -> HttpResponse:
    _staff(request)
    platform = request.GET.get("platform") or request.POST.get("platform", "")
    if platform not in supported_platforms():
        raise Http404("Unknown platform")
    context: dict[str, Any] = {
        "platform": platform,
        "platform_label": Platform(platform).label,
        "fields": fields_for(platform),
        "brands": Brand.objects.order_by("name"),
        "values": request.POST,
    }
    if request.method == "POST":
        credentials, missing = _credentials_from(request, platform, partial=False)
        handle = request.POST.get("handle", "").strip()
        brand_name = request.POST.get("brand_name", "").strip()
        brand_id = request.POST.get("brand", "")
        brand = Brand.objects.filter(pk=int(brand_id)).first() if brand_id.isdigit() else None
        if brand is None and brand_name:
            brand, _ = Brand.objects.get_or_create(name=brand_name)
        errors = [f"{label} is required." for label in missing]
        if not handle:
            errors.append("Handle is required.")
        if brand is None:
            errors.append("Choose a brand or name a new one.")
        if not errors and BrandAccount.objects.filter(brand=brand, platform=platform, handle=handle).exists():
            errors.append("This brand already has that account; open it to give it new credentials.")
        if errors:
            context["errors"] = errors
            return render(request, "channels/account_form.html", context, status=400)
        assert brand is not None
        options = {"search_query": request.POST["search_query"]} if request.POST.get("search_query") else {}
        try:
            account = brand_account_connect(
                brand=brand, platform=platform, handle=handle, base_url=request.POST.get("base_url", "").strip(),
                credentials=credentials, options=options,
            )
        except UnknownPlatform:
            raise Http404("Unknown platform") from None
        if request.POST.get("backfill"):
            _start_backfill(account)
        flash.success(request, "Account connected. Test the connection, then paste the webhook URL if shown.")
        return redirect("channels:account", account_id=account.pk)
    return render(request, "channels/account_form.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def account_detail(request: HttpRequest, account_id: int) -> HttpResponse:
    _staff(request)
    account = get_object_or_404(BrandAccount.objects.select_related("brand"), pk=account_id)
    check = None
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "test":
            check = brand_account_test(account=account)
        elif action == "backfill":
            _start_backfill(account)
            return redirect("channels:account", account_id=account.pk)
        elif action == "credentials":
            credentials, _ = _credentials_from(request, account.platform, partial=True)
            if credentials:
                brand_account_update_credentials(account=account, credentials=credentials)
                flash.success(request, "New credentials saved; the account is active again.")
            return redirect("channels:account", account_id=account.pk)
        account.refresh_from_db()
    webhook_url = None
    if account.platform in WEBHOOK_PLATFORMS:
        webhook_url = request.build_absolute_uri(
            reverse("webhook", kwargs={"platform": account.platform, "account_id": account.pk})
        )
    stats = account.inbound_events.aggregate(
        last=Max("received_at"), failed=Count("id", filter=Q(status=InboundEventStatus.FAILED))
    )
    return render(
        request,
        "channels/account_detail.html",
        {
            "account": account,
            "fields": fields_for(account.platform),
            "check": check,
            "webhook_url": webhook_url,
            "verify_token": account.credentials.get("verify_token", ""),
            "last_event_at": stats["last"],
            "failed_events": stats["failed"],
            "broken": account.status == AccountStatus.BROKEN,
            "polls": get_connector(account.platform).polls,
        },
    )


@login_required
@require_POST
def account_disconnect(request: HttpRequest, account_id: int) -> HttpResponse:
    _staff(request)
    account = get_object_or_404(BrandAccount, pk=account_id)
    brand_account_disconnect(account=account)
    flash.success(request, f"{account} disconnected; its credentials are deleted.")
    return redirect("channels:accounts")


def _start_backfill(account: BrandAccount) -> None:
    from .tasks import backfill_account

    BrandAccount.objects.filter(pk=account.pk).update(backfill={"state": "queued", "fetched": 0, "new": 0})
    transaction.on_commit(lambda: backfill_account.delay(account.pk))


@login_required
def account_backfill_status(request: HttpRequest, account_id: int) -> HttpResponse:
    """The history import's progress, polled by the account page while it runs."""
    _staff(request)
    account = get_object_or_404(BrandAccount, pk=account_id)
    return render(request, "channels/_backfill.html", {"account": account})
