"""Reply variables ({{ customer.first_name }} ...) and reply_compose: signature, X's
weighted 280 budget, and no second evaluation of what a customer wrote."""
from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from channels.types import NormalizedAuthor, NormalizedMessage
from inbox.actions.replies import ReplyError, reply_compose, ticket_reply
from inbox.actions.tickets import ticket_ingest_message
from inbox.models import Ticket
from inbox.variables import AVAILABLE, UnknownVariable, render_variables

VALUES = {
    "customer.first_name": "Мария",
    "customer.name": "Мария Петрова",
    "customer.handle": "@mpetrova_bg",
    "agent.name": "Jana Dvořáková",
    "agent.first_name": "Jana",
    "brand.name": "Acme",
    "ticket.id": "42",
}


# --- render_variables -----------------------------------------------------------------
def test_values_cover_every_available_variable() -> None:
    assert set(VALUES) == set(AVAILABLE)


def test_every_available_variable_renders() -> None:
    template = " | ".join(f"{{{{ {name} }}}}" for name in AVAILABLE)
    assert render_variables(template, VALUES) == " | ".join(VALUES[name] for name in AVAILABLE)


@pytest.mark.parametrize(
    "template", ["{{customer.first_name}}", "{{ customer.first_name }}", "{{   customer.first_name\t}}"]
)
def test_whitespace_inside_braces(template: str) -> None:
    assert render_variables(f"Hi {template}!", VALUES) == "Hi Мария!"


def test_text_without_variables_is_unchanged() -> None:
    text = "Dobrý den, 50 % sleva & <b>ne</b> — {} {x} { customer.name }"
    assert render_variables(text, VALUES) == text


def test_unknown_variable_raises_naming_it() -> None:
    with pytest.raises(UnknownVariable) as info:
        render_variables("Hi {{ customer.nickname }}, {{ customer.first_name }}", VALUES)
    assert info.value.name == "customer.nickname"
    assert "customer.nickname" in str(info.value)
    assert "customer.first_name" in str(info.value)  # lists what is available


def test_unknown_variable_is_a_value_error() -> None:
    assert issubclass(UnknownVariable, ValueError)


def test_unknown_single_word_variable() -> None:
    with pytest.raises(UnknownVariable) as info:
        render_variables("{{ password }}", VALUES)
    assert info.value.name == "password"


@pytest.mark.parametrize(
    "template",
    [
        "{% load static %}{% static 'x' %}",
        "{% if 1 %}yes{% endif %}",
        "{# comment #}",
        "{% include 'base.html' %}",
    ],
)
def test_template_tags_stay_literal(template: str) -> None:
    assert render_variables(template, VALUES) == template


def test_filters_are_not_applied() -> None:
    # Not our grammar: it may be refused, but it is never run through a filter.
    try:
        rendered = render_variables("{{ customer.name|upper }}", VALUES)
    except UnknownVariable:
        return
    assert "МАРИЯ" not in rendered


def test_values_are_not_re_evaluated() -> None:
    """A customer controls their own name; whatever it holds is inserted as is."""
    values = dict(VALUES, **{"customer.name": "Eve {{ agent.name }} {% load x %} \\1 \\g<0>"})
    rendered = render_variables("Hi {{ customer.name }} from {{ brand.name }}", values)
    assert rendered == "Hi Eve {{ agent.name }} {% load x %} \\1 \\g<0> from Acme"


def test_value_naming_an_unknown_variable_is_not_an_error() -> None:
    values = dict(VALUES, **{"customer.name": "{{ no.such }}"})
    assert render_variables("{{ customer.name }}", values) == "{{ no.such }}"


def test_html_is_not_escaped() -> None:
    # Plain text for the platform; escaping happens where it is displayed.
    values = dict(VALUES, **{"customer.name": "<b>O'Brien & Co</b>"})
    assert render_variables("{{ customer.name }}", values) == "<b>O'Brien & Co</b>"


