"""The public reply-time banner PNG: decoded with Pillow, the documented size per `size`, text
really drawn (in the text band, not blank), the same sentence and figure as the JSON, the
visitor's language (Cyrillic glyphs included), no login, no customer data, cached."""
from __future__ import annotations

import io
from datetime import timedelta
from pathlib import Path
from urllib.parse import unquote

import pytest
from django.core.cache import cache
from django.test import Client
from django.utils import timezone
from PIL import Image, ImageStat

from channels.models import Brand, BrandAccount
from inbox.actions.people import agent_create, team_create
from inbox.enums import Direction
from inbox.models import Customer, Message, Ticket
from reports import banner as banner_module
from reports.banner import BACKGROUND, SIZES, font, font_has_cyrillic, render_banner

SHOTS = Path("/tmp/shots-banner")


def _brand(name: str, waits: tuple[int, ...], username: str) -> Brand:
    """A brand whose conversations of the last hour were first answered after `waits` minutes."""
    brand = Brand.objects.create(name=name)
    account = BrandAccount.objects.create(brand=brand, platform="x", handle=f"@{name}Care")
    agent = agent_create(username=username, password="pw-agent-12345", display_name="Agent")
    now = timezone.now()
    for i, wait in enumerate(waits):
        opened = now - timedelta(hours=1, minutes=i)
        customer = Customer.objects.create(brand=brand, name=f"Secret Name {i}")
        ticket = Ticket.objects.create(brand=brand, account=account, customer=customer, created_at=opened)
        Message.objects.create(ticket=ticket, account=account, direction=Direction.IN, text="private!", sent_at=opened)
        Message.objects.create(
            ticket=ticket, account=account, direction=Direction.OUT, text="hi", author_user=agent,
            sent_at=opened + timedelta(minutes=wait),
        )
    return brand


@pytest.fixture
def brand(db: None) -> Brand:
    cache.clear()
    return _brand("Acme", (4, 9, 13, 30), "a")  # median 11 min: "~15 min"


def _get(path: str, **headers: str) -> tuple[Image.Image, object]:
    response = Client().get(path, **headers)
    assert response.status_code == 200, response.content[:200]
    assert response["Content-Type"] == "image/png"
    image = Image.open(io.BytesIO(response.content))
    image.load()
    assert image.format == "PNG"
    return image, response


def _text_pixels(image: Image.Image, box: tuple[int, int, int, int]) -> int:
    """Pixels in `box` far from the background colour: the drawn letters."""
    region = image.convert("RGB").crop(box)
    pixels = region.get_flattened_data()
    return sum(1 for px in pixels if sum(abs(a - b) for a, b in zip(px, BACKGROUND, strict=True)) > 200)


