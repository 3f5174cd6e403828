"""The control plane every loopback platform fake shares, so that each `fakes/<platform>`
module only adds its platform's wire format:

- `FakeHandler`: an HTTP/1.1 handler that reads plain or chunked bodies, answers in one
  write, logs only when asked (with the fake's redaction), and sends every ``/_fake/``
  request to the fake's control plane and everything else to the platform's `route`.
- `FakeServer`: started and stopped as a context manager; its control plane is a table of
  ``(method, path) -> handler`` (`control_routes`) with the body parsed as JSON on demand,
  the fake's own error bodies (`control_error`) and 404 (`control_missing`); the request
  log (`RequestLog`, `requests_log()`) and injected failures (`Failures`).
- `Chaos` (``POST /_fake/chaos``, ``GET /_fake/chaos``, on every fake): storms of 429s or
  5xx, answers that come too late (timeouts) and lost answers (the platform acted, the
  client hears nothing: an unknown outcome), for a share of the platform calls, for a while
  or a number of calls; counted, so a fault test can tell what it did.
- `post`: one signed webhook push (the exact bytes and headers), as every fake retries it.
- `cli` and `run_until_signalled`: the command line every fake takes (``--port``,
  ``--host``, ``--webhook URL``, ``--verbose``; secrets as options) and its main loop.
"""
from __future__ import annotations

import argparse
import json
import random
import signal
import socket
import struct
import sys
import threading
import time
import urllib.error
import urllib.request
import zlib
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping
from email import message_from_bytes
from email.policy import HTTP
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Generic, NamedTuple, Self, TypeVar
from urllib.parse import SplitResult, urlsplit

JSON_CONTENT_TYPE = "application/json; charset=utf-8"


def compact_json(payload: Any) -> bytes:
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


class FakeHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    sys_version = ""
    log_name = "fake"
    content_type = JSON_CONTENT_TYPE
    # How a fake serialises its answers (Meta's fakes escape non-ASCII like Meta does).
    serialise: Callable[[Any], bytes] = staticmethod(compact_json)

    @property
    def fake(self) -> Any:
        return self.server.fake  # type: ignore[attr-defined]

    def setup(self) -> None:
        super().setup()
        try:
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        except OSError:
            pass

    def redact(self, line: str) -> str:
        """What a log line may show (a fake whose URLs carry secrets overrides this)."""
        return line

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 (the stdlib's name)
        if self.fake.verbose:
            sys.stderr.write(f"{self.log_name}: {self.address_string()} - {self.redact(format % args)}\n")

    def _read_body(self) -> bytes:
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            chunks = []
            while True:
                size_line = self.rfile.readline()
                size = int(size_line.split(b";", 1)[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    break
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
            return b"".join(chunks)
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    # The HTTP methods this fake answers (others get the stdlib's 501, as a real API's proxy would).
    methods: tuple[str, ...] = ("GET", "POST", "PUT", "DELETE")

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        for method in cls.methods:
            if f"do_{method}" not in cls.__dict__:
                setattr(cls, f"do_{method}", FakeHandler.dispatch)

    def control_path(self, path: str) -> str:
        """The path the control plane routes on (a fake may normalise it)."""
        return path

    def dispatch(self) -> None:
        """One request: ``/_fake/…`` to the control plane, the rest to `route` (unless
        chaos, armed on the control plane, answers it otherwise)."""
        try:
            body = self._read_body()
        except (ValueError, OSError):
            self.close_connection = True
            return
        split = urlsplit(self.path)
        if split.path.startswith("/_fake/"):
            status, payload = self.fake.handle_control(self.command, self.control_path(split.path), body)
            self._send_json(status, payload)
            return
        storm = self.fake.chaos.draw(split.path, body)
        if storm is None:
            self.route(split, body)
        elif storm.mode == "error":
            status, payload, headers = self.fake.chaos_error(storm.status, storm.retry_after)
            self._send_json(status, payload, headers)
        elif storm.mode == "timeout":
            time.sleep(storm.delay)  # the platform acts, but only after the client gave up
            self.route(split, body)
        else:  # "lost": the platform acts, the answer never arrives
            self._answer_lost = True
            self.route(split, body)
            self.close_connection = True

    def route(self, split: SplitResult, body: bytes) -> None:
        """The platform's own endpoints (each fake's handler says how)."""
        self._send_json(404, {"error": f"No route matches {self.command} {split.path}"})

    def _send_json(self, status: int, payload: Any, headers: dict[str, str] | None = None) -> None:
        self.send_bytes(status, self.content_type, self.serialise(payload), headers)

    def send_bytes(self, status: int, content_type: str, data: bytes, headers: dict[str, str] | None = None) -> None:
        """Any answer (JSON, a consent page's HTML, a form-encoded token) in one write."""
        if getattr(self, "_answer_lost", False):
            self.close_connection = True
            return
        try:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(data)))
            for key, value in (headers or {}).items():
                self.send_header(key, value)
            # Headers and body in one write: two small segments would meet Nagle + delayed ACK (~40 ms).
            self._headers_buffer.append(b"\r\n")  # type: ignore[attr-defined]
            if self.command != "HEAD":
                self._headers_buffer.append(data)  # type: ignore[attr-defined]
            self.flush_headers()
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True


def serve(fake: Any, handler: type[BaseHTTPRequestHandler], host: str, port: int, name: str) -> tuple[
    ThreadingHTTPServer, threading.Thread
]:
    """Listen on host:port (0: any free port) in a daemon thread; `fake.port` is set."""
    server = ThreadingHTTPServer((host, port), handler)
    server.daemon_threads = True
    server.fake = fake  # type: ignore[attr-defined]
    fake.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, name=name, daemon=True)
    thread.start()
    return server, thread


