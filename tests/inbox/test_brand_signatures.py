"""Brand signatures: a brand's template for a platform signs every public reply there, filled
in with the agent's name; without one the agent's own signature, else their initials. On X the
signature counts within the 280 characters."""
from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client

from channels.models import Brand
from inbox.actions.replies import agent_signature, reply_compose, ticket_reply
from inbox.actions.reply_tools import ReplyToolsError, brand_signature_set
from inbox.models import AgentProfile, BrandSignature
from tests.support import make_ticket

pytestmark = pytest.mark.django_db(transaction=True)


def test_precedence_brand_template_then_own_then_initials(brand: Brand, agent: User) -> None:
    other = Brand.objects.create(name="Other")
    assert agent_signature(agent, brand_id=brand.pk, platform="x") == "^JD"  # the agent's own
    brand_signature_set(brand=brand, platform="email", template="{{ agent.first_name }} · {{ brand.name }} Care")
    assert agent_signature(agent, brand_id=brand.pk, platform="email") == "Jana · Acme Care"
    assert agent_signature(agent, brand_id=brand.pk, platform="x") == "^JD"  # another platform
    assert agent_signature(agent, brand_id=other.pk, platform="email") == "^JD"  # another brand
    AgentProfile.objects.filter(user=agent).update(signature="")
    assert agent_signature(agent, brand_id=brand.pk, platform="x") == "^JD"  # initials of Jana Dvořáková
    assert agent_signature(agent, brand_id=brand.pk, platform="email") == "Jana · Acme Care"
    brand_signature_set(brand=brand, platform="email", template="  ")  # empty: removed
    assert not BrandSignature.objects.exists()
    assert agent_signature(agent, brand_id=brand.pk, platform="email") == "^JD"


def test_bad_templates_refused(brand: Brand) -> None:
    with pytest.raises(ReplyToolsError, match="customer.name"):
        brand_signature_set(brand=brand, platform="x", template="{{ customer.name }} for Acme")
    with pytest.raises(ReplyToolsError):
        brand_signature_set(brand=brand, platform="myspace", template="Acme")
    assert not BrandSignature.objects.exists()


def test_x_reply_signed_by_brand_within_280(fake_x: Any, x_account: Any, agent: User) -> None:
    brand_signature_set(brand=x_account.brand, platform="x", template="{{ agent.initials }} · Acme Care")
    ticket, _tweet = make_ticket(fake_x, x_account, "@jnovakova", "Jana Nováková", "Kde je balík?")
    composed = reply_compose(ticket=ticket, agent=agent, text="Balík je na cestě.")
    assert composed.text == "Balík je na cestě. JD · Acme Care"
    # The brand's signature counts in the budget: a text that fits alone no longer fits.
    near = "a" * (280 - len(" JD · Acme Care") + 1)
    over = reply_compose(ticket=ticket, agent=agent, text=near)
    assert over.length == 281 and not over.ok
    assert reply_compose(ticket=ticket, agent=agent, text=near[:-1]).ok
    ticket_reply(ticket=ticket, agent=agent, text="Balík je na cestě.")
    assert fake_x.outbound()[-1]["text"] == "Balík je na cestě. JD · Acme Care"


def test_admin_page_sets_a_signature(client: Client, brand: Brand, agent: User) -> None:
    client.force_login(agent)
    refused = client.post(f"/settings/replies/signatures/{brand.pk}/", {"platform": "email", "template": "A"})
    assert refused.status_code == 404
    admin = User.objects.create_user("boss", password="pw-boss-123", is_staff=True, is_superuser=True)
    client.force_login(admin)
    client.post(f"/settings/replies/signatures/{brand.pk}/",
                {"platform": "email", "template": "{{ agent.first_name }} · Acme Care"})
    assert BrandSignature.objects.get(brand=brand, platform="email").template == "{{ agent.first_name }} · Acme Care"
    page = client.get("/settings/replies/").content.decode()
    assert 'value="{{ agent.first_name }} · Acme Care"' in page
    assert client.get("/admin/inbox/brandsignature/").status_code == 200
