"""X payload fixtures -> NormalizedMessage. Every file in channels/x/fixtures/ must be
declared here with what it parses to (or the error it raises), so a new fixture without
an expectation fails `test_every_fixture_is_declared`."""
from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from channels.base import UnsupportedEventType
from channels.types import NormalizedAuthor, NormalizedMessage
from channels.x.connector import mention_events
from channels.x.parser import EVENT_HANDLERS, IGNORED_EVENTS, MalformedPayload, parse, unescape_text

FIXTURES = Path(__file__).resolve().parents[3] / "channels" / "x" / "fixtures"
FIXTURE_NAMES = sorted(p.stem for p in FIXTURES.glob("*.json"))

# Fixtures that are whole API pages, not stored events: the connector splits them first.
PAGE_KINDS = {"mentions_page"}

BRAND_ID = "1000000000000000001"


def at(value: str) -> datetime:
    return datetime.strptime(value, "%Y-%m-%dT%H:%M:%S").replace(tzinfo=UTC)


def mention(
    *,
    platform_id: str,
    author: tuple[str, str, str],
    text: str,
    sent_at: str,
    language: str,
    thread_key: str = "",
    in_reply_to: str = "",
) -> NormalizedMessage:
    external_id, handle, name = author
    return NormalizedMessage(
        platform_id=platform_id,
        author=NormalizedAuthor(external_id=external_id, handle=handle, display_name=name),
        text=text,
        sent_at=at(sent_at),
        kind="mention",
        thread_key=thread_key or platform_id,
        in_reply_to=in_reply_to,
        language=language,
        public=True,
    )


FAMILY = "\U0001f468\u200d\U0001f469\u200d\U0001f467\u200d\U0001f466"  # man, woman, girl, boy joined by ZWJ
FLAG_CZ = "\U0001f1e8\U0001f1ff"  # regional indicators C + Z
JANA = ("1398765432109876543", "@jnovakova", "Jana Nováková")

# fixture name -> the NormalizedMessages it yields (in order), or the exception it raises.
EXPECTED: dict[str, list[NormalizedMessage] | type[Exception]] = {
    "mention__simple": [
        mention(
            platform_id="2123706425275387904",
            author=("1432768094315454465", "@samcarter_uk", "Sam Carter"),
            text="@AcmeCare Hi, my order #4411 still hasn't arrived. Could you check what's going on?",
            sent_at="2026-11-20T09:14:03",
            language="en",
        )
    ],
    "mention__reply_in_thread": [
        mention(
            platform_id="2123710804128763904",
            author=("1587342210955329536", "@t_wisniewski", "Tomasz Wiśniewski"),
            text="@AcmeCare Dzięki, ale numer przesyłki nadal nie działa w śledzeniu.",
            sent_at="2026-11-20T09:31:27",
            language="pl",
            thread_key="2123701681517563904",
            in_reply_to="2123703564760059904",
        )
    ],
    "mention__czech_emoji": [
        mention(
            platform_id="2123719448589307904",
            author=JANA,
            text=f"@AcmeCare Příliš žluťoučký kůň úpěl ďábelské ódy {FAMILY}{FLAG_CZ} Kde je můj balík?",
            sent_at="2026-11-20T10:05:48",
            language="cs",
        )
    ],
    "mention__bulgarian": [
        mention(
            platform_id="2123721046619131904",
            author=("1276543210987654321", "@mpetrova_bg", "Мария Петрова"),
            text="@AcmeCare Здравейте! Поръчка № 58213 още не е пристигнала. Кога да я очаквам?",
            sent_at="2026-11-20T10:12:09",
            language="bg",
        )
    ],
    "mention__html_entities": [
        mention(
            platform_id="2123743385482235904",
            # X escapes only & < >; a customer who typed "&lt;b&gt;" gets it back literally.
            author=("1622093847561029632", "@ondrej_dev", "Ondřej <dev> & co"),
            text=(
                '@AcmeCare Your checkout page shows <script>alert(1)</script> above the "Pay" button '
                "& nothing happens. I even typed &lt;b&gt; into the note field."
            ),
            sent_at="2026-11-20T11:40:55",
            language="en",
        )
    ],
    "mention__no_author_expansion": [
        mention(
            platform_id="2123749068764155904",
            author=("1710000000000000077", "", ""),
            text="@AcmeCare is the app down for anyone else?",
            sent_at="2026-11-20T12:03:30",
            language="en",
        )
    ],
    "mention__lang_und": [
        mention(
            platform_id="2123760083006459904",
            author=("1544412345678901234", "@lukas_b", "Lukas B."),
            text="@AcmeCare \U0001f44d\U0001f44d",
            sent_at="2026-11-20T12:47:16",
            language="",
        )
    ],
    "mention__malformed_missing_id": MalformedPayload,
    "mentions_page__two_mentions": [
        # Newest first, as X pages them.
        mention(
            platform_id="2123779901092859904",
            author=("1490011223344556677", "@piotr_nowak", "Piotr Nowak"),
            text="@AcmeCare Nadal nie mogę zapłacić kartą & aplikacja się zawiesza",
            sent_at="2026-11-20T14:06:01",
            language="pl",
            thread_key="2123768329008123904",
            in_reply_to="2123768329008123904",
        ),
        mention(
            platform_id="2123779783652347904",
            author=JANA,
            text="@AcmeCare Platba kartou mi pořád nejde \U0001f615",
            sent_at="2026-11-20T14:05:33",
            language="cs",
        ),
    ],
    "mentions_page__partial_errors": [
        # The replied-to tweet was deleted (it is in `errors`): the mention still comes through.
        mention(
            platform_id="2123541492659195904",
            author=("1350000111122223333", "@eva_h", "Eva Horváthová"),
            text="@AcmeCare @someone_gone Mám to samé, objednávka stojí od pondělí.",
            sent_at="2026-11-19T22:18:40",
            language="cs",
            thread_key="2123538891011002368",
            in_reply_to="2123538891011002368",
        )
    ],
    "mentions_page__empty": [],
}


