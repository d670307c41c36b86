"""Write parsed pages into the database: idempotent upserts, called inside one transaction.

The caller (collector, importer, refresh) owns the transaction, so a page's rows, its links to
the run and the run's checkpoint commit together or not at all. Upserting by id makes a page
stored twice (after a crash, or by two campaigns) leave exactly one row per post.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import datetime
from typing import Iterable, Sequence

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from monitor.editions import supersede_page
from monitor.models import Author, AuthorFollowers, Place, Post, PostHashtag, PostMatch, PostMention, RunPost
from monitor.mps.detect import detect_page
from monitor.parse import CUT_MARK, ParsedPage, matched_terms, stub_author
from monitor.privacy.removal import PROTECTED, remove_authors
from monitor.summary import add_posts, lock, resync_posts

# Columns an update may change: what X lets change after posting (text on edit, metrics,
# withholding). created_at, first_seen_at and author_followers stay as first seen.
POST_UPDATE_COLUMNS = ("text", "lang", "like_count", "repost_count", "reply_count", "quote_count",
                       "bookmark_count", "impression_count", "metrics_updated_at", "raw", "raw_dropped_at",
                       "last_seen_at", "withheld", "region", "branch", "region_evidence", "region_confidence")
AUTHOR_UPDATE_COLUMNS = ("username", "name", "location", "description", "followers_count",
                         "following_count", "tweet_count", "listed_count", "verified", "verified_type",
                         "protected", "created_at", "raw", "raw_dropped_at", "placeholder", "last_seen_at",
                         "profile_removed_at", "region", "branch", "region_evidence", "region_confidence",
                         "region_detail", "region_version")
CHUNK = 500  # rows per statement: well under SQLite's bound-parameter limit


@dataclass
class StoreResult:
    new: int = 0
    updated: int = 0
    new_ids: tuple[str, ...] = ()
    inserted_ids: frozenset[str] = frozenset()  # what this transaction inserted (new_ids less any race)


@functools.lru_cache(maxsize=256)
def _upsert_statement(dialect: str, model, keys: tuple[str, ...], update_columns: tuple[str, ...]):
    """One statement object per (table, conflict rule), built once so SQLAlchemy compiles it once.

    Rows are passed as parameters (executemany): SQLAlchemy's insertmanyvalues batches them into
    multi-row INSERTs on both databases. Building `.values(rows)` per page instead made a new
    statement for every page, compiled again every time: that compile was most of the cost of
    storing a page (bench/bench_ingest.py).
    """
    stmt = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(model.__table__)
    if update_columns:
        return stmt.on_conflict_do_update(index_elements=list(keys),
                                          set_={c: stmt.excluded[c] for c in update_columns})
    return stmt.on_conflict_do_nothing(index_elements=list(keys))


def _chunks(rows: Sequence[dict]) -> Iterable[Sequence[dict]]:
    for i in range(0, len(rows), CHUNK):
        yield rows[i:i + CHUNK]


def upsert(session: Session, model, rows: Sequence[dict], keys: Sequence[str], update_columns: Sequence[str]) -> None:
    """INSERT ... ON CONFLICT (keys) DO UPDATE SET update_columns (or DO NOTHING): same SQL on both databases."""
    rows = list(rows)
    if not rows:
        return
    stmt = _upsert_statement(session.get_bind().dialect.name, model, tuple(keys), tuple(update_columns))
    for chunk in _chunks(rows):
        session.execute(stmt, list(chunk))


def insert_ignore(session: Session, model, rows: Sequence[dict], keys: Sequence[str]) -> None:
    upsert(session, model, rows, keys, ())


@functools.lru_cache(maxsize=4)
def _insert_posts_statement(dialect: str):
    stmt = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(Post.__table__)
    return stmt.on_conflict_do_nothing(index_elements=["id"]).returning(Post.__table__.c.id)


def insert_new_posts(session: Session, rows: Sequence[dict]) -> set[str]:
    """Insert posts not found in the table; return the ids this transaction really inserted (the
    summary adds them as new), which on SQLite are read back by RETURNING: a post another writer
    stored meanwhile is not among them.

    On PostgreSQL the caller holds the store lock (summary.lock) since before it looked for the
    posts, so no other writer can have stored one since: every row given is inserted. RETURNING is
    left out there because it costs: SQLAlchemy then sends multi-row VALUES statements instead of
    psycopg's pipelined executemany, 47 instead of 19 ms a page of 100 posts (bench/HISTORY.md)."""
    if not rows:
        return set()
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        insert_ignore(session, Post, rows, ["id"])
        return {row["id"] for row in rows}
    inserted: set[str] = set()
    stmt = _insert_posts_statement(dialect)
    for chunk in _chunks(list(rows)):
        inserted |= set(session.scalars(stmt, list(chunk)))
    return inserted


def stored_posts(session: Session, ids: Iterable[str]) -> tuple[set[str], set[str]]:
    """Which of these posts are stored, and which of those are superseded earlier versions (editions)."""
    ids = list(ids)
    stored: set[str] = set()
    superseded: set[str] = set()
    for i in range(0, len(ids), CHUNK):
        for post_id, later in session.execute(select(Post.id, Post.superseded_by)
                                              .where(Post.id.in_(ids[i:i + CHUNK]))):
            stored.add(post_id)
            if later is not None:
                superseded.add(post_id)
    return stored, superseded


