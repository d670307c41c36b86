"""The X API v2 endpoints of the simulation, as pure functions of (corpus, state, params, now).

No HTTP here: the server turns an `ApiResult` into a response. Messages and error bodies
follow the shapes the real API sends (problem `type` URLs, `errors[]` with `parameters`).
"""
from __future__ import annotations

import base64
import bisect
import itertools
import struct
import threading
import zlib
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

from monitor.snowflake import snowflake, snowflake_ms

from .generator import Corpus, PostFacts, to_ms
from .query import MAX_QUERY_LENGTH, QueryError, campaign_query, parse_query

PROBLEMS = "https://api.twitter.com/2/problems/"
SEARCH_WINDOW = timedelta(days=7)
END_TIME_MIN_AGE = timedelta(seconds=10)
MAX_LOOKUP_IDS = 100

TWEET_FIELDS = frozenset([
    "article", "attachments", "author_id", "card_uri", "community_id", "context_annotations", "conversation_id",
    "created_at", "display_text_range", "edit_controls", "edit_history_tweet_ids", "entities", "geo", "id",
    "in_reply_to_user_id", "lang", "media_metadata", "non_public_metrics", "note_tweet", "organic_metrics",
    "possibly_sensitive", "promoted_metrics", "public_metrics", "referenced_tweets", "reply_settings", "scopes",
    "source", "text", "withheld"
])
USER_FIELDS = frozenset([
    "affiliation", "connection_status", "created_at", "description", "entities", "id", "is_identity_verified",
    "location", "most_recent_tweet_id", "name", "parody", "pinned_tweet_id", "profile_banner_url",
    "profile_image_url", "protected", "public_metrics", "receives_your_dm", "subscription", "subscription_type",
    "url", "username", "verified", "verified_followers_count", "verified_type", "withheld"
])
PLACE_FIELDS = frozenset([
    "contained_within", "country", "country_code", "full_name", "geo", "id", "name", "place_type"
])
MEDIA_FIELDS = frozenset([
    "alt_text", "duration_ms", "height", "media_key", "non_public_metrics", "organic_metrics", "preview_image_url",
    "promoted_metrics", "public_metrics", "type", "url", "variants", "width"
])
POLL_FIELDS = frozenset(["duration_minutes", "end_datetime", "id", "options", "voting_status"])
EXPANSIONS = frozenset([
    "article.cover_media", "article.media_entities", "attachments.media_keys", "attachments.media_source_tweet",
    "attachments.poll_ids", "author_id", "edit_history_tweet_ids", "entities.mentions.username", "geo.place_id",
    "in_reply_to_user_id", "entities.note.mentions.username", "referenced_tweets.id",
    "referenced_tweets.id.attachments.media_keys", "referenced_tweets.id.author_id"
])
FIELD_PARAMETERS = {"tweet.fields": TWEET_FIELDS, "user.fields": USER_FIELDS, "place.fields": PLACE_FIELDS,
                    "media.fields": MEDIA_FIELDS, "poll.fields": POLL_FIELDS, "expansions": EXPANSIONS}
SEARCH_PARAMETERS = ("query", "start_time", "end_time", "since_id", "until_id", "max_results",
                     "next_token", "pagination_token", "sort_order", *FIELD_PARAMETERS)
LOOKUP_PARAMETERS = ("ids", *FIELD_PARAMETERS)
MENTIONS_PARAMETERS = ("start_time", "end_time", "since_id", "until_id", "max_results", "pagination_token",
                       *FIELD_PARAMETERS)
MENTIONS_TIMELINE_DEPTH = 800   # the timeline reaches back this many mentions, whatever their age

DEFAULT_TWEET_FIELDS = ("id", "text", "edit_history_tweet_ids")
DEFAULT_USER_FIELDS = ("id", "name", "username")
DEFAULT_PLACE_FIELDS = ("id", "full_name")


