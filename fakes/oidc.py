"""A loopback OpenID Connect provider for tests and the demo: ``python -m fakes.oidc``.

What it speaks: the discovery document (``/.well-known/openid-configuration``), its signing
key (``/jwks``, RS256, a fresh RSA key per run), the authorization code flow with PKCE
(``/authorize``: a page to pick who signs in, S256 only; ``/token``: client secret by HTTP
Basic or in the form, the code verifier checked), signed ID tokens and ``/userinfo``.

Control endpoints (no auth):
- ``POST /_fake/users`` ``{"username", "name", "email", "groups": [...], "sub": optional}``
  adds (or replaces) a person who can sign in; returns their claims;
- ``POST /_fake/mode`` ``{"audience": "wrong"|"right", "expired": bool}``: the next ID tokens
  carry another client's audience, or expired an hour ago (a client must refuse both);
- ``POST /_fake/reset``, ``GET /_fake/requests``.
"""

from __future__ import annotations

import base64
import hashlib
import html
import secrets
import threading
import time
from collections.abc import Mapping
from http.server import ThreadingHTTPServer
from typing import Any, Self
from urllib.parse import parse_qs, unquote_plus, urlencode, urlsplit

from joserfc import jwt
from joserfc.jwk import RSAKey

from fakes.base import (
    ControlRequest,
    ControlRoute,
    FakeHandler,
    FakeServer,
    RequestLog,
    cli,
    run_until_signalled,
    serve,
)

DEMO_CLIENT_ID = "hovor-demo"
DEMO_CLIENT_SECRET = "hovor-demo-secret"
CODE_SECONDS = 60
TOKEN_SECONDS = 300


