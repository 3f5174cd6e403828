"""Facebook's reply lengths (Messenger + Page comments); the reply windows Facebook shares
with Instagram are channels.meta.windows.

- Messenger text: up to 2000 characters (Meta's error says "must be less than or equal to
  2000"); a public comment reply up to 8000 characters.
- Files (Messenger only; a comment reply carries text): uploaded with the Attachment Upload
  API and sent as image, video, audio or file, any type, up to 25 MB each (Meta's "Saving
  assets": "up to 25 MB in size"; the 8 MB picture limit is for uploads by URL, which Hovor
  does not use here). One attachment per message: a reply's text and each file go as
  messages of their own."""
from __future__ import annotations

from channels.base import AttachmentLimits, ChannelLimits

DM_MAX_LENGTH = 2000
COMMENT_MAX_LENGTH = 8000

DM_LIMITS = ChannelLimits(max_length=DM_MAX_LENGTH, counting="chars", public=False)
COMMENT_LIMITS = ChannelLimits(max_length=COMMENT_MAX_LENGTH, counting="chars", public=True)
DM_ATTACHMENT_LIMITS = AttachmentLimits(max_bytes=25 * 1024 * 1024, max_files=5)
