"""The sentiment marker on inbox rows and in the conversation: a symbol coloured by CSS
with its meaning in words for screen readers (and as a tooltip), or shown beside it."""
from __future__ import annotations

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from ..enums import Sentiment

register = template.Library()

SYMBOLS = {Sentiment.NEGATIVE: "☹", Sentiment.NEUTRAL: "•", Sentiment.POSITIVE: "☺"}


@register.simple_tag
def sentiment_marker(sentiment: str, *, with_label: bool = False, quiet_neutral: bool = True) -> SafeString | str:
    """A marker for negative and positive (neutral too unless quiet_neutral); "" for none."""
    if sentiment not in SYMBOLS or (quiet_neutral and sentiment == Sentiment.NEUTRAL):
        return ""
    label = Sentiment(sentiment).label
    description = _("Customer's sentiment: %(sentiment)s") % {"sentiment": label}
    return format_html(
        '<span class="sentiment {}" title="{}" data-sentiment="{}"><span aria-hidden="true">{}</span>'
        '<span class="{}">{}</span></span>',
        sentiment,
        description,
        sentiment,
        SYMBOLS[Sentiment(sentiment)],
        "sentiment-label" if with_label else "sentiment-sr",
        label if with_label else description,
    )
