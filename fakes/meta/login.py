"""Facebook Login as Meta runs it, for the loopback fakes of the Graph API (FakeMeta for
Pages and Instagram, FakeWhatsApp): the consent dialog, the token endpoint, debug_token and
the tokens they issue. A fake owns one ``FakeLogin`` (its Meta app, the one person logged in
to Facebook, the assets that person manages) and routes these paths to it:

- ``GET /vNN/dialog/oauth?client_id&redirect_uri&state&response_type=code&scope=a,b`` → a
  small HTML consent page naming the app, the permissions (checkboxes, all on) and the Pages
  or WhatsApp Business accounts to share (checkboxes, all on), with "Continue"
  (``id="allow"``) and "Cancel" (``id="cancel"``). Unknown ``client_id``, a ``redirect_uri``
  the app does not allow, an unknown permission or another ``response_type``: an error page,
  400. The app allows the URIs it was given (exact match, as with Strict Mode) and, being in
  development mode, any ``localhost`` / ``127.0.0.1`` URI, as Meta does for apps in
  development.
- ``POST /vNN/dialog/oauth`` (the page's form) → 302 to ``redirect_uri?code=…&state=…#_=_``,
  or on Cancel ``?error=access_denied&error_reason=user_denied&error_description=Permissions+error
  &state=…#_=_``. A code is single-use, bound to the client_id and redirect_uri, and expires
  after ten minutes; it carries the permissions and assets left switched on.
- ``GET|POST /vNN/oauth/access_token``: ``client_id, redirect_uri, client_secret, code`` →
  ``{"access_token", "token_type": "bearer", "expires_in"}`` (a user token for about two
  hours); ``grant_type=fb_exchange_token&fb_exchange_token=…`` → a long-lived one (60 days);
  ``grant_type=client_credentials`` → an app token. Refusals as Graph error JSON with
  ``WWW-Authenticate``: unknown app 101, wrong secret 1 ("Error validating client secret."),
  unknown code 100, used 100/36009, expired 100/36007, other redirect_uri 100/36008.
- ``GET /vNN/debug_token?input_token=…`` (app token ``app_id|app_secret`` or a token of the
  app) → ``{"data": {app_id, type, application, expires_at, is_valid, issued_at, scopes,
  granular_scopes: [{scope, target_ids}], user_id}}``; an unknown token is ``is_valid: false``.

Page tokens derived from a user token (``/me/accounts``) are stable per user token and Page,
and as long-lived as it. ``consent_form(html)`` reads the consent page the way a browser
would, for tests and scripts: ``form.data("allow", unchecked={"pages_messaging"})``.

Standard library only. No Django.
"""

from __future__ import annotations

import hmac
import html
import secrets
import string
import threading
import time
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from html.parser import HTMLParser
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

from fakes.meta.common import GRAPH_VERSION

CODE_TTL = 600.0
SHORT_LIVED = 2 * 3600 - 1
LONG_LIVED = 60 * 24 * 3600
DATA_ACCESS = 90 * 24 * 3600

# Permission → (the kind of asset it is granted on: "page", "instagram", "waba" or "", what
# the consent page says it allows).
PERMISSIONS: dict[str, tuple[str, str]] = {
    "public_profile": ("", "Your name and profile picture"),
    "email": ("", "Your email address"),
    "business_management": ("", "Manage your business"),
    "pages_show_list": ("page", "Show a list of the Pages you manage"),
    "pages_messaging": ("page", "Manage and access Page conversations in Messenger"),
    "pages_read_engagement": ("page", "Read content posted on the Page"),
    "pages_manage_metadata": ("page", "Manage accounts, settings and webhooks for a Page"),
    "pages_read_user_content": ("page", "Read user content on your Page"),
    "pages_manage_engagement": ("page", "Manage comments on your Page"),
    "pages_manage_posts": ("page", "Create and manage content on your Page"),
    "instagram_basic": ("instagram", "Access profile and posts from the Instagram account connected to your Page"),
    "instagram_manage_messages": ("instagram", "Manage messages of the Instagram account connected to your Page"),
    "instagram_manage_comments": ("instagram", "Manage comments on the Instagram account connected to your Page"),
    "instagram_manage_insights": ("instagram", "Read insights of the Instagram account connected to your Page"),
    "whatsapp_business_management": ("waba", "Manage your WhatsApp accounts"),
    "whatsapp_business_messaging": ("waba", "Send and receive messages on your WhatsApp accounts"),
}
ALPHANUMERIC = string.ascii_letters + string.digits


