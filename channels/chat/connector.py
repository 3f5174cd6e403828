"""The website chat connector: no platform behind it. Visitors' messages arrive through the
widget endpoints (views.py), which store raw events like a webhook does; replies are
"sent" by storing them where the widget's event stream reads them (immediate delivery)."""
from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext_lazy as _

from channels.base import Badge, BaseConnector, ChannelLimits, MessageKind
from channels.types import NormalizedMessage, NormalizedStatus, OutboundRequest

from . import parser
from .files import CHAT_ATTACHMENT_LIMITS
from .selectors import chat_reply_find
from .services import chat_reply_store

if TYPE_CHECKING:
    from channels.models import BrandAccount

# Chat is private, one to one and answered while the visitor waits: social SLA. A reply of
# a few screens is the most a chat bubble should carry; the widget enforces the same cap.
CHAT_LIMITS = ChannelLimits(max_length=5000, counting="chars", public=False)


class ChatConnector(BaseConnector):
    platform = "chat"
    label = _("Live chat")
    badge = Badge(background="#e6f7f5", color="#0f766e")
    credential_fields = ()  # the account's id goes in the widget snippet
    polls = False
    kinds = (MessageKind("chat", _("chat")),)
    # The widget's snippet and look on the account page; typing indicators on the ticket.
    account_template = "chat/_account.html"
    agent_template = "chat/agent_hooks.html"
    limits: ChannelLimits = CHAT_LIMITS
    # The agent's files go into the visitor's widget (stored by the chat, served to that
    # session only: channels/chat/files.py).
    attachment_limits = CHAT_ATTACHMENT_LIMITS
    # verify / webhook_events stay unsupported (the base refuses): the widget endpoints
    # under /chat/<account>/ are the only way in.

    def parse(self, kind: str, payload: dict[str, Any]) -> Sequence[NormalizedMessage | NormalizedStatus]:
        return parser.parse(kind, payload)

    def send(self, account: BrandAccount, outbound: OutboundRequest) -> str:
        return chat_reply_store(account=account, outbound=outbound)

    def find_sent(self, account: BrandAccount, outbound: OutboundRequest) -> str | None:
        return chat_reply_find(account=account, outbound=outbound)


connector = ChatConnector()