class ControlRequest:
    """One ``/_fake/`` call: its method and path, and its body as JSON on demand (a body that
    is not JSON is the fake's own 400, raised through `FakeServer.control_bad_body`)."""

    def __init__(self, fake: FakeServer, method: str, path: str, body: bytes) -> None:
        self.fake = fake
        self.method = method
        self.path = path
        self.body = body

    def json(self) -> Any:
        """The body as JSON; an empty body is ``{}``."""
        if not self.body.strip():
            return {}
        try:
            return json.loads(self.body.decode("utf-8"))
        except (ValueError, UnicodeDecodeError) as exc:
            raise self.fake.control_bad_body(self.fake.control_not_json) from exc

    def object(self) -> dict[str, Any]:
        """The body as a JSON object."""
        data = self.json()
        if not isinstance(data, dict):
            raise self.fake.control_bad_body(self.fake.control_not_object)
        return data


ControlRoute = Callable[[ControlRequest], tuple[int, Any]]


class RequestLog(deque[dict[str, Any]]):
    """The last 1000 requests a fake answered (``GET /_fake/requests``), newest last."""

    def __init__(self, entries: Iterable[dict[str, Any]] = (), size: int | None = 1000) -> None:
        super().__init__(entries, size)  # deque.copy() calls type(self)(entries, maxlen)

    def entries(self) -> list[dict[str, Any]]:
        """Copies, safe to hand out while requests keep coming."""
        return [dict(entry) for entry in self.copy()]


Rule = TypeVar("Rule")


