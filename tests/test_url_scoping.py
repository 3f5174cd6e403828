"""Every URL pattern, walked from Django's resolver (the API router's routes included): an
agent whose team covers brand A gets a 404 for brand B's conversation, customer, message,
account or brand id, sees none of brand B in a list, and gets 403/404 from a settings page
they may not use. A new pattern that is in none of the lists below fails this test, so a new
view cannot forget the scoping."""
from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tests.scoping_support import TwoBrands, two_brands  # noqa: F401 (fixture)

# Brand B's object ids: each must answer 404 (405 for a method the view does not take).
SCOPED = {
    "inbox:ticket", "inbox:ticket_messages", "inbox:ticket_reply", "inbox:reply_preview",
    "inbox:ticket_template", "inbox:template_preview", "inbox:ticket_acknowledge",
    "inbox:ticket_assign", "inbox:ticket_status", "inbox:reply_retry", "inbox:customer_merge",
    "inbox:chat_agent_typing", "inbox:customer_export", "inbox:customer_erase",
    "customer-export", "customer-erase", "inbox:ticket_pulse", "inbox:ticket_presence",
    "inbox:ticket_priority", "inbox:ticket_tags", "inbox:ticket_snooze", "inbox:ticket_unsnooze",
    "inbox:ticket_team", "inbox:saved_view_delete",
    # Brand B's customer profile, its merges, conversation merges and splits (issue 9).
    "inbox:customer", "inbox:customer_update", "inbox:customer_merge_into", "inbox:customer_merge_undo",
    "inbox:ticket_merge", "inbox:message_split", "inbox:ticket_merge_undo",
    # A newcomer's draft on brand B's conversation: neither approved nor returned from brand A.
    "inbox:draft_approve", "inbox:draft_return",
    # Canned responses: brand B's conversation's menu, brand B's canned response (use, edit,
    # delete, over the API too).
    "inbox:canned_menu", "inbox:canned_use", "inbox:canned_edit", "inbox:canned_delete", "canned-detail",
    # Brand B's message files (a stored picture: 404 is the scoping, not a missing file).
    "inbox:attachment", "inbox:attachment_thumb",
    # Another team's shift plan (brand B's team): neither seen nor edited.
    "shifts:plan", "shifts:plan_settings", "shifts:shift_add", "shifts:shift_remove",
    "shifts:exception_add", "shifts:exception_remove",
    "ticket-detail", "ticket-reply", "ticket-assign", "ticket-status", "inbox:ticket_note", "ticket-notes",
    "customer-detail", "brand-detail", "account-detail",
    # Another person's API token and two-factor devices (accounts/): never anyone else's.
    "notifications:open",
    "accounts:token_revoke", "accounts:totp_confirm", "accounts:totp_remove", "accounts:key_remove",
}
# Lists: 200, with brand A in them and nothing of brand B.
LISTS = {"inbox:inbox", "inbox:inbox_list", "ticket-list", "customer-list", "brand-list", "account-list",
         "inbox:canned", "canned-list"}
