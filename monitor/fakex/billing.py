"""What the simulated X would bill: each post in `data` and each user in `includes.users` of a readable
answer, once per resource per UTC day (the endpoint of the day's first read), at pay-per-use prices;
the owned reads (the mentions timeline) at their own lower price.
"""
from __future__ import annotations

import threading
from datetime import datetime, timezone

POST_READ, USER_READ, OWNED_READ = 0.005, 0.010, 0.001   # dollars a resource read


class ReadLedger:
    """The billable reads so far, keyed (resource 'post'|'user', id, UTC day) -> the endpoint first read on."""

    def __init__(self):
        self._lock = threading.Lock()
        self._first_reads: dict[tuple[str, str, object], str] = {}

    def record(self, body: dict, now: datetime, path: str) -> None:
        day = now.astimezone(timezone.utc).date()
        reads = [("post", str(p["id"])) for p in body.get("data") or () if isinstance(p, dict) and "id" in p]
        reads += [("user", str(u["id"])) for u in (body.get("includes") or {}).get("users") or ()]
        with self._lock:
            for kind, resource_id in reads:
                self._first_reads.setdefault((kind, resource_id, day), path)   # the first read of the day is billed

    def billed(self) -> set[tuple[str, str, object, str]]:
        with self._lock:
            return {(kind, resource_id, day, path) for (kind, resource_id, day), path in self._first_reads.items()}


def dollars(billed, owned_path: str, post_read: float = POST_READ, user_read: float = USER_READ,
            owned_read: float = OWNED_READ) -> float:
    """The price of `billed` reads: those of `owned_path` at the owned-reads price."""
    return sum(owned_read if path == owned_path else post_read if kind == "post" else user_read
               for kind, _id, _day, path in billed)
