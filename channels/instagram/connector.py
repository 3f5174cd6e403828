"""The Instagram connector (Messenger API for Instagram, through the connected Page): DMs
and comments by webhook (`object: "instagram"`), replies by the Page's Send API and the
IG comment `replies` edge. See doc.md."""
from __future__ import annotations

from channels.base import ChannelLimits
from channels.facebook.meta_page import MetaPageConnector

from . import parser
from .client import InstagramClient
from .limits import COMMENT_LIMITS, DM_LIMITS


class InstagramConnector(MetaPageConnector):
    platform = "instagram"
    object_name = "instagram"
    label = "Instagram"
    limits: ChannelLimits = DM_LIMITS
    comment_limits: ChannelLimits = COMMENT_LIMITS
    client_class = InstagramClient
    parse_event = staticmethod(parser.parse)
    classify_change = staticmethod(parser.classify_change)


connector = InstagramConnector()
