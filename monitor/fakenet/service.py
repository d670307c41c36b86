"""What the simulated Bluesky and Mastodon servers share beyond the HTTP side (monitor.fakex.http, as the
simulated X uses it): the settable clock, the fixed-window rate limiter, the parsed Request, and the faults
applied the same way.

A service answers `answer(request)` with a Reply; the faults that replace an answer (an error status,
429, 401/403, a dropped connection) are applied before it runs, the others (slow, unreadable or cut
bodies, duplicates, reversed order, a missing author) alter or delay its answer.
"""
from __future__ import annotations

import json
import time
from dataclasses import dataclass
from datetime import datetime
from http.server import BaseHTTPRequestHandler
from typing import Callable
from urllib.parse import parse_qs, urlsplit

from monitor.fakex.clock import SimClock
from monitor.fakex.faults import ERROR_FAULTS, MALFORMED_BODY, Fault, FaultQueue
from monitor.fakex.http import LoopbackService, QuietHandler, Reply, write_reply
from monitor.fakex.ratelimit import RateLimiter


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


class _Handler(QuietHandler):
    server_version = "fakenet"

    def do_POST(self):
        self.server.service.handle(self, "POST")


class FakeService(LoopbackService):
    """One simulated server on loopback. Subclasses implement `answer` (and `rate_headers`)."""

    handler = _Handler
    rate_limits: dict = {}

    def __init__(self, clock: Callable[[], datetime], host: str = "127.0.0.1", port: int = 0,
                 faults: FaultQueue | None = None, rate_limits: dict | None = None):
        super().__init__(host, port, faults)
        self.clock = clock if clock is not None else SimClock(datetime.now().astimezone())
        self._limiter = RateLimiter({**self.rate_limits, **(rate_limits or {})})

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
    def handle(self, handler: BaseHTTPRequestHandler, method: str) -> None:
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
        self._log_request(entry)
        reply = self._reply(request, now)
        self._log_reply(entry, reply, reply.served_ids, reply.served_authors)
        write_reply(handler, reply)

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