def make_token(prefix: str = "EAA", length: int = 180) -> str:
    """Meta's access tokens are long opaque alphanumeric strings starting EAA…"""
    return prefix + "".join(secrets.choice(ALPHANUMERIC) for _ in range(length))


class LoginError(Exception):
    """A Graph error answer of the login endpoints; the fake turns it into its own error type."""

    def __init__(
        self,
        status: int,
        code: int,
        message: str,
        *,
        subcode: int | None = None,
        error_type: str = "OAuthException",
        challenge: str = "",
    ) -> None:
        super().__init__(f"{status} #{code}: {message}")
        self.status = status
        self.code = code
        self.message = message
        self.subcode = subcode
        self.error_type = error_type
        self.headers = {"WWW-Authenticate": f'OAuth "Facebook Platform" "{challenge}" "{message}"'} if challenge else {}

    def body(self, trace_id: str) -> dict[str, Any]:
        error: dict[str, Any] = {"message": self.message, "type": self.error_type, "code": self.code}
        if self.subcode is not None:
            error["error_subcode"] = self.subcode
        error["fbtrace_id"] = trace_id
        return {"error": error}


def invalid_token(message: str = "Invalid OAuth access token - Cannot parse access token") -> LoginError:
    return LoginError(400, 190, message, challenge="invalid_token")


@dataclass(frozen=True)
class Asset:
    """Something a person manages and can share with an app: a Page (with the Instagram
    professional account connected to it, if any) or a WhatsApp Business account."""

    id: str
    name: str
    kind: str  # "page" or "waba"
    ig_id: str = ""


@dataclass
class Token:
    """An access token Meta issued (or one configured on the fake, `scopes` None: all)."""

    value: str
    kind: str  # "user", "page" or "app"
    app_id: str
    user_id: str = ""
    page_id: str = ""
    scopes: frozenset[str] | None = None
    pages: tuple[str, ...] = ()
    wabas: tuple[str, ...] = ()
    issued_at: float = field(default_factory=time.time)
    expires_at: float | None = None  # None: never

    def has(self, permission: str) -> bool:
        return self.scopes is None or permission in self.scopes

    def long_lived(self) -> bool:
        return self.expires_at is None or self.expires_at - self.issued_at > SHORT_LIVED + 1


@dataclass
class _Code:
    client_id: str
    redirect_uri: str
    scopes: frozenset[str]
    pages: tuple[str, ...]
    wabas: tuple[str, ...]
    expires_at: float
    used: bool = False


