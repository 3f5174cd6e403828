"""Admins connect brand accounts: "Connect with <platform>" (OAuth against the platform's
consent page, then a choice of Pages or numbers) or a per-platform credentials form, test
connection, the webhook URL to paste or register, health, new credentials, disconnect.
Staff only."""

from __future__ import annotations

import hmac
import json
import re
import secrets
import time
from dataclasses import asdict
from typing import Any

from django.contrib import messages as flash
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.db.models import Count, Max, Q
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotModified
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from .accounts import check_credentials, connect_refusal, fields_for, oauth_app_labels
from .base import BaseConnector, OAuthApp, OAuthChoice, OAuthConnect, OAuthDenied
from .context_processors import token_expires_at
from .crypto import CredentialsError, decrypt_credentials, encrypt_credentials
from .http import ApiError
from .inbound import poll_rhythm
from .models import AccountStatus, Brand, BrandAccount, InboundEventStatus
from .registry import (
    UnknownPlatform,
    badge_stylesheet,
    connectors,
    get_connector,
    platform_label,
    supported_platforms,
)
from .services import (
    PRESENTATION_OPTIONS,
    ConnectionCheck,
    brand_account_connect,
    brand_account_connect_authorised,
    brand_account_disconnect,
    brand_account_register_webhook,
    brand_account_test,
    brand_account_update_credentials,
    brand_account_update_presentation,
)
from .tasks import backfill_account

# An authorisation started here and not finished within this many seconds is forgotten.
OAUTH_PENDING_TTL = 15 * 60
OAUTH_SESSION_KEY = "hovor_oauth_pending"


@require_GET
def badges_css(request: HttpRequest) -> HttpResponse:
    """The platforms' badge colours (channels.registry.badge_stylesheet). Public: agents'
    pages and the login page use it. Linked with ?v=<version>, which may be cached for good;
    without it (or with a stale one) for five minutes, revalidated by ETag."""
    css, version = badge_stylesheet()
    etag = f'"{version}"'
    if etag in request.headers.get("If-None-Match", ""):
        response: HttpResponse = HttpResponseNotModified()
    else:
        response = HttpResponse(css, content_type="text/css; charset=utf-8")
    response["ETag"] = etag
    current = request.GET.get("v") == version
    response["Cache-Control"] = "public, max-age=31536000, immutable" if current else "public, max-age=300"
    return response


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
    platforms = [(c.platform, c.label) for c in connectors()]
    return render(request, "channels/accounts.html", {"accounts": rows, "platforms": platforms})


def _form_context(platform: str, values: Any, **extra: Any) -> dict[str, Any]:
    connector = get_connector(platform)
    return {
        "platform": platform,
        "platform_label": connector.label,
        "connector": connector,
        "fields": fields_for(platform),
        "brands": Brand.objects.order_by("name"),
        "values": values,
        "oauth": connector.oauth,
        "oauth_labels": oauth_app_labels(platform) if connector.oauth else None,
        **extra,
    }


def _brand_from(request: HttpRequest) -> Brand | None:
    brand_id = request.POST.get("brand", "")
    brand = Brand.objects.filter(pk=int(brand_id)).first() if brand_id.isdigit() else None
    brand_name = request.POST.get("brand_name", "").strip()
    if brand is None and brand_name:
        brand, _unused = Brand.objects.get_or_create(name=brand_name)
    return brand


def _credentials_from(request: HttpRequest, platform: str, *, partial: bool) -> tuple[dict[str, Any], list[str]]:
    """The declared credential fields as posted, and what is wrong with them (sentences)."""
    values: dict[str, Any] = {}
    errors: list[str] = []
    for field in fields_for(platform):
        value = request.POST.get(field.name, "").strip()
        if value and field.input_type == "json":
            try:
                values[field.name] = json.loads(value)
            except ValueError:
                errors.append(_("%(field)s is not valid JSON.") % {"field": field.label})
        elif value:
            values[field.name] = value
        elif field.required and not partial:
            errors.append(_("%(field)s is required.") % {"field": field.label})
    if not errors:
        errors = check_credentials(platform, values, partial=True)
    return values, errors