class FakeOidc(FakeServer):
    def __init__(
        self,
        port: int = 0,
        *,
        host: str = "127.0.0.1",
        client_id: str = DEMO_CLIENT_ID,
        client_secret: str = DEMO_CLIENT_SECRET,
        verbose: bool = False,
    ) -> None:
        self.host = host
        self.port = int(port)
        self.client_id = client_id
        self.client_secret = client_secret
        self.verbose = verbose
        self.key = RSAKey.generate_key(2048, parameters={"kid": secrets.token_hex(8), "use": "sig", "alg": "RS256"})
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._requests = RequestLog()
        self.reset()

    # ------------------------------------------------------------------ lifecycle
    def start(self) -> Self:
        if self._server is None:
            self._server, _ = serve(self, _Handler, self.host, self.port, "fake-oidc")
        return self

    def stop(self) -> None:
        server, self._server = self._server, None
        if server is not None:
            server.shutdown()
            server.server_close()

    @property
    def issuer(self) -> str:
        return self.base_url

    # ------------------------------------------------------------------ state
    def reset(self) -> None:
        with self._lock:
            self.users: dict[str, dict[str, Any]] = {}
            self.codes: dict[str, dict[str, Any]] = {}
            self.access_tokens: dict[str, tuple[str, float]] = {}
            self.wrong_audience = False
            self.expired = False
            self._requests.clear()

    def add_user(
        self, username: str, *, name: str = "", email: str = "", groups: list[str] | None = None, sub: str | None = None
    ) -> dict[str, Any]:
        claims = {
            "sub": sub or f"fake-{hashlib.sha256(username.encode()).hexdigest()[:16]}",
            "preferred_username": username,
            "name": name or username,
            "email": email or f"{username}@example.test",
            "email_verified": True,
            "groups": list(groups or []),
        }
        with self._lock:
            self.users[username] = claims
        return claims

    def discovery(self) -> dict[str, Any]:
        return {
            "issuer": self.issuer,
            "authorization_endpoint": f"{self.issuer}/authorize",
            "token_endpoint": f"{self.issuer}/token",
            "userinfo_endpoint": f"{self.issuer}/userinfo",
            "jwks_uri": f"{self.issuer}/jwks",
            "response_types_supported": ["code"],
            "grant_types_supported": ["authorization_code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "scopes_supported": ["openid", "profile", "email", "groups"],
            "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
            "code_challenge_methods_supported": ["S256"],
            "claims_supported": ["sub", "name", "preferred_username", "email", "groups"],
        }

    def jwks(self) -> dict[str, Any]:
        return {"keys": [self.key.as_dict(private=False)]}

    # ------------------------------------------------------------------ the flow
    def authorize_check(self, params: Mapping[str, str]) -> str:
        """'' if the authorization request is one the provider takes, else the error."""
        if params.get("client_id") != self.client_id:
            return "unauthorized_client"
        if params.get("response_type") != "code":
            return "unsupported_response_type"
        if not params.get("redirect_uri", "").startswith(("http://", "https://")):
            return "invalid_request"
        if not params.get("code_challenge") or params.get("code_challenge_method") != "S256":
            return "invalid_request"  # PKCE is required
        if "openid" not in params.get("scope", "").split():
            return "invalid_scope"
        return ""

    def issue_code(self, params: Mapping[str, str], username: str) -> str:
        code = secrets.token_urlsafe(24)
        with self._lock:
            self.codes[code] = {
                "username": username,
                "redirect_uri": params["redirect_uri"],
                "nonce": params.get("nonce", ""),
                "challenge": params["code_challenge"],
                "expires": time.time() + CODE_SECONDS,
            }
        return code

    def exchange(self, form: Mapping[str, str], basic: tuple[str, str] | None) -> tuple[int, dict[str, Any]]:
        client_id, secret = basic or (form.get("client_id", ""), form.get("client_secret", ""))
        if client_id != self.client_id or not secrets.compare_digest(secret, self.client_secret):
            return 401, {"error": "invalid_client"}
        if form.get("grant_type") != "authorization_code":
            return 400, {"error": "unsupported_grant_type"}
        with self._lock:
            grant = self.codes.pop(form.get("code", ""), None)  # a code works once
        if grant is None or grant["expires"] < time.time() or grant["redirect_uri"] != form.get("redirect_uri"):
            return 400, {"error": "invalid_grant"}
        verifier = form.get("code_verifier", "")
        challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).decode().rstrip("=")
        if not verifier or not secrets.compare_digest(challenge, grant["challenge"]):
            return 400, {"error": "invalid_grant", "error_description": "PKCE verification failed"}
        claims = self.users[grant["username"]]
        access = secrets.token_urlsafe(24)
        with self._lock:
            self.access_tokens[access] = (grant["username"], time.time() + TOKEN_SECONDS)
        return 200, {
            "access_token": access,
            "token_type": "Bearer",
            "expires_in": TOKEN_SECONDS,
            "scope": "openid profile email",
            "id_token": self.id_token(claims, nonce=grant["nonce"], access_token=access),
        }

    def id_token(self, claims: Mapping[str, Any], *, nonce: str, access_token: str) -> str:
        now = int(time.time())
        issued = now - 7200 if self.expired else now
        audience = "another-client" if self.wrong_audience else self.client_id  # as issued to another app
        payload = {
            **claims,
            "iss": self.issuer,
            "aud": audience,
            "azp": audience,
            "iat": issued,
            "exp": issued + TOKEN_SECONDS,
            "auth_time": issued,
            "nonce": nonce,
            "at_hash": _at_hash(access_token),
        }
        return jwt.encode({"alg": "RS256", "kid": self.key.kid, "typ": "JWT"}, payload, self.key)

    def userinfo(self, authorization: str) -> tuple[int, dict[str, Any]]:
        kind, _, token = authorization.partition(" ")
        with self._lock:
            found = self.access_tokens.get(token) if kind.lower() == "bearer" else None
        if found is None or found[1] < time.time():
            return 401, {"error": "invalid_token"}
        return 200, dict(self.users[found[0]])

    # ------------------------------------------------------------------ control plane
    def control_routes(self) -> dict[tuple[str, str], ControlRoute]:
        return {
            ("POST", "/_fake/users"): self._control_users,
            ("POST", "/_fake/mode"): self._control_mode,
            ("POST", "/_fake/reset"): self._control_reset,
            ("GET", "/_fake/requests"): lambda request: (200, self.requests_log()),
        }

    def _control_reset(self, request: ControlRequest) -> tuple[int, Any]:
        self.reset()
        return 200, {"ok": True}

    def _control_users(self, request: ControlRequest) -> tuple[int, Any]:
        body = request.object()
        if not isinstance(body.get("username"), str) or not body["username"]:
            return 400, {"error": "username is required"}
        claims = self.add_user(
            body["username"],
            name=str(body.get("name") or ""),
            email=str(body.get("email") or ""),
            groups=[str(g) for g in body.get("groups") or []],
            sub=body.get("sub"),
        )
        return 201, claims

    def _control_mode(self, request: ControlRequest) -> tuple[int, Any]:
        body = request.object()
        with self._lock:
            if "audience" in body:
                self.wrong_audience = body["audience"] == "wrong"
            if "expired" in body:
                self.expired = bool(body["expired"])
        return 200, {"wrong_audience": self.wrong_audience, "expired": self.expired}


