"""X's length rules: weighted counting from twitter-text config v3 (URLs 23, CJK/emoji 2,
NFC-normalised), with a 280 budget for tweets and 10,000 characters for DMs."""
from __future__ import annotations

import unicodedata

from django.utils.translation import gettext_lazy as _
from twitter_text import parse_tweet

from channels.base import AttachmentLimits, ChannelLimits

TWEET_LIMITS = ChannelLimits(max_length=280, counting="x-weighted", public=True)
DM_MAX_LENGTH = 10_000
# A DM is private and counted in plain characters (code points), up to 10,000.
DM_LIMITS = ChannelLimits(max_length=DM_MAX_LENGTH, counting="chars", public=False)


# Pictures X takes through the v2 media upload (docs.x.com, media best practices): JPEG,
# PNG, WebP and GIF, up to 5 MB here (X allows an animated GIF 15 MB); up to four on a
# post, or one GIF alone; one on a direct message.
IMAGE_TYPES = ("image/jpeg", "image/png", "image/webp", "image/gif")
IMAGE_MAX_BYTES = 5 * 1024 * 1024
POST_ATTACHMENTS = AttachmentLimits(
    max_bytes=IMAGE_MAX_BYTES, types=IMAGE_TYPES, max_files=4, alone_types=("image/gif",),
    note=_("one picture on a private message"),
)
DM_ATTACHMENTS = AttachmentLimits(max_bytes=IMAGE_MAX_BYTES, types=IMAGE_TYPES, max_files=1)


def weighted_length(text: str) -> int:
    """X's weighted length of `text` (what the 280 budget is measured in)."""
    return int(parse_tweet(unicodedata.normalize("NFC", text)).weightedLength)


def fits_tweet(text: str) -> bool:
    return bool(text.strip()) and weighted_length(text) <= TWEET_LIMITS.max_length