class FakeLogin:
    """Facebook Login for one app and one logged-in person (see the module docstring)."""

    def __init__(
        self,
        *,
        app_id: str,
        app_secret: str,
        app_name: str = "Hovor",
        user_id: str = "10229876543210987",
        user_name: str = "Jana Nováková",
        assets: Callable[[], list[Asset]] = list,
        redirect_uris: Collection[str] = (),
        dev_mode: bool = True,
        clock: Callable[[], float] = time.time,
        code_ttl: float = CODE_TTL,
        configured: Callable[[str], Token | None] = lambda value: None,
    ) -> None:
        self.app_id = str(app_id)
        self.app_secret = app_secret
        self.app_name = app_name
        self.user_id = str(user_id)
        self.user_name = user_name
        self.assets = assets
        self.redirect_uris = list(redirect_uris)
        self.dev_mode = dev_mode
        self.clock = clock
        self.code_ttl = code_ttl
        # The fake's own configured token (what an admin would paste), as a Token.
        self.configured = configured
        self._lock = threading.RLock()
        self._dialogs: dict[str, tuple[float, dict[str, Any]]] = {}
        self._codes: dict[str, _Code] = {}
        self._tokens: dict[str, Token] = {}
        self._page_tokens: dict[tuple[str, str], str] = {}
        self.log: list[dict[str, Any]] = []  # what happened, without secrets (for tests)

    # ------------------------------------------------------------------ tokens
    @property
    def app_access_token(self) -> str:
        return f"{self.app_id}|{self.app_secret}"

    def lookup(self, value: str) -> Token | None:
        """The token with this value (None if Meta never issued it); an expired one raises 190/463."""
        configured = self.configured(value)
        if configured is not None:
            return configured
        if "|" in value:
            app_id, _, secret = value.partition("|")
            if app_id != self.app_id:
                return None
            known = self._tokens.get(value)
            if known is not None or hmac.compare_digest(secret.encode(), self.app_secret.encode()):
                return known or Token(value=value, kind="app", app_id=self.app_id)
            raise invalid_token("Invalid OAuth access token signature.")
        with self._lock:
            token = self._tokens.get(value)
        if token is not None and token.expires_at is not None and self.clock() >= token.expires_at:
            when = time.strftime("%A, %d-%b-%y %H:%M:%S UTC", time.gmtime(token.expires_at))
            raise LoginError(
                400,
                190,
                f"Error validating access token: Session has expired on {when}. The current time is "
                f"{time.strftime('%A, %d-%b-%y %H:%M:%S UTC', time.gmtime(self.clock()))}.",
                subcode=463,
                challenge="invalid_token",
            )
        return token

    def _issue(self, **kwargs: Any) -> Token:
        token = Token(value=make_token(), app_id=self.app_id, issued_at=self.clock(), **kwargs)
        with self._lock:
            self._tokens[token.value] = token
        return token

    def page_token(self, user: Token, page_id: str) -> str:
        """The Page access token a user token gets for a Page it was granted (stable)."""
        with self._lock:
            key = (user.value, page_id)
            value = self._page_tokens.get(key)
            if value is None:
                token = self._issue(
                    kind="page",
                    user_id=user.user_id,
                    page_id=page_id,
                    scopes=user.scopes,
                    pages=(page_id,),
                    expires_at=None if user.long_lived() else user.expires_at,
                )
                value = self._page_tokens[key] = token.value
            return value

    def tokens(self) -> list[Token]:
        with self._lock:
            return list(self._tokens.values())

    # ------------------------------------------------------------------ the dialog
    def allows_redirect(self, uri: str) -> bool:
        parts = urlsplit(uri)
        if parts.scheme not in ("http", "https") or not parts.hostname or parts.fragment:
            return False
        if uri in self.redirect_uris:
            return True
        # Meta lets an app in development mode redirect to localhost without listing it.
        return self.dev_mode and parts.hostname in ("localhost", "127.0.0.1")

    def dialog(self, method: str, query: str, body: bytes) -> tuple[int, dict[str, str], bytes]:
        """The consent dialog: (status, headers, HTML or empty body of a redirect)."""
        if method == "GET":
            return self._dialog_page({k: v[-1] for k, v in parse_qs(query, keep_blank_values=True).items()})
        if method == "POST":
            try:
                form = parse_qs(body.decode("utf-8"), keep_blank_values=True)
            except UnicodeDecodeError:
                return error_page("Error", "The form could not be read.")
            return self._dialog_answer(form)
        return error_page("Error", f"{method} is not supported here.", status=405)

    def _dialog_page(self, params: dict[str, str]) -> tuple[int, dict[str, str], bytes]:
        client_id = params.get("client_id", "")
        if not client_id or client_id != self.app_id:
            return error_page("Invalid App ID", "The provided app ID does not look like a valid app ID.")
        redirect_uri = params.get("redirect_uri", "")
        if not redirect_uri:
            return error_page("Error", "The parameter redirect_uri is required.")
        if not self.allows_redirect(redirect_uri):
            return error_page(
                "URL blocked",
                "This redirect failed because the redirect URI is not whitelisted in the app's Client OAuth "
                "Settings. Make sure Client and Web OAuth Login are on and add all your app domains as Valid "
                "OAuth Redirect URIs.",
            )
        response_type = params.get("response_type") or "code"
        if response_type != "code":
            return error_page("Error", f"This fake supports response_type=code only, not {response_type!r}.")
        requested = [s.strip() for s in params.get("scope", "").replace(" ", ",").split(",") if s.strip()]
        unknown = [s for s in requested if s not in PERMISSIONS]
        if unknown:
            return error_page(
                "Invalid Scopes",
                f"Invalid Scopes: {', '.join(unknown)}. This message is only shown to developers. Users of your "
                "app will ignore these permissions if present.",
            )
        scopes = list(dict.fromkeys(["public_profile", *requested]))
        request_id = secrets.token_urlsafe(16)
        dialog = {
            "client_id": client_id,
            "redirect_uri": redirect_uri,
            "state": params.get("state", ""),
            "scopes": scopes,
        }
        with self._lock:
            self._dialogs[request_id] = (self.clock(), dialog)
        return (
            200,
            {"Content-Type": "text/html; charset=utf-8", "Cache-Control": "no-store"},
            self._render(request_id, scopes).encode("utf-8"),
        )

    def _shown_assets(self, scopes: list[str]) -> list[Asset]:
        kinds = {PERMISSIONS[s][0] for s in scopes}
        wanted = {"page"} if kinds & {"page", "instagram"} else set()
        if "waba" in kinds:
            wanted.add("waba")
        return [a for a in self.assets() if a.kind in wanted]

    def _render(self, request_id: str, scopes: list[str]) -> str:
        esc = html.escape
        permissions = "\n".join(
            f'<li><label><input type="checkbox" name="scope" value="{esc(s)}" checked> '
            f"{esc(PERMISSIONS[s][1])} <code>{esc(s)}</code></label></li>"
            for s in scopes
        )
        assets = self._shown_assets(scopes)
        asset_items = "\n".join(
            f'<li><label><input type="checkbox" name="asset" value="{esc(a.id)}" checked> {esc(a.name)} '
            f"({'Page' if a.kind == 'page' else 'WhatsApp Business account'})</label></li>"
            for a in assets
        )
        shared = f"<fieldset><legend>What {esc(self.app_name)} can use</legend><ul>{asset_items}</ul></fieldset>"
        return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Log in with Facebook</title></head>
