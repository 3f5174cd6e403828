"""A loopback fake of Meta's Graph API and webhooks for a Facebook Page (Messenger and Page
comments): the Meta family's Page server (fakes/meta/pages.py, where everything it
implements is described) in ``page`` mode.

Run standalone::

    python -m fakes.facebook --port 8082 --webhook http://127.0.0.1:8000/webhooks/facebook/1/ \\
        --app-secret S --verify-token T --page-id P       # prints FAKE_FACEBOOK_READY http://127.0.0.1:8082
"""

from __future__ import annotations

import sys
from typing import Any

from fakes.demo import Crowd, FakeDemo
from fakes.meta.pages import (
    DEMO_APP_ID,
    DEMO_APP_SECRET,
    DEMO_IG_USER_ID,
    DEMO_OTHER_PAGES,
    DEMO_PAGE_ID,
    DEMO_PAGE_TOKEN,
    DEMO_USER_ID,
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
    "DEMO_OTHER_PAGES",
    "DEMO_PAGE_ID",
    "DEMO_PAGE_TOKEN",
    "DEMO_USER_ID",
    "DEMO_VERIFY_TOKEN",
    "Delivery",
    "FakeFacebook",
    "FakeGraphError",
    "FakeMeta",
    "meta_json",
]


class FakeFacebook(FakeMeta):
    """The fake in Page mode (the default), named like the other platforms' fakes."""

    def __init__(self, port: int = 0, **kwargs: Any) -> None:
        kwargs["mode"] = "page"
        super().__init__(port, **kwargs)


def main(argv: list[str] | None = None) -> int:
    return _main(argv, mode="page")


# The demo's account (seed_demo): the fake's own defaults; deliveries signed to its webhook.
DEMO = FakeDemo(
    handle="Acme Care",
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
