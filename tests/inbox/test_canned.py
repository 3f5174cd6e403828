"""Canned responses (inbox/actions/canned.py): per brand, shared or personal; `/query`
offers only the conversation's brand's shared ones and the agent's own, the variant in the
conversation's language first; a use returns that text, counts it and is in the timeline;
another brand's canned response is never offered nor usable, by the page or the menu (the
API: tests/api/test_canned_api.py)."""
from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from inbox.actions.canned import (
    CannedError,
    CannedOutOfScope,
    canned_response_create,
    canned_response_delete,
    canned_response_update,
    canned_response_use,
)
from inbox.actions.people import agent_create
from inbox.enums import TicketEventType
from inbox.models import CannedResponse, Ticket
from inbox.selectors import canned_search, canned_visible_to
from tests.scoping_support import TwoBrands, two_brands  # noqa: F401 (fixture)

REFUND = {
    "en": "Hi {{ customer.first_name }}, your refund is on its way.",
    "cs": "Dobrý den, {{ customer.first_name }}, peníze jsou na cestě.",
    "pl": "Dzień dobry, zwrot jest w drodze.",
    "bg": "Здравейте, възстановяването е на път.",
}


@pytest.fixture
def lead(two_brands: TwoBrands) -> User:  # noqa: F811
    user = agent_create(username="lea", password="pw-lea-12345", display_name="Lea Lead", role="lead")
    two_brands.team_a.members.add(user)
    return User.objects.get(pk=user.pk)  # the profile as agent_set_role left it


def shared_refund(world: TwoBrands, lead: User, **texts: str) -> CannedResponse:
    return canned_response_create(
        actor=lead, brand=world.brand_a, shortcut="/refund", title="Refund on its way",
        variants=texts or REFUND, shared=True,
    )


def with_language(ticket: Ticket, language: str) -> Ticket:
    Ticket.objects.filter(pk=ticket.pk).update(language=language)
    ticket.refresh_from_db()
    return ticket


def test_create_cleans_the_shortcut_and_keeps_the_variants(two_brands: TwoBrands, lead: User) -> None:  # noqa: F811
    canned = shared_refund(two_brands, lead, en=" Hi! ", cs="", pl="Cześć")
    assert canned.shortcut == "refund" and canned.owner is None and canned.created_by == lead
    assert {v.language: v.body for v in canned.variants.all()} == {"en": "Hi!", "pl": "Cześć"}


@pytest.mark.parametrize("shortcut", ["", "re fund", "Ref/und", "x" * 41])
def test_a_bad_shortcut_is_refused(two_brands: TwoBrands, lead: User, shortcut: str) -> None:  # noqa: F811
    with pytest.raises(CannedError):
        canned_response_create(actor=lead, brand=two_brands.brand_a, shortcut=shortcut, title="t",
                               variants={"en": "x"}, shared=True)
    assert not CannedResponse.objects.exists()


def test_no_text_or_an_unknown_variable_is_refused(two_brands: TwoBrands, lead: User) -> None:  # noqa: F811
    for variants in ({"en": "  "}, {"en": "Hi {{ customer.shoe_size }}"}, {"de": "Hallo"}):
        with pytest.raises(CannedError):
            canned_response_create(actor=lead, brand=two_brands.brand_a, shortcut="x", title="t",
                                   variants=variants, shared=True)
    assert not CannedResponse.objects.exists()


def test_shortcuts_are_unique_per_brand_and_owner(two_brands: TwoBrands, lead: User) -> None:  # noqa: F811
    shared_refund(two_brands, lead)
    with pytest.raises(CannedError, match="taken"):
        shared_refund(two_brands, lead)
    # The same shortcut as one's own, and for another brand, are fine.
    mine = canned_response_create(actor=two_brands.agent_a, brand=two_brands.brand_a, shortcut="refund",
                                  title="Mine", variants={"en": "My refund text"}, shared=False)
    assert mine.owner == two_brands.agent_a
    other = canned_response_create(actor=two_brands.admin, brand=two_brands.brand_b, shortcut="refund",
                                   title="Globex", variants={"en": "Globex refund"}, shared=True)
    assert other.brand == two_brands.brand_b


