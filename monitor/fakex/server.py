"""A simulated X API v2 on loopback that tweepy talks to unmodified.

    with FakeX(seed=7, posts_per_day=200) as fx:
        fx.clock.set(datetime(2026, 11, 16, 9, tzinfo=timezone.utc))
        ...  # point tweepy at fx.base_url

Everything time-dependent (which posts exist, the 7-day window, metrics, deletions,
rate-limit windows and x-rate-limit-reset) follows `fx.clock`, so a test decides what "now" is.
Standard library HTTP only (ThreadingHTTPServer), one thread per connection, keep-alive on.
"""
from __future__ import annotations

import argparse
import contextlib
import json
import re
import signal
import socket
import sys
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Callable
from urllib.parse import parse_qsl, urlsplit

from .api import PROBLEMS, ApiError, ApiResult, XApi, invalid_request
from .clock import SimClock, wall_clock
from .faults import ERROR_FAULTS, Fault, FaultQueue
from .generator import Corpus, build_corpus
from .mps import add_mp_activity

SEARCH_PATH = "/2/tweets/search/recent"
LOOKUP_PATH = "/2/tweets"
MENTIONS_PATH = "/2/users/:id/mentions"   # one rate window for every user's timeline
MENTIONS_RE = re.compile(r"^/2/users/(\d{1,19})/mentions$")
DEFAULT_RATE_LIMITS = {SEARCH_PATH: 450, LOOKUP_PATH: 900, MENTIONS_PATH: 450}
RATE_WINDOW_SECONDS = 15 * 60
OTHER_PATHS = "*"   # one rate window for every unknown path, so junk paths cannot grow the table
DEFAULT_START = datetime(2026, 11, 9, tzinfo=timezone.utc)
MALFORMED_BODY = b'{"data": [{"id": "1", "text": <html><body>upstream error</body></html>'


# --- rate limits ---------------------------------------------------------------------------

@dataclass
class _Window:
    limit: int
    seconds: int
    remaining: int = 0
    reset_at: int = 0   # unix seconds on the simulation clock


class RateLimiter:
    """A fixed 15-minute window per endpoint, counted on the simulation clock."""

    def __init__(self, limits: dict):
        self._windows = {}
        for path, setting in limits.items():
            limit, seconds = setting if isinstance(setting, tuple) else (setting, RATE_WINDOW_SECONDS)
            self._windows[path] = _Window(limit=int(limit), seconds=int(seconds))
        self._lock = threading.Lock()

    def _current(self, path: str, now: datetime) -> _Window:
        window = self._windows.setdefault(path, _Window(limit=900, seconds=RATE_WINDOW_SECONDS))
        now_s = int(now.timestamp())
        if now_s >= window.reset_at:
            window.remaining, window.reset_at = window.limit, now_s + window.seconds
        return window

    def consume(self, path: str, now: datetime) -> tuple[bool, dict]:
        """Take one request from the window; False when the window is exhausted."""
        with self._lock:
            window = self._current(path, now)
            allowed = window.remaining > 0
            if allowed:
                window.remaining -= 1
            return allowed, self._headers(window)

    def peek(self, path: str, now: datetime) -> dict:
        with self._lock:
            return self._headers(self._current(path, now))

    @staticmethod
    def _headers(window: _Window) -> dict:
        return {"x-rate-limit-limit": str(window.limit), "x-rate-limit-remaining": str(window.remaining),
                "x-rate-limit-reset": str(window.reset_at)}


# --- responses -----------------------------------------------------------------------------

@dataclass
class _Reply:
    status: int
    body: bytes
    headers: dict = field(default_factory=dict)
    drop: bool = False              # close the connection without answering


