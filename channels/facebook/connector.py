"""The Facebook Page connector: Messenger messages and Page comments by webhook
(`object: "page"`), replies by the Send API and the comment edge. See doc.md."""
from __future__ import annotations

from typing import TYPE_CHECKING

from . import parser
from .meta_page import MetaCredentials, MetaPageConnector

if TYPE_CHECKING:
    from channels.models import BrandAccount

GRAPH_HOSTS = ("", "https://graph.facebook.com")


class FacebookConnector(MetaPageConnector):
    platform = "facebook"
    object_name = "page"
    label = "Facebook"
    parse_event = staticmethod(parser.parse)
    classify_change = staticmethod(parser.classify_change)

    def permalink(self, account: BrandAccount, platform_id: str, author_handle: str = "") -> str:
        """Where an agent sees a comment on Facebook (comments only; a Messenger message has
        no public address; nothing for a fake or a proxy)."""
        if account.base_url.rstrip("/") not in GRAPH_HOSTS or ":" in platform_id:
            return ""
        post, _, comment = platform_id.partition("_")
        page_id = MetaCredentials.of(account).page_id
        if not (post.isdigit() and comment.isdigit() and page_id):
            return ""
        return f"https://www.facebook.com/{page_id}/posts/{post}?comment_id={comment}"


connector = FacebookConnector()