@login_required
@require_http_methods(["GET", "POST"])
def account_new(request: HttpRequest) -> HttpResponse:
    _staff(request)
    platform = request.GET.get("platform") or request.POST.get("platform", "")
    if platform not in supported_platforms():
        raise Http404("Unknown platform")
    context = _form_context(platform, request.POST)
    if request.method == "POST":
        credentials, errors = _credentials_from(request, platform, partial=False)
        handle = request.POST.get("handle", "").strip()
        brand = _brand_from(request)
        if not handle:
            errors.append(_("Handle is required."))
        if brand is None:
            errors.append(_("Choose a brand or name a new one."))
        if not errors and BrandAccount.objects.filter(brand=brand, platform=platform, handle=handle).exists():
            errors.append(_("This brand already has that account; open it to give it new credentials."))
        base_url = request.POST.get("base_url", "").strip()
        if not errors:
            # A mailbox Hovor cannot log in to would be listed as active and never read.
            refusal = connect_refusal(platform, credentials, base_url=base_url)
            if refusal:
                errors.append(refusal)
        if errors:
            context["errors"] = errors
            return render(request, "channels/account_form.html", context, status=400)
        assert brand is not None
        connector = get_connector(platform)
        posted = {f.name: request.POST.get(f.name, "").strip() for f in connector.option_fields}
        options = {name: value for name, value in posted.items() if value}
        try:
            account = brand_account_connect(
                brand=brand,
                platform=platform,
                handle=handle,
                base_url=base_url,
                credentials=credentials,
                options=options,
            )
        except UnknownPlatform:
            raise Http404("Unknown platform") from None
        if request.POST.get("backfill"):
            _start_backfill(account)
        flash.success(request, _("Account connected. Test the connection, then paste the webhook URL if shown."))
        return redirect("channels:account", account_id=account.pk)
    return render(request, "channels/account_form.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def account_detail(request: HttpRequest, account_id: int) -> HttpResponse:
    _staff(request)
    account = get_object_or_404(BrandAccount.objects.select_related("brand"), pk=account_id)
    check: ConnectionCheck | None = None
    webhook_check: ConnectionCheck | None = None
    try:
        connector = get_connector(account.platform)
    except UnknownPlatform as exc:
        # Its package was removed (or never deployed here): say so, and still let the admin disconnect it.
        return render(
            request,
            "channels/account_unknown.html",
            {"account": account, "error": exc.message, "event_counts": _event_counts(account, with_last=False)},
            status=500,
        )
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "test":
            check = brand_account_test(account=account)
        elif action == "presentation" and connector.account_template:
            color = request.POST.get("color", "").strip()
            if color and not re.fullmatch(r"#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})", color):
                flash.error(request, _("The colour must look like #0f766e."))
            else:
                brand_account_update_presentation(
                    account=account, values={k: request.POST.get(k, "") for k in PRESENTATION_OPTIONS}
                )
                flash.success(request, _("The widget shows the new look on its next load."))
            return redirect("channels:account", account_id=account.pk)
        elif action == "register_webhook":
            webhook_check = brand_account_register_webhook(account=account, webhook_url=_webhook_url(request, account))
        elif action == "backfill":
            _start_backfill(account)
            return redirect("channels:account", account_id=account.pk)
        elif action == "credentials":
            credentials, errors = _credentials_from(request, account.platform, partial=True)
            if errors:
                for error in errors:
                    flash.error(request, error)
            elif credentials:
                brand_account_update_credentials(account=account, credentials=credentials)
                flash.success(request, _("New credentials saved; the account is active again."))
            return redirect("channels:account", account_id=account.pk)
        account.refresh_from_db()
    webhook_url = _webhook_url(request, account) if connector.webhooks else None
    counts = _event_counts(account)
    return render(
        request,
        "channels/account_detail.html",
        {
            "account": account,
            "connector": connector,
            "fields": fields_for(account.platform),
            "check": check,
            "webhook_check": webhook_check,
            "registers_webhooks": connector.registers_webhooks,
            "oauth": connector.oauth,
            "oauth_labels": oauth_app_labels(account.platform),
            "oauth_app_id": account.options.get("oauth_app_id") or _app_id_credential(connector, account),
            "webhook_url": webhook_url,
            "verify_token": _shown_with_webhook(connector, account),
            "last_event_at": counts.pop("last"),
            "event_counts": counts,
            "failed_events": counts[InboundEventStatus.FAILED.value],
            "broken": account.status == AccountStatus.BROKEN,
            "polls": connector.polls,
            "poll_every": _poll_every(account),
            # Website chat has no platform to ask or history to import.
            "can_test": type(connector).test_connection is not BaseConnector.test_connection,
            "can_backfill": connector.imports_history,
            "token_expires_at": token_expires_at(account),
            # What the last poll said about feeds it skipped or paused (budget, permissions, webhook).
            "poll_notes": (account.poll_cursor or {}).get("notes") if isinstance(account.poll_cursor, dict) else None,
        },
    )


def _shown_with_webhook(connector: BaseConnector, account: BrandAccount) -> str:
    """The secret the admin pastes into the platform's webhook settings (Meta's verify token)."""
    shown = [f.name for f in connector.credential_fields if f.shown_with_webhook]
    return next((str(account.credentials[k]) for k in shown if account.credentials.get(k)), "")


def _app_id_credential(connector: BaseConnector, account: BrandAccount) -> str:
    key = connector.connects.app_id_credential if isinstance(connector.connects, OAuthConnect) else ""
    return str(account.credentials.get(key) or "") if key else ""


def _event_counts(account: BrandAccount, *, with_last: bool = True) -> dict[str, Any]:
    """Its stored inbound events by status (received, processed, ignored, failed), so events
    skipped on purpose show as well as those that failed; and when the last one came."""
    aggregates: dict[str, Any] = {
        status.value: Count("id", filter=Q(status=status)) for status in InboundEventStatus
    }
    counts = account.inbound_events.aggregate(last=Max("received_at"), **aggregates)
    if not with_last:
        counts.pop("last")
    return counts


@login_required
@require_POST
def account_disconnect(request: HttpRequest, account_id: int) -> HttpResponse:
    _staff(request)
    account = get_object_or_404(BrandAccount, pk=account_id)
    brand_account_disconnect(account=account)
    flash.success(request, _("%(account)s disconnected; its credentials are deleted.") % {"account": account})
    return redirect("channels:accounts")


def _start_backfill(account: BrandAccount) -> None:
    BrandAccount.objects.filter(pk=account.pk).update(backfill={"state": "queued", "fetched": 0, "new": 0})
    transaction.on_commit(lambda: backfill_account.delay(account.pk))


@login_required
def account_backfill_status(request: HttpRequest, account_id: int) -> HttpResponse:
    """The history import's progress, polled by the account page while it runs."""
    _staff(request)
    account = get_object_or_404(BrandAccount, pk=account_id)
    return render(request, "channels/_backfill.html", {"account": account})


def _poll_every(account: BrandAccount) -> str:
    """How often beat polls this account now (faster in the brand's staffed hours)."""
    rhythm, seconds = poll_rhythm(account)
    if rhythm == "webhook":
        return _("every %(n)s min (messages come by webhook)") % {"n": f"{seconds / 60:g}"}
    if rhythm == "staffed":
        return _("every %(n)s s (staffed hours)") % {"n": f"{seconds:g}"}
    if rhythm == "always":
        return _("every %(n)s s") % {"n": f"{seconds:g}"}
    return _("every %(n)s min (off hours)") % {"n": f"{seconds / 60:g}"}


def _webhook_url(request: HttpRequest, account: BrandAccount) -> str:
    return request.build_absolute_uri(
        reverse("webhook", kwargs={"platform": account.platform, "account_id": account.pk})
    )


# --- "Connect with <platform>" ---------------------------------------------------------
def _oauth_connector(platform: str) -> BaseConnector:
    if platform not in supported_platforms():
        raise Http404("Unknown platform")
    connector = get_connector(platform)
    if not connector.oauth:
        raise Http404(f"{platform_label(platform)} connects with credentials, not OAuth")
    return connector


def _callback_url(request: HttpRequest, platform: str) -> str:
    return request.build_absolute_uri(reverse("channels:oauth_callback", kwargs={"platform": platform}))


def _pending_save(request: HttpRequest, pending: dict[str, Any]) -> None:
    # The session row would hold the app secret and tokens: it gets them encrypted, like accounts.
    request.session[OAUTH_SESSION_KEY] = encrypt_credentials(pending)


def _pending_take(request: HttpRequest, platform: str, *, keep: bool = False) -> dict[str, Any] | None:
    token = request.session.get(OAUTH_SESSION_KEY)
    if not keep:
        request.session.pop(OAUTH_SESSION_KEY, None)
    if not isinstance(token, str):
        return None
    try:
        pending = decrypt_credentials(token)
    except CredentialsError:
        return None
    if pending.get("platform") != platform or time.time() - float(pending.get("started", 0)) > OAUTH_PENDING_TTL:
        return None
    return pending


def _app(pending: dict[str, Any]) -> OAuthApp:
    return OAuthApp(
        client_id=pending["client_id"], client_secret=pending["client_secret"], base_url=pending["base_url"]
    )


def _back_to_form(request: HttpRequest, platform: str, message: str) -> HttpResponse:
    flash.error(request, message)
    return redirect(f"{reverse('channels:account_new')}?platform={platform}")


@login_required
@require_POST
def oauth_start(request: HttpRequest, platform: str) -> HttpResponse:
    """Send the admin to the platform's consent page, remembering (encrypted, in their
    session) the app, the brand and what the callback will need."""
    _staff(request)
    connector = _oauth_connector(platform)
    # A new brand is only created once an account is connected to it (not if the admin cancels).
    brand_id = request.POST.get("brand", "")
    brand = Brand.objects.filter(pk=int(brand_id)).first() if brand_id.isdigit() else None
    brand_name = "" if brand is not None else request.POST.get("brand_name", "").strip()
    client_id = request.POST.get("client_id", "").strip()
    client_secret = request.POST.get("client_secret", "").strip()
    labels = oauth_app_labels(platform)
    errors = [
        _("%(field)s is required.") % {"field": label}
        for label, value in zip(labels, (client_id, client_secret), strict=True)
        if not value
    ]
    if brand is None and not brand_name:
        errors.append(_("Choose a brand or name a new one."))
    app = OAuthApp(client_id=client_id, client_secret=client_secret, base_url=request.POST.get("base_url", "").strip())
    state = secrets.token_urlsafe(24)
    if not errors:
        try:
            start = connector.oauth_begin(app, callback_url=_callback_url(request, platform), state=state)
        except ApiError as exc:
            errors.append(
                _("%(platform)s refused to start the authorisation: %(reason)s")
                % {"platform": connector.label, "reason": exc.message}
            )
    if errors:
        context = _form_context(platform, request.POST, oauth_errors=errors)
        return render(request, "channels/account_form.html", context, status=400)
    _pending_save(
        request,
        {
            "platform": platform,
            "started": time.time(),
            "state": state,
            "saved": start.saved,
            "client_id": app.client_id,
            "client_secret": app.client_secret,
            "base_url": app.base_url,
            "brand": brand.pk if brand is not None else None,
            "brand_name": brand_name,
            "backfill": bool(request.POST.get("backfill")),
            "reauthorise": int(request.POST["account"]) if request.POST.get("account", "").isdigit() else None,
        },
    )
    return redirect(start.authorize_url)


@login_required
def oauth_callback(request: HttpRequest, platform: str) -> HttpResponse:
    """The platform sends the admin back here with a code (or a refusal)."""
    _staff(request)
    connector = _oauth_connector(platform)
    label = connector.label
    pending = _pending_take(request, platform)
    if pending is None:
        return _back_to_form(
            request, platform, _("That authorisation was not started here or took too long; start again.")
        )
    params = {key: request.GET.get(key, "") for key in request.GET}
    if connector.oauth_state_param and not hmac.compare_digest(params.get("state", ""), pending["state"]):
        return _back_to_form(
            request,
            platform,
            _("The answer from %(platform)s does not belong to this authorisation; start again.") % {"platform": label},
        )
    try:
        choices = connector.oauth_complete(
            _app(pending), callback_url=_callback_url(request, platform), params=params, saved=pending["saved"]
        )
    except OAuthDenied as exc:
        return _back_to_form(request, platform, _("Not connected: %(reason)s") % {"reason": exc.reason})
    except ApiError as exc:
        return _back_to_form(
            request,
            platform,
            _("%(platform)s refused the authorisation: %(reason)s") % {"platform": label, "reason": exc.message},
        )
    if not choices:
        return _back_to_form(
            request,
            platform,
            _("The %(platform)s login reached no account Hovor can answer from. Check the permissions granted.")
            % {"platform": label},
        )
    pending["choices"] = [asdict(choice) for choice in choices]
    pending["started"] = time.time()
    if len(choices) == 1:
        return _connect_chosen(request, platform, pending, [0])
    _pending_save(request, pending)
    existing = {
        account.handle: account for account in BrandAccount.objects.filter(brand_id=pending["brand"], platform=platform)
    }
    rows = []
    for index, choice in enumerate(choices):
        known = existing.get(choice.handle)
        # Offered ticked: what is broken and the account "Authorise again" started from; a
        # Page seen for the first time waits for the admin to choose it (a login often
        # reaches Pages of other brands or teams).
        ticked = known is not None and (
            known.status == AccountStatus.BROKEN or known.pk == pending.get("reauthorise")
        )
        rows.append((index, choice, known is not None, ticked))
    return render(
        request,
        "channels/oauth_choose.html",
        {"platform": platform, "platform_label": label, "connects": connector.connects, "rows": rows},
    )


@login_required
@require_POST
def oauth_choose(request: HttpRequest, platform: str) -> HttpResponse:
    _staff(request)
    _oauth_connector(platform)
    pending = _pending_take(request, platform, keep=True)
    if pending is None or "choices" not in pending:
        return _back_to_form(
            request, platform, _("That authorisation was not started here or took too long; start again.")
        )
    picked = sorted(
        {int(v) for v in request.POST.getlist("choice") if v.isdigit() and int(v) < len(pending["choices"])}
    )
    if not picked:
        flash.error(request, _("Choose at least one account to connect."))
        return redirect(request.META.get("HTTP_REFERER") or reverse("channels:accounts"))
    request.session.pop(OAUTH_SESSION_KEY, None)
    return _connect_chosen(request, platform, pending, picked)


def _connect_chosen(request: HttpRequest, platform: str, pending: dict[str, Any], picked: list[int]) -> HttpResponse:
    connector = get_connector(platform)
    if pending["brand"] is not None:
        brand = Brand.objects.filter(pk=pending["brand"]).first()
        if brand is None:
            return _back_to_form(request, platform, _("The brand was deleted meanwhile; start again."))
    else:
        brand, _unused = Brand.objects.get_or_create(name=pending["brand_name"])
    connected: list[BrandAccount] = []
    for index in picked:
        fields = pending["choices"][index]
        # The app id is not secret; keeping it lets "Authorise again" start from it.
        choice = OAuthChoice(**{**fields, "options": {**fields["options"], "oauth_app_id": pending["client_id"]}})
        account, created = brand_account_connect_authorised(
            brand=brand, platform=platform, choice=choice, base_url=pending["base_url"]
        )
        connected.append(account)
        done = _("%(handle)s connected.") if created else _("%(handle)s authorised again; its new tokens are saved.")
        # A platform that only pushes needs its webhooks pointed here to hear anything at all;
        # a polled one (X, Telegram) keeps polling until the admin registers a webhook.
        if connector.registers_webhooks and not connector.polls:
            result = brand_account_register_webhook(account=account, webhook_url=_webhook_url(request, account))
            if result.ok:
                done += " " + _("Its messages now arrive by webhook.")
            else:
                flash.error(
                    request,
                    _("%(handle)s: webhook not registered: %(reason)s")
                    % {"handle": account.handle, "reason": result.error},
                )
        flash.success(request, done % {"handle": account.handle})
        if created and pending.get("backfill"):
            _start_backfill(account)
    if len(connected) == 1:
        return redirect("channels:account", account_id=connected[0].pk)
    return redirect("channels:accounts")
