"""A loopback fake of the X (Twitter) API v2, faithful to the wire format Hovor relies on.

Run standalone::

    python -m fakes.x --port 0          # prints FAKE_X_READY http://127.0.0.1:<port>

or in-process (tests)::

    fake = FakeX(rate_limit_scale=1e9).start()
    fake.inbound("@jana", "Jana N.", "Hello!")
    ...
    fake.stop()

Implemented /2/ endpoints: ``GET /2/users/me``, ``GET /2/users/:id/mentions``, ``GET /2/users/:id/tweets``,
``POST /2/tweets``, ``GET /2/tweets/search/recent`` (keywords, "phrases", @/#, from:/to:/is:/lang:/has:,
-negation, OR, parentheses; 7 days; since_id; max_results 10-100; next_token), ``GET /2/dm_events`` and
``GET /2/dm_conversations/with/:id/dm_events`` (30 days, newest first, no since_id, pagination_token,
dm_event.fields / event_types validated, sender_id expansion; user context only) and
``POST /2/dm_conversations/with/:id/messages`` (201 ``{"data": {"dm_conversation_id", "dm_event_id"}}``,
10,000 characters, 403 for customers who do not accept DMs; user context only). Each carries X's
rate-limit headers (sends also the 24-hour ones) and answers with X's problem JSON on errors. OAuth 1.0a
signatures are verified over the canonical ``https://api.twitter.com<path>`` URL (what a client that
rewrites the URL after signing sends) or over the loopback URL itself.

Account Activity API push (``--webhook URL`` / ``register_webhook(url)``): a CRC GET first, then signed
(``x-twitter-webhooks-signature``, HMAC-SHA256 with the consumer secret, base64) v1.1-shaped
``tweet_create_events`` for posts that mention or reply to the brand and for the brand's own posts, and
``direct_message_events`` for every DM sent or received. ``signed_delivery(id)`` returns the exact body and
headers in-process.

"Connect with X" (OAuth 1.0a, three-legged), on the paths tweepy's ``OAuth1UserHandler`` uses:

- ``POST /oauth/request_token``: signed with the consumer secret alone; ``oauth_callback`` is required
  (401 code 417 without it; 403 code 415 when ``allowed_callbacks`` is set and the URL is not in it).
  Answers ``application/x-www-form-urlencoded``
  ``oauth_token=…&oauth_token_secret=…&oauth_callback_confirmed=true``.
- ``GET /oauth/authorize?oauth_token=…``: an HTML consent page naming the app and the brand user (the
  one signed in), with "Authorize app" (``id="allow"``) and "Cancel" (``id="cancel"``) submit buttons.
  ``POST /oauth/authorize`` (that form) answers 302 to the callback with ``oauth_token`` and
  ``oauth_verifier``, or ``denied=<token>`` on Cancel (X shows a page linking there; the fake redirects).
  ``oauth_callback=oob`` shows the verifier as a PIN instead. An unknown or used token gets X's
  "Whoa there!" page.
- ``POST /oauth/access_token``: signed with the consumer secret and the request token secret,
  ``oauth_verifier`` in the header; single use. Answers
  ``oauth_token=…&oauth_token_secret=…&user_id=…&screen_name=…``. The issued pair (``<user id>-…``, the
  same pair on every later authorisation of the same app, as X keeps one per user and app) then
  authenticates the brand user on every /2/ endpoint, as the configured access token does.
- ``POST /oauth2/token`` (``grant_type=client_credentials``, HTTP Basic with the URL-encoded consumer
  key and secret): ``{"token_type": "bearer", "access_token": …}``, the app's one bearer token;
  403 code 99 (``authenticity_token_error``) for wrong credentials.

Errors there are v1.1-shaped: ``{"errors": [{"code": 32, "message": "Could not authenticate you."}]}``
(401), code 89 "Invalid or expired token." for an unknown or used request token, and the plain-text
"Error processing your OAuth request: Invalid oauth_verifier parameter" for a wrong verifier.

Account Activity webhooks through the API (V2 Webhooks API, app-only bearer auth):

- ``POST /2/webhooks {"url"}``: an immediate CRC GET of the URL, then
  ``{"data": {"id", "url", "valid": true, "created_at"}}`` (the docs' quickstart wraps it in ``data``;
  the OpenAPI schema lists the fields bare: the fake follows the quickstart), or 400 with the
  invalid-request problem whose ``errors[0].message`` starts with the reason: ``CrcValidationFailed``,
  ``UrlValidationFailed`` (not https, a port, over 200 characters; loopback URLs may be http with a
  port, as there is no TLS on loopback), ``DuplicateUrlFailed``, ``WebhookLimitExceeded``
  (``webhook_limit``, default 5: X's Enterprise tier; Self-Serve Pro has 1).
- ``GET /2/webhooks``: ``{"data": [...], "meta": {"result_count": n}}`` (``"data": []`` when none).
- ``PUT /2/webhooks/:id``: a CRC now; ``{"data": {"valid": true}}`` re-enables the webhook (the
  quickstart's shape; the OpenAPI schema says ``{"data": {"attempted": true}}``), 400
  ``CrcValidationFailed`` leaves it invalid; ``WebhookIdInvalid`` for an unknown id.
- ``DELETE /2/webhooks/:id``: ``{"data": {"deleted": true}}``; its subscriptions go with it.
- ``POST /2/account_activity/webhooks/:id/subscriptions/all`` (OAuth 1.0a user context: subscribes
  the authenticating user): ``{"data": {"subscribed": true}}``; 409 ``DuplicateSubscriptionFailed``
  when already subscribed (the status is not documented; clients in the wild expect 409).
- ``GET /2/account_activity/webhooks/:id/subscriptions/all`` (user context):
  ``{"data": {"subscribed": true|false}}`` (v2's documented shape; v1.1 answered 204 or 404).
- ``GET /2/account_activity/webhooks/:id/subscriptions/all/list`` (bearer):
  ``{"data": {"application_id", "webhook_id", "webhook_url", "subscriptions": [{"user_id"}]}}``;
  ``DELETE /2/account_activity/webhooks/:id/subscriptions/:user_id/all`` (bearer):
  ``{"data": {"subscribed": false}}`` or ``SubscriptionNotFound``.

Pushes for the brand go to every valid webhook the brand is subscribed to (and to the control
webhook below). X re-checks webhooks "hourly" (the quickstart; the introduction says every 30 minutes
once a webhook has not passed for 24 hours): ``crc_interval`` / ``--crc-interval`` (default 3600 s;
0 switches the timer off), or ``POST /_fake/webhooks/crc`` / ``recheck_webhooks()`` now. Following
the introduction, a wrong ``response_token`` or a 3xx marks the webhook invalid at once; 4xx, 5xx,
timeouts (over 3 s) and refused connections are transient and mark it invalid only once it has not
passed for ``crc_grace`` seconds (X: 28 hours; ``--crc-grace``). An invalid webhook gets no deliveries
and no periodic checks until ``PUT /2/webhooks/:id`` passes a CRC again.

Control endpoints (no auth, not rate limited): ``POST /_fake/inbound`` (``"kind"``: ``"mention"`` |
``"tweet"`` (only names the brand) | ``"dm"``; ``"dms_open": false``), ``POST /_fake/inbound/bulk``,
``GET /_fake/outbound`` (``"kind": "tweet" | "dm"``, with the ``"media"`` each carried: pictures
uploaded through ``POST /2/media/upload`` or its chunked initialize/append/finalize, named by
``media.media_ids`` or ``attachments``), ``POST /_fake/fail`` (also for ``/oauth/…`` paths),
``POST /_fake/reset``, ``GET /_fake/requests``, ``POST /_fake/webhook {"url"}`` (a webhook outside the
API, subscribed to the brand, checked again before each delivery while invalid), ``POST /_fake/webhook/crc``,
``GET /_fake/webhook``, ``GET /_fake/webhooks`` (the API's webhooks with their subscriptions) and
``POST /_fake/webhooks/crc`` (the periodic re-check, now).

Standard library only, plus ``twitter_text`` (length rules) and ``oauthlib`` (signatures). No Django.
"""

