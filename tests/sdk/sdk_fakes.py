"""A scriptable local vendor API: ThreadingHTTPServer on 127.0.0.1, ephemeral port."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import attrs
import orjson

from cxcore.sdk import FakeClock


@attrs.define
class Reply:
    """What the fake vendor answers. ``declared_length`` lies about Content-Length to truncate."""

    status: int = 200
    body: Any = None
    headers: dict[str, str] = attrs.field(factory=dict)
    raw: bytes | None = None
    declared_length: int | None = None
    delay: float = 0.0


@attrs.frozen
class Seen:
    """One request as the fake vendor received it."""

    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes
    at: float  # fake-clock time when it arrived

    def param(self, name: str) -> str | None:
        values = self.query.get(name)
        return values[0] if values else None

    def form(self) -> dict[str, str]:
        return {k: v[0] for k, v in parse_qs(self.body.decode()).items()}


Handler = Callable[[Seen], Reply]


class _QuietServer(ThreadingHTTPServer):
    def handle_error(self, request: Any, client_address: Any) -> None:
        # Timeout tests make the client hang up mid-reply; the broken pipe is expected.
        pass


class FakeVendor:
    """Routes ``(method, path)`` to a handler, a fixed Reply, or a script of Replies."""

    def __init__(self, clock: FakeClock) -> None:
        self.clock = clock
        self.requests: list[Seen] = []
        self._routes: dict[tuple[str, str], Handler] = {}
        self._lock = threading.Lock()
        vendor = self

        class _H(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                vendor._serve(self)

            def do_POST(self) -> None:
                vendor._serve(self)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._server = _QuietServer(("127.0.0.1", 0), _H)
        self.port = self._server.server_address[1]
        self.base_url = f"http://127.0.0.1:{self.port}"
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )
        self._thread.start()

    def route(self, method: str, path: str, answer: Handler | Reply | list[Reply]) -> None:
        if isinstance(answer, Reply):
            fixed = answer
            handler: Handler = lambda seen: fixed  # noqa: E731
        elif isinstance(answer, list):
            script = list(answer)

            def handler(seen: Seen) -> Reply:
                # The last reply repeats so "always 503" is a one-element script.
                return script.pop(0) if len(script) > 1 else script[0]
        else:
            handler = answer
        self._routes[(method, path)] = handler

    def calls(self, path: str) -> list[Seen]:
        return [s for s in self.requests if s.path == path]

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def _serve(self, h: BaseHTTPRequestHandler) -> None:
        parts = urlsplit(h.path)
        length = int(h.headers.get("Content-Length") or 0)
        seen = Seen(
            method=h.command,
            path=parts.path,
            query=parse_qs(parts.query),
            headers=dict(h.headers.items()),
            body=h.rfile.read(length) if length else b"",
            at=self.clock.monotonic(),
        )
        with self._lock:
            self.requests.append(seen)
            handler = self._routes.get((h.command, parts.path))
            reply = handler(seen) if handler else Reply(404, {"error": "no route"})
        if reply.delay:
            time.sleep(reply.delay)
        if reply.raw is not None:
            payload = reply.raw
        elif reply.body is None:
            payload = b""
        else:
            payload = orjson.dumps(reply.body)
        h.send_response_only(reply.status)
        headers = {"Content-Type": "application/json", **reply.headers}
        for name, value in headers.items():
            h.send_header(name, value)
        declared = reply.declared_length if reply.declared_length is not None else len(payload)
        h.send_header("Content-Length", str(declared))
        h.end_headers()
        h.wfile.write(payload)
        h.wfile.flush()
        h.close_connection = True
