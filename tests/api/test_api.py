"""The REST API contract (DESIGN.md "Contracts"): /api/v1/ with token auth, paginated lists as
{"results": [...], "next": ...}, write-only encrypted credentials, tickets with their
messages as plain text, replies that go out exactly once, assign, status, customers, schema."""
from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest
from django.contrib.auth.models import User
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from channels.models import Brand, BrandAccount
from channels.services import brand_account_connect
from channels.types import NormalizedAuthor, NormalizedMessage
from inbox.actions.tickets import ticket_ingest_message
from inbox.enums import DeliveryStatus, Direction, TicketEventType, TicketStatus
from inbox.models import Message, OutboundMessage, Ticket
from routing.actions import presence_set
from tests.support import X_CREDENTIALS, make_ticket

pytestmark = pytest.mark.django_db(transaction=True)


SECRETS = list(X_CREDENTIALS.values())
EVIL = "<script>alert(1)</script> Dobrý den, kde je moje objednávka? Příliš žluťoučký kůň 😀🇨🇿 & <b>bold</b>"


ACTIONS = [("reply/", {"text": "hi"}), ("assign/", {"assignee": None}), ("status/", {"status": "solved"})]


def api(user: User | None = None) -> APIClient:
    client = APIClient()
    if user is not None:
        token, _ = Token.objects.get_or_create(user=user)
        client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


@pytest.fixture
def staff(db: None) -> User:
    return User.objects.create_user("boss", password="pw-boss-123", is_staff=True)


@pytest.fixture
def outsider(db: None) -> User:
    """Authenticated, but neither staff nor an agent."""
    return User.objects.create_user("mallory", password="pw-mallory-123")


# --- auth ---------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/api/v1/tickets/"),
        ("get", "/api/v1/customers/"),
        ("get", "/api/v1/brands/"),
        ("get", "/api/v1/accounts/"),
        ("post", "/api/v1/brands/"),
        ("post", "/api/v1/accounts/"),
    ],
)
def test_unauthenticated_requests_are_refused(method: str, path: str) -> None:
    response = getattr(api(), method)(path, {}, format="json")
    assert response.status_code in (401, 403)
    bad = APIClient()
    bad.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")
    assert getattr(bad, method)(path, {}, format="json").status_code in (401, 403)


def test_unauthenticated_cannot_touch_a_ticket(fake_x: Any, x_account: Any, agent: User) -> None:
    ticket, _ = make_ticket(fake_x, x_account, "@anon1", "Anon", "hello")
    base = f"/api/v1/tickets/{ticket.pk}/"
    assert api().get(base).status_code in (401, 403)
    for action, body in ACTIONS:
        assert api().post(base + action, body, format="json").status_code in (401, 403)
    assert fake_x.outbound() == []
    ticket.refresh_from_db()
    assert ticket.status != TicketStatus.SOLVED


# --- brands and accounts ------------------------------------------------------------------
def test_staff_creates_a_brand(staff: User) -> None:
    response = api(staff).post("/api/v1/brands/", {"name": "Globex"}, format="json")
    assert response.status_code == 201, response.content
    brand_id = response.json()["id"]
    assert Brand.objects.get(pk=brand_id).name == "Globex"
    listed = api(staff).get("/api/v1/brands/").json()
    assert "next" in listed and [b["id"] for b in listed["results"]] == [brand_id]


def test_agent_cannot_create_a_brand(agent: User) -> None:
    response = api(agent).post("/api/v1/brands/", {"name": "Globex"}, format="json")
    assert response.status_code == 403
    assert not Brand.objects.filter(name="Globex").exists()