def test_only_leads_and_admins_share(two_brands: TwoBrands, lead: User) -> None:  # noqa: F811
    with pytest.raises(CannedError):
        canned_response_create(actor=two_brands.agent_a, brand=two_brands.brand_a, shortcut="refund",
                               title="t", variants={"en": "x"}, shared=True)
    # A lead shares for their teams' brands only; another brand is out of scope altogether.
    with pytest.raises(CannedOutOfScope):
        canned_response_create(actor=lead, brand=two_brands.brand_b, shortcut="refund", title="t",
                               variants={"en": "x"}, shared=True)
    canned = shared_refund(two_brands, lead)
    with pytest.raises(CannedOutOfScope):
        canned_response_update(canned=canned, actor=two_brands.agent_a, title="Hijacked")
    with pytest.raises(CannedOutOfScope):
        canned_response_delete(canned=canned, actor=two_brands.agent_a)
    canned.refresh_from_db()
    assert canned.title == "Refund on its way"


def test_update_replaces_the_variants_and_keeps_the_count(two_brands: TwoBrands, lead: User) -> None:  # noqa: F811
    canned = shared_refund(two_brands, lead)
    canned_response_use(canned=canned, ticket=two_brands.ticket_a, agent=two_brands.agent_a)
    canned_response_update(canned=canned, actor=lead, shortcut="refunds", title="Refund",
                           variants={"en": "New text", "cs": ""})
    canned.refresh_from_db()
    assert canned.shortcut == "refunds" and canned.use_count == 1
    assert {v.language: v.body for v in canned.variants.all()} == {"en": "New text"}


@pytest.mark.parametrize(("language", "expected"), [
    ("cs", "cs"), ("pl", "pl"), ("bg", "bg"), ("en", "en"), ("de", "en"), ("", "en"),
])
def test_use_gives_the_conversations_language(two_brands: TwoBrands, lead: User, language: str,  # noqa: F811
                                              expected: str) -> None:
    canned = shared_refund(two_brands, lead)
    ticket = with_language(two_brands.ticket_a, language)
    used = canned_response_use(canned=canned, ticket=ticket, agent=two_brands.agent_a)
    assert used.language == expected and used.text == REFUND[expected]


def test_use_falls_back_to_the_first_variant_and_may_ask_for_another(two_brands: TwoBrands,  # noqa: F811
                                                                     lead: User) -> None:
    canned = shared_refund(two_brands, lead, pl="Tylko po polsku", bg="Само на български")
    ticket = with_language(two_brands.ticket_a, "cs")
    # No cs, no en: the first in the order cs, pl, bg.
    assert canned_response_use(canned=canned, ticket=ticket, agent=two_brands.agent_a).language == "pl"
    chosen = canned_response_use(canned=canned, ticket=ticket, agent=two_brands.agent_a, language="bg")
    assert chosen.text == "Само на български"


def test_use_counts_and_is_in_the_timeline(two_brands: TwoBrands, lead: User) -> None:  # noqa: F811
    canned = shared_refund(two_brands, lead)
    ticket = with_language(two_brands.ticket_a, "cs")
    for _ in range(3):
        canned_response_use(canned=canned, ticket=ticket, agent=two_brands.agent_a)
    canned.refresh_from_db()
    assert canned.use_count == 3 and canned.last_used_at is not None
    events = list(ticket.events.filter(type=TicketEventType.CANNED_USED))
    assert len(events) == 3
    assert events[0].actor == two_brands.agent_a
    assert events[0].payload == {"canned_id": canned.pk, "shortcut": "refund", "language": "cs"}
    assert ticket.messages.count() == 1  # nothing was sent: the text only went to the composer


