"""A simulated X API v2 on loopback that tweepy talks to unmodified.

    with FakeX(seed=7, posts_per_day=200) as fx:
        fx.clock.set(datetime(2026, 11, 16, 9, tzinfo=timezone.utc))
        ...  # point tweepy at fx.base_url

Everything time-dependent (which posts exist, the 7-day window, metrics, deletions,
rate-limit windows and x-rate-limit-reset) follows `fx.clock`, so a test decides what "now" is.
The HTTP side (a thread per connection, keep-alive on) is monitor.fakex.http's; the endpoints are
monitor.fakex.api's; error and fault answers monitor.fakex.replies'; billing monitor.fakex.billing's.
"""
from __future__ import annotations

import re
import sys
import time
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler
from typing import Callable
from urllib.parse import parse_qsl, urlsplit

from .api import ApiError, ApiResult, XApi
from .billing import OWNED_READ, POST_READ, USER_READ, ReadLedger, dollars
from .clock import SimClock
from .command import serve_until_stopped, simulator_parser, timeline
from .corpus import Corpus
from .faults import ERROR_FAULTS, Fault
from .generator import build_corpus
from .http import LoopbackService, QuietHandler, Reply, json_reply, write_reply
from .mps import add_mp_activity
from .ratelimit import RateLimiter
from .replies import alter_body, encode_result, fault_reply, problem

SEARCH_PATH = "/2/tweets/search/recent"
LOOKUP_PATH = "/2/tweets"
MENTIONS_PATH = "/2/users/:id/mentions"   # one rate window for every user's timeline
MENTIONS_RE = re.compile(r"^/2/users/(\d{1,19})/mentions$")
DEFAULT_RATE_LIMITS = {SEARCH_PATH: 450, LOOKUP_PATH: 900, MENTIONS_PATH: 450}
OTHER_PATHS = "*"   # one rate window for every unknown path, so junk paths cannot grow the table
DEFAULT_START = datetime(2026, 11, 9, tzinfo=timezone.utc)

class _Handler(QuietHandler):
    server_version = "tsa_b"   # as X's own servers name themselves


