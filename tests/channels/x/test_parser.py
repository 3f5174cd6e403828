"""X payload fixtures -> NormalizedMessage. Every file in channels/x/fixtures/ must be
declared here with what it parses to (or the error it raises), so a new fixture without
an expectation fails `test_every_fixture_is_declared`. Stored events (mention, search, dm),
API pages (split by the connector first) and Account Activity deliveries (split by
`aaa_events` first) are all declared the same way."""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from channels.base import MalformedWebhook
from channels.parsing import MalformedPayload, SkippedEvent, UnsupportedEventType
from channels.types import Attachment, NormalizedAuthor, NormalizedMessage, RawEvent
from channels.x.connector import mention_events
from channels.x.parser import (
    AAA_HANDLED,
    AAA_IGNORED,
    EVENT_HANDLERS,
    IGNORED_EVENTS,
    aaa_events,
    dm_events,
    parse,
    tweet_events,
    unescape_text,
)
from tests.channels.parsing_support import skipped

FIXTURES = Path(__file__).resolve().parents[3] / "channels" / "x" / "fixtures"
FIXTURE_NAMES = sorted(p.stem for p in FIXTURES.glob("*.json"))

BRAND_ID = "1000000000000000001"

# Fixtures that are whole API pages or webhook deliveries, not stored events: they are
# split into raw events first, as the connector does.
PAGE_SPLITTERS = {
    "mentions_page": mention_events,
    "search_page": lambda page: tweet_events(page, "search"),
    "dm_events_page": lambda page: dm_events(page, brand_id=BRAND_ID),
}
DELIVERY_KINDS = AAA_HANDLED | AAA_IGNORED | {"user_event"}


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
SAM = ("1432768094315454465", "@samcarter_uk", "Sam Carter")
MARIA = ("1276543210987654321", "@mpetrova_bg", "Мария Петрова")


def dm(
    *, platform_id: str, author: tuple[str, str, str], text: str, sent_at: str, attachments: tuple[Attachment, ...] = ()
) -> NormalizedMessage:
    external_id, handle, name = author
    low, high = sorted((external_id, BRAND_ID), key=int)
    return NormalizedMessage(
        platform_id=platform_id,
        author=NormalizedAuthor(external_id=external_id, handle=handle, display_name=name),
        text=text,
        sent_at=at(sent_at),
        kind="dm",
        thread_key=f"{low}-{high}",
        attachments=attachments,
        public=False,
    )


MARIA_DM = dm(
    platform_id="2123809000000000001",
    author=MARIA,
    text="Здравейте, поръчка № 58213 пристигна счупена 😟",
    sent_at="2026-11-20T15:58:40",
)
SAM_PHOTO = Attachment(
    filename="kQ3vR9sT.jpg",
    content_type="image/jpeg",
    url="https://ton.twitter.com/1.1/ton/data/dm/2123807771112223334/2123807760000000000/kQ3vR9sT.jpg",
)
SAM_PHOTO_DM = dm(
    platform_id="2123807771112223334",
    author=SAM,
    text="This is how it arrived https://t.co/Xy7dKq2LmB",
    sent_at="2026-11-20T15:31:09",
    attachments=(SAM_PHOTO,),
)
SAM_MENTION = mention(
    platform_id="2123706425275387904",
    author=SAM,
    text="@AcmeCare Hi, my order #4411 still hasn't arrived. Could you check what's going on?",
    sent_at="2026-11-20T09:14:03",
    language="en",
)

# fixture name -> the NormalizedMessages it yields (in order), or the exception it raises.
@dataclass(frozen=True)
class Skipped:
    """An event the parser deliberately skips (SkippedEvent with a reason, not an unknown kind)."""

    kind: str


LONG_POST = (
    "@AcmeCare Dobrý den, píšu podruhé, protože první zpráva zůstala bez odpovědi. Objednávka 58213 přišla "
    "neúplná: chybí nabíječka a kabel, krabice byla otevřená a přelepená jinou páskou. Reklamaci jsem podala "
    "minulý týden přes formulář, číslo RMA-20261113-07, ale od té doby se nic neděje. Potřebuji vědět, jestli mi "
    "chybějící díly pošlete, nebo mám celé zboží vrátit. Děkuji, Jana"
)

