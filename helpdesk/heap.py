"""The web worker's garbage collector. Everything a worker loads at start (Django, the apps,
their models, translations, the connectors) lives as long as the worker; left in the
collector's oldest generation, each full pass walks all of it, a pause of 50-100 ms every
few dozen requests (bench/inbox.py saw the API's p95 at 103 ms against a median of 21).
Frozen after start, a full pass walks only what requests left behind."""
from __future__ import annotations

import gc


def freeze_loaded_heap() -> None:
    """Collect once, then move every object alive now out of the collector's reach (it is
    never freed, as it never would be). Call when a worker has loaded its application."""
    gc.collect()
    gc.freeze()
