"""Erlang C against values worked by hand and published tables."""
from __future__ import annotations

import pytest

from reports.erlang import agents_needed, erlang_b, erlang_c, service_level


def test_erlang_b_and_c_by_hand() -> None:
    # A = 2 Erlangs, 3 agents: B = (8/6) / (1 + 2 + 2 + 8/6) = 4/19; C = 4/9.
    assert erlang_b(2, 3) == pytest.approx(4 / 19)
    assert erlang_c(2, 3) == pytest.approx(4 / 9)
    # One agent: C equals the utilisation (M/M/1).
    assert erlang_c(0.6, 1) == pytest.approx(0.6)


def test_erlang_c_table_values() -> None:
    # Standard tables: A = 10 Erlangs.
    assert erlang_c(10, 11) == pytest.approx(0.6821, abs=5e-4)
    assert erlang_c(10, 12) == pytest.approx(0.4494, abs=5e-4)
    assert erlang_c(10, 10) == 1.0  # cannot keep up


def test_the_classic_call_centre_example() -> None:
    # 100 calls per half hour, 3 min each (A = 10), 80% within 20 s: 14 agents
    # (13 give 79.6%, 14 give 88.8%, as in the published worked example).
    assert agents_needed(rate_per_hour=200, handling_seconds=180, target_seconds=20, share=0.8) == 14
    assert service_level(rate_per_hour=200, handling_seconds=180, agents=13, target_seconds=20) == pytest.approx(
        0.796, abs=1e-3
    )
    assert service_level(rate_per_hour=200, handling_seconds=180, agents=14, target_seconds=20) == pytest.approx(
        0.888, abs=1e-3
    )


def test_quiet_hours_need_nobody_and_one_conversation_needs_one() -> None:
    assert agents_needed(rate_per_hour=0, handling_seconds=300, target_seconds=3600, share=0.8) == 0
    assert agents_needed(rate_per_hour=0.5, handling_seconds=300, target_seconds=3600, share=0.8) == 1


def test_first_reply_buckets() -> None:
    from datetime import UTC, datetime

    from reports.metrics import Conversation, first_reply_distribution

    def c(s: float | None) -> Conversation:
        return Conversation(1, "b", "x", "", datetime(2026, 1, 1, tzinfo=UTC), 3600, s, "")

    got = first_reply_distribution([c(60), c(900), c(901), c(3600), c(4 * 3600 + 1), c(90000), c(None)])
    assert got == [2, 2, 0, 1, 1, 1]
