"""Facebook's reply lengths (Messenger + Page comments); the reply windows Facebook shares
with Instagram are channels.meta.windows.

- Messenger text: up to 2000 characters (Meta's error says "must be less than or equal to
  2000"); a public comment reply up to 8000 characters."""
from __future__ import annotations

from channels.base import ChannelLimits

DM_MAX_LENGTH = 2000
COMMENT_MAX_LENGTH = 8000

DM_LIMITS = ChannelLimits(max_length=DM_MAX_LENGTH, counting="chars", public=False)
COMMENT_LIMITS = ChannelLimits(max_length=COMMENT_MAX_LENGTH, counting="chars", public=True)