def load(name: str) -> dict[str, Any]:
    payload: dict[str, Any] = json.loads((FIXTURES / f"{name}.json").read_text(encoding="utf-8"))
    return payload


def kind_of(name: str) -> str:
    return name.split("__", 1)[0]


def parse_fixture(name: str) -> list[NormalizedMessage]:
    payload = load(name)
    kind = kind_of(name)
    if kind in PAGE_KINDS:
        messages: list[NormalizedMessage] = []
        for event in mention_events(payload):
            messages.extend(parse(event.kind, event.payload))
        return messages
    return parse(kind, payload)


def test_fixtures_exist() -> None:
    assert len(FIXTURE_NAMES) >= 10


def test_every_fixture_is_declared() -> None:
    assert set(FIXTURE_NAMES) == set(EXPECTED)


@pytest.mark.parametrize("name", FIXTURE_NAMES)
def test_fixture_parses_to_expected(name: str) -> None:
    expected = EXPECTED[name]
    if isinstance(expected, type):
        with pytest.raises(expected):
            parse_fixture(name)
        return
    assert parse_fixture(name) == expected


@pytest.mark.parametrize("name", FIXTURE_NAMES)
def test_fixture_event_kind_is_handled_or_ignored(name: str) -> None:
    kind = kind_of(name)
    kinds = {e.kind for e in mention_events(load(name))} if kind in PAGE_KINDS else {kind}
    for k in kinds:
        assert k in EVENT_HANDLERS or k in IGNORED_EVENTS, f"{name}: event kind {k!r} has no handler"


def test_handled_and_ignored_do_not_overlap() -> None:
    assert not set(EVENT_HANDLERS) & set(IGNORED_EVENTS)


def test_fixtures_are_x_shaped() -> None:
    """Snowflake ids are strings, times are X's millisecond ISO form, as the API sends them."""
    for name in FIXTURE_NAMES:
        payload = load(name)
        tweets = [payload["tweet"]] if "tweet" in payload else payload.get("data", [])
        for tweet in tweets:
            for key in ("id", "author_id", "conversation_id"):
                if key in tweet:
                    assert isinstance(tweet[key], str) and tweet[key].isdigit(), (name, key)
            assert all(isinstance(i, str) for i in tweet["edit_history_tweet_ids"]), name
            assert datetime.strptime(tweet["created_at"], "%Y-%m-%dT%H:%M:%S.000Z"), name


# --- pages ----------------------------------------------------------------------------
def test_page_events_carry_their_own_author() -> None:
    events = mention_events(load("mentions_page__two_mentions"))
    assert [e.platform_id for e in events] == ["2123779901092859904", "2123779783652347904"]
    assert {e.kind for e in events} == {"mention"}
    # Self-contained: the stored payload re-parses without the page it came from.
    assert events[0].payload["author"]["username"] == "piotr_nowak"
    assert events[1].payload["author"]["username"] == "jnovakova"
    assert set(events[0].payload) == {"tweet", "author"}


def test_page_without_matching_user_gives_null_author() -> None:
    page = load("mentions_page__two_mentions")
    page["includes"]["users"] = [u for u in page["includes"]["users"] if u["username"] != "piotr_nowak"]
    events = mention_events(page)
    assert events[0].payload["author"] is None
    [message] = parse("mention", events[0].payload)
    assert message.author == NormalizedAuthor(external_id="1490011223344556677")


def test_empty_page_has_no_events() -> None:
    assert mention_events(load("mentions_page__empty")) == []


