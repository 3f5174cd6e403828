"""Threading customer messages into tickets, in batches. A poll hands over up to a page of
messages at once; doing them together costs a fixed handful of queries per batch instead
of a dozen per message. One message (a webhook) is a batch of one: there is one code path."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.db.models import OuterRef, Subquery
from django.utils import timezone

from channels.models import BrandAccount
from channels.types import NormalizedAuthor, NormalizedMessage

from .. import events
from ..enums import DeliveryStatus, Direction, TicketStatus
from ..language import detect_language
from ..live import bump_on_commit
from ..models import Customer, Identity, Message, Ticket, TicketEvent
from ..search import search_refresh, search_refresh_customers
from ..selectors import team_for_brand
from ..sentiment import detect_sentiment
from ..signals import customer_messages_received, identities_need_profiles
from ..sla import first_response_due
from .attachments import attachment_metadata, attachments_record
from .csat import csat_answer_record, csat_pending_for, parse_rating
from .profiles import platform_fetches_profiles, profile_wanted
from .sla import tickets_sla_refresh
from .state import tickets_status_change
from .triage import tickets_wake_on_customer_message


@dataclass(frozen=True)
class IncomingItem:
    incoming: NormalizedMessage
    inbound_event_id: int | None = None


@dataclass
class BatchResult:
    created: list[Message] = field(default_factory=list)
    duplicates: list[str] = field(default_factory=list)  # platform ids already in the inbox
    new_ticket_ids: list[int] = field(default_factory=list)

    def extend(self, other: BatchResult) -> None:
        self.created.extend(other.created)
        self.duplicates.extend(other.duplicates)
        self.new_ticket_ids.extend(other.new_ticket_ids)


def identities_resolve(*, account: BrandAccount, authors: list[NormalizedAuthor]) -> dict[str, Identity]:
    """external id -> Identity for these platform users of this brand, creating Customers
    and Identities on first contact and refreshing the handle/name the platform now shows."""
    latest = {a.external_id: a for a in authors}
    found = {
        i.external_id: i
        for i in Identity.objects.filter(brand_id=account.brand_id, platform=account.platform, external_id__in=latest)
    }
    missing = [a for external_id, a in latest.items() if external_id not in found]
    if missing:
        customers = Customer.objects.bulk_create(
            [
                Customer(
                    brand_id=account.brand_id, name=a.display_name or a.handle.lstrip("@"),
                    email=match_keys(a)["email"], phone=match_keys(a)["phone"],
                )
                for a in missing
            ]
        )
        Identity.objects.bulk_create(
            [
                Identity(
                    customer=c, brand_id=account.brand_id, platform=account.platform, external_id=a.external_id,
                    handle=a.handle, display_name=a.display_name, **match_keys(a),
                )
                for c, a in zip(customers, missing, strict=True)
            ],
            ignore_conflicts=True,  # a concurrent ingest may have created some of them
        )
        found.update(
            (i.external_id, i)
            for i in Identity.objects.filter(
                brand_id=account.brand_id, platform=account.platform, external_id__in=[a.external_id for a in missing]
            )
        )
        orphans = [c.pk for c, a in zip(customers, missing, strict=True) if found[a.external_id].customer_id != c.pk]
        if orphans:
            Customer.objects.filter(pk__in=orphans).delete()
    changed = []
    previous_names: dict[int, str] = {}  # identity pk -> the display name it had
    fields = ["handle", "display_name", "email", "phone", "avatar_url"]
    for external_id, author in latest.items():
        identity = found[external_id]
        fresh = {"handle": author.handle, "display_name": author.display_name, **match_keys(author)}
        updates = {k: v for k, v in fresh.items() if v and getattr(identity, k) != v}
        if updates:
            previous_names[identity.pk] = identity.display_name
            for key, value in updates.items():
                setattr(identity, key, value)
            changed.append(identity)
    if changed:
        Identity.objects.bulk_update(changed, fields)
        _profiles_follow(identities=changed, previous_names=previous_names)
        # Their conversations are found by the new handle, name, email or phone.
        search_refresh_customers(customer_ids={i.customer_id for i in changed})
    _profiles_after_commit(account=account, identities=list(found.values()))
    return found


def _profiles_follow(*, identities: list[Identity], previous_names: dict[int, str]) -> None:
    """What a person tells later fills their profile where it is still empty: a chat
    visitor who gives a name and email after "Website visitor" is named, with that email.
    A name an agent wrote (not the identity's old display name) is never replaced."""
    customers = Customer.objects.in_bulk({i.customer_id for i in identities})
    dirty: dict[int, Customer] = {}
    for identity in identities:
        customer = customers.get(identity.customer_id)
        if customer is None:
            continue
        old_name = previous_names.get(identity.pk, "")
        if identity.display_name and customer.name in ("", old_name) and customer.name != identity.display_name:
            customer.name = identity.display_name
            dirty[customer.pk] = customer
        for key in ("email", "phone"):
            if getattr(identity, key) and not getattr(customer, key):
                setattr(customer, key, getattr(identity, key))
                dirty[customer.pk] = customer
    if dirty:
        Customer.objects.bulk_update(list(dirty.values()), ["name", "email", "phone"])


def _follow_customer_merges(*, identities: dict[str, Identity], lock: bool) -> list[int]:
    """The customers these identities belong to, locked (two workers threading messages of
    one customer must not both open a ticket), following merges: an identity read just
    before a merge committed still names the customer merged away, whose row is then an
    empty pointer (Customer.merged_into) to the customer kept. Returns their ids."""
    pending = {i.customer_id for i in identities.values()}
    final: dict[int, int] = {}
    seen: set[int] = set()
    while pending:
        rows = Customer.objects.filter(pk__in=pending).order_by("pk")
        if lock:
            # FOR NO KEY UPDATE: it serialises two workers threading one customer, but not a
            # reply's or a survey's insert that only references the customer (FOR KEY SHARE),
            # which would otherwise wait here while holding its ticket: a deadlock with this
            # worker, which locks the ticket next.
            rows = rows.select_for_update(no_key=True)
        seen |= pending
        step = dict(rows.values_list("pk", "merged_into_id"))
        pending = set()
        for pk, into in step.items():
            final[pk] = into or pk
            if into and into not in seen:
                pending.add(into)
    def resolve(pk: int) -> int:
        hops = 0
        while final.get(pk, pk) != pk and hops < 20:
            pk, hops = final[pk], hops + 1
        return pk
    for identity in identities.values():
        identity.customer_id = resolve(identity.customer_id)
    return sorted({i.customer_id for i in identities.values()})
def _profiles_after_commit(*, account: BrandAccount, identities: list[Identity]) -> None:
    """Nameless identities on a platform with a profile lookup: ask for their names once
    ingest has committed (inbox.actions.profiles), never inside it."""
    wanted = [i.pk for i in identities if profile_wanted(i)]
    if not wanted or not platform_fetches_profiles(account.platform):
        return
    account_id = account.pk
    transaction.on_commit(
        lambda: identities_need_profiles.send(sender=Identity, account_id=account_id, identity_ids=wanted)
    )


def match_keys(author: NormalizedAuthor) -> dict[str, str]:
    """Normalised email/phone/avatar: what may later suggest two customers are one person."""
    phone = "".join(ch for ch in author.phone if ch.isdigit())
    return {"email": author.email.strip().lower(), "phone": phone, "avatar_url": author.avatar_url}


def tickets_ingest_batch(*, account: BrandAccount, items: list[IncomingItem]) -> BatchResult:
    """Thread customer messages into the inbox. Idempotent: a platform message already
    stored (redelivery, overlapping polls, a concurrent worker) is reported as a duplicate
    and changes nothing. If a concurrent worker wins a race mid-batch, the batch is redone
    one message at a time."""
    if not items:
        return BatchResult()
    try:
        with transaction.atomic():
            return _ingest(account, items)
    except IntegrityError:
        if len(items) > 1:
            result = BatchResult()
            for item in items:
                result.extend(tickets_ingest_batch(account=account, items=[item]))
            return result
        # A single message lost a race: what it raced with is committed now; read again.
        with transaction.atomic():
            return _ingest(account, items)


def _ingest(account: BrandAccount, items: list[IncomingItem]) -> BatchResult:
    result = BatchResult()
    now = timezone.now()
    unique: dict[str, IncomingItem] = {}
    for item in items:
        if item.incoming.platform_id in unique:
            result.duplicates.append(item.incoming.platform_id)
        else:
            unique[item.incoming.platform_id] = item
    stored = set(
        Message.objects.filter(account=account, platform_id__in=list(unique)).values_list("platform_id", flat=True)
    )
    result.duplicates.extend(p for p in unique if p in stored)
    todo = sorted(
        (item for pid, item in unique.items() if pid not in stored),
        key=lambda i: (i.incoming.sent_at, i.incoming.platform_id),
    )
    if not todo:
        return result

    identities = identities_resolve(account=account, authors=[i.incoming.author for i in todo])
    customer_ids = _follow_customer_merges(identities=identities, lock=connection.features.has_select_for_update)

    # Everything threading needs, in four queries for the whole batch.
    reply_to = {i.incoming.in_reply_to for i in todo if i.incoming.in_reply_to}
    keys = {i.incoming.thread_key for i in todo if i.incoming.thread_key}
    by_platform_id = dict(
        Message.objects.filter(account=account, platform_id__in=reply_to).values_list("platform_id", "ticket_id")
    )
    by_thread: dict[str, int] = {}
    siblings = Message.objects.filter(account=account, thread_key__in=keys).order_by("id")
    for key, ticket_id in siblings.values_list("thread_key", "ticket_id"):
        by_thread[key] = ticket_id  # the latest ticket of that platform conversation
    # A ticket token the customer's client kept ([#123] in an email subject, support+t123@)
    # counts only when the sender is that ticket's customer: a guessed number threads nothing.
    tokens = {int(t) for i in todo if str(t := i.incoming.extra.get("ticket_token", "")).isdigit()}
    by_token = {
        t.pk: t for t in Ticket.objects.filter(pk__in=tokens, account=account, customer_id__in=customer_ids)
    }
    by_token.update(_follow_ticket_merges(by_token))
    tickets = Ticket.objects.in_bulk(set(by_platform_id.values()) | set(by_thread.values()))
    tickets.update(by_token)
    open_by_customer: dict[int, Ticket] = {}
    for ticket in (
        Ticket.objects.filter(account=account, customer_id__in=customer_ids)
        .exclude(status=TicketStatus.SOLVED)
        .order_by("id")
    ):
        open_by_customer[ticket.customer_id] = ticket
        tickets[ticket.pk] = ticket

    # Questions waiting for a rating: a customer's number written back answers one.
    pending_csat = csat_pending_for(account_id=account.pk, customer_ids=customer_ids)
    ratings: dict[int, tuple[Any, int]] = {}  # id(item) -> (survey, rating)
    placed: list[tuple[IncomingItem, Identity, Ticket]] = []
    batch_tickets: dict[str, Ticket] = {}  # platform id / thread key -> ticket, within this batch
    new_tickets: list[Ticket] = []
    languages: dict[int, str] = {}
    sentiments: dict[int, str] = {}
    for item in todo:
        msg = item.incoming
        identity = identities[msg.author.external_id]
        found: Ticket | None = None
        if msg.in_reply_to:
            found = batch_tickets.get(msg.in_reply_to) or tickets.get(by_platform_id.get(msg.in_reply_to, 0))
        if found is None and msg.thread_key and msg.thread_key != msg.platform_id:
            found = batch_tickets.get("thread:" + msg.thread_key) or tickets.get(by_thread.get(msg.thread_key, 0))
        token = str(msg.extra.get("ticket_token", ""))
        if found is None and token.isdigit():
            candidate = by_token.get(int(token))
            found = candidate if candidate is not None and candidate.customer_id == identity.customer_id else None
        if found is None:
            found = open_by_customer.get(identity.customer_id)
        survey = pending_csat.get(identity.customer_id)
        rating = parse_rating(msg.text) if survey is not None and not msg.automated else None
        if survey is not None and rating is not None and (found is None or found.pk == survey.ticket_id):
            # The answer to the satisfaction question: kept in its conversation, which stays
            # as it is (a solved one is not reopened by a rating).
            ticket = tickets.setdefault(survey.ticket_id, survey.ticket)
            ratings[id(item)] = (survey, rating)
            del pending_csat[identity.customer_id]
            languages[id(item)] = msg.language or ticket.language
            sentiments[id(item)] = detect_sentiment(msg.text, language=languages[id(item)])
            batch_tickets[msg.platform_id] = ticket
            placed.append((item, identity, ticket))
            continue
        # The platform's own tag when it gives one (X does), else what the text says; the
        # conversation's language settles the doubt a short message leaves.
        languages[id(item)] = msg.language or detect_language(msg.text, prior=found.language if found else "")
        sentiments[id(item)] = detect_sentiment(msg.text, language=languages[id(item)])
        if found is not None:
            ticket = found
            if ticket.pk is None:  # created earlier in this batch; items come oldest first
                ticket.last_message_at = msg.sent_at
                if not msg.automated:
                    ticket.sentiment = sentiments[id(item)]
        else:
            ticket = Ticket(
                brand_id=account.brand_id,
                account=account,
                customer_id=identity.customer_id,
                subject=msg.subject,
                status=TicketStatus.NEW,
                language=languages[id(item)],
                # An auto-reply is not the customer speaking: the ticket's mood is theirs.
                sentiment="" if msg.automated else sentiments[id(item)],
                created_at=now,
                updated_at=now,
                waiting_since=msg.sent_at,
                first_response_due_at=first_response_due(platform=account.platform, received_at=msg.sent_at),
                last_message_at=msg.sent_at,
            )
            new_tickets.append(ticket)
        # A message into a solved ticket reopens it: it is this customer's open ticket now.
        open_by_customer[identity.customer_id] = ticket
        batch_tickets[msg.platform_id] = ticket
        if msg.thread_key:
            batch_tickets["thread:" + msg.thread_key] = ticket
        placed.append((item, identity, ticket))

    if new_tickets:  # the team responsible: the one covering the brand (lowest id if several)
        team_id = team_for_brand(brand_id=account.brand_id)
        for ticket in new_tickets:
            ticket.team_id = team_id
    Ticket.objects.bulk_create(new_tickets)
    messages = Message.objects.bulk_create(
        [
            Message(
                ticket=ticket,
                account=account,
                direction=Direction.IN,
                kind=item.incoming.kind,
                text=item.incoming.text,
                author_identity=identity,
                platform_id=item.incoming.platform_id,
                in_reply_to_platform_id=item.incoming.in_reply_to,
                thread_key=item.incoming.thread_key,
                delivery_status=DeliveryStatus.RECEIVED,
                attachments=[attachment_metadata(a) for a in item.incoming.attachments],
                extra=dict(item.incoming.extra),
                automated=item.incoming.automated,
                language=languages[id(item)],
                sentiment=sentiments[id(item)],
                sent_at=item.incoming.sent_at,
                created_at=now,
                inbound_event_id=item.inbound_event_id,
            )
            for item, identity, ticket in placed
        ]
    )
    attachments_record(
        items=[(m, i.incoming.attachments) for m, (i, _, _) in zip(messages, placed, strict=True) if m.attachments]
    )
    new_ids = {t.pk for t in new_tickets}
    log: list[TicketEvent] = []
    earliest: dict[int, datetime] = {}
    latest: dict[int, datetime] = {}
    seen: set[int] = set()
    answers: list[tuple[Any, int, Message]] = []
    for message, (item, _, ticket) in zip(messages, placed, strict=True):
        if id(item) in ratings:
            log.append(events.message_received(ticket=ticket, message=message))
            survey, rating = ratings[id(item)]
            answers.append((survey, rating, message))
            continue
        first_in_batch = ticket.pk not in seen
        seen.add(ticket.pk)
        if ticket.pk in new_ids and first_in_batch:
            log.append(events.ticket_created(ticket=ticket, message=message))
        elif ticket.status == TicketStatus.SOLVED and first_in_batch:
            log.append(events.ticket_reopened(ticket=ticket, message=message))
        else:
            log.append(events.message_received(ticket=ticket, message=message))
        if ticket.pk not in new_ids:
            earliest[ticket.pk] = min(earliest.get(ticket.pk, message.sent_at), message.sent_at)
            latest[ticket.pk] = max(latest.get(ticket.pk, message.sent_at), message.sent_at)
    talking = [(item, identity, t) for item, identity, t in placed if id(item) not in ratings]
    continued_ids = {t.pk for _, _, t in talking if t.pk not in new_ids}
    log.extend(_follow_sentiment(tickets=[tickets[pk] for pk in continued_ids if pk in tickets]))
    events.record(log)
    for survey, rating, message in answers:  # a number written back (a press comes as a ButtonPress)
        csat_answer_record(survey=survey, rating=rating, via="message", message=message)
    search_refresh(ticket_ids={t.pk for _, _, t in placed})
    if earliest:
        _continue_tickets(
            rows=[
                (pk, at, latest[pk], first_response_due(platform=account.platform, received_at=at))
                for pk, at in earliest.items()
            ],
            now=now,
        )
        # The customer wrote again: the conversation is open (pending, solved or new before).
        continued = {t.pk: t for _, _, t in talking if t.pk in earliest}
        tickets_status_change(tickets=list(continued.values()), status=TicketStatus.OPEN, actor=None)
        tickets_wake_on_customer_message(ticket_ids=list(continued))  # a snoozed one is back
    tickets_sla_refresh(ticket_ids={t.pk for _, _, t in placed})  # policies, business hours
    bump_on_commit(tickets={t.pk: t for _, _, t in placed}.values())
    human = sorted({t.pk for item, _, t in talking if not item.incoming.automated})
    if human:
        customer_messages_received.send(sender=Message, ticket_ids=human)
    result.created = messages
    result.new_ticket_ids = [t.pk for t in new_tickets]
    return result


def _follow_ticket_merges(tickets: dict[int, Ticket]) -> dict[int, Ticket]:
    """A token ([#123]) of a conversation merged into another threads into the one kept."""
    out: dict[int, Ticket] = {}
    for token, ticket in tickets.items():
        hops = 0
        while ticket.merged_into_id and hops < 20:
            nxt = Ticket.objects.filter(pk=ticket.merged_into_id).first()
            if nxt is None:
                break
            ticket, hops = nxt, hops + 1
        if ticket.pk != token:
            out[token] = ticket
    return out


def _follow_sentiment(*, tickets: list[Ticket]) -> list[TicketEvent]:
    """Give continued tickets the sentiment of their latest customer message (not the
    latest of this batch: X may hand over an older message late), one SELECT and an UPDATE
    per value that changed; an event only where the mood changed. The customer rows are
    locked (see _ingest), so no other ingest moves these tickets meanwhile."""
    if not tickets:
        return []
    latest = Message.objects.filter(ticket=OuterRef("pk"), direction=Direction.IN, automated__isnull=True).order_by(
        "-sent_at", "-id"
    )
    rows = (
        Ticket.objects.filter(pk__in=[t.pk for t in tickets])
        .annotate(
            latest_sentiment=Subquery(latest.values("sentiment")[:1]), latest_id=Subquery(latest.values("id")[:1])
        )
        .values_list("pk", "latest_sentiment", "latest_id")
    )
    by_pk = {t.pk: t for t in tickets}
    changed: dict[str, list[int]] = {}
    log: list[TicketEvent] = []
    for pk, sentiment, message_id in rows:
        ticket = by_pk[pk]
        if sentiment is None or sentiment == ticket.sentiment:
            continue
        message = Message(pk=message_id)
        log.append(events.sentiment_changed(ticket=ticket, message=message, old=ticket.sentiment, new=sentiment))
        ticket.sentiment = sentiment
        changed.setdefault(sentiment, []).append(pk)
    for sentiment, pks in changed.items():
        Ticket.objects.filter(pk__in=pks).update(sentiment=sentiment)
    return log


def _continue_tickets(*, rows: list[tuple[int, datetime, datetime, datetime]], now: datetime) -> None:
    """One UPDATE for every ticket a batch continued: let the customer wait
    since their oldest unanswered message (X pages newest first, so an older message can
    arrive after a newer one), with the first-response target following while unanswered.
    Computed in SQL from the row's current values, so a concurrent change is kept. Raw SQL
    because the ORM's CASE-per-row equivalent cost more than the rest of ingest together."""
    pg = connection.vendor == "postgresql"
    least, greatest = ("LEAST", "GREATEST") if pg else ("MIN", "MAX")
    adapt = connection.ops.adapt_datetimefield_value
    table = Ticket._meta.db_table
    values = ", ".join(["(%s, %s, %s, %s)"] * len(rows))
    params: list[Any] = []
    for pk, first_at, last_at, due_at in rows:
        params.extend([pk, adapt(first_at), adapt(last_at), adapt(due_at)])
    sql = f"""
        WITH v(id, first_at, last_at, due_at) AS (VALUES {values})
        UPDATE {table} SET
            updated_at = %s,
            waiting_since = {least}(COALESCE({table}.waiting_since, v.first_at), v.first_at),
            last_message_at = {greatest}({table}.last_message_at, v.last_at),
            first_response_due_at = CASE WHEN {table}.first_response_at IS NULL
                THEN {least}(COALESCE({table}.first_response_due_at, v.due_at), v.due_at)
                ELSE {table}.first_response_due_at END
        FROM v WHERE {table}.id = v.id
    """  # noqa: S608 (identifiers are ours; every value is a parameter)
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, adapt(now)])
