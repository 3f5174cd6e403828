"""Connectors: one package per platform, plus the shared framework (accounts, raw inbound
events, the outbox). Not Django Channels: Hovor uses SSE/htmx polling for live updates."""