# --- dispatch and malformed input -----------------------------------------------------
def test_unknown_kind_raises_unsupported() -> None:
    with pytest.raises(UnsupportedEventType):
        parse("favorite_events", {"tweet": load("mention__simple")["tweet"]})


def test_ignored_kinds_parse_to_nothing() -> None:
    for kind in IGNORED_EVENTS:
        assert parse(kind, {}) == []


def _simple_with(**tweet_changes: Any) -> dict[str, Any]:
    payload = load("mention__simple")
    payload["tweet"].update(tweet_changes)
    return payload


def _without(key: str) -> dict[str, Any]:
    payload = load("mention__simple")
    del payload["tweet"][key]
    return payload


@pytest.mark.parametrize(
    "payload",
    [
        pytest.param(_without("id"), id="missing-id"),
        pytest.param(_without("text"), id="missing-text"),
        pytest.param(_without("author_id"), id="missing-author-id"),
        pytest.param(_simple_with(text=["@AcmeCare", "hi"]), id="text-list"),
        pytest.param(_simple_with(text={"body": "hi"}), id="text-object"),
        pytest.param(_simple_with(id={"$numberLong": "1"}), id="id-object"),
        pytest.param(_simple_with(referenced_tweets={"type": "replied_to", "id": "1"}), id="refs-object"),
        pytest.param(_simple_with(referenced_tweets="2123703564760059904"), id="refs-string"),
        pytest.param(_simple_with(referenced_tweets=[{"type": "replied_to"}]), id="ref-without-id"),
        pytest.param(_simple_with(created_at="20 Nov 2026"), id="bad-created-at"),
        pytest.param({"tweet": "2123706425275387904", "author": None}, id="tweet-string"),
        pytest.param({"tweet": [load("mention__simple")["tweet"]], "author": None}, id="tweet-list"),
        pytest.param({"author": None}, id="tweet-missing"),
        pytest.param({"tweet": load("mention__simple")["tweet"], "author": "samcarter_uk"}, id="author-string"),
    ],
)
def test_malformed_payload_raises(payload: dict[str, Any]) -> None:
    with pytest.raises(MalformedPayload):
        parse("mention", payload)


def test_malformed_payload_is_a_value_error() -> None:
    assert issubclass(MalformedPayload, ValueError)


def test_text_number_is_malformed() -> None:
    """Only ids may arrive as numbers (v1.1-shaped payloads); text must be a string."""
    with pytest.raises(MalformedPayload):
        parse("mention", _simple_with(text=42))


def test_numeric_ids_are_accepted_as_strings() -> None:
    payload = _simple_with(id=2123706425275387904, author_id=1432768094315454465, conversation_id=2123706425275387904)
    [message] = parse("mention", payload)
    assert message.platform_id == "2123706425275387904"
    assert message.author.external_id == "1432768094315454465"
    assert message.thread_key == "2123706425275387904"


# --- entities and languages -----------------------------------------------------------
@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("&lt;script&gt;", "<script>"),
        ("&amp;", "&"),
        ("&amp;lt;", "&lt;"),  # undone exactly once
        ("&amp;amp;", "&amp;"),
        ("&amp;gt;&amp;lt;", "&gt;&lt;"),
        ("AT&amp;T", "AT&T"),
        ("&quot;&#39;&nbsp;", "&quot;&#39;&nbsp;"),  # X does not escape these; leave them
        ("a & b < c", "a & b < c"),  # already plain
    ],
)
def test_unescape_text(raw: str, expected: str) -> None:
    assert unescape_text(raw) == expected


@pytest.mark.parametrize(("lang", "expected"), [("cs", "cs"), ("und", ""), ("zxx", ""), ("qme", ""), ("qht", "")])
def test_language_codes_without_a_language_become_blank(lang: str, expected: str) -> None:
    [message] = parse("mention", _simple_with(lang=lang))
    assert message.language == expected


def test_missing_lang_is_blank() -> None:
    [message] = parse("mention", _without("lang"))
    assert message.language == ""


def test_ids_stay_strings_exactly() -> None:
    """Snowflakes beyond 2**53 must not pass through a float anywhere."""
    [message] = parse("mention", load("mention__reply_in_thread"))
    assert message.platform_id == "2123710804128763904"
    assert int(message.platform_id) > 2**53
    assert message.in_reply_to == "2123703564760059904"


def test_reply_to_brand_is_in_reply_to_and_quote_is_not() -> None:
    payload = _simple_with(
        referenced_tweets=[{"type": "quoted", "id": "2123700000000000000"}, {"type": "replied_to", "id": "42"}]
    )
    [message] = parse("mention", payload)
    assert message.in_reply_to == "42"
    [quote_only] = parse("mention", _simple_with(referenced_tweets=[{"type": "quoted", "id": "2123700000000000000"}]))
    assert quote_only.in_reply_to == ""
