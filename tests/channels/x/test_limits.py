"""X's weighted length (twitter-text config v3): what the 280 budget is measured in."""
from __future__ import annotations

import pytest

from channels.x.connector import connector
from channels.x.limits import DM_MAX_LENGTH, TWEET_LIMITS, fits_tweet, weighted_length

FAMILY = "\U0001f468\u200d\U0001f469\u200d\U0001f467\u200d\U0001f466"  # 7 code points, one emoji
FLAG_CZ = "\U0001f1e8\U0001f1ff"  # 2 regional indicators, one flag


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("Hello, world!", 13, id="ascii"),
        pytest.param("Příliš žluťoučký kůň", 20, id="czech-1-per-char"),
        pytest.param("Здравейте, Мария", 16, id="cyrillic-1-per-char"),
        pytest.param("Ελληνικά", 8, id="greek-1-per-char"),
        pytest.param("https://example.com/a/very/long/path?x=1", 23, id="url-23"),
        pytest.param("http://a.co", 23, id="short-url-still-23"),
        pytest.param("example.com", 23, id="bare-domain-23"),
        pytest.param("see example.com now", 4 + 23 + 4, id="bare-domain-in-text"),
        pytest.param("日本語", 6, id="cjk-2-per-char"),
        pytest.param("한국어", 6, id="hangul-2-per-char"),
        pytest.param("\U0001f600", 2, id="emoji-2"),
        pytest.param(FAMILY, 2, id="zwj-family-2"),
        pytest.param(FLAG_CZ, 2, id="flag-2"),
        pytest.param("\U0001f44d\U0001f3fd", 2, id="skin-tone-2"),
        pytest.param("e\u0301", 1, id="decomposed-e-acute-nfc"),
        pytest.param("\u00e9", 1, id="precomposed-e-acute"),
        pytest.param("\u2014\u201e\u201c\u2018", 4, id="dashes-quotes-1"),
        pytest.param("\u2026", 2, id="ellipsis-2-outside-2010-201f"),
        pytest.param("", 0, id="empty"),
    ],
)
def test_weighted_length(text: str, expected: int) -> None:
    assert weighted_length(text) == expected


def test_decomposed_counts_like_precomposed() -> None:
    decomposed = "Pr\u030ci\u0301lis\u030c z\u030clut\u030couc\u030cky\u0301 ku\u030an\u030c"  # NFD of the Czech line
    assert weighted_length(decomposed) == weighted_length("Příliš žluťoučký kůň") == 20


def test_mixed_text() -> None:
    text = f"@AcmeCare Kde je můj balík? {FAMILY}{FLAG_CZ} https://acme.com/track?id=4411"
    assert weighted_length(text) == len("@AcmeCare Kde je můj balík? ") + 2 + 2 + len(" ") + 23


def test_280_ascii_fit_281_do_not() -> None:
    assert fits_tweet("a" * 280)
    assert not fits_tweet("a" * 281)


def test_140_cjk_fit_141_do_not() -> None:
    assert weighted_length("日" * 140) == 280
    assert fits_tweet("日" * 140)
    assert not fits_tweet("日" * 141)


def test_140_emoji_fit() -> None:
    assert fits_tweet(FAMILY * 140)
    assert not fits_tweet(FAMILY * 141)


def test_url_budget() -> None:
    url = "https://example.com/" + "x" * 500
    text = "a" * (280 - 24) + " " + url
    assert weighted_length(text) == 280
    assert fits_tweet(text)


@pytest.mark.parametrize("text", ["", " ", "\n\t "])
def test_blank_does_not_fit(text: str) -> None:
    assert not fits_tweet(text)


def test_limits_and_connector_agree() -> None:
    assert TWEET_LIMITS.max_length == 280
    assert TWEET_LIMITS.counting == "x-weighted"
    assert DM_MAX_LENGTH == 10_000
    assert connector.limits is TWEET_LIMITS
    assert connector.count("日本 example.com") == weighted_length("日本 example.com") == 4 + 1 + 23
