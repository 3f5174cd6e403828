"""Canned responses in Chromium: typing `/ref` in the reply box lists the brand's `/refund`
with the conversation's language (Czech) first, above the box and clear of the character
counter; Enter puts the Czech text in, still editable; the edited reply reaches the fake X
with its variable filled and the signature; the use is counted on the canned-responses
page. In Czech, another language's variant is picked by its button. Another brand's canned
response is never listed. Screenshots: test-artifacts/screenshots/canned-* (and
/tmp/shots-canned/)."""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import User
from playwright.sync_api import Page, expect

from channels.inbound import account_poll
from channels.models import Brand
from inbox.actions.canned import canned_response_create
from inbox.models import CannedResponse, Ticket
from tests.browser.conftest import PageProblems, shot
from tests.support import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CS = "Dobrý den {{ customer.first_name }}, peníze Vám vrátíme do 5 pracovních dnů."
EN = "Hi {{ customer.first_name }}, your refund is on its way."
EXTRA = " Omlouváme se za potíže."
SENT = "Dobrý den Jana, peníze Vám vrátíme do 5 pracovních dnů. Omlouváme se za potíže. ^JD"
SHOTS = Path("/tmp/shots-canned")


def snap(page: Page, name: str) -> None:
    path = shot(page, name)
    SHOTS.mkdir(parents=True, exist_ok=True)
    shutil.copy(path, SHOTS / path.name)


def boxes_overlap(a: dict[str, float], b: dict[str, float]) -> bool:
    return not (a["x"] + a["width"] <= b["x"] or b["x"] + b["width"] <= a["x"]
                or a["y"] + a["height"] <= b["y"] or b["y"] + b["height"] <= a["y"])


def box_of(locator: Any) -> dict[str, float]:
    """Its box once shown (the counter is swapped in by htmx after each keystroke)."""
    expect(locator).to_be_visible()
    box = locator.bounding_box()
    assert box is not None
    return box  # type: ignore[no-any-return]


@pytest.fixture
def canned(brand: Any, agent: Any) -> CannedResponse:
    admin = User.objects.create_superuser("chief", "chief@example.com", "pw-chief-12345")
    other = Brand.objects.create(name="Globex")
    for team in agent.teams.all():
        team.brands.remove(other)  # a brand Jana does not work for
    canned_response_create(actor=admin, brand=other, shortcut="refund-globex", title="Globex secret refund",
                           variants={"en": "Globex text"}, shared=True)
    canned_response_create(actor=admin, brand=brand, shortcut="thanks", title="Thanks",
                           variants={"en": "Thanks!", "cs": "Děkujeme!"}, shared=True)
    return canned_response_create(actor=admin, brand=brand, shortcut="refund", title="Refund on its way",
                                  variants={"en": EN, "cs": CS, "pl": "Dzień dobry, zwrot jest w drodze."},
                                  shared=True)


def open_czech_conversation(page: Page, base_url: str, fake_x: Any, x_account: Any) -> Ticket:
    fake_x.inbound(author="@jnovakova", name="Jana Nováková", text="Dobrý den, chci vrátit peníze za objednávku.")
    assert account_poll(account_id=x_account.pk) == 1
    ticket = Ticket.objects.get()
    Ticket.objects.filter(pk=ticket.pk).update(language="cs")
    page.goto(f"{base_url}/tickets/{ticket.pk}/")
    expect(page.locator("#reply-meter .counter")).to_be_visible()
    return ticket


def test_canned_response_by_shortcut(live_server: Any, page: Page, problems: PageProblems, fake_x: Any,
                                     x_account: Any, agent: Any, canned: CannedResponse) -> None:
    log_in(page, live_server.url, "jana", "pw-jana-123")
    ticket = open_czech_conversation(page, live_server.url, fake_x, x_account)
    box = page.locator("#reply-text")
    box.click()
    box.press_sequentially("/ref")
    menu = page.locator("#reply-canned-menu")
    expect(menu).to_be_visible()
    options = menu.locator("li[data-canned]")
    expect(options).to_have_count(1)  # /refund; never the other brand's /refund-globex
    expect(options.first).to_contain_text("/refund")
    expect(options.first.locator("button.lang")).to_have_text(["CS", "EN", "PL"])  # the conversation's first
    expect(options.first.locator(".snippet")).to_contain_text("Dobrý den")
    assert "Globex" not in menu.inner_text()
    counter = page.locator("#reply-meter .counter")
    assert not boxes_overlap(box_of(menu), box_of(counter))
    snap(page, "canned-menu-en")

    box.press("Enter")
    expect(box).to_have_value(CS)
    expect(menu).to_be_hidden()
    expect(page.locator("#reply-meter .preview")).to_contain_text("Dobrý den Jana")
    # Still the agent's to edit.
    box.press("End")
    box.press_sequentially(EXTRA)
    expect(box).to_have_value(CS + EXTRA)
    expect(page.locator("#reply-meter .preview")).to_have_text(f"Sends as: {SENT}")
    snap(page, "canned-inserted-en")

    page.click("#send")
    sent = page.locator('#thread .msg.out [data-delivery="sent"]')
    expect(sent).to_have_count(1, timeout=10_000)
    outbound = fake_x.outbound()
    assert [o["text"] for o in outbound] == [SENT]
    canned.refresh_from_db()
    assert canned.use_count == 1
    assert ticket.events.filter(type="canned_used").count() == 1

    page.goto(f"{live_server.url}/canned/")
    row = page.locator(f"#canned-{canned.pk}")
    expect(row.locator("td.uses")).to_contain_text("1")
    expect(page.locator("#canned-list")).not_to_contain_text("Globex")
    snap(page, "canned-page-en")


