"""The Bluesky source: app.bsky.feed.searchPosts (latest first, paged by cursor) for each campaign hashtag and
for mentions of the campaign's Bluesky accounts, with the authors' follower counts read in batches of 25
(app.bsky.actor.getProfiles), signed in with an app password.

Plain HTTP through requests, not the `atproto` SDK: four XRPC calls are all we need, and one fault
classification over requests' exceptions serves every source alike (the SDK is pre-1.0, raises its own
exception tree over httpx, validates every answer against generated models, and brings a large
dependency set for it). The base URL is the account's PDS (https://bsky.social by default), which
serves the app.bsky methods for a signed-in account; a simulated one on loopback in tests.

The session: com.atproto.server.createSession once, its access token reused for every request;
refreshed by com.atproto.server.refreshSession when the server answers ExpiredToken, and signed in
again only when the refresh token itself is refused. Logins are rate-limited per day: one BlueskySession
serves every poll of a process (monitor.sources.SourceFactory keeps it).
"""
from __future__ import annotations

import logging
import threading
from datetime import datetime, timedelta

import requests

from monitor import parse_bluesky
from monitor.config import ENV_BLUESKY_HANDLE, ENV_BLUESKY_PASSWORD
from monitor.networks import BLUESKY
from monitor.parse import ParsedPage
from monitor.sources.base import (
    ApiResponse,
    Presence,
    RateLimited,
    RequestRejected,
    SearchParams,
    SourceConfigError,
    TransientError,
    header_number,
)
from monitor.timeutil import parse_api_time

log = logging.getLogger(__name__)

PAGE_SIZE = 100            # searchPosts' largest page
PROFILES_PER_CALL = 25     # getProfiles' largest batch (the lexicon's maxLength)
# `since` is inclusive and compares sortAt, which a late-indexed post can set before the newest seen:
# each poll reaches this far behind the newest post it has, and re-reads (does not duplicate) those.
SINCE_OVERLAP = timedelta(minutes=10)
FIRST_POLL_WINDOW = timedelta(days=7)   # how far back a campaign's first poll reaches
EXPIRED = {"ExpiredToken", "InvalidToken"}
SEARCH = "app.bsky.feed.searchPosts"
PROFILES = "app.bsky.actor.getProfiles"
GET_POSTS = "app.bsky.feed.getPosts"
POSTS_PER_CALL = 25        # getPosts' largest batch of AT URIs (the lexicon's maxLength)
CREATE_SESSION = "com.atproto.server.createSession"
REFRESH_SESSION = "com.atproto.server.refreshSession"


def _error_name(response: requests.Response) -> tuple[str, str]:
    try:
        body = response.json()
    except ValueError:
        return "", ""
    if not isinstance(body, dict):
        return "", ""
    return str(body.get("error") or ""), str(body.get("message") or "")[:300]


def classify(response: requests.Response, what: str) -> Exception:
    """An XRPC error answer as one of our fault classes."""
    status = response.status_code
    name, message = _error_name(response)
    if status == 429:
        return RateLimited(f"Bluesky rate limited {what} (429)", header_number(response.headers, "ratelimit-reset"))
    if status in (401, 403):
        return SourceConfigError(f"Bluesky refused {what} ({status} {name}): check {_credentials()} and that the "
                                 "app password is not revoked", status)
    if status == 400:
        return RequestRejected(f"Bluesky rejected {what} (400 {name}): {message}", 400)
    if status >= 500:
        return TransientError(f"Bluesky server error ({status}) on {what}", status)
    return TransientError(f"Bluesky answered {status} on {what}", status)


def _credentials() -> str:
    return f"{ENV_BLUESKY_HANDLE} and {ENV_BLUESKY_PASSWORD}"


