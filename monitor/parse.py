"""Turn one X API v2 response page into plain rows (no database, no network).

Input is the page as the API sends it (`data`, `includes`, `errors`, `meta`), whether it came
from tweepy or a twarc2 JSONL line. Output is a ParsedPage of dicts keyed by column name, so the
store can upsert them and a later parser can re-derive everything from the kept `raw` JSON.
"""
from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Iterable

from monitor.models import Author, Place, Post, PostHashtag, PostMention
from monitor.snowflake import snowflake_time
from monitor.timeutil import parse_api_time, uk_local

# Every row starts openly Unknown; monitor.attribution fills in the region before storing.
UNATTRIBUTED = {"region": "Unknown", "branch": None, "region_evidence": "none", "region_confidence": 0.0}
KIND_BY_REFERENCE = {"replied_to": "reply", "quoted": "quote", "retweeted": "repost"}


@dataclass
class ParsedPage:
    posts: list[dict] = field(default_factory=list)
    authors: dict[str, dict] = field(default_factory=dict)
    missing_author_ids: set[str] = field(default_factory=set)
    places: dict[str, dict] = field(default_factory=dict)
    hashtags: list[tuple[str, str]] = field(default_factory=list)
    mentions: list[tuple[str, str, str | None]] = field(default_factory=list)
    errors: list[dict] = field(default_factory=list)
    # Set by monitor.store.store_page: the earlier versions of edited posts it found stored or on the page
    # (monitor.editions), which get no campaign matches.
    superseded: set[str] = field(default_factory=set)
    reposts_skipped: int = 0
    newest_id: str | None = None
    next_token: str | None = None
    result_count: int = 0
    # What the page bills (monitor.billing.Reads), set by the source of a network that bills reads (X);
    # None elsewhere.
    reads: Any = None


# PostgreSQL text cannot hold NUL, and neither database can encode a lone UTF-16 surrogate
# (which JSON can carry): both become U+FFFD in the text columns. `raw` keeps the original.
UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def clean_text(value: str | None) -> str | None:
    if value is None or not UNSTORABLE.search(value):
        return value
    return UNSTORABLE.sub("\ufffd", value)


def _length(column) -> int:
    return column.property.columns[0].type.length


# Column lengths, looked up once: reading them through the ORM attribute on every value cost ~10% of ingest.
USERNAME, VERIFIED_TYPE, LANG = _length(Author.username), _length(Author.verified_type), _length(Post.lang)
TAG, MENTION = _length(PostHashtag.tag), _length(PostMention.username)
COUNTRY_CODE, PLACE_TYPE = _length(Place.country_code), _length(Place.place_type)


def fitted(value: str | None, length: int) -> str | None:
    """clean_text, cut to a column's length. X's own limits keep real values far inside these columns
    (usernames 15 characters, here 50), and PostgreSQL refuses a longer value, which would stop the run
    at that page for good; `raw` keeps the value as served."""
    value = clean_text(value)
    return value[:length] if value is not None and len(value) > length else value


def metric(metrics: dict, *names: str) -> int:
    """X renamed some metrics (retweet_count -> repost_count): accept either."""
    for n in names:
        if metrics.get(n) is not None:
            return int(metrics[n])
    return 0


def post_metrics(post: dict) -> dict[str, int]:
    m = post.get("public_metrics") or {}
    return {
        "like_count": metric(m, "like_count"),
        "repost_count": metric(m, "retweet_count", "repost_count"),
        "reply_count": metric(m, "reply_count"),
        "quote_count": metric(m, "quote_count"),
        "bookmark_count": metric(m, "bookmark_count"),
        "impression_count": metric(m, "impression_count"),
    }


def post_kind(post: dict) -> tuple[str, str | None]:
    """original, reply, quote or repost, and the id of the post it refers to."""
    for ref in post.get("referenced_tweets") or []:
        kind = KIND_BY_REFERENCE.get(ref.get("type"))
        if kind:
            return kind, ref.get("id")
    return "original", None


