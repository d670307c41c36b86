"""The X API v2 source: tweepy's Client, pointed at a configurable base URL, with every fault
classified so the collector can wait, retry, record or stop, and never skip silently.

tweepy 4.17 hard-codes https://api.twitter.com and sets no timeout; a requests adapter mounted
on that prefix rewrites each URL to the configured base and adds a timeout to every request.
"""
from __future__ import annotations

import logging
from datetime import datetime, timedelta, timezone
from typing import Callable, Sequence

import requests
import tweepy
from requests.adapters import HTTPAdapter

from monitor.billing import MENTIONS, SEARCH, reads_in
from monitor.config import MentionsTimeline
from monitor.networks import X
from monitor.parse import ParsedPage, created_from_id, parse_page
from monitor.sources.base import (
    ApiResponse,
    CollectionHalted,
    RateLimited,
    RequestRejected,
    SearchParams,
    SourceConfigError,
    SourceError,
    TransientError,
    describe_partial_errors,
    header_number,
    sleep_until,
)

# The faults and helpers shared by every source live in monitor.sources.base; they are importable from
# here too, where they were first defined.
__all__ = ["MENTIONS_QUERY", "ApiResponse", "CollectionHalted", "RateLimited", "RequestRejected", "SearchParams",
           "SourceConfigError", "SourceError", "TransientError", "XSource", "build_queries", "classify",
           "describe_partial_errors", "is_mentions_query", "make_client", "problem_kind", "sleep_until"]

TWEEPY_HOST = "https://api.twitter.com"
PAGE_SIZE = 100
MAX_QUERY_LENGTH = 512

# note_tweet: a post over 280 characters comes cut in `text`; X sends the whole post only when asked for it.
TWEET_FIELDS = ["created_at", "lang", "public_metrics", "geo", "entities", "conversation_id",
                "referenced_tweets", "author_id", "in_reply_to_user_id", "edit_history_tweet_ids",
                "withheld", "note_tweet"]
EXPANSIONS = ["author_id", "geo.place_id", "referenced_tweets.id"]
USER_FIELDS = ["created_at", "location", "public_metrics", "verified", "verified_type", "description",
               "protected", "withheld"]
METRICS_FIELDS = ["public_metrics"]
PLACE_FIELDS = ["full_name", "country", "country_code", "place_type", "geo", "name", "id"]
MENTIONS_QUERY = "GET /2/users/{user_id}/mentions"   # a campaign's mentions read through its own timeline
SEARCH_WINDOW = timedelta(days=7)     # recent search reaches 7 days back
WINDOW_MARGIN = timedelta(minutes=5)  # stay clear of the 7-day edge the API refuses

log = logging.getLogger(__name__)


class BaseURLAdapter(HTTPAdapter):
    """Rewrites tweepy's fixed host to our base URL and gives every request a timeout."""

    def __init__(self, base_url: str, timeout: float):
        super().__init__()
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout

    def send(self, request, **kwargs):
        if request.url.startswith(TWEEPY_HOST):
            request.url = self.base_url + request.url[len(TWEEPY_HOST):]
        if kwargs.get("timeout") is None:
            kwargs["timeout"] = self.timeout
        return super().send(request, **kwargs)


def make_client(bearer_token: str, base_url: str, timeout: float) -> tweepy.Client:
    client = tweepy.Client(bearer_token=bearer_token, return_type=requests.Response, wait_on_rate_limit=False)
    adapter = BaseURLAdapter(base_url, timeout)
    client.session.mount(TWEEPY_HOST, adapter)
    if not base_url.startswith(TWEEPY_HOST):
        client.session.mount(base_url, HTTPAdapter())  # the rewritten request goes out plainly
    return client


def _problem_types(response) -> str:
    try:
        body = response.json()
    except (ValueError, AttributeError):
        return ""
    parts = [str(body.get("title", "")), str(body.get("type", ""))]
    parts += [str(e.get("title", "")) + str(e.get("type", "")) for e in body.get("errors", []) if isinstance(e, dict)]
    return " ".join(parts)


