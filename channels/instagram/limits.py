"""Instagram's reply rules (Messenger API for Instagram): a DM's text may be at most 1000
bytes of UTF-8 (Czech letters take 2, Cyrillic 2, most emoji 4); a public reply to a
comment at most 2200 characters (Instagram's comment limit). The windows are Messenger's:
24 hours, 7 days with the HUMAN_AGENT tag; a private reply once per comment within 7 days."""
from __future__ import annotations

from channels.base import ChannelLimits

DM_MAX_BYTES = 1000
COMMENT_MAX_LENGTH = 2200

DM_LIMITS = ChannelLimits(max_length=DM_MAX_BYTES, counting="utf8-bytes", public=False)
COMMENT_LIMITS = ChannelLimits(max_length=COMMENT_MAX_LENGTH, counting="chars", public=True)
