from __future__ import annotations

from django.contrib.auth.models import User
from django.db import transaction

from .. import events
from ..live import bump_on_commit
from ..models import Customer, Identity, Ticket
from ..search import search_refresh_customers
from .tickets import TicketActionError


@transaction.atomic
def customers_merge(*, source: Customer, target: Customer, actor: User) -> Customer:
    """Make `source` part of `target`: its identities and conversations move over and the
    source goes. Only ever on an agent's request, and never across brands."""
    if source.pk == target.pk:
        raise TicketActionError("A customer cannot be merged with themselves.")
    if source.brand_id != target.brand_id:
        raise TicketActionError("Customers of different brands are never merged.")
    locked = {c.pk: c for c in Customer.objects.select_for_update().filter(pk__in=[source.pk, target.pk])}
    if len(locked) != 2:
        raise TicketActionError("One of these customers no longer exists.")
    tickets = list(Ticket.objects.filter(customer_id=source.pk))
    Identity.objects.filter(customer_id=source.pk).update(customer_id=target.pk)
    Ticket.objects.filter(customer_id=source.pk).update(customer_id=target.pk)
    for ticket in tickets:
        events.customer_merged(ticket=ticket, actor=actor, source_id=source.pk, target_id=target.pk)
    if not target.name and source.name:
        Customer.objects.filter(pk=target.pk).update(name=source.name)
    Customer.objects.filter(pk=source.pk).delete()
    search_refresh_customers(customer_ids=[target.pk])
    bump_on_commit()
    target.refresh_from_db()
    return target
