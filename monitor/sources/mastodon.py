"""The Mastodon source: the hashtag timeline GET /api/v1/timelines/tag/:hashtag of each configured server
(each server knows only the statuses that reached it), newest first, 40 a page, paged by the Link header's
`next` (max_id), bounded below by since_id (the newest status this query had on that server) or, on a first
poll, by the search window's start. Public where the server allows it, with a token per server from the
environment (MASTODON_TOKEN_<HOST>) where it does not.

Plain HTTP through requests, not Mastodon.py: one GET with two id bounds is the whole need, and its rate-limit
handling (sleeping, or raising its own exceptions) would sit beside the retry policy every source shares
(monitor.retry) rather than under it.
"""
from __future__ import annotations

from datetime import datetime, timedelta
from urllib.parse import parse_qs, quote, urlsplit

import requests

from monitor import parse_mastodon
from monitor.config import mastodon_token_variable
from monitor.networks import MASTODON
from monitor.parse import ParsedPage
from monitor.sources.base import RateLimited, RequestRejected, SearchParams, SourceConfigError, TransientError
from monitor.timeutil import parse_api_time

PAGE_SIZE = 40                          # the hashtag timeline's largest page
FIRST_POLL_WINDOW = timedelta(days=7)   # how far back a campaign's first poll reaches on each server


def _reset_at(response: requests.Response) -> float | None:
    """X-RateLimit-Reset is a time (ISO 8601) on Mastodon, not seconds."""
    raw = response.headers.get("X-RateLimit-Reset")
    try:
        return parse_api_time(raw).timestamp() if raw else None
    except ValueError:
        return None


def next_max_id(response: requests.Response) -> str | None:
    """max_id of the Link header's rel="next" page."""
    link = response.links.get("next", {}).get("url")
    if not link:
        return None
    values = parse_qs(urlsplit(link).query).get("max_id")
    return values[0] if values else None


def split_query(query: str) -> tuple[str, str]:
    """A query is '<server base URL> #<hashtag>'."""
    server, _, tag = query.rpartition(" #")
    return server, tag


class MastodonSource:
    """Hashtag timelines of several servers; the search contract of monitor.sources.base.SearchSource."""

    network = MASTODON
    metrics_refreshed = False   # its metrics stay as collected (monitor.refresh reads X's)
    window = FIRST_POLL_WINDOW
    window_margin = timedelta(minutes=5)   # a resumed run stays inside its window

    def __init__(self, tokens: dict[str, str | None] | None = None, timeout: float = 20.0):
        self.tokens = dict(tokens or {})   # server base URL -> access token (None: public)
        self.timeout = timeout
        self.http = requests.Session()
        self.requests_made = 0

    def queries(self, campaign) -> list[str]:
        return [f"{server} #{tag}" for server in campaign.mastodon_servers for tag in campaign.hashtags]

    def _get(self, server: str, tag: str, params: dict) -> requests.Response:
        token = self.tokens.get(server)
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        self.requests_made += 1
        url = f"{server}/api/v1/timelines/tag/{quote(tag, safe='')}"
        try:
            response = self.http.get(url, params=params, headers=headers, timeout=self.timeout)
        except requests.exceptions.Timeout:
            raise TransientError(f"Mastodon server {server} timed out") from None
        except requests.exceptions.RequestException as e:
            raise TransientError(f"connection to Mastodon server {server} failed ({type(e).__name__})") from None
        status = response.status_code
        if status in (200, 404):   # 404: no status has used the hashtag there yet
            return response
        if status == 429:
            raise RateLimited(f"Mastodon server {server} rate limited the request (429)", _reset_at(response))
        if status in (401, 403):
            raise SourceConfigError(f"Mastodon server {server} refused the hashtag timeline ({status}): it needs an "
                                    f"access token with read:statuses in {mastodon_token_variable(server)}", status)
        if status in (400, 422):
            raise RequestRejected(f"Mastodon server {server} rejected the request ({status})", status)
        raise TransientError(f"Mastodon server {server} answered {status}", status)

    def search(self, params: SearchParams) -> dict:
        """One timeline page, assembled for the parser (statuses older than a first poll's start left out)."""
        server, tag = split_query(params.query)
        wanted = {"limit": PAGE_SIZE}
        if params.since_id:
            wanted["since_id"] = params.since_id
        if params.next_token:
            wanted["max_id"] = params.next_token
        response = self._get(server, tag, wanted)
        if response.status_code == 404:
            return {"server": server, "statuses": [], "last": True}
        try:
            statuses = response.json()
        except ValueError:
            raise TransientError(f"Mastodon server {server} sent an unreadable response body") from None
        if not isinstance(statuses, list):
            raise TransientError(f"Mastodon server {server} sent a timeline that is not a list")
        last = len(statuses) < PAGE_SIZE or next_max_id(response) is None
        if params.start_time and not params.since_id:
            kept = [s for s in statuses if isinstance(s, dict) and s.get("created_at")
                    and parse_api_time(s["created_at"]) >= params.start_time]
            last = last or len(kept) < len(statuses)   # reached the window's start: stop here
            statuses = kept
        return {"server": server, "statuses": statuses, "next_max_id": next_max_id(response), "last": last}

    def search_page(self, params: SearchParams, now: datetime) -> ParsedPage:
        page = self.search(params)
        try:
            return parse_mastodon.parse_page(page, now)
        except (ValueError, KeyError, TypeError) as e:
            raise TransientError(f"Mastodon server {page['server']} sent a page that cannot be read "
                                 f"({type(e).__name__}: {e})") from None

    def billed_as(self, query: str) -> None:
        return None   # reading is free: no bill, no budget

    def since_usable(self, since_id: str, earliest: datetime) -> bool:
        return True   # a server keeps its timeline: a poll after a long stop catches up

    def newer(self, marker: str, than: str) -> bool:
        return parse_mastodon.status_id_key(marker) > parse_mastodon.status_id_key(than)