def test_another_brands_canned_response_is_never_offered_nor_usable(two_brands: TwoBrands,  # noqa: F811
                                                                   lead: User) -> None:
    globex = canned_response_create(actor=two_brands.admin, brand=two_brands.brand_b, shortcut="refund",
                                    title="Globex secret refund", variants={"en": "Globex text"}, shared=True)
    ours = shared_refund(two_brands, lead)
    offers = canned_search(agent=two_brands.agent_a, ticket=two_brands.ticket_a, query="ref")
    assert [o.canned.pk for o in offers] == [ours.pk]
    with pytest.raises(CannedOutOfScope):
        canned_response_use(canned=globex, ticket=two_brands.ticket_a, agent=two_brands.agent_a)
    assert globex.pk not in {c.pk for c in canned_visible_to(user=two_brands.agent_a)}
    globex.refresh_from_db()
    assert globex.use_count == 0
    # Through the web: the menu on A's ticket lists only A's; B's id is a 404 everywhere.
    client = Client()
    client.force_login(two_brands.agent_a)
    menu = client.get(reverse("inbox:canned_menu", args=[two_brands.ticket_a.pk]), {"q": "ref"}).content.decode()
    assert "Refund on its way" in menu and "Globex" not in menu
    assert client.post(reverse("inbox:canned_use", args=[two_brands.ticket_a.pk, globex.pk])).status_code == 404
    assert client.get(reverse("inbox:canned_menu", args=[two_brands.ticket_b.pk])).status_code == 404
    assert client.post(reverse("inbox:canned_use", args=[two_brands.ticket_b.pk, globex.pk])).status_code == 404
    for name in ("inbox:canned_edit", "inbox:canned_delete"):
        assert client.post(reverse(name, args=[globex.pk]), {"title": "x"}).status_code == 404
    page = client.get(reverse("inbox:canned")).content.decode()
    assert "Refund on its way" in page and "Globex" not in page
    made = client.post(reverse("inbox:canned_new"), {"brand": two_brands.brand_b.pk, "shortcut": "leak",
                                                    "title": "t", "who": "mine", "body_en": "x"})
    assert made.status_code == 404
    assert not CannedResponse.objects.filter(shortcut="leak").exists()
    globex.refresh_from_db()
    assert globex.use_count == 0 and globex.title == "Globex secret refund"


def test_a_colleagues_personal_one_is_never_offered(two_brands: TwoBrands, lead: User) -> None:  # noqa: F811
    canned_response_create(actor=lead, brand=two_brands.brand_a, shortcut="lea-only", title="Lea's own",
                           variants={"en": "Lea's text"}, shared=False)
    assert canned_search(agent=two_brands.agent_a, ticket=two_brands.ticket_a, query="lea") == []
    assert [o.canned.shortcut for o in canned_search(agent=lead, ticket=two_brands.ticket_a, query="lea")] == [
        "lea-only"
    ]


def test_search_order_prefix_language_and_use(two_brands: TwoBrands, lead: User) -> None:  # noqa: F811
    ticket = with_language(two_brands.ticket_a, "pl")
    exact = canned_response_create(actor=lead, brand=two_brands.brand_a, shortcut="ref", title="Short",
                                   variants={"en": "short"}, shared=True)
    english_only = canned_response_create(actor=lead, brand=two_brands.brand_a, shortcut="refund-en",
                                          title="English only", variants={"en": "en"}, shared=True)
    polish = shared_refund(two_brands, lead)
    by_title = canned_response_create(actor=lead, brand=two_brands.brand_a, shortcut="money",
                                      title="Money back (refund)", variants={"pl": "pl"}, shared=True)
    offers = canned_search(agent=two_brands.agent_a, ticket=ticket, query="ref")
    assert [o.canned.pk for o in offers] == [exact.pk, polish.pk, english_only.pk, by_title.pk]
    # Polish first among the variants of the one offered in Polish, then English.
    assert [v.language for v in offers[1].variants] == ["pl", "en", "cs", "bg"]
    # The much-used first among equals.
    for _ in range(2):
        canned_response_use(canned=english_only, ticket=ticket, agent=two_brands.agent_a)
    canned_response_update(canned=english_only, actor=lead, variants={"pl": "pl", "en": "en"})
    offers = canned_search(agent=two_brands.agent_a, ticket=ticket, query="ref")
    assert [o.canned.pk for o in offers] == [exact.pk, english_only.pk, polish.pk, by_title.pk]


