"""The Graph API calls the Facebook connector makes: a Page's Send API (Messenger), its
comment edges (`POST /{comment-id}/comments`) and conversations, exactly as the Page-style
client Facebook shares with Instagram (channels.meta.page_client.PageClient)."""
from __future__ import annotations

from channels.meta.page_client import PageClient


class FacebookClient(PageClient):
    platform = "messenger"
    label = "Facebook"
