"""How the simulated X API writes a page of posts: the default and requested fields of each post and
user, the expansions (authors, mentioned and replied-to users, referenced posts, places) in `includes`,
and a resource error for each referenced post that cannot be read.
"""
from __future__ import annotations

from typing import Protocol

from .corpus import Corpus
from .params import PROBLEMS, SearchRequest

DEFAULT_TWEET_FIELDS = ("id", "text", "edit_history_tweet_ids")
DEFAULT_USER_FIELDS = ("id", "name", "username")
DEFAULT_PLACE_FIELDS = ("id", "full_name")


class Visibility(Protocol):
    def is_protected(self, user_id: str, now_ms: int) -> bool: ...

    def unavailable(self, post_id: str, now_ms: int) -> str | None: ...


def resource_error(post_id: str, parameter: str, kind: str) -> dict:
    if kind == "not-found":
        return {"value": post_id, "detail": f"Could not find tweet with {parameter}: [{post_id}].",
                "title": "Not Found Error", "resource_type": "tweet", "parameter": parameter,
                "resource_id": post_id, "type": PROBLEMS + "resource-not-found"}
    return {"value": post_id,
            "detail": f"Sorry, you are not authorized to see the Tweet with {parameter}: [{post_id}].",
            "title": "Authorization Error", "resource_type": "tweet", "parameter": parameter,
            "resource_id": post_id, "type": PROBLEMS + "not-authorized-for-resource"}


class PageRenderer:
    """Renders posts of `corpus` as the API sends them, asking `visibility` what can be seen now."""

    def __init__(self, corpus: Corpus, visibility: Visibility):
        self.corpus = corpus
        self._visibility = visibility

    def page(self, posts: list[dict], request: SearchRequest, now_ms: int) -> dict:
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
                problem = self._visibility.unavailable(post_id, now_ms)
                if problem:
                    errors.append(resource_error(post_id, "referenced_tweets.id", problem))
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
            rendered["protected"] = self._visibility.is_protected(user["id"], now_ms)
        return rendered


def _pick(item: dict, defaults: tuple, requested: tuple) -> dict:
    """The default fields plus the requested ones the item has (the API omits absent fields)."""
    picked = {name: item[name] for name in defaults if name in item}
    for name in requested:
        if name in item and name not in picked:
            picked[name] = item[name]
    return picked
