"""Polling X: DMs after mentions (no since_id: page until a stored id), the brand-keyword
search sharing mentions' platform ids, pacing by X's rate-limit headers, and the monthly
read budget, all kept in the account's poll cursor."""
from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from channels.inbound import account_poll
from channels.models import BrandAccount, InboundEvent, InboundEventStatus
from channels.services import brand_account_connect
from channels.types import RawEvent
from channels.x.connector import connector
from fakes.x import FakeX
from inbox.enums import Direction
from inbox.models import Message
from tests.support import X_CREDENTIALS

pytestmark = pytest.mark.django_db(transaction=True)

BRAND_ID = "1000000000000000001"
SEARCH = '"Acme" -from:AcmeCare -is:retweet'


def cursor_of(account: BrandAccount) -> dict[str, Any]:
    return dict(BrandAccount.objects.get(pk=account.pk).poll_cursor)


def calls(fake: FakeX, path: str) -> list[dict[str, Any]]:
    return [r for r in fake.requests_log() if r["path"] == path]


def set_options(account: BrandAccount, **options: Any) -> None:
    BrandAccount.objects.filter(pk=account.pk).update(options=options)
    account.refresh_from_db()


def unpause(account: BrandAccount) -> None:
    cursor = cursor_of(account)
    cursor["paused"] = {}
    BrandAccount.objects.filter(pk=account.pk).update(poll_cursor=cursor, rate_limited_until=None)


def messages(kind: str | None = None) -> list[Message]:
    qs = Message.objects.filter(direction=Direction.IN).order_by("sent_at", "id")
    return list(qs.filter(kind=kind) if kind else qs)


# --- direct messages ----------------------------------------------------------------
def test_dms_are_polled_after_mentions(fake_x: FakeX, x_account: BrandAccount) -> None:
    fake_x.inbound(author="@jana", name="Jana", text="veřejně")
    dm = fake_x.inbound(author="@jana", name="Jana", text="Soukromě: číslo objednávky 4411 & <3", kind="dm")["data"]
    assert account_poll(account_id=x_account.pk) == 2
    paths = [r["path"] for r in fake_x.requests_log()]
    assert paths.index(f"/2/users/{BRAND_ID}/mentions") < paths.index("/2/dm_events")
    [message] = messages("dm")
    assert message.platform_id == dm["id"]
    assert message.text == "Soukromě: číslo objednávky 4411 & <3"
    assert message.thread_key == dm["dm_conversation_id"] == f"{BRAND_ID}-{message.author_identity.external_id}"
    assert message.author_identity.handle == "@jana"
    # DMs and posts of one customer land in one ticket (the customer's open ticket).
    assert len({m.ticket_id for m in messages()}) == 1
    query = calls(fake_x, "/2/dm_events")[0]["query"]
    assert query["event_types"] == "MessageCreate"
    assert query["dm_event.fields"] == "id,text,event_type,created_at,sender_id,dm_conversation_id,attachments"
    assert "sender_id" in query["expansions"].split(",")
    assert cursor_of(x_account)["dms_newest_id"] == dm["id"]


def test_dm_paging_stops_at_the_stored_id(fake_x: FakeX, x_account: BrandAccount) -> None:
    fake_x.inbound_bulk([{"author": f"@c{i % 5}", "text": f"dm {i}", "kind": "dm"} for i in range(250)])
    assert account_poll(account_id=x_account.pk) == 250
    assert len(calls(fake_x, "/2/dm_events")) == 3  # 100 + 100 + 50, no next_token after the last
    newest = cursor_of(x_account)["dms_newest_id"]
    fake_x.inbound_bulk([{"author": "@c1", "text": f"later {i}", "kind": "dm"} for i in range(3)])
    assert account_poll(account_id=x_account.pk) == 3
    # One page: it reached an id already stored, so the older pages were not read again.
    assert len(calls(fake_x, "/2/dm_events")) == 4
    assert int(cursor_of(x_account)["dms_newest_id"]) > int(newest)
    assert account_poll(account_id=x_account.pk) == 0
    assert Message.objects.filter(kind="dm").count() == 253


