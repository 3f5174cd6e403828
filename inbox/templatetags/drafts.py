"""The top bar's drafts link: leads and admins see how many drafts wait for them."""
from __future__ import annotations

from typing import Any

from django import template

from ..actions.replies import is_newcomer
from ..permissions import can_review_drafts
from ..selectors import drafts_to_review

register = template.Library()


@register.simple_tag
def drafts_nav(user: Any) -> dict[str, Any]:
    if not getattr(user, "is_authenticated", False):
        return {}
    review = can_review_drafts(user)
    return {
        "review": review,
        "waiting": drafts_to_review(user=user).count() if review else 0,
        "mine": is_newcomer(user),
    }
