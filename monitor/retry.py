"""One retry policy for every API call: wait out rate limits, back off on transient faults.

Rate-limit waits do not use up retries when X says when the window resets; transient faults
(5xx, timeouts, dropped connections, unreadable bodies) are retried max_retries times with
exponential backoff, then the caller's run fails with the reason and keeps what it stored.
Halting faults (usage cap, credits, bad credentials) and rejections pass straight through.
"""
from __future__ import annotations

import time
from datetime import datetime, timezone
from typing import Callable, TypeVar

from monitor.config import Config
from monitor.sources.x import RateLimited, TransientError, sleep_until

T = TypeVar("T")
Recorder = Callable[..., None]  # record(kind, detail, status_code, **counters)


class GaveUp(Exception):
    """Retries exhausted, a wait too long, or asked to stop: the run ends failed with this reason."""


def call_with_retries(call: Callable[[], T], config: Config, record: Recorder, stop: Callable[[], bool],
                      wall: Callable[[], float] = time.time) -> T:
    failures = 0
    while True:
        try:
            return call()
        except RateLimited as e:
            deadline = e.reset_at + 1 if e.reset_at else wall() + config.backoff_seconds * 2 ** failures
            failures += e.reset_at is None  # no reset header: back off further each time
            wait = max(0.0, deadline - wall())
            if wait > config.max_rate_limit_wait:
                until = datetime.fromtimestamp(deadline, timezone.utc)
                raise GaveUp(f"rate limited until {until:%Y-%m-%d %H:%M:%S} UTC, longer than "
                             f"max_rate_limit_wait_seconds ({config.max_rate_limit_wait:.0f}s)") from None
            record("rate_limit", f"429: waiting {wait:.1f}s for the rate-limit window", 429,
                   requests=1, rate_limit_waits=1, rate_limit_wait_seconds=wait)
            if not sleep_until(deadline, stop, wall):
                raise GaveUp("stopped while waiting for the rate limit") from None
        except TransientError as e:
            failures += 1
            if failures > config.max_retries:
                raise GaveUp(f"{e} (gave up after {failures} attempts; what was stored is kept and "
                             "the next run continues from there)") from None
            delay = config.backoff_seconds * 2 ** (failures - 1)
            record("retry", f"{e}; retry {failures} of {config.max_retries} in {delay:.1f}s", e.status,
                   requests=1, errors=1)
            if not sleep_until(wall() + delay, stop, wall):
                raise GaveUp("stopped while waiting to retry") from None
