"""The X API v2 endpoints of the simulation, as pure functions of (corpus, state, params, now).

No HTTP here: the server turns an `ApiResult` into a response. What each endpoint accepts and the errors
it gives are in monitor.fakex.params; how a page of posts is written, in monitor.fakex.render.
"""
from __future__ import annotations

import bisect
import itertools
import threading
from dataclasses import dataclass, field
from datetime import datetime

from monitor.snowflake import snowflake

from .corpus import Corpus, PostFacts, to_ms
from .params import (
    MENTIONS_PARAMETERS,
    PROBLEMS,
    SEARCH_WINDOW,
    ApiError,
    SearchRequest,
    check_known_parameters,
    encode_token,
    invalid_request,
    parse_lookup_request,
    parse_mentions_request,
    parse_search_request,
)
from .query import campaign_query, parse_query
from .render import PageRenderer, resource_error

MENTIONS_TIMELINE_DEPTH = 800   # the timeline reaches back this many mentions, whatever their age

__all__ = ["XApi", "ApiResult", "ApiError", "PROBLEMS", "invalid_request"]


@dataclass
class ApiResult:
    status: int
    body: dict
    served_ids: list[str] = field(default_factory=list)   # post ids in `data` of a search page


# --- the API ---------------------------------------------------------------------------------

