"""Emoji and emoticons, the same in every language. 🙄 and 🙃 weigh heavily: on care
channels they turn "thanks for cancelling my order" into the complaint it is."""
from __future__ import annotations

from . import MILD, NORMAL, STRONG

EMOJI: dict[str, float] = {
    **dict.fromkeys("😍🥰😘🤩🥳🎉💯❤💕💖💗💙💚💛💜🧡🤍😻", STRONG),
    **dict.fromkeys("🙂😊😀😃😄😁😆😂🤣☺😇🤗😎👍👌👏💪🙌✨⭐🌟🔥🚀🙏😌😋🤝✅🎁🌸", NORMAL),
    **dict.fromkeys("😉😅", MILD),
    **dict.fromkeys("🤔😐😶🤷😬😮😑", -MILD),
    **dict.fromkeys("😕🙁☹😟😔😞😢😥😓😒😑🥱😴👎❌⚠⏳⌛", -NORMAL),
    **dict.fromkeys("😡😠🤬😤😭😩😫😖😣🤦💩🤢🤮😱💔🙄🙃🖕😾", -STRONG),
}

# An eye-roll or an upside-down smile turns the message's praise into irony.
SARCASM = "🙄🙃😒😑"

# Longest first, so ":-)" is not read as ":-" and ")".
EMOTICONS: dict[str, float] = {
    ":-))": STRONG, ":))": STRONG, ":-)": NORMAL, ":)": NORMAL, "=)": NORMAL, ":-d": STRONG,
    ":d": STRONG, "xd": NORMAL, ";-)": MILD, ";)": MILD, "<3": STRONG, ":-p": MILD, ":p": MILD,
    ":-((": -STRONG, ":((": -STRONG, ":-(": -NORMAL, ":(": -NORMAL, ":'(": -STRONG,
    ":-/": -NORMAL, ":/": -NORMAL, ">:(": -STRONG, "-_-": -NORMAL, ":-|": -MILD, ":|": -MILD,
}