EXPECTED: dict[str, list[NormalizedMessage | Skipped] | type[Exception]] = {
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
    "mention__retweet": [Skipped("mention")],  # a retweet carries no words of the customer's own
    # --- direct messages (GET /2/dm_events) ---------------------------------------------
    "dm__simple": [
        dm(
            platform_id="2123801112223334445",
            author=SAM,
            text="Hi, I was charged twice for order #4411. Can you help?",
            sent_at="2026-11-20T15:02:11",
        )
    ],
    "dm__czech_emoji": [
        dm(
            platform_id="2123805554443332221",
            author=JANA,
            text=f"Dobrý den, balík dorazil rozbitý {FAMILY}{FLAG_CZ} & chybí návod <3",
            sent_at="2026-11-20T15:20:47",
        )
    ],
    "dm__no_sender_expansion": [
        dm(platform_id="2123806660001112223", author=("1710000000000000077", "", ""), text="hello?",
           sent_at="2026-11-20T15:25:00")
    ],
    "dm__photo_attachment": [SAM_PHOTO_DM],
    "dm__malformed_missing_sender_id": MalformedPayload,
    # The brand's own reply in the middle of the page is a dm_own event: ignored.
    "dm_events_page__mixed": [
        dm(
            platform_id="2123811000000000003",
            author=MARIA,
            text="Благодаря! А кога ще пристигне новата пратка?",
            sent_at="2026-11-20T16:05:30",
        ),
        Skipped("dm_own"),  # the brand's own DM, between the customer's two
        MARIA_DM,
    ],
    # --- brand-keyword search (GET /2/tweets/search/recent) -----------------------------
    "search__brand_keyword": [
        NormalizedMessage(
            platform_id="2123790001112223334",
            author=NormalizedAuthor(external_id="1622093847561029632", handle="@ondrej_dev", display_name="Ondřej K."),
            text="Acme's new app update broke login for me & my sister. Anyone else?",
            sent_at=at("2026-11-20T14:40:02"),
            kind="search_mention",
            thread_key="2123790001112223334",
            language="en",
        )
    ],
    "search_page__recent": [
        NormalizedMessage(
            platform_id="2123795550000000002",
            author=NormalizedAuthor(external_id=JANA[0], handle=JANA[1], display_name=JANA[2]),
            text="Nakupovat u Acme je pořád peklo, platba kartou zase nejde",
            sent_at=at("2026-11-20T15:00:10"),
            kind="search_mention",
            thread_key="2123795550000000002",
            language="cs",
        ),
        NormalizedMessage(
            platform_id="2123794440000000001",
            author=NormalizedAuthor(external_id=SAM[0], handle=SAM[1], display_name=SAM[2]),
            text="Does Acme ship to Slovakia? Their site doesn't say",
            sent_at=at("2026-11-20T14:55:51"),
            kind="search_mention",
            thread_key="2123794440000000001",
            language="en",
        ),
    ],
    # --- Account Activity API deliveries ------------------------------------------------
    # The same post as mention__simple, delivered by webhook: the very same message.
    "tweet_create_events__mention": [SAM_MENTION],
    # A long post (X Premium): `text` is cut at 280 weighted characters, note_tweet.text is whole.
    "mention__note_tweet_long_post": [
        mention(
            platform_id="2123840000000000001",
            author=JANA,
            text=LONG_POST,
            sent_at="2026-11-20T18:02:11",
            language="cs",
        )
    ],
    "tweet_create_events__note_tweet": [
        NormalizedMessage(
            platform_id="2123850000000000001",
            author=NormalizedAuthor(external_id=JANA[0], handle=JANA[1], display_name=JANA[2]),
            # Account activity: note_tweet over extended_tweet.full_text (itself cut at 280).
            text=LONG_POST,
            sent_at=at("2026-11-20T17:20:05"),
            kind="mention",
            thread_key="",
            in_reply_to="2123826000000000000",
            language="cs",
        )
    ],
    "tweet_create_events__extended_reply": [
        NormalizedMessage(
            platform_id="2123830000000000001",
            author=NormalizedAuthor(external_id=JANA[0], handle=JANA[1], display_name=JANA[2]),
            # The whole post from extended_tweet.full_text, not the 140-character cut.
            text=(
                "@AcmeCare Dobrý den, objednávka 58213 mi přišla neúplná: chybí nabíječka & kabel. Reklamaci jsem "
                "podala minulý týden a od té doby nic. Můžete to prosím prověřit? \U0001f615"
            ),
            sent_at=at("2026-11-20T17:20:05"),
            kind="mention",
            thread_key="",  # v1.1 has no conversation id: a reply threads by in_reply_to
            in_reply_to="2123826000000000000",
            language="cs",
        )
    ],
    "tweet_create_events__own_reply": [Skipped("tweet_own")],  # the brand's own post
    "tweet_create_events__retweet": [Skipped("aaa_tweet")],
    "tweet_create_events__malformed_no_id_str": MalformedWebhook,
    # The same DM as in dm_events_page__mixed, by webhook: the very same message.
    "direct_message_events__received": [MARIA_DM],
    "direct_message_events__sent_by_brand": [Skipped("dm_own")],
    "direct_message_events__photo": [SAM_PHOTO_DM],
    # Account Activity deliveries Hovor acknowledges without storing (AAA_IGNORED).
    "favorite_events__like": [],
    "follow_events__follow": [],
    "direct_message_indicate_typing_events__typing": [],
    "direct_message_mark_read_events__read": [],
    "tweet_delete_events__delete": [],
    "user_event__revoke": [],
}