class FakeX(LoopbackService):
    """The simulated X API v2. See the module docstring and tests/test_fakex.py for use."""

    handler = _Handler

    def __init__(self, seed: int = 7, start: datetime = DEFAULT_START, days: int = 14, posts_per_day: int = 200,
                 hashtags=("InvestInPupilServices", "PupilAndFamilyServices", "FundOurSchools"),
                 mention: str | None = "NAHTnews", bearer_token: str | None = "test-token",
                 host: str = "127.0.0.1", port: int = 0, clock: Callable[[], datetime] | None = None,
                 churn: bool = False, rate_limits: dict | None = None, rising: float = 0.0, mps: bool = False,
                 events: bool = True):
        self.corpus: Corpus = build_corpus(seed, start, days, posts_per_day, hashtags, mention, churn, rising, events)
        if mps:   # MP accounts from the register, posting and mentioned (monitor.fakex.mps)
            add_mp_activity(self.corpus)
        # The default SimClock starts at `start`: nothing posted yet; set or advance it.
        self.clock = clock if clock is not None else SimClock(start)
        super().__init__(host, port)
        self._api = XApi(self.corpus)
        self._bearer_token = bearer_token
        self._limiter = RateLimiter({**DEFAULT_RATE_LIMITS, **(rate_limits or {})})
        self._ledger = ReadLedger()

    # what tests look at
    def now(self) -> datetime:
        return self.clock()

    def visible_ids(self, query: str | None = None) -> set[str]:
        return self._api.visible_ids(self.clock(), query)

    @property
    def default_query(self) -> str:
        return self._api.default_query

    @property
    def billed(self) -> set[tuple[str, str, object, str]]:
        """What X would bill so far: (resource 'post'|'user', id, UTC day, endpoint) for each post in `data`
        and each user in `includes.users` of every readable answer, once per resource per UTC day (the
        endpoint of the first read that day)."""
        return self._ledger.billed()

    def bill(self, post_read: float = POST_READ, user_read: float = USER_READ, owned_read: float = OWNED_READ) -> float:
        """The dollars of `billed`: the mentions timeline at the owned-reads price."""
        return dollars(self.billed, MENTIONS_PATH, post_read, user_read, owned_read)

    # what tests change
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
    def handle(self, handler: BaseHTTPRequestHandler, method: str) -> None:
        now = self.clock()
        target = urlsplit(handler.path)
        params = dict(parse_qsl(target.query, keep_blank_values=True))
        entry = {"path": target.path, "params": params, "status": None, "time": now}
        self._log_request(entry)
        reply, served = self._answer(target.path, params, handler.headers.get("Authorization"), now)
        if served is None:
            self._log_reply(entry, reply)
        else:
            authors = [str(u["id"]) for u in served.body.get("includes", {}).get("users", [])]
            self._log_reply(entry, reply, served.served_ids, authors)
            self._ledger.record(served.body, now, self._rate_path(target.path))
        write_reply(handler, reply)

    @staticmethod
    def _rate_path(path: str) -> str:
        return MENTIONS_PATH if MENTIONS_RE.match(path) else path

    def _answer(self, path: str, params: dict, authorization: str | None,
                now: datetime) -> tuple[Reply, ApiResult | None]:
        """The reply, and the result it carries readably (None for an error or an unreadable body)."""
        user_path = MENTIONS_RE.match(path)
        path = self._rate_path(path)
        if path not in DEFAULT_RATE_LIMITS:
            body = {"errors": [{"message": "Sorry, that page does not exist", "code": 34}]}
            return json_reply(404, body, self._limiter.peek(OTHER_PATHS, now)), None
        if self._bearer_token is not None and authorization != f"Bearer {self._bearer_token}":
            return json_reply(401, problem(401, "Unauthorized", "Unauthorized"), self._limiter.peek(path, now)), None
        fault = self._faults.take(path)
        if fault is not None and fault.kind in ERROR_FAULTS:
            return fault_reply(fault, self._limiter.peek(path, now), now), None
        allowed, rate_headers = self._limiter.consume(path, now)
        if not allowed:
            return json_reply(429, problem(429, "Too Many Requests", "Too Many Requests"), rate_headers), None
        if fault is not None and fault.kind == "slow":
            time.sleep(fault.delay)
        try:
            result = self._call_endpoint(path, params, now, fault, user_path.group(1) if user_path else None)
        except ApiError as error:
            return json_reply(error.status, error.body, rate_headers), None
        alter_body(fault, result.body)
        return encode_result(result, fault, rate_headers)

    def _call_endpoint(self, path: str, params: dict, now: datetime, fault: Fault | None,
                       user_id: str | None = None) -> ApiResult:
        if path == MENTIONS_PATH:
            return self._api.mentions(user_id, params, now)
        if path == SEARCH_PATH:
            return self._api.search_recent(params, now, duplicate=fault is not None and fault.kind == "duplicate")
        return self._api.lookup(params, now)


# --- command line --------------------------------------------------------------------------

def main(argv: list[str] | None = None) -> int:
    """`campaign-monitor fake-x --port 8700 --seed 1 --days 14 --posts-per-day 200 [--realtime]`."""
    parser = simulator_parser("campaign-monitor fake-x", "a simulated X API v2", 8700,
                              posts_per_day_help="average posts a day (event days 3-5x)",
                              churn_help="some posts get deleted, some authors protected")
    parser.add_argument("--mps", action="store_true",
                        help="MP accounts from the register post, reply and are mentioned")
    parser.add_argument("--bearer-token", default=None, help="token to require (default: accept any); never printed")
    args = parser.parse_args(argv)
    fake = FakeX(seed=args.seed, posts_per_day=args.posts_per_day, bearer_token=args.bearer_token, host=args.host,
                 port=args.port, churn=args.churn, mps=args.mps, **timeline(args, DEFAULT_START))
    clock = "wall" if args.realtime else fake.clock().isoformat()
    return serve_until_stopped(fake, [f"{{base}}  fake X API v2: seed {args.seed}, {len(fake.corpus.posts)} posts, "
                                      f"clock {clock}"])


if __name__ == "__main__":
    sys.exit(main())
