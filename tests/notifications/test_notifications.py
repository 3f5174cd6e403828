"""The bell and the notifications page: one person's news only, told once per key, read on
opening, links kept on this site."""
from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.test import Client

from notifications.actions import notifications_mark_read, notify, notify_many
from notifications.models import Notification
from notifications.selectors import BELL_CAP, unread_count

pytestmark = pytest.mark.django_db


def _person(name: str) -> User:
    return User.objects.create_user(name, password="pw-" + name)


def test_a_key_tells_each_person_once() -> None:
    jana, petr = _person("jana"), _person("petr")
    first = notify(recipient=jana, kind="sla_warning", text="#1 is due in 15 minutes", key="sla:1:warn")
    again = notify(recipient=jana, kind="sla_warning", text="#1 is due in 15 minutes", key="sla:1:warn")
    assert first is not None and again is None
    assert notify(recipient=petr, kind="sla_warning", text="#1 is due", key="sla:1:warn") is not None
    assert Notification.objects.count() == 2


def test_notify_many_skips_the_actor_and_repeats() -> None:
    jana, petr, eva = _person("jana"), _person("petr"), _person("eva")
    made = notify_many(recipients=[petr, eva, petr, jana], kind="mention", text="Jana mentioned you", actor=jana)
    assert sorted(n.recipient.username for n in made) == ["eva", "petr"]


def test_links_stay_on_this_site() -> None:
    jana = _person("jana")
    assert notify(recipient=jana, kind="other", text="x", url="https://evil.example/").url == ""  # type: ignore[union-attr]
    assert notify(recipient=jana, kind="other", text="x", url="//evil.example/").url == ""  # type: ignore[union-attr]
    assert notify(recipient=jana, kind="other", text="x", url="/tickets/4/#note-9").url == "/tickets/4/#note-9"  # type: ignore[union-attr]


def test_inactive_people_are_not_told() -> None:
    gone = _person("gone")
    gone.is_active = False
    gone.save()
    assert notify(recipient=gone, kind="other", text="x") is None


def test_the_count_is_capped_and_read_marks_it_down() -> None:
    jana = _person("jana")
    Notification.objects.bulk_create(
        [Notification(recipient=jana, kind="other", text=str(i)) for i in range(BELL_CAP + 5)]
    )
    assert unread_count(user=jana) == BELL_CAP + 1
    notifications_mark_read(user=jana)
    assert unread_count(user=jana) == 0


def test_the_bell_and_page_show_only_ones_own(client: Client) -> None:
    jana, petr = _person("jana"), _person("petr")
    notify(recipient=jana, kind="mention", text="Petr mentioned you on #7 <b>now</b>", url="/tickets/7/")
    mine = notify(recipient=petr, kind="handoff", text="Petr's own news")
    client.force_login(jana)
    bell = client.get("/notifications/bell/")
    assert bell.status_code == 200 and 'class="bell-count">1<' in bell.content.decode()
    page = client.get("/notifications/").content.decode()
    assert "Petr mentioned you on #7 &lt;b&gt;now&lt;/b&gt;" in page  # colleague text stays text
    assert "Petr's own news" not in page
    assert client.post(f"/notifications/{mine.pk}/open/").status_code == 404  # type: ignore[union-attr]
    opened = client.post(f"/notifications/{Notification.objects.get(recipient=jana).pk}/open/")
    assert opened.status_code == 302 and opened["Location"] == "/tickets/7/"
    assert unread_count(user=jana) == 0
    assert 'bell-count' not in client.get("/notifications/bell/").content.decode()
    mentions = client.get("/notifications/?kind=mention").content.decode()
    assert "Petr mentioned you" in mentions
