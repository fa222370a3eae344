"""A small base for fake HTTP platforms: a real server on 127.0.0.1 in a thread.

A fake declares its routes with ``@route("GET", r"/orders/(?P<number>[^/]+)")``; a
handler gets a ``Call`` (method, path, query, headers, JSON body, the route's groups)
and returns a ``Reply``. Every call is recorded (``calls``, ``count``), so a test can
tell whether the client really asked. ``fail_next`` makes the next requests answer a
given status (429 with ``Retry-After``, 500, 401...) or wait (a timeout), whatever the
route, to test the clients' failure behaviour against the server, not a stub.

Run as a thread (``with Fake() as fake: fake.url``) it serves other processes too (the
action server of an end-to-end stack), since it listens on a real port.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar, Self
from urllib.parse import parse_qs, urlsplit

Handler = Callable[[Any, "Call"], "Reply"]


@dataclass
class Call:
    """One request as the fake received it."""

    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes = b""
    groups: dict[str, str] = field(default_factory=dict)

    def arg(self, name: str, default: str | None = None) -> str | None:
        """The first value of a query parameter."""
        values = self.query.get(name)
        return values[0] if values else default

    def json(self) -> Any:
        """The body, read as JSON (None when empty)."""
        return json.loads(self.body) if self.body else None


@dataclass
class Reply:
    """What the fake answers: a status, a JSON (or raw) body and headers."""

    status: int = 200
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    raw: bytes | None = None
    delay_s: float = 0.0

    def encoded(self) -> bytes:
        if self.raw is not None:
            return self.raw
        return b"" if self.body is None else json.dumps(self.body).encode()


def route(method: str, pattern: str) -> Callable[[Handler], Handler]:
    """Declare a handler for ``method`` and a path matching ``pattern`` (whole path)."""

    def mark(handler: Handler) -> Handler:
        handler.route = (method.upper(), re.compile(pattern))  # type: ignore[attr-defined]
        return handler

    return mark


class FakeServer:
    """Base of the fakes: subclass it, declare routes, start it (or use ``with``)."""

    #: Routes collected from the ``@route`` methods of the subclass.
    routes: ClassVar[list[tuple[str, re.Pattern[str], str]]] = []

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls.routes = [
            (*value.route, name)
            for klass in reversed(cls.__mro__)
            for name, value in vars(klass).items()
            if hasattr(value, "route")
        ]

    def __init__(self) -> None:
        self.calls: list[Call] = []
        self._faults: deque[Reply] = deque()
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- what tests use -------------------------------------------------------------
    @property
    def url(self) -> str:
        """``http://127.0.0.1:PORT`` once started."""
        assert self._server is not None, "start the fake first"
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def fail_next(
        self,
        status: int = 500,
        *,
        times: int = 1,
        headers: dict[str, str] | None = None,
        body: Any = None,
        delay_s: float = 0.0,
    ) -> None:
        """The next ``times`` requests get this answer instead of the route's."""
        with self._lock:
            for _ in range(times):
                self._faults.append(
                    Reply(status, body or {"error": "injected"}, dict(headers or {}), None, delay_s)
                )

    def count(self, path_prefix: str = "", method: str | None = None) -> int:
        """How many requests reached the fake (on paths starting with ``path_prefix``)."""
        with self._lock:
            return sum(
                1
                for c in self.calls
                if c.path.startswith(path_prefix) and (method is None or c.method == method)
            )

    def reset(self) -> None:
        """Forget the recorded calls and pending faults (the data stay)."""
        with self._lock:
            self.calls.clear()
            self._faults.clear()

    def authorised(self, call: Call) -> bool:
        """Whether the call carries the right credentials; the fakes override it."""
        return True

    def unauthorised(self, call: Call) -> Reply:
        """The platform's answer to a wrong key; the fakes override it."""
        return Reply(401, {"error": "unauthorised"})

    # -- serving ----------------------------------------------------------------------
    def handle(self, call: Call) -> Reply:
        """The answer to one call: an injected fault, 401, the route's, or 404."""
        with self._lock:
            self.calls.append(call)
            fault = self._faults.popleft() if self._faults else None
        if fault is not None:
            return fault
        if not self.authorised(call):
            return self.unauthorised(call)
        for method, pattern, name in self.routes:
            match = pattern.fullmatch(call.path)
            if match and method == call.method:
                call.groups = match.groupdict()
                return getattr(self, name)(call)
        return Reply(404, {"error": "no such route"})

    def start(self) -> Self:
        """Listen on a free port of 127.0.0.1, in a daemon thread."""
        fake = self

        class RequestHandler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            # Headers and body are two writes: without TCP_NODELAY each answer waits for
            # the client's delayed ACK (about 40 ms), which the benchmarks would measure.
            disable_nagle_algorithm = True

            def _serve(self) -> None:
                parts = urlsplit(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                call = Call(
                    method=self.command,
                    path=parts.path,
                    query=parse_qs(parts.query, keep_blank_values=True),
                    headers={k.lower(): v for k, v in self.headers.items()},
                    body=self.rfile.read(length) if length else b"",
                )
                reply = fake.handle(call)
                if reply.delay_s:
                    time.sleep(reply.delay_s)
                payload = reply.encoded()
                try:
                    self.send_response(reply.status)
                    headers = {"Content-Type": "application/json; charset=utf-8", **reply.headers}
                    for name, value in headers.items():
                        self.send_header(name, value)
                    self.send_header("Content-Length", str(len(payload)))
                    self.end_headers()
                    self.wfile.write(payload)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (a timeout test): nothing to answer

            do_GET = do_POST = do_PUT = do_DELETE = _serve

            def log_message(self, format: str, *args: Any) -> None:
                pass  # quiet: the calls are recorded instead

        server = ThreadingHTTPServer(("127.0.0.1", 0), RequestHandler)
        server.daemon_threads = True
        server.block_on_close = False
        self._server = server
        self._thread = threading.Thread(target=server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop listening."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
