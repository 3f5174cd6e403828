"""Who is on shift at a moment: the one question routing asks of the shift plan.

A team without a shift plan counts all its members as on shift (as a brand without staffed
hours is always staffed): Hovor routes from the first minute, and a lead who plans shifts
narrows it. The plan itself (weekly shifts, exceptions, holidays) answers here."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime


def on_shift_user_ids(*, user_ids: Iterable[int], at: datetime) -> set[int]:
    """Of these people, those on shift at `at`."""
    return set(user_ids)