def _json_reply(status: int, body: dict, headers: dict) -> _Reply:
    try:
        data = json.dumps(body, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:   # a lone surrogate: JSON carries it only as a \ud800 escape, as X would
        data = json.dumps(body).encode("ascii")
    return _Reply(status, data, headers)


def _problem(status: int, title: str | None = None, detail: str | None = None, kind: str = "about:blank") -> dict:
    phrase = HTTPStatus(status).phrase if status in HTTPStatus._value2member_map_ else "Error"
    return {"title": title or phrase, "detail": detail or phrase, "type": kind, "status": status}


def _fault_reply(fault: Fault, rate_headers: dict, now: datetime) -> _Reply:
    """The answer for a fault that replaces the endpoint's answer."""
    if fault.kind == "drop":
        return _Reply(0, b"", drop=True)
    if fault.kind == "rate_limit":
        headers = {**rate_headers, "x-rate-limit-remaining": "0"}
        headers.pop("x-rate-limit-reset")
        if fault.reset_in is not None:
            headers["x-rate-limit-reset"] = str(int(now.timestamp() + fault.reset_in))
        return _json_reply(429, _problem(429, "Too Many Requests", "Too Many Requests"), headers)
    if fault.kind == "usage_cap":
        body = {"account_id": 1740000000, "product_name": "standard-basic", "title": "UsageCapExceeded",
                "period": "Monthly", "scope": "Product", "detail": "Usage cap exceeded: Monthly product cap",
                "type": PROBLEMS + "usage-capped"}
        return _json_reply(429, body, rate_headers)   # remaining stays as it is: waiting will not help
    if fault.kind == "credits":
        body = {"title": "Credits Depleted", "detail": "Your account does not have any credits left to "
                "fulfill this request.", "type": PROBLEMS + "credits-depleted"}
        return _json_reply(402, body, rate_headers)
    if fault.kind == "unauthorized":
        return _json_reply(401, _problem(401, "Unauthorized", "Unauthorized"), rate_headers)
    if fault.kind == "forbidden":
        body = {"title": "Client Forbidden", "detail": "This request must be made using an approved "
                "developer account that is enrolled in the requested endpoint.", "reason": "client-not-enrolled",
                "registration_url": "https://developer.x.com/en/portal/product", "required_enrollment":
                "Appropriate Level of API Access", "type": PROBLEMS + "client-forbidden"}
        return _json_reply(403, body, rate_headers)
    status = fault.status or 500
    if status == 400:
        error = invalid_request("query", [], "There were errors processing your request (injected fault)")
        return _json_reply(400, error.body, rate_headers)
    return _json_reply(status, _problem(status), rate_headers)


def _alter_body(fault: Fault | None, body: dict) -> None:
    """Faults that damage a good page in place."""
    if fault is None:
        return
    if fault.kind == "no_includes":
        body.pop("includes", None)
    elif fault.kind == "missing_author" and body.get("data"):
        users = body.get("includes", {}).get("users", [])
        missing = body["data"][0].get("author_id")
        body.get("includes", {})["users"] = [user for user in users if user["id"] != missing]
    elif fault.kind == "duplicate" and body.get("data") and "meta" not in body:
        body["data"].append(body["data"][0])   # lookups have no pages: repeat within the answer
    elif fault.kind == "out_of_order" and body.get("data"):
        body["data"].reverse()   # ids ascending instead of newest first; meta still tells the truth


# --- the server ----------------------------------------------------------------------------

class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"   # keep-alive, as requests.Session expects
    server_version = "tsa_b"
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
        self.server.fakex._serve(self)

    def log_message(self, format, *args):
        pass   # quiet: tests read fx.requests, and headers (with the token) are never logged


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address, fakex: "FakeX"):
        self.fakex = fakex
        self.connections: set[socket.socket] = set()
        super().__init__(address, _Handler)


