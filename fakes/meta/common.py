"""Wire details every Meta fake shares: how Graph serialises JSON and how Meta signs a
webhook POST (X-Hub-Signature-256 over the exact bytes, keyed with the app secret)."""

from __future__ import annotations

import hashlib
import hmac
import json
from typing import Any

GRAPH_VERSION = "v21.0"


def meta_json(payload: Any) -> bytes:
    """Serialise as Meta does: compact, ASCII only (non-ASCII as lowercase \\uXXXX), '/' as '\\/'."""
    return json.dumps(payload, ensure_ascii=True, separators=(",", ":")).replace("/", "\\/").encode("ascii")


def signed_headers(app_secret: str, body: bytes) -> dict[str, str]:
    """The headers Meta sends with a webhook POST of exactly these bytes: SHA-256 and the
    older SHA-1 HMAC of the body keyed with the app secret, lowercase hex."""
    key = app_secret.encode()
    return {
        "Content-Type": "application/json",
        "User-Agent": "facebookexternalua",
        "X-Hub-Signature": "sha1=" + hmac.new(key, body, hashlib.sha1).hexdigest(),
        "X-Hub-Signature-256": "sha256=" + hmac.new(key, body, hashlib.sha256).hexdigest(),
    }
