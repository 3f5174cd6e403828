"""The agent's screens: login, the inbox (oldest waiting first, live timers, cheap polling
with ETags), the ticket page, the composer's preview, replying, a failed reply and its retry,
assign and status, and that customer text is always shown escaped."""
from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from channels.models import BrandAccount
from inbox.enums import DeliveryStatus, Direction, OutboundStatus, TicketEventType, TicketStatus
from inbox.models import AgentProfile, Message, OutboundMessage, Ticket
from routing.actions import presence_set
from tests.support import make_ticket

pytestmark = pytest.mark.django_db(transaction=True)

SCRIPT = "<script>alert(1)</script>"
IMG = "<img src=x onerror=alert(1)>"
SCRIPT_ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;"
IMG_ESCAPED = "&lt;img src=x onerror=alert(1)&gt;"



@pytest.fixture
def agent_client(client: Client, agent: User) -> Client:
    client.force_login(agent)
    return client


@pytest.fixture
def second_agent(everyone_team: Any) -> User:
    """With two agents routing leaves new tickets unassigned in the shared queue."""
    user = User.objects.create_user("piotr", password="pw-piotr-123")
    AgentProfile.objects.create(user=user, display_name="Piotr Nowak", signature="^PN")
    everyone_team.members.add(user)
    return user


def assert_escaped(html: str, where: str) -> None:
    assert SCRIPT not in html, where
    assert IMG not in html, where
    assert "onerror=alert(1)>" not in html, where
    assert SCRIPT_ESCAPED in html, where
    assert IMG_ESCAPED in html, where


def thread_html(client: Client, ticket: Ticket) -> str:
    response = client.get(f"/tickets/{ticket.pk}/messages/")
    assert response.status_code == 200
    return response.content.decode()


# --- login --------------------------------------------------------------------------------
def test_login_page_renders(client: Client) -> None:
    response = client.get("/login/")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'name="username"' in html and 'name="password"' in html
    assert "csrfmiddlewaretoken" in html


def test_login_with_password_leads_to_inbox(client: Client, agent: User) -> None:
    response = client.post("/login/", {"username": "jana", "password": "pw-jana-123"})
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert client.get("/").status_code == 200


def test_login_with_wrong_password_fails(client: Client, agent: User) -> None:
    response = client.post("/login/", {"username": "jana", "password": "wrong"})
    assert response.status_code == 200
    assert "didn" in response.content.decode()
    assert client.get("/").status_code == 302


