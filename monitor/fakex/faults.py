"""Faults the simulated API can be told to produce, and the queue that hands them out."""
from __future__ import annotations

import threading
from dataclasses import dataclass

FAULT_KINDS = frozenset({
    "http",            # an error status (default 500) with an API-style body
    "rate_limit",      # 429 with remaining 0; x-rate-limit-reset = now + reset_in (omitted if None)
    "usage_cap",       # 429 UsageCapExceeded while x-rate-limit-remaining stays high
    "credits",         # 402 credits-depleted
    "unauthorized",    # 401
    "forbidden",       # 403
    "slow",            # sleep `delay` seconds, then answer normally
    "drop",            # close the connection without any response
    "malformed",       # 200 whose body is not JSON
    "truncated",       # 200 whose JSON is cut in half
    "no_includes",     # 200 page without `includes`
    "missing_author",  # 200 page where one author is missing from includes.users
    "duplicate",       # the page repeats a post of the previous page
    "out_of_order",    # 200 page whose posts come oldest first (meta and next_token unchanged)
})

# Faults that replace the answer before the endpoint runs (the rest alter or delay a real answer).
ERROR_FAULTS = frozenset({"http", "rate_limit", "usage_cap", "credits", "unauthorized", "forbidden", "drop"})

# What a 'malformed' fault sends instead of the answer: the start of a page, then an HTML error.
MALFORMED_BODY = b'{"data": [{"id": "1", "text": <html><body>upstream error</body></html>'


@dataclass
class Fault:
    kind: str
    count: int = 1
    path_prefix: str = "/2/"
    status: int | None = None
    delay: float = 0.0
    reset_in: float | None = None

    def __post_init__(self):
        if self.kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault kind {self.kind!r}; known: {sorted(FAULT_KINDS)}")
        if self.count < 1:
            raise ValueError("a fault applies to at least one request")


class FaultQueue:
    """Faults apply, in the order injected, to the next `count` requests whose path matches."""

    def __init__(self):
        self._faults: list[list] = []   # [fault, uses_left]
        self._lock = threading.Lock()

    def add(self, fault: Fault) -> None:
        with self._lock:
            self._faults.append([fault, fault.count])

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()

    def take(self, path: str) -> Fault | None:
        with self._lock:
            for entry in self._faults:
                fault, uses_left = entry
                if path.startswith(fault.path_prefix):
                    entry[1] = uses_left - 1
                    if entry[1] == 0:
                        self._faults.remove(entry)
                    return fault
        return None

    def pending(self) -> list[Fault]:
        with self._lock:
            return [fault for fault, _uses in self._faults]