# Admins only: an agent gets 403 or 404 (the settings pages answer 404, "no such page for you").
SETTINGS = {
    "channels:accounts", "channels:account_new", "channels:account", "channels:account_disconnect",
    "channels:oauth_start", "channels:oauth_callback", "channels:oauth_choose", "channels:account_backfill",
    "shifts:hours", "shifts:hours_save", "shifts:acknowledgement_save",
    "inbox:teams", "inbox:team_new", "inbox:team_save", "inbox:person_role",
    "inbox:privacy", "inbox:retention_save", "audit:log", "audit:export",
    "inbox:tags", "inbox:tag_new", "inbox:tag_rename", "inbox:tag_delete",
    "inbox:sla_policies", "inbox:sla_policy_new", "inbox:sla_policy_delete",
    "inbox:reply_tools", "inbox:robot_phrase_new", "inbox:robot_phrase_delete", "inbox:brand_signature",
    "inbox:brand_acknowledgement",
    "inbox:csat_settings", "inbox:csat_settings_save",
    "agent-list", "agent-detail", "team-list", "team-detail",
    "accounts:security", "accounts:security_policy", "accounts:security_unlock",
    "routing:skills_save",
    # Leads (their teams' brands) and admins only; an agent gets 404 (tests/reports/).
    "reports:reports", "reports:export", "reports:staffing",
    # The queue of newcomers' drafts: leads (their teams' brands) and admins only.
    "inbox:drafts",
}
# Brand B's ids travel in the POST body: each must answer 404 and change nothing
# (test_ids_in_the_body_are_404_too).
BODY_SCOPED = {"inbox:tickets_bulk", "inbox:saved_view_new", "inbox:canned_new"}
# Public or carrying no brand's data, each with why.
PUBLIC = {
    "login": "the login form",
    "logout": "logs out",
    "set_language": "the language switch",
    "healthz": "the health check",
    "metrics": "operational counts, no conversation data; loopback or HOVOR_METRICS_TOKEN only (test_metrics.py)",
    "webhook": "platforms' callbacks, authenticated by their signatures",
    "api-schema": "the OpenAPI document",
    "api-root": "the API's index of routes",
    "channels:badges_css": "the platforms' badge colours",
    "inbox:chat_agent_presence": "marks the agent present; carries no brand's data",
    "inbox:csat_page": "the customer's rating page: a signed token is the key, only the brand's name shown",
    "inbox:csat_review": "the review invitation's redirect: a signed token, no data shown",
    "inbox:attachment_public": "one agent's file by a signed, expiring link (what Instagram fetches); a bad one: 404",
    "accounts:login_verify": "the second login step, only for the session whose password was right",
    "accounts:login_key_options": "the second login step's security-key challenge (same session only)",
    "accounts:login_key": "the second login step's security-key answer (same session only)",
    "accounts:sso_login": "to the OpenID provider",
    "accounts:sso_callback": "back from the OpenID provider, verified by state, PKCE and the ID token",
    "accounts:profile": "the person's own profile and tokens; no brand's data",
    "accounts:profile_card": "saves the person's own name and signature; no ids in the URL",
    "accounts:token_create": "makes a token for the person themself",
    "accounts:two_factor": "the person's own two-factor page",
    "accounts:totp_new": "starts the person's own authenticator set-up",
    "accounts:key_options": "the person's own security-key registration challenge",
    "accounts:key_add": "registers a security key for the person themself",
    "accounts:recovery_codes": "the person's own recovery codes",
    "inbox:inbox_pulse": "a version stamp of the asker's own brands' changes; no brand's data",
    "notifications:list": "the person's own notifications only",
    "inbox:my_drafts": "the person's own drafts only",
    "notifications:bell": "the count of the person's own unread notifications",
    "notifications:read_all": "marks the person's own notifications read",
    "routing:presence": "sets the person's own presence",
    "routing:heartbeat": "the person's own presence heartbeat",
    "routing:skills": "the person's own skills; admins and leads also see the people they manage (no brand's data)",
    "shifts:plans": "the names of the person's own teams (their shift plans)",
    "reports:reply_time": "a brand's public reply-time figure (a median, no customer data)",
    "reports:reply_time_widget": "the embeddable reply-time widget (the same public figure)",
    "reports:reply_time_banner": "the reply-time banner PNG (the brand's name and the same public figure)",
}
PUBLIC_NAMESPACES = {
    "chat": "the website chat widget's visitor endpoints, authenticated by the visitor's session",
    "admin": "Django's admin site, for is_staff (admins) only, checked by Django itself",
}


def _walk(resolver: URLResolver, namespace: str = "") -> Iterator[tuple[str, list[str]]]:
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from _walk(entry, inner)
        elif isinstance(entry, URLPattern):
            yield f"{namespace}{entry.name or ''}", sorted(entry.pattern.regex.groupindex)


def _patterns() -> list[tuple[str, list[str]]]:
    return list(_walk(get_resolver()))


def _sla_policy() -> Any:
    from inbox.models import SlaPolicy

    return SlaPolicy.objects.get_or_create(platform="x", first_response_minutes=60, next_response_minutes=60)[0]


def _attachment_of_b(world: TwoBrands) -> Any:
    from fakes.base import png_bytes
    from inbox.actions.attachments import attachment_store
    from inbox.models import Attachment

    row, _ = Attachment.objects.get_or_create(
        message=world.message_b, index=0, defaults={"filename": "b.png", "content_type": "image/png"}
    )
    if not row.file:
        attachment_store(attachment=row, content=png_bytes(20, 20))
    return row