class Failures(Generic[Rule]):
    """Injected failures (``POST /_fake/fail``): each armed rule fails the next `times`
    calls it matches, the earliest armed first. A rule is a dict with a ``"times"`` key or
    an object with a ``times`` attribute; what it matches and how it fails is the fake's."""

    def __init__(self) -> None:
        self._rules: list[Rule] = []
        self._lock = threading.Lock()

    @staticmethod
    def _times(rule: Any) -> int:
        return int(rule["times"] if isinstance(rule, dict) else rule.times)

    @staticmethod
    def _set_times(rule: Any, times: int) -> None:
        if isinstance(rule, dict):
            rule["times"] = times
        else:
            rule.times = times

    def arm(self, rule: Rule) -> None:
        with self._lock:
            self._rules.append(rule)

    def take(self, matches: Callable[[Rule], bool] = lambda rule: True) -> Rule | None:
        """The first armed rule that matches, one of its `times` used up."""
        with self._lock:
            for rule in self._rules:
                if not matches(rule):
                    continue
                times = self._times(rule) - 1
                self._set_times(rule, times)
                if times <= 0:
                    self._rules.remove(rule)
                return rule
        return None

    def armed(self) -> int:
        """How many failures are still to come."""
        with self._lock:
            return sum(self._times(rule) for rule in self._rules)

    def __iter__(self) -> Iterator[Rule]:
        with self._lock:
            return iter(list(self._rules))

    def __len__(self) -> int:
        with self._lock:
            return len(self._rules)


class Storm(NamedTuple):
    """How one platform call is answered while chaos is armed."""

    mode: str  # "error" (status at once), "timeout" (acts, answers after delay), "lost" (acts, no answer)
    status: int = 503
    delay: float = 5.0
    retry_after: int = 1


class Chaos:
    """Faults for a share of the platform calls (never the control plane): ``POST
    /_fake/chaos`` ``{"mode": "error"|"timeout"|"lost", "status": 429|500|503, "rate": 0..1,
    "seconds": N, "times": N, "delay": s, "retry_after": s, "path": prefix}`` arms one storm
    (`rate` of the calls that match, until `seconds` pass or `times` calls were hit, each
    optional); ``{"mode": "off"}`` calms everything. ``GET /_fake/chaos`` counts what was
    done: errors by status, timeouts, lost answers; and lists, under ``unanswered``, the bodies
    of the calls the platform acted on without the client learning it (timeouts and lost
    answers: the calls a client without a lookup may rightly send again)."""

    MODES = ("error", "timeout", "lost")
    UNANSWERED_KEPT = 10_000

    def __init__(self, seed: int | None = None) -> None:
        self._storms: list[dict[str, Any]] = []
        self._lock = threading.Lock()
        self._random = random.Random(seed)  # noqa: S311 (fault injection, not security)
        self.counts: dict[str, int] = {}
        self.unanswered: list[str] = []

    def arm(self, spec: Mapping[str, Any]) -> dict[str, Any]:
        mode = str(spec.get("mode", "error"))
        if mode == "off":
            with self._lock:
                self._storms.clear()
            return {"mode": "off"}
        if mode not in self.MODES:
            raise ValueError(f"mode is one of {', '.join(self.MODES)} or off")
        rate = float(spec.get("rate", 1.0))
        if not 0.0 <= rate <= 1.0:
            raise ValueError("rate is between 0 and 1")
        seconds = spec.get("seconds")
        storm: dict[str, Any] = {
            "storm": Storm(mode, int(spec.get("status", 503)), float(spec.get("delay", 5.0)),
                           int(spec.get("retry_after", 1))),
            "rate": rate,
            "until": time.monotonic() + float(seconds) if seconds is not None else None,
            "times": int(spec["times"]) if spec.get("times") is not None else None,
            "path": str(spec.get("path") or ""),
        }
        with self._lock:
            self._storms.append(storm)
        status = storm["storm"].status
        return {"mode": mode, "status": status, "rate": rate, "seconds": seconds, "times": storm["times"]}

    def draw(self, path: str, body: bytes) -> Storm | None:
        """The storm this call meets, if any (and counted)."""
        if not self._storms:
            return None
        now = time.monotonic()
        with self._lock:
            self._storms = [
                s for s in self._storms if (s["until"] is None or s["until"] > now) and s["times"] != 0
            ]
            for storm in self._storms:
                if not path.startswith(storm["path"]) or self._random.random() >= storm["rate"]:
                    continue
                if storm["times"] is not None:
                    storm["times"] -= 1
                hit: Storm = storm["storm"]
                key = f"error_{hit.status}" if hit.mode == "error" else hit.mode
                self.counts[key] = self.counts.get(key, 0) + 1
                if hit.mode != "error" and len(self.unanswered) < self.UNANSWERED_KEPT:
                    self.unanswered.append(body.decode("utf-8", "replace"))
                return hit
        return None

    def report(self) -> dict[str, Any]:
        with self._lock:
            return {"armed": len(self._storms), "counts": dict(self.counts), "unanswered": list(self.unanswered)}


