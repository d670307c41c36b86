"""The summary tables the dashboard reads, kept exactly in step with posts.

`summary_days` holds one row per campaign x UK day x network x author x region x branch of the posts that
matched the campaign (a post matching several of its terms counts once), with posts, originals,
replies, quotes, Unknown posts, the smallest author_followers, impressions and engagements (and
the largest engagements of one post). `summary_hours` holds the same slices per UK hour with posts
and followers only, `summary_terms` the number of the slice's posts per hashtag and per mention.
Every figure of monitor.metrics over a period is a sum of these rows, except
potential reach, which takes the MIN per author over them: the same numbers as from posts, from
about a third as many rows and without probing post_matches for every post.

Whatever changes a figure-bearing column of posts (store_page, the metrics refresh, region
corrections and recompute, the importer's campaign matches, re-matching, an edited post's earlier
version losing its matches) calls `resync_posts` or `resync_authors` in the same transaction: the
slices the changed posts belong to are deleted and aggregated again from posts. A post's UK day and
author never change and its row stays when its matches go (monitor.editions), so the slices of the
changed posts, taken after the change, are every slice the change can touch. The one exception is a
post's removal (monitor.privacy), which moves it from its author's slice to one of its anonymous key
(posts.anonymous_author, read in place of the author id): it re-aggregates both with `resync_slices`.
A removed post stays in posts with every figure-bearing column, so every re-aggregation (and
`rebuild`) counts it as before.
"""
from __future__ import annotations

import functools
from collections import defaultdict
from typing import Iterable

from sqlalchemy import String, bindparam, delete, func, insert, literal, select, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from monitor.metrics.sql import ENGAGEMENTS, count_if
from monitor.models import (
    UNKNOWN_REGION,
    DaySummary,
    HourSummary,
    Post,
    PostHashtag,
    PostMatch,
    PostMention,
    TermSummary,
    is_anonymous,
    slice_key,
)

CHUNK = 500  # ids per statement: well under SQLite's bound-parameter limit
ADVISORY_LOCK = 7_304_115_001  # PostgreSQL advisory lock key of summary upkeep

# Each table's slice key, then its figures: the order of the SELECTs below.
DAY_COLUMNS = DaySummary.SLICE_KEY + ("posts", "originals", "replies", "quotes", "unknown_posts", "min_followers",
                                      "impressions", "engagements", "max_engagements")
HOUR_COLUMNS = HourSummary.SLICE_KEY + ("posts", "min_followers")
TERM_COLUMNS = TermSummary.SLICE_KEY + ("posts",)
TERM_SOURCES = (("hashtag", PostHashtag, PostHashtag.tag), ("mention", PostMention, PostMention.username))
# Whom a post counts for in the slices: its author, or for a removed post its anonymous key.
SLICE_AUTHOR = func.coalesce(Post.author_id, Post.anonymous_author)


def _matched(conditions: list):
    """One row per (campaign, post) of the posts meeting the conditions: DISTINCT because a post
    matching two terms of one campaign has two post_matches rows."""
    return (select(PostMatch.campaign.label("campaign"), Post.id.label("post_id"),
                   Post.created_date_uk.label("day"), Post.created_hour_uk.label("hour"),
                   Post.network.label("network"), SLICE_AUTHOR.label("author_id"), Post.region.label("region"),
                   Post.branch.label("branch"),
                   Post.kind.label("kind"), Post.author_followers.label("followers"),
                   Post.impression_count.label("impressions"), ENGAGEMENTS.label("engagements"))
            .join(Post, Post.id == PostMatch.post_id)
            .where(*conditions)
            .distinct()
            .subquery())


def day_rows(conditions: list):
    """The summary_days rows (DAY_COLUMNS) of the slices of the posts meeting the conditions."""
    m = _matched(conditions).c
    key = [m.campaign, m.day, m.network, m.author_id, m.region, m.branch]
    return (select(*key, func.count(), count_if(m.kind == "original"), count_if(m.kind == "reply"),
                   count_if(m.kind == "quote"), count_if(m.region == UNKNOWN_REGION), func.min(m.followers),
                   func.sum(m.impressions), func.sum(m.engagements), func.max(m.engagements))
            .group_by(*key))


def hour_rows(conditions: list):
    m = _matched(conditions).c
    key = [m.campaign, m.day, m.hour, m.network, m.author_id, m.region, m.branch]
    return select(*key, func.count(), func.min(m.followers)).group_by(*key)


def term_rows(conditions: list, kind: str, model, column):
    """The summary_terms rows: posts per term (hashtag or mention) of the slices of the posts meeting
    the conditions. post_hashtags and post_mentions hold a term once per post."""
    matched = _matched(conditions)
    m = matched.c
    key = [m.campaign, m.day, m.network, literal(kind, String), column, m.author_id, m.region, m.branch]
    return (select(*key, func.count()).select_from(matched.join(model, model.post_id == m.post_id))
            .group_by(m.campaign, m.day, m.network, column, m.author_id, m.region, m.branch))


def _summary_rows(conditions: list):
    """(table, its columns, the SELECT of its rows) for every summary table."""
    yield DaySummary, DAY_COLUMNS, day_rows(conditions)
    yield HourSummary, HOUR_COLUMNS, hour_rows(conditions)
    for kind, model, column in TERM_SOURCES:
        yield TermSummary, TERM_COLUMNS, term_rows(conditions, kind, model, column)


