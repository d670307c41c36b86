"""The project's own API v2 page fixtures: small, readable builders of real response shapes."""
from __future__ import annotations

from datetime import datetime, timezone

from monitor.snowflake import snowflake_at


def snowflake(when: datetime, seq: int = 0) -> str:
    return snowflake_at(when, seq)


def user(uid: str, username: str, location: str | None = "Leeds, UK", followers: int = 120) -> dict:
    return {"id": uid, "username": username, "name": username.title(), "location": location,
            "created_at": "2015-03-01T10:00:00.000Z", "description": "Head teacher",
            "public_metrics": {"followers_count": followers, "following_count": 10, "tweet_count": 500,
                               "listed_count": 2}, "verified": False, "verified_type": "none"}


def post(when: datetime, author_id: str, text: str, seq: int = 0, tags=(), mentions=(), place_id=None,
         likes: int = 1, refs=None) -> dict:
    pid = snowflake(when, seq)
    entities = {}
    if tags:
        entities["hashtags"] = [{"start": 0, "end": len(t) + 1, "tag": t} for t in tags]
    if mentions:
        entities["mentions"] = [{"start": 0, "end": len(m) + 1, "username": m, "id": "999"} for m in mentions]
    p = {"id": pid, "text": text, "author_id": author_id, "lang": "en", "conversation_id": pid,
         "created_at": when.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.000Z"), "entities": entities,
         "edit_history_tweet_ids": [pid],
         "public_metrics": {"retweet_count": 0, "reply_count": 0, "like_count": likes, "quote_count": 0,
                            "bookmark_count": 0, "impression_count": likes * 40}}
    if place_id:
        p["geo"] = {"place_id": place_id}
    if refs:
        p["referenced_tweets"] = refs
    return p


def page(posts: list[dict], users: list[dict], places: list[dict] = (), next_token: str | None = None,
         errors: list[dict] | None = None) -> dict:
    out = {"data": posts, "includes": {"users": users}, "meta": {"result_count": len(posts)}}
    if places:
        out["includes"]["places"] = list(places)
    if posts:
        out["meta"]["newest_id"] = max(p["id"] for p in posts)
        out["meta"]["oldest_id"] = min(p["id"] for p in posts)
    if next_token:
        out["meta"]["next_token"] = next_token
    if errors:
        out["errors"] = errors
    return out
