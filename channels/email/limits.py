"""E-mail has no reply window and no practical length limit; replies are private, and
first-response targets follow the e-mail SLA class. The agent's signature goes below the
standard signature delimiter ("-- " on its own line, RFC 3676 §4.3), which mail clients
recognise (and leave out when quoting)."""
from __future__ import annotations

from channels.base import ChannelLimits

EMAIL_LIMITS = ChannelLimits(
    max_length=100_000,
    counting="chars",
    public=False,
    signature_separator="\n\n-- \n",
)