def _kwargs(name: str, params: list[str], world: TwoBrands) -> dict[str, Any]:
    by_basename = {
        "ticket": world.ticket_b, "customer": world.customer_b, "brand": world.brand_b,
        "account": world.account_b, "agent": world.agent_b, "team": world.team_b,
        "canned": _canned_of(world.brand_b, world.admin),
    }
    values: dict[str, Any] = {
        "ticket_id": world.ticket_b.pk, "message_id": world.message_b.pk, "account_id": world.account_b.pk,
        "brand_id": world.brand_b.pk, "platform": "x", "format": "json", "table": "summary",
        "team_id": world.team_b.pk, "user_id": world.agent_b.pk, "customer_id": world.customer_b.pk,
        "draft_id": _draft_of_b(world).pk, "merge_id": _customer_merge_of_b(world).pk,
        "move_id": _ticket_move_of_b(world).pk, "phrase_id": _robot_phrase().pk,
        "canned_id": _canned_of(world.brand_b, world.admin).pk,
        "attachment_id": _attachment_of_b(world).pk if "attachment_id" in params else 0,
        "token": "not-a-signed-token",  # the satisfaction pages' key (a bad one: refused plainly)
        "filename": "file.png", "seq": 1, "index": 0,
        "tag_id": _tag().pk, "policy_id": _sla_policy().pk, "view_id": _saved_view_of(world.agent_b, world.team_b).pk,
    }
    values.update(_accounts_ids(name, world))
    kwargs = {}
    for param in params:
        if param == "pk":
            kwargs["pk"] = by_basename[name.split("-")[0]].pk
        elif param == "notification_id":  # brand B's agent's own notification
            from notifications.actions import notify

            note = notify(recipient=world.agent_b, kind="other", text="b's news", url="/")
            kwargs[param] = note.pk if note else 0
        else:
            kwargs[param] = values[param]
    return kwargs


def _robot_phrase() -> Any:
    from inbox.models import RobotPhrase

    return RobotPhrase.objects.get_or_create(language="en", phrase="Scoping test phrase")[0]


def _accounts_ids(name: str, world: TwoBrands) -> dict[str, int]:
    """Brand B's agent's own token and two-factor devices (made once per test)."""
    if not name.startswith("accounts:"):
        return {}
    if not hasattr(world, "accounts_ids"):
        from django_otp.plugins.otp_totp.models import TOTPDevice

        from accounts.actions.tokens import api_token_create
        from accounts.models import SecurityKey

        token, _ = api_token_create(user=world.agent_b, name="b", scopes=["read"], expires_in_days=7)
        unconfirmed = TOTPDevice.objects.create(user=world.agent_b, name="b", confirmed=False)
        app = TOTPDevice.objects.create(user=world.agent_b, name="b2", confirmed=True)
        key = SecurityKey.objects.create(user=world.agent_b, name="k", credential_id="abc", public_key=b"k")
        world.accounts_ids = {  # type: ignore[attr-defined]
            "accounts:token_revoke": {"token_id": token.pk}, "accounts:totp_confirm": {"device_id": unconfirmed.pk},
            "accounts:totp_remove": {"device_id": app.pk}, "accounts:key_remove": {"device_id": key.pk},
        }
    return world.accounts_ids.get(name, {})  # type: ignore[attr-defined,no-any-return]


def _draft_of_b(world: TwoBrands) -> Any:
    """A draft waiting on brand B's conversation (by brand B's agent, made a newcomer here)."""
    from inbox.models import ReplyDraft

    return ReplyDraft.objects.get_or_create(ticket=world.ticket_b, author=world.agent_b, text="Globex draft")[0]


def _customer_merge_of_b(world: TwoBrands) -> Any:
    """A merge into brand B's customer: brand A's agent may not undo it."""
    from inbox.models import Customer, CustomerMerge

    other = Customer.objects.get_or_create(brand=world.brand_b, name="Globex other")[0]
    return CustomerMerge.objects.get_or_create(source=other, target=world.customer_b)[0]


def _ticket_move_of_b(world: TwoBrands) -> Any:
    """A split of brand B's conversation: brand A's agent may not undo it."""
    from inbox.models import TicketMerge

    return TicketMerge.objects.get_or_create(kind="split", source=world.ticket_b, target=world.ticket_b)[0]


def _canned_of(brand: Any, admin: Any) -> Any:
    """A shared canned response of the brand ("Acme refund" for A, "Globex refund" for B)."""
    from inbox.actions.canned import canned_response_create
    from inbox.models import CannedResponse

    found = CannedResponse.objects.filter(brand=brand, shortcut="refund").first()
    return found or canned_response_create(
        actor=admin, brand=brand, shortcut="refund", title=f"{brand.name} refund",
        variants={"en": f"{brand.name} refund text"}, shared=True,
    )


