"""The simulated servers' rate limits: a fixed window per endpoint (15 minutes unless told otherwise),
counted on the simulation clock, with the x-rate-limit-* headers X sends (other networks rename them).
"""
from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import datetime

RATE_WINDOW_SECONDS = 15 * 60


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
