"""What every loopback platform fake shares: an HTTP/1.1 handler that answers JSON in one
write, reads plain or chunked bodies and logs only when asked, and a server started in a
daemon thread. Each `fakes/<platform>` module adds its platform's wire format."""
from __future__ import annotations

import json
import signal
import socket
import sys
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self

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

    def _send_json(self, status: int, payload: Any, headers: dict[str, str] | None = None) -> None:
        self.send_bytes(status, self.content_type, self.serialise(payload), headers)

    def send_bytes(self, status: int, content_type: str, data: bytes, headers: dict[str, str] | None = None) -> None:
        """Any answer (JSON, a consent page's HTML, a form-encoded token) in one write."""
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


class FakeServer:
    """What every platform fake's object shares: `with Fake(...) as fake:` starts and stops
    it, and `fake.base_url` is where clients point (the port is known once started)."""

    host: str
    port: int

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