class FakeServer:
    """What every platform fake's object shares: `with Fake(...) as fake:` starts and stops
    it, `fake.base_url` is where clients point (the port is known once started), and the
    ``/_fake/`` control plane (`handle_control`, routed by `control_routes`)."""

    host: str
    port: int
    _requests: RequestLog

    # How this fake words a control body that is not JSON / not a JSON object.
    control_not_json = "control body is not JSON"
    control_not_object = "control body must be a JSON object"
    # The errors a control route may raise that become the fake's own error answers.
    control_errors: tuple[type[Exception], ...] = ()

    def control_routes(self) -> Mapping[tuple[str, str], ControlRoute]:
        """``(method, path) -> route`` for the fake's ``/_fake/`` endpoints."""
        return {}

    def control_bad_body(self, message: str) -> Exception:
        """The exception (one of `control_errors`) for a control body that cannot be read."""
        return ValueError(message)

    def control_error(self, error: Exception) -> tuple[int, Any]:
        """(status, body) for an error a control route raised, in the platform's shape."""
        raise error

    def control_missing(self, method: str, path: str) -> tuple[int, Any]:
        """(status, body) for a ``/_fake/`` path the fake does not have."""
        return 404, {"error": f"No route matches {method} {path}"}

    def control_prepare(self, request: ControlRequest) -> None:
        """Checks every control request passes before routing (none by default)."""

    @property
    def chaos(self) -> Chaos:
        """This fake's storms (`Chaos`); none armed until ``POST /_fake/chaos``."""
        if "_chaos" not in self.__dict__:
            self.__dict__["_chaos"] = Chaos()
        return self.__dict__["_chaos"]  # type: ignore[no-any-return]

    def chaos_error(self, status: int, retry_after: int) -> tuple[int, Any, dict[str, str]]:
        """(status, body, headers) a storm answers with: the platform's own error shape
        where a fake knows it (override), else a plain JSON error with Retry-After."""
        return status, {"error": {"code": status, "message": "Injected failure (chaos)"}}, {
            "Retry-After": str(retry_after)
        }

    def _control_chaos(self, request: ControlRequest) -> tuple[int, Any]:
        if request.method == "GET":
            return 200, self.chaos.report()
        try:
            return 200, self.chaos.arm(request.object())
        except (TypeError, ValueError) as exc:
            return 400, {"error": f"invalid chaos spec: {exc}"}

    def handle_control(self, method: str, path: str, body: bytes) -> tuple[int, Any]:
        """Answer one ``/_fake/`` request: (status, JSON body)."""
        request = ControlRequest(self, method, path, body)
        if path == "/_fake/chaos" and method in ("GET", "POST"):
            return self._control_chaos(request)
        try:
            self.control_prepare(request)
            route = self.control_routes().get((method, path))
            if route is None:
                return self.control_missing(method, path)
            return route(request)
        except self.control_errors as error:
            return self.control_error(error)

    def requests_log(self) -> list[dict[str, Any]]:
        """What ``GET /_fake/requests`` lists: the requests answered, oldest first."""
        return self._requests.entries()

    def start(self) -> Self:
        raise NotImplementedError

    def stop(self) -> None:
        raise NotImplementedError

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"


def run_until_signalled(
    fake: FakeServer, ready: str, *, then: Callable[[threading.Event], None] | None = None
) -> int:
    """A standalone fake's main loop: print `<ready> <base url>` (what the demo and scripts
    wait for), run `then(stop)` if given, serve until SIGTERM or SIGINT, stop cleanly."""
    stop = threading.Event()

    def on_signal(signum: int, frame: Any) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    print(f"{ready} {fake.base_url}", flush=True)
    if then is not None:
        then(stop)
    try:
        while not stop.wait(0.5):
            pass
    finally:
        fake.stop()
    return 0


