"""Removing a post or an author, inside the caller's transaction.

A removed post keeps a row with only what the figures need, so that every period's totals stay as they
were: its UK day and hour, kind, region and branch, campaign matches, the follower count as of the post
(potential reach) and its metrics as last seen. Everything else goes: its text, language, raw JSON,
place, conversation and reply links, hashtag and mention rows, run links and its author. It takes a new
id that X never issued, so it points at nothing on X, and its time is cut to the UK hour.

In place of the author, the summary tables group it under an anonymous key (monitor.models.privacy), one
per author per removal: an author whose posts are all removed at once (forgotten, protected, gone) still
counts once in contributors and potential reach, exactly as before. A single deleted post whose author
has other posts in a period counts as one more contributor there (the link that would say otherwise is
what was removed).

An author is removed with all their posts: their row and every row that refers to it (follower history,
region corrections, and any table a later revision adds). Whatever else refers to a post (a table a
later revision adds) is about its content and is deleted with it; only post_matches, which the figures
need, moves to the new id. An X search marker that was a removed post's id is blurred to its millisecond.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Iterable

from sqlalchemy import bindparam, delete, func, insert, or_, select, update
from sqlalchemy.orm import Session

from monitor.models import (
    Author,
    Base,
    BilledRead,
    CollectionRun,
    Post,
    PostMatch,
    PostMention,
    SearchCursor,
    anonymous_author_key,
    removed_post_id,
)
from monitor.networks import X
from monitor.snowflake import last_id_of_ms
from monitor.summary import lock, post_slices, resync_slices

CHUNK = 500  # ids per statement: well under SQLite's bound-parameter limit

DELETED, PROTECTED, FORGOTTEN = "deleted", "protected", "forgotten"   # posts.unavailable_reason
REASONS = (DELETED, PROTECTED, FORGOTTEN)

# The columns a removed post keeps as they were (the figures' columns); every other column is listed in
# _scrubbed_values, so a column a later revision adds must be placed in one or the other
# (tests/privacy/test_removal.py checks that every column is).
KEPT_POST_COLUMNS = ("created_date_uk", "created_hour_uk", "kind", "region", "branch", "region_evidence",
                     "region_confidence", "author_followers", "like_count", "repost_count", "reply_count",
                     "quote_count", "bookmark_count", "impression_count", "metrics_updated_at",
                     "network")   # the summary slices count a removed post under its network


def _scrubbed_values(now: datetime, reason: str) -> dict:
    """What every removed post's other columns become (id, author key and times are per post)."""
    return {"author_id": None, "text": "", "lang": None, "conversation_id": None, "in_reply_to_user_id": None,
            "referenced_post_id": None, "place_id": None, "raw": {}, "withheld": None, "next_refresh_at": None,
            "superseded_by": None, "deleted": reason == DELETED, "unavailable_reason": reason, "removed_at": now,
            "raw_dropped_at": now,
            # A Bluesky post's AT URI holds its author's DID, a Mastodon status URL the handle: both go.
            "native_id": None, "url": None}


PER_POST_COLUMNS = ("id", "anonymous_author", "created_at", "first_seen_at", "last_seen_at")


@dataclass
class Removed:
    posts: int = 0
    authors: int = 0

    def __iadd__(self, other: "Removed") -> "Removed":
        self.posts += other.posts
        self.authors += other.authors
        return self


def _chunks(items: list) -> Iterable[list]:
    for i in range(0, len(items), CHUNK):
        yield items[i:i + CHUNK]


def referring_columns(table_name: str, *, leave: tuple[str, ...] = ()) -> list:
    """(table, column) of every foreign key in the schema that refers to this table, but those in `leave`."""
    return [(table, fk.parent) for table in Base.metadata.sorted_tables for fk in table.foreign_keys
            if fk.column.table.name == table_name and table.name not in leave]


def _hour(value: datetime) -> datetime:
    # UK hours begin on UTC hours (the offset is whole hours): the post's UK day and hour are unchanged.
    return value.replace(minute=0, second=0, microsecond=0)


def remove_posts(session: Session, post_ids: Iterable[str], reason: str, now: datetime) -> Removed:
    """Remove these posts (those not removed already), one anonymous key per author. The summary slices
    they leave and the ones they join are aggregated again in the same transaction: totals unchanged."""
    if reason not in REASONS:
        raise ValueError(f"reason must be one of {', '.join(REASONS)}, got {reason!r}")
    lock(session)   # before any row changes: see summary.lock
    ids = sorted(_with_earlier_versions(session, set(post_ids)))
    found = []
    for chunk in _chunks(ids):
        found += session.execute(select(Post.id, Post.author_id, Post.created_at, Post.network)
                                 .where(Post.id.in_(chunk), Post.removed_at.is_(None))).all()
    if not found:
        return Removed()
    old_ids = [post_id for post_id, _, _, _ in found]
    before = post_slices(session, old_ids)
    keys = {author_id: anonymous_author_key() for _, author_id, _, _ in found if author_id is not None}
    moves = []
    for post_id, author_id, created_at, _ in found:
        hour = _hour(created_at)
        moves.append({"old_id": post_id, "new_id": removed_post_id(),
                      "key": keys[author_id] if author_id is not None else anonymous_author_key(),
                      "hour": hour, "hour_seen": hour, "hour_last": hour})
    new_id = {m["old_id"]: m["new_id"] for m in moves}
    matches = []
    for chunk in _chunks(old_ids):
        matches += session.execute(select(PostMatch.post_id, PostMatch.campaign, PostMatch.term)
                                   .where(PostMatch.post_id.in_(chunk))).all()
    for table, column in referring_columns("posts"):
        for chunk in _chunks(old_ids):
            session.execute(delete(table).where(column.in_(chunk)))
    posts = Post.__table__
    session.execute(update(posts).where(posts.c.id == bindparam("old_id"))
                    .values(id=bindparam("new_id"), anonymous_author=bindparam("key"), created_at=bindparam("hour"),
                            first_seen_at=bindparam("hour_seen"), last_seen_at=bindparam("hour_last"),
                            **_scrubbed_values(now, reason)),
                    moves)
    if matches:
        session.execute(insert(PostMatch.__table__),
                        [{"post_id": new_id[post_id], "campaign": campaign, "term": term}
                         for post_id, campaign, term in matches])
    resync_slices(session, before | post_slices(session, new_id.values()))
    _rekey_billed_reads(session, "post", new_id)
    _blur_search_markers(session, {post_id for post_id, _, _, network in found if network == X})
    removed = Removed(posts=len(moves))
    if reason == DELETED:
        # An author none of whose posts is left (the account deleted, or every post of theirs) keeps
        # no profile either.
        removed += remove_authors(session, _authors_without_posts(session, keys), reason, now)
    return removed


