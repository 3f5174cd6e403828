"""When the domain's tasks are queued: after commit, and for webhook bursts once per burst."""
from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.db import transaction
from kombu.exceptions import KombuError
from redis.exceptions import RedisError

from channels.tasks import acknowledge_press

from .actions.attachments import attachment_lease
from .actions.csat import csat_ask_mark, csat_ask_unmark
from .pipeline import INGEST_CHUNK, ingest_mark_pending
from .tasks import (
    csat_ask,
    csat_invite_review,
    deliver_soon,
    fetch_attachment,
    fetch_profile,
    ingest_account,
    ingest_events,
    send_read_receipt,
)

logger = logging.getLogger("hovor.inbox.triggers")


def ingest_soon(*, account_id: int) -> None:
    """Ask for this account's stored events to be ingested. A burst of deliveries shares
    one task: only the first in a short window (settings.HOVOR_INGEST_DEBOUNCE) enqueues it."""
    if ingest_mark_pending(account_id=account_id):
        debounce = settings.HOVOR_INGEST_DEBOUNCE
        ingest_account.apply_async((account_id,), countdown=debounce or None)


def on_inbound_stored(*, account_id: int, event_ids: list[int], source: str = "webhook", **_: Any) -> None:
    """channels.signals.inbound_stored: a poller's page is ingested in chunks at once; single
    deliveries (webhooks, chat) are gathered per burst."""
    if source in ("poll", "backfill"):
        for start in range(0, len(event_ids), INGEST_CHUNK):
            ingest_events.delay(event_ids[start : start + INGEST_CHUNK])
    else:
        ingest_soon(account_id=account_id)


def deliver_after_commit(*, outbound_id: int) -> None:
    transaction.on_commit(lambda: _deliver_soon(outbound_id))


def _deliver_soon(outbound_id: int) -> None:
    """The reply is committed (its outbox row is what counts): a broker that is away or
    resets the connection is logged, never an error for the agent who sent it; the sweep
    queues the row once it has waited LOST_TASK_AFTER."""
    try:
        deliver_soon(outbound_id=outbound_id)
    except (KombuError, RedisError, OSError) as exc:
        logger.warning(
            "outbound %s: queued in the outbox, but not on the broker (%s); the sweep will send it", outbound_id, exc
        )


def read_receipt_after_commit(*, message_id: int) -> None:
    """Queue the read receipt of a customer message once the caller's transaction commits
    (a broker away is logged: the receipt is a courtesy, the next open queues it again)."""
    transaction.on_commit(lambda: _queue_quietly(send_read_receipt, message_id))


def on_identities_need_profiles(*, account_id: int, identity_ids: list[int], **_: Any) -> None:
    """inbox.signals.identities_need_profiles (sent after ingest commits): one lookup task
    per identity, off the ingest path: ingest never waits for the platform's profile API."""
    for identity_id in identity_ids:
        _queue_quietly(fetch_profile, identity_id, account_id)


def _queue_quietly(task: Any, *args: int) -> None:
    """Queue a courtesy task (a read receipt, a profile lookup): nothing the agent or the
    ingest that triggered it waits for may fail with it, the broker's absence included (and,
    with tasks run eagerly, the task's own failure after its retries)."""
    try:
        task.delay(*args)
    except (KombuError, RedisError, OSError) as exc:
        logger.warning("%s%s not queued: the broker is away (%s)", task.name, args, exc)
    except Exception:  # an eager run's last failure: logged, never the caller's error
        logger.exception("%s%s failed", task.name, args)


def on_attachments_recorded(*, attachment_ids: list[int], **_: Any) -> None:
    """signals.attachments_recorded: each download is its own task, queued after commit; a
    broker that is away never fails ingest (the sweep queues pending files later)."""
    ids = list(attachment_ids)
    transaction.on_commit(lambda: _fetch_soon(ids))


def _fetch_soon(attachment_ids: list[int]) -> None:
    """Queue each download (the task retries itself). With the broker away the rest are
    handed to the sweep at once: their leases are dropped, so its next run queues them."""
    for position, attachment_id in enumerate(attachment_ids):
        try:
            fetch_attachment.delay(attachment_id)
        except (KombuError, RedisError, OSError) as exc:
            logger.warning("attachment %s: not queued (%s); the sweep will fetch it", attachment_id, exc)
            for left in attachment_ids[position:]:
                attachment_lease(attachment_id=left, until=None)
            return


def on_csat_surveys_opened(*, survey_ids: list[int], **_: Any) -> None:
    """inbox.signals.csat_surveys_opened (after the solve committed): ask each. A broker away
    never costs the agent's solve; the sweep asks the question a minute later instead."""
    for survey_id in survey_ids:
        csat_ask_mark(survey_id=survey_id)  # the sweep leaves it to this task meanwhile
        try:
            csat_ask.delay(survey_id)
        except (KombuError, RedisError, OSError) as exc:
            csat_ask_unmark(survey_id=survey_id)
            logger.warning("csat %s: question not queued, the broker is away (%s); the sweep will ask", survey_id, exc)


def on_csat_answered(*, survey_id: int, rating: int, **_: Any) -> None:
    """inbox.signals.csat_answered: a 5 may earn an invitation to a public review."""
    if rating != 5:
        return
    try:
        csat_invite_review.delay(survey_id)
    except (KombuError, RedisError, OSError) as exc:
        logger.warning("csat %s: review invitation not queued, the broker is away (%s)", survey_id, exc)


def on_button_presses_handled(*, account_id: int, acks: list[tuple[str, str]], **_: Any) -> None:
    """inbox.signals.button_presses_handled: answer each press on the platform (a courtesy:
    a broker away costs the notice, never the answer stored)."""
    for ack, text in acks:
        try:
            acknowledge_press.delay(account_id, ack, text)
        except (KombuError, RedisError, OSError) as exc:
            logger.warning("account %s: button press not acknowledged, the broker is away (%s)", account_id, exc)
        except Exception:  # an eager run's failure: logged, never ingest's error
            logger.exception("account %s: button press acknowledgement failed", account_id)
