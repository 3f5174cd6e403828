"""What the Meta family's fakes (Facebook, Instagram, WhatsApp) share, none importing
another: `common` (Graph's JSON serialisation, signed webhook headers, trace ids), `login`
(Facebook Login: the consent dialog, codes, tokens, the app and its admin's assets) and
`pages` (the Page-style Graph server Facebook and Instagram both run on, in two modes)."""
