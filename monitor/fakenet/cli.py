"""`campaign-monitor fake-bluesky` and `fake-mastodon`: the simulated servers on loopback, to point a config
at and try things out, as `fake-x` serves the simulated X API (the same options where they mean the same).

The Bluesky account's app password is the simulated server's own (it never meets the real network):
give it with --app-password or BLUESKY_APP_PASSWORD; without either, any password signs in.
"""
from __future__ import annotations

import argparse
import os
import signal
import threading
from datetime import timedelta

from monitor.fakex.clock import SimClock, wall_clock

from .bluesky import DEFAULT_START, FakeBluesky
from .mastodon import DEFAULT_DOMAINS, FakeMastodon


def _parser(prog: str, what: str, port: int) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog=prog, description=f"Serve {what} on loopback.")
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default: loopback)")
    parser.add_argument("--port", type=int, default=port, help="port to listen on; 0 picks a free one")
    parser.add_argument("--seed", type=int, default=1, help="same seed, same corpus")
    parser.add_argument("--days", type=int, default=14, help="days of posts to generate")
    parser.add_argument("--posts-per-day", type=int, default=200, help="average posts a day")
    parser.add_argument("--realtime", action="store_true",
                        help="wall clock; posts for the last DAYS days and new ones keep appearing")
    parser.add_argument("--churn", action="store_true", help="some posts get deleted")
    return parser


def _timeline(args) -> dict:
    """The corpus's span and clock: fixed (its end) or the wall clock with posts still to come."""
    if args.realtime:
        now = wall_clock().replace(microsecond=0)
        return {"start": now - timedelta(days=args.days), "days": 2 * args.days, "clock": wall_clock}
    return {"start": DEFAULT_START, "days": args.days, "clock": SimClock(DEFAULT_START + timedelta(days=args.days))}


def _serve(fake, lines: list[str]) -> int:
    stop = threading.Event()
    for signal_number in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signal_number, lambda *_: stop.set())
    fake.start()
    try:
        for line in lines:
            print(line.format(base=fake.base_url), flush=True)
        while not stop.wait(0.5):
            pass
    finally:
        fake.stop()
    return 0


def bluesky_main(argv: list[str] | None = None) -> int:
    """`campaign-monitor fake-bluesky --port 8710 --handle monitor.bsky.social [--realtime]`."""
    parser = _parser("campaign-monitor fake-bluesky", "a simulated Bluesky (AT Protocol XRPC)", 8710)
    parser.add_argument("--handle", default="monitor.bsky.social", help="the account that signs in")
    parser.add_argument("--app-password", default=None, help="its app password (default: $BLUESKY_APP_PASSWORD, "
                                                              "else any); never printed")
    parser.add_argument("--mention", default="nahtnews.bsky.social", help="the campaign account people mention")
    args = parser.parse_args(argv)
    password = args.app_password or os.environ.get("BLUESKY_APP_PASSWORD")
    fake = FakeBluesky(seed=args.seed, posts_per_day=args.posts_per_day, handle=args.handle, app_password=password,
                       mention=args.mention, host=args.host, port=args.port, churn=args.churn, **_timeline(args))
    return _serve(fake, ["{base}  simulated Bluesky: [bluesky] base_url = \"{base}\", "
                         f"sign in as {args.handle}, bluesky_mentions = [\"{args.mention}\"]"])


def mastodon_main(argv: list[str] | None = None) -> int:
    """`campaign-monitor fake-mastodon --port 8720 --domain school.social --domain teachers.example`."""
    parser = _parser("campaign-monitor fake-mastodon", "simulated Mastodon servers", 8720)
    parser.add_argument("--domain", action="append", default=None,
                        help=f"a server of the simulated fediverse (repeat; default: {', '.join(DEFAULT_DOMAINS)})")
    args = parser.parse_args(argv)
    fake = FakeMastodon(seed=args.seed, posts_per_day=args.posts_per_day, domains=tuple(args.domain or DEFAULT_DOMAINS),
                        host=args.host, port=args.port, churn=args.churn, **_timeline(args))
    fake.start()
    servers = ", ".join(f'"{url}"' for url in fake.base_urls)
    return _serve(fake, [f"{url}  simulated Mastodon server" for url in fake.base_urls]
                  + [f"mastodon_servers = [{servers}]"])