class BlueskySession:
    """The signed-in session, shared by every poll: one login, then refreshes."""

    def __init__(self, handle: str, app_password: str, base_url: str, timeout: float = 20.0):
        self.handle, self._password = handle, app_password
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.http = requests.Session()
        self._access: str | None = None
        self._refresh: str | None = None
        self._lock = threading.Lock()
        self.logins = 0
        self.refreshes = 0

    def _post(self, method: str, token: str | None = None, body: dict | None = None) -> dict:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        try:
            response = self.http.post(f"{self.base_url}/xrpc/{method}", json=body, headers=headers,
                                      timeout=self.timeout)
        except requests.exceptions.Timeout:
            raise TransientError(f"Bluesky {method} timed out") from None
        except requests.exceptions.RequestException as e:
            raise TransientError(f"connection to Bluesky failed ({type(e).__name__})") from None
        if response.status_code != 200:
            name, _ = _error_name(response)
            if method == REFRESH_SESSION and name in EXPIRED | {"AuthenticationRequired"}:
                raise _RefreshRefused()
            if method == CREATE_SESSION and response.status_code in (400, 401):
                raise SourceConfigError(f"Bluesky refused the sign-in ({response.status_code} {name}): check "
                                        f"{_credentials()}", response.status_code)
            raise classify(response, "the sign-in" if method == CREATE_SESSION else "the session refresh")
        try:
            answer = response.json()
            return {"accessJwt": str(answer["accessJwt"]), "refreshJwt": str(answer["refreshJwt"])}
        except (ValueError, KeyError, TypeError):
            raise TransientError(f"Bluesky sent an unreadable {method} answer") from None

    def _login(self) -> None:
        log.info("signing in to Bluesky as %s", self.handle)
        tokens = self._post(CREATE_SESSION, body={"identifier": self.handle, "password": self._password})
        self.logins += 1
        self._access, self._refresh = tokens["accessJwt"], tokens["refreshJwt"]

    def token(self) -> str:
        with self._lock:
            if self._access is None:
                self._login()
            return self._access

    def renew(self, expired: str) -> None:
        """The server refused `expired` as expired: refresh (once, whichever thread asks first)."""
        with self._lock:
            if self._access != expired:
                return   # another request renewed it meanwhile
            try:
                tokens = self._post(REFRESH_SESSION, token=self._refresh)
                self.refreshes += 1
                self._access, self._refresh = tokens["accessJwt"], tokens["refreshJwt"]
            except _RefreshRefused:
                self._login()   # the refresh token too has expired (after weeks): sign in again


class _RefreshRefused(Exception):
    pass