def test_dm_cursor_advances_only_after_the_last_page(fake_x: FakeX, x_account: BrandAccount) -> None:
    fake_x.inbound_bulk([{"author": f"@c{i % 3}", "text": f"dm {i}", "kind": "dm"} for i in range(150)])
    account = BrandAccount.objects.get(pk=x_account.pk)
    pages: list[list[RawEvent]] = []

    def record(events: list[RawEvent]) -> None:
        pages.append(events)
        if len(pages) == 2:  # after the first DM page (mentions was page 1), X fails
            fake_x.fail(status=503, times=1, path="/2/dm_events")

    cursor = connector.poll(account, {}, record)
    assert "dms_newest_id" not in cursor  # not stored: the read was not finished
    assert cursor["dms_resume"]["token"] and cursor["dms_resume"]["newest"]
    assert "503" in cursor["paused"]["dms"]["reason"]
    cursor["paused"] = {}
    cursor = connector.poll(account, cursor, record)
    assert cursor["dms_newest_id"] == pages[1][0].platform_id  # the first page's newest
    assert "dms_resume" not in cursor
    got = [e.platform_id for page in pages for e in page if e.kind == "dm"]
    assert len(got) == len(set(got)) == 150


def test_brands_own_dms_are_stored_as_ignored(fake_x: FakeX, x_account: BrandAccount) -> None:
    dm = fake_x.inbound(author="@karel", name="Karel", text="hi", kind="dm")
    from channels.x.connector import client_for

    ours = client_for(x_account).create_dm(participant_id=dm["includes"]["users"][0]["id"], text="Dobrý den!")
    assert account_poll(account_id=x_account.pk) == 2
    event = InboundEvent.objects.get(platform_id=ours)
    assert event.kind == "dm_own" and event.status == InboundEventStatus.IGNORED
    assert [m.text for m in messages()] == ["hi"]


def test_dms_need_user_context(fake_x: FakeX, brand: Any) -> None:
    account = brand_account_connect(
        brand=brand, platform="x", handle="@AcmeCare", base_url=fake_x.base_url,
        credentials={"bearer_token": X_CREDENTIALS["bearer_token"]},
    )
    BrandAccount.objects.filter(pk=account.pk).update(platform_user_id=BRAND_ID)
    fake_x.inbound(author="@a", text="mention")
    fake_x.inbound(author="@a", text="dm", kind="dm")
    assert account_poll(account_id=account.pk) == 1
    assert calls(fake_x, "/2/dm_events") == []
    assert "user-context" in cursor_of(account)["notes"]["dms"]


def test_dms_can_be_switched_off(fake_x: FakeX, x_account: BrandAccount) -> None:
    set_options(x_account, poll_dms=False)
    fake_x.inbound(author="@a", text="dm", kind="dm")
    assert account_poll(account_id=x_account.pk) == 0
    assert calls(fake_x, "/2/dm_events") == []


def test_refused_dms_pause_only_the_dm_feed(fake_x: FakeX, x_account: BrandAccount) -> None:
    """An app without DM permission gets 403 there; mentions keep flowing."""
    fake_x.inbound(author="@a", text="one")
    fake_x.fail(status=403, times=1, path="/2/dm_events")
    assert account_poll(account_id=x_account.pk) == 1
    x_account.refresh_from_db()
    assert x_account.rate_limited_until is None and x_account.last_error == ""
    pause = x_account.poll_cursor["paused"]["dms"]
    assert "403" in pause["reason"]
    fake_x.inbound(author="@a", text="two")
    fake_x.inbound(author="@a", text="a dm", kind="dm")
    assert account_poll(account_id=x_account.pk) == 1  # the DM waits for the pause to end
    unpause(x_account)
    assert account_poll(account_id=x_account.pk) == 1


