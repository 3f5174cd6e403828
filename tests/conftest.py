"""Shared fixtures. What needs PostgreSQL, Redis or Chromium is marked; when one is
missing such tests are skipped with a reason, or fail when HOVOR_REQUIRE_SERVICES=1 (CI)."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings

from helpdesk.celery import app as celery_app
from tests.support import X_CREDENTIALS

ROOT = Path(__file__).resolve().parent.parent
REQUIRE = os.environ.get("HOVOR_REQUIRE_SERVICES") == "1"
CHROMIUM = os.environ.get("HOVOR_CHROMIUM", "/usr/bin/chromium")



def _missing_services() -> list[str]:
    missing = []
    if settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
        missing.append("PostgreSQL (DATABASE_URL is not postgres)")
    if not settings.REDIS_URL:
        missing.append("Redis (REDIS_URL is not set)")
    return missing


def skip_or_fail(reason: str) -> None:
    if REQUIRE:
        pytest.fail(f"required for this run but missing: {reason}")
    pytest.skip(reason)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    missing = _missing_services()
    chromium = shutil.which(CHROMIUM) or os.path.exists(CHROMIUM)
    for item in items:
        if "integration" in item.keywords and missing and not REQUIRE:
            item.add_marker(pytest.mark.skip(reason="integration: needs " + ", ".join(missing)))
        if "browser" in item.keywords and not chromium and not REQUIRE:
            item.add_marker(pytest.mark.skip(reason=f"browser: no Chromium at {CHROMIUM}"))


@pytest.fixture(autouse=True)
def _celery_mode(request: pytest.FixtureRequest) -> Iterator[None]:
    """Unit tests run tasks eagerly in-process; integration tests use a real worker."""
    # The app reads Django settings under the CELERY_ namespace, so set the namespaced key.
    eager = "integration" not in request.keywords
    previous = celery_app.conf.task_always_eager
    celery_app.conf.CELERY_TASK_ALWAYS_EAGER = eager
    yield
    celery_app.conf.CELERY_TASK_ALWAYS_EAGER = previous


@pytest.fixture(autouse=True)
def _fresh_account_cache() -> Iterator[None]:
    """Ids are reused between tests on SQLite: never serve an earlier test's account."""
    from channels.webhooks import forget_account

    forget_account()
    yield
    forget_account()


@pytest.fixture(autouse=True)
def _english_between_tests() -> Iterator[None]:
    """A request with Accept-Language activates that language in the test's thread (Django
    does not switch back): every test starts and ends in the default language."""
    from django.utils import translation

    translation.deactivate()
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def _isolated_cache(request: pytest.FixtureRequest, settings: Any) -> None:
    """Unit tests get a private in-memory cache; integration tests share Redis with the worker."""
    if "integration" not in request.keywords:
        settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}


@pytest.fixture(autouse=True)
def _login_throttle_off(settings: Any, _isolated_cache: None) -> None:
    """The suite logs in many times, often with Django's test client (which passes no request,
    as django-axes needs): the throttle is off unless a test turns it on (accounts tests do,
    with `settings.AXES_ENABLED = True`). The sign-in policy's cached copy (locmem outlives a
    test's rolled-back row) is dropped, so every test starts with the policy in its database."""
    from django.core.cache import cache

    from accounts.selectors import POLICY_CACHE_KEY

    settings.AXES_ENABLED = False
    cache.delete(POLICY_CACHE_KEY)


@pytest.fixture
def fake_x() -> Iterator[Any]:
    from fakes.x import FakeX

    fake = FakeX(
        consumer_key=X_CREDENTIALS["consumer_key"],
        consumer_secret=X_CREDENTIALS["consumer_secret"],
        access_token=X_CREDENTIALS["access_token"],
        access_token_secret=X_CREDENTIALS["access_token_secret"],
        bearer_token=X_CREDENTIALS["bearer_token"],
        rate_limit_scale=1000,
    ).start()
    yield fake
    fake.stop()


@pytest.fixture
def brand(db: None) -> Any:
    from channels.models import Brand

    return Brand.objects.create(name="Acme")


@pytest.fixture
def x_account(brand: Any, fake_x: Any) -> Any:
    from channels.services import brand_account_connect

    return brand_account_connect(
        brand=brand, platform="x", handle="@AcmeCare", base_url=fake_x.base_url, credentials=dict(X_CREDENTIALS)
    )


@pytest.fixture
def everyone_team(db: None) -> Iterator[Any]:
    """The team an upgraded single-team install has (migration inbox 0006): every brand,
    including those a test creates later. Agents see only their teams' brands."""
    from django.db.models.signals import post_save

    from channels.models import Brand
    from inbox.models import Team

    team = Team.objects.create(name="Everyone")
    team.brands.set(Brand.objects.all())

    def cover(sender: Any, instance: Any, created: bool, **kwargs: Any) -> None:
        if created:
            team.brands.add(instance)

    post_save.connect(cover, sender=Brand, weak=False, dispatch_uid="tests-everyone-team")
    yield team
    post_save.disconnect(sender=Brand, dispatch_uid="tests-everyone-team")


@pytest.fixture
def agent(everyone_team: Any) -> Any:
    from django.contrib.auth.models import User

    from inbox.models import AgentProfile

    user = User.objects.create_user("jana", password="pw-jana-123")
    AgentProfile.objects.create(user=user, display_name="Jana Dvořáková", signature="^JD")
    everyone_team.members.add(user)
    return user


# --- real worker ----------------------------------------------------------------------
def worker_env(**extra: str) -> dict[str, str]:
    """The environment of a real worker process on this test's database and Redis."""
    db = settings.DATABASES["default"]
    env = dict(os.environ)
    env.update({
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT'] or 5432}/{db['NAME']}",
        "REDIS_URL": settings.REDIS_URL, "CELERY_BROKER_URL": settings.CELERY_BROKER_URL, "CONN_MAX_AGE": "0",
        **extra,
    })
    return env


@pytest.fixture(scope="session")
def celery_worker_process(django_db_setup: None, django_db_blocker: Any, tmp_path_factory: Any) -> Iterator[None]:
    """A real `celery -A helpdesk worker` process on Redis, against the test database. Plain,
    with no -Q, as the README and the design name it: it must consume every queue."""
    missing = _missing_services()
    if missing:
        skip_or_fail(", ".join(missing))
    import redis

    redis.Redis.from_url(settings.REDIS_URL).flushdb()
    env = worker_env(HOVOR_HTTP_TIMEOUT="2")
    log = tmp_path_factory.mktemp("worker") / "worker.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "helpdesk", "worker", "-c", "2", "-l", "info",
             "--without-gossip", "--without-mingle", "--without-heartbeat"],
            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
        )
    deadline = time.time() + 60
    while b"ready." not in log.read_bytes():
        if proc.poll() is not None or time.time() > deadline:
            proc.kill()
            pytest.fail("celery worker did not start:\n" + log.read_text(errors="replace")[-3000:])
        time.sleep(0.2)
    yield
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
    if os.environ.get("HOVOR_SHOW_WORKER_LOG"):
        print(log.read_text(errors="replace")[-5000:])


# --- real browser -----------------------------------------------------------------------
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Debian's headless Chromium driven by Playwright (its driver ships in the wheel)."""
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; let the ORM run beside it.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    playwright = sync_playwright().start()
    try:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            yield browser
        finally:
            browser.close()
    finally:
        playwright.stop()
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous
