"""The sentiment classifier (inbox/sentiment.py) on clear cases in each team language,
language detection on short messages, and the labelled set bench/classify.py measures."""
from __future__ import annotations

import csv
from pathlib import Path

import pytest

from inbox.language import detect_language
from inbox.sentiment import detect_sentiment

DATA = Path(__file__).resolve().parent.parent / "data"
LANGUAGES = ("cs", "pl", "bg", "en")


@pytest.mark.parametrize(
    ("text", "language", "expected"),
    [
        # Czech: complaint, thanks, question; without diacritics; negation by prefix.
        ("Objednávka nedorazila, jsem naštvaný", "cs", "negative"),
        ("objednavka nedorazila, jsem nastvany", "cs", "negative"),
        ("Moc děkuji, všechno dorazilo v pořádku", "cs", "positive"),
        ("diky moc, uz to funguje", "cs", "positive"),
        ("Jsem spokojený", "cs", "positive"),
        ("Nejsem spokojený", "cs", "negative"),
        ("Jsem nespokojený", "cs", "negative"),
        ("Kdy mi přijde objednávka 4521?", "cs", "neutral"),
        ("Díky předem, jaká je otevírací doba?", "cs", "neutral"),
        ("Pořád nic, kde je ten balík??", "cs", "negative"),
        # Polish.
        ("Zamówienie nie dotarło, jestem wściekły", "pl", "negative"),
        ("zamowienie nie dotarlo, jestem wsciekly", "pl", "negative"),
        ("Wciąż czekam na zwrot", "pl", "negative"),
        ("Dzięki, już działa!", "pl", "positive"),
        ("Jestem zadowolony", "pl", "positive"),
        ("Nie jestem zadowolony", "pl", "negative"),
        ("Nie działa", "pl", "negative"),
        ("Dzień dobry, ile kosztuje wysyłka?", "pl", "neutral"),
        # Bulgarian.
        ("Още чакам поръчката си, никой не отговаря", "bg", "negative"),
        ("Благодаря, всичко е наред!", "bg", "positive"),
        ("Доволен съм", "bg", "positive"),
        ("Не съм доволен", "bg", "negative"),
        ("Добър ден, колко струва доставката?", "bg", "neutral"),
        # English: negation, contrast, sarcasm marked by an emoji.
        ("Still waiting for my refund", "en", "negative"),
        ("Thanks!", "en", "positive"),
        ("not happy at all", "en", "negative"),
        ("not bad, thanks", "en", "positive"),
        ("Thanks, but it's still not working", "en", "negative"),
        ("Thanks for cancelling my order 🙄", "en", "negative"),
        ("Thanks in advance, how do I change my address?", "en", "neutral"),
        ("WORST service EVER", "en", "negative"),
    ],
)
def test_clear_cases_in_each_language(text: str, language: str, expected: str) -> None:
    assert detect_sentiment(text, language=language) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("😡😡", "negative"),
        ("👍", "positive"),
        ("order late :(", "negative"),
        ("super :)", "positive"),
        ("order 4521", "neutral"),
        ("", "neutral"),
    ],
)
def test_emoji_and_emoticons_count_in_any_language(text: str, expected: str) -> None:
    assert detect_sentiment(text) == expected


def test_unknown_language_tries_every_lexicon() -> None:
    assert detect_sentiment("wciąż czekam, mam dość") == "negative"
    assert detect_sentiment("благодаря, супер") == "positive"
    assert detect_sentiment("Dobrý den, kde je můj balík?") == "neutral"


def test_a_neighbour_is_read_with_its_nearest_team_language() -> None:
    assert detect_sentiment("Ďakujem, všetko je super", language="sk") == "positive"
    assert detect_sentiment("Спасибо, но всё ещё не работает", language="ru") == "negative"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("objednavka nedorazila, jsem nastvany", "cs"),  # no diacritics, still Czech
        ("diky, uz to jde", "cs"),
        ("zamowienie nie dotarlo", "pl"),
        ("wciaz czekam na zwrot", "pl"),
        ("още чакам", "bg"),
        ("Може ли линк за проследяване?", "bg"),
        ("Где мой заказ?", "ru"),  # Cyrillic, but Russian
        ("still waiting for my refund", "en"),
    ],
)
def test_short_messages_find_their_language(text: str, expected: str) -> None:
    assert detect_language(text) == expected


def test_the_conversations_language_settles_a_doubtful_guess() -> None:
    assert detect_language("Super, díky") == "cs"
    assert detect_language("Ok super", prior="pl") == "pl"
    # Clear evidence beats the prior: the customer switched to English.
    assert detect_language("Thanks, but it is still not working", prior="cs") == "en"
    # Too little text to tell: the conversation's language stands.
    assert detect_language("ok 👍", prior="bg") == "bg"


def load(name: str) -> list[dict[str, str]]:
    with (DATA / name).open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE))


@pytest.mark.parametrize("language", LANGUAGES)
def test_labelled_set_has_100_balanced_messages_per_language(language: str) -> None:
    rows = load(f"care_messages.{language}.tsv")
    assert len(rows) >= 100
    assert {r["language"] for r in rows} == {language}
    counts = {s: sum(r["sentiment"] == s for r in rows) for s in ("negative", "neutral", "positive")}
    assert min(counts.values()) >= 30, counts
    assert len({r["text"] for r in rows}) == len(rows), "a message is listed twice"


def test_holdout_shares_no_message_with_the_labelled_set() -> None:
    labelled = {r["text"] for lang in LANGUAGES for r in load(f"care_messages.{lang}.tsv")}
    names = ("care_holdout.tsv", "care_holdout2.tsv", "care_holdout3.tsv", "care_unseen.tsv")
    holdout = {r["text"] for name in names for r in load(name)}
    assert holdout and not holdout & labelled


@pytest.mark.parametrize("name", ["care_messages.*.tsv", "care_unseen.tsv"])
def test_accuracy_is_roughly_where_the_readme_says(name: str) -> None:
    """A coarse floor only (the figures are bench/classify.py's): a broken lexicon or a
    lost rule shows here, a tuning change does not."""
    rows = [r for path in sorted(DATA.glob(name)) for r in load(path.name)]
    language_ok = sentiment_ok = 0
    for row in rows:
        language = detect_language(row["text"])
        language_ok += language == row["language"]
        sentiment_ok += detect_sentiment(row["text"], language=language) == row["sentiment"]
    assert language_ok / len(rows) > 0.85
    assert sentiment_ok / len(rows) > 0.7


def test_a_wrong_language_tag_falls_back_to_the_lexicon_that_knows_the_words() -> None:
    assert detect_sentiment("objednavka porad nedorazila, jsem nastvana", language="en") == "negative"
    assert detect_sentiment("Благодаря, всичко е наред", language="pl") == "positive"
