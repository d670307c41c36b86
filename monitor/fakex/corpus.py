"""The simulated X's world as search and lookup see it: the `Corpus` of posts, users and places in API v2
shape, each post's precomputed `PostFacts`, and the way X serves a post's text (a long one cut, whole in
`note_tweet`). Built by monitor.fakex.generator; tests add and edit posts of their own through it.
"""
from __future__ import annotations

import bisect
import re
import time
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from monitor.snowflake import snowflake, snowflake_ms

from .engagement import Growth, metrics_at

UK_TIME = ZoneInfo("Europe/London")
DAY_MS = 86_400_000
HOUR_MS = 3_600_000
TEXT_LIMIT, CUT_MARK = 280, "\u2026"


def iso_time(ms: int) -> str:
    """The API's created_at format: whole seconds, '.000Z'."""
    return time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime(ms // 1000))


def to_ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


@dataclass(slots=True)
class PostFacts:
    """What search needs about a post, precomputed (lower-case strings), plus its metric curve."""

    id: str
    id_int: int
    ms: int
    author_id: str
    username: str
    hashtags: frozenset
    mentions: frozenset
    text_lower: str
    lang: str
    is_reply: bool
    is_quote: bool
    has_geo: bool
    final_metrics: tuple   # retweet, reply, like, quote, bookmark, impression counts when fully grown
    growth: Growth         # how they grow with age (monitor.fakex.engagement)


@dataclass
class Corpus:
    """The generated world. `posts`, `users`, `places` hold plain dicts in API v2 shape.

    Post dicts carry no `public_metrics`: those grow with age and are computed per response
    (`metrics_at`). `user_regions` is the ground-truth region of each author's profile
    location (None where a careful human would say Unknown), for scoring attribution.
    """

    seed: int
    start: datetime
    days: int
    hashtags: tuple
    mention: str | None
    posts: list[dict] = field(default_factory=list)          # oldest first
    users: dict[str, dict] = field(default_factory=dict)
    places: dict[str, dict] = field(default_factory=dict)
    facts: list[PostFacts] = field(default_factory=list)     # parallel to posts
    ids_ascending: list[int] = field(default_factory=list)   # parallel to posts
    post_by_id: dict[str, dict] = field(default_factory=dict)
    facts_by_id: dict[str, PostFacts] = field(default_factory=dict)
    user_regions: dict[str, str | None] = field(default_factory=dict)
    scheduled_deletions: dict[str, int] = field(default_factory=dict)    # post id -> ms
    scheduled_protections: dict[str, int] = field(default_factory=dict)  # user id -> ms
    edit_chains: dict[str, list] = field(default_factory=dict)    # post id -> [(ms, version id)] of its edits
    replaced_from_ms: dict[str, int] = field(default_factory=dict)  # post id -> ms a newer version appeared

    def metrics_at(self, post_id: str, now_ms: int) -> dict:
        facts = self.facts_by_id[post_id]
        return metrics_at(facts.final_metrics, facts.growth, max(0, now_ms - facts.ms) / HOUR_MS)

    def add_post(self, text: str, user: dict, at: datetime, final_metrics: tuple = (1, 1, 5, 0, 1, 200),
                 reply_to: str | None = None, quote_of: str | None = None) -> str:
        """Put a post of your own into the corpus (text exactly as given; its hashtags, and its mentions of
        users the corpus knows, taken from it) by `user` (an API v2 user dict with at least `id` and
        `username`; added or replaced), posted at `at`, optionally a reply to or a quote of a post of the
        corpus. A text over TEXT_LIMIT characters is served as X serves a long post (as_served).
        For tests that need particular content; call it before the posts are searched. Returns the id."""
        self.users[str(user["id"])] = {
            "name": user["username"], "created_at": iso_time(to_ms(at) - 400 * DAY_MS), "description": "",
            "protected": False, "verified": False, "verified_type": "none",
            "public_metrics": {"followers_count": 100, "following_count": 100, "tweet_count": 100,
                               "listed_count": 0, "like_count": 0}, **user, "id": str(user["id"])}
        self.user_regions.setdefault(str(user["id"]), None)
        post_id = self._free_id(to_ms(at))
        post = {"id": post_id, "author_id": str(user["id"]), "created_at": iso_time(to_ms(at)), "lang": "en",
                "conversation_id": post_id, "edit_history_tweet_ids": [post_id], "possibly_sensitive": False,
                "reply_settings": "everyone"}
        if reply_to:
            parent = self.post_by_id[reply_to]
            post.update(conversation_id=parent["conversation_id"], in_reply_to_user_id=parent["author_id"],
                        referenced_tweets=[{"type": "replied_to", "id": reply_to}])
        elif quote_of:
            post["referenced_tweets"] = [{"type": "quoted", "id": quote_of}]
        self._insert(post, text, final_metrics)
        return post_id

    def edit_post(self, post_id: str, text: str, at: datetime) -> str:
        """The author edits a post at `at`: as on X, the edit is a new post with its own id, and every
        version's edit_history_tweet_ids lists the versions up to now, oldest first (see edit_history).
        From `at` on, search finds the new version only; a lookup by an older id still returns that
        version. Returns the new version's id."""
        old = self.post_by_id[post_id]
        ms = to_ms(at)
        new_id = self._free_id(ms)
        chain = self.edit_chains.setdefault(post_id, [(self.facts_by_id[post_id].ms, post_id)])
        chain.append((ms, new_id))
        self.edit_chains[new_id] = chain
        self.replaced_from_ms[post_id] = ms
        post = {key: value for key, value in old.items() if key not in ("text", "entities", "note_tweet")}
        post.update(id=new_id, created_at=iso_time(ms), edit_history_tweet_ids=[i for _, i in chain])
        if post.get("conversation_id") == post_id:
            post["conversation_id"] = new_id
        self._insert(post, text, self.facts_by_id[post_id].final_metrics)
        return new_id

    def edit_history(self, post: dict, now_ms: int) -> list[str]:
        """The post's versions as X lists them at now_ms: every version made by then, oldest first."""
        chain = self.edit_chains.get(post["id"])
        if chain is None:
            return post["edit_history_tweet_ids"]
        return [version for ms, version in chain if ms <= now_ms or version == post["id"]]

    def is_replaced(self, post_id: str, now_ms: int) -> bool:
        """Whether a newer version of the post exists at now_ms (search no longer finds this one)."""
        return self.replaced_from_ms.get(post_id, now_ms + 1) <= now_ms

    def _free_id(self, ms: int) -> str:
        low_bits = 0
        while str(snowflake(ms, low_bits)) in self.post_by_id:
            low_bits += 1
        return str(snowflake(ms, low_bits))

    def _insert(self, post: dict, text: str, final_metrics: tuple) -> None:
        """Add a post of a test's own (text and entities from `text`) where its id belongs: oldest first."""
        users_by_name = {u["username"].lower(): u for u in self.users.values()}
        tags = [{"start": m.start(), "end": m.end(), "tag": m.group(1)} for m in _HASHTAG.finditer(text)]
        mentions = [{"start": m.start(), "end": m.end(), "username": users_by_name[m.group(1).lower()]["username"],
                     "id": users_by_name[m.group(1).lower()]["id"]}
                    for m in _MENTION.finditer(text) if m.group(1).lower() in users_by_name]
        as_served(post, text, tags, mentions)
        id_int = int(post["id"])
        kind = (post.get("referenced_tweets") or [{}])[0].get("type")
        facts = PostFacts(id=post["id"], id_int=id_int, ms=snowflake_ms(id_int), author_id=post["author_id"],
                          username=self.users[post["author_id"]]["username"].lower(),
                          hashtags=frozenset(t["tag"].lower() for t in tags),
                          mentions=frozenset(m["username"].lower() for m in mentions), text_lower=text.lower(),
                          lang=post["lang"], is_reply=kind == "replied_to", is_quote=kind == "quoted",
                          has_geo="geo" in post, final_metrics=tuple(final_metrics), growth=Growth())
        position = bisect.bisect_left(self.ids_ascending, id_int)   # posts stay oldest first
        self.ids_ascending.insert(position, id_int)
        self.posts.insert(position, post)
        self.facts.insert(position, facts)
        self.post_by_id[post["id"]] = post
        self.facts_by_id[post["id"]] = facts


_HASHTAG = re.compile(r"(?<![\w#])#(\w+)")
_MENTION = re.compile(r"(?<![\w@])@(\w{1,15})")


def as_served(post: dict, text: str, hashtags: list[dict], mentions: list[dict]) -> None:
    """Give `post` its text and entities the way X serves them: whole up to TEXT_LIMIT characters; a longer
    post cut at a space before the limit and ending in CUT_MARK, with the entities that lie wholly in what
    is left, and the whole post in `note_tweet` with all of its entities."""
    entities = {name: found for name, found in (("hashtags", hashtags), ("mentions", mentions)) if found}
    post.pop("note_tweet", None)
    if len(text) <= TEXT_LIMIT:
        post["text"] = text
    else:
        space = max(text.rfind(" ", 0, TEXT_LIMIT), text.rfind("\n", 0, TEXT_LIMIT))
        kept = text[:space if space > 0 else TEXT_LIMIT - len(CUT_MARK)].rstrip()
        post["text"] = kept + CUT_MARK
        post["note_tweet"] = {"text": text, "entities": entities} if entities else {"text": text}
        entities = {name: [e for e in found if e["end"] <= len(kept)] for name, found in entities.items()}
        entities = {name: found for name, found in entities.items() if found}
    if entities:
        post["entities"] = entities
    else:
        post.pop("entities", None)


def whole_text(post: dict) -> str:
    return (post.get("note_tweet") or {}).get("text") or post["text"]