def load(name: str) -> dict[str, Any]:
    payload: dict[str, Any] = json.loads((FIXTURES / f"{name}.json").read_text(encoding="utf-8"))
    return payload


def kind_of(name: str) -> str:
    return name.split("__", 1)[0]


def raw_events(name: str) -> list[RawEvent]:
    payload = load(name)
    kind = kind_of(name)
    if kind in PAGE_SPLITTERS:
        return PAGE_SPLITTERS[kind](payload)
    if kind in DELIVERY_KINDS:
        return aaa_events(payload, brand_id=BRAND_ID)
    return [RawEvent(platform_id="", kind=kind, payload=payload)]


def parse_fixture(name: str) -> list[NormalizedMessage | Skipped]:
    messages: list[NormalizedMessage | Skipped] = []
    for event in raw_events(name):
        try:
            messages.extend(parse(event.kind, event.payload))
        except UnsupportedEventType:
            raise
        except SkippedEvent as exc:
            assert exc.reason
            messages.append(Skipped(event.kind))
    return messages


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
    if kind in DELIVERY_KINDS:
        assert kind in AAA_HANDLED or kind in AAA_IGNORED or kind == "user_event", name
        if kind in AAA_IGNORED or isinstance(EXPECTED[name], type):
            return
    for k in {e.kind for e in raw_events(name)}:
        assert k in EVENT_HANDLERS or k in IGNORED_EVENTS, f"{name}: event kind {k!r} has no handler"


def test_handled_and_ignored_do_not_overlap() -> None:
    assert not set(EVENT_HANDLERS) & set(IGNORED_EVENTS)


def test_fixtures_are_x_shaped() -> None:
    """Snowflake ids are strings, times are X's millisecond ISO form, as the API sends them."""
    for name in FIXTURE_NAMES:
        if kind_of(name) in DELIVERY_KINDS or kind_of(name).startswith("dm"):
            continue  # v1.1 tweets and DM events have shapes of their own (tested below)
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


def test_ignored_kinds_are_skipped_with_their_reason() -> None:
    for kind, why in IGNORED_EVENTS.items():
        assert skipped(parse, kind, {}) == f"{kind}: {why}"


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


# --- the same post or DM by polling and by webhook ------------------------------------
@pytest.mark.parametrize(
    ("polled", "pushed"),
    [
        ("mention__simple", "tweet_create_events__mention"),
        ("dm__photo_attachment", "direct_message_events__photo"),
    ],
)
def test_polling_and_webhook_give_the_same_message(polled: str, pushed: str) -> None:
    assert parse_fixture(polled) == parse_fixture(pushed)


def test_dm_page_and_dm_webhook_give_the_same_message() -> None:
    assert parse_fixture("direct_message_events__received") == parse_fixture("dm_events_page__mixed")[2:]


def test_own_posts_and_dms_are_explicitly_ignored_kinds() -> None:
    assert [e.kind for e in raw_events("dm_events_page__mixed")] == ["dm", "dm_own", "dm"]
    assert [e.kind for e in raw_events("direct_message_events__sent_by_brand")] == ["dm_own"]
    assert [e.kind for e in raw_events("tweet_create_events__own_reply")] == ["tweet_own"]
    assert {"dm_own", "tweet_own"} <= set(IGNORED_EVENTS)
    page = load("search_page__recent")
    page["data"][0]["author_id"] = BRAND_ID
    assert [e.kind for e in tweet_events(page, "search", brand_id=BRAND_ID)] == ["tweet_own", "search"]


