"""Meta's reply rules for a Page (Messenger + Page comments), shared with Instagram.

- Messenger text: up to 2000 characters (Meta's error says "must be less than or equal to
  2000"); a public comment reply up to 8000 characters.
- The standard messaging window: a reply with `messaging_type` RESPONSE may go out only
  within 24 hours of the customer's last message. From 24 hours to 7 days the reply is sent
  with `messaging_type` MESSAGE_TAG and `tag` HUMAN_AGENT (an app permission Meta grants on
  request). After 7 days nothing may be sent until the customer writes again.
- A private reply to a comment (`recipient.comment_id`) is allowed once per comment, within
  7 days of the comment.
A public comment reply has no window."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from channels.base import ChannelLimits

DM_MAX_LENGTH = 2000
COMMENT_MAX_LENGTH = 8000

DM_LIMITS = ChannelLimits(max_length=DM_MAX_LENGTH, counting="chars", public=False)
COMMENT_LIMITS = ChannelLimits(max_length=COMMENT_MAX_LENGTH, counting="chars", public=True)

STANDARD_WINDOW = timedelta(hours=24)
HUMAN_AGENT_WINDOW = timedelta(days=7)
PRIVATE_REPLY_WINDOW = timedelta(days=7)
# Our clock and Meta's differ a little: near the 24-hour edge we already use the tag (it is
# valid inside the window too), so a reply sent at 23:59:59.9 is not refused at Meta.
WINDOW_MARGIN = timedelta(seconds=60)

# Message kinds (the kind of the customer message a reply answers).
DM = "dm"
COMMENT = "comment"
COMMENT_EDIT = "comment_edit"
COMMENT_KINDS = frozenset({COMMENT, COMMENT_EDIT})


@dataclass(frozen=True)
class SendMode:
    """How a Send API message goes out: messaging_type, and the tag when there is one."""

    messaging_type: str
    tag: str = ""


RESPONSE = SendMode("RESPONSE")
HUMAN_AGENT = SendMode("MESSAGE_TAG", "HUMAN_AGENT")


def send_mode(last_customer_message_at: datetime | None, now: datetime) -> SendMode | None:
    """RESPONSE inside 24 hours, HUMAN_AGENT up to 7 days, None (nothing may go) after.
    An unknown time is taken as inside the window: Meta then has the last word."""
    if last_customer_message_at is None:
        return RESPONSE
    age = now - last_customer_message_at
    if age < STANDARD_WINDOW - WINDOW_MARGIN:
        return RESPONSE
    if age < HUMAN_AGENT_WINDOW:
        return HUMAN_AGENT
    return None


def _ago(last: datetime, now: datetime) -> str:
    age = now - last
    days = age.days
    if days >= 1:
        return ngettext("%(n)d day ago", "%(n)d days ago", days) % {"n": days}
    hours = int(age.total_seconds() // 3600)
    return ngettext("%(n)d hour ago", "%(n)d hours ago", hours) % {"n": hours}


# The composer shows these in the agent's language (the agent UI's catalogues in locale/).
def dm_window_closed_message(platform: str, last: datetime, now: datetime) -> str:
    """The sentence the composer shows when a DM reply may not go out any more."""
    return _(
        "%(platform)s allows replies to a private message only within 7 days of the customer's last "
        "message (the last one was %(ago)s), so this reply cannot be sent. "
        "The conversation opens again when the customer writes."
    ) % {"platform": platform, "ago": _ago(last, now)}


def private_reply_closed_message(platform: str, last: datetime, now: datetime) -> str:
    return _(
        "%(platform)s allows a private reply to a comment only within 7 days of the comment "
        "(it was written %(ago)s). Reply publicly instead."
    ) % {"platform": platform, "ago": _ago(last, now)}


def check_window(
    *, platform: str, kind: str, mode: str, last_customer_message_at: datetime | None, now: datetime
) -> str:
    """Why a reply of this kind cannot go out now, or ""."""
    if last_customer_message_at is None:
        return ""
    if mode == "private":
        if kind in COMMENT_KINDS and now - last_customer_message_at >= PRIVATE_REPLY_WINDOW:
            return private_reply_closed_message(platform, last_customer_message_at, now)
        return ""
    if kind == DM and send_mode(last_customer_message_at, now) is None:
        return dm_window_closed_message(platform, last_customer_message_at, now)
    return ""
