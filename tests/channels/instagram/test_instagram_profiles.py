"""Names from the platform on Instagram: GET /{IGSID}?fields=name,username,profile_pic with
the Page token; the person's name names the customer, their @username is the identity's
handle (never taken for a name)."""
from __future__ import annotations

from typing import Any
from unittest import mock

import pytest
import requests
from django.test import Client

from fakes.facebook import FakeMeta
from inbox.models import Customer, Identity, Message
from tests.channels.facebook.meta_support import post_delivery

pytestmark = pytest.mark.django_db(transaction=True)


def test_an_instagram_customer_gets_their_name_and_handle(client: Client, account: Any, fake: FakeMeta) -> None:
    original = requests.Session.request
    with mock.patch.object(requests.Session, "request", autospec=True, side_effect=original) as spy:
        obj = fake.inbound("jnovakova", "Jana Nováková", "Ahoj, máte to ještě skladem?", push=False)
        assert post_delivery(client, "instagram", account.pk, fake.last_delivery).status_code == 200
    message = Message.objects.get(platform_id=obj["message"]["mid"])
    identity = Identity.objects.get(pk=message.author_identity_id)
    [call] = [c for c in spy.call_args_list if c.args[1] == "GET"]
    assert call.kwargs["params"] == {"fields": "name,username,profile_pic"}
    assert identity.display_name == "Jana Nováková" and identity.handle == "@jnovakova"
    assert identity.avatar_url.startswith("https://")
    assert Customer.objects.get(pk=identity.customer_id).name == "Jana Nováková"
    assert fake.profile_lookups == [identity.external_id]
