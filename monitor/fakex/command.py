"""The command-line side every simulated server shares (`campaign-monitor fake-x`, `fake-bluesky`,
`fake-mastodon`): the common options, the timeline they choose, and serving until SIGINT or SIGTERM.
"""
from __future__ import annotations

import argparse
import signal
import threading
from datetime import datetime, timedelta

from .clock import SimClock, wall_clock


def simulator_parser(prog: str, what: str, port: int, posts_per_day_help: str = "average posts a day",
                     churn_help: str = "some posts get deleted") -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog=prog, description=f"Serve {what} on loopback.")
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default: loopback)")
    parser.add_argument("--port", type=int, default=port, help="port to listen on; 0 picks a free one")
    parser.add_argument("--seed", type=int, default=1, help="same seed, same corpus")
    parser.add_argument("--days", type=int, default=14, help="days of posts to generate")
    parser.add_argument("--posts-per-day", type=int, default=200, help=posts_per_day_help)
    parser.add_argument("--realtime", action="store_true",
                        help="wall clock; posts for the last DAYS days and new ones keep appearing")
    parser.add_argument("--churn", action="store_true", help=churn_help)
    return parser


def timeline(args, default_start: datetime) -> dict:
    """The corpus's span and clock: fixed (at its end) or, with --realtime, the wall clock with the timeline
    laid from now-days to now+days so that posts keep appearing as time passes."""
    if args.realtime:
        now = wall_clock().replace(microsecond=0)
        return {"start": now - timedelta(days=args.days), "days": 2 * args.days, "clock": wall_clock}
    return {"start": default_start, "days": args.days, "clock": SimClock(default_start + timedelta(days=args.days))}


def serve_until_stopped(service, lines: list[str]) -> int:
    """Start `service`, print each line (with {base} its base URL), serve until SIGINT or SIGTERM, stop."""
    stop = threading.Event()
    for signal_number in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signal_number, lambda *_: stop.set())
    service.start()
    try:
        for line in lines:
            print(line.format(base=service.base_url), flush=True)
        while not stop.wait(0.5):
            pass
    finally:
        service.stop()
    return 0
