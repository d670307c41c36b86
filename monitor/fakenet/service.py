"""What the simulated Bluesky and Mastodon servers share with the simulated X API (monitor.fakex): a real HTTP
server on loopback (standard library, a thread per connection, keep-alive), the settable clock, the fault
queue and the fixed-window rate limiter, a log of every request, and the faults applied the same way.

A service answers `answer(request)` with a Reply; the faults that replace an answer (an error status,
429, 401/403, a dropped connection) are applied before it runs, the others (slow, unreadable or cut
bodies, duplicates, reversed order, a missing author) alter or delay its answer.
"""
from __future__ import annotations

import contextlib
import json
import socket
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Callable
from urllib.parse import parse_qs, urlsplit

from monitor.fakex.clock import SimClock
from monitor.fakex.faults import ERROR_FAULTS, Fault, FaultQueue
from monitor.fakex.server import MALFORMED_BODY, RateLimiter


@dataclass
class Request:
    method: str
    path: str
    params: dict[str, list[str]]     # every value of each query parameter (XRPC arrays repeat the name)
    headers: dict[str, str]
    body: dict | None
    time: datetime

    def one(self, name: str, default: str | None = None) -> str | None:
        values = self.params.get(name)
        return values[-1] if values else default


@dataclass
class Reply:
    status: int
    body: bytes = b""
    headers: dict = field(default_factory=dict)
    drop: bool = False
    served_ids: list[str] = field(default_factory=list)   # post ids a readable answer carried
    served_authors: list[str] = field(default_factory=list)


def json_reply(status: int, body, headers: dict | None = None, served_ids=(), served_authors=()) -> Reply:
    try:
        data = json.dumps(body, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        data = json.dumps(body).encode("ascii")
    return Reply(status, data, dict(headers or {}), served_ids=list(served_ids), served_authors=list(served_authors))


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "fakenet"
    sys_version = ""

    def setup(self):
        super().setup()
        self.server.connections.add(self.connection)

    def finish(self):
        try:
            super().finish()
        finally:
            self.server.connections.discard(self.connection)

    def do_GET(self):
        self.server.service._serve(self, "GET")

    def do_POST(self):
        self.server.service._serve(self, "POST")

    def log_message(self, format, *args):
        pass   # quiet: credentials travel in headers


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address, service: "FakeService"):
        self.service = service
        self.connections: set[socket.socket] = set()
        super().__init__(address, _Handler)


class FakeService:
    """One simulated server on loopback. Subclasses implement `answer` (and `rate_headers`)."""

    rate_limits: dict = {}

    def __init__(self, clock: Callable[[], datetime], host: str = "127.0.0.1", port: int = 0,
                 faults: FaultQueue | None = None, rate_limits: dict | None = None):
        self.clock = clock if clock is not None else SimClock(datetime.now().astimezone())
        self.on_request: Callable[[int, str], None] | None = None
        self._address = (host, port)
        self._faults = faults or FaultQueue()
        self._limiter = RateLimiter({**self.rate_limits, **(rate_limits or {})})
        self._lock = threading.Lock()
        self._requests: list[dict] = []
        self._served_ids: set[str] = set()
        self._served_authors: set[str] = set()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    # lifecycle
    def start(self):
        if self._server is None:
            self._server = _Server(self._address, self)
            self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                                            name=type(self).__name__, daemon=True)
            self._thread.start()
        return self

    def stop(self) -> None:
        server, self._server = self._server, None
        if server is None:
            return
        server.shutdown()
        for connection in list(server.connections):
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)
        server.server_close()
        self._thread.join(timeout=5)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        if self._server is None:
            raise RuntimeError(f"{type(self).__name__} is not serving: call start() first")
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    # what tests look at and change
    @property
    def requests(self) -> list[dict]:
        with self._lock:
            return [dict(entry) for entry in self._requests]

    @property
    def served_ids(self) -> set[str]:
        with self._lock:
            return set(self._served_ids)

    @property
    def served_author_ids(self) -> set[str]:
        with self._lock:
            return set(self._served_authors)

    def inject(self, fault: Fault) -> None:
        self._faults.add(fault)

    def clear_faults(self) -> None:
        self._faults.clear()

    # what a subclass provides
    def answer(self, request: Request, fault: Fault | None) -> Reply:
        raise NotImplementedError

    def limited_path(self, path: str) -> str | None:
        """The rate window a path counts against (None: not limited)."""
        return path

    def rate_headers(self, raw: dict) -> dict:
        """fakex's x-rate-limit-* headers as this network names them."""
        return raw

    def error_reply(self, fault: Fault, headers: dict, now: datetime) -> Reply:
        raise NotImplementedError

    def rate_limited_reply(self, headers: dict) -> Reply:
        raise NotImplementedError

    # serving
    def _serve(self, handler: BaseHTTPRequestHandler, method: str) -> None:
        now = self.clock()
        target = urlsplit(handler.path)
        body = None
        length = int(handler.headers.get("Content-Length") or 0)
        if length:
            try:
                body = json.loads(handler.rfile.read(length) or b"null")
            except ValueError:
                body = None
        request = Request(method, target.path, parse_qs(target.query, keep_blank_values=True),
                          {k.lower(): v for k, v in handler.headers.items()}, body, now)
        entry = {"method": method, "path": target.path, "params": {k: v[-1] for k, v in request.params.items()},
                 "status": None, "time": now}
        with self._lock:
            self._requests.append(entry)
            number = len(self._requests)
        if self.on_request is not None:
            self.on_request(number, target.path)
        reply = self._reply(request, now)
        with self._lock:
            entry["status"] = None if reply.drop else reply.status
            self._served_ids.update(reply.served_ids)
            self._served_authors.update(reply.served_authors)
        self._write(handler, reply)

    def _reply(self, request: Request, now: datetime) -> Reply:
        window = self.limited_path(request.path)
        fault = self._faults.take(request.path)
        peek = self.rate_headers(self._limiter.peek(window or "*", now))
        if fault is not None and fault.kind in ERROR_FAULTS:
            if fault.kind == "drop":
                return Reply(0, drop=True)
            return self.error_reply(fault, peek, now)
        headers = peek
        if window is not None:
            allowed, raw = self._limiter.consume(window, now)
            headers = self.rate_headers(raw)
            if not allowed:
                return self.rate_limited_reply(headers)
        if fault is not None and fault.kind == "slow":
            time.sleep(fault.delay)
        reply = self.answer(request, fault)
        reply.headers = {**headers, **reply.headers}
        if fault is not None and fault.kind == "malformed":
            return Reply(200, MALFORMED_BODY, reply.headers)
        if fault is not None and fault.kind == "truncated":
            return Reply(200, reply.body[: len(reply.body) // 2], reply.headers)
        return reply

    @staticmethod
    def _write(handler: BaseHTTPRequestHandler, reply: Reply) -> None:
        if reply.drop:
            handler.close_connection = True
            return
        try:
            handler.send_response(reply.status)
            handler.send_header("Content-Type", "application/json; charset=utf-8")
            handler.send_header("Content-Length", str(len(reply.body)))
            for name, value in reply.headers.items():
                handler.send_header(name, value)
            handler.end_headers()
            handler.wfile.write(reply.body)
        except (BrokenPipeError, ConnectionResetError):
            handler.close_connection = True
