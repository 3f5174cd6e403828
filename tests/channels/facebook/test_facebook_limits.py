"""Meta's reply windows and limits, at their edges."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from channels.base import ReplyContext
from channels.facebook.connector import connector as facebook
from channels.instagram.connector import connector as instagram
from channels.meta.windows import HUMAN_AGENT, RESPONSE, check_window, send_mode

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("age", "expected"),
    [
        (timedelta(0), RESPONSE),
        (timedelta(hours=23, minutes=58), RESPONSE),
        (timedelta(hours=23, minutes=59, seconds=30), HUMAN_AGENT),  # too close to call: tag it
        (timedelta(hours=24, seconds=1), HUMAN_AGENT),
        (timedelta(days=6, hours=23, minutes=59), HUMAN_AGENT),
        (timedelta(days=7), None),
        (timedelta(days=300), None),
    ],
)
def test_send_mode(age: timedelta, expected: object) -> None:
    assert send_mode(NOW - age, NOW) == expected


def test_unknown_time_is_left_to_meta() -> None:
    assert send_mode(None, NOW) == RESPONSE
    assert check_window(platform="Facebook", kind="dm", mode="", last_customer_message_at=None, now=NOW) == ""


@pytest.mark.parametrize(
    ("kind", "mode", "age", "refused"),
    [
        ("dm", "", timedelta(days=6), False),
        ("dm", "", timedelta(days=7, minutes=1), True),
        ("comment", "", timedelta(days=400), False),
        ("comment_edit", "", timedelta(days=400), False),
        ("comment", "private", timedelta(days=6, hours=23), False),
        ("comment", "private", timedelta(days=7, minutes=1), True),
        ("comment_edit", "private", timedelta(days=8), True),
    ],
)
def test_check_reply(kind: str, mode: str, age: timedelta, refused: bool) -> None:
    for connector in (facebook, instagram):
        error = connector.check_reply(ReplyContext(kind=kind, mode=mode, last_customer_message_at=NOW - age, now=NOW))
        assert bool(error) is refused
        if refused:
            assert str(connector.label) in error and "7 days" in error


def test_limits_per_kind() -> None:
    assert (facebook.limits_for("dm").max_length, facebook.limits_for("dm").counting) == (2000, "chars")
    assert facebook.limits_for("comment").max_length == facebook.limits_for("comment_edit").max_length == 8000
    assert facebook.limits_for("comment").public and not facebook.limits_for("dm").public
    assert (instagram.limits_for("dm").max_length, instagram.limits_for("dm").counting) == (1000, "utf8-bytes")
    assert instagram.limits_for("comment").max_length == 2200
    assert instagram.count("ž😀") == 6 and facebook.count("ž😀") == 2
    assert facebook.polls is False and instagram.polls is False