def test_a_429_on_dms_keeps_mentions_progress(fake_x: FakeX, x_account: BrandAccount) -> None:
    fake_x.inbound(author="@a", text="one")
    fake_x.fail(status=429, times=1, path="/2/dm_events", reset_in=120)
    assert account_poll(account_id=x_account.pk) == 1
    cursor = cursor_of(x_account)
    assert cursor["mentions_since_id"]
    until = timezone.datetime.fromisoformat(cursor["paused"]["dms"]["until"])
    assert until > timezone.now() + timedelta(seconds=100)


# --- brand-keyword search -------------------------------------------------------------
def test_search_finds_posts_that_name_the_brand(fake_x: FakeX, x_account: BrandAccount) -> None:
    set_options(x_account, search_query=SEARCH)
    named = fake_x.inbound(author="@ondrej", name="Ondřej", text="Acme's app broke login again & again", kind="tweet")
    fake_x.inbound(author="@other", text="nothing to see here", kind="tweet")
    assert account_poll(account_id=x_account.pk) == 1
    [message] = messages()
    assert message.kind == "search_mention" and message.platform_id == named["data"]["id"]
    assert message.text == "Acme's app broke login again & again"
    query = calls(fake_x, "/2/tweets/search/recent")[0]["query"]
    assert query["query"] == SEARCH and "since_id" not in query
    assert cursor_of(x_account)["search_since_id"] == named["data"]["id"]
    newer = fake_x.inbound(author="@eva", text="Acme support is great", kind="tweet")
    assert account_poll(account_id=x_account.pk) == 1
    assert calls(fake_x, "/2/tweets/search/recent")[-1]["query"]["since_id"] == named["data"]["id"]
    assert messages()[-1].platform_id == newer["data"]["id"]


def test_search_and_mentions_share_platform_ids(fake_x: FakeX, x_account: BrandAccount, agent: Any) -> None:
    set_options(x_account, search_query=SEARCH)
    both = fake_x.inbound(author="@petr", name="Petr", text="@AcmeCare Acme app is down")["data"]
    assert account_poll(account_id=x_account.pk) == 1  # found twice, stored once
    assert InboundEvent.objects.get().kind == "mention"
    assert [m.platform_id for m in messages()] == [both["id"]]
    # The brand's reply names Acme, but -from:AcmeCare keeps it out; so does the own-post rule.
    from inbox.actions.replies import ticket_reply
    from inbox.models import Ticket

    ticket_reply(ticket=Ticket.objects.get(), agent=agent, text="Acme here, checking!")
    assert account_poll(account_id=x_account.pk) == 0
    assert len(messages()) == 1


def test_search_first_read_is_one_page_not_a_week(fake_x: FakeX, x_account: BrandAccount) -> None:
    fake_x.inbound_bulk([{"author": f"@p{i % 9}", "text": f"Acme thing {i}", "kind": "tweet"} for i in range(130)])
    set_options(x_account, search_query="Acme")
    assert account_poll(account_id=x_account.pk) == 100
    assert len(calls(fake_x, "/2/tweets/search/recent")) == 1
    fake_x.inbound_bulk([{"author": "@p1", "text": f"Acme later {i}", "kind": "tweet"} for i in range(3)])
    assert account_poll(account_id=x_account.pk) == 3


def test_refused_search_does_not_stop_mentions(fake_x: FakeX, x_account: BrandAccount) -> None:
    set_options(x_account, search_query="Acme")
    fake_x.fail(status=403, times=1, path="/2/tweets/search")
    fake_x.inbound(author="@a", text="Acme?")
    assert account_poll(account_id=x_account.pk) == 1
    assert "403" in cursor_of(x_account)["paused"]["search"]["reason"]


# --- pacing by rate-limit headers -----------------------------------------------------------
@pytest.fixture
def tight_fake() -> Iterator[FakeX]:
    """Mentions allow 2 calls per 15 minutes (DMs 3, search 5)."""
    fake = FakeX(
        consumer_key=X_CREDENTIALS["consumer_key"], consumer_secret=X_CREDENTIALS["consumer_secret"],
        access_token=X_CREDENTIALS["access_token"], access_token_secret=X_CREDENTIALS["access_token_secret"],
        bearer_token=X_CREDENTIALS["bearer_token"], rate_limit_scale=2 / 180,
    ).start()
    yield fake
    fake.stop()


