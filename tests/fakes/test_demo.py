"""The demo's side of the fakes (fakes/demo.py): every registered platform's fake declares
it, the launcher's ports follow the declarations, seed_demo connects one account per
declared platform with nothing platform-specific of its own, and the crowd writes what
each platform's declaration says."""
from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from channels.models import BrandAccount
from channels.registry import supported_platforms
from fakes import crowd
from fakes.demo import LANGUAGES, Crowd, DemoRun, FakeDemo, declared, ports
from fakes.telegram import FakeTelegram
from fakes.whatsapp import FakeWhatsApp
from fakes.x import FakeX


def test_every_registered_platform_has_a_fake_with_a_demo() -> None:
    demos = declared()
    assert list(demos) == supported_platforms()
    for platform, demo in demos.items():
        assert demo.handle, platform
        assert demo.crowd is None or set(demo.crowd.languages) <= set(LANGUAGES), platform
        run = DemoRun(platform, 9000, "http://127.0.0.1:8000", account_id=7)
        command = demo.command(run)
        assert command[:2] == ["--port", "9000"], platform
        assert ("--webhook" in command) == demo.webhook
        if demo.webhook:
            assert command[command.index("--webhook") + 1] == f"http://127.0.0.1:8000/webhooks/{platform}/7/"


def test_ports_are_counted_up_in_registry_order_and_a_fake_may_take_several() -> None:
    demos = {"a": FakeDemo(handle="a"), "b": FakeDemo(handle="b", ports=3), "c": FakeDemo(handle="c")}
    assert ports(demos, 8100) == {"a": 8100, "b": 8101, "c": 8104}


def test_a_platform_without_a_fake_is_left_out() -> None:
    assert declared(["x", "nonexistent_platform"]) == {"x": declared(["x"])["x"]}


@pytest.mark.django_db
def test_seed_demo_connects_one_account_per_declared_platform() -> None:
    demos = declared()
    urls = {p: f"http://127.0.0.1:{9100 + 3 * i}" for i, p in enumerate(demos)}
    args = [f"--{p}-base-url={url}" for p, url in urls.items() if demos[p].base_url]
    out = StringIO()
    call_command("seed_demo", *args, "--web-url", "http://127.0.0.1:8600", stdout=out)
    accounts = {a.platform: a for a in BrandAccount.objects.all()}
    assert set(accounts) == set(demos)
    for platform, account in accounts.items():
        assert account.handle == demos[platform].handle
        base_url = urls[platform] if demos[platform].base_url else ""
        assert account.base_url == base_url
        assert account.credentials == demos[platform].credentials_for(base_url)
    assert "log in at http://127.0.0.1:8600/" in out.getvalue()
    assert f"http://127.0.0.1:8600/chat/demo/{accounts['chat'].pk}/" in out.getvalue()
    # Again on other ports: the same accounts follow their fakes (the mailbox's ports too).
    moved = {p: f"http://127.0.0.1:{9500 + 3 * i}" for i, p in enumerate(demos)}
    call_command("seed_demo", *[f"--{p}-base-url={u}" for p, u in moved.items() if demos[p].base_url],
                 stdout=StringIO())
    assert BrandAccount.objects.count() == len(demos)
    mailbox = BrandAccount.objects.get(platform="email")
    assert mailbox.base_url == moved["email"] and mailbox.credentials["imap_port"] == int(moved["email"][-4:]) + 1


def test_the_crowd_follows_xs_declaration() -> None:
    with FakeX(rate_limit_scale=1000) as fake:
        posted = crowd.run(fake.base_url, every=0.01, count=6, seed=1, platform="x")
        assert len(posted) == 6
        assert all(fake.tweet(str(p["id"])) is not None for p in posted)
        assert all(p["text"] for p in posted)


def test_the_crowd_follows_whatsapps_declaration() -> None:
    whatsapp = declared(["whatsapp"])["whatsapp"].crowd
    assert whatsapp is not None
    with FakeWhatsApp() as fake:
        crowd.run(fake.base_url, every=0.01, count=3, seed=2, platform="whatsapp")
        senders = {d.payload["entry"][0]["changes"][0]["value"]["messages"][0]["from"] for d in fake.deliveries()}
    assert senders and all(s.startswith("420") and s.endswith("123") for s in senders)
    assert senders <= {whatsapp.author(handle) for handle, _, _ in crowd.CUSTOMERS}


def test_a_crowd_writes_only_its_languages_and_lines() -> None:
    lines = {"bg": ["Здравейте {n}"], "cs": ["Dobrý den {n}"]}
    with FakeTelegram() as fake:
        crowd.run(fake.base_url, every=0.01, count=5, seed=3, platform="telegram",
                  crowd=Crowd(languages=("bg", "cs"), lines=lines))
        texts = [u["message"]["text"] for u in fake.pending()]
    assert len(texts) == 5 and all(t.split()[0] in ("Здравейте", "Dobrý") for t in texts)


def test_one_crowd_process_writes_on_several_platforms() -> None:
    import subprocess
    import sys
    from pathlib import Path

    with FakeX(rate_limit_scale=1000) as x, FakeTelegram() as telegram:
        done = subprocess.run(
            [sys.executable, "-m", "fakes.crowd", f"--to=x={x.base_url}", f"--to=telegram={telegram.base_url}",
             "--count", "2", "--every", "0.01", "--seed", "4"],
            cwd=Path(__file__).resolve().parents[2], capture_output=True, text=True, timeout=60,
        )
        assert done.returncode == 0, done.stderr
        assert len(telegram.pending()) == 2
        assert sum(len(ids) for ids in x._mentions.values()) == 2  # the X crowd writes mentions
    assert done.stderr == ""
