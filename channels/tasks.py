"""The connector side's Celery tasks: polling and history imports. They take ids and own
their retry policy; what they store reaches the domain through channels.signals.inbound_stored
(the domain's own tasks ingest it and deliver replies)."""
from __future__ import annotations

from django.db import OperationalError

from helpdesk.celery import app, step_task

from .http import ApiOutcomeUnknown, ApiRateLimited, ApiUnavailable
from .inbound import account_backfill, account_poll, due_polling_accounts, poll_queue_claim, poll_queue_release
from .outbound import press_acknowledge
from .services import account_templates_sync, template_accounts


@step_task("channels.poll_due_accounts")
def poll_due_accounts() -> None:
    for account_id in due_polling_accounts():
        if poll_queue_claim(account_id=account_id):
            poll_account.delay(account_id)


@step_task("channels.poll_account", max_retries=5)
def poll_account(account_id: int) -> int:
    poll_queue_release(account_id=account_id)
    return account_poll(account_id=account_id)


@app.task(name="channels.acknowledge_press", ignore_result=True, acks_late=True)
def acknowledge_press(account_id: int, ack: str, text: str) -> None:
    """Answer a customer's button press on the platform (once, never retried: see
    channels.outbound.press_acknowledge)."""
    press_acknowledge(account_id=account_id, ack=ack, text=text)


@step_task("channels.backfill_account", max_retries=3)
def backfill_account(account_id: int) -> None:
    account_backfill(account_id=account_id)


# Transient platform answers are retried by the task (the sync is idempotent); a refusal
# (no waba_id, a revoked token) waits for the next scheduled sync.
TRANSIENT = (ApiRateLimited, ApiUnavailable, ApiOutcomeUnknown)


@app.task(
    name="channels.sync_templates",
    ignore_result=True,
    acks_late=True,
    autoretry_for=(OperationalError, *TRANSIENT),
    retry_backoff=True,
    max_retries=4,
)
def sync_templates(account_id: int) -> int:
    """Fetch and cache one account's approved message templates (WhatsApp's)."""
    return account_templates_sync(account_id=account_id)


@step_task("channels.sync_templates_all")
def sync_templates_all() -> None:
    """Beat: every active account of a platform with templates gets a sync queued."""
    for account_id in template_accounts():
        sync_templates.delay(account_id)