def test_webhook_and_polling_share_platform_ids() -> None:
    """Tweet ids and DM event ids: one dedupe space whichever way a message arrives."""
    assert [e.platform_id for e in raw_events("tweet_create_events__mention")] == ["2123706425275387904"]
    assert [e.platform_id for e in raw_events("direct_message_events__received")] == ["2123809000000000001"]
    assert raw_events("dm_events_page__mixed")[2].platform_id == "2123809000000000001"


def test_dm_timestamp_is_cut_to_the_second_like_v2() -> None:
    [message] = parse_fixture("direct_message_events__received")
    assert message.sent_at == at("2026-11-20T15:58:40")  # created_timestamp …40637 ms


def test_conversation_key_orders_ids_as_numbers() -> None:
    payload = load("direct_message_events__received")
    event = payload["direct_message_events"][0]
    event["message_create"]["sender_id"] = "987654321"  # shorter id: smaller as a number, larger as text
    payload["users"] = {}
    [message] = parse("aaa_dm", aaa_events(payload)[0].payload)
    assert message.thread_key == f"987654321-{BRAND_ID}"
    assert message.author == NormalizedAuthor(external_id="987654321")


def _delivery(name: str, change: Any) -> dict[str, Any]:
    body = load(name)
    change(body)
    return body


@pytest.mark.parametrize(
    "body",
    [
        pytest.param([], id="list"),
        pytest.param({}, id="empty-object"),
        pytest.param({"for_user_id": BRAND_ID, "hello": 1}, id="no-event"),
        pytest.param(_delivery("tweet_create_events__mention", lambda b: b.pop("for_user_id")), id="no-for-user-id"),
        pytest.param(_delivery("tweet_create_events__mention", lambda b: b.update(for_user_id=int(BRAND_ID))),
                     id="for-user-id-number"),
        pytest.param(_delivery("tweet_create_events__mention", lambda b: b.update(tweet_create_events={})),
                     id="tweets-object"),
        pytest.param(_delivery("tweet_create_events__mention", lambda b: b.update(tweet_create_events=["x"])),
                     id="tweet-string"),
        pytest.param(_delivery("tweet_create_events__mention", lambda b: b["tweet_create_events"][0].pop("user")),
                     id="tweet-no-user"),
        pytest.param(_delivery("tweet_create_events__mention", lambda b: b["tweet_create_events"][0].update(text=5)),
                     id="tweet-text-number"),
        pytest.param(
            _delivery("tweet_create_events__mention", lambda b: b["tweet_create_events"][0].update(created_at="today")),
            id="tweet-bad-created-at",
        ),
        pytest.param(_delivery("direct_message_events__received", lambda b: b.update(direct_message_events="x")),
                     id="dms-string"),
        pytest.param(
            _delivery("direct_message_events__received", lambda b: b["direct_message_events"][0].pop("message_create")),
            id="dm-no-message-create",
        ),
        pytest.param(
            _delivery("direct_message_events__received",
                      lambda b: b["direct_message_events"][0].update(created_timestamp="yesterday")),
            id="dm-bad-timestamp",
        ),
        pytest.param(
            _delivery("direct_message_events__received",
                      lambda b: b["direct_message_events"][0]["message_create"]["message_data"].pop("text")),
            id="dm-no-text",
        ),
        pytest.param(_delivery("direct_message_events__received", lambda b: b.update(users=[])), id="users-list"),
    ],
)
def test_malformed_deliveries_are_refused_whole(body: Any) -> None:
    with pytest.raises(MalformedWebhook):
        aaa_events(body, brand_id=BRAND_ID)


def test_extended_tweet_required_when_truncated() -> None:
    body = load("tweet_create_events__extended_reply")
    del body["tweet_create_events"][0]["extended_tweet"]
    with pytest.raises(MalformedWebhook):
        aaa_events(body, brand_id=BRAND_ID)


def test_dm_participants_join_is_not_a_message() -> None:
    payload = load("dm__simple")
    payload["event"] = {"id": "2123801112223334999", "event_type": "ParticipantsJoin", "dm_conversation_id": "1578"}
    assert "ParticipantsJoin" in skipped(parse, "dm", payload)
