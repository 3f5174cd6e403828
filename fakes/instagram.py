"""A loopback fake of Meta's Graph API and webhooks for an Instagram professional account
connected to a Facebook Page (Messenger API for Instagram): the Facebook fake's server in
``instagram`` mode. See fakes/meta/pages.py for everything it implements.

Run standalone::

    python -m fakes.instagram --port 8083 --webhook http://127.0.0.1:8000/webhooks/instagram/2/ \\
        --app-secret S --verify-token T --page-id P --ig-user-id I   # prints FAKE_INSTAGRAM_READY http://…

Differences from the Page mode: deliveries are ``object: "instagram"`` with the Instagram
account's id on each entry; DMs are limited to 1000 UTF-8 bytes; comments arrive as
``changes[].field == "comments"`` with ``{id, from: {id, username}, text, media, parent_id}``
and are answered with ``POST /{ig-comment-id}/replies`` (2200 characters); customers can
unsend (``is_deleted``) and reads name the message (``read.mid``); no delivery receipts.
"""

from __future__ import annotations

import sys
from typing import Any

from fakes.demo import Crowd, FakeDemo
from fakes.meta.pages import (
    DEMO_APP_ID,
    DEMO_APP_SECRET,
    DEMO_IG_USER_ID,
    DEMO_PAGE_ID,
    DEMO_PAGE_TOKEN,
    DEMO_VERIFY_TOKEN,
    Delivery,
    FakeGraphError,
    FakeMeta,
    meta_json,
)
from fakes.meta.pages import main as _main

__all__ = [
    "DEMO",
    "DEMO_APP_ID",
    "DEMO_APP_SECRET",
    "DEMO_IG_USER_ID",
    "DEMO_PAGE_ID",
    "DEMO_PAGE_TOKEN",
    "DEMO_VERIFY_TOKEN",
    "Delivery",
    "FakeGraphError",
    "FakeInstagram",
    "meta_json",
]


class FakeInstagram(FakeMeta):
    def __init__(self, port: int = 0, **kwargs: Any) -> None:
        kwargs["mode"] = "instagram"
        super().__init__(port, **kwargs)


def main(argv: list[str] | None = None) -> int:
    return _main(argv, mode="instagram")


# The demo's account (seed_demo): the fake's own defaults; deliveries signed to its webhook.
DEMO = FakeDemo(
    handle="@acmecare",
    credentials={
        "page_id": DEMO_PAGE_ID,
        "page_access_token": DEMO_PAGE_TOKEN,
        "app_secret": DEMO_APP_SECRET,
        "verify_token": DEMO_VERIFY_TOKEN,
    },
    webhook=True,
    crowd=Crowd(every=15.0, kinds=("dm", "comment")),
)


if __name__ == "__main__":
    sys.exit(main())