@pytest.mark.parametrize("path", ["/", "/inbox/list/", "/tickets/1/", "/tickets/1/messages/"])
def test_agent_pages_require_login(client: Client, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


# --- the inbox ----------------------------------------------------------------------------
def test_inbox_lists_oldest_waiting_first_with_timers(
    agent_client: Client, fake_x: Any, x_account: BrandAccount
) -> None:
    t1, _ = make_ticket(fake_x, x_account, "@waits_ten", "Ten Minutes", "ten")
    t2, _ = make_ticket(fake_x, x_account, "@waits_thirty", "Thirty Minutes", "thirty")
    t3, _ = make_ticket(fake_x, x_account, "@waits_twenty", "Twenty Minutes", "twenty")
    now = timezone.now().replace(microsecond=0)
    Ticket.objects.filter(pk=t1.pk).update(waiting_since=now - timedelta(minutes=10))
    Ticket.objects.filter(pk=t2.pk).update(waiting_since=now - timedelta(minutes=30))
    Ticket.objects.filter(pk=t3.pk).update(waiting_since=now - timedelta(minutes=20))

    for path in ("/", "/inbox/list/"):
        response = agent_client.get(path)
        assert response.status_code == 200
        html = response.content.decode()
        order = [int(pk) for pk in re.findall(r'data-ticket="(\d+)"', html)]
        assert order == [t2.pk, t3.pk, t1.pk], path
        since = re.findall(r'data-since="([^"]+)"', html)
        assert len(since) == 3, path
        expected = [(now - timedelta(minutes=m)) for m in (30, 20, 10)]
        assert [parse_datetime(s) for s in since] == expected, path
        assert "Thirty Minutes" in html and "Ten Minutes" in html


def test_inbox_hides_solved_and_answered_from_waiting(
    agent_client: Client, fake_x: Any, x_account: BrandAccount
) -> None:
    open_t, _ = make_ticket(fake_x, x_account, "@still_open", "Still Open", "help")
    solved_t, _ = make_ticket(fake_x, x_account, "@all_done", "All Done", "thanks")
    Ticket.objects.filter(pk=solved_t.pk).update(status=TicketStatus.SOLVED)
    html = agent_client.get("/inbox/list/").content.decode()
    assert f'data-ticket="{open_t.pk}"' in html
    assert f'data-ticket="{solved_t.pk}"' not in html
    solved = agent_client.get("/inbox/list/", {"view": "solved"}).content.decode()
    assert f'data-ticket="{solved_t.pk}"' in solved


def test_customer_text_is_escaped_everywhere(agent_client: Client, fake_x: Any, x_account: BrandAccount) -> None:
    evil_name = f"Eve {IMG}"
    ticket, _ = make_ticket(fake_x, x_account, "@eve_hacks", evil_name, f"hi {SCRIPT} and {IMG} příliš 😀")
    assert Message.objects.get(ticket=ticket).text.endswith(f"hi {SCRIPT} and {IMG} příliš 😀")  # stored as is

    assert_escaped(agent_client.get("/").content.decode(), "inbox page")
    assert_escaped(agent_client.get("/inbox/list/").content.decode(), "inbox list")
    assert_escaped(thread_html(agent_client, ticket), "thread partial")

    preview = agent_client.post(
        f"/tickets/{ticket.pk}/reply/preview/", {"text": "Hi {{ customer.name }} " + SCRIPT}
    )
    assert preview.status_code == 200
    assert_escaped(preview.content.decode(), "reply preview")


def test_ticket_page_escapes_customer_text(agent_client: Client, fake_x: Any, x_account: BrandAccount) -> None:
    ticket, _ = make_ticket(fake_x, x_account, "@eve_hacks", f"Eve {IMG}", f"hi {SCRIPT} and {IMG}")
    ticket_page = agent_client.get(f"/tickets/{ticket.pk}/")
    assert ticket_page.status_code == 200
    assert_escaped(ticket_page.content.decode(), "ticket page")


# --- live polling -------------------------------------------------------------------------
def test_inbox_list_etag_and_304(agent_client: Client, fake_x: Any, x_account: BrandAccount) -> None:
    make_ticket(fake_x, x_account, "@etag_one", "Etag One", "one")
    first = agent_client.get("/inbox/list/")
    assert first.status_code == 200
    etag = first["ETag"]
    assert etag

    again = agent_client.get("/inbox/list/", HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304
    assert again.content == b""

    make_ticket(fake_x, x_account, "@etag_two", "Etag Two", "two")
    changed = agent_client.get("/inbox/list/", HTTP_IF_NONE_MATCH=etag)
    assert changed.status_code == 200
    assert changed["ETag"] and changed["ETag"] != etag
    assert "Etag Two" in changed.content.decode()
    assert agent_client.get("/inbox/list/", HTTP_IF_NONE_MATCH=changed["ETag"]).status_code == 304


def test_inbox_list_etag_differs_per_view_and_agent(
    agent_client: Client, fake_x: Any, x_account: BrandAccount, second_agent: User
) -> None:
    make_ticket(fake_x, x_account, "@etag_view", "Etag View", "hi")
    waiting = agent_client.get("/inbox/list/")["ETag"]
    mine = agent_client.get("/inbox/list/", {"view": "mine"})["ETag"]
    assert waiting != mine
    assert agent_client.get("/inbox/list/", {"view": "mine"}, HTTP_IF_NONE_MATCH=waiting).status_code == 200
    other = Client()
    other.force_login(second_agent)
    assert other.get("/inbox/list/", HTTP_IF_NONE_MATCH=waiting).status_code == 200


def test_thread_partial_etag_changes_after_reply(agent_client: Client, fake_x: Any, x_account: BrandAccount) -> None:
    ticket, _ = make_ticket(fake_x, x_account, "@thread_etag", "Thread Etag", "hi")
    first = agent_client.get(f"/tickets/{ticket.pk}/messages/")
    etag = first["ETag"]
    assert agent_client.get(f"/tickets/{ticket.pk}/messages/", HTTP_IF_NONE_MATCH=etag).status_code == 304
    agent_client.post(f"/tickets/{ticket.pk}/reply/", {"text": "Hello!"})
    after = agent_client.get(f"/tickets/{ticket.pk}/messages/", HTTP_IF_NONE_MATCH=etag)
    assert after.status_code == 200
    assert "Hello! ^JD" in after.content.decode()


# --- the ticket page and composer ---------------------------------------------------------
def test_ticket_page_shows_customer_and_composer(agent_client: Client, fake_x: Any, x_account: BrandAccount) -> None:
    ticket, _ = make_ticket(fake_x, x_account, "@jnovakova", "Jana Nováková", "Kde je moje objednávka?")
    response = agent_client.get(f"/tickets/{ticket.pk}/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Jana Nováková" in html
    assert "@jnovakova" in html
    assert "Kde je moje objednávka?" in html
    assert 'class="composer"' in html and 'name="text"' in html
    assert 'name="client_token"' in html
    assert f'hx-post="/tickets/{ticket.pk}/reply/preview/"' in html  # the live counter
    assert 'id="reply-meter"' in html
    assert "data-since=" in html


def test_reply_preview_counts_and_shows_final_text(agent_client: Client, fake_x: Any, x_account: BrandAccount) -> None:
    ticket, _ = make_ticket(fake_x, x_account, "@jnovakova", "Jana Nováková", "Kde je moje objednávka?")
    response = agent_client.post(f"/tickets/{ticket.pk}/reply/preview/", {"text": "Hi {{ customer.first_name }}"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "11/280" in html  # "Hi Jana ^JD"
    assert "Hi Jana ^JD" in html
    assert 'class="error"' not in html

    emoji = agent_client.post(f"/tickets/{ticket.pk}/reply/preview/", {"text": "Děkujeme 😀"}).content.decode()
    assert "15/280" in emoji  # 8 letters + space + emoji (2) + " ^JD" (4)

    too_long = agent_client.post(f"/tickets/{ticket.pk}/reply/preview/", {"text": "a" * 300})
    assert too_long.status_code == 200
    html = too_long.content.decode()
    assert "304/280" in html
    assert 'class="error"' in html and "Too long" in html

    unknown = agent_client.post(f"/tickets/{ticket.pk}/reply/preview/", {"text": "Hi {{ customer.shoe_size }}"})
    assert 'class="error"' in unknown.content.decode() and "customer.shoe_size" in unknown.content.decode()
    assert fake_x.outbound() == []
    assert not Message.objects.filter(direction=Direction.OUT).exists()


def test_reply_sends_and_thread_shows_sent(agent_client: Client, fake_x: Any, x_account: BrandAccount) -> None:
    ticket, tweet = make_ticket(fake_x, x_account, "@jnovakova", "Jana Nováková", "Kde je moje objednávka?")
    response = agent_client.post(
        f"/tickets/{ticket.pk}/reply/", {"text": "Dobrý den {{ customer.first_name }}!", "client_token": "t-1"}
    )
    assert response.status_code == 302
    assert response["Location"] == f"/tickets/{ticket.pk}/"
    sent = fake_x.outbound()
    assert len(sent) == 1
    assert sent[0]["text"] == "Dobrý den Jana! ^JD"
    assert sent[0]["in_reply_to_tweet_id"] == tweet["id"]
    html = thread_html(agent_client, ticket)
    assert "Sent" in html and 'data-delivery="sent"' in html
    assert sent[0]["id"] in html

    # A double submit (same form, same client_token) is one reply.
    agent_client.post(
        f"/tickets/{ticket.pk}/reply/", {"text": "Dobrý den {{ customer.first_name }}!", "client_token": "t-1"}
    )
    assert len(fake_x.outbound()) == 1
    assert Message.objects.filter(ticket=ticket, direction=Direction.OUT).count() == 1
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.PENDING and ticket.waiting_since is None


def test_reply_too_long_is_refused_with_a_message(agent_client: Client, fake_x: Any, x_account: BrandAccount) -> None:
    ticket, _ = make_ticket(fake_x, x_account, "@longwinded", "Long Winded", "hi")
    response = agent_client.post(f"/tickets/{ticket.pk}/reply/", {"text": "a" * 300})
    assert response.status_code == 400
    html = response.content.decode()
    assert "Too long" in html  # the flash message
    assert ">" + "a" * 300 + "</textarea>" in html  # the draft is kept
    assert fake_x.outbound() == []
    assert not Message.objects.filter(direction=Direction.OUT).exists()


def test_failed_reply_shows_reason_and_retry_resends(
    agent_client: Client, fake_x: Any, x_account: BrandAccount
) -> None:
    ticket, tweet = make_ticket(fake_x, x_account, "@unlucky", "Unlucky Customer", "my parcel is lost")
    fake_x.fail(status=403, times=1, path="/2/tweets")
    agent_client.post(f"/tickets/{ticket.pk}/reply/", {"text": "Sorry {{ customer.first_name }}, checking."})
    message = Message.objects.get(ticket=ticket, direction=Direction.OUT)
    assert message.delivery_status == DeliveryStatus.FAILED
    assert fake_x.outbound() == []
    outbound = OutboundMessage.objects.get(message=message)
    assert outbound.status == OutboundStatus.FAILED and "403" in outbound.last_error

    html = thread_html(agent_client, ticket)
    assert "Failed" in html and 'data-delivery="failed"' in html
    assert "X 403" in html and "Forbidden" in html  # X's reason, for the agent
    assert f'action="/messages/{message.pk}/retry/"' in html and "Retry" in html
    assert ticket.events.filter(type=TicketEventType.REPLY_FAILED).exists()

    response = agent_client.post(f"/messages/{message.pk}/retry/")
    assert response.status_code == 302 and response["Location"] == f"/tickets/{ticket.pk}/"
    message.refresh_from_db()
    assert message.delivery_status == DeliveryStatus.SENT
    sent = fake_x.outbound()
    assert len(sent) == 1
    assert sent[0]["text"] == "Sorry Unlucky, checking. ^JD" and sent[0]["in_reply_to_tweet_id"] == tweet["id"]
    html = thread_html(agent_client, ticket)
    assert "Sent" in html and "Retry" not in html
    assert ticket.events.filter(type=TicketEventType.REPLY_RETRIED).exists()

    # Retrying a sent reply does nothing.
    agent_client.post(f"/messages/{message.pk}/retry/")
    assert len(fake_x.outbound()) == 1


# --- assign and status --------------------------------------------------------------------
def test_assign_to_me_and_to_nobody(
    agent_client: Client, agent: User, second_agent: User, fake_x: Any, x_account: BrandAccount
) -> None:
    ticket, _ = make_ticket(fake_x, x_account, "@assign_me", "Assign Me", "hi")
    assert ticket.assignee_id is None
    response = agent_client.post(f"/tickets/{ticket.pk}/assign/", {"assignee": "me"})
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert ticket.assignee == agent
    event = ticket.events.filter(type=TicketEventType.ASSIGNED).last()
    assert event is not None and event.actor == agent

    agent_client.post(f"/tickets/{ticket.pk}/assign/", {"assignee": str(second_agent.pk)})
    ticket.refresh_from_db()
    assert ticket.assignee == second_agent

    agent_client.post(f"/tickets/{ticket.pk}/assign/", {"assignee": ""})
    ticket.refresh_from_db()
    assert ticket.assignee is None
    assert ticket.events.filter(type=TicketEventType.ASSIGNED).count() == 3


def test_assign_to_unknown_agent_changes_nothing(
    agent_client: Client, second_agent: User, fake_x: Any, x_account: BrandAccount
) -> None:
    ticket, _ = make_ticket(fake_x, x_account, "@assign_bad", "Assign Bad", "hi")
    nobody = User.objects.create_user("outsider", password="pw-outsider-1")
    response = agent_client.post(f"/tickets/{ticket.pk}/assign/", {"assignee": str(nobody.pk)})
    assert response.status_code == 302
    assert "No such agent" in agent_client.get("/").content.decode()  # the flash message
    ticket.refresh_from_db()
    assert ticket.assignee_id is None
    assert not ticket.events.filter(type=TicketEventType.ASSIGNED).exists()


def test_status_change_appends_event(agent_client: Client, agent: User, fake_x: Any, x_account: BrandAccount) -> None:
    ticket, _ = make_ticket(fake_x, x_account, "@status_me", "Status Me", "hi")
    before = ticket.events.count()
    response = agent_client.post(f"/tickets/{ticket.pk}/status/", {"status": "solved"})
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.SOLVED
    assert ticket.waiting_since is None
    event = ticket.events.filter(type=TicketEventType.STATUS_CHANGED).last()
    assert event is not None and event.actor == agent
    assert ticket.events.count() == before + 1

    bad = agent_client.post(f"/tickets/{ticket.pk}/status/", {"status": "closed"})
    assert bad.status_code == 302
    assert "Unknown status" in agent_client.get("/").content.decode()  # the flash message
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.SOLVED
    assert ticket.events.count() == before + 1


def test_views_refuse_get_where_post_is_needed(agent_client: Client, fake_x: Any, x_account: BrandAccount) -> None:
    ticket, _ = make_ticket(fake_x, x_account, "@get_only", "Get Only", "hi")
    for path in ("reply/", "reply/preview/", "assign/", "status/"):
        assert agent_client.get(f"/tickets/{ticket.pk}/{path}").status_code == 405
    assert fake_x.outbound() == []


# --- who may see what ---------------------------------------------------------------------
def test_logged_in_non_agent_gets_404(client: Client, agent: User, fake_x: Any, x_account: BrandAccount) -> None:
    presence_set(user=agent, presence="online")  # routing gives new work to agents online
    ticket, _ = make_ticket(fake_x, x_account, "@secretive", "Secretive", "my address is 1 Main St")
    outsider = User.objects.create_user("mallory", password="pw-mallory-123")
    client.force_login(outsider)
    for path in ("/", "/inbox/list/", f"/tickets/{ticket.pk}/", f"/tickets/{ticket.pk}/messages/"):
        response = client.get(path)
        assert response.status_code == 404, path
        assert "1 Main St" not in response.content.decode()
    for path, data in [
        (f"/tickets/{ticket.pk}/reply/", {"text": "hi"}),
        (f"/tickets/{ticket.pk}/reply/preview/", {"text": "hi {{ customer.name }}"}),
        (f"/tickets/{ticket.pk}/assign/", {"assignee": "me"}),
        (f"/tickets/{ticket.pk}/status/", {"status": "solved"}),
    ]:
        response = client.post(path, data)
        assert response.status_code == 404, path
        assert "Secretive" not in response.content.decode()
    assert fake_x.outbound() == []
    ticket.refresh_from_db()
    assert ticket.status != TicketStatus.SOLVED and ticket.assignee == agent


def test_non_agent_cannot_retry_a_failed_reply(
    client: Client, agent: User, fake_x: Any, x_account: BrandAccount
) -> None:
    ticket, _ = make_ticket(fake_x, x_account, "@retry_guard", "Retry Guard", "hi")
    fake_x.fail(status=403, times=1, path="/2/tweets")
    agent_client = Client()
    agent_client.force_login(agent)
    agent_client.post(f"/tickets/{ticket.pk}/reply/", {"text": "Hello"})
    message = Message.objects.get(ticket=ticket, direction=Direction.OUT)
    assert message.delivery_status == DeliveryStatus.FAILED
    client.force_login(User.objects.create_user("mallory", password="pw-mallory-123"))
    assert client.post(f"/messages/{message.pk}/retry/").status_code == 404
    message.refresh_from_db()
    assert message.delivery_status == DeliveryStatus.FAILED
    assert fake_x.outbound() == []


def test_unknown_ticket_is_404(agent_client: Client) -> None:
    assert agent_client.get("/tickets/987654/").status_code == 404
    assert agent_client.post("/messages/987654/retry/").status_code == 404


def test_ticket_page_shows_failed_reply_retry_and_activity(
    agent_client: Client, agent: User, fake_x: Any, x_account: BrandAccount
) -> None:
    ticket, _ = make_ticket(fake_x, x_account, "@page_fail", "Page Fail", "hi")
    fake_x.fail(status=403, times=1, path="/2/tweets")
    agent_client.post(f"/tickets/{ticket.pk}/reply/", {"text": "Hello there"})
    message = Message.objects.get(ticket=ticket, direction=Direction.OUT)
    agent_client.post(f"/tickets/{ticket.pk}/status/", {"status": "open"})
    response = agent_client.get(f"/tickets/{ticket.pk}/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Failed" in html and "X 403" in html
    assert f'action="/messages/{message.pk}/retry/"' in html
    assert "Reply failed" in html and "Status changed" in html and "Assigned" in html  # activity
    assert "Jana Dvořáková" in html  # the actor


def test_redirect_after_reply_lands_on_a_working_page(
    agent_client: Client, fake_x: Any, x_account: BrandAccount
) -> None:
    ticket, _ = make_ticket(fake_x, x_account, "@follow_me", "Follow Me", "hi")
    response = agent_client.post(f"/tickets/{ticket.pk}/reply/", {"text": "Hello"}, follow=True)
    assert response.status_code == 200
    assert "Reply sent" in response.content.decode()  # eager delivery in tests


def test_empty_reply_is_counted_and_not_sent(agent_client: Client, fake_x: Any, x_account: BrandAccount) -> None:
    ticket, _ = make_ticket(fake_x, x_account, "@empty_pre", "Empty Preview", "hi")
    html = agent_client.post(f"/tickets/{ticket.pk}/reply/preview/", {"text": "   "}).content.decode()
    assert "0/280" in html
    assert "Sends as" not in html
    response = agent_client.post(f"/tickets/{ticket.pk}/reply/", {"text": "   "})
    assert response.status_code == 400
    assert "empty" in response.content.decode()  # the flash message
    assert fake_x.outbound() == []
    assert not Message.objects.filter(direction=Direction.OUT).exists()


def test_assign_with_garbage_value_is_not_a_server_error(
    agent: User, fake_x: Any, x_account: BrandAccount
) -> None:
    ticket, _ = make_ticket(fake_x, x_account, "@garbage", "Garbage", "hi")
    client = Client(raise_request_exception=False)
    client.force_login(agent)
    response = client.post(f"/tickets/{ticket.pk}/assign/", {"assignee": "abc"})
    assert response.status_code == 302


@pytest.mark.parametrize(("status", "shown"), [("delivered", "✓✓ Delivered"), ("read", "✓✓ Read")])
def test_thread_shows_delivered_and_read_as_the_platform_reports_them(
    agent_client: Client, fake_x: Any, x_account: BrandAccount, status: str, shown: str
) -> None:
    ticket, _ = make_ticket(fake_x, x_account, "@jnovakova", "Jana Nováková", "Kde je moje objednávka?")
    agent_client.post(f"/tickets/{ticket.pk}/reply/", {"text": "Hned to prověřím.", "client_token": "t-d"})
    Message.objects.filter(direction=Direction.OUT).update(delivery_status=status)
    html = thread_html(agent_client, ticket)
    assert f'data-delivery="{status}"' in html and shown in html and "Sending…" not in html


def test_inbox_lists_a_ticket_whose_platform_no_package_provides(
    agent_client: Client, fake_x: Any, x_account: BrandAccount
) -> None:
    ticket, _ = make_ticket(fake_x, x_account, "@cust_gone", "Gone Customer", "still here?")
    BrandAccount.objects.filter(pk=x_account.pk).update(platform="myspace")  # its package was removed
    for path in ("/", "/inbox/list/"):
        response = agent_client.get(path)
        assert response.status_code == 200
        assert '<span class="badge platform-myspace">myspace</span>' in response.content.decode()
    listed = agent_client.get("/inbox/list/").content.decode()
    assert "Gone Customer" in listed and f"/tickets/{ticket.pk}/" in listed


def test_a_conversation_whose_platform_no_package_provides_stays_readable(
    agent_client: Client, fake_x: Any, x_account: BrandAccount
) -> None:
    """The thread, customer and activity show; the composer says why it cannot answer, and a
    reply posted anyway is refused with that reason instead of a server error."""
    ticket, _ = make_ticket(fake_x, x_account, "@cust_gone", "Gone Customer", "still here?")
    BrandAccount.objects.filter(pk=x_account.pk).update(platform="myspace")  # its package was removed
    page = agent_client.get(f"/tickets/{ticket.pk}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "still here?" in html and "Gone Customer" in html
    assert "no installed connector provides the platform myspace" in html
    assert 'class="composer"' not in html
    reply = agent_client.post(f"/tickets/{ticket.pk}/reply/", {"text": "Hello", "client_token": "t-gone"})
    assert reply.status_code in (200, 302, 400)
    assert not Message.objects.filter(ticket=ticket, direction=Direction.OUT).exists()
