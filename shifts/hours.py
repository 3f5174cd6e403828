"""Staffed hours as the connector side asks for them (channels.hours.TeamHours)."""

from __future__ import annotations

from datetime import datetime

from .selectors import add_staffed_seconds, hours_for_brand, is_staffed, next_staffed_at, off_hours_brand_ids


class BusinessHoursTeamHours:
    def off_hours_brand_ids(self, at: datetime) -> set[int]:
        return off_hours_brand_ids(at)

    def has_hours(self, brand_id: int) -> bool:
        return hours_for_brand(brand_id) is not None

    def is_staffed(self, brand_id: int, at: datetime) -> bool:
        return is_staffed(hours_for_brand(brand_id), at)

    def next_staffed_at(self, brand_id: int, at: datetime) -> datetime | None:
        return next_staffed_at(hours_for_brand(brand_id), at)

    def add_staffed_seconds(self, brand_id: int, at: datetime, seconds: float) -> datetime | None:
        return add_staffed_seconds(hours_for_brand(brand_id), at, seconds)