def parse_author(user: dict, now: datetime) -> dict:
    m = user.get("public_metrics") or {}
    return {
        "id": str(user["id"]),
        "username": fitted(user.get("username"), USERNAME) or str(user["id"]),
        "name": clean_text(user.get("name")),
        "location": clean_text(user.get("location")),
        "description": clean_text(user.get("description")),
        "followers_count": metric(m, "followers_count"),
        "following_count": metric(m, "following_count"),
        "tweet_count": metric(m, "tweet_count"),
        "listed_count": metric(m, "listed_count"),
        "verified": bool(user.get("verified", False)),
        "verified_type": fitted(user.get("verified_type"), VERIFIED_TYPE),
        "protected": bool(user.get("protected", False)),
        "created_at": parse_api_time(user["created_at"]) if user.get("created_at") else None,
        "raw": user,
        "placeholder": False,
        "first_seen_at": now,
        "last_seen_at": now,
        "raw_dropped_at": None, "profile_removed_at": None,   # seen again: kept afresh (monitor.privacy)
        **UNATTRIBUTED, "region_detail": None, "region_version": None,
    }


def stub_author(author_id: str, now: datetime) -> dict:
    """A placeholder for an author the page did not include: filled in when they next appear."""
    return {"id": author_id, "username": author_id, "name": None, "location": None, "description": None,
            "followers_count": 0, "following_count": 0, "tweet_count": 0, "listed_count": 0,
            "verified": False, "verified_type": None, "protected": False, "created_at": None,
            "raw": {}, "placeholder": True, "first_seen_at": now, "last_seen_at": now,
            "raw_dropped_at": None, "profile_removed_at": None,
            **UNATTRIBUTED, "region_detail": None, "region_version": None}


def parse_place(place: dict) -> dict:
    return {"id": str(place["id"]), "full_name": clean_text(place.get("full_name")),
            "name": clean_text(place.get("name")),
            "country_code": fitted(place.get("country_code"), COUNTRY_CODE),
            "place_type": fitted(place.get("place_type"), PLACE_TYPE), "raw": place}


def parse_post(post: dict, authors: dict[str, dict], now: datetime) -> dict:
    created = parse_api_time(post["created_at"]) if post.get("created_at") else created_from_id(post["id"])
    local = uk_local(created)
    kind, referenced = post_kind(post)
    author_id = str(post["author_id"]) if post.get("author_id") else None
    author = authors.get(author_id or "")
    return {
        "id": str(post["id"]),
        "author_id": author_id,
        "created_at": created,
        "created_date_uk": local.date(),
        "created_hour_uk": local.hour,
        "text": clean_text(whole_text(post)) or "",
        "lang": fitted(post.get("lang"), LANG),
        "kind": kind,
        "conversation_id": post.get("conversation_id"),
        "in_reply_to_user_id": post.get("in_reply_to_user_id"),
        "referenced_post_id": referenced,
        "place_id": (post.get("geo") or {}).get("place_id"),
        "author_followers": author["followers_count"] if author else 0,
        **post_metrics(post),
        "metrics_updated_at": now,
        "raw": post,
        "first_seen_at": now,
        "last_seen_at": now,
        "raw_dropped_at": None,   # seen again: the raw JSON is kept afresh (monitor.privacy.retention)
        "withheld": post.get("withheld"),
        **UNATTRIBUTED,
    }


def created_from_id(post_id: str) -> datetime:
    """A post's time is in its snowflake id (monitor.snowflake)."""
    return snowflake_time(post_id)


# --- long posts: the whole text -----------------------------------------------------------------
# A post longer than 280 characters (X Premium) comes with `text` cut short, ending in CUT_MARK, and
# the whole post in `note_tweet` ({"text", "entities"}), and only when tweet.fields asks for note_tweet.
# The whole post is the post: its text and entities are what is stored, matched, searched and exported;
# `raw` keeps both as X sent them.
CUT_MARK = "\u2026"   # …


def _note(post: dict) -> dict | None:
    note = post.get("note_tweet")
    return note if isinstance(note, dict) and isinstance(note.get("text"), str) and note["text"] else None


def whole_text(post: dict) -> str:
    """The post's whole text: note_tweet's when X sent one, else `text`."""
    note = _note(post)
    return note["text"] if note else (post.get("text") or "")