<body><main>
<h1>{esc(self.app_name)} is requesting access to your account</h1>
<p>You are logged in to Facebook as {esc(self.user_name)}. {esc(self.app_name)} will receive:</p>
<form method="post" action="/{GRAPH_VERSION}/dialog/oauth">
<input type="hidden" name="request_id" value="{esc(request_id)}">
<fieldset><legend>Permissions</legend><ul>
{permissions}
</ul></fieldset>
{shared if assets else ""}
<button type="submit" id="cancel" name="__CANCEL__" value="1">Cancel</button>
<button type="submit" id="allow" name="__CONFIRM__" value="1">Continue</button>
</form>
</main></body></html>
"""

    def _dialog_answer(self, form: dict[str, list[str]]) -> tuple[int, dict[str, str], bytes]:
        request_id = (form.get("request_id") or [""])[-1]
        with self._lock:
            started, dialog = self._dialogs.pop(request_id, (0.0, None))
        if dialog is None or self.clock() - started > 3600:
            return error_page("This page isn't available", "The link may be broken or expired. Start again.")
        state = dialog["state"]
        if "__CANCEL__" in form or "__CONFIRM__" not in form:
            self.log.append({"event": "dialog", "decision": "cancel", "client_id": dialog["client_id"]})
            return redirect(
                dialog["redirect_uri"],
                {
                    "error": "access_denied",
                    "error_code": "200",
                    "error_description": "Permissions error",
                    "error_reason": "user_denied",
                    "state": state,
                },
            )
        scopes = frozenset(s for s in form.get("scope", []) if s in dialog["scopes"])
        picked = set(form.get("asset", []))
        shown = self._shown_assets(dialog["scopes"])
        code = secrets.token_urlsafe(64)
        with self._lock:
            self._codes[code] = _Code(
                client_id=dialog["client_id"],
                redirect_uri=dialog["redirect_uri"],
                scopes=scopes,
                pages=tuple(a.id for a in shown if a.kind == "page" and a.id in picked),
                wabas=tuple(a.id for a in shown if a.kind == "waba" and a.id in picked),
                expires_at=self.clock() + self.code_ttl,
            )
        self.log.append(
            {
                "event": "dialog",
                "decision": "allow",
                "client_id": dialog["client_id"],
                "scopes": sorted(scopes),
                "assets": sorted(picked),
            }
        )
        return redirect(dialog["redirect_uri"], {"code": code, "state": state})

    # ------------------------------------------------------------------ the token endpoint
    def exchange(self, params: dict[str, Any]) -> dict[str, Any]:
        """``/oauth/access_token``: a code, a short-lived token or the app's credentials in,
        a token out (or LoginError)."""
        client_id = str(params.get("client_id") or "")
        secret = str(params.get("client_secret") or "")
        grant_type = str(params.get("grant_type") or "")
        self.log.append({"event": "access_token", "grant_type": grant_type or "authorization_code"})
        if not client_id:
            raise LoginError(400, 101, "Missing client_id parameter.", challenge="invalid_request")
        if client_id != self.app_id:
            raise LoginError(
                400, 101, "Error validating application. Invalid application ID.", challenge="invalid_client"
            )
        if not secret:
            raise LoginError(400, 1, "Missing client_secret parameter.", challenge="invalid_request")
        if not hmac.compare_digest(secret.encode(), self.app_secret.encode()):
            raise LoginError(400, 1, "Error validating client secret.", challenge="invalid_client")
        if grant_type == "fb_exchange_token":
            return self._extend(str(params.get("fb_exchange_token") or ""))
        if grant_type == "client_credentials":
            value = f"{self.app_id}|{secrets.token_urlsafe(20)}"
            with self._lock:
                self._tokens[value] = Token(value=value, kind="app", app_id=self.app_id, issued_at=self.clock())
            return {"access_token": value, "token_type": "bearer"}
        if grant_type not in ("", "authorization_code"):
            raise LoginError(400, 100, f"Unsupported grant_type: {grant_type}", challenge="invalid_request")
        return self._redeem(str(params.get("code") or ""), str(params.get("redirect_uri") or ""))

    def _redeem(self, code: str, redirect_uri: str) -> dict[str, Any]:
        if not redirect_uri:
            raise LoginError(400, 191, "Missing redirect_uri parameter.", challenge="invalid_request")
        with self._lock:
            entry = self._codes.get(code) if code else None
            if entry is None:
                raise LoginError(400, 100, "Invalid verification code format.", challenge="invalid_code")
            if entry.used:
                raise LoginError(
                    400, 100, "This authorization code has been used.", subcode=36009, challenge="invalid_code"
                )
            if self.clock() >= entry.expires_at:
                raise LoginError(
                    400, 100, "This authorization code has expired.", subcode=36007, challenge="invalid_code"
                )
            if entry.redirect_uri != redirect_uri:
                raise LoginError(
                    400,
                    100,
                    "Error validating verification code. Please make sure your redirect_uri is identical to the one "
                    "you used in the OAuth dialog request",
                    subcode=36008,
                    challenge="invalid_code",
                )
            entry.used = True
        token = self._issue(
            kind="user",
            user_id=self.user_id,
            scopes=entry.scopes,
            pages=entry.pages,
            wabas=entry.wabas,
            expires_at=self.clock() + SHORT_LIVED,
        )
        return {"access_token": token.value, "token_type": "bearer", "expires_in": SHORT_LIVED}

    def _extend(self, value: str) -> dict[str, Any]:
        if not value:
            raise LoginError(400, 100, "Missing fb_exchange_token parameter.", challenge="invalid_request")
        short = self.lookup(value)
        if short is None or short.kind != "user" or short.app_id != self.app_id:
            raise invalid_token()
        token = self._issue(
            kind="user",
            user_id=short.user_id,
            scopes=short.scopes,
            pages=short.pages,
            wabas=short.wabas,
            expires_at=self.clock() + LONG_LIVED,
        )
        return {"access_token": token.value, "token_type": "bearer", "expires_in": LONG_LIVED}

    # ------------------------------------------------------------------ debug_token, /me
    def debug(self, caller: Token, params: dict[str, Any], ig_of: Callable[[str], str]) -> dict[str, Any]:
        """``/debug_token``; `ig_of` maps a Page id to its Instagram account id ("" if none)."""
        if caller.app_id != self.app_id:
            raise LoginError(
                400,
                100,
                "(#100) You must provide an app access token, or a user access token that "
                "is an owner or developer of the app",
            )
        value = str(params.get("input_token") or "")
        if not value:
            raise LoginError(400, 100, "(#100) The parameter input_token is required")
        try:
            token = self.lookup(value)
        except LoginError as exc:  # expired: Meta describes it rather than refusing the call
            with self._lock:
                token = self._tokens.get(value)
            if token is None:
                return {"data": {"error": {"code": exc.code, "message": exc.message}, "is_valid": False, "scopes": []}}
            data = self._describe(token, ig_of)
            data.update(is_valid=False, error={"code": 190, "message": exc.message, "subcode": 463})
            return {"data": data}
        if token is None:
            return {
                "data": {
                    "error": {"code": 190, "message": "Invalid OAuth access token - Cannot parse access token"},
                    "is_valid": False,
                    "scopes": [],
                }
            }
        return {"data": self._describe(token, ig_of)}

    def _describe(self, token: Token, ig_of: Callable[[str], str]) -> dict[str, Any]:
        if token.kind == "app":
            return {"app_id": self.app_id, "type": "APP", "application": self.app_name, "is_valid": True, "scopes": []}
        scopes = sorted(token.scopes) if token.scopes is not None else sorted(PERMISSIONS)
        granular = []
        for scope in scopes:
            kind = PERMISSIONS.get(scope, ("", ""))[0]
            if kind == "page":
                targets = list(token.pages)
            elif kind == "instagram":
                targets = [ig for ig in (ig_of(p) for p in token.pages) if ig]
            elif kind == "waba":
                targets = list(token.wabas)
            else:
                continue
            granular.append({"scope": scope, "target_ids": targets})
        data: dict[str, Any] = {
            "app_id": self.app_id,
            "type": "PAGE" if token.kind == "page" else "USER",
            "application": self.app_name,
            "data_access_expires_at": int(token.issued_at + DATA_ACCESS),
            "expires_at": int(token.expires_at) if token.expires_at is not None else 0,
            "is_valid": True,
            "issued_at": int(token.issued_at),
            "scopes": scopes,
            "granular_scopes": granular,
            "user_id": token.user_id or self.user_id,
        }
        if token.kind == "page":
            data["profile_id"] = token.page_id
        return data

    def me(self) -> dict[str, Any]:
        return {"id": self.user_id, "name": self.user_name}

    def permissions(self, token: Token) -> dict[str, Any]:
        granted = sorted(token.scopes) if token.scopes is not None else sorted(PERMISSIONS)
        return {"data": [{"permission": p, "status": "granted"} for p in granted]}

    def app_node(self) -> dict[str, Any]:
        return {
            "id": self.app_id,
            "name": self.app_name,
            "link": f"https://www.facebook.com/games/?app_id={self.app_id}",
        }


# --- pages of the dialog ------------------------------------------------------------------
def error_page(title: str, text: str, *, status: int = 400) -> tuple[int, dict[str, str], bytes]:
    page = (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>Error</title></head>\n'
        f"<body><main><h1>{html.escape(title)}</h1><p>{html.escape(text)}</p></main></body></html>\n"
    )
    return status, {"Content-Type": "text/html; charset=utf-8"}, page.encode("utf-8")


def redirect(uri: str, params: dict[str, str]) -> tuple[int, dict[str, str], bytes]:
    """302 back to the app, with Meta's trailing ``#_=_``."""
    joiner = "&" if urlsplit(uri).query else "?"
    return 302, {"Location": f"{uri}{joiner}{urlencode(params)}#_=_", "Cache-Control": "no-store"}, b""


