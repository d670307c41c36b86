"""What every source shares: the classified faults, a search position, the answer of one request, and
the contract the collector codes against (SearchSource), whichever network the source reads.

A source turns one search position (query, since marker, start time, page token) into one ParsedPage
(monitor.parse's rows, from its network's own parser) or raises one of the faults below: the collector
then waits, retries, records or stops, and never skips silently. Markers are the network's own: X's
newest post id, Bluesky's newest post time, a Mastodon server's newest status id; the source compares
them (`newer`) and says whether a search can still start from one (`since_usable`).
"""
from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Callable, Protocol

from monitor.parse import ParsedPage

# --- faults, from the mildest to the fatal --------------------------------------------------

class SourceError(Exception):
    """Base of every classified API fault. `status` is the HTTP status or None."""

    retryable = False

    def __init__(self, message: str, status: int | None = None):
        super().__init__(message)
        self.status = status


class TransientError(SourceError):
    """5xx, connection reset, timeout, unreadable body: retry with backoff."""

    retryable = True


class RateLimited(SourceError):
    """429 over the rate window: wait until reset_at, then try again."""

    def __init__(self, message: str, reset_at: float | None):
        super().__init__(message, 429)
        self.reset_at = reset_at


class CollectionHalted(SourceError):
    """Monthly usage cap (429 UsageCapExceeded) or credits spent (402): waiting will not help."""


class SourceConfigError(SourceError):
    """401/403: the credentials or the access are wrong; a person must fix the config."""


class RequestRejected(SourceError):
    """400: the request itself is wrong (for example a since_id older than 7 days)."""


@dataclass
class ApiResponse:
    page: dict
    rate_limit_remaining: int | None = None
    rate_limit_reset: float | None = None


@dataclass
class SearchParams:
    query: str
    since_id: str | None = None
    start_time: datetime | None = None
    next_token: str | None = None
    extra: dict = field(default_factory=dict)


@dataclass
class Presence:
    """What a network said, asked by native id, of posts collected from it (the deletion check of a network
    that is free to read): still served, or no longer (deleted, or its account gone or no longer public).
    An id in neither could not be asked (a post whose server cannot be asked by its id): the check counts it
    and moves it to the back of its queue with the rest, so that it never holds the others up."""
    public: set[str] = field(default_factory=set)
    gone: set[str] = field(default_factory=set)


class SearchSource(Protocol):
    """One network's search, as the collector uses it (monitor.sources.x, .bluesky, .mastodon)."""

    network: str
    requests_made: int
    # Whether monitor.refresh reads its posts' metrics again (X's lookup): the others keep what was collected.
    metrics_refreshed: bool
    # How far back a first poll (or one after a long stop) reaches, and how close to that edge it starts.
    window: timedelta
    window_margin: timedelta

    def queries(self, campaign) -> list[str]:
        """The queries one poll of the campaign runs (each with its own run and cursor)."""

    def search_page(self, params: SearchParams, now: datetime) -> ParsedPage:
        """One page of results as rows; next_token None on the last page; newest_id the page's newest marker."""

    def billed_as(self, query: str) -> str | None:
        """How the network bills this query's reads (monitor.billing: SEARCH, or MENTIONS for an account's
        own timeline), or None where reading is free (Bluesky, Mastodon): the collector then records
        page.reads and keeps the poll within the monthly budget."""

    def since_usable(self, since_id: str, earliest: datetime) -> bool:
        """Whether a search may still start from this marker, given the earliest time the search reaches
        (X refuses a since_id older than 7 days; Bluesky and Mastodon take any)."""

    def newer(self, marker: str, than: str) -> bool:
        """Whether one marker is newer than another."""

    # The deletion check (monitor.deletion_check) asks each network again for posts collected long ago, and
    # records lookup_query (the endpoint) as its run's query. X's are re-read by the refresh's billed lookup;
    # a source whose metrics the refresh does not read (Bluesky, Mastodon) has presence(native ids), which
    # says which it still serves, at most presence_batch ids a call.


def sleep_until(deadline: float, stop: Callable[[], bool], clock: Callable[[], float] = time.time) -> bool:
    """Sleep in short steps until deadline; False if asked to stop first."""
    while clock() < deadline:
        if stop():
            return False
        time.sleep(min(1.0, max(0.0, deadline - clock())))
    return True


def header_number(headers, name: str) -> float | None:
    try:
        return float(headers[name])
    except (KeyError, TypeError, ValueError):
        return None


def describe_partial_errors(errors: list[dict]) -> str:
    """A page's partial errors (posts or authors it could not include), for a run event."""
    return json.dumps([{k: e.get(k) for k in ("title", "type", "resource_id", "detail")} for e in errors])[:2000]