class ApiError(Exception):
    """An error answer: status and API-style JSON body."""

    def __init__(self, status: int, body: dict):
        super().__init__(body.get("detail") or body.get("title"))
        self.status = status
        self.body = body


@dataclass
class ApiResult:
    status: int
    body: dict
    served_ids: list[str] = field(default_factory=list)   # post ids in `data` of a search page


def invalid_request(parameter: str, values: list, message: str) -> ApiError:
    return ApiError(400, {
        "errors": [{"parameters": {parameter: values}, "message": message}],
        "title": "Invalid Request", "detail": "One or more parameters to your request was invalid.",
        "type": PROBLEMS + "invalid-request"})


def _resource_error(post_id: str, parameter: str, kind: str) -> dict:
    if kind == "not-found":
        return {"value": post_id, "detail": f"Could not find tweet with {parameter}: [{post_id}].",
                "title": "Not Found Error", "resource_type": "tweet", "parameter": parameter,
                "resource_id": post_id, "type": PROBLEMS + "resource-not-found"}
    return {"value": post_id,
            "detail": f"Sorry, you are not authorized to see the Tweet with {parameter}: [{post_id}].",
            "title": "Authorization Error", "resource_type": "tweet", "parameter": parameter,
            "resource_id": post_id, "type": PROBLEMS + "not-authorized-for-resource"}


# --- pagination tokens ---------------------------------------------------------------------

def _query_fingerprint(query: str) -> int:
    return zlib.crc32(query.encode("utf-8"))


def encode_token(last_id: int, query: str) -> str:
    """Opaque, never expires: the last served id and the query it belongs to."""
    raw = struct.pack(">QI", last_id, _query_fingerprint(query))
    return base64.b32encode(raw).decode("ascii").rstrip("=").lower()


def decode_token(token: str, query: str, parameter: str) -> int:
    try:
        padded = token.upper() + "=" * (-len(token) % 8)
        last_id, fingerprint = struct.unpack(">QI", base64.b32decode(padded))
    except (ValueError, struct.error):
        raise invalid_request(parameter, [token],
                              f"The `{parameter}` query parameter value [{token}] is not valid") from None
    if fingerprint != _query_fingerprint(query):
        raise invalid_request(parameter, [token],
                              f"The `{parameter}` query parameter value [{token}] does not belong to this query")
    return last_id


# --- parameter parsing ---------------------------------------------------------------------

def _check_known_parameters(params: dict, allowed: tuple) -> None:
    for name, value in params.items():
        if name not in allowed:
            raise invalid_request(name, [value], f"The query parameter [{name}] is not one of [{','.join(allowed)}]")


def _field_list(params: dict, name: str) -> tuple[str, ...]:
    raw = params.get(name, "")
    values = tuple(value for value in raw.split(",") if value)
    allowed = FIELD_PARAMETERS[name]
    for value in values:
        if value not in allowed:
            raise invalid_request(name, [value], f"The `{name}` query parameter value [{value}] is not one of "
                                                 f"[{','.join(sorted(allowed))}]")
    return values


def _parse_time(params: dict, name: str) -> datetime | None:
    raw = params.get(name)
    if raw is None:
        return None
    try:
        moment = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        moment = None
    if moment is None or moment.tzinfo is None:
        raise invalid_request(name, [raw], f"Invalid '{name}':'{raw}'. '{name}' must be a valid RFC 3339 timestamp "
                                           "such as 2026-11-20T09:15:02Z.")
    return moment.astimezone(timezone.utc)


def _parse_id(params: dict, name: str) -> int | None:
    raw = params.get(name)
    if raw is None:
        return None
    if not raw.isdigit() or len(raw) > 19:
        raise invalid_request(name, [raw], f"The `{name}` query parameter value [{raw}] does not match ^[0-9]{{1,19}}$")
    return int(raw)