def _tag() -> Any:
    from inbox.models import Tag

    return Tag.objects.get_or_create(name="globex-vip")[0]


def _saved_view_of(owner: Any, team: Any) -> Any:
    """Brand B's agent's view, shared with brand B's team: brand A's agent may not delete it."""
    from inbox.models import SavedView

    return SavedView.objects.get_or_create(owner=owner, name="Globex urgent", team=team, view="all")[0]


def _listed(name: str) -> bool:
    namespace = name.split(":")[0] if ":" in name else ""
    return name in SCOPED | LISTS | SETTINGS | BODY_SCOPED or name in PUBLIC or namespace in PUBLIC_NAMESPACES


def test_every_url_pattern_is_in_a_scoping_list() -> None:
    unlisted = sorted({name or "<unnamed>" for name, _ in _patterns() if not _listed(name)})
    assert unlisted == [], f"add these URL patterns to a list in {__file__} (and scope them): {unlisted}"
    names = {name for name, _ in _patterns()}
    stale = sorted((SCOPED | LISTS | SETTINGS | BODY_SCOPED | set(PUBLIC)) - names)
    assert stale == [], f"no longer URL patterns: {stale}"


def test_another_brands_ids_are_404_everywhere(two_brands: TwoBrands) -> None:  # noqa: F811
    client = Client()
    client.force_login(two_brands.agent_a)
    checked = set()
    for name, params in _patterns():
        if name not in SCOPED:
            continue
        url = reverse(name, kwargs=_kwargs(name, params, two_brands))
        answers = {method: getattr(client, method)(url).status_code for method in ("get", "post")}
        # 405: a method the view does not take; 403: a write the API allows admins only.
        assert set(answers.values()) <= {403, 404, 405} and 404 in answers.values(), (name, url, answers)
        checked.add(name)
    assert checked == SCOPED
    two_brands.ticket_b.refresh_from_db()
    assert two_brands.ticket_b.assignee_id is None and two_brands.ticket_b.status == "new"
    assert two_brands.ticket_b.messages.count() == 1  # nothing was sent from brand A's agent
    two_brands.customer_b.refresh_from_db()
    assert two_brands.customer_b.name == "bob" and two_brands.customer_b.identities.count() == 1  # not erased


def test_the_same_ids_are_reachable_by_their_own_brands_agent(two_brands: TwoBrands) -> None:  # noqa: F811
    """The 404s above are scoping, not broken URLs: brand B's agent opens the same pages."""
    client = Client()
    client.force_login(two_brands.agent_b)
    for name in ("inbox:ticket", "inbox:ticket_messages", "inbox:ticket_pulse", "ticket-detail", "customer-detail",
                 "brand-detail",
                 "account-detail"):
        params = next(p for n, p in _patterns() if n == name and "format" not in p)
        url = reverse(name, kwargs=_kwargs(name, params, two_brands))
        assert client.get(url).status_code == 200, (name, url)


def test_lists_show_nothing_of_another_brand(two_brands: TwoBrands) -> None:  # noqa: F811
    _canned_of(two_brands.brand_a, two_brands.admin)
    _canned_of(two_brands.brand_b, two_brands.admin)
    client = Client()
    client.force_login(two_brands.agent_a)
    seen = set()
    for name, params in _patterns():
        if name not in LISTS or "format" in params:
            continue
        for view in ("", "?view=all", "?view=unassigned"):
            response = client.get(reverse(name) + view)
            assert response.status_code == 200, (name, response.status_code)
            body = response.content.decode()
            assert "Globex" not in body and "bob" not in body, (name, view)
            assert "Acme" in body or "alice" in body, (name, view)
        seen.add(name)
    assert seen == LISTS


def test_settings_pages_refuse_an_agent(two_brands: TwoBrands) -> None:  # noqa: F811
    client = Client()
    client.force_login(two_brands.agent_a)
    checked = set()
    for name, params in _patterns():
        if name not in SETTINGS:
            continue
        url = reverse(name, kwargs=_kwargs(name, params, two_brands))
        for method in ("get", "post"):
            status = getattr(client, method)(url).status_code
            assert status in (403, 404, 405), (name, method, url, status)
        checked.add(name)
    assert checked == SETTINGS
    assert client.get("/admin/").status_code == 302  # Django's admin: to its login, for staff