def test_create_account_credentials_are_write_only_and_encrypted(staff: User, brand: Brand) -> None:
    client = api(staff)
    response = client.post(
        "/api/v1/accounts/",
        {
            "brand": brand.pk,
            "platform": "x",
            "handle": "@AcmeCare",
            "base_url": "http://127.0.0.1:9",
            "credentials": dict(X_CREDENTIALS),
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    account_id = body["id"]
    assert isinstance(account_id, int)
    assert "credentials" not in body
    for secret in SECRETS:
        assert secret not in response.content.decode()

    for path in ("/api/v1/accounts/", f"/api/v1/accounts/{account_id}/"):
        got = client.get(path)
        assert got.status_code == 200
        text = got.content.decode()
        for secret in SECRETS:
            assert secret not in text, (path, secret)
    listed = client.get("/api/v1/accounts/").json()
    assert [a["id"] for a in listed["results"]] == [account_id]
    assert "credentials" not in listed["results"][0]
    assert "credentials" not in client.get(f"/api/v1/accounts/{account_id}/").json()

    account = BrandAccount.objects.get(pk=account_id)
    assert account.brand == brand and account.platform == "x" and account.handle == "@AcmeCare"
    assert account.base_url == "http://127.0.0.1:9"
    assert account.credentials_encrypted
    for secret in SECRETS:
        assert secret not in account.credentials_encrypted
    assert account.credentials == X_CREDENTIALS


def test_agent_cannot_create_an_account(agent: User, brand: Brand) -> None:
    response = api(agent).post(
        "/api/v1/accounts/",
        {"brand": brand.pk, "platform": "x", "handle": "@AcmeCare", "credentials": dict(X_CREDENTIALS)},
        format="json",
    )
    assert response.status_code == 403
    assert not BrandAccount.objects.exists()


@pytest.mark.parametrize("platform", ["myspace", "", "X"])
def test_unsupported_platform_is_400(staff: User, brand: Brand, platform: str) -> None:
    response = api(staff).post(
        "/api/v1/accounts/",
        {"brand": brand.pk, "platform": platform, "handle": "@acme", "base_url": "http://127.0.0.1:9",
         "credentials": {"token": "s3cr3t-value"}},
        format="json",
    )
    assert response.status_code == 400
    assert "platform" in response.json()
    assert "s3cr3t-value" not in response.content.decode()
    assert not BrandAccount.objects.exists()


def test_an_unknown_platform_is_named_with_the_known_ones(staff: User, brand: Brand) -> None:
    from channels.registry import supported_platforms

    response = api(staff).post(
        "/api/v1/accounts/", {"brand": brand.pk, "platform": "myspace", "handle": "@acme"}, format="json"
    )
    assert response.status_code == 400
    error = response.json()["platform"][0]
    assert "no connector for the platform 'myspace'" in error
    assert f"Known platforms: {', '.join(supported_platforms())}." in error and "telegram" in error


@pytest.mark.parametrize(
    ("credentials", "said"),
    [
        ({**X_CREDENTIALS, "consumer_sercet": "x"}, "X takes no credential consumer_sercet; it takes: consumer_key,"),
        ({k: v for k, v in X_CREDENTIALS.items() if k != "access_token"}, "X needs the credential access_token."),
        ({**X_CREDENTIALS, "access_token": ""}, "X needs the credential access_token."),
        ({**X_CREDENTIALS, "access_token": {"nested": "value"}}, "The credential access_token is a single value"),
    ],
)
def test_credentials_must_match_the_connectors_declared_fields(
    staff: User, brand: Brand, credentials: dict[str, Any], said: str
) -> None:
    body = {"brand": brand.pk, "platform": "x", "handle": "@AcmeCare", "base_url": "http://127.0.0.1:9",
            "credentials": credentials}
    response = api(staff).post("/api/v1/accounts/", body, format="json")
    assert response.status_code == 400
    assert said in " ".join(response.json()["credentials"])
    assert "test-consumer-secret" not in response.content.decode()  # secrets are never echoed
    assert not BrandAccount.objects.exists()


def test_declared_optional_and_structured_credentials_are_accepted(staff: User, brand: Brand) -> None:
    templates = [{"name": "order_update", "language": "cs", "body": "Dobrý den {{1}}"}]
    credentials = {"phone_number_id": "106540352242922", "access_token": "t", "app_secret": "s",
                   "verify_token": "v", "templates": templates}
    body = {"brand": brand.pk, "platform": "whatsapp", "handle": "+15550783881", "credentials": credentials}
    response = api(staff).post("/api/v1/accounts/", body, format="json")
    assert response.status_code == 201, response.content
    assert BrandAccount.objects.get().credentials["templates"] == templates
    chat = {"brand": brand.pk, "platform": "chat", "handle": "shop.example", "credentials": {}}
    assert api(staff).post("/api/v1/accounts/", chat, format="json").status_code == 201


# --- tickets: lists and filters -----------------------------------------------------------
def _ids(response: Any) -> list[int]:
    assert response.status_code == 200, response.content
    body = response.json()
    assert set(body) >= {"results", "next"}
    return sorted(t["id"] for t in body["results"])


def test_ticket_list_filters_and_pagination(fake_x: Any, x_account: Any, agent: User) -> None:
    t1, _ = make_ticket(fake_x, x_account, "@first_c", "First Customer", "first problem")
    t2, _ = make_ticket(fake_x, x_account, "@second_c", "Second Customer", "second problem")
    # A ticket of another brand, ingested straight into the inbox.
    other_brand = Brand.objects.create(name="Globex")
    other_account = brand_account_connect(
        brand=other_brand, platform="x", handle="@GlobexHelp", base_url=fake_x.base_url, credentials=dict(X_CREDENTIALS)
    )
    t3 = ticket_ingest_message(
        account=other_account,
        incoming=NormalizedMessage(
            platform_id="999000111",
            author=NormalizedAuthor(external_id="42", handle="@third_c", display_name="Third"),
            text="@GlobexHelp hi",
            sent_at=datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC),
            kind="mention",
        ),
    ).message.ticket
    client = api(agent)

    everything = client.get("/api/v1/tickets/").json()
    assert everything["next"] is None
    assert sorted(t["id"] for t in everything["results"]) == sorted([t1.pk, t2.pk, t3.pk])

    # assignee: id, and "none"
    assert client.post(f"/api/v1/tickets/{t1.pk}/assign/", {"assignee": agent.pk}, format="json").status_code == 200
    assert client.post(f"/api/v1/tickets/{t2.pk}/assign/", {"assignee": None}, format="json").status_code == 200
    Ticket.objects.filter(pk=t3.pk).update(assignee=agent)
    assert _ids(client.get("/api/v1/tickets/", {"assignee": agent.pk})) == sorted([t1.pk, t3.pk])
    assert _ids(client.get("/api/v1/tickets/", {"assignee": "none"})) == [t2.pk]

    # status
    assert client.post(f"/api/v1/tickets/{t2.pk}/status/", {"status": "solved"}, format="json").status_code == 200
    assert _ids(client.get("/api/v1/tickets/", {"status": "solved"})) == [t2.pk]
    assert t2.pk not in _ids(client.get("/api/v1/tickets/", {"status": "open"}))

    # platform
    assert _ids(client.get("/api/v1/tickets/", {"platform": "x"})) == sorted([t1.pk, t2.pk, t3.pk])
    assert _ids(client.get("/api/v1/tickets/", {"platform": "facebook"})) == []

    # brand
    assert _ids(client.get("/api/v1/tickets/", {"brand": x_account.brand_id})) == sorted([t1.pk, t2.pk])
    assert _ids(client.get("/api/v1/tickets/", {"brand": other_brand.pk})) == [t3.pk]

    # combined
    assert _ids(client.get("/api/v1/tickets/", {"brand": x_account.brand_id, "assignee": agent.pk})) == [t1.pk]

    # list items carry the platform and the customer
    row = next(t for t in everything["results"] if t["id"] == t1.pk)
    assert row["platform"] == "x" and row["customer"]["name"] == "First Customer"


def test_ticket_list_next_link(fake_x: Any, x_account: Any, agent: User) -> None:
    t1, _ = make_ticket(fake_x, x_account, "@page_one", "One", "one")
    t2, _ = make_ticket(fake_x, x_account, "@page_two", "Two", "two")
    client = api(agent)
    first = client.get("/api/v1/tickets/", {"page_size": 1}).json()
    assert len(first["results"]) == 1
    assert first["next"]
    second = client.get(first["next"]).json()
    assert len(second["results"]) == 1
    assert second["next"] is None
    assert {first["results"][0]["id"], second["results"][0]["id"]} == {t1.pk, t2.pk}


# --- tickets: detail ----------------------------------------------------------------------
def test_ticket_detail_has_customer_and_plain_messages(fake_x: Any, x_account: Any, agent: User) -> None:
    text = "@AcmeCare " + EVIL
    ticket, tweet = make_ticket(fake_x, x_account, "@jnovakova", "Jana Nováková", text)
    response = api(agent).get(f"/api/v1/tickets/{ticket.pk}/")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert body["id"] == ticket.pk
    assert "subject" in body and body["subject"] == ""  # X has no subjects
    customer = body["customer"]
    assert customer["id"] == ticket.customer_id
    assert customer["name"] == "Jana Nováková"
    assert isinstance(customer["identities"], list) and len(customer["identities"]) == 1
    identity = customer["identities"][0]
    assert identity["platform"] == "x"
    assert identity["handle"].lstrip("@") == "jnovakova"

    assert len(body["messages"]) == 1
    message = body["messages"][0]
    assert message["direction"] == "in"
    assert message["text"] == text  # exactly as written: no HTML escaping, no entity mangling
    assert message["platform_id"] == tweet["id"]
    assert message["delivery_status"] == "received"
    assert message["attachments"] == []
    assert message["automated"] is None
    # The raw JSON keeps the text as text (no &lt; in the payload).
    assert "&lt;script" not in response.content.decode()


def test_ticket_detail_of_unknown_ticket_is_404(agent: User) -> None:
    assert api(agent).get("/api/v1/tickets/987654/").status_code == 404


# --- tickets: reply -----------------------------------------------------------------------
def test_reply_with_variables_goes_out_once_with_signature(fake_x: Any, x_account: Any, agent: User) -> None:
    ticket, tweet = make_ticket(fake_x, x_account, "@jnovakova", "Jana Nováková", "Kde je moje objednávka?")
    client = api(agent)
    response = client.post(
        f"/api/v1/tickets/{ticket.pk}/reply/", {"text": "Hi {{ customer.first_name }}"}, format="json"
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["direction"] == "out"
    assert body["text"] == "Hi Jana ^JD"
    message = Message.objects.get(pk=body["id"])
    assert message.delivery_status in (DeliveryStatus.QUEUED, DeliveryStatus.SENDING, DeliveryStatus.SENT)
    assert OutboundMessage.objects.filter(message=message).count() == 1

    sent = fake_x.outbound()
    assert len(sent) == 1
    assert sent[0]["text"] == "Hi Jana ^JD"
    assert sent[0]["in_reply_to_tweet_id"] == tweet["id"]

    detail = client.get(f"/api/v1/tickets/{ticket.pk}/").json()
    out = [m for m in detail["messages"] if m["direction"] == "out"]
    assert len(out) == 1
    assert out[0]["delivery_status"] == "sent"  # eager Celery: delivered by now
    assert out[0]["platform_id"] == sent[0]["id"]
    assert out[0]["automated"] is None


def test_reply_with_same_client_token_is_stored_and_sent_once(fake_x: Any, x_account: Any, agent: User) -> None:
    ticket, _ = make_ticket(fake_x, x_account, "@twice", "Twice Clicker", "help")
    client = api(agent)
    payload = {"text": "On it, {{ customer.first_name }}!", "client_token": "tok-123"}
    first = client.post(f"/api/v1/tickets/{ticket.pk}/reply/", payload, format="json")
    second = client.post(f"/api/v1/tickets/{ticket.pk}/reply/", payload, format="json")
    assert first.status_code == 201, first.content
    assert second.status_code in (200, 201), second.content
    assert first.json()["id"] == second.json()["id"]
    assert Message.objects.filter(ticket=ticket, direction=Direction.OUT).count() == 1
    assert len(fake_x.outbound()) == 1


def test_reply_too_long_is_400(fake_x: Any, x_account: Any, agent: User) -> None:
    ticket, _ = make_ticket(fake_x, x_account, "@verbose", "Verbose", "tell me everything")
    response = api(agent).post(f"/api/v1/tickets/{ticket.pk}/reply/", {"text": "a" * 300}, format="json")
    assert response.status_code == 400
    errors = response.json()
    assert errors.get("text") and "280" in " ".join(errors["text"])
    assert not Message.objects.filter(direction=Direction.OUT).exists()
    assert fake_x.outbound() == []


def test_reply_that_fits_only_without_signature_is_400(fake_x: Any, x_account: Any, agent: User) -> None:
    ticket, _ = make_ticket(fake_x, x_account, "@edgecase", "Edge", "edge")
    # 278 + " ^JD" = 282 > 280: the signature counts inside the budget.
    response = api(agent).post(f"/api/v1/tickets/{ticket.pk}/reply/", {"text": "b" * 278}, format="json")
    assert response.status_code == 400
    assert fake_x.outbound() == []


def test_reply_unknown_variable_is_400(fake_x: Any, x_account: Any, agent: User) -> None:
    ticket, _ = make_ticket(fake_x, x_account, "@curious", "Curious", "hi")
    response = api(agent).post(
        f"/api/v1/tickets/{ticket.pk}/reply/", {"text": "Hi {{ customer.shoe_size }}"}, format="json"
    )
    assert response.status_code == 400
    assert "customer.shoe_size" in json.dumps(response.json())
    assert not Message.objects.filter(direction=Direction.OUT).exists()
    assert fake_x.outbound() == []


def test_reply_without_text_is_400(fake_x: Any, x_account: Any, agent: User) -> None:
    ticket, _ = make_ticket(fake_x, x_account, "@silent", "Silent", "hi")
    assert api(agent).post(f"/api/v1/tickets/{ticket.pk}/reply/", {}, format="json").status_code == 400
    assert fake_x.outbound() == []


# --- tickets: assign and status -----------------------------------------------------------
def test_assign_and_unassign(fake_x: Any, x_account: Any, agent: User, everyone_team: Any) -> None:
    from inbox.models import AgentProfile

    other = User.objects.create_user("piotr", password="pw-piotr-123")
    AgentProfile.objects.create(user=other, display_name="Piotr Nowak", signature="^PN")
    everyone_team.members.add(other)
    ticket, _ = make_ticket(fake_x, x_account, "@assignme", "Assign Me", "hi")
    assert ticket.assignee_id is None  # two agents: waits in the shared queue
    client = api(agent)

    response = client.post(f"/api/v1/tickets/{ticket.pk}/assign/", {"assignee": other.pk}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["assignee"] == other.pk
    ticket.refresh_from_db()
    assert ticket.assignee == other

    response = client.post(f"/api/v1/tickets/{ticket.pk}/assign/", {"assignee": None}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["assignee"] is None
    ticket.refresh_from_db()
    assert ticket.assignee is None
    assert ticket.events.filter(type=TicketEventType.ASSIGNED).count() == 2


def test_assign_to_a_non_agent_is_400(fake_x: Any, x_account: Any, agent: User, outsider: User) -> None:
    ticket, _ = make_ticket(fake_x, x_account, "@nobody", "Nobody", "hi")
    client = api(agent)
    before = Ticket.objects.get(pk=ticket.pk).assignee_id
    for assignee in (outsider.pk, 987654):
        response = client.post(f"/api/v1/tickets/{ticket.pk}/assign/", {"assignee": assignee}, format="json")
        assert response.status_code == 400
    assert Ticket.objects.get(pk=ticket.pk).assignee_id == before


def test_status_change(fake_x: Any, x_account: Any, agent: User) -> None:
    ticket, _ = make_ticket(fake_x, x_account, "@solveme", "Solve Me", "hi")
    response = api(agent).post(f"/api/v1/tickets/{ticket.pk}/status/", {"status": "solved"}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "solved"
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.SOLVED
    assert ticket.events.filter(type=TicketEventType.STATUS_CHANGED).exists()


@pytest.mark.parametrize("value", ["closed", "", None, "SOLVED"])
def test_bad_status_is_400(fake_x: Any, x_account: Any, agent: User, value: Any) -> None:
    ticket, _ = make_ticket(fake_x, x_account, "@badstatus", "Bad Status", "hi")
    before = Ticket.objects.get(pk=ticket.pk).status
    response = api(agent).post(f"/api/v1/tickets/{ticket.pk}/status/", {"status": value}, format="json")
    assert response.status_code == 400
    assert "status" in response.json()
    assert Ticket.objects.get(pk=ticket.pk).status == before


# --- who may see tickets ------------------------------------------------------------------
def test_non_agent_user_cannot_see_or_act_on_tickets(fake_x: Any, x_account: Any, agent: User, outsider: User) -> None:
    presence_set(user=agent, presence="online")  # routing gives new work to agents online
    ticket, _ = make_ticket(fake_x, x_account, "@private", "Private Person", "my secret order")
    client = api(outsider)
    assert client.get("/api/v1/tickets/").status_code in (403, 404)
    detail = client.get(f"/api/v1/tickets/{ticket.pk}/")
    assert detail.status_code in (403, 404)
    assert "my secret order" not in detail.content.decode()
    assert client.get("/api/v1/customers/").status_code in (403, 404)
    for action, body in ACTIONS:
        assert client.post(f"/api/v1/tickets/{ticket.pk}/{action}", body, format="json").status_code in (403, 404)
    assert fake_x.outbound() == []
    ticket.refresh_from_db()
    assert ticket.status != TicketStatus.SOLVED and ticket.assignee == agent


def test_staff_without_agent_profile_may_read_tickets(fake_x: Any, x_account: Any, agent: User, staff: User) -> None:
    ticket, _ = make_ticket(fake_x, x_account, "@staffread", "Staff Read", "hi")
    assert api(staff).get(f"/api/v1/tickets/{ticket.pk}/").status_code == 200


# --- customers and schema -----------------------------------------------------------------
def test_customers_list_with_identities(fake_x: Any, x_account: Any, agent: User) -> None:
    t1, _ = make_ticket(fake_x, x_account, "@cust_a", "Customer A", "a")
    t2, _ = make_ticket(fake_x, x_account, "@cust_b", "Customer B", "b")
    response = api(agent).get("/api/v1/customers/")
    assert response.status_code == 200
    body = response.json()
    assert set(body) >= {"results", "next"}
    by_id = {c["id"]: c for c in body["results"]}
    assert set(by_id) == {t1.customer_id, t2.customer_id}
    assert by_id[t1.customer_id]["name"] == "Customer A"
    identities = by_id[t1.customer_id]["identities"]
    assert len(identities) == 1
    assert identities[0]["platform"] == "x" and identities[0]["handle"].lstrip("@") == "cust_a"
    assert identities[0]["external_id"]


def test_openapi_schema(agent: User) -> None:
    response = api(agent).get("/api/v1/schema/")
    assert response.status_code == 200
    text = response.content.decode()
    assert "openapi" in text
    assert "/api/v1/tickets/" in text
    assert "/api/v1/tickets/{id}/reply/" in text
    as_json = api(agent).get("/api/v1/schema/", {"format": "json"})
    assert as_json.status_code == 200
    doc = json.loads(as_json.content)
    assert doc["openapi"].startswith("3.")
    assert "/api/v1/tickets/" in doc["paths"]
    assert "/api/v1/accounts/" in doc["paths"] and "/api/v1/customers/" in doc["paths"]
    # The account's platform is one of the connector packages, as the registry finds them.
    from channels.registry import supported_platforms

    enums = [schema.get("enum") for schema in doc["components"]["schemas"].values() if "enum" in schema]
    assert sorted(supported_platforms()) in [sorted(e) for e in enums if e]


# --- more of the contract, and malformed input ----------------------------------------------
def test_ticket_detail_shows_subject_attachments_and_automated(agent: User, brand: Brand, x_account: Any) -> None:
    from channels.types import Attachment

    result = ticket_ingest_message(
        account=x_account,
        incoming=NormalizedMessage(
            platform_id="555000111",
            author=NormalizedAuthor(external_id="77", handle="@autobot", display_name="Auto Bot"),
            text="I am away until Monday <3",
            sent_at=datetime(2026, 3, 4, 5, 6, 7, tzinfo=UTC),
            kind="dm",
            subject="Out of office: Re: your order",
            attachments=(Attachment(filename="faktura č. 7.pdf", content_type="application/pdf", size=12345),),
            automated="auto_reply",
        ),
    )
    body = api(agent).get(f"/api/v1/tickets/{result.message.ticket_id}/").json()
    assert body["subject"] == "Out of office: Re: your order"
    [message] = body["messages"]
    assert message["text"] == "I am away until Monday <3"
    assert message["automated"] == "auto_reply"
    assert message["attachments"] == [
        {"filename": "faktura č. 7.pdf", "content_type": "application/pdf", "size": 12345}
    ]


def test_reply_then_solved(fake_x: Any, x_account: Any, agent: User) -> None:
    ticket, _ = make_ticket(fake_x, x_account, "@solve_after", "Solve After", "hi")
    response = api(agent).post(
        f"/api/v1/tickets/{ticket.pk}/reply/", {"text": "Done!", "then_status": "solved"}, format="json"
    )
    assert response.status_code == 201, response.content
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.SOLVED
    # The reply, then the satisfaction question an agent's solve asks (tests/inbox/test_csat.py).
    sent = [t["text"] for t in fake_x.outbound()]
    assert len(sent) == 2 and sent[0].startswith("Done!") and "How did we do?" in sent[1]


def test_reply_token_of_another_ticket_is_400(fake_x: Any, x_account: Any, agent: User) -> None:
    t1, _ = make_ticket(fake_x, x_account, "@token_one", "Token One", "one")
    t2, _ = make_ticket(fake_x, x_account, "@token_two", "Token Two", "two")
    client = api(agent)
    assert client.post(
        f"/api/v1/tickets/{t1.pk}/reply/", {"text": "Hi", "client_token": "shared"}, format="json"
    ).status_code == 201
    response = client.post(f"/api/v1/tickets/{t2.pk}/reply/", {"text": "Hi", "client_token": "shared"}, format="json")
    assert response.status_code == 400
    assert not Message.objects.filter(ticket=t2, direction=Direction.OUT).exists()
    assert len(fake_x.outbound()) == 1


def test_duplicate_brand_and_account_are_400(staff: User, brand: Brand) -> None:
    client = api(staff)
    assert client.post("/api/v1/brands/", {"name": brand.name}, format="json").status_code == 400
    body = {"brand": brand.pk, "platform": "x", "handle": "@AcmeCare", "base_url": "http://127.0.0.1:9",
            "credentials": dict(X_CREDENTIALS)}
    assert client.post("/api/v1/accounts/", body, format="json").status_code == 201
    assert client.post("/api/v1/accounts/", body, format="json").status_code == 400
    assert BrandAccount.objects.count() == 1


@pytest.mark.parametrize(
    "change",
    [{"credentials": "consumer_key=abc"}, {"brand": 987654}, {"handle": ""}, {"base_url": "not a url"}],
)
def test_bad_account_input_is_400(staff: User, brand: Brand, change: dict[str, Any]) -> None:
    body = {"brand": brand.pk, "platform": "x", "handle": "@AcmeCare", "base_url": "http://127.0.0.1:9",
            "credentials": dict(X_CREDENTIALS), **change}
    assert api(staff).post("/api/v1/accounts/", body, format="json").status_code == 400
    assert not BrandAccount.objects.exists()


def test_unknown_filter_values_give_empty_lists(fake_x: Any, x_account: Any, agent: User) -> None:
    make_ticket(fake_x, x_account, "@filter_me", "Filter Me", "hi")
    client = api(agent)
    assert _ids(client.get("/api/v1/tickets/", {"status": "bogus"})) == []
    assert _ids(client.get("/api/v1/tickets/", {"assignee": "nobody"})) == []
    assert _ids(client.get("/api/v1/tickets/", {"brand": 987654})) == []


def test_non_numeric_brand_filter_is_not_a_server_error(fake_x: Any, x_account: Any, agent: User) -> None:
    client = APIClient(raise_request_exception=False)
    token, _ = Token.objects.get_or_create(user=agent)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    response = client.get("/api/v1/tickets/", {"brand": "abc"})
    assert response.status_code in (200, 400)


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/api/v1/tickets/abc/"),
        ("post", "/api/v1/tickets/abc/reply/"),
        ("post", "/api/v1/tickets/abc/assign/"),
        ("post", "/api/v1/tickets/abc/status/"),
    ],
)
def test_non_numeric_ticket_id_is_404(agent: User, method: str, path: str) -> None:
    client = APIClient(raise_request_exception=False)
    token, _ = Token.objects.get_or_create(user=agent)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    if method == "get":
        response = client.get(path)
    else:
        response = client.post(path, {"text": "hi", "assignee": None, "status": "solved"}, format="json")
    assert response.status_code == 404


def test_tickets_created_or_updated_after_for_incremental_sync(
    agent: User, fake_x: Any, x_account: BrandAccount
) -> None:
    from django.utils import timezone

    first, _ = make_ticket(fake_x, x_account, "@early_bird", "Early Bird", "first")
    moment = timezone.now()
    second, _ = make_ticket(fake_x, x_account, "@late_comer", "Late Comer", "second")
    client = api(agent)
    ids = [t["id"] for t in client.get("/api/v1/tickets/", {"created_after": moment.isoformat()}).json()["results"]]
    assert ids == [second.pk]
    assert client.get("/api/v1/tickets/", {"updated_after": "yesterday"}).status_code == 400


def test_reply_with_seen_message_id_is_409_when_a_colleague_answered_since(
    fake_x: Any, x_account: Any, agent: User, everyone_team: Any
) -> None:
    """The composer's send-over check, through the API: opt in with `seen_message_id`."""
    from inbox.models import AgentProfile

    ticket, _ = make_ticket(fake_x, x_account, "@both_answer", "Both Answer", "hello?")
    piotr = User.objects.create_user("piotr", password="pw-piotr-123")
    AgentProfile.objects.create(user=piotr, display_name="Piotr Nowak", signature="^PN")
    everyone_team.members.add(piotr)
    seen = max(m["id"] for m in api(agent).get(f"/api/v1/tickets/{ticket.pk}/").json()["messages"])

    first = api(piotr).post(f"/api/v1/tickets/{ticket.pk}/reply/", {"text": "On it", "seen_message_id": seen},
                            format="json")
    assert first.status_code == 201, first.content
    late = api(agent).post(f"/api/v1/tickets/{ticket.pk}/reply/", {"text": "Me too", "seen_message_id": seen},
                           format="json")
    assert late.status_code == 409, late.content
    assert late.json()["message"]["id"] == first.json()["id"]
    assert "Piotr Nowak" in late.json()["detail"]
    assert [m["text"] for m in fake_x.outbound()] == ["On it ^PN"]  # nothing sent over it

    # Sending over it on purpose: the colleague's reply is now seen.
    over = api(agent).post(f"/api/v1/tickets/{ticket.pk}/reply/",
                           {"text": "Me too", "seen_message_id": first.json()["id"]}, format="json")
    assert over.status_code == 201, over.content
    # Without seen_message_id the reply is not checked (the contract's plain {"text"}).
    plain = api(agent).post(f"/api/v1/tickets/{ticket.pk}/reply/", {"text": "And again"}, format="json")
    assert plain.status_code == 201, plain.content
    assert len(fake_x.outbound()) == 3
    bad = api(agent).post(f"/api/v1/tickets/{ticket.pk}/reply/", {"text": "x", "seen_message_id": "soon"},
                          format="json")
    assert bad.status_code == 400
