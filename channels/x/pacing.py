"""How much and how fast Hovor reads from X, kept in the account's poll cursor so an admin
sees it (Django admin → Brand accounts → poll cursor):

- ``paused``: ``{feed: {"until": ISO time, "reason": text}}``. A feed whose last answer said
  ``x-rate-limit-remaining`` ≤ RATE_RESERVE waits for that window's ``x-rate-limit-reset``
  instead of running into a 429; a 429 or an error on an optional feed (DMs, search)
  pauses only that feed.
- ``read_budget``: ``{"month": "YYYY-MM", "read": n, "limit": n or null, "stopped": text}``.
  Every post the mentions timeline and the recent search return counts: those endpoints
  count towards X's monthly post cap (DM lookups do not, so DMs are neither counted nor
  stopped). X counts a post returned twice in one UTC day once; Hovor counts it twice, so
  it errs on the safe side. Once ``read`` reaches the account's
  ``options["monthly_read_budget"]`` mentions and search are not read again until the
  next calendar month (UTC) or a higher budget, and ``stopped`` says why."""
from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from .client import RateState

# Keep one request of each 15-minute window in hand: X's counters are per app and user,
# and another client of the same app may be spending them too.
RATE_RESERVE = 1


def _parse(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def next_month(now: datetime) -> datetime:
    return datetime(now.year + (now.month == 12), now.month % 12 + 1, 1, tzinfo=UTC)


class Pacer:
    def __init__(self, cursor: dict[str, Any], *, now: datetime, budget: int | None) -> None:
        self.cursor = cursor
        self.now = now
        month = now.astimezone(UTC).strftime("%Y-%m")
        state = cursor.get("read_budget")
        if not isinstance(state, dict) or state.get("month") != month or not isinstance(state.get("read"), int):
            state = {"month": month, "read": 0}
        state["limit"] = budget
        state["stopped"] = ""
        cursor["read_budget"] = self.budget = state
        paused = cursor.get("paused")
        kept: dict[str, Any] = {}
        for feed, pause in (paused.items() if isinstance(paused, dict) else []):
            until = _parse(pause.get("until")) if isinstance(pause, dict) else None
            if until is not None and until > now:
                kept[feed] = pause
        cursor["paused"] = self.paused = kept

    # --- rate-limit windows ----------------------------------------------------------
    def is_paused(self, feed: str) -> bool:
        return feed in self.paused

    def pause(self, feed: str, until: datetime, reason: str) -> None:
        current = _parse(self.paused.get(feed, {}).get("until"))
        if current is not None and current >= until:
            return
        self.paused[feed] = {"until": until.astimezone(UTC).isoformat(), "reason": reason}

    def observe(self, feed: str, rate: RateState) -> None:
        """After a successful call: if the window is (almost) spent, wait for its reset."""
        if rate.remaining is None or rate.reset is None or rate.remaining > RATE_RESERVE:
            return
        if rate.reset <= self.now:
            return
        self.pause(
            feed,
            rate.reset,
            f"x-rate-limit-remaining {rate.remaining} of {rate.limit}; waiting for the window to reset",
        )

    # --- monthly read budget ---------------------------------------------------------
    def spend(self, count: int) -> None:
        self.budget["read"] += count

    def left(self) -> int | None:
        limit = self.budget.get("limit")
        return None if limit is None else max(0, int(limit) - int(self.budget["read"]))

    def spent(self) -> bool:
        left = self.left()
        if left is None or left > 0:
            return False
        self.budget["stopped"] = (
            f"Monthly read budget of {self.budget['limit']} posts spent ({self.budget['read']} read in "
            f"{self.budget['month']}); reading resumes on {next_month(self.now).date().isoformat()} (UTC) "
            "or when the budget is raised."
        )
        return True

    def page_size(self, minimum: int, maximum: int = 100) -> int:
        """Ask for no more than the budget has left (X's per-endpoint minimum allowing)."""
        left = self.left()
        return maximum if left is None else max(minimum, min(maximum, left))
