"""Erlang C: how many people a queue needs. Arrivals are Poisson at `rate` per hour, each
conversation takes `handling_seconds` of an agent's time on average; traffic A = rate × time
in hours (Erlangs). The probability that an arrival waits with n agents is Erlang C; the
share answered within t is 1 − C·e^(−(n−A)·t/h). Computed through the Erlang B recursion,
which stays stable for large n (no factorials)."""

from __future__ import annotations

import math

MAX_AGENTS = 500


def erlang_b(traffic: float, agents: int) -> float:
    b = 1.0
    for k in range(1, agents + 1):
        b = traffic * b / (k + traffic * b)
    return b


def erlang_c(traffic: float, agents: int) -> float:
    """Probability that an arrival has to wait (1.0 when the agents cannot keep up)."""
    if traffic <= 0:
        return 0.0
    if agents <= traffic:
        return 1.0
    b = erlang_b(traffic, agents)
    return agents * b / (agents - traffic * (1 - b))


def service_level(*, rate_per_hour: float, handling_seconds: float, agents: int, target_seconds: float) -> float:
    """Share of arrivals answered within target_seconds (0..1)."""
    traffic = rate_per_hour * handling_seconds / 3600
    if traffic <= 0:
        return 1.0
    if agents <= traffic:
        return 0.0
    return 1 - erlang_c(traffic, agents) * math.exp(-(agents - traffic) * target_seconds / handling_seconds)


def agents_needed(*, rate_per_hour: float, handling_seconds: float, target_seconds: float, share: float) -> int:
    """The fewest agents for `share` (0..1) of arrivals to be answered within target_seconds."""
    if rate_per_hour <= 0 or handling_seconds <= 0:
        return 0
    traffic = rate_per_hour * handling_seconds / 3600
    n = max(1, math.floor(traffic) + 1)
    while n < MAX_AGENTS:
        level = service_level(
            rate_per_hour=rate_per_hour, handling_seconds=handling_seconds, agents=n, target_seconds=target_seconds
        )
        if level >= share:
            return n
        n += 1
    return MAX_AGENTS
