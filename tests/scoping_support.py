"""Two brands, each with its team, agent, account, customer, conversation and message:
what the scoping tests need to ask "does team A's agent see anything of brand B?"."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.utils import timezone


@dataclass
class TwoBrands:
    brand_a: Any
    brand_b: Any
    account_a: Any
    account_b: Any
    customer_a: Any
    customer_b: Any
    ticket_a: Any
    ticket_b: Any
    message_a: Any
    message_b: Any
    team_a: Any
    team_b: Any
    agent_a: User
    agent_b: User
    admin: User


def _conversation(brand: Any, account: Any, who: str, text: str) -> tuple[Any, Any, Any]:
    from inbox.enums import Direction, TicketStatus
    from inbox.models import Customer, Identity, Message, Ticket

    customer = Customer.objects.create(brand=brand, name=who)
    identity = Identity.objects.create(
        customer=customer, brand=brand, platform="x", external_id=f"id-{who}", handle=f"@{who}"
    )
    now = timezone.now()
    ticket = Ticket.objects.create(
        brand=brand, account=account, customer=customer, status=TicketStatus.NEW, waiting_since=now
    )
    message = Message.objects.create(
        ticket=ticket, account=account, direction=Direction.IN, kind="mention", text=text,
        author_identity=identity, platform_id=f"tweet-{who}", thread_key=f"thread-{who}",
    )
    return customer, ticket, message


@pytest.fixture
def two_brands(db: None) -> TwoBrands:
    from channels.models import Brand, BrandAccount
    from inbox.actions.people import agent_create, team_create

    brand_a = Brand.objects.create(name="Acme")
    brand_b = Brand.objects.create(name="Globex")
    account_a = BrandAccount.objects.create(brand=brand_a, platform="x", handle="@AcmeCare")
    account_b = BrandAccount.objects.create(brand=brand_b, platform="x", handle="@GlobexCare")
    customer_a, ticket_a, message_a = _conversation(brand_a, account_a, "alice", "Acme order lost")
    customer_b, ticket_b, message_b = _conversation(brand_b, account_b, "bob", "Globex secret complaint")
    agent_a = agent_create(username="jana", password="pw-jana-12345", display_name="Jana Dvořáková")
    agent_b = agent_create(username="boris", password="pw-boris-12345", display_name="Boris Globexov")
    admin = agent_create(username="chief", password="pw-chief-12345", display_name="Chief", role="admin")
    team_a = team_create(name="Acme care", brands=[brand_a], members=[agent_a])
    team_b = team_create(name="Globex care", brands=[brand_b], members=[agent_b])
    return TwoBrands(
        brand_a, brand_b, account_a, account_b, customer_a, customer_b, ticket_a, ticket_b,
        message_a, message_b, team_a, team_b, agent_a, agent_b, admin,
    )
