"""The HTTP side every simulated server shares (the simulated X here, Bluesky and Mastodon in monitor.fakenet):
a real server on loopback (standard library, a thread per connection, keep-alive) started and stopped with
the service, its log of requests and of what readable answers served, the fault queue, and the writing of
a Reply. A service subclasses LoopbackService and implements `handle`.
"""
from __future__ import annotations

import contextlib
import json
import socket
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Callable

from .faults import Fault, FaultQueue


@dataclass
class Reply:
    status: int
    body: bytes = b""
    headers: dict = field(default_factory=dict)
    drop: bool = False                                     # close the connection without answering
    served_ids: list[str] = field(default_factory=list)   # post ids a readable answer carried
    served_authors: list[str] = field(default_factory=list)


def json_reply(status: int, body, headers: dict | None = None, served_ids=(), served_authors=()) -> Reply:
    try:
        data = json.dumps(body, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:   # a lone surrogate: JSON carries it only as a \ud800 escape, as the networks do
        data = json.dumps(body).encode("ascii")
    return Reply(status, data, dict(headers or {}), served_ids=list(served_ids), served_authors=list(served_authors))


def write_reply(handler: BaseHTTPRequestHandler, reply: Reply) -> None:
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
        handler.close_connection = True   # the client went away (e.g. a killed collector)


class QuietHandler(BaseHTTPRequestHandler):
    """Answers GET through the service; a subclass names the server and adds methods (do_POST)."""

    protocol_version = "HTTP/1.1"   # keep-alive, as requests.Session expects
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
        self.server.service.handle(self, "GET")

    def log_message(self, format, *args):
        pass   # quiet: tests read the service's requests, and headers (with credentials) are never logged


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address, service: "LoopbackService"):
        self.service = service
        self.connections: set[socket.socket] = set()
        super().__init__(address, service.handler)


class LoopbackService:
    """One simulated server on loopback: start()/stop() or a `with` block, then point a client at base_url."""

    handler: type[QuietHandler] = QuietHandler

    def __init__(self, host: str = "127.0.0.1", port: int = 0, faults: FaultQueue | None = None):
        self.on_request: Callable[[int, str], None] | None = None
        self._address = (host, port)
        self._faults = faults or FaultQueue()
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
            # A short poll interval makes stop() quick (tests start and stop many servers).
            self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                                            name=type(self).__name__, daemon=True)
            self._thread.start()
        return self

    def stop(self) -> None:
        server, self._server = self._server, None
        if server is None:
            return
        server.shutdown()
        for connection in list(server.connections):   # end idle keep-alive connections too
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
        """Authors readable answers included in full (on X: in includes.users, after any fault)."""
        with self._lock:
            return set(self._served_authors)

    def inject(self, fault: Fault) -> None:
        self._faults.add(fault)

    def clear_faults(self) -> None:
        self._faults.clear()

    # serving
    def handle(self, handler: BaseHTTPRequestHandler, method: str) -> None:
        raise NotImplementedError

    def _log_request(self, entry: dict) -> None:
        """Log a request as it arrives (its status comes with the reply) and tell `on_request` its number."""
        with self._lock:
            self._requests.append(entry)
            number = len(self._requests)
        if self.on_request is not None:
            self.on_request(number, entry["path"])

    def _log_reply(self, entry: dict, reply: Reply, served_ids=(), served_authors=()) -> None:
        with self._lock:
            entry["status"] = None if reply.drop else reply.status
            self._served_ids.update(served_ids)
            self._served_authors.update(served_authors)