def keep_whole_texts(session: Session, page: ParsedPage, known: set[str]) -> None:
    """A stored long post served again cut, without its note_tweet (an archive captured without asking
    for it), keeps its whole text: the cut one would replace it in every page and export. The raw JSON
    keeps the note_tweet it came with before, beside what X sent this time."""
    cut = {p["id"]: p for p in page.posts
           if p["id"] in known and p["text"].endswith(CUT_MARK) and "note_tweet" not in p["raw"]}
    if not cut:
        return
    for post_id, text, raw in session.execute(select(Post.id, Post.text, Post.raw).where(Post.id.in_(list(cut)))):
        if isinstance(raw, dict) and "note_tweet" in raw:
            row = cut[post_id]
            row["text"], row["raw"] = text, {**row["raw"], "note_tweet": raw["note_tweet"]}


def store_authors(session: Session, page: ParsedPage, now: datetime) -> None:
    authors = list(page.authors.values())
    upsert(session, Author, authors, ["id"], AUTHOR_UPDATE_COLUMNS)
    # Authors a page failed to include: a placeholder keeps the post's link; never overwrite real data.
    stubs = [stub_author(a, now) for a in sorted(page.missing_author_ids)]
    insert_ignore(session, Author, stubs, ["id"])
    history = [{"author_id": a["id"], "observed_on": now.date(), "followers_count": a["followers_count"]}
               for a in authors]
    upsert(session, AuthorFollowers, history, ["author_id", "observed_on"], ["followers_count"])


def store_page(session: Session, page: ParsedPage, now: datetime, *, run_id: int | None = None,
               campaign: str | None = None, terms: Sequence[str] = (),
               next_refresh=None, summarise: bool = True) -> StoreResult:
    """Upsert one page's places, authors, posts, entities, campaign matches and run links, and bring
    the summary slices of the page's posts up to date (summarise=False: the caller adds campaign
    matches itself and calls summarise_page after them, as the importer does)."""
    lock(session)   # first, before any row: see summary.lock; insert_new_posts relies on it
    upsert(session, Place, list(page.places.values()), ["id"], ["full_name", "name", "country_code",
                                                                "place_type", "raw"])
    store_authors(session, page, now)
    if not page.posts:
        return StoreResult()
    known, page.superseded = stored_posts(session, (p["id"] for p in page.posts))
    keep_whole_texts(session, page, known)
    new_rows = [dict(p, next_refresh_at=next_refresh(p["created_at"], now) if next_refresh else None)
                for p in page.posts if p["id"] not in known]
    inserted = insert_new_posts(session, new_rows)
    upsert(session, Post, [p for p in page.posts if p["id"] in known], ["id"], POST_UPDATE_COLUMNS)
    page.superseded |= supersede_page(session, page.posts)   # before the matches: they get none
    insert_ignore(session, PostHashtag, [{"post_id": p, "tag": t} for p, t in page.hashtags],
                  ["post_id", "tag"])
    insert_ignore(session, PostMention, [{"post_id": p, "username": u, "user_id": uid}
                                         for p, u, uid in page.mentions], ["post_id", "username"])
    detect_page(session, page)   # which posts are by or mention an MP (monitor.mps.detect)
    if campaign:
        insert_ignore(session, PostMatch, campaign_matches(page, campaign, terms),
                      ["post_id", "campaign", "term"])
    if run_id is not None:
        insert_ignore(session, RunPost, [{"run_id": run_id, "post_id": p["id"]} for p in page.posts],
                      ["run_id", "post_id"])
    if summarise:
        summarise_page(session, page, inserted, now)
    return StoreResult(new=len(new_rows), updated=len(page.posts) - len(new_rows),
                       new_ids=tuple(p["id"] for p in new_rows), inserted_ids=frozenset(inserted))


def summarise_page(session: Session, page: ParsedPage, inserted: set[str], now: datetime) -> None:
    """Bring the summary slices of a stored page's posts up to date (after its campaign matches): the
    posts this transaction inserted are added to their slices; the others, which may have changed
    (metrics, region, a new campaign), have their slices aggregated again. An author the page shows as
    protected is then removed with all their posts (monitor.privacy): a protected account's posts and
    profile are not kept."""
    add_posts(session, set(inserted) - page.superseded)
    resync_posts(session, {p["id"] for p in page.posts if p["id"] not in inserted} | page.superseded)
    protected = [a["id"] for a in page.authors.values() if a["protected"]]
    if protected:
        remove_authors(session, protected, PROTECTED, now)


def campaign_matches(page: ParsedPage, campaign: str, terms: Sequence[str]) -> list[dict]:
    tags: dict[str, list[str]] = {}
    mentions: dict[str, list[str]] = {}
    for post_id, tag in page.hashtags:
        tags.setdefault(post_id, []).append(tag)
    for post_id, username, _ in page.mentions:
        mentions.setdefault(post_id, []).append(username)
    rows = []
    for post in page.posts:
        if post["id"] in page.superseded:
            continue   # an earlier version of an edited post: its latest version is the one counted
        for term in matched_terms(post, tags.get(post["id"], []), mentions.get(post["id"], []), terms):
            rows.append({"post_id": post["id"], "campaign": campaign, "term": term})
    return rows