def whole_entities(post: dict, kind: str) -> list[dict]:
    """The post's entities of one kind ('hashtags', 'mentions') over its whole text.

    A long post's are note_tweet's, plus those of the cut `text` that end before the cut: X does not
    say that note_tweet repeats every one (a reply's leading @mentions), and the entity the cut runs
    through may be a broken piece ('#InvestInPup…'), so that one is left to note_tweet."""
    listed = (post.get("entities") or {}).get(kind) or []
    note = _note(post)
    if not note:
        return [e for e in listed if isinstance(e, dict)]
    cut_text = post.get("text") or ""
    cut_at = len(cut_text) - len(CUT_MARK) if cut_text.endswith(CUT_MARK) else len(cut_text)
    before_cut = [e for e in listed if isinstance(e, dict) and isinstance(e.get("end"), int) and e["end"] < cut_at]
    return [e for e in (note.get("entities") or {}).get(kind) or [] if isinstance(e, dict)] + before_cut


def entity_tags(post: dict) -> list[str]:
    return sorted({fitted(h["tag"].lower(), TAG) for h in whole_entities(post, "hashtags")
                   if isinstance(h.get("tag"), str) and h["tag"]})


def entity_mentions(post: dict) -> list[tuple[str, str | None]]:
    seen: dict[str, str | None] = {}
    for m in whole_entities(post, "mentions"):
        if isinstance(m.get("username"), str) and m["username"]:
            seen.setdefault(fitted(m["username"].lower(), MENTION), m.get("id"))
    return sorted(seen.items())


def parse_page(page: dict[str, Any], now: datetime | None = None) -> ParsedPage:
    """Parse one response page. Raises ValueError when it is not an API v2 page at all."""
    if not isinstance(page, dict) or not ({"data", "meta", "errors"} & page.keys()):
        raise ValueError("not an X API v2 response page (no data, meta or errors)")
    now = now or datetime.now(timezone.utc)
    includes = page.get("includes") or {}
    out = ParsedPage(errors=list(page.get("errors") or []))
    for user in includes.get("users") or []:
        out.authors[str(user["id"])] = parse_author(user, now)
    for place in includes.get("places") or []:
        out.places[str(place["id"])] = parse_place(place)
    data = page.get("data") or []
    if isinstance(data, dict):  # a filtered-stream capture holds one post per line
        data = [data]
    for post in _unique_posts(data):
        row = parse_post(post, out.authors, now)
        if row["kind"] == "repost":
            out.reposts_skipped += 1  # reposts are not campaign posts (search excludes them too)
            continue
        if row["author_id"] and row["author_id"] not in out.authors:
            out.missing_author_ids.add(row["author_id"])
        if row["place_id"] and row["place_id"] not in out.places:
            row["place_id"] = None  # the place was not included: keep the post, drop the dangling link
        out.posts.append(row)
        out.hashtags += [(row["id"], t) for t in entity_tags(post)]
        out.mentions += [(row["id"], u, uid) for u, uid in entity_mentions(post)]
    meta = page.get("meta") or {}
    out.newest_id = meta.get("newest_id")
    out.next_token = meta.get("next_token")
    out.result_count = int(meta.get("result_count") or len(out.posts))
    return out


def _unique_posts(posts: Iterable[dict]) -> list[dict]:
    """A page that repeats a post holds it once (the API has been seen to repeat across pages too)."""
    seen: dict[str, dict] = {}
    for p in posts:
        if isinstance(p, dict) and p.get("id"):
            seen[str(p["id"])] = p
    return list(seen.values())


def matched_terms(post_row: dict, tags: list[str], mentions: list[str], terms: Iterable[str]) -> list[str]:
    """Which campaign terms ('#Tag', '@handle') this post carries, by its entities or its text."""
    text = post_row["text"]
    found = []
    for term in terms:
        bare = term[1:].lower()
        in_entities = bare in (tags if term.startswith("#") else mentions)
        # In the text, a term counts only as a whole token: #FundOurSchools is not #FundOurSchoolsNow.
        if in_entities or _term_pattern(term).search(text) is not None:
            found.append(term)
    return found


@functools.lru_cache(maxsize=1024)
def _term_pattern(term: str) -> re.Pattern:
    """The whole-token pattern of a term, compiled once (it ran for every term of every post)."""
    return re.compile(rf"(?<!\w){re.escape(term)}(?!\w)", re.IGNORECASE)