class Pushed(NamedTuple):
    """How one webhook POST went."""

    status: int | None  # the HTTP status; None when no answer came (refused, reset, timed out)
    reason: str = ""  # the HTTP reason phrase, or why no answer came
    error: str = ""  # the exception's text when there was no answer
    refused: bool = False  # answered with an HTTP error status (4xx, 5xx)

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


def post(url: str, body: bytes, headers: Mapping[str, str], timeout: float) -> Pushed:
    """POST exactly these bytes (a signed webhook delivery) to `url` once; each fake
    decides when to retry. Webhook URLs are the operator's (http(s) only)."""
    request = urllib.request.Request(url, data=body, headers=dict(headers), method="POST")  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 (a configured URL)
            response.read()
            return Pushed(response.status, str(response.reason or ""))
    except urllib.error.HTTPError as exc:
        return Pushed(exc.code, str(exc.reason), refused=True)
    except (OSError, ValueError) as exc:
        return Pushed(None, str(getattr(exc, "reason", exc)), str(exc))


def cli(
    prog: str, description: str, *, webhook: str | None = None, port: int = 0, **kwargs: Any
) -> argparse.ArgumentParser:
    """The command line every fake takes: ``--port`` (0: any free port), ``--host``,
    ``--verbose`` (a line per request on stderr) and, for a fake that pushes, ``--webhook
    URL`` (`webhook` is its help). The fake adds its own options (its secrets) after."""
    parser = argparse.ArgumentParser(prog=prog, description=description, **kwargs)
    parser.add_argument("--port", type=int, default=port, help="port to listen on (0 = any free port)")
    parser.add_argument("--host", default="127.0.0.1")
    if webhook is not None:
        parser.add_argument("--webhook", default=None, help=webhook)
    parser.add_argument("--verbose", action="store_true", help="log every request on stderr")
    return parser


# --- media the fakes serve: real bytes, so a client downloads, hashes and thumbnails them ----
def png_bytes(width: int = 64, height: int = 48, seed: int = 0) -> bytes:
    """A valid RGB PNG (a colour gradient picked by `seed`), made without any imaging library."""
    def chunk(tag: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data) & 0xFFFFFFFF)

    r, g, b = (seed * 67) % 256, (seed * 131 + 80) % 256, (seed * 29 + 160) % 256
    rows = b"".join(
        b"\x00" + b"".join(bytes(((r + x * 3) % 256, (g + y * 3) % 256, b)) for x in range(width))
        for y in range(height)
    )
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")


def document_bytes(name: str, size: int = 0) -> bytes:
    """A small PDF-looking file (or `size` bytes of it) whose content names the file."""
    body = f"%PDF-1.4\n% {name}\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n".encode()
    if size > len(body):
        body += b"\n" * (size - len(body))
    return body


def multipart_form(headers: Any, body: bytes) -> tuple[dict[str, str], dict[str, tuple[str, str, bytes]]]:
    """A multipart/form-data body -> (fields, files {name: (filename, content type, bytes)})."""
    head = f"Content-Type: {headers.get('Content-Type')}\r\nMIME-Version: 1.0\r\n\r\n".encode()
    msg = message_from_bytes(head + body, policy=HTTP)
    fields: dict[str, str] = {}
    files: dict[str, tuple[str, str, bytes]] = {}
    if not msg.is_multipart():
        return fields, files
    for part in msg.iter_parts():  # type: ignore[attr-defined]
        name = part.get_param("name", header="content-disposition")
        if not name:
            continue
        payload = part.get_payload(decode=True)
        data = payload if isinstance(payload, bytes) else b""
        filename = part.get_filename()
        if filename is not None:
            files[str(name)] = (str(filename), part.get_content_type(), data)
        else:
            fields[str(name)] = data.decode("utf-8", "replace")
    return fields, files
