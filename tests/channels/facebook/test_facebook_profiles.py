"""Names from the platform: a Messenger message carries only the sender's PSID, so after
ingest a task asks the user profile API (GET /{PSID}?fields=first_name,last_name,profile_pic
with the Page token) once, caches the answer on the identity and names the customer, unless
they have a name already. Ingest never waits for it or fails with it."""
from __future__ import annotations

from typing import Any
from unittest import mock

import pytest
import requests
from django.test import Client

from channels.meta.messaging import profile_author
from fakes.facebook import FakeMeta
from inbox.actions.profiles import MAX_PROFILE_ATTEMPTS, identity_profile_fetch
from inbox.models import Customer, Identity, Message
from tests.channels.facebook.meta_support import post_delivery

pytestmark = pytest.mark.django_db(transaction=True)


def customer_writes(client: Client, account: Any, fake: FakeMeta, author: str = "jana",
                    name: str = "Jana Nováková") -> Message:
    obj = fake.inbound(author, name, "Dobrý den, kde je můj balík?", push=False)
    assert post_delivery(client, "facebook", account.pk, fake.last_delivery).status_code == 200
    return Message.objects.select_related("ticket__customer", "author_identity").get(platform_id=obj["message"]["mid"])


def test_a_messenger_customer_gets_their_name_and_picture_once(client: Client, account: Any, fake: FakeMeta) -> None:
    original = requests.Session.request
    with mock.patch.object(requests.Session, "request", autospec=True, side_effect=original) as spy:
        message = customer_writes(client, account, fake)
    identity = Identity.objects.get(pk=message.author_identity_id)
    [call] = [c for c in spy.call_args_list if c.args[1] == "GET"]
    assert call.args[2].endswith(f"/{identity.external_id}")
    assert call.kwargs["params"] == {"fields": "first_name,last_name,profile_pic"}
    assert identity.display_name == "Jana Nováková"
    assert identity.avatar_url.startswith("https://platform-lookaside.fbsbx.com/")
    assert identity.profile_fetched_at is not None and identity.profile_attempts == 1
    assert Customer.objects.get(pk=identity.customer_id).name == "Jana Nováková"
    customer_writes(client, account, fake)  # the same person again: never asked twice
    assert fake.profile_lookups == [identity.external_id]


def test_an_unreachable_profile_api_never_blocks_ingest_and_stops_after_a_few_tries(
    client: Client, account: Any, fake: FakeMeta
) -> None:
    fake.fail(status=503, times=50)  # every Graph call fails, the profile lookup's too
    message = customer_writes(client, account, fake)  # tasks run in-process here: still 200
    assert message.ticket.customer.name == ""  # "(no name)" for now; the conversation is in
    identity = Identity.objects.get(pk=message.author_identity_id)
    assert 1 <= identity.profile_attempts <= MAX_PROFILE_ATTEMPTS
    while identity.profile_attempts < MAX_PROFILE_ATTEMPTS - 1:
        with pytest.raises(Exception):  # noqa: B017,PT011 (the channels error family: the task retries)
            identity_profile_fetch(identity_id=identity.pk, account_id=account.pk)
        identity.refresh_from_db()
    # The last try gives up quietly, and nothing asks again after it.
    assert identity_profile_fetch(identity_id=identity.pk, account_id=account.pk) is False
    assert identity_profile_fetch(identity_id=identity.pk, account_id=account.pk) is False
    identity.refresh_from_db()
    assert identity.profile_attempts == MAX_PROFILE_ATTEMPTS and identity.display_name == ""
    assert fake.profile_lookups == []


def test_a_name_someone_gave_the_customer_is_kept(client: Client, account: Any, fake: FakeMeta) -> None:
    with mock.patch("inbox.tasks.fetch_profile.delay"):
        message = customer_writes(client, account, fake)
    Customer.objects.filter(pk=message.ticket.customer_id).update(name="Paní Nováková (VIP)")
    assert identity_profile_fetch(identity_id=message.author_identity_id, account_id=account.pk) is False
    identity = Identity.objects.get(pk=message.author_identity_id)
    assert identity.display_name == "Jana Nováková"  # cached on the identity all the same
    assert Customer.objects.get(pk=identity.customer_id).name == "Paní Nováková (VIP)"


def test_profile_answers_are_read_defensively() -> None:
    author = profile_author("1", {"first_name": "Jana", "last_name": "Nováková", "profile_pic": "https://x/p.jpg"})
    assert author is not None and author.display_name == "Jana Nováková" and author.avatar_url == "https://x/p.jpg"
    assert profile_author("1", {"first_name": 5, "profile_pic": "javascript:alert(1)"}) is None
    assert profile_author("1", "junk") is None
    only_handle = profile_author("1", {"username": "jnovakova"})
    assert only_handle is not None and only_handle.display_name == "" and only_handle.handle == "@jnovakova"
