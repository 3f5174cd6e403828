"""Asserting a deliberate skip: the parser raises channels.parsing.SkippedEvent with a reason
(stored, marked ignored), and not UnsupportedEventType (a kind nobody declared)."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from channels.parsing import SkippedEvent, UnsupportedEventType


def skipped(parse: Callable[[str, Any], Any], kind: str, payload: Any) -> str:
    """The reason `parse` gives for deliberately skipping this event."""
    with pytest.raises(SkippedEvent) as caught:
        parse(kind, payload)
    assert not isinstance(caught.value, UnsupportedEventType), f"{kind}: undeclared, not skipped: {caught.value}"
    assert caught.value.reason, f"{kind}: skipped without a reason"
    return caught.value.reason