def test_the_page_creates_edits_and_deletes_with_counts(two_brands: TwoBrands, lead: User) -> None:  # noqa: F811
    client = Client()
    client.force_login(lead)
    made = client.post(reverse("inbox:canned_new"), {
        "brand": two_brands.brand_a.pk, "shortcut": "refund", "title": "Refund", "who": "shared",
        "body_en": "Hello", "body_cs": "Dobrý den",
    })
    assert made.status_code == 302
    canned = CannedResponse.objects.get(shortcut="refund")
    assert canned.owner is None
    canned_response_use(canned=canned, ticket=two_brands.ticket_a, agent=two_brands.agent_a)
    page = client.get(reverse("inbox:canned")).content.decode()
    assert "/refund" in page and '<td class="uses">1' in page
    # An agent sees the shared one but may not change it; they keep their own.
    agent = Client()
    agent.force_login(two_brands.agent_a)
    assert "/refund" in agent.get(reverse("inbox:canned")).content.decode()
    assert agent.get(reverse("inbox:canned_edit", args=[canned.pk])).status_code == 404
    refused = agent.post(reverse("inbox:canned_new"), {"brand": two_brands.brand_a.pk, "shortcut": "x",
                                                      "title": "x", "who": "shared", "body_en": "x"})
    assert refused.status_code == 400 and not CannedResponse.objects.filter(shortcut="x").exists()
    own = agent.post(reverse("inbox:canned_new"), {"brand": two_brands.brand_a.pk, "shortcut": "mine",
                                                  "title": "Mine", "who": "mine", "body_pl": "Cześć"})
    assert own.status_code == 302
    assert CannedResponse.objects.get(shortcut="mine").owner == two_brands.agent_a
    edited = client.post(reverse("inbox:canned_edit", args=[canned.pk]),
                         {"shortcut": "refund", "title": "Refund!", "body_bg": "Здравейте"})
    assert edited.status_code == 302
    canned.refresh_from_db()
    assert canned.title == "Refund!" and [v.language for v in canned.variants.all()] == ["bg"]
    assert client.post(reverse("inbox:canned_delete", args=[canned.pk])).status_code == 302
    assert not CannedResponse.objects.filter(pk=canned.pk).exists()


def test_the_menu_fragment_escapes_and_orders(two_brands: TwoBrands, lead: User) -> None:  # noqa: F811
    canned_response_create(actor=lead, brand=two_brands.brand_a, shortcut="xss", title="<img src=x onerror=alert(1)>",
                           variants={"en": "<script>alert(1)</script>", "cs": "Česky"}, shared=True)
    with_language(two_brands.ticket_a, "cs")
    client = Client()
    client.force_login(two_brands.agent_a)
    html = client.get(reverse("inbox:canned_menu", args=[two_brands.ticket_a.pk]), {"q": "xs"}).content.decode()
    assert "<img" not in html and "<script" not in html and "&lt;img" in html
    assert 'data-language="cs"' in html and html.index(">CS<") < html.index(">EN<")
    used = client.post(reverse("inbox:canned_use", args=[two_brands.ticket_a.pk,
                                                          CannedResponse.objects.get(shortcut="xss").pk]),
                       {"language": "en"})
    assert used.json() == {"text": "<script>alert(1)</script>", "language": "en"}
