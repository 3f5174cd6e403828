"""The connector side's Celery tasks: polling and history imports. They take ids and own
their retry policy; what they store reaches the domain through channels.signals.inbound_stored
(the domain's own tasks ingest it and deliver replies)."""
from __future__ import annotations

from helpdesk.celery import step_task

from .inbound import account_backfill, account_poll, due_polling_accounts, poll_queue_claim, poll_queue_release


@step_task("channels.poll_due_accounts")
def poll_due_accounts() -> None:
    for account_id in due_polling_accounts():
        if poll_queue_claim(account_id=account_id):
            poll_account.delay(account_id)


@step_task("channels.poll_account", max_retries=5)
def poll_account(account_id: int) -> int:
    poll_queue_release(account_id=account_id)
    return account_poll(account_id=account_id)


@step_task("channels.backfill_account", max_retries=3)
def backfill_account(account_id: int) -> None:
    account_backfill(account_id=account_id)
