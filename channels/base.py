"""The connector interface. Connectors know nothing of tickets; the inbox knows nothing of
wire formats."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from .types import NormalizedMessage, OutboundRequest, RawEvent

if TYPE_CHECKING:
    from .models import BrandAccount


class UnsupportedEventType(Exception):
    pass


# A poller hands each page of raw events to this as soon as it has it (stored first).
RecordEvents = Callable[[list[RawEvent]], None]


@dataclass(frozen=True)
class ChannelLimits:
    max_length: int
    # "x-weighted" counts like X (URLs 23, CJK/emoji 2); "chars" counts code points.
    counting: str = "chars"
    public: bool = True
    # SLA class for first-response targets: "social" or "email".
    sla_class: str = "social"
    signature_separator: str = " "


class Connector(Protocol):
    platform: str
    limits: ChannelLimits

    def poll(self, account: BrandAccount, cursor: dict[str, Any], record: RecordEvents) -> dict[str, Any]: ...

    def parse(self, kind: str, payload: dict[str, Any]) -> list[NormalizedMessage]: ...

    def send(self, account: BrandAccount, outbound: OutboundRequest) -> str: ...

    def find_sent(self, account: BrandAccount, outbound: OutboundRequest) -> str | None: ...

    def count(self, text: str) -> int: ...

    def permalink(self, account: BrandAccount, platform_id: str, author_handle: str = "") -> str: ...
