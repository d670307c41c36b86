"""Clocks for the simulated X API: a settable simulation clock and the wall clock."""
from __future__ import annotations

import threading
from datetime import datetime, timedelta, timezone


def _require_aware(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        raise ValueError("the clock needs an aware datetime (tzinfo=timezone.utc)")
    return moment.astimezone(timezone.utc)


class SimClock:
    """A clock that only moves when told to: tests decide what 'now' is.

    Calling the clock returns the current simulated time, so a SimClock can be passed
    anywhere a `clock: Callable[[], datetime]` is expected (for example to a collector).
    """

    def __init__(self, start: datetime):
        self._now = _require_aware(start)
        self._lock = threading.Lock()

    def __call__(self) -> datetime:
        return self.now()

    def now(self) -> datetime:
        with self._lock:
            return self._now

    def set(self, moment: datetime) -> None:
        with self._lock:
            self._now = _require_aware(moment)

    def advance(self, step: timedelta) -> datetime:
        with self._lock:
            self._now = self._now + step
            return self._now

    def __repr__(self) -> str:
        return f"SimClock({self.now().isoformat()})"


def wall_clock() -> datetime:
    return datetime.now(timezone.utc)
