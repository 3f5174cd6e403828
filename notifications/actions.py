"""Telling people things: every notification is made here (mentions, handoffs, SLA warnings,
drafts, the crisis alarm), and read here."""

from __future__ import annotations

import logging
from collections.abc import Iterable

from django.conf import settings
from django.contrib.auth.models import User
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme

from .models import Notification, NotificationKind

log = logging.getLogger(__name__)


def _local(url: str) -> str:
    """Only a path on this site: a notification never links elsewhere."""
    if url and url.startswith("/") and url_has_allowed_host_and_scheme(url, allowed_hosts=None):
        return url
    return ""


def notify(
    *,
    recipient: User,
    kind: NotificationKind | str,
    text: str,
    url: str = "",
    ticket_id: int | None = None,
    actor: User | None = None,
    key: str = "",
    email: bool = False,
) -> Notification | None:
    """Tell one person something. With a `key`, at most one notification per recipient and
    key is ever made (a retried task or a second beat tick tells nobody twice): the second
    call returns None. `email=True` also mails it (the crisis alarm), once."""
    if not getattr(recipient, "is_active", True):
        return None
    if key and Notification.objects.filter(recipient=recipient, key=key).exists():
        return None
    try:
        with transaction.atomic():
            note = Notification.objects.create(
                recipient=recipient,
                kind=str(kind),
                text=text[:500],
                url=_local(url),
                ticket_id=ticket_id,
                actor=actor,
                key=key[:200],
            )
    except IntegrityError:  # the same key, made at the same moment by another worker
        return None
    address = getattr(recipient, "email", "")
    if email and address:
        transaction.on_commit(lambda: _mail(address, text, note.url))
    return note


def notify_many(
    *, recipients: Iterable[User], kind: NotificationKind | str, text: str, url: str = "",
    ticket_id: int | None = None, actor: User | None = None, key: str = "", email: bool = False,
) -> list[Notification]:
    """The same news for several people (each once); the actor is never told of their own act."""
    made = []
    seen: set[int] = set()
    for person in recipients:
        if person.pk in seen or (actor is not None and person.pk == actor.pk):
            continue
        seen.add(person.pk)
        note = notify(recipient=person, kind=kind, text=text, url=url, ticket_id=ticket_id, actor=actor,
                      key=key, email=email)
        if note is not None:
            made.append(note)
    return made


def _mail(address: str, text: str, url: str) -> None:
    base = getattr(settings, "HOVOR_PUBLIC_URL", "").rstrip("/")
    body = f"{text}\n\n{base}{url}" if url else text
    try:
        send_mail(subject=f"Hovor: {text[:80]}", message=body, from_email=None, recipient_list=[address])
    except Exception:  # the mail server away: the notification in Hovor stands
        log.exception("notification mail to %s failed", address)


def notifications_mark_read(*, user: User, ids: Iterable[int] | None = None) -> int:
    """Mark the user's own notifications read (all of them when `ids` is None)."""
    unread = Notification.objects.filter(recipient=user, read_at__isnull=True)
    if ids is not None:
        unread = unread.filter(pk__in=list(ids))
    return unread.update(read_at=timezone.now())