@pytest.mark.parametrize("who", ["admin", "agent_b"])
def test_admins_and_brand_bs_agent_see_brand_b_in_the_inbox(two_brands: TwoBrands, who: str) -> None:  # noqa: F811
    client = Client()
    client.force_login(getattr(two_brands, who))
    assert "Globex secret complaint" in client.get("/?view=all").content.decode()


def test_ids_in_the_body_are_404_too(two_brands: TwoBrands) -> None:  # noqa: F811
    """A bulk change naming brand B's ticket (even beside one's own) and a saved view shared
    with brand B's team are 404, and nothing changes."""
    from inbox.models import SavedView

    client = Client()
    client.force_login(two_brands.agent_a)
    a, b = two_brands.ticket_a, two_brands.ticket_b
    bulk = reverse("inbox:tickets_bulk")
    for action, extra in (("status", {"status": "solved"}), ("priority", {"priority": "urgent"}),
                          ("tag", {"tag": "leak"}), ("assign", {"assignee": "me"}), ("snooze", {"snooze": "hour"})):
        response = client.post(bulk, {"tickets": [a.pk, b.pk], "action": action, **extra})
        assert response.status_code == 404, (action, response.status_code)
    assert client.get(bulk).status_code == 405
    response = client.post(reverse("inbox:saved_view_new"), {"name": "x", "view": "all", "team": two_brands.team_b.pk})
    assert response.status_code == 404
    assert not SavedView.objects.exists()
    for ticket in (a, b):
        ticket.refresh_from_db()
        state = (ticket.status, ticket.priority, ticket.assignee_id, ticket.snoozed_until)
        assert state == ("new", "normal", None, None)
        assert not ticket.tags.exists() and not ticket.events.exists()
    assert {name for name, _ in _patterns()} >= BODY_SCOPED
    # Brand B's customer or conversation named in the body of brand A's merge: 404, nothing moves.
    response = client.post(reverse("inbox:customer_merge_into", args=[two_brands.customer_a.pk]),
                           {"source": two_brands.customer_b.pk})
    assert response.status_code == 404
    response = client.post(reverse("inbox:ticket_merge", args=[a.pk]), {"other": b.pk})
    assert response.status_code == 404
    b.refresh_from_db()
    assert b.customer_id == two_brands.customer_b.pk and b.merged_into_id is None
    assert b.messages.count() == 1


# Anonymous visitors: every page and route that is not public sends them to log in (or
# answers 401/403/404/405); nothing answers 200 with data.
ANONYMOUS_OK = {302, 401, 403, 404, 405}


@pytest.mark.django_db
def test_anonymous_visitors_get_nothing_anywhere(two_brands: TwoBrands) -> None:  # noqa: F811
    client = Client()
    checked = 0
    for name, params in _patterns():
        namespace = name.split(":")[0] if ":" in name else ""
        if name in PUBLIC or namespace in PUBLIC_NAMESPACES or not name:
            continue
        url = reverse(name, kwargs=_kwargs(name, params, two_brands))
        for method in ("get", "post"):
            response = getattr(client, method)(url)
            assert response.status_code in ANONYMOUS_OK, (name, method, url, response.status_code)
            if response.status_code == 302:
                assert response["Location"].startswith("/login/"), (name, method, response["Location"])
            body = response.content.decode(errors="replace")
            assert "bob" not in body.lower() and "globex secret" not in body.lower(), (name, method)
        checked += 1
    assert checked > 50


@pytest.mark.django_db
def test_a_revoked_token_fails_on_every_api_route(two_brands: TwoBrands) -> None:  # noqa: F811
    """Brand A's agent's token, revoked: every API route (public ones included) answers 401
    at the very next request, whatever the method."""
    from accounts.actions.tokens import api_token_create, api_token_revoke

    token, key = api_token_create(user=two_brands.agent_a, name="laptop", scopes=["read", "reply"], expires_in_days=7)
    client = Client(HTTP_AUTHORIZATION=f"Token {key}")
    assert client.get(reverse("ticket-list")).status_code == 200  # alive: it works
    api_token_revoke(token=token, actor=two_brands.agent_a)
    routes = 0
    for name, params in _patterns():
        if not name or ":" in name or name in PUBLIC and name != "api-root":
            continue  # the API's routes are the router's, without a namespace
        url = reverse(name, kwargs=_kwargs(name, params, two_brands))
        if not url.startswith("/api/"):
            continue
        for method in ("get", "post", "patch", "delete"):
            status = getattr(client, method)(url).status_code
            assert status == 401, (name, method, url, status)
        routes += 1
    assert routes >= 10
