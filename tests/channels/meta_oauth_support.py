"""The admin's browser on Facebook Login's consent page, for the Facebook, Instagram and
WhatsApp connect tests: open it, press a button, read the 302 back to Hovor."""
from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl, urljoin, urlsplit

import requests

from channels.base import BaseConnector, OAuthApp, OAuthChoice
from fakes.meta.login import consent_form


def consent(url: str, callback: str, *, button: str = "allow", unchecked: tuple[str, ...] = ()) -> dict[str, str]:
    """The query Meta sends the admin back to `callback` with."""
    page = requests.get(url, allow_redirects=False, timeout=10)
    assert page.status_code == 200, page.text
    assert page.headers["Content-Type"].startswith("text/html")
    form = consent_form(page.text)
    answer = requests.post(
        urljoin(url, form.action), data=form.data(button, unchecked=unchecked), allow_redirects=False, timeout=10
    )
    assert answer.status_code == 302, answer.text
    location = urlsplit(answer.headers["Location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == callback
    assert location.fragment == "_=_"  # Meta appends it to every redirect
    return dict(parse_qsl(location.query))


def connect(
    connector: BaseConnector, app: OAuthApp, callback: str, state: str, **kwargs: Any
) -> list[OAuthChoice]:
    """The whole flow: begin, consent, check our state came back, complete."""
    start = connector.oauth_begin(app, callback_url=callback, state=state)
    params = consent(start.authorize_url, callback, **kwargs)
    assert params["state"] == state
    return connector.oauth_complete(app, callback_url=callback, params=params, saved=dict(start.saved))
