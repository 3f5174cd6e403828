"""The registry walks the connector packages; every connector must bring what an admin,
an agent and a maintainer need: real fixtures, a setup guide, a fake to test against, and
its labels in every language the UI speaks. Adding a platform adds a package; this test
says what the package still lacks."""

from __future__ import annotations

import gettext
import re
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.utils import translation
from django.utils.functional import Promise

from channels import registry
from channels.base import BaseConnector, ChannelLimits, OAuthConnect
from channels.registry import UnknownPlatform, get_connector, supported_platforms

ROOT = Path(__file__).resolve().parents[2]
LANGUAGES = ("cs", "pl", "bg")
# Until the fakes move to the top-level fakes/ package (issue 7, point 4), a fake may still
# be channels/<platform>/fake.py, and e-mail (whose loopback IMAP/SMTP fake arrives with
# that package) has none: a strict xfail, so it cannot pass unnoticed. Once fakes/ exists,
# every platform's fake must be there and the old place no longer counts.
FAKES_MOVED = (ROOT / "fakes" / "__init__.py").is_file()
PENDING_FAKES = {} if FAKES_MOVED else {"email": "its loopback IMAP/SMTP fake comes with the fakes/ package"}

PLATFORMS = supported_platforms()


def catalogue(language: str) -> dict[str, str]:
    """The compiled catalogue the UI runs on (msgid -> msgstr)."""
    translations = gettext.GNUTranslations((ROOT / "locale" / language / "LC_MESSAGES" / "django.mo").open("rb"))
    catalog: dict[Any, str] = translations._catalog  # type: ignore[attr-defined]
    return {key: value for key, value in catalog.items() if isinstance(key, str)}


def msgid(label: Any) -> str:
    """The source text of a gettext_lazy label (no language active: gettext gives it back)."""
    assert isinstance(label, Promise), f"{label!r} is not lazily translated (gettext_lazy)"
    with translation.override(None):
        return str(label)


def labels_of(connector: BaseConnector) -> list[Any]:
    labels: list[Any] = [connector.label]
    labels += [kind.label for kind in connector.kinds]
    if connector.history_hint:
        labels.append(connector.history_hint)
    for field in (*connector.credential_fields, *connector.option_fields):
        labels.append(field.label)
        if field.help_text:
            labels.append(field.help_text)
    if isinstance(connector.connects, OAuthConnect):
        labels += [connector.connects.app_id_label, connector.connects.app_secret_label]
        labels += [text for text in (connector.connects.choose_hint, connector.connects.choose_heading) if text]
    return labels


def test_the_registry_finds_the_packages() -> None:
    assert {"chat", "email", "facebook", "instagram", "telegram", "whatsapp", "x"} <= set(PLATFORMS)
    for platform in PLATFORMS:
        assert get_connector(platform).platform == platform


@pytest.mark.parametrize("platform", PLATFORMS)
def test_connector_has_fixtures_and_a_guide(platform: str) -> None:
    package = ROOT / "channels" / platform
    fixtures = [p for p in (package / "fixtures").glob("*") if p.suffix in (".json", ".eml")]
    assert fixtures, f"channels/{platform}/fixtures/ needs at least one real captured .json or .eml payload"
    doc = package / "doc.md"
    assert doc.is_file() and doc.read_text().strip(), f"channels/{platform}/doc.md (the admin's setup guide) is missing"


@pytest.mark.parametrize(
    "platform",
    [
        pytest.param(p, marks=pytest.mark.xfail(reason=PENDING_FAKES[p], strict=True)) if p in PENDING_FAKES else p
        for p in PLATFORMS
    ],
)
def test_connector_has_a_fake(platform: str) -> None:
    places = [ROOT / "fakes" / f"{platform}.py", ROOT / "fakes" / platform / "__init__.py"]
    if not FAKES_MOVED:
        places.append(ROOT / "channels" / platform / "fake.py")
    assert any(p.is_file() for p in places), f"{platform} has no fake: add fakes/{platform}.py (or a package)"


@pytest.mark.parametrize("platform", PLATFORMS)
def test_connector_labels_are_translated(platform: str) -> None:
    connector = get_connector(platform)
    texts = [msgid(label) for label in labels_of(connector)]
    assert texts[0], f"{platform} declares no label"
    for language in LANGUAGES:
        catalog = catalogue(language)
        missing = [text for text in texts if not catalog.get(text)]
        assert not missing, f"locale/{language}: no translation of {missing} ({platform}'s declaration)"


@pytest.mark.parametrize("platform", PLATFORMS)
def test_connector_declaration_is_complete(platform: str) -> None:
    connector = get_connector(platform)
    colour = re.compile(r"#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})")
    assert colour.fullmatch(connector.badge.background) and colour.fullmatch(connector.badge.color)
    names = [f.name for f in connector.credential_fields]
    assert len(names) == len(set(names)) and all(re.fullmatch(r"[a-z][a-z0-9_]*", n) for n in names)
    assert connector.kinds, f"{platform} declares no message kinds"
    assert len({k.kind for k in connector.kinds}) == len(connector.kinds)
    assert isinstance(connector.limits, ChannelLimits)
    assert connector.sla_class in settings.FIRST_RESPONSE_TARGETS
    if connector.oauth:
        assert type(connector).oauth_begin is not BaseConnector.oauth_begin, f"{platform} says OAuth but has no flow"
    if connector.webhooks:
        assert type(connector).verify is not BaseConnector.verify, f"{platform} takes webhooks but verifies none"
    if connector.polls:
        assert type(connector).poll is not BaseConnector.poll, f"{platform} says it polls but has no poll"
    if connector.connects.test_first:
        assert type(connector).test_connection is not BaseConnector.test_connection


def test_an_unknown_platform_is_a_sentence_naming_it() -> None:
    with pytest.raises(UnknownPlatform) as raised:
        get_connector("myspace")
    message = str(raised.value)
    assert "'myspace'" in message and "channels/myspace/connector.py" in message and "No connector package" in message
    assert registry.platform_label("myspace") == "myspace"  # lists show it plainly


def test_platform_choices_and_labels_come_from_the_declarations() -> None:
    from channels.models import BrandAccount

    choices = dict(BrandAccount._meta.get_field("platform").choices or [])
    assert set(choices) == set(PLATFORMS)
    with translation.override("cs"):
        assert str(choices["email"]) == "E-mail" and str(choices["chat"]) == "Živý chat"
        assert BrandAccount(platform="email").get_platform_display() == "E-mail"
    assert BrandAccount(platform="gone").get_platform_display() == "gone"


def test_a_kind_is_labelled_by_its_own_platform_first() -> None:
    """WhatsApp declares "message" with the label "message": its composer must not borrow
    Viber's "Viber message" because the label reads like the kind in English."""
    from django.utils import translation

    from channels.registry import kind_label

    with translation.override("en"):
        assert kind_label("message", "whatsapp") == "message"
        assert kind_label("message", "viber") == "Viber message"
        assert kind_label("comment", "facebook") == "comment"
        assert kind_label("mention") == "mention"  # no platform: the first that declares it
