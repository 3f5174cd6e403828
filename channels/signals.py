"""What the connector side tells the domain, without importing it."""

from django.dispatch import Signal

# Raw events were stored for an account and wait to be ingested: sent by the webhook view,
# the chat widget and pollers, after the events are durably stored. Arguments: account_id
# (int), event_ids (list[int]), source ("webhook", "chat", "poll" or "backfill": a poller's
# pages are large, a webhook's deliveries come one by one). The domain's ingest pipeline listens.
inbound_stored = Signal()

# An admin changed a brand account: sent inside the change's transaction, after its rows
# are written. Arguments: account (BrandAccount), change ("connected", "reauthorised",
# "credentials_changed", "webhook_registered", "presentation_changed", "disconnected") and
# details (dict: the NAMES of the credential or option fields that changed, the webhook URL;
# never a credential's value). The audit log listens.
account_changed = Signal()
