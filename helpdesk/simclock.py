"""A settable clock for simulations (bench/care_day.py): with HOVOR_SIM_CLOCK set to
"<sim start epoch>,<real start epoch>,<scale>", every Django process (web, workers, the bench)
reads `django.utils.timezone.now()` as sim start + (real time − real start) × scale, so a
day runs in minutes through the same code paths. Unset (production), nothing changes."""

from __future__ import annotations

import time
from datetime import UTC, datetime

_real_time = time.time


def parse(value: str) -> tuple[float, float, float]:
    sim0, real0, scale = (float(part) for part in value.split(","))
    return sim0, real0, scale


def sim_epoch(value: str) -> float:
    sim0, real0, scale = parse(value)
    return sim0 + (_real_time() - real0) * scale


def install_django(value: str) -> None:
    """Patch django.utils.timezone.now (called as timezone.now() across Hovor and Django)."""
    from django.utils import timezone

    def now() -> datetime:
        return datetime.fromtimestamp(sim_epoch(value), tz=UTC)

    timezone.now = now


def install_time(value: str) -> None:
    """Patch time.time in a non-Django process (a platform fake), for its timestamps."""
    time.time = lambda: sim_epoch(value)
