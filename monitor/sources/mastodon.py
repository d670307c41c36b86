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

import re
from datetime import datetime, timedelta
from urllib.parse import parse_qs, quote, urlsplit

import requests

from monitor import parse_mastodon
from monitor.config import mastodon_token_variable
from monitor.networks import MASTODON
from monitor.parse import ParsedPage
from monitor.sources.base import (
    Presence,
    RateLimited,
    RequestRejected,
    SearchParams,
    SourceConfigError,
    SourceError,
    TransientError,
)
from monitor.timeutil import parse_api_time

PAGE_SIZE = 40                          # the hashtag timeline's largest page
FIRST_POLL_WINDOW = timedelta(days=7)   # how far back a campaign's first poll reaches on each server
STATUS_PATH = "/api/v1/statuses/"
# A Mastodon status's ActivityPub id names its home server and, there, its local id: a status is asked for
# there (the servers it reached know it under other ids). Another shape (another fediverse software) is not.
STATUS_URI = re.compile(r"^https://(?P<host>[a-z0-9-]+(\.[a-z0-9-]+)+)/users/[^/]+/statuses/(?P<id>\d{1,30})$",
                        re.IGNORECASE)
STATUSES_PER_CHECK = 20   # statuses asked for (a request each) in one transaction of the deletion check


def _reset_at(response: requests.Response) -> float | None:
    """X-RateLimit-Reset is a time (ISO 8601) on Mastodon, not seconds."""
    raw = response.headers.get("X-RateLimit-Reset")
    try:
        return parse_api_time(raw).timestamp() if raw else None
    except ValueError:
        return None


def _fault(server: str, response: requests.Response, what: str) -> Exception:
    """A server's error answer as one of our fault classes."""
    status = response.status_code
    if status == 429:
        return RateLimited(f"Mastodon server {server} rate limited the request (429)", _reset_at(response))
    if status in (401, 403):
        return SourceConfigError(f"Mastodon server {server} refused {what} ({status}): it needs an "
                                 f"access token with read:statuses in {mastodon_token_variable(server)}", status)
    if status in (400, 422):
        return RequestRejected(f"Mastodon server {server} rejected the request ({status})", status)
    return TransientError(f"Mastodon server {server} answered {status}", status)


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
    presence_batch = STATUSES_PER_CHECK
    lookup_query = "GET /api/v1/statuses/:id"
    window = FIRST_POLL_WINDOW
    window_margin = timedelta(minutes=5)   # a resumed run stays inside its window

    def __init__(self, tokens: dict[str, str | None] | None = None, timeout: float = 20.0):
        self.tokens = dict(tokens or {})   # server base URL -> access token (None: public)
        self.timeout = timeout
        self.http = requests.Session()
        self.requests_made = 0
        self._domains: dict[str, str] | None = None   # a configured server's domain -> its base URL

    def queries(self, campaign) -> list[str]:
        return [f"{server} #{tag}" for server in campaign.mastodon_servers for tag in campaign.hashtags]

    def _request(self, server: str, path: str, params: dict | None = None) -> requests.Response:
        """One GET of `server` (with its token, if it has one); a failure to get any answer is transient."""
        token = self.tokens.get(server)
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        self.requests_made += 1
        try:
            return self.http.get(f"{server}{path}", params=params, headers=headers, timeout=self.timeout)
        except requests.exceptions.Timeout:
            raise TransientError(f"Mastodon server {server} timed out") from None
        except requests.exceptions.RequestException as e:
            raise TransientError(f"connection to Mastodon server {server} failed ({type(e).__name__})") from None

    def _get(self, server: str, tag: str, params: dict) -> requests.Response:
        response = self._request(server, f"/api/v1/timelines/tag/{quote(tag, safe='')}", params)
        if response.status_code in (200, 404):   # 404: no status has used the hashtag there yet
            return response
        raise _fault(server, response, "the hashtag timeline")

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

    # --- the deletion check ------------------------------------------------------------------

    def presence(self, uris: list[str]) -> Presence:
        """Which of these statuses (ActivityPub ids) their home servers still serve: 404 (or 410) there is a
        deleted status, or one no longer public. A configured server is asked at its base URL with its token,
        and its faults are the collection's; another home server at https://<its domain>, where a refusal or
        a fault leaves the status unasked this time (a small server may be down, or closed for good)."""
        found = Presence()
        for uri in uris:
            match = STATUS_URI.match(uri)
            if match is None:
                continue   # not a Mastodon status's id: no endpoint to ask
            host, local = match["host"].lower(), match["id"]
            server = self._configured_domains().get(host)
            if server is None and host.replace(".", "").isdigit():
                continue   # an address, not a server's name: never asked (only a configured server is)
            try:
                status = self._status(server or f"https://{host}", local)
            except SourceError:
                if server is not None:
                    raise
                continue
            if status is None:
                found.gone.add(uri)
            elif status.get("uri") == uri:
                found.public.add(uri)
        return found

    def _configured_domains(self) -> dict[str, str]:
        """Each configured server's domain (GET /api/v2/instance), asked once a source: a base URL need not
        be https://<domain> (a proxy, or the simulated servers on loopback)."""
        if self._domains is None:
            domains = {}
            for server in self.tokens:
                instance = self._json(server, "/api/v2/instance", "its description")
                domain = instance.get("domain") if isinstance(instance, dict) else None
                domains[str(domain or urlsplit(server).hostname or "").lower()] = server
            self._domains = domains
        return self._domains

    def _status(self, server: str, local_id: str) -> dict | None:
        """The status of this local id on `server`, or None when the server has none (404, 410)."""
        answer = self._json(server, f"{STATUS_PATH}{local_id}", "a status", missing_is_none=True)
        if answer is not None and not isinstance(answer, dict):
            raise TransientError(f"Mastodon server {server} sent a status that is not a JSON object")
        return answer

    def _json(self, server: str, path: str, what: str, missing_is_none: bool = False):
        response = self._request(server, path)
        if missing_is_none and response.status_code in (404, 410):
            return None
        if response.status_code != 200:
            raise _fault(server, response, what)
        try:
            return response.json()
        except ValueError:
            raise TransientError(f"Mastodon server {server} sent an unreadable response body") from None
