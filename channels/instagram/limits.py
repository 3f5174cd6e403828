"""Instagram's reply rules (Messenger API for Instagram): a DM's text may be at most 1000
bytes of UTF-8 (Czech letters take 2, Cyrillic 2, most emoji 4); a public reply to a
comment at most 2200 characters (Instagram's comment limit). The windows are Messenger's:
24 hours, 7 days with the HUMAN_AGENT tag; a private reply once per comment within 7 days.

Files go in DMs only, by URL (`attachment: {type, payload: {url}}`: Instagram fetches the
file): per Meta's "Send a Message" for Instagram, images PNG or JPEG up to 8 MB, video
(mp4, ogg, avi, mov, webm) and audio (aac, m4a, wav, mp4) up to 25 MB. One attachment per
message: the text and each file go as messages of their own."""
from __future__ import annotations

from channels.base import AttachmentLimits, ChannelLimits

DM_MAX_BYTES = 1000
COMMENT_MAX_LENGTH = 2200

DM_LIMITS = ChannelLimits(max_length=DM_MAX_BYTES, counting="utf8-bytes", public=False)
COMMENT_LIMITS = ChannelLimits(max_length=COMMENT_MAX_LENGTH, counting="chars", public=True)
IMAGE_TYPES = ("image/jpeg", "image/png")
# As the composer names a file's type (by its extension: .avi video/x-msvideo, .mov
# video/quicktime, .m4a audio/mp4, .wav audio/x-wav).
VIDEO_TYPES = ("video/mp4", "video/ogg", "video/x-msvideo", "video/quicktime", "video/webm")
AUDIO_TYPES = ("audio/aac", "audio/mp4", "audio/wav", "audio/x-wav")
DM_ATTACHMENT_LIMITS = AttachmentLimits(
    max_bytes=25 * 1024 * 1024, image_max_bytes=8 * 1024 * 1024, max_files=5,
    types=IMAGE_TYPES + VIDEO_TYPES + AUDIO_TYPES,
)
