"""The Meta family: what Facebook, Instagram and WhatsApp share, so that none of them imports
another (each builds on this package). See ../shared/channels.md §0, §2–4.

- graph.py: the Graph API client and Graph's errors mapped onto channels.http's ApiError family;
- webhooks.py: the hub.challenge handshake, the X-Hub-Signature-256 check, the JSON envelope;
- login.py: "Connect with Facebook" (Facebook Login's code flow, debug_token, /me/accounts
  paging) and MetaLoginConnector, the base of every Meta connector;
- subscriptions.py: pointing an app's (and a Page's) webhooks at Hovor;
- events.py: splitting a Page-style delivery (`object: "page"` / `"instagram"`) into raw events;
- messaging.py: parsing the Messenger-shaped items Facebook and Instagram share;
- windows.py: the Messenger reply windows (24 hours, 7 days with HUMAN_AGENT, private replies);
- page_client.py and page.py: the Page client and MetaPageConnector, the Page-style
  connector base Facebook and Instagram build on."""
