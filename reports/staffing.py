"""Volume by hour of day × weekday and the staffing it asks for (Erlang C). Pure functions:
the selectors hand in the conversations and the human replies of the period."""

from __future__ import annotations

import statistics
from collections.abc import Iterable, Sequence
from datetime import date, datetime, timedelta, tzinfo

from .erlang import agents_needed
from .metrics import Conversation

# Two replies by the same person closer than this are taken as back-to-back work: the gap is
# the time one reply took. Longer gaps include idle time and are left out.
BUSY_GAP_SECONDS = 30 * 60
DEFAULT_REPLY_SECONDS = 5 * 60.0


def weekday_counts(start: date, end: date) -> list[int]:
    """How many Mondays, Tuesdays, … lie in [start, end) (dates)."""
    counts = [0] * 7
    day = start
    while day < end:
        counts[day.weekday()] += 1
        day += timedelta(days=1)
    return counts


def volume(conversations: Iterable[Conversation], *, tz: tzinfo) -> list[list[int]]:
    """Incoming conversations per [weekday][hour] in tz (Monday first)."""
    grid = [[0] * 24 for _ in range(7)]
    for c in conversations:
        local = c.first_in_at.astimezone(tz)
        grid[local.weekday()][local.hour] += 1
    return grid


def reply_seconds(replies: Sequence[tuple[int, datetime]]) -> float:
    """Median time one human reply takes, from the gaps between a person's consecutive replies."""
    by_person: dict[int, list[datetime]] = {}
    for user_id, at in replies:
        by_person.setdefault(user_id, []).append(at)
    gaps = []
    for times in by_person.values():
        times.sort()
        steps = ((b - a).total_seconds() for a, b in zip(times, times[1:], strict=False))
        gaps += [g for g in steps if 0 < g <= BUSY_GAP_SECONDS]
    return statistics.median(gaps) if gaps else DEFAULT_REPLY_SECONDS


def handling_seconds(conversations: Sequence[Conversation], *, per_reply: float) -> float:
    """Agent time per conversation: replies per answered conversation × time per reply."""
    answered = [c for c in conversations if c.human_replies]
    replies = sum(c.human_replies for c in answered) / len(answered) if answered else 1.0
    return replies * per_reply


def staffing(
    grid: list[list[int]], *, days: list[int], handling: float, target_seconds: float, share: float
) -> list[list[int]]:
    """People needed per [weekday][hour]: arrival rate = conversations in that hour / that
    weekday's count in the period."""
    return [
        [
            agents_needed(
                rate_per_hour=grid[d][h] / days[d] if days[d] else 0.0,
                handling_seconds=handling, target_seconds=target_seconds, share=share,
            )
            for h in range(24)
        ]
        for d in range(7)
    ]
