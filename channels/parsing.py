"""The parsing edge every connector shares: one error for a payload we cannot read, one for an
event we deliberately skip, and (added by the parsers' refactor) the dispatch helper and typed
accessors.

What each means downstream (the domain's ingest pipeline):
- MalformedPayload: the stored event is marked failed, with the reason; it never blocks others.
- SkippedEvent (and UnsupportedEventType, an event kind nobody handles): the stored event is
  marked ignored, with the reason, and counted as such on the account page.
"""

from __future__ import annotations


class MalformedPayload(ValueError):
    """A platform payload that does not have the shape its platform documents."""


class SkippedEvent(Exception):
    """An event Hovor deliberately does not turn into a message (an echo of our own send, a
    reaction, a typing notice …). Stored, marked ignored, never retried."""

    def __init__(self, reason: str = "") -> None:
        super().__init__(reason)
        self.reason = reason


class UnsupportedEventType(SkippedEvent):
    """An event kind no handler is declared for."""