def _rekey_billed_reads(session: Session, resource: str, new_keys: dict[str, str]) -> None:
    """The month's bill (monitor.billing) keeps each read, its UTC day and price, under a key that names
    nobody. A read of the same resource later that UTC day is then recorded again: the spend errs high,
    never low, so the budget still holds."""
    if new_keys:
        table = BilledRead.__table__
        session.execute(update(table).where(table.c.resource == resource, table.c.resource_id == bindparam("old"))
                        .values(resource_id=bindparam("new")),
                        [{"old": old, "new": new} for old, new in new_keys.items()])


# Where X's searches keep a post id as the place the next search starts (a run's first-page newest_id,
# the since_id it started from, the query's cursor).
X_SEARCH_MARKERS = ((CollectionRun, CollectionRun.since_id), (CollectionRun, CollectionRun.newest_id),
                    (SearchCursor, SearchCursor.since_id))


def _blur_search_markers(session: Session, x_post_ids: set[str]) -> None:
    """A removed X post's id kept as a search marker becomes the last id of its millisecond: the next
    search starts where it would have, and the marker names no post. The markers are one per run, few
    beside the posts: read them, then rewrite only those that are removed ids."""
    if not x_post_ids:
        return
    for model, column in X_SEARCH_MARKERS:
        held = set(session.scalars(select(column).where(model.network == X, column.is_not(None)).distinct()))
        blurred = [{"old": post_id, "new": last_id_of_ms(post_id)} for post_id in sorted(held & x_post_ids)]
        if blurred:
            table = model.__table__
            session.execute(update(table).where(table.c.network == X, table.c[column.key] == bindparam("old"))
                            .values({column.key: bindparam("new")}), blurred)


def _with_earlier_versions(session: Session, ids: set[str]) -> set[str]:
    """These posts and the earlier versions of them an edit superseded (monitor.editions): on X a post's
    edits go with it, and each earlier version holds an earlier text of the same post."""
    todo = ids
    while todo:
        earlier: set[str] = set()
        for chunk in _chunks(sorted(todo)):
            earlier |= set(session.scalars(select(Post.id).where(Post.superseded_by.in_(chunk))))
        todo = earlier - ids
        ids = ids | todo
    return ids


def _authors_without_posts(session: Session, author_ids: Iterable[str]) -> list[str]:
    ids = sorted(set(author_ids))
    with_posts: set[str] = set()
    for chunk in _chunks(ids):
        with_posts |= set(session.scalars(select(Post.author_id).where(Post.author_id.in_(chunk)).distinct()))
    return [a for a in ids if a not in with_posts]


def remove_authors(session: Session, author_ids: Iterable[str], reason: str, now: datetime) -> Removed:
    """Remove these authors: all their posts (one anonymous key each), then their row and every row that
    refers to it."""
    ids = sorted(set(author_ids))
    if not ids:
        return Removed()
    lock(session)
    removed = Removed()
    for chunk in _chunks(ids):
        post_ids = list(session.scalars(select(Post.id).where(Post.author_id.in_(chunk))))
        if post_ids:
            removed += remove_posts(session, post_ids, reason, now)
    present = []
    for chunk in _chunks(ids):
        present += session.scalars(select(Author.id).where(Author.id.in_(chunk)))
    for table, column in referring_columns("authors", leave=("posts",)):
        for chunk in _chunks(present):
            session.execute(delete(table).where(column.in_(chunk)))
    _rekey_billed_reads(session, "user", {author_id: anonymous_author_key() for author_id in present})
    for chunk in _chunks(present):
        session.execute(delete(Author).where(Author.id.in_(chunk)))
    removed.authors += len(present)
    return removed


def authors_by_handle(session: Session, handle: str) -> list[Author]:
    """Every stored author under this handle, in any case (ix_authors_username_lower), and the account
    other people's posts name by it (a mention carries the account's id: the same person, renamed since).
    Usually one."""
    mentioned = select(PostMention.user_id).where(PostMention.username == handle.lower())  # stored lower-case
    return list(session.scalars(select(Author).where(or_(func.lower(Author.username) == handle.lower(),
                                                         Author.id.in_(mentioned))).order_by(Author.id)))