class BlueskySource:
    """Search and profiles over XRPC; the search contract of monitor.sources.base.SearchSource."""

    network = BLUESKY
    metrics_refreshed = False   # its metrics stay as collected (monitor.refresh reads X's)
    presence_batch = POSTS_PER_CALL
    lookup_query = GET_POSTS
    window = FIRST_POLL_WINDOW
    window_margin = timedelta(minutes=5)   # a resumed run stays inside its window

    def __init__(self, session: BlueskySession, timeout: float = 20.0):
        self.session = session
        self.timeout = timeout
        self.requests_made = 0
        self._profiles: dict[str, dict] = {}   # did -> profile, for this source's polls

    # --- XRPC --------------------------------------------------------------------------------

    def _get(self, method: str, params: dict) -> ApiResponse:
        for attempt in (1, 2):
            token = self.session.token()
            self.requests_made += 1
            try:
                response = self.session.http.get(f"{self.session.base_url}/xrpc/{method}", params=params,
                                                 headers={"Authorization": f"Bearer {token}"}, timeout=self.timeout)
            except requests.exceptions.Timeout:
                raise TransientError(f"Bluesky {method} timed out") from None
            except requests.exceptions.RequestException as e:
                raise TransientError(f"connection to Bluesky failed ({type(e).__name__})") from None
            if response.status_code in (400, 401) and _error_name(response)[0] in EXPIRED and attempt == 1:
                self.session.renew(token)
                continue
            if response.status_code != 200:
                raise classify(response, method)
            try:
                body = response.json()
            except ValueError:
                raise TransientError("Bluesky sent an unreadable response body") from None
            if not isinstance(body, dict):
                raise TransientError("Bluesky sent a body that is not a JSON object")
            return ApiResponse(body, header_number(response.headers, "ratelimit-remaining"),
                               header_number(response.headers, "ratelimit-reset"))
        raise SourceConfigError(f"Bluesky refused a freshly refreshed session: check {_credentials()}", 401)

    def profiles(self, dids: list[str]) -> list[dict]:
        """Detailed profiles (with follower counts) of these accounts, 25 a request, each read once a source."""
        wanted = [d for d in dict.fromkeys(dids) if d not in self._profiles]
        for i in range(0, len(wanted), PROFILES_PER_CALL):
            answer = self._get(PROFILES, {"actors": wanted[i:i + PROFILES_PER_CALL]}).page
            for profile in answer.get("profiles") or []:
                if isinstance(profile, dict) and profile.get("did"):
                    self._profiles[str(profile["did"])] = profile
        return [self._profiles[d] for d in dict.fromkeys(dids) if d in self._profiles]

    def presence(self, uris: list[str]) -> Presence:
        """Which of these posts (AT URIs, at most 25) Bluesky still serves: getPosts leaves out a post that
        was deleted, and one whose account was deleted, deactivated or taken down (or blocks us)."""
        answer = self._get(GET_POSTS, {"uris": list(uris)}).page
        posts = answer.get("posts")
        if not isinstance(posts, list):
            raise TransientError("Bluesky sent a getPosts answer without a posts list")
        served = {str(p["uri"]) for p in posts if isinstance(p, dict) and p.get("uri")}
        return Presence(public=served & set(uris), gone=set(uris) - served)

    # --- the search contract -----------------------------------------------------------------

    def queries(self, campaign) -> list[str]:
        """One query per hashtag ('#Tag') and per campaign account ('@handle', its mentions)."""
        return [f"#{t}" for t in campaign.hashtags] + [f"@{m}" for m in campaign.bluesky_mentions]

    def search_params(self, params: SearchParams) -> dict:
        query = params.query
        wanted = {"q": query, "sort": "latest", "limit": PAGE_SIZE}
        if query.startswith("@"):
            wanted["mentions"] = query[1:]
        if params.since_id:
            wanted["since"] = parse_bluesky.marker(parse_api_time(params.since_id) - SINCE_OVERLAP)
        elif params.start_time:
            wanted["since"] = parse_bluesky.marker(params.start_time)
        if params.next_token:
            wanted["cursor"] = params.next_token
        return wanted

    def search(self, params: SearchParams) -> dict:
        """One page of search results with the detailed profiles of its authors (the parser's input)."""
        answer = self._get(SEARCH, self.search_params(params)).page
        posts = answer.get("posts")
        if not isinstance(posts, list):
            raise TransientError("Bluesky sent a search answer without a posts list")
        dids = [str((p.get("author") or {}).get("did")) for p in posts if isinstance(p, dict)
                and (p.get("author") or {}).get("did")]
        return {"posts": posts, "cursor": answer.get("cursor"), "profiles": self.profiles(dids)}

    def search_page(self, params: SearchParams, now: datetime) -> ParsedPage:
        page = self.search(params)
        try:
            return parse_bluesky.parse_page(page, now)
        except (ValueError, KeyError, TypeError) as e:
            raise TransientError(f"Bluesky sent a page that cannot be read ({type(e).__name__}: {e})") from None

    def billed_as(self, query: str) -> None:
        return None   # reading is free: no bill, no budget

    def since_usable(self, since_id: str, earliest: datetime) -> bool:
        return True   # the search index keeps every post: a poll after a long stop catches up

    def newer(self, marker: str, than: str) -> bool:
        return parse_api_time(marker) > parse_api_time(than)


