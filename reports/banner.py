"""The public reply-time banner as a PNG: the brand's name and the same sentence as the
JSON and the widget ("We reply within ~15 min"), drawn with Pillow.

Sizes are the ones the places it goes document:
- ``x``: 1500×500, the X (Twitter) profile header. X lays the avatar over the lower left
  and crops the top and bottom on phones, so the text sits in the middle band, centred.
- ``web``: 728×90, the IAB "leaderboard", the usual banner slot on a website.
- ``facebook``: 851×315, the Facebook Page cover photo as shown on desktop.

The font is DejaVu Sans (Latin, Czech, Polish and Cyrillic glyphs), installed with the
``fonts-dejavu-core`` Debian package by the Dockerfile and by tests/run.py; where it is
missing, Pillow's bundled default font is used (Latin only: Cyrillic would show as boxes)."""

from __future__ import annotations

import io
from dataclasses import dataclass
from functools import lru_cache

from PIL import Image, ImageDraw, ImageFont

SIZES: dict[str, tuple[int, int]] = {"x": (1500, 500), "web": (728, 90), "facebook": (851, 315)}
DEFAULT_SIZE = "web"

BACKGROUND = (36, 87, 214)  # --accent in static/hovor/hovor.css
TEXT = (255, 255, 255)
SUBTLE = (214, 225, 250)

# Searched by file name in the system font folders (Pillow walks /usr/share/fonts and the
# XDG data dirs), then by the Debian path itself.
FONT_FILES = {
    True: ("DejaVuSans-Bold.ttf", "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"),
    False: ("DejaVuSans.ttf", "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"),
}

Font = ImageFont.FreeTypeFont | ImageFont.ImageFont


@lru_cache(maxsize=64)
def font(size: int, *, bold: bool = False) -> Font:
    for name in FONT_FILES[bold]:
        try:
            return ImageFont.truetype(name, size)
        except OSError:
            continue
    return ImageFont.load_default(size=size)


def font_has_cyrillic() -> bool:
    """False where only Pillow's Latin-only fallback font was found."""
    f = font(40)
    return isinstance(f, ImageFont.FreeTypeFont) and "DejaVu" in (f.font.family or "")


@dataclass(frozen=True)
class Layout:
    brand_px: int  # the largest font size for each line, in pixels
    text_px: int
    margin: int
    centred: bool


LAYOUTS = {
    "x": Layout(brand_px=64, text_px=104, margin=120, centred=True),
    "web": Layout(brand_px=22, text_px=34, margin=18, centred=False),
    "facebook": Layout(brand_px=36, text_px=56, margin=48, centred=True),
}


def _fit(draw: ImageDraw.ImageDraw, text: str, *, px: int, room: int, bold: bool) -> tuple[Font, str]:
    """The largest font (down to half of ``px``) at which ``text`` fits ``room`` pixels; below
    that, the text is cut with an ellipsis at half size."""
    for size in range(px, px // 2 - 1, -2):
        f = font(size, bold=bold)
        if draw.textlength(text, font=f) <= room:
            return f, text
    f = font(px // 2, bold=bold)
    while len(text) > 1 and draw.textlength(text + "…", font=f) > room:
        text = text[:-1]
    return f, text.rstrip() + "…"


def render_banner(*, brand_name: str, text: str, size: str) -> bytes:
    """The PNG bytes: the brand's name above the reply-time sentence. Deterministic: the same
    name, sentence and size give the same bytes (the ETag and the tests rely on it)."""
    width, height = SIZES[size]
    layout = LAYOUTS[size]
    image = Image.new("RGB", (width, height), BACKGROUND)
    draw = ImageDraw.Draw(image)
    room = width - 2 * layout.margin
    brand_font, brand_line = _fit(draw, brand_name, px=layout.brand_px, room=room, bold=False)
    text_font, text_line = _fit(draw, text, px=layout.text_px, room=room, bold=True)
    gap = layout.brand_px // 3
    brand_box = draw.textbbox((0, 0), brand_line, font=brand_font, anchor="lt")
    text_box = draw.textbbox((0, 0), text_line, font=text_font, anchor="lt")
    block = (brand_box[3] - brand_box[1]) + gap + (text_box[3] - text_box[1])
    top = (height - block) // 2
    x = width // 2 if layout.centred else layout.margin
    anchor = "mt" if layout.centred else "lt"
    draw.text((x, top - brand_box[1]), brand_line, font=brand_font, fill=SUBTLE, anchor=anchor)
    second = top + (brand_box[3] - brand_box[1]) + gap
    draw.text((x, second - text_box[1]), text_line, font=text_font, fill=TEXT, anchor=anchor)
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()