def classify(error: Exception) -> SourceError:
    """Map tweepy/requests exceptions onto our fault classes."""
    if isinstance(error, tweepy.TooManyRequests):
        if "UsageCapExceeded" in _problem_types(error.response):
            return CollectionHalted("X API monthly usage cap reached (429 UsageCapExceeded): "
                                    "collection stopped until the cap resets or the plan changes", 429)
        reset = header_number(error.response.headers, "x-rate-limit-reset")
        return RateLimited("rate limited (429)", reset)
    if isinstance(error, (tweepy.Unauthorized, tweepy.Forbidden)):
        status = error.response.status_code
        return SourceConfigError(f"X API refused the credentials ({status}): check X_BEARER_TOKEN and the "
                                 "app's access level", status)
    if isinstance(error, tweepy.BadRequest):
        return RequestRejected(f"X API rejected the request (400): {'; '.join(error.api_messages)[:300]}", 400)
    if isinstance(error, tweepy.TwitterServerError):
        return TransientError(f"X API server error ({error.response.status_code})", error.response.status_code)
    if isinstance(error, tweepy.HTTPException):
        status = error.response.status_code
        if status == 402 or "credits-depleted" in _problem_types(error.response):
            return CollectionHalted("X API credits are spent (402 credits-depleted): collection stopped "
                                    "until credits are added", status)
        return TransientError(f"X API answered {status}", status)
    if isinstance(error, requests.exceptions.Timeout):
        return TransientError("X API request timed out")
    if isinstance(error, requests.exceptions.RequestException):
        return TransientError(f"connection to the X API failed ({type(error).__name__})")
    if isinstance(error, ValueError):
        return TransientError("X API sent an unreadable response body")
    raise error


class XSource:
    """One method per endpoint; each returns ApiResponse or raises a SourceError subclass. The search
    contract (monitor.sources.base.SearchSource) on top: queries, pages as rows, since_id markers."""

    network = X
    metrics_refreshed = True   # monitor.refresh reads its posts' metrics again as they grow
    lookup_query = "GET /2/tweets"   # what the refresh and the deletion check read (their runs' query)
    window = SEARCH_WINDOW
    window_margin = WINDOW_MARGIN

    def __init__(self, bearer_token: str, base_url: str, timeout: float = 20.0,
                 mentions_timeline: MentionsTimeline | None = None):
        self.client = make_client(bearer_token, base_url, timeout)
        self.requests_made = 0
        self.mentions_timeline = mentions_timeline

    def queries(self, campaign) -> list[str]:
        """The searches of a campaign, and its account's mentions timeline when [x_api.mentions_timeline] is
        on: the mention it reads is then left out of the search (the timeline is billed as owned reads)."""
        timeline = self.mentions_timeline
        by_timeline = (timeline is not None and timeline.enabled
                       and any(m.lower() == (timeline.username or "").lower() for m in campaign.mentions))
        terms = tuple(t for t in campaign.terms if not (by_timeline and t.lower() == f"@{timeline.username}".lower()))
        queries = build_queries(terms) if terms else []
        if by_timeline:
            queries.append(MENTIONS_QUERY.format(user_id=timeline.user_id))
        return queries

    def billed_as(self, query: str) -> str:
        return MENTIONS if is_mentions_query(query) else SEARCH

    def search_page(self, params: SearchParams, now: datetime) -> ParsedPage:
        """A page of the search, or of the mentions timeline for its query, parsed, with what it bills."""
        if is_mentions_query(params.query):
            response = self.mentions(mentions_user_id(params.query), params)
        else:
            response = self.search_recent(params)
        try:
            page = parse_page(response.page, now)
        except (ValueError, KeyError, TypeError) as e:
            raise TransientError(f"X API sent a page that cannot be read ({type(e).__name__}: {e})") from None
        page.reads = reads_in(response.page)
        return page

    def since_usable(self, since_id: str, earliest: datetime) -> bool:
        return created_from_id(since_id) > earliest

    def newer(self, marker: str, than: str) -> bool:
        return int(marker) > int(than)

    def _call(self, fn: Callable[[], requests.Response]) -> ApiResponse:
        self.requests_made += 1
        try:
            response = fn()
            page = response.json()
        except (tweepy.TweepyException, requests.exceptions.RequestException, ValueError) as e:
            raise classify(e) from None
        if not isinstance(page, dict):
            raise TransientError("X API sent a body that is not a JSON object")
        return ApiResponse(page, header_number(response.headers, "x-rate-limit-remaining"),
                           header_number(response.headers, "x-rate-limit-reset"))

    def search_recent(self, params: SearchParams) -> ApiResponse:
        kwargs = {"query": params.query, "max_results": PAGE_SIZE, "tweet_fields": TWEET_FIELDS,
                      "expansions": EXPANSIONS, "user_fields": USER_FIELDS, "place_fields": PLACE_FIELDS}
        if params.since_id:
            kwargs["since_id"] = params.since_id
        elif params.start_time:
            kwargs["start_time"] = params.start_time.astimezone(timezone.utc)
        if params.next_token:
            kwargs["next_token"] = params.next_token
        log.debug("search %r since_id=%s start_time=%s next_token=%s", params.query, params.since_id,
                  params.start_time, params.next_token)
        return self._call(lambda: self.client.search_recent_tweets(**kwargs))

    def mentions(self, user_id: str, params: SearchParams) -> ApiResponse:
        """A page of GET /2/users/:id/mentions (the account's mentions timeline: owned reads), newest first,
        with the same fields, bounds and paging as a search page (its token goes back as pagination_token)."""
        kwargs = {"max_results": PAGE_SIZE, "tweet_fields": TWEET_FIELDS, "expansions": EXPANSIONS,
                  "user_fields": USER_FIELDS, "place_fields": PLACE_FIELDS}
        if params.since_id:
            kwargs["since_id"] = params.since_id
        elif params.start_time:
            kwargs["start_time"] = params.start_time.astimezone(timezone.utc)
        if params.next_token:
            kwargs["pagination_token"] = params.next_token
        log.debug("mentions of %s since_id=%s start_time=%s token=%s", user_id, params.since_id, params.start_time,
                  params.next_token)
        return self._call(lambda: self.client.get_users_mentions(user_id, **kwargs))

    def lookup_metrics(self, ids: list[str]) -> ApiResponse:
        """GET /2/tweets for the metrics refresh: public metrics only, no expansions, so the answer reads no
        users (X bills each user a response includes) and nothing the refresh does not store."""
        log.debug("metrics lookup of %d posts", len(ids))
        return self._call(lambda: self.client.get_tweets(ids=ids, tweet_fields=METRICS_FIELDS))

    def lookup(self, ids: list[str]) -> ApiResponse:
        log.debug("lookup of %d posts", len(ids))
        return self._call(lambda: self.client.get_tweets(
            ids=ids, tweet_fields=TWEET_FIELDS, expansions=EXPANSIONS, user_fields=USER_FIELDS,
            place_fields=PLACE_FIELDS))


