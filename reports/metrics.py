"""Report figures recomputed from the raw rows (Message and TicketEvent), never from counters
kept on the side, so any period can be asked for. Pure functions over plain records: the
selectors load the rows, these turn them into figures."""

from __future__ import annotations

import math
import statistics
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

HOUR = 3600.0


@dataclass(frozen=True)
class Conversation:
    """One inbound conversation (a ticket with at least one human, non-automated message in)."""

    ticket_id: int
    brand: str
    channel: str
    team: str
    first_in_at: datetime
    target_seconds: float
    first_reply_seconds: float | None  # None: no human reply yet
    first_replier: str  # display name of the first human replier, "" if none
    next_reply_seconds: tuple[float, ...] = ()
    resolution_seconds: float | None = None
    handlers: int = 0  # distinct people: ASSIGNED events' assignees and human repliers
    human_replies: int = 0


@dataclass(frozen=True)
class Figures:
    conversations: int
    answered: int
    answer_rate: float | None  # percent
    first_reply_median: float | None  # seconds
    first_reply_p90: float | None
    within_hour: float | None  # percent of inbound conversations answered within 1 h
    within_target: float | None  # percent answered within the channel's target
    next_reply_median: float | None
    resolution_median: float | None
    at_most_two_people: float | None  # percent of conversations handled by <= 2 people
    handoffs_mean: float | None = None
    extra: dict[str, float] = field(default_factory=dict)


def percentile(values: Sequence[float], q: float) -> float | None:
    """Nearest-rank percentile (q in 0..100): a value that really occurred."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[rank - 1]


def _median(values: Sequence[float]) -> float | None:
    return statistics.median(values) if values else None


def _share(part: int, whole: int) -> float | None:
    return 100.0 * part / whole if whole else None


def figures(conversations: Iterable[Conversation]) -> Figures:
    rows = list(conversations)
    n = len(rows)
    first = [c.first_reply_seconds for c in rows if c.first_reply_seconds is not None]
    nexts = [s for c in rows for s in c.next_reply_seconds]
    resolved = [c.resolution_seconds for c in rows if c.resolution_seconds is not None]
    return Figures(
        conversations=n,
        answered=len(first),
        answer_rate=_share(len(first), n),
        first_reply_median=_median(first),
        first_reply_p90=percentile(first, 90),
        within_hour=_share(sum(1 for s in first if s <= HOUR), n),
        within_target=_share(
            sum(1 for c in rows if c.first_reply_seconds is not None and c.first_reply_seconds <= c.target_seconds), n
        ),
        next_reply_median=_median(nexts),
        resolution_median=_median(resolved),
        at_most_two_people=_share(sum(1 for c in rows if c.handlers <= 2), n),
        handoffs_mean=(sum(max(0, c.handlers - 1) for c in rows) / n) if n else None,
    )


GROUPINGS: dict[str, Callable[[Conversation], str]] = {
    "channel": lambda c: c.channel,
    "brand": lambda c: c.brand,
    "team": lambda c: c.team,
    "agent": lambda c: c.first_replier,
}


def figures_by(
    conversations: Iterable[Conversation], *, key: Callable[[Conversation], str]
) -> list[tuple[str, Figures]]:
    groups: dict[str, list[Conversation]] = {}
    for c in conversations:
        groups.setdefault(key(c), []).append(c)
    return [(name, figures(rows)) for name, rows in sorted(groups.items(), key=lambda kv: (-len(kv[1]), kv[0]))]


# Upper bounds (seconds) of the first-response buckets; the last bucket is "longer".
BUCKETS = (15 * 60, HOUR, 4 * HOUR, 24 * HOUR)


def first_reply_distribution(conversations: Iterable[Conversation]) -> list[int]:
    """Counts per bucket: ≤15 min, ≤1 h, ≤4 h, ≤24 h, longer, not answered."""
    counts = [0] * (len(BUCKETS) + 2)
    for c in conversations:
        s = c.first_reply_seconds
        if s is None:
            counts[-1] += 1
            continue
        counts[next((i for i, bound in enumerate(BUCKETS) if s <= bound), len(BUCKETS))] += 1
    return counts


# --- customer satisfaction ---------------------------------------------------------------
@dataclass(frozen=True)
class CsatRecord:
    """One satisfaction question asked (a CsatSurvey row with its question sent)."""

    ticket_id: int
    brand: str
    channel: str
    agent: str
    rating: int | None  # None: not answered
    review_invited: bool = False
    review_accepted: bool = False


@dataclass(frozen=True)
class CsatFigures:
    asked: int
    answered: int
    response_rate: float | None  # percent of the asked who answered
    average: float | None  # mean rating of the answers, 1..5
    satisfied: float | None  # percent of the answers that are 4 or 5
    review_invited: int
    review_accepted: int


def csat_figures(records: Iterable[CsatRecord]) -> CsatFigures:
    rows = list(records)
    ratings = [r.rating for r in rows if r.rating is not None]
    return CsatFigures(
        asked=len(rows),
        answered=len(ratings),
        response_rate=_share(len(ratings), len(rows)),
        average=(sum(ratings) / len(ratings)) if ratings else None,
        satisfied=_share(sum(1 for r in ratings if r >= 4), len(ratings)),
        review_invited=sum(1 for r in rows if r.review_invited),
        review_accepted=sum(1 for r in rows if r.review_accepted),
    )


CSAT_GROUPINGS: dict[str, Callable[[CsatRecord], str]] = {
    "agent": lambda r: r.agent,
    "channel": lambda r: r.channel,
    "brand": lambda r: r.brand,
}


def csat_figures_by(
    records: Iterable[CsatRecord], *, key: Callable[[CsatRecord], str]
) -> list[tuple[str, CsatFigures]]:
    groups: dict[str, list[CsatRecord]] = {}
    for r in records:
        groups.setdefault(key(r), []).append(r)
    return [(name, csat_figures(rows)) for name, rows in sorted(groups.items(), key=lambda kv: (-len(kv[1]), kv[0]))]
