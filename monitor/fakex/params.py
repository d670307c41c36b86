"""What the simulated X API accepts: the parameters of each endpoint, their checks and the errors the
real API gives for them (problem `type` URLs, `errors[]` with `parameters`), the pagination tokens, and
the parsed `SearchRequest` the endpoints (monitor.fakex.api) work from.
"""
from __future__ import annotations

import base64
import struct
import zlib
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from monitor.snowflake import snowflake, snowflake_ms

from .corpus import to_ms
from .query import MAX_QUERY_LENGTH, QueryError, parse_query

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


class ApiError(Exception):
    """An error answer: status and API-style JSON body."""

    def __init__(self, status: int, body: dict):
        super().__init__(body.get("detail") or body.get("title"))
        self.status = status
        self.body = body


def invalid_request(parameter: str, values: list, message: str) -> ApiError:
    return ApiError(400, {
        "errors": [{"parameters": {parameter: values}, "message": message}],
        "title": "Invalid Request", "detail": "One or more parameters to your request was invalid.",
        "type": PROBLEMS + "invalid-request"})


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

def check_known_parameters(params: dict, allowed: tuple) -> None:
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


def _field_lists(params: dict) -> dict:
    """The requested fields and expansions, each checked against what the API knows (media and poll
    fields are checked too, though no simulated post has media or polls)."""
    fields = {"tweet_fields": _field_list(params, "tweet.fields"), "user_fields": _field_list(params, "user.fields"),
              "place_fields": _field_list(params, "place.fields"), "expansions": _field_list(params, "expansions")}
    _field_list(params, "media.fields")
    _field_list(params, "poll.fields")
    return fields


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
    check_known_parameters(params, SEARCH_PARAMETERS)
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
        after_token_id=None, **_field_lists(params))
    for token_name in ("next_token", "pagination_token"):
        if params.get(token_name):
            request.after_token_id = decode_token(params[token_name], query, token_name)
    _check_search_window(request, now)
    return request


def parse_mentions_request(params: dict, username: str) -> SearchRequest:
    """The mentions timeline's parameters (checked once the user is known: an unknown user is not a 400);
    its pages hold 5-100 posts and have no 7-day window."""
    raw_max = params.get("max_results", "10")
    if not raw_max.isdigit() or not 5 <= int(raw_max) <= 100:
        raise invalid_request("max_results", [raw_max],
                              f"The `max_results` query parameter value [{raw_max}] is not between 5 and 100")
    request = SearchRequest(
        query=f"@{username}", max_results=int(raw_max), since_id=_parse_id(params, "since_id"),
        until_id=_parse_id(params, "until_id"), start_time=_parse_time(params, "start_time"),
        end_time=_parse_time(params, "end_time"), after_token_id=None, **_field_lists(params))
    if params.get("pagination_token"):
        request.after_token_id = decode_token(params["pagination_token"], request.query, "pagination_token")
    return request


def parse_lookup_request(params: dict) -> tuple[list[str], SearchRequest]:
    """The ids asked for, in order, and the fields wanted."""
    check_known_parameters(params, LOOKUP_PARAMETERS)
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
    return requested, SearchRequest(query="", max_results=0, since_id=None, until_id=None, start_time=None,
                                    end_time=None, after_token_id=None, **_field_lists(params))


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