@pytest.mark.parametrize(
    ("typo", "name"),
    [
        ("{{ Customer.Name }}", "Customer.Name"),
        ("{{ customer.first-name }}", "customer.first-name"),
        ("{{ customer.name.first }}", "customer.name.first"),
    ],
)
def test_mistyped_variable_is_refused(typo: str, name: str) -> None:
    """A typo must not go out to the customer as literal braces."""
    with pytest.raises(UnknownVariable) as info:
        render_variables(f"Hi {typo}", VALUES)
    assert info.value.name == name


# --- reply_compose (signature, weighted budget) ---------------------------------------
def _ticket(account: Any, *, name: str, handle: str, external_id: str = "1276543210987654321") -> Ticket:
    incoming = NormalizedMessage(
        platform_id="2123721046619131904",
        author=NormalizedAuthor(external_id=external_id, handle=handle, display_name=name),
        text="@AcmeCare Здравейте!",
        sent_at=datetime(2026, 11, 20, 10, 12, 9, tzinfo=UTC),
        kind="mention",
        thread_key="2123721046619131904",
        language="bg",
    )
    return ticket_ingest_message(account=account, incoming=incoming).message.ticket


@pytest.fixture
def ticket(x_account: Any) -> Ticket:
    return _ticket(x_account, name="Мария Петрова", handle="@mpetrova_bg")


def test_compose_fills_every_variable(ticket: Ticket, agent: Any) -> None:
    template = " | ".join(f"{{{{ {name} }}}}" for name in AVAILABLE)
    composed = reply_compose(ticket=ticket, agent=agent, text=template)
    assert composed.ok, composed.error
    assert composed.text == f"Мария | Мария Петрова | @mpetrova_bg | Jana Dvořáková | Jana | Acme | {ticket.pk} ^JD"


def test_compose_appends_signature(ticket: Ticket, agent: Any) -> None:
    composed = reply_compose(ticket=ticket, agent=agent, text="  Здравейте, {{ customer.first_name }}!  ")
    assert composed.ok
    assert composed.text == "Здравейте, Мария! ^JD"
    assert composed.length == len("Здравейте, Мария! ^JD")  # Cyrillic weighs 1
    assert composed.max_length == 280


def test_276_plus_signature_is_exactly_280(ticket: Ticket, agent: Any) -> None:
    composed = reply_compose(ticket=ticket, agent=agent, text="a" * 276)
    assert composed.ok, composed.error
    assert composed.length == 280
    assert composed.text == "a" * 276 + " ^JD"


def test_277_plus_signature_is_refused(ticket: Ticket, agent: Any) -> None:
    composed = reply_compose(ticket=ticket, agent=agent, text="a" * 277)
    assert not composed.ok
    assert composed.length == 281
    assert "281/280" in composed.error


def test_budget_is_weighted_after_variables(ticket: Ticket, agent: Any) -> None:
    # 138 CJK = 276 weighted; a URL of any length is 23.
    assert reply_compose(ticket=ticket, agent=agent, text="日" * 138).length == 280
    assert not reply_compose(ticket=ticket, agent=agent, text="日" * 138 + "a").ok
    link = "https://acme.example.com/track/" + "x" * 300
    composed = reply_compose(ticket=ticket, agent=agent, text=f"{{{{ customer.first_name }}}} {link}")
    assert composed.ok and composed.length == len("Мария ") + 23 + len(" ^JD")


def test_too_long_reply_is_refused_by_ticket_reply(ticket: Ticket, agent: Any) -> None:
    with pytest.raises(ReplyError, match="281/280"):
        ticket_reply(ticket=ticket, agent=agent, text="a" * 277)
    assert not ticket.messages.filter(direction="out").exists()


def test_cyrillic_first_name_filled_in(x_account: Any, agent: Any) -> None:
    ticket = _ticket(x_account, name="Борис Петров", handle="@boris_bg", external_id="1490011223344556677")
    composed = reply_compose(ticket=ticket, agent=agent, text="Здравейте, {{ customer.first_name }}!")
    assert composed.text == "Здравейте, Борис! ^JD"