from __future__ import annotations

from fakes.demo import Crowd, FakeDemo
from fakes.x.server import FakeX, _Handler, main
from fakes.x.wire import (
    DEMO_ACCESS_TOKEN,
    DEMO_ACCESS_TOKEN_SECRET,
    DEMO_BEARER_TOKEN,
    DEMO_CONSUMER_KEY,
    DEMO_CONSUMER_SECRET,
    FakeXError,
)

__all__ = [
    "DEMO",
    "DEMO_ACCESS_TOKEN",
    "DEMO_ACCESS_TOKEN_SECRET",
    "DEMO_BEARER_TOKEN",
    "DEMO_CONSUMER_KEY",
    "DEMO_CONSUMER_SECRET",
    "FakeX",
    "FakeXError",
    "_Handler",
    "main",
]


# The demo's X account (seed_demo) and its crowd: mentions, and answers to the brand's replies.
DEMO = FakeDemo(
    handle="@AcmeCare",
    credentials={
        "consumer_key": DEMO_CONSUMER_KEY,
        "consumer_secret": DEMO_CONSUMER_SECRET,
        "access_token": DEMO_ACCESS_TOKEN,
        "access_token_secret": DEMO_ACCESS_TOKEN_SECRET,
        "bearer_token": DEMO_BEARER_TOKEN,
    },
    crowd=Crowd(every=4.0, kinds=("mention",), threads=True),
)