def _at_hash(access_token: str) -> str:
    digest = hashlib.sha256(access_token.encode()).digest()
    return base64.urlsafe_b64encode(digest[: len(digest) // 2]).decode().rstrip("=")


def _choose_page(fake: FakeOidc, params: Mapping[str, str]) -> bytes:
    hidden = "".join(
        f'<input type="hidden" name="{html.escape(k)}" value="{html.escape(v)}">' for k, v in params.items()
    )
    people = (
        "".join(
            f'<p><button type="submit" name="username" value="{html.escape(u)}">Sign in as {html.escape(c["name"])}'
            f" ({html.escape(u)})</button></p>"
            for u, c in sorted(fake.users.items())
        )
        or "<p>No users: POST /_fake/users first.</p>"
    )
    return (
        f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Fake identity provider</title></head>'
        f'<body><h1>Fake identity provider</h1><form method="post" action="/authorize">{hidden}{people}</form>'
        f"</body></html>"
    ).encode()


class _Handler(FakeHandler):
    log_name = "fake-oidc"
    methods = ("GET", "POST")

    def route(self, split: Any, body: bytes) -> None:
        fake: FakeOidc = self.fake
        fake._requests.append({"method": self.command, "path": split.path})
        query = {k: v[0] for k, v in parse_qs(split.query).items()}
        form = {k: v[0] for k, v in parse_qs(body.decode("utf-8", "replace")).items()} if self.command == "POST" else {}
        path = split.path
        if path == "/.well-known/openid-configuration" and self.command == "GET":
            self._send_json(200, fake.discovery())
        elif path == "/jwks" and self.command == "GET":
            self._send_json(200, fake.jwks())
        elif path == "/authorize":
            self._authorize(fake, query if self.command == "GET" else form)
        elif path == "/token" and self.command == "POST":
            status, payload = fake.exchange(form, _basic(self.headers.get("Authorization", "")))
            self._send_json(status, payload, {"Cache-Control": "no-store"})
        elif path == "/userinfo":
            status, payload = fake.userinfo(self.headers.get("Authorization", ""))
            self._send_json(status, payload)
        else:
            self._send_json(404, {"error": f"No route matches {self.command} {path}"})

    def _authorize(self, fake: FakeOidc, params: dict[str, str]) -> None:
        error = fake.authorize_check(params)
        if error:
            self._send_json(400, {"error": error})
            return
        username = params.pop("username", "") or params.get("login_hint", "")
        if username not in fake.users:
            self.send_bytes(200, "text/html; charset=utf-8", _choose_page(fake, params))
            return
        code = fake.issue_code(params, username)
        back = {"code": code, **({"state": params["state"]} if "state" in params else {})}
        separator = "&" if urlsplit(params["redirect_uri"]).query else "?"
        self.send_bytes(302, "text/plain", b"", {"Location": params["redirect_uri"] + separator + urlencode(back)})


def _basic(header: str) -> tuple[str, str] | None:
    kind, _, value = header.partition(" ")
    if kind.lower() != "basic":
        return None
    try:
        client_id, _, secret = base64.b64decode(value).decode().partition(":")
    except ValueError:
        return None
    return unquote_plus(client_id), unquote_plus(secret)


def main(argv: list[str] | None = None) -> int:
    parser = cli("python -m fakes.oidc", "Loopback fake OpenID Connect provider (code flow + PKCE, RS256)")
    parser.add_argument("--client-id", default=DEMO_CLIENT_ID)
    parser.add_argument("--client-secret", default=DEMO_CLIENT_SECRET)
    parser.add_argument(
        "--user",
        action="append",
        default=[],
        metavar="USERNAME:GROUP,GROUP",
        help="a person who can sign in, with their groups (repeatable)",
    )
    args = parser.parse_args(argv)
    fake = FakeOidc(
        args.port, host=args.host, client_id=args.client_id, client_secret=args.client_secret, verbose=args.verbose
    )
    for spec in args.user:
        username, _, groups = spec.partition(":")
        fake.add_user(username, groups=[g for g in groups.split(",") if g])
    fake.start()
    return run_until_signalled(fake, "FAKE_OIDC_READY")


if __name__ == "__main__":
    raise SystemExit(main())