def write_page(handler: BaseHTTPRequestHandler, status: int, headers: dict[str, str], body: bytes) -> None:
    """Answer an HTML page or redirect from a fake's JSON handler."""
    try:
        handler.send_response(status)
        for key, value in headers.items():
            handler.send_header(key, value)
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        if handler.command != "HEAD" and body:
            handler.wfile.write(body)
    except (BrokenPipeError, ConnectionResetError):
        handler.close_connection = True


def redact_query(line: str) -> str:
    """A request line with the values of secret parameters masked (for verbose logs)."""
    for key in ("access_token", "client_secret", "code", "fb_exchange_token", "input_token", "verify_token"):
        start = 0
        while True:
            at = line.find(f"{key}=", start)
            if at < 0:
                break
            if at > 0 and line[at - 1] not in "?&":
                start = at + len(key)
                continue
            end = at + len(key) + 1
            stop = end
            while stop < len(line) and line[stop] not in "& ":
                stop += 1
            line = line[:end] + "***" + line[stop:]
            start = end + 3
    return line


# --- reading the consent page like a browser ----------------------------------------------
@dataclass
class ConsentForm:
    """The consent page's form: where it posts, its hidden fields, its checkboxes
    (name → [(value, checked)]) and its buttons (id → (name, value))."""

    action: str = ""
    hidden: list[tuple[str, str]] = field(default_factory=list)
    checkboxes: dict[str, list[tuple[str, bool]]] = field(default_factory=dict)
    buttons: dict[str, tuple[str, str]] = field(default_factory=dict)
    text: list[str] = field(default_factory=list)

    def values(self, name: str) -> list[str]:
        return [value for value, _ in self.checkboxes.get(name, [])]

    def data(self, button: str = "allow", *, unchecked: Collection[str] = ()) -> list[tuple[str, str]]:
        """What the browser posts when the admin clicks `button` (its id), having switched
        off the checkboxes whose values are in `unchecked`."""
        pairs = list(self.hidden)
        for name, boxes in self.checkboxes.items():
            pairs.extend((name, value) for value, checked in boxes if checked and value not in unchecked)
        pairs.append(self.buttons[button])
        return pairs


class _FormParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.form = ConsentForm()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self.form.action = a.get("action", "")
        elif tag == "input" and a.get("type") == "hidden":
            self.form.hidden.append((a.get("name", ""), a.get("value", "")))
        elif tag == "input" and a.get("type") == "checkbox":
            self.form.checkboxes.setdefault(a.get("name", ""), []).append((a.get("value", ""), "checked" in a))
        elif tag == "button" and a.get("id"):
            self.form.buttons[a["id"]] = (a.get("name", ""), a.get("value", ""))

    def handle_data(self, data: str) -> None:
        if data.strip():
            self.form.text.append(data.strip())


def consent_form(page: str) -> ConsentForm:
    parser = _FormParser()
    parser.feed(page)
    return parser.form
