"""How a platform's fake takes part in the demo (`make run`), declared next to the fake.

Each `fakes/<platform>` module that wants to be in the demo sets a module-level
``DEMO = FakeDemo(...)``: the demo account Hovor is given (handle, credentials, options),
the extra command line its fake needs (the secrets that account was given), whether the
fake pushes to Hovor (webhooks, the chat widget protocol) and so starts once the web app
answers, and how the simulated crowd writes on it. The launcher (helpdesk/demo.py),
`seed_demo` and the crowd (fakes/crowd.py) walk `channels.registry.supported_platforms()`
and use whatever `fakes.<platform>.DEMO` declares: a new channel's package, its fake and
its declaration are all it takes to appear in the demo, with no launcher edit."""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

LANGUAGES = ("en", "cs", "pl", "bg")


@dataclass(frozen=True)
class DemoRun:
    """What the launcher knows when it starts a platform's fake."""

    platform: str
    port: int
    web_url: str  # Hovor, e.g. http://127.0.0.1:8000
    account_id: int | None = None  # the demo account seed_demo made (None before seeding)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def webhook_url(self) -> str:
        return f"{self.web_url}/webhooks/{self.platform}/{self.account_id}/"


@dataclass(frozen=True)
class Crowd:
    """How the simulated customers write on one platform (fakes/crowd.py)."""

    every: float = 12.0  # mean seconds between two customers' messages
    kinds: Sequence[str] = ()  # `kind` of each POST /_fake/inbound, picked at random (empty: none sent)
    languages: Sequence[str] = LANGUAGES  # who writes here (Viber's crowd: bg and cs)
    lines: Mapping[str, Sequence[str]] | None = None  # own lines per language (None: the crowd's shared ones)
    threads: bool = False  # customers sometimes answer the brand's last reply (`in_reply_to`)
    author: Callable[[str], str] = str  # how this fake names a customer, from a "@handle"


@dataclass(frozen=True)
class FakeDemo:
    """A fake's side of the demo."""

    handle: str  # the demo account's handle
    # The account's credentials, or a function of the fake's base URL (a fake on several ports).
    credentials: Mapping[str, Any] | Callable[[str], Mapping[str, Any]] = field(default_factory=dict)
    options: Mapping[str, Any] = field(default_factory=dict)
    args: Callable[[DemoRun], Sequence[str]] = lambda run: ()  # extra command line (the account's secrets)
    webhook: bool = False  # the fake pushes to /webhooks/<platform>/<id>/: gets --webhook URL
    talks_to_hovor: bool = False  # reaches Hovor some other way (the chat widget protocol)
    base_url: bool = True  # the demo account's base_url is this fake (the chat has none)
    crowd: Crowd | None = field(default_factory=Crowd)
    logins: Callable[[DemoRun], Sequence[str]] = lambda run: ()  # lines for the start-up summary
    ports: int = 1  # consecutive ports the fake takes, its base URL's first (the mail fake: 3)

    def credentials_for(self, base_url: str) -> dict[str, Any]:
        """The demo account's credentials for a fake at `base_url`."""
        credentials = self.credentials(base_url) if callable(self.credentials) else self.credentials
        return dict(credentials)

    @property
    def after_web(self) -> bool:
        """Started once seed_demo made its account and the web app answers /healthz."""
        return self.webhook or self.talks_to_hovor

    def command(self, run: DemoRun) -> list[str]:
        """`python -m fakes.<platform>`'s arguments for this run."""
        args = ["--port", str(run.port), *self.args(run)]
        if self.webhook:
            args += ["--webhook", run.webhook_url]
        return args


def declared(platforms: Sequence[str] | None = None) -> dict[str, FakeDemo]:
    """Every registered platform whose fake declares a DEMO, in registry order."""
    if platforms is None:
        from channels.registry import supported_platforms

        platforms = supported_platforms()
    found: dict[str, FakeDemo] = {}
    for platform in platforms:
        try:
            module = importlib.import_module(f"fakes.{platform}")
        except ModuleNotFoundError as exc:
            if exc.name not in (f"fakes.{platform}",):
                raise
            continue  # a connector without a fake: not in the demo
        demo = getattr(module, "DEMO", None)
        if isinstance(demo, FakeDemo):
            found[platform] = demo
    return found


def ports(demos: Mapping[str, FakeDemo], base: int) -> dict[str, int]:
    """Each fake's first port, counted up from `base` in registry order (a fake taking
    several ports gets consecutive ones)."""
    assigned: dict[str, int] = {}
    for platform, demo in demos.items():
        assigned[platform] = base
        base += max(1, demo.ports)
    return assigned