def test_low_remaining_pauses_the_feed_until_the_reset(tight_fake: FakeX, brand: Any) -> None:
    account = brand_account_connect(
        brand=brand, platform="x", handle="@AcmeCare", base_url=tight_fake.base_url, credentials=dict(X_CREDENTIALS)
    )
    BrandAccount.objects.filter(pk=account.pk).update(platform_user_id=BRAND_ID)
    tight_fake.inbound(author="@a", text="first")
    assert account_poll(account_id=account.pk) == 1
    cursor = cursor_of(account)
    pause = cursor["paused"]["mentions"]
    assert "x-rate-limit-remaining 1 of 2" in pause["reason"]
    until = timezone.datetime.fromisoformat(pause["until"])
    assert timezone.now() + timedelta(minutes=14) < until <= timezone.now() + timedelta(minutes=16)
    tight_fake.inbound(author="@a", text="second")
    tight_fake.inbound(author="@a", text="a dm", kind="dm")
    mentions_calls = len(calls(tight_fake, f"/2/users/{BRAND_ID}/mentions"))
    assert account_poll(account_id=account.pk) == 1  # the DM; mentions wait for their window
    assert len(calls(tight_fake, f"/2/users/{BRAND_ID}/mentions")) == mentions_calls
    # No 429 was ever provoked.
    assert all(r["status"] != 429 for r in tight_fake.requests_log())
    account.refresh_from_db()
    assert account.rate_limited_until is None
    # Once the reset has passed, the pause expires by itself.
    cursor = cursor_of(account)
    cursor["paused"]["mentions"]["until"] = (timezone.now() - timedelta(seconds=1)).isoformat()
    BrandAccount.objects.filter(pk=account.pk).update(poll_cursor=cursor)
    tight_fake.reset_windows()
    assert account_poll(account_id=account.pk) == 1
    assert [m.text for m in messages()][-1] == "@AcmeCare second"
    # That call left 1 of 2 again: paused anew for the new window.
    assert "mentions" in cursor_of(account)["paused"]


def test_pause_mid_paging_resumes_where_it_stopped(tight_fake: FakeX, brand: Any) -> None:
    account = brand_account_connect(
        brand=brand, platform="x", handle="@AcmeCare", base_url=tight_fake.base_url, credentials=dict(X_CREDENTIALS)
    )
    BrandAccount.objects.filter(pk=account.pk).update(platform_user_id=BRAND_ID, options={"poll_dms": False})
    tight_fake.inbound_bulk([{"author": f"@c{i % 4}", "text": f"m {i}"} for i in range(230)])
    assert account_poll(account_id=account.pk) == 100  # one page, then the window is (almost) spent
    cursor = cursor_of(account)
    assert "mentions_since_id" not in cursor and cursor["mentions_resume"]["token"]
    newest = cursor["mentions_resume"]["newest"]
    cursor["paused"] = {}
    BrandAccount.objects.filter(pk=account.pk).update(poll_cursor=cursor)
    tight_fake.reset_windows()
    assert account_poll(account_id=account.pk) == 100
    cursor = cursor_of(account)
    cursor["paused"] = {}
    BrandAccount.objects.filter(pk=account.pk).update(poll_cursor=cursor)
    tight_fake.reset_windows()
    assert account_poll(account_id=account.pk) == 30
    cursor = cursor_of(account)
    assert cursor["mentions_since_id"] == newest and "mentions_resume" not in cursor
    assert Message.objects.count() == 230