class FakeX:
    """The simulated X API v2. See the module docstring and tests/test_fakex.py for use."""

    def __init__(self, seed: int = 7, start: datetime = DEFAULT_START, days: int = 14, posts_per_day: int = 200,
                 hashtags=("InvestInPupilServices", "PupilAndFamilyServices", "FundOurSchools"),
                 mention: str | None = "NAHTnews", bearer_token: str | None = "test-token",
                 host: str = "127.0.0.1", port: int = 0, clock: Callable[[], datetime] | None = None,
                 churn: bool = False, rate_limits: dict | None = None, rising: float = 0.0, mps: bool = False):
        self.corpus: Corpus = build_corpus(seed, start, days, posts_per_day, hashtags, mention, churn, rising)
        if mps:   # MP accounts from the register, posting and mentioned (monitor.fakex.mps)
            add_mp_activity(self.corpus)
        # The default SimClock starts at `start`: nothing posted yet; set or advance it.
        self.clock = clock if clock is not None else SimClock(start)
        self.on_request: Callable[[int, str], None] | None = None
        self._api = XApi(self.corpus)
        self._bearer_token = bearer_token
        self._address = (host, port)
        self._limiter = RateLimiter({**DEFAULT_RATE_LIMITS, **(rate_limits or {})})
        self._faults = FaultQueue()
        self._lock = threading.Lock()
        self._requests: list[dict] = []
        self._served_ids: set[str] = set()
        self._served_author_ids: set[str] = set()
        self._billed: dict[tuple[str, str, object], str] = {}
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    # lifecycle
    def start(self) -> "FakeX":
        if self._server is None:
            self._server = _Server(self._address, self)
            # A short poll interval makes stop() quick (tests start and stop many servers).
            self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                                            name="fakex", daemon=True)
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

    def __enter__(self) -> "FakeX":
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        if self._server is None:
            raise RuntimeError("FakeX is not serving: call start() first")
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    # what tests look at
    def now(self) -> datetime:
        return self.clock()

    def visible_ids(self, query: str | None = None) -> set[str]:
        return self._api.visible_ids(self.clock(), query)

    @property
    def default_query(self) -> str:
        return self._api.default_query

    @property
    def served_ids(self) -> set[str]:
        with self._lock:
            return set(self._served_ids)

    @property
    def served_author_ids(self) -> set[str]:
        """Authors a readable answer (search page or lookup) included in full: in includes.users, after any fault."""
        with self._lock:
            return set(self._served_author_ids)

    @property
    def billed(self) -> set[tuple[str, str, object, str]]:
        """What X would bill so far: (resource 'post'|'user', id, UTC day, endpoint) for each post in `data`
        and each user in `includes.users` of every readable answer, once per resource per UTC day (the
        endpoint of the first read that day)."""
        with self._lock:
            return {(kind, resource_id, day, path) for (kind, resource_id, day), path in self._billed.items()}

    def bill(self, post_read: float = 0.005, user_read: float = 0.010, owned_read: float = 0.001) -> float:
        """The dollars of `billed`: the mentions timeline at the owned-reads price."""
        return sum(owned_read if path == MENTIONS_PATH else post_read if kind == "post" else user_read
                   for kind, _id, _day, path in self.billed)

    @property
    def requests(self) -> list[dict]:
        with self._lock:
            return [dict(entry) for entry in self._requests]

    # what tests change
    def inject(self, fault: Fault) -> None:
        self._faults.add(fault)

    def clear_faults(self) -> None:
        self._faults.clear()

    def delete_post(self, post_id: str) -> None:
        self._api.delete_post(post_id)

    def protect_author(self, user_id: str) -> None:
        self._api.protect_author(user_id)

    def add_post(self, text: str, user: dict, at: datetime | None = None, final_metrics: tuple | None = None,
                 reply_to: str | None = None, quote_of: str | None = None) -> str:
        """Serve a post of your own (e.g. hostile text) by `user` ({"id", "username", optional "name",
        "location", ...}), posted at `at` (default: a minute before the clock's now), optionally a reply
        to or a quote of another post. Its hashtags (and mentions of users the corpus knows) are taken
        from the text, so a campaign search finds it when the text carries a campaign hashtag; a text over
        280 characters comes the way X sends a long post (cut `text`, the whole in `note_tweet`).
        `final_metrics`: (reposts, replies, likes, quotes, bookmarks, impressions) when fully grown.
        Call before collecting; returns the post id."""
        extra = {"final_metrics": tuple(final_metrics)} if final_metrics else {}
        return self.corpus.add_post(text, user, at or self.clock() - timedelta(minutes=1), reply_to=reply_to,
                                    quote_of=quote_of, **extra)

    def edit_post(self, post_id: str, text: str, at: datetime | None = None) -> str:
        """The author edits the post at `at` (default: a minute before the clock's now): a new version with
        its own id and the edit history X gives it; from then on search finds only the new version.
        Returns the new version's id."""
        return self.corpus.edit_post(post_id, text, at or self.clock() - timedelta(minutes=1))

    # serving
    def _serve(self, handler: BaseHTTPRequestHandler) -> None:
        now = self.clock()
        target = urlsplit(handler.path)
        params = dict(parse_qsl(target.query, keep_blank_values=True))
        entry = {"path": target.path, "params": params, "status": None, "time": now}
        with self._lock:
            self._requests.append(entry)
            number = len(self._requests)
        if self.on_request is not None:
            self.on_request(number, target.path)
        reply, served = self._answer(target.path, params, handler.headers.get("Authorization"), now)
        with self._lock:
            entry["status"] = None if reply.drop else reply.status
            if served is not None:
                self._served_ids.update(served.served_ids)
                self._served_author_ids.update(str(u["id"]) for u in served.body.get("includes", {}).get("users", []))
                self._bill(served.body, now, self._rate_path(target.path))
        self._write(handler, reply)

    def _bill(self, body: dict, now: datetime, path: str) -> None:
        """Called with the lock held."""
        day = now.astimezone(timezone.utc).date()
        reads = [("post", str(p["id"])) for p in body.get("data") or () if isinstance(p, dict) and "id" in p]
        reads += [("user", str(u["id"])) for u in (body.get("includes") or {}).get("users") or ()]
        for kind, resource_id in reads:
            self._billed.setdefault((kind, resource_id, day), path)   # the first read of the day is billed

    @staticmethod
    def _rate_path(path: str) -> str:
        return MENTIONS_PATH if MENTIONS_RE.match(path) else path

    def _answer(self, path: str, params: dict, authorization: str | None,
                now: datetime) -> tuple[_Reply, ApiResult | None]:
        """The reply, and the result it carries readably (None for an error or an unreadable body)."""
        user_path = MENTIONS_RE.match(path)
        path = self._rate_path(path)
        if path not in DEFAULT_RATE_LIMITS:
            body = {"errors": [{"message": "Sorry, that page does not exist", "code": 34}]}
            return _json_reply(404, body, self._limiter.peek(OTHER_PATHS, now)), None
        if self._bearer_token is not None and authorization != f"Bearer {self._bearer_token}":
            return _json_reply(401, _problem(401, "Unauthorized", "Unauthorized"), self._limiter.peek(path, now)), None
        fault = self._faults.take(path)
        if fault is not None and fault.kind in ERROR_FAULTS:
            return _fault_reply(fault, self._limiter.peek(path, now), now), None
        allowed, rate_headers = self._limiter.consume(path, now)
        if not allowed:
            return _json_reply(429, _problem(429, "Too Many Requests", "Too Many Requests"), rate_headers), None
        if fault is not None and fault.kind == "slow":
            time.sleep(fault.delay)
        try:
            result = self._call_endpoint(path, params, now, fault, user_path.group(1) if user_path else None)
        except ApiError as error:
            return _json_reply(error.status, error.body, rate_headers), None
        _alter_body(fault, result.body)
        return self._encode(result, fault, rate_headers)

    def _call_endpoint(self, path: str, params: dict, now: datetime, fault: Fault | None,
                       user_id: str | None = None) -> ApiResult:
        if path == MENTIONS_PATH:
            return self._api.mentions(user_id, params, now)
        if path == SEARCH_PATH:
            return self._api.search_recent(params, now, duplicate=fault is not None and fault.kind == "duplicate")
        return self._api.lookup(params, now)

    @staticmethod
    def _encode(result: ApiResult, fault: Fault | None, rate_headers: dict) -> tuple[_Reply, ApiResult | None]:
        reply = _json_reply(result.status, result.body, rate_headers)
        if fault is not None and fault.kind == "malformed":
            return _Reply(200, MALFORMED_BODY, rate_headers), None
        if fault is not None and fault.kind == "truncated":
            return _Reply(200, reply.body[: len(reply.body) // 2], rate_headers), None
        return reply, result

    @staticmethod
    def _write(handler: BaseHTTPRequestHandler, reply: _Reply) -> None:
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


# --- command line --------------------------------------------------------------------------

def main(argv: list[str] | None = None) -> int:
    """`campaign-monitor fake-x --port 8700 --seed 1 --days 14 --posts-per-day 200 [--realtime]`."""
    parser = argparse.ArgumentParser(prog="campaign-monitor fake-x",
                                     description="Serve a simulated X API v2 on loopback.")
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default: loopback)")
    parser.add_argument("--port", type=int, default=8700, help="port to listen on; 0 picks a free one")
    parser.add_argument("--seed", type=int, default=1, help="same seed, same corpus")
    parser.add_argument("--days", type=int, default=14, help="days of posts to generate")
    parser.add_argument("--posts-per-day", type=int, default=200, help="average posts a day (event days 3-5x)")
    parser.add_argument("--realtime", action="store_true",
                        help="wall clock; posts for the last DAYS days and new ones keep appearing")
    parser.add_argument("--churn", action="store_true", help="some posts get deleted, some authors protected")
    parser.add_argument("--mps", action="store_true",
                        help="MP accounts from the register post, reply and are mentioned")
    parser.add_argument("--bearer-token", default=None, help="token to require (default: accept any); never printed")
    args = parser.parse_args(argv)

    fake = _fake_from_args(args)
    stop = threading.Event()
    for signal_number in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signal_number, lambda *_: stop.set())
    fake.start()
    print(f"{fake.base_url}  fake X API v2: seed {args.seed}, {len(fake.corpus.posts)} posts, "
          f"clock {'wall' if args.realtime else fake.clock().isoformat()}", flush=True)
    try:
        while not stop.wait(0.5):
            pass
    finally:
        fake.stop()
    return 0


def _fake_from_args(args) -> FakeX:
    common = {"seed": args.seed, "posts_per_day": args.posts_per_day, "bearer_token": args.bearer_token,
                  "host": args.host, "port": args.port, "churn": args.churn, "mps": args.mps}
    if args.realtime:
        # Lay the timeline from now-days to now+days so posts keep appearing as time passes.
        now = wall_clock().replace(microsecond=0)
        return FakeX(start=now - timedelta(days=args.days), days=2 * args.days, clock=wall_clock, **common)
    end = DEFAULT_START + timedelta(days=args.days)
    return FakeX(start=DEFAULT_START, days=args.days, clock=SimClock(end), **common)


if __name__ == "__main__":
    sys.exit(main())
