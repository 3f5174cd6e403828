"""The simulated world tests and the demo run against: one loopback fake per platform
(`python -m fakes.<platform> --port N`) on the shared control plane in `fakes.base`, the
Meta family's shared parts in `fakes.meta`, and the customer crowd (`fakes.crowd`).

Nothing the web app or the worker imports at run time imports this package, and the
production image leaves it out (.dockerignore)."""