def is_mentions_query(query: str) -> bool:
    return query.startswith("GET /2/users/")


def mentions_user_id(query: str) -> str:
    """The account id in a MENTIONS_QUERY."""
    return query.removeprefix("GET /2/users/").split("/")[0]


def build_queries(terms: tuple[str, ...], suffix: str = "-is:retweet", limit: int = MAX_QUERY_LENGTH) -> list[str]:
    """`(#A OR #B OR @c) -is:retweet`, split into several queries when one would pass `limit` chars."""
    return or_queries(terms, f" {suffix}".rstrip(), limit,
                      lambda term: f"the term {term!r} alone makes a query over {limit} characters")


def or_queries(items: Sequence[str], tail: str, limit: int, too_long: Callable[[str], str]) -> list[str]:
    """`(a OR b ...)<tail>` for each batch of the items, in order, every batch as large as fits in `limit`
    characters (X's query length); an item that cannot fit even alone raises ValueError(too_long(item))."""
    def render(batch: list[str]) -> str:
        return f"({' OR '.join(batch)}){tail}"

    queries, batch = [], []
    for item in items:
        if len(render([item])) > limit:
            raise ValueError(too_long(item))
        if batch and len(render(batch + [item])) > limit:
            queries.append(render(batch))
            batch = []
        batch.append(item)
    if batch:
        queries.append(render(batch))
    return queries


def problem_kind(error: dict) -> str:
    """The end of an API problem type ('resource-not-found'), whichever host the type names."""
    return str(error.get("type", "")).rstrip("/").rsplit("/", 1)[-1]