def test_canned_menu_in_czech_picks_another_language(live_server: Any, page: Page, problems: PageProblems,
                                                     fake_x: Any, x_account: Any, agent: Any,
                                                     canned: CannedResponse) -> None:
    log_in(page, live_server.url, "jana", "pw-jana-123")
    with page.expect_navigation():
        page.select_option(".topbar form.language select", "cs")
    open_czech_conversation(page, live_server.url, fake_x, x_account)
    box = page.locator("#reply-text")
    box.click()
    box.press_sequentially("Dobrý den, /")
    menu = page.locator("#reply-canned-menu")
    expect(menu.locator("li[data-canned]")).to_have_count(2)  # /refund and /thanks, no Globex
    box.press_sequentially("re")
    expect(menu.locator("li[data-canned]")).to_have_count(1)
    counter = page.locator("#reply-meter .counter")
    snap(page, "canned-menu-cs")
    assert not boxes_overlap(box_of(menu), box_of(counter))
    menu.locator("li[data-canned] button.lang", has_text="EN").click()
    expect(box).to_have_value("Dobrý den, " + EN)
    expect(page.locator("#reply-meter .preview")).to_contain_text("Hi Jana, your refund is on its way.")
    box.press("Escape")
    # Escape closes a menu; typing on without "/" never opens it.
    box.press_sequentially(" ok")
    expect(menu).to_be_hidden()
    snap(page, "canned-inserted-cs")
    page.goto(f"{live_server.url}/canned/")
    expect(page.locator("h1")).to_have_text(re.compile("Šablony odpovědí|Rychlé odpovědi"))
    snap(page, "canned-page-cs")


@pytest.mark.parametrize("language", ["bg", "pl"])
def test_the_canned_page_for_a_lead_with_the_full_top_bar(live_server: Any, page: Page, problems: PageProblems,
                                                          canned: CannedResponse, language: str) -> None:
    """An admin with an agent profile (every link in the top bar) sees every brand's."""
    from inbox.actions.people import agent_create

    agent_create(username="ola", password="pw-ola-12345", display_name="Ola Kowalska-Nowakowska", role="admin")
    log_in(page, live_server.url, "ola", "pw-ola-12345")
    with page.expect_navigation():
        page.select_option(".topbar form.language select", language)
    page.goto(f"{live_server.url}/canned/")
    expect(page.locator(f"#canned-{canned.pk} td.uses")).to_have_text("0")
    expect(page.locator("#canned-list")).to_contain_text("Globex")  # admins see every brand's
    # The link is in view. (The admin's full top bar is wider than 1440 px in bg and pl with
    # or without it: the presence and profile at its right end run off; see the report.)
    link = box_of(page.locator("#canned-link"))
    assert link["x"] + link["width"] <= page.viewport_size["width"]  # type: ignore[index]
    snap(page, f"canned-page-admin-{language}")
    # Edit: the texts per language; a Bulgarian one added, the Polish one emptied (removed).
    page.locator(f"#canned-{canned.pk} a.button").click()
    expect(page.locator("#canned-body-cs")).to_have_value(CS)
    page.fill("#canned-body-bg", "Здравейте, {{ customer.first_name }}, парите се връщат.")
    page.fill("#canned-body-pl", "")
    snap(page, f"canned-edit-{language}")
    with page.expect_navigation():
        page.click("#canned-edit button[type=submit]")
    expect(page.locator(f"#canned-{canned.pk}")).to_contain_text("BG")
    assert sorted(canned.variants.values_list("language", flat=True)) == ["bg", "cs", "en"]
