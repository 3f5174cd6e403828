"""Reply tools in Chromium: the robot-phrase warning in the reply preview (Send still works),
a handoff with a reason seen by the new assignee (bell, notifications, timeline, "handled by"),
and the admin's reply-tools page. Screenshots in English, Czech and Bulgarian (the Bulgarian
one through the agent's profile language), copied to /tmp/shots-replytools/."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import User
from playwright.sync_api import Browser, Page, expect

from inbox.actions.people import agent_update
from inbox.actions.reply_tools import robot_phrase_create
from inbox.models import AgentProfile, RobotPhrase
from tests.browser.conftest import VIEWPORT, PageProblems, shot
from tests.support import log_in, make_ticket, wait_for

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
OUT = Path("/tmp/shots-replytools")


def keep(page: Page, name: str) -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    shutil.copy(shot(page, f"replytools-{name}"), OUT / f"{name}.png")


@pytest.fixture
def robot_phrases(db: None) -> None:
    RobotPhrase.objects.all().delete()
    robot_phrase_create(language="en", phrase="Dear valued customer", hint="Use their name: \"Hi Jana,\"")
    robot_phrase_create(language="cs", phrase="Vážený zákazníku", hint="Oslovte jménem: „Dobrý den, Jano,“")
    robot_phrase_create(language="bg", phrase="Уважаеми клиенти", hint="Обърнете се по име: „Здравейте, Иване,“")


@pytest.fixture
def piotr(everyone_team: Any) -> User:
    user = User.objects.create_user("piotr", password="pw-piotr-123")
    AgentProfile.objects.create(user=user, display_name="Piotr Nowak", signature="^PN")
    everyone_team.members.add(user)
    return user


def switch_language(page: Page, language: str) -> None:
    with page.expect_navigation():
        page.select_option(".topbar form.language select", language)


def test_the_robot_phrase_warning(live_server: Any, page: Page, problems: PageProblems, fake_x: Any,
                                  x_account: Any, agent: User, robot_phrases: None) -> None:
    ticket, _tweet = make_ticket(fake_x, x_account, "@jnovakova", "Jana Nováková", "Kde je moje objednávka?")
    log_in(page, live_server.url, "jana", "pw-jana-123")
    page.goto(f"{live_server.url}/tickets/{ticket.pk}/")
    page.locator("#reply-text").fill("DEAR VALUED customer, your parcel is on its way.")
    warning = page.locator("#robot-warning")
    expect(warning).to_contain_text("Sounds a little robotic?")
    expect(warning).to_contain_text("“DEAR VALUED customer”")
    expect(warning).to_contain_text("Hi Jana,")
    expect(page.locator("#send")).to_be_enabled()  # a warning, never a block
    keep(page, "robot-en")
    # Accents left out still count; Czech screen.
    switch_language(page, "cs")
    page.locator("#reply-text").fill("Vazeny zakazniku, balík je na cestě.")
    expect(page.locator("#robot-warning")).to_contain_text("Nezní to trochu strojově?")
    expect(page.locator("#robot-warning")).to_contain_text("Dobrý den, Jano,")
    keep(page, "robot-cs")
    with page.expect_navigation():
        page.locator("#send").click()
    expect(page.locator(".flash")).to_be_visible()
    sent = wait_for(lambda: fake_x.outbound())
    assert sent[-1]["text"] == "Vazeny zakazniku, balík je na cestě. ^JD"
    assert not problems.errors and not problems.server_errors


def test_robot_warning_in_bulgarian_from_the_profile(live_server: Any, page: Page, problems: PageProblems,
                                                     fake_x: Any, x_account: Any, agent: User,
                                                     robot_phrases: None) -> None:
    ticket, _tweet = make_ticket(fake_x, x_account, "@ivan_petrov", "Иван Петров", "Здравейте, къде е пратката?")
    log_in(page, live_server.url, "jana", "pw-jana-123")
    page.goto(f"{live_server.url}/profile/")
    page.select_option("#profile-language", "bg")
    with page.expect_navigation():
        page.click("#profile-card-save")
    expect(page.locator("html")).to_have_attribute("lang", "bg")
    keep(page, "profile-bg")
    page.goto(f"{live_server.url}/tickets/{ticket.pk}/")
    page.locator("#reply-text").fill("Уважаеми клиенти, пратката е на път.")
    expect(page.locator("#robot-warning")).to_contain_text("Не звучи ли малко като робот?")
    expect(page.locator("#send")).to_be_enabled()
    keep(page, "robot-bg")
    assert not problems.errors and not problems.server_errors


def test_handoff_with_a_reason_seen_by_the_new_assignee(live_server: Any, page: Page, browser: Browser,
                                                        problems: PageProblems, fake_x: Any, x_account: Any,
                                                        agent: User, piotr: User) -> None:
    ticket, _tweet = make_ticket(fake_x, x_account, "@kowalski", "Jan Kowalski", "Gdzie jest moja paczka?")
    log_in(page, live_server.url, "jana", "pw-jana-123")
    page.goto(f"{live_server.url}/tickets/{ticket.pk}/")
    with page.expect_navigation():
        page.select_option("#assignee", str(agent.pk))  # Jana takes it first
    page.locator("#handoff summary").click()
    page.select_option("#handoff-assignee", str(piotr.pk))
    page.fill("#handoff-reason", "Needs a Polish speaker")
    keep(page, "handoff-open-en")
    with page.expect_navigation():
        page.click("#handoff-send")
    expect(page.locator(".events")).to_contain_text("Handed to Piotr Nowak: Needs a Polish speaker")
    expect(page.locator("#people-handled")).to_have_text("handled by 2 people")

    # Piotr, in his own browser, in Czech: the bell counts it, the notification says why.
    agent_update(user=piotr, language="cs")
    context = browser.new_context(viewport=VIEWPORT, locale="en-GB", timezone_id="Europe/Prague")
    other = context.new_page()
    try:
        log_in(other, live_server.url, "piotr", "pw-piotr-123")
        expect(other.locator("html")).to_have_attribute("lang", "cs")
        other.goto(f"{live_server.url}/notifications/")
        expect(other.locator("main")).to_contain_text(f"@Jana Dvořáková → #{ticket.pk}: Needs a Polish speaker")
        keep(other, "handoff-notification-cs")
        other.goto(f"{live_server.url}/tickets/{ticket.pk}/")
        expect(other.locator(".events")).to_contain_text("Předáno → Piotr Nowak: Needs a Polish speaker")
        expect(other.locator("#people-handled")).to_have_text("řešili 2 lidé")
        keep(other, "handoff-ticket-cs")
    finally:
        context.close()
    assert not problems.errors and not problems.server_errors


def test_reply_tools_page(live_server: Any, page: Page, problems: PageProblems, x_account: Any,
                          robot_phrases: None) -> None:
    User.objects.create_user("boss", password="pw-boss-123", is_staff=True, is_superuser=True)
    log_in(page, live_server.url, "boss", "pw-boss-123")
    page.goto(f"{live_server.url}/settings/replies/")
    page.fill(f"#signature-{x_account.brand_id}-email", "{{ agent.first_name }} · Acme Care")
    with page.expect_navigation():
        page.locator(f"#signature-{x_account.brand_id}-email").press("Enter")
    expect(page.locator(f"#signature-{x_account.brand_id}-email")).to_have_value("{{ agent.first_name }} · Acme Care")
    keep(page, "settings-en")
    switch_language(page, "cs")
    expect(page.locator("h1")).to_have_text("Nástroje odpovědí")
    keep(page, "settings-cs")
    assert not problems.errors and not problems.server_errors