def _parse_max_results(params: dict) -> int:
    raw = params.get("max_results", "10")
    if not raw.lstrip("-").isdigit() or not 10 <= int(raw) <= 100:
        raise invalid_request("max_results", [raw],
                              f"The `max_results` query parameter value [{raw}] is not between 10 and 100")
    return int(raw)


def _minute(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%MZ")


@dataclass
class SearchRequest:
    query: str
    max_results: int
    since_id: int | None
    until_id: int | None
    start_time: datetime | None
    end_time: datetime | None
    after_token_id: int | None   # results continue below this id
    tweet_fields: tuple
    user_fields: tuple
    place_fields: tuple
    expansions: tuple


def parse_search_request(params: dict, now: datetime) -> SearchRequest:
    _check_known_parameters(params, SEARCH_PARAMETERS)
    query = params.get("query", "")
    if not query.strip():
        raise invalid_request("query", [], "The `query` query parameter can not be empty")
    if len(query) > MAX_QUERY_LENGTH:
        raise invalid_request("query", [query], f"There were errors processing your request: Query length "
                                                f"({len(query)}) exceeds the maximum length ({MAX_QUERY_LENGTH})")
    try:
        parse_query(query)
    except QueryError as problem:
        raise invalid_request("query", [query], f"There were errors processing your request: {problem}") from None
    request = SearchRequest(
        query=query, max_results=_parse_max_results(params),
        since_id=_parse_id(params, "since_id"), until_id=_parse_id(params, "until_id"),
        start_time=_parse_time(params, "start_time"), end_time=_parse_time(params, "end_time"),
        after_token_id=None, tweet_fields=_field_list(params, "tweet.fields"),
        user_fields=_field_list(params, "user.fields"), place_fields=_field_list(params, "place.fields"),
        expansions=_field_list(params, "expansions"))
    _field_list(params, "media.fields")
    _field_list(params, "poll.fields")
    for token_name in ("next_token", "pagination_token"):
        if params.get(token_name):
            request.after_token_id = decode_token(params[token_name], query, token_name)
    _check_search_window(request, now)
    return request


def _check_search_window(request: SearchRequest, now: datetime) -> None:
    """The real API refuses bounds outside the last 7 days instead of clipping them."""
    oldest = now - SEARCH_WINDOW
    if request.since_id is not None and request.start_time is not None:
        raise invalid_request("since_id", [str(request.since_id)],
                              "The `since_id` and `start_time` query parameters cannot both be specified")
    for name in ("since_id", "until_id"):
        value = getattr(request, name)
        if value is not None and snowflake_ms(value) < to_ms(oldest):
            raise invalid_request(name, [str(value)],
                                  f"Invalid '{name}':'{value}'. '{name}' must be a tweet id created after "
                                  f"{_minute(oldest)}. Please use a '{name}' that is larger than "
                                  f"{snowflake(to_ms(oldest), 0)}")
    for name in ("start_time", "end_time"):
        value = getattr(request, name)
        if value is not None and value < oldest - timedelta(seconds=60):
            # A minute of grace, as the real API rounds its window to the minute.
            raise invalid_request(name, [value.isoformat()], f"Invalid '{name}':'{value.isoformat()}'. "
                                                             f"'{name}' must be on or after {_minute(oldest)}")
    if request.end_time is not None and request.end_time > now - END_TIME_MIN_AGE:
        raise invalid_request("end_time", [request.end_time.isoformat()],
                              f"Invalid 'end_time':'{request.end_time.isoformat()}'. 'end_time' must be a minimum "
                              "of 10 seconds prior to the request time.")
    if request.start_time and request.end_time and request.start_time >= request.end_time:
        raise invalid_request("start_time", [request.start_time.isoformat()],
                              f"Invalid 'start_time':'{request.start_time.isoformat()}'. 'start_time' must be "
                              "before 'end_time'")


# --- the API ---------------------------------------------------------------------------------

class XApi:
    """Search and lookup over a corpus, with deletions and protected authors that change over time."""

    def __init__(self, corpus: Corpus):
        self.corpus = corpus
        self.default_query = campaign_query(corpus.hashtags, corpus.mention)
        self._deleted_from_ms = dict(corpus.scheduled_deletions)      # post id -> gone from this ms
        self._protected_from_ms = dict(corpus.scheduled_protections)  # user id -> protected from this ms
        self._lock = threading.Lock()

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
        body = self._render_page([self.corpus.post_by_id[facts.id] for facts in page], request, now_ms)
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
        _check_known_parameters(params, MENTIONS_PARAMETERS)
        user = self.corpus.users.get(user_id)
        if user is None:
            return ApiResult(200, {"errors": [{
                "value": user_id, "detail": f"Could not find user with id: [{user_id}].", "title": "Not Found Error",
                "resource_type": "user", "parameter": "id", "resource_id": user_id,
                "type": PROBLEMS + "resource-not-found"}]})
        raw_max = params.get("max_results", "10")
        if not raw_max.isdigit() or not 5 <= int(raw_max) <= 100:
            raise invalid_request("max_results", [raw_max],
                                  f"The `max_results` query parameter value [{raw_max}] is not between 5 and 100")
        request = SearchRequest(
            query=f"@{user['username']}", max_results=int(raw_max), since_id=_parse_id(params, "since_id"),
            until_id=_parse_id(params, "until_id"), start_time=_parse_time(params, "start_time"),
            end_time=_parse_time(params, "end_time"), after_token_id=None,
            tweet_fields=_field_list(params, "tweet.fields"), user_fields=_field_list(params, "user.fields"),
            place_fields=_field_list(params, "place.fields"), expansions=_field_list(params, "expansions"))
        _field_list(params, "media.fields")
        _field_list(params, "poll.fields")
        if params.get("pagination_token"):
            request.after_token_id = decode_token(params["pagination_token"], request.query, "pagination_token")
        now_ms = to_ms(now)
        name = user["username"].lower()
        timeline = list(itertools.islice(self._timeline(name, now_ms), MENTIONS_TIMELINE_DEPTH))
        low, high = self._timeline_bounds(request)
        page = [f for f in timeline if low <= f.id_int < high][:request.max_results + 1]
        has_more = len(page) > request.max_results
        page = page[:request.max_results]
        if not page:
            return ApiResult(200, {"meta": {"result_count": 0}})
        body = self._render_page([self.corpus.post_by_id[f.id] for f in page], request, now_ms)
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
        _check_known_parameters(params, LOOKUP_PARAMETERS)
        requested = [value for value in params.get("ids", "").split(",") if value]
        if not requested:
            raise invalid_request("ids", [], "The `ids` query parameter can not be empty")
        if len(requested) > MAX_LOOKUP_IDS:
            raise invalid_request("ids", requested, f"The number of values in the `ids` query parameter list "
                                                    f"[{len(requested)}] is not between 1 and {MAX_LOOKUP_IDS}")
        for value in requested:
            if not value.isdigit() or len(value) > 19:
                raise invalid_request("ids", [value], f"The `ids` query parameter value [{value}] does not match "
                                                      "^[0-9]{1,19}$")
        request = SearchRequest(query="", max_results=0, since_id=None, until_id=None, start_time=None,
                                end_time=None, after_token_id=None,
                                tweet_fields=_field_list(params, "tweet.fields"),
                                user_fields=_field_list(params, "user.fields"),
                                place_fields=_field_list(params, "place.fields"),
                                expansions=_field_list(params, "expansions"))
        _field_list(params, "media.fields")
        _field_list(params, "poll.fields")
        now_ms = to_ms(now)
        found, errors = [], []
        for post_id in dict.fromkeys(requested):
            problem = self._unavailable(post_id, now_ms)
            if problem:
                errors.append(_resource_error(post_id, "ids", problem))
            else:
                found.append(self.corpus.post_by_id[post_id])
        body = self._render_page(found, request, now_ms) if found else {}
        if errors:
            body["errors"] = errors + body.get("errors", [])
        return ApiResult(200, body)

    def _unavailable(self, post_id: str, now_ms: int) -> str | None:
        """None if the post can be read now, else 'not-found' or 'not-authorized'."""
        facts = self.corpus.facts_by_id.get(post_id)
        if facts is None or facts.ms > now_ms or self.is_deleted(post_id, now_ms):
            return "not-found"
        if self.is_protected(facts.author_id, now_ms):
            return "not-authorized"
        return None

    # rendering
    def _render_page(self, posts: list[dict], request: SearchRequest, now_ms: int) -> dict:
        expansions = set(request.expansions)
        body: dict = {"data": [self._render_post(post, request.tweet_fields, now_ms) for post in posts]}
        includes: dict = {}
        errors: list[dict] = []
        referenced = self._referenced_posts(posts, now_ms, errors) if "referenced_tweets.id" in expansions else []
        users = self._expanded_users(posts, referenced, expansions)
        if users:
            includes["users"] = [self._render_user(user, request.user_fields, now_ms) for user in users]
        if referenced:
            includes["tweets"] = [self._render_post(post, request.tweet_fields, now_ms) for post in referenced]
        if "geo.place_id" in expansions:
            place_ids = dict.fromkeys(post["geo"]["place_id"] for post in posts if "geo" in post)
            if place_ids:
                includes["places"] = [_pick(self.corpus.places[place_id], DEFAULT_PLACE_FIELDS, request.place_fields)
                                      for place_id in place_ids]
        if includes:
            body["includes"] = includes
        if errors:
            body["errors"] = errors
        return body

    def _referenced_posts(self, posts: list[dict], now_ms: int, errors: list[dict]) -> list[dict]:
        found: dict[str, dict] = {}
        for post in posts:
            for reference in post.get("referenced_tweets", ()):
                post_id = reference["id"]
                if post_id in found:
                    continue
                problem = self._unavailable(post_id, now_ms)
                if problem:
                    errors.append(_resource_error(post_id, "referenced_tweets.id", problem))
                else:
                    found[post_id] = self.corpus.post_by_id[post_id]
        return list(found.values())

    def _expanded_users(self, posts: list[dict], referenced: list[dict], expansions: set) -> list[dict]:
        user_ids: dict[str, None] = {}
        for post in posts:
            if "author_id" in expansions:
                user_ids[post["author_id"]] = None
            if "in_reply_to_user_id" in expansions and "in_reply_to_user_id" in post:
                user_ids[post["in_reply_to_user_id"]] = None
            if "entities.mentions.username" in expansions:
                for mention in post.get("entities", {}).get("mentions", ()):
                    user_ids[mention["id"]] = None
        if "referenced_tweets.id.author_id" in expansions:
            for post in referenced:
                user_ids[post["author_id"]] = None
        users = self.corpus.users
        return [users[user_id] for user_id in user_ids if user_id in users]

    def _render_post(self, post: dict, fields: tuple, now_ms: int) -> dict:
        rendered = _pick(post, DEFAULT_TWEET_FIELDS, fields)
        rendered["edit_history_tweet_ids"] = self.corpus.edit_history(post, now_ms)
        if "public_metrics" in fields:
            rendered["public_metrics"] = self.corpus.metrics_at(post["id"], now_ms)
        return rendered

    def _render_user(self, user: dict, fields: tuple, now_ms: int) -> dict:
        rendered = _pick(user, DEFAULT_USER_FIELDS, fields)
        if "protected" in fields:
            rendered["protected"] = self.is_protected(user["id"], now_ms)
        return rendered


def _pick(item: dict, defaults: tuple, requested: tuple) -> dict:
    """The default fields plus the requested ones the item has (the API omits absent fields)."""
    picked = {name: item[name] for name in defaults if name in item}
    for name in requested:
        if name in item and name not in picked:
            picked[name] = item[name]
    return picked
