"""Instagram through the Page it is connected to (Messenger API for Instagram): DMs and
private replies through `POST graph.facebook.com/vNN/{PAGE_ID}/messages` with the Page
access token, exactly as Messenger; public comment replies through the IG comment's
`replies` edge."""
from __future__ import annotations

from typing import Any

from channels.meta.graph import graph_time
from channels.meta.page_client import PageClient


class InstagramClient(PageClient):
    platform = "instagram"
    label = "Instagram"
    # Instagram's user profile API: the person's name, their @username and picture.
    profile_fields = "name,username,profile_pic"

    def reply_to_comment(self, *, comment_id: str, text: str) -> str:
        """POST /{ig-comment-id}/replies {"message"}: returns the new comment's id."""
        data = self._post(f"{comment_id}/replies", {"message": text})
        return self._id(data, "id", "comment reply")

    def comment_replies(self, *, comment_id: str) -> list[dict[str, Any]]:
        data = self.graph.get(f"{comment_id}/replies", {"fields": "id,text,from,username,timestamp"})
        return [
            {
                "id": str(c.get("id", "")),
                "text": c.get("text"),
                "from_id": str((c.get("from") or {}).get("id", "")),
                "at": graph_time(c.get("timestamp")),
            }
            for c in data.get("data") or []
            if isinstance(c, dict)
        ]
