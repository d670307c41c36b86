"""The simulated campaign as the other networks see it: fakex's seeded corpus (authors with UK places in every
region, heavy-tailed followers, replies and quotes, the daily rhythm, event days) re-read as network-neutral
posts and people, which the simulated Bluesky and Mastodon servers render in their own shapes.

The profiles of Bluesky and Mastodon have no location field, so a person's place, when they give it, is in
their bio: some bios carry the X profile's location as people write it there ("📍 Leeds", "Based in
Notts."), most do not.
"""
from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime

from monitor.fakex.corpus import HOUR_MS, Corpus
from monitor.fakex.engagement import Growth
from monitor.fakex.generator import build_corpus

BIO_PIN_SHARE, BIO_BASED_SHARE = 0.35, 0.15


@dataclass
class Person:
    key: str                 # the corpus user id
    username: str
    name: str
    bio: str
    followers: int
    following: int
    posts_count: int
    created_at: str          # ISO time
    region: str | None       # the corpus's ground truth of the profile location


@dataclass
class Piece:
    """A run of a post's text: plain, a hashtag (value: the tag) or a mention (value: the person's key)."""
    kind: str
    text: str
    value: str | None = None


@dataclass
class WorldPost:
    key: str                 # the corpus post id
    ms: int
    author: str
    pieces: list[Piece]
    lang: str
    reply_to: str | None
    quote_of: str | None
    root: str
    final_metrics: tuple     # reposts, replies, likes, quotes, bookmarks when fully grown
    growth: Growth           # how they grow with age, as on the simulated X (monitor.fakex.engagement)
    hashtags: frozenset = field(default_factory=frozenset)   # lower case
    mentions: frozenset = field(default_factory=frozenset)   # person keys

    def metrics_at(self, now_ms: int) -> tuple:
        age_hours = max(0, now_ms - self.ms) / HOUR_MS
        grown = self.growth.grown(age_hours)
        return tuple(int(final * grown) for final in self.final_metrics)


@dataclass
class World:
    corpus: Corpus
    people: dict[str, Person]
    posts: list[WorldPost]          # oldest first
    by_key: dict[str, WorldPost]
    official: str | None            # the campaign account's person key


def _pieces(post: dict) -> list[Piece]:
    """The X post's whole text cut at its hashtag and mention entities (offsets in characters). A long X
    post's `text` is cut short with its tags; the whole post (`note_tweet`) is what its author wrote."""
    whole = post.get("note_tweet") or post
    text = whole["text"]
    entities = whole.get("entities") or {}
    spans = [(h["start"], h["end"], "hashtag", h["tag"]) for h in entities.get("hashtags", [])]
    spans += [(m["start"], m["end"], "mention", m["id"]) for m in entities.get("mentions", [])]
    pieces, at = [], 0
    for start, end, kind, value in sorted(spans):
        if start > at:
            pieces.append(Piece("text", text[at:start]))
        pieces.append(Piece(kind, text[start:end], value))
        at = end
    if at < len(text):
        pieces.append(Piece("text", text[at:]))
    return pieces


def _bio(rng: random.Random, user: dict) -> str:
    description = user.get("description") or ""
    location = user.get("location") or ""
    roll = rng.random()
    if location and roll < BIO_PIN_SHARE:
        return f"{description} 📍 {location}".strip()
    if location and roll < BIO_PIN_SHARE + BIO_BASED_SHARE:
        return f"{description} Based in {location}.".strip()
    return description


def build_world(seed: int, start: datetime, days: int, posts_per_day: int, hashtags, mention: str | None,
                churn: bool = False) -> World:
    corpus = build_corpus(seed, start, days, posts_per_day, hashtags, mention, churn)
    rng = random.Random(seed * 7919 + 1)   # bios draw from their own stream: the corpus stays as fakex's
    people = {}
    for uid, user in corpus.users.items():
        metrics = user.get("public_metrics") or {}
        people[uid] = Person(uid, user["username"], user.get("name") or user["username"], _bio(rng, user),
                             int(metrics.get("followers_count", 0)), int(metrics.get("following_count", 0)),
                             int(metrics.get("tweet_count", 0)), user.get("created_at") or "2020-01-01T00:00:00Z",
                             corpus.user_regions.get(uid))
    posts, by_key = [], {}
    for post, facts in zip(corpus.posts, corpus.facts):
        refs = {r["type"]: r["id"] for r in post.get("referenced_tweets", [])}
        reply_to, quote_of = refs.get("replied_to"), refs.get("quoted")
        root = by_key[reply_to].root if reply_to in by_key else post["id"]
        retweets, replies, likes, quotes, bookmarks, _impressions = facts.final_metrics
        world_post = WorldPost(post["id"], facts.ms, post["author_id"], _pieces(post), post.get("lang", "en"),
                               reply_to, quote_of, root, (retweets, replies, likes, quotes, bookmarks),
                               facts.growth, facts.hashtags,
                               frozenset(m["id"] for m in (post.get("entities") or {}).get("mentions", [])))
        posts.append(world_post)
        by_key[world_post.key] = world_post
    official = next((uid for uid, u in corpus.users.items() if mention and u["username"] == mention), None)
    return World(corpus, people, posts, by_key, official)


def add_post(world: World, text_pieces: list[Piece], person: Person, ms: int) -> WorldPost:
    """A post of a test's own (hostile text, a known author) by `person`, at `ms`."""
    world.people.setdefault(person.key, person)
    key = f"t{len(world.by_key)}-{ms}"
    post = WorldPost(key, ms, person.key, text_pieces, "en", None, None, key, (0, 0, 1, 0, 0), Growth(),
                     frozenset(p.value.lower() for p in text_pieces if p.kind == "hashtag" and p.value),
                     frozenset(p.value for p in text_pieces if p.kind == "mention" and p.value))
    index = next((i for i, p in enumerate(world.posts) if p.ms > ms), len(world.posts))
    world.posts.insert(index, post)
    world.by_key[key] = post
    return post
