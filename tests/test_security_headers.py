"""Headers and cookies: every HTML page Hovor serves carries the strict
Content-Security-Policy and has no inline script, style or event handler (walked over
every URL pattern as an admin); Hovor is never framed except the chat widget's own
endpoints; cookies are HttpOnly and SameSite (Secure in production); and
`manage.py check --deploy` in production settings is clean."""
from __future__ import annotations

import json
import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse

from tests.scoping_support import TwoBrands, two_brands  # noqa: F401 (fixture)
from tests.test_url_scoping import _kwargs, _patterns

ROOT = Path(__file__).resolve().parent.parent

INLINE_SCRIPT = re.compile(r"<script\b(?![^>]*\bsrc=)(?![^>]*type=\"application/(?:ld\+)?json\")[^>]*>", re.I)
STYLE_ATTRIBUTE = re.compile(r"<[a-z][^>]*\sstyle\s*=", re.I)
STYLE_BLOCK = re.compile(r"<style\b", re.I)
HANDLER_ATTRIBUTE = re.compile(r"<[a-z][^>]*\son[a-z]+\s*=", re.I)
JS_URL = re.compile(r"(?:href|src|action)\s*=\s*[\"']?\s*javascript:", re.I)


def _inline_problems(body: str) -> list[str]:
    found = []
    for name, pattern in (("inline script", INLINE_SCRIPT), ("style attribute", STYLE_ATTRIBUTE),
                          ("style block", STYLE_BLOCK), ("event handler attribute", HANDLER_ATTRIBUTE),
                          ("javascript: URL", JS_URL)):
        match = pattern.search(body)
        if match:
            found.append(f"{name}: {body[max(match.start() - 40, 0):match.end() + 60]!r}")
    return found


# HTML pages meant to be framed on a brand's own site: strict otherwise.
EMBEDDABLE_PAGES = {"reports:reply_time_widget"}


def _assert_strict_csp(response: object, where: str, *, embeddable: bool = False) -> None:
    policy = response["Content-Security-Policy"]  # type: ignore[index]
    directives = dict(
        (part.strip().split(" ", 1) + [""])[:2] for part in policy.split(";") if part.strip()
    )
    assert directives["default-src"] == "'self'", (where, policy)
    assert directives["script-src"] == "'self'" and directives["style-src"] == "'self'", (where, policy)
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy, (where, policy)
    if embeddable:
        assert "frame-ancestors" not in directives and "X-Frame-Options" not in response, where  # type: ignore[operator]
        return
    assert directives["frame-ancestors"] == "'none'", (where, policy)
    assert response["X-Frame-Options"] == "DENY", where  # type: ignore[index]


def test_the_inline_checks_can_fail() -> None:
    assert _inline_problems('<p style="color:red">') and _inline_problems("<script>alert(1)</script>")
    assert _inline_problems('<button onclick="go()">') and _inline_problems("<style>p{}</style>")
    assert not _inline_problems('<script src="/static/x.js" defer></script><p class="x" data-on="1">')
    assert not _inline_problems('<script type="application/json" id="d">{}</script>')


def test_every_html_page_has_the_policy_and_nothing_inline(two_brands: TwoBrands) -> None:  # noqa: F811
    from channels.models import BrandAccount

    chat = BrandAccount.objects.create(brand=two_brands.brand_b, platform="chat", handle="globex.example")
    client = Client()
    client.force_login(two_brands.admin)
    checked = []
    for name, params in _patterns():
        if name.startswith("admin:") or "format" in params:
            continue
        kwargs = _kwargs(name, params, two_brands)
        if name.startswith("chat:") and "account_id" in kwargs:
            kwargs["account_id"] = chat.pk
        url = reverse(name, kwargs=kwargs)
        response = client.get(url)
        if not response.get("Content-Type", "").startswith("text/html") or response.status_code >= 300:
            continue
        body = b"".join(response.streaming_content).decode() if response.streaming else response.content.decode()
        # Every HTML page is strict, the widget's demo page too (it stands for a brand's site).
        _assert_strict_csp(response, url, embeddable=name in EMBEDDABLE_PAGES)
        assert _inline_problems(body) == [], (url, _inline_problems(body))
        checked.append(name)
    # The walk reached the pages that matter (a pattern rename would silently shrink it).
    for page in ("inbox:inbox", "inbox:ticket", "inbox:teams", "inbox:privacy", "inbox:customer_erase",
                 "channels:accounts", "channels:account", "shifts:hours", "audit:log", "chat:demo"):
        assert page in checked, (page, checked)