def test_a_handle_is_never_taken_for_a_first_name(x_account: Any, agent: Any) -> None:
    """Issue 9: "Hello , checking this…" and "jnovakova" as a first name. No name: the
    variable has no value, the preview says so and ticket_reply refuses it."""
    ticket = _ticket(x_account, name="", handle="@lukas_b", external_id="1544412345678901234")
    composed = reply_compose(ticket=ticket, agent=agent, text="Hi {{ customer.first_name }} ({{ customer.handle }})")
    assert not composed.ok and "customer.first_name" in composed.error and "default" in composed.error
    with pytest.raises(ReplyError):
        ticket_reply(ticket=ticket, agent=agent, text="Hi {{ customer.first_name }}")
    composed = reply_compose(ticket=ticket, agent=agent, text='Hi{{ customer.first_name|default:"" }}, checking.')
    assert composed.ok and composed.text == "Hi, checking. ^JD"
    composed = reply_compose(ticket=ticket, agent=agent, text="Hi {{ customer.name|default:'there' }}!")
    assert composed.ok and composed.text == "Hi there! ^JD"


def test_a_name_that_is_only_the_handle_is_no_name(x_account: Any, agent: Any) -> None:
    ticket = _ticket(x_account, name="jnovakova", handle="@jnovakova", external_id="1544412345678901299")
    assert not reply_compose(ticket=ticket, agent=agent, text="Dobrý den {{ customer.first_name }}").ok
    ticket.customer.name = "Jana Nováková"
    ticket.customer.save(update_fields=["name"])
    assert reply_compose(ticket=ticket, agent=agent, text="Dobrý den {{ customer.first_name }}").text == (
        "Dobrý den Jana ^JD")


def test_a_default_is_used_only_when_the_value_is_missing() -> None:
    assert render_variables('Hi {{ customer.first_name|default:"there" }}', VALUES) == "Hi Мария"
    assert render_variables("{{ customer.first_name | default : 'x' }}", {**VALUES, "customer.first_name": ""}) == "x"
    with pytest.raises(UnknownVariable):
        render_variables('{{ customer.nick|default:"x" }}', VALUES)


def test_customer_name_with_braces_is_literal(x_account: Any, agent: Any) -> None:
    ticket = _ticket(
        x_account, name="{{ agent.name }} {% load x %}", handle="@braces", external_id="1622093847561029632"
    )
    composed = reply_compose(ticket=ticket, agent=agent, text="Hi {{ customer.name }}")
    assert composed.ok, composed.error
    assert composed.text == "Hi {{ agent.name }} {% load x %} ^JD"


@pytest.mark.parametrize("text", ["", "   ", "\n\t"])
def test_empty_reply_refused(ticket: Ticket, agent: Any, text: str) -> None:
    composed = reply_compose(ticket=ticket, agent=agent, text=text)
    assert not composed.ok
    assert composed.error == "The reply is empty."
    assert composed.text == ""  # no lone signature
    with pytest.raises(ReplyError, match="empty"):
        ticket_reply(ticket=ticket, agent=agent, text=text)


def test_unknown_variable_in_compose_is_an_error_not_an_exception(ticket: Ticket, agent: Any) -> None:
    composed = reply_compose(ticket=ticket, agent=agent, text="Hi {{ customer.nickname }}")
    assert not composed.ok
    assert "customer.nickname" in composed.error
    assert composed.text == "Hi {{ customer.nickname }}"  # left for the agent to fix
    with pytest.raises(ReplyError, match="customer.nickname"):
        ticket_reply(ticket=ticket, agent=agent, text="Hi {{ customer.nickname }}")


def test_agent_without_signature_signs_with_initials(ticket: Ticket, agent: Any) -> None:
    """Every public reply is signed, through the API too (the same reply_compose)."""
    agent.agent_profile.signature = ""
    agent.agent_profile.save()
    composed = reply_compose(ticket=ticket, agent=agent, text="a" * 276)
    assert composed.ok and composed.text == "a" * 276 + " ^JD"
    assert not reply_compose(ticket=ticket, agent=agent, text="a" * 277).ok  # inside X's 280