@pytest.mark.parametrize("size", list(SIZES))
def test_each_size_is_a_png_of_the_documented_size_with_text_drawn(brand: Brand, size: str) -> None:
    image, _response = _get(f"/reports/public/{brand.pk}/banner.png?size={size}")
    width, height = SIZES[size]
    assert image.size == (width, height)
    assert max(ImageStat.Stat(image.convert("L")).stddev) > 10  # not one flat colour
    band = (0, height // 5, width, height - height // 5) if size != "web" else (0, 0, width, height)
    assert _text_pixels(image, band) > width * height // 200
    if size == "x":  # X lays the avatar over the lower left: nothing drawn there, nor at the edges
        assert _text_pixels(image, (0, 400, 400, 500)) == 0
        assert _text_pixels(image, (0, 0, width, 100)) == 0


def test_the_default_size_is_the_web_leaderboard(brand: Brand) -> None:
    image, _response = _get(f"/reports/public/{brand.pk}/banner.png")
    assert image.size == (728, 90)
    assert Client().get(f"/reports/public/{brand.pk}/banner.png?size=huge").status_code == 400


def test_the_banner_says_the_jsons_figure_and_nothing_else(brand: Brand) -> None:
    body = Client().get(f"/reports/public/{brand.pk}/reply-time.json").json()
    assert body["text"] == "We reply within ~15 min"
    for size in SIZES:
        _image, response = _get(f"/reports/public/{brand.pk}/banner.png?size={size}")
        assert unquote(response["X-Hovor-Banner-Text"]) == body["text"]  # type: ignore[index]
        # The same bytes as drawing just the brand's name and the JSON's sentence: no other text,
        # no customer's name or message in it.
        assert response.content == render_banner(  # type: ignore[attr-defined]
            brand_name=body["brand"], text=body["text"], size=size
        )
        assert response.content != render_banner(  # type: ignore[attr-defined]
            brand_name=body["brand"], text="We reply within ~20 min", size=size
        )


def test_another_figure_is_another_image(brand: Brand) -> None:
    slow = _brand("Slowco", (50, 55, 70), "s")  # median 55 min: "~55 min"
    fast, fast_r = _get(f"/reports/public/{brand.pk}/banner.png?size=x")
    slow_image, slow_r = _get(f"/reports/public/{slow.pk}/banner.png?size=x")
    assert unquote(slow_r["X-Hovor-Banner-Text"]) == "We reply within ~55 min"  # type: ignore[index]
    assert Client().get(f"/reports/public/{slow.pk}/reply-time.json").json()["text"] == "We reply within ~55 min"
    assert fast_r["ETag"] != slow_r["ETag"]  # type: ignore[index]
    assert fast.tobytes() != slow_image.tobytes()
    # The figure itself changes the picture, not only the brand's name.
    same_name = render_banner(brand_name="Acme", text="We reply within ~55 min", size="x")
    assert Image.open(io.BytesIO(same_name)).tobytes() != fast.tobytes()


TEXTS = {
    "en": "We reply within ~15 min", "cs": "Odpovídáme do ~15 min",
    "pl": "Odpowiadamy w ciągu ~15 min", "bg": "Отговаряме до ~15 мин",
}


@pytest.mark.parametrize("lang", list(TEXTS))
def test_lang_and_accept_language_switch_the_text(brand: Brand, lang: str) -> None:
    by_param, r1 = _get(f"/reports/public/{brand.pk}/banner.png?size=x&lang={lang}", HTTP_ACCEPT_LANGUAGE="pl")
    assert unquote(r1["X-Hovor-Banner-Text"]) == TEXTS[lang]  # type: ignore[index]
    assert r1["Content-Language"] == lang  # type: ignore[index]
    _by_header, r2 = _get(f"/reports/public/{brand.pk}/banner.png?size=x", HTTP_ACCEPT_LANGUAGE=lang)
    assert unquote(r2["X-Hovor-Banner-Text"]) == TEXTS[lang]  # type: ignore[index]
    assert "Accept-Language" in r2["Vary"]  # type: ignore[index]
    widget = Client().get(f"/reports/public/{brand.pk}/widget/", HTTP_ACCEPT_LANGUAGE=lang).content.decode()
    assert TEXTS[lang] in widget  # the widget and the banner say the same
    if lang != "en":
        english, _r = _get(f"/reports/public/{brand.pk}/banner.png?size=x&lang=en")
        assert english.tobytes() != by_param.tobytes()
    SHOTS.mkdir(parents=True, exist_ok=True)
    by_param.save(SHOTS / f"banner-x-{lang}.png")
    web, _r = _get(f"/reports/public/{brand.pk}/banner.png?size=web&lang={lang}")
    web.save(SHOTS / f"banner-web-{lang}.png")


def test_an_unknown_lang_falls_back_to_accept_language(brand: Brand) -> None:
    _image, response = _get(f"/reports/public/{brand.pk}/banner.png?lang=de", HTTP_ACCEPT_LANGUAGE="cs")
    assert unquote(response["X-Hovor-Banner-Text"]) == TEXTS["cs"]  # type: ignore[index]


def test_czech_polish_and_cyrillic_letters_have_their_own_glyphs() -> None:
    """The project's font (DejaVu, installed by tests/run.py and the Dockerfile) is found; each
    letter draws its own shape, not the missing-glyph box."""
    assert font_has_cyrillic(), "fonts-dejavu-core is missing: Cyrillic would render as boxes"
    f = font(40, bold=True)
    shapes = {bytes(f.getmask(ch)) for ch in "ДЖОяčřůąłę"}
    missing = bytes(f.getmask("\ue000"))  # a private-use code point: the font's missing-glyph box
    assert len(shapes) == 10 and missing not in shapes


def test_the_fallback_font_is_pillows_own(monkeypatch: pytest.MonkeyPatch) -> None:
    """Without DejaVu the banner still draws, with Pillow's bundled font at the asked size."""
    monkeypatch.setattr(banner_module, "FONT_FILES", {True: ("no-such-font.ttf",), False: ("no-such-font.ttf",)})
    banner_module.font.cache_clear()
    try:
        png = render_banner(brand_name="Acme", text="We reply within ~15 min", size="web")
        image = Image.open(io.BytesIO(png))
        assert image.size == (728, 90) and _text_pixels(image, (0, 0, 728, 90)) > 300
        assert not font_has_cyrillic()
    finally:
        banner_module.font.cache_clear()


def test_unknown_brand_is_404_and_no_login_is_needed(brand: Brand) -> None:
    assert Client().get("/reports/public/999999/banner.png").status_code == 404
    response = Client().get(f"/reports/public/{brand.pk}/banner.png")
    assert response.status_code == 200 and "Set-Cookie" not in response


def test_cached_with_public_headers_and_an_etag(brand: Brand, monkeypatch: pytest.MonkeyPatch) -> None:
    import reports.public

    drawn: list[str] = []
    real = reports.public.render_banner

    def counting(**kwargs: str) -> bytes:
        drawn.append(kwargs["size"])
        return real(**kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(reports.public, "render_banner", counting)
    client = Client()
    first = client.get(f"/reports/public/{brand.pk}/banner.png?size=x")
    again = client.get(f"/reports/public/{brand.pk}/banner.png?size=x")
    assert drawn == ["x"]  # drawn once, then served from the cache
    assert first.content == again.content
    assert first["Cache-Control"] == "public, max-age=300"
    etag = first["ETag"]
    assert etag.startswith('"') and etag == again["ETag"]
    not_modified = client.get(f"/reports/public/{brand.pk}/banner.png?size=x", HTTP_IF_NONE_MATCH=etag)
    assert not_modified.status_code == 304 and not_modified.content == b""
    assert not_modified["Cache-Control"] == "public, max-age=300"


def test_leads_see_the_banner_and_its_snippet_on_the_reports_page(db: None) -> None:
    cache.clear()
    acme = _brand("Acme", (4,), "a")
    other = _brand("Globex", (4,), "g")
    lead = agent_create(username="lead", password="pw-lead-12345", display_name="Lída", role="lead")
    team_create(name="Acme care", brands=[acme], members=[lead])
    client = Client()
    client.force_login(lead)
    body = client.get("/reports/").content.decode()
    assert f'src="/reports/public/{acme.pk}/banner.png?size=web"' in body
    assert f'&lt;img src="http://testserver/reports/public/{acme.pk}/banner.png?size=web"' in body
    assert f"http://testserver/reports/public/{acme.pk}/banner.png?size=x" in body
    assert f"http://testserver/reports/public/{acme.pk}/widget/" in body
    assert f"/reports/public/{other.pk}/" not in body
