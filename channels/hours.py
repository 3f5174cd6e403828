"""When a brand's team is at work, as the connector side needs to know it (poll faster in
staffed hours, tell a chat visitor when the team is back). The domain owns staffed hours and
shift plans; it registers a provider here when its app loads, so channels never imports it.
With no provider registered (a bare install of the connectors), every brand is always staffed."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Protocol


class TeamHours(Protocol):
    def off_hours_brand_ids(self, at: datetime) -> set[int]:
        """Brands that have staffed hours and are outside them at `at`."""
        ...

    def has_hours(self, brand_id: int) -> bool:
        """Whether the brand has staffed hours at all."""
        ...

    def is_staffed(self, brand_id: int, at: datetime) -> bool:
        """Whether the brand's team is at work at `at` (always, without hours)."""
        ...

    def next_staffed_at(self, brand_id: int, at: datetime) -> datetime | None:
        """When the team is next at work: `at` itself when staffed now, None if never."""
        ...

    def add_staffed_seconds(self, brand_id: int, at: datetime, seconds: float) -> datetime | None:
        """The moment `seconds` of staffed time after `at` (plain time without hours),
        None if never staffed."""
        ...


class AlwaysStaffed:
    def off_hours_brand_ids(self, at: datetime) -> set[int]:
        return set()

    def has_hours(self, brand_id: int) -> bool:
        return False

    def is_staffed(self, brand_id: int, at: datetime) -> bool:
        return True

    def next_staffed_at(self, brand_id: int, at: datetime) -> datetime | None:
        return at

    def add_staffed_seconds(self, brand_id: int, at: datetime, seconds: float) -> datetime | None:
        return at + timedelta(seconds=seconds)


_provider: TeamHours = AlwaysStaffed()


def team_hours_register(provider: TeamHours) -> None:
    global _provider
    _provider = provider


def team_hours() -> TeamHours:
    return _provider