class XApi:
    """Search and lookup over a corpus, with deletions and protected authors that change over time."""

    def __init__(self, corpus: Corpus):
        self.corpus = corpus
        self.default_query = campaign_query(corpus.hashtags, corpus.mention)
        self._deleted_from_ms = dict(corpus.scheduled_deletions)      # post id -> gone from this ms
        self._protected_from_ms = dict(corpus.scheduled_protections)  # user id -> protected from this ms
        self._lock = threading.Lock()
        self._render = PageRenderer(corpus, self)

    # state changes
    def delete_post(self, post_id: str) -> None:
        with self._lock:
            self._deleted_from_ms[str(post_id)] = 0

    def protect_author(self, user_id: str) -> None:
        with self._lock:
            self._protected_from_ms[str(user_id)] = 0

    def is_deleted(self, post_id: str, now_ms: int) -> bool:
        return self._deleted_from_ms.get(post_id, now_ms + 1) <= now_ms

    def is_protected(self, user_id: str, now_ms: int) -> bool:
        return self._protected_from_ms.get(user_id, now_ms + 1) <= now_ms

    def _searchable(self, facts: PostFacts, now_ms: int) -> bool:
        """Search finds a post unless it is deleted, its author protected, or a newer version replaced it."""
        return (not self.is_deleted(facts.id, now_ms) and not self.is_protected(facts.author_id, now_ms)
                and not self.corpus.is_replaced(facts.id, now_ms))

    # search
    def _matching_facts(self, query: str, low_id: int, high_id: int, now_ms: int, limit: int | None):
        """Matching posts with low_id <= id < high_id, newest first, at most `limit`."""
        matches = parse_query(query).matches
        ids = self.corpus.ids_ascending
        facts = self.corpus.facts
        first, position = bisect.bisect_left(ids, low_id), bisect.bisect_left(ids, high_id)
        found = []
        while position > first and (limit is None or len(found) < limit):
            position -= 1
            candidate = facts[position]
            if matches(candidate) and self._searchable(candidate, now_ms):
                found.append(candidate)
        return found

    def _id_bounds(self, request: SearchRequest, now: datetime) -> tuple[int, int]:
        """Translate every time and id bound into one id range [low, high)."""
        now_ms = to_ms(now)
        low = snowflake(to_ms(now - SEARCH_WINDOW), 0)
        high = snowflake(now_ms + 1, 0)            # only posts created by now
        if request.since_id is not None:
            low = max(low, request.since_id + 1)   # exclusive
        if request.start_time is not None:
            low = max(low, snowflake(to_ms(request.start_time), 0))   # inclusive
        if request.until_id is not None:
            high = min(high, request.until_id)     # exclusive
        if request.end_time is not None:
            high = min(high, snowflake(to_ms(request.end_time), 0))   # exclusive
        if request.after_token_id is not None:
            high = min(high, request.after_token_id)
        return low, high

    def visible_ids(self, now: datetime, query: str | None = None) -> set[str]:
        query = query or self.default_query
        now_ms = to_ms(now)
        low = snowflake(to_ms(now - SEARCH_WINDOW), 0)
        return {facts.id for facts in self._matching_facts(query, low, snowflake(now_ms + 1, 0), now_ms, None)}

    def search_recent(self, params: dict, now: datetime, duplicate: bool = False) -> ApiResult:
        request = parse_search_request(params, now)
        now_ms = to_ms(now)
        low, high = self._id_bounds(request, now)
        page = self._matching_facts(request.query, low, high, now_ms, request.max_results + 1)
        has_more = len(page) > request.max_results
        page = page[:request.max_results]
        if duplicate and page:
            page, has_more = self._with_duplicate(page, request), True
        if not page:
            return ApiResult(200, {"meta": {"result_count": 0}})
        body = self._render.page([self.corpus.post_by_id[facts.id] for facts in page], request, now_ms)
        body["meta"] = {"newest_id": page[0].id, "oldest_id": page[-1].id, "result_count": len(page)}
        if has_more:
            body["meta"]["next_token"] = encode_token(page[-1].id_int, request.query)
        return ApiResult(200, body, served_ids=[facts.id for facts in page])

    def _with_duplicate(self, page: list[PostFacts], request: SearchRequest) -> list[PostFacts]:
        """Repeat the previous page's last post (or, on a first page, this page's first post)."""
        repeated = self.corpus.facts_by_id.get(str(request.after_token_id)) if request.after_token_id else None
        repeated = repeated or page[0]
        return ([repeated] + page)[:max(len(page), 2)]

    # the mentions timeline
    def mentions(self, user_id: str, params: dict, now: datetime) -> ApiResult:
        """GET /2/users/:id/mentions: posts mentioning the user, newest first, the last 800 of them at most
        (no 7-day window), in pages of 5-100 with pagination_token; since_id/until_id, start_time/end_time."""
        check_known_parameters(params, MENTIONS_PARAMETERS)
        user = self.corpus.users.get(user_id)
        if user is None:
            return ApiResult(200, {"errors": [{
                "value": user_id, "detail": f"Could not find user with id: [{user_id}].", "title": "Not Found Error",
                "resource_type": "user", "parameter": "id", "resource_id": user_id,
                "type": PROBLEMS + "resource-not-found"}]})
        request = parse_mentions_request(params, user["username"])
        now_ms = to_ms(now)
        name = user["username"].lower()
        timeline = list(itertools.islice(self._timeline(name, now_ms), MENTIONS_TIMELINE_DEPTH))
        low, high = self._timeline_bounds(request)
        page = [f for f in timeline if low <= f.id_int < high][:request.max_results + 1]
        has_more = len(page) > request.max_results
        page = page[:request.max_results]
        if not page:
            return ApiResult(200, {"meta": {"result_count": 0}})
        body = self._render.page([self.corpus.post_by_id[f.id] for f in page], request, now_ms)
        body["meta"] = {"result_count": len(page), "newest_id": page[0].id, "oldest_id": page[-1].id}
        if has_more:
            body["meta"]["next_token"] = encode_token(page[-1].id_int, request.query)
        if request.after_token_id is not None:
            body["meta"]["previous_token"] = encode_token(page[0].id_int + 1, request.query)
        return ApiResult(200, body, served_ids=[f.id for f in page])

    def _timeline(self, username: str, now_ms: int):
        """Posts mentioning `username` that exist and can be seen now, newest first."""
        position = bisect.bisect_left(self.corpus.ids_ascending, snowflake(now_ms + 1, 0))
        while position > 0:
            position -= 1
            facts = self.corpus.facts[position]
            if username in facts.mentions and self._searchable(facts, now_ms):
                yield facts

    @staticmethod
    def _timeline_bounds(request: SearchRequest) -> tuple[int, int]:
        low, high = 0, 2 ** 63
        if request.since_id is not None:
            low = request.since_id + 1
        if request.start_time is not None:
            low = max(low, snowflake(to_ms(request.start_time), 0))
        if request.until_id is not None:
            high = request.until_id
        if request.end_time is not None:
            high = min(high, snowflake(to_ms(request.end_time), 0))
        if request.after_token_id is not None:
            high = min(high, request.after_token_id)
        return low, high

    # lookup
    def lookup(self, params: dict, now: datetime) -> ApiResult:
        requested, request = parse_lookup_request(params)
        now_ms = to_ms(now)
        found, errors = [], []
        for post_id in dict.fromkeys(requested):
            problem = self.unavailable(post_id, now_ms)
            if problem:
                errors.append(resource_error(post_id, "ids", problem))
            else:
                found.append(self.corpus.post_by_id[post_id])
        body = self._render.page(found, request, now_ms) if found else {}
        if errors:
            body["errors"] = errors + body.get("errors", [])
        return ApiResult(200, body)

    def unavailable(self, post_id: str, now_ms: int) -> str | None:
        """None if the post can be read now, else 'not-found' or 'not-authorized'."""
        facts = self.corpus.facts_by_id.get(post_id)
        if facts is None or facts.ms > now_ms or self.is_deleted(post_id, now_ms):
            return "not-found"
        if self.is_protected(facts.author_id, now_ms):
            return "not-authorized"
        return None

    # rendering