# --- monthly read budget -------------------------------------------------------------------
def test_read_budget_stops_reading_and_says_why(fake_x: FakeX, x_account: BrandAccount) -> None:
    set_options(x_account, monthly_read_budget=7, poll_dms=False)
    fake_x.inbound_bulk([{"author": f"@c{i}", "text": f"m {i}"} for i in range(12)])
    assert account_poll(account_id=x_account.pk) == 7  # asked for no more than the budget had left
    budget = cursor_of(x_account)["read_budget"]
    assert budget["read"] >= 7 and budget["limit"] == 7
    assert budget["stopped"].startswith("Monthly read budget of 7 posts spent")
    requests_before = len(fake_x.requests_log())
    assert account_poll(account_id=x_account.pk) == 0
    assert len(fake_x.requests_log()) == requests_before  # nothing read at all
    assert cursor_of(x_account)["read_budget"]["stopped"]
    # Raised by the admin: reading resumes where it stopped.
    set_options(x_account, monthly_read_budget=100, poll_dms=False)
    assert account_poll(account_id=x_account.pk) == 12 - budget["read"]
    assert Message.objects.count() == 12
    assert cursor_of(x_account)["read_budget"]["stopped"] == ""


def test_read_budget_counts_every_feed_and_starts_over_each_month(fake_x: FakeX, x_account: BrandAccount) -> None:
    set_options(x_account, monthly_read_budget=1000, search_query="Acme")
    fake_x.inbound(author="@a", text="@AcmeCare Acme app hi")
    fake_x.inbound(author="@a", text="hi", kind="dm")
    fake_x.inbound(author="@b", text="Acme rocks", kind="tweet")
    assert account_poll(account_id=x_account.pk) == 3
    budget = cursor_of(x_account)["read_budget"]
    assert budget["read"] == 3  # the mention is found by search too: counted twice; the DM is no post
    assert budget["month"] == timezone.now().strftime("%Y-%m")
    cursor = cursor_of(x_account)
    cursor["read_budget"] = {"month": "2001-01", "read": 5000, "limit": 1000, "stopped": "spent"}
    BrandAccount.objects.filter(pk=x_account.pk).update(poll_cursor=cursor)
    account_poll(account_id=x_account.pk)
    assert cursor_of(x_account)["read_budget"]["read"] == 0
    assert cursor_of(x_account)["read_budget"]["stopped"] == ""


def test_bad_budget_option_is_noted_not_fatal(fake_x: FakeX, x_account: BrandAccount) -> None:
    set_options(x_account, monthly_read_budget="lots")
    fake_x.inbound(author="@a", text="hi")
    assert account_poll(account_id=x_account.pk) == 1
    assert "not a whole number" in cursor_of(x_account)["notes"]["read_budget"]


# --- long posts -----------------------------------------------------------------------
def test_a_long_post_arrives_whole_from_note_tweet(fake_x: FakeX, x_account: BrandAccount) -> None:
    text = "@AcmeCare " + "Moje objednávka 58213 přišla neúplná, chybí nabíječka. " * 8 + "Konec."
    fake_x.inbound(author="@jana", name="Jana", text=text)
    assert account_poll(account_id=x_account.pk) == 1
    [message] = messages("mention")
    assert message.text == text  # not the 280-character cut X gives as `text`
    query = calls(fake_x, f"/2/users/{BRAND_ID}/mentions")[0]["query"]
    assert "note_tweet" in query["tweet.fields"].split(",")


def test_the_fake_cuts_a_long_posts_text_as_x_does(fake_x: FakeX, x_account: BrandAccount) -> None:
    from twitter_text import parse_tweet

    text = "@AcmeCare " + "word " * 100
    fake_x.inbound(author="@jana", name="Jana", text=text)
    import requests

    page = requests.get(
        f"{fake_x.base_url}/2/users/{BRAND_ID}/mentions",
        params={"tweet.fields": "note_tweet"},
        headers={"Authorization": f"Bearer {X_CREDENTIALS['bearer_token']}"},
        timeout=5,
    ).json()
    tweet = page["data"][0]
    assert parse_tweet(tweet["text"]).weightedLength <= 280 and len(tweet["text"]) < len(text)
    assert tweet["note_tweet"]["text"] == text