def insert_rows(conditions: list) -> list:
    """INSERT INTO every summary table the slices of the posts meeting the conditions, aggregated from
    posts (for slices no row holds: after their rows were deleted, or into empty tables)."""
    return [insert(table).from_select(list(columns), rows) for table, columns, rows in _summary_rows(conditions)]


def _author_groups(author_ids: Iterable[str | None]):
    """(condition on posts, condition-maker on a summary table) per chunk of authors (author ids on
    posts.author_id, anonymous keys on posts.anonymous_author); NULL apart."""
    ids = set(author_ids)
    for column, keys in ((Post.author_id, sorted(a for a in ids if a is not None and not is_anonymous(a))),
                         (Post.anonymous_author, sorted(a for a in ids if is_anonymous(a)))):
        for i in range(0, len(keys), CHUNK):
            chunk = keys[i:i + CHUNK]
            yield column.in_(chunk), (lambda table, chunk=chunk: table.author_id.in_(chunk))
    if None in ids:
        yield SLICE_AUTHOR.is_(None), (lambda table: table.author_id.is_(None))


def lock(session: Session) -> None:
    """Serialise the writers of posts and of the summary on PostgreSQL (until commit). Every transaction
    that stores posts, updates them or moves authors' regions takes it first, before it writes a
    row: two transactions re-aggregating or adding to one slice at once could otherwise leave it twice
    or stale, store_page's check for posts already stored is exact under it, and writers that take
    no row lock before it cannot deadlock on one another. Taking it again in the same transaction is a
    no-op. SQLite writers are serialised by the database lock already."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": ADVISORY_LOCK})


def _resync(session: Session, day, author_ids: Iterable[str | None]) -> None:
    lock(session)
    for on_posts, on_summary in _author_groups(author_ids):
        post_conditions = [on_posts] + ([Post.created_date_uk == day] if day is not None else [])
        for table in (DaySummary, HourSummary, TermSummary):
            session.execute(delete(table).where(on_summary(table), *([table.day == day] if day is not None else [])))
        for statement in insert_rows(post_conditions):
            session.execute(statement)


def post_slices(session: Session, post_ids: Iterable[str]) -> set[tuple]:
    """The (UK day, author key) slices these posts belong to now, in every campaign."""
    ids = sorted(set(post_ids))
    found = set()
    for i in range(0, len(ids), CHUNK):
        found.update(session.execute(select(Post.created_date_uk, SLICE_AUTHOR)
                                     .where(Post.id.in_(ids[i:i + CHUNK])).distinct()).all())
    return found


def resync_slices(session: Session, slices: Iterable[tuple]) -> None:
    """Aggregate again these (UK day, author key) slices, in every campaign: the key is an author id,
    an anonymous key (monitor.models.privacy) or None."""
    by_day: dict = defaultdict(set)
    for day, author_key in slices:
        by_day[day].add(author_key)
    for day in sorted(by_day):
        _resync(session, day, by_day[day])


def resync_posts(session: Session, post_ids: Iterable[str]) -> None:
    """Aggregate again every (UK day, author) slice these posts belong to, in every campaign."""
    resync_slices(session, post_slices(session, post_ids))


def resync_authors(session: Session, author_ids: Iterable[str]) -> None:
    """Aggregate again every slice of these authors (all their days): after their region changed."""
    _resync(session, None, author_ids)


def rebuild(session: Session) -> None:
    """Empty both tables and aggregate every post again (bulk loads; a check that nothing drifted)."""
    for table in (DaySummary, HourSummary, TermSummary):
        session.execute(delete(table))
    for statement in insert_rows([]):
        session.execute(statement)


# --- adding new posts: merged into their slices in the database -------------------------------

def _combined(dialect: str, table, column: str, excluded):
    """A slice's figure with the same figure of new posts taken in: min_followers keeps the
    smaller, max_engagements the larger, every other figure adds up."""
    old, new = table.c[column], excluded[column]
    if column == "min_followers":
        return (func.least if dialect == "postgresql" else func.min)(old, new)
    if column == "max_engagements":
        return (func.greatest if dialect == "postgresql" else func.max)(old, new)
    return old + new


@functools.lru_cache(maxsize=4)
def merge_rows(dialect: str) -> tuple:
    """INSERT ... SELECT ... GROUP BY ... ON CONFLICT (slice key) DO UPDATE for every summary table:
    the slices of the posts whose ids are bound as `ids` added to the rows that hold them already.
    Built once per dialect: building and compiling these per page cost more than running them."""
    statements = []
    for model, columns, rows in _summary_rows([Post.id.in_(bindparam("ids", expanding=True))]):
        table = model.__table__
        stmt = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(table).from_select(list(columns), rows)
        figures = columns[len(model.SLICE_KEY):]
        statements.append(stmt.on_conflict_do_update(
            index_elements=slice_key(model),
            set_={c: _combined(dialect, table, c, stmt.excluded) for c in figures}))
    return tuple(statements)


def add_posts(session: Session, post_ids: Iterable[str]) -> None:
    """Add posts that no slice holds yet (inserted by this transaction, with their campaign matches)
    to their slices. The slices' figures are sums, a MIN and a MAX, so the new posts' own slices,
    aggregated in the database, merge into the existing rows by ON CONFLICT DO UPDATE: no slice is
    read back and nothing is aggregated again. Anything else that changes posts (an update, a new
    match of a post already summarised) goes through resync_posts."""
    ids = sorted(set(post_ids))
    if not ids:
        return
    lock(session)
    statements = merge_rows(session.get_bind().dialect.name)
    for i in range(0, len(ids), CHUNK):
        for statement in statements:
            session.execute(statement, {"ids": ids[i:i + CHUNK]})