def test_the_login_page_and_djangos_admin_carry_the_policy(two_brands: TwoBrands) -> None:  # noqa: F811
    response = Client().get("/login/")
    _assert_strict_csp(response, "/login/")
    assert _inline_problems(response.content.decode()) == []
    from django.contrib.auth.models import User

    client = Client()
    client.force_login(User.objects.create_superuser("root", password="pw-root-12345"))
    for url in ("/admin/", "/admin/audit/auditentry/"):
        response = client.get(url)
        assert response.status_code == 200, url
        _assert_strict_csp(response, url)


def test_htmx_is_told_not_to_inject_styles_or_evaluate_code(two_brands: TwoBrands) -> None:  # noqa: F811
    client = Client()
    client.force_login(two_brands.admin)
    body = client.get("/").content.decode()
    config = json.loads(re.search(r"""<meta name="htmx-config" content='([^']*)'>""", body).group(1))  # type: ignore[union-attr]
    assert config["includeIndicatorStyles"] is False and config["allowEval"] is False
    # htmx's settle step would copy a style attribute with setAttribute, which the policy refuses.
    assert "style" not in config["attributesToSettle"]


def test_only_the_chat_widgets_endpoints_may_be_embedded(two_brands: TwoBrands) -> None:  # noqa: F811
    from channels.models import BrandAccount

    chat = BrandAccount.objects.create(brand=two_brands.brand_a, platform="chat", handle="acme.example")
    client = Client()
    for url in ("/chat/widget.js", f"/chat/{chat.pk}/config"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert "X-Frame-Options" not in response, url
        assert "frame-ancestors" not in response["Content-Security-Policy"], url
    _assert_strict_csp(client.get(f"/chat/demo/{chat.pk}/"), "demo page")
    _assert_strict_csp(client.get("/login/"), "login")


def test_cookies_are_httponly_and_samesite(two_brands: TwoBrands) -> None:  # noqa: F811
    client = Client()
    client.get("/login/")
    response = client.post("/login/", {"username": "chief", "password": "pw-chief-12345"})
    assert response.status_code == 302
    session = response.cookies["sessionid"]
    assert session["httponly"] and session["samesite"] == "Lax"
    csrf = client.get("/").cookies.get("csrftoken") or client.cookies["csrftoken"]
    assert csrf["samesite"] == "Lax" and csrf["httponly"]


def test_production_sets_secure_cookies_and_hsts(two_brands: TwoBrands, settings: object) -> None:  # noqa: F811
    settings.SESSION_COOKIE_SECURE = settings.CSRF_COOKIE_SECURE = True  # type: ignore[attr-defined]
    settings.SECURE_HSTS_SECONDS = 31536000  # type: ignore[attr-defined]
    client = Client()
    response = client.post("/login/", {"username": "chief", "password": "pw-chief-12345"}, secure=True)
    assert response.cookies["sessionid"]["secure"]
    assert client.get("/", secure=True)["Strict-Transport-Security"].startswith("max-age=31536000")


def _production_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HOVOR_SECURE", "SECURE_", "DEBUG"))}
    env.update({
        "HOVOR_ENV": "production",
        "DEBUG": "false",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "hovor.example.com",
        "CREDENTIALS_KEY": "",
    })
    env.pop("CREDENTIALS_KEY")
    return env


def test_check_deploy_is_clean_in_production_settings() -> None:
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT, env=_production_env(), capture_output=True, text=True, timeout=120,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "WARNING" not in output and "System check identified no issues" in output, output


def test_check_deploy_does_warn_outside_production() -> None:
    """The test above can fail: the development defaults are what it would catch."""
    env = _production_env()
    env["HOVOR_ENV"] = "development"
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
    )
    assert result.returncode != 0 and "security.W004" in result.stderr + result.stdout


@pytest.mark.parametrize("template_dir", ["templates", "channels", "inbox", "shifts", "audit"])
def test_no_template_has_inline_script_or_style(template_dir: str) -> None:
    """What the walk cannot reach (a fragment behind a condition): the template files."""
    problems = []
    for path in (ROOT / template_dir).rglob("*.html"):
        found = _inline_problems(path.read_text())
        if found:
            problems.append((str(path.relative_to(ROOT)), found))
    assert problems == []
