"""The summary tables the dashboard reads, kept exactly in step with posts.

`summary_days` holds one row per campaign x UK day x author x region x branch of the posts that
matched the campaign (a post matching several of its terms counts once), with posts, originals,
replies, quotes, Unknown posts, the smallest author_followers, impressions and engagements (and
the largest engagements of one post). `summary_hours` holds the same slices per UK hour with posts
and followers only, `summary_terms` the number of the slice's posts per hashtag and per mention.
Every figure of monitor.metrics over a period is a sum of these rows, except
potential reach, which takes the MIN per author over them: the same numbers as from posts, from
about a third as many rows and without probing post_matches for every post.

Whatever changes a figure-bearing column of posts (store_page, the metrics refresh, region
corrections and recompute, the importer's campaign matches) calls `resync_posts` or
`resync_authors` in the same transaction: the slices the changed posts belong to are deleted and
aggregated again from posts. A post's UK day and author never change and its campaign matches are
only ever added, so the slices of the changed posts, taken after the change, are every slice the
change can touch.
"""
from __future__ import annotations

from collections import defaultdict
from typing import Iterable

from sqlalchemy import String, bindparam, case, delete, func, insert, literal, select, text, update
from sqlalchemy.orm import Session

from monitor.models import (UNKNOWN_REGION, DaySummary, HourSummary, Post, PostHashtag, PostMatch, PostMention,
                            TermSummary)

ENGAGEMENTS = (Post.like_count + Post.repost_count + Post.reply_count + Post.quote_count
               + Post.bookmark_count)
CHUNK = 500  # ids per statement: well under SQLite's bound-parameter limit
ADVISORY_LOCK = 7_304_115_001  # PostgreSQL advisory lock key of summary upkeep

DAY_COLUMNS = ("campaign", "day", "author_id", "region", "branch", "posts", "originals", "replies", "quotes",
               "unknown_posts", "min_followers", "impressions", "engagements", "max_engagements")
HOUR_COLUMNS = ("campaign", "day", "hour", "author_id", "region", "branch", "posts", "min_followers")
TERM_COLUMNS = ("campaign", "day", "kind", "term", "author_id", "region", "branch", "posts")
TERM_SOURCES = (("hashtag", PostHashtag, PostHashtag.tag), ("mention", PostMention, PostMention.username))


def _matched(conditions: list):
    """One row per (campaign, post) of the posts meeting the conditions: DISTINCT because a post
    matching two terms of one campaign has two post_matches rows."""
    return (select(PostMatch.campaign.label("campaign"), Post.id.label("post_id"),
                   Post.created_date_uk.label("day"), Post.created_hour_uk.label("hour"),
                   Post.author_id.label("author_id"), Post.region.label("region"), Post.branch.label("branch"),
                   Post.kind.label("kind"), Post.author_followers.label("followers"),
                   Post.impression_count.label("impressions"), ENGAGEMENTS.label("engagements"))
            .join(Post, Post.id == PostMatch.post_id)
            .where(*conditions)
            .distinct()
            .subquery())


def _count_if(condition):
    return func.sum(case((condition, 1), else_=0))


def insert_days(conditions: list):
    """INSERT INTO summary_days the slices of the posts meeting the conditions, aggregated from posts."""
    m = _matched(conditions).c
    key = [m.campaign, m.day, m.author_id, m.region, m.branch]
    rows = (select(*key, func.count(), _count_if(m.kind == "original"), _count_if(m.kind == "reply"),
                   _count_if(m.kind == "quote"), _count_if(m.region == UNKNOWN_REGION), func.min(m.followers),
                   func.sum(m.impressions), func.sum(m.engagements), func.max(m.engagements))
            .group_by(*key))
    return insert(DaySummary).from_select(list(DAY_COLUMNS), rows)


def insert_hours(conditions: list):
    m = _matched(conditions).c
    key = [m.campaign, m.day, m.hour, m.author_id, m.region, m.branch]
    rows = select(*key, func.count(), func.min(m.followers)).group_by(*key)
    return insert(HourSummary).from_select(list(HOUR_COLUMNS), rows)


def insert_terms(conditions: list, kind: str, model, column):
    """INSERT INTO summary_terms the posts per term (hashtag or mention) of the slices of the posts
    meeting the conditions: post_hashtags and post_mentions hold a term once per post."""
    matched = _matched(conditions)
    m = matched.c
    key = [m.campaign, m.day, literal(kind, String), column, m.author_id, m.region, m.branch]
    rows = (select(*key, func.count()).select_from(matched.join(model, model.post_id == m.post_id))
            .group_by(m.campaign, m.day, column, m.author_id, m.region, m.branch))
    return insert(TermSummary).from_select(list(TERM_COLUMNS), rows)


def _author_groups(author_ids: Iterable[str | None]):
    """(condition on posts, condition-maker on a summary table) per chunk of authors; NULL apart."""
    ids = set(author_ids)
    known = sorted(a for a in ids if a is not None)
    for i in range(0, len(known), CHUNK):
        chunk = known[i:i + CHUNK]
        yield Post.author_id.in_(chunk), (lambda table, chunk=chunk: table.author_id.in_(chunk))
    if None in ids:
        yield Post.author_id.is_(None), (lambda table: table.author_id.is_(None))


def lock(session: Session) -> None:
    """Serialise summary upkeep between concurrent writers on PostgreSQL (until commit): two transactions
    re-aggregating or adding to one slice at once could otherwise leave it twice or stale. SQLite
    writers are serialised by the database lock already."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": ADVISORY_LOCK})


def _resync(session: Session, day, author_ids: Iterable[str | None]) -> None:
    lock(session)
    for on_posts, on_summary in _author_groups(author_ids):
        post_conditions = [on_posts] + ([Post.created_date_uk == day] if day is not None else [])
        for table in (DaySummary, HourSummary, TermSummary):
            session.execute(delete(table).where(on_summary(table), *([table.day == day] if day is not None else [])))
        session.execute(insert_days(post_conditions))
        session.execute(insert_hours(post_conditions))
        for kind, model, column in TERM_SOURCES:
            session.execute(insert_terms(post_conditions, kind, model, column))


def resync_posts(session: Session, post_ids: Iterable[str]) -> None:
    """Aggregate again every (UK day, author) slice these posts belong to, in every campaign."""
    ids = sorted(set(post_ids))
    by_day: dict = defaultdict(set)
    for i in range(0, len(ids), CHUNK):
        for day, author_id in session.execute(select(Post.created_date_uk, Post.author_id)
                                              .where(Post.id.in_(ids[i:i + CHUNK])).distinct()):
            by_day[day].add(author_id)
    for day in sorted(by_day):
        _resync(session, day, by_day[day])


def resync_authors(session: Session, author_ids: Iterable[str]) -> None:
    """Aggregate again every slice of these authors (all their days): after their region changed."""
    _resync(session, None, author_ids)


def rebuild(session: Session) -> None:
    """Empty both tables and aggregate every post again (bulk loads; a check that nothing drifted)."""
    for table in (DaySummary, HourSummary, TermSummary):
        session.execute(delete(table))
    session.execute(insert_days([]))
    session.execute(insert_hours([]))
    for kind, model, column in TERM_SOURCES:
        session.execute(insert_terms([], kind, model, column))


# --- adding new posts: merged into their slices, no re-aggregation ------------------------------

DAY_FIGURES = DAY_COLUMNS[5:]     # posts .. max_engagements
HOUR_FIGURES = HOUR_COLUMNS[6:]   # posts, min_followers


def _merge_day(old: list, new: list) -> list:
    # posts, originals, replies, quotes, unknown_posts add up; min_followers takes the smaller,
    # impressions and engagements add up, max_engagements takes the larger.
    return [old[0] + new[0], old[1] + new[1], old[2] + new[2], old[3] + new[3], old[4] + new[4],
            min(old[5], new[5]), old[6] + new[6], old[7] + new[7], max(old[8], new[8])]


def _merge_hour(old: list, new: list) -> list:
    return [old[0] + new[0], min(old[1], new[1])]


def _merge_sum(old: list, new: list) -> list:
    return [a + b for a, b in zip(old, new)]


def add_posts(session: Session, post_ids: Iterable[str]) -> None:
    """Add posts that no slice holds yet (inserted by this transaction, with their campaign matches)
    to their slices: the slices' figures are sums, a MIN and a MAX, so adding needs only the new
    posts and the slices' current rows, not every post of each slice. Anything else that changes
    posts (an update, a new match of a post already summarised) goes through resync_posts."""
    ids = sorted(set(post_ids))
    if not ids:
        return
    lock(session)
    days: dict = {}
    hours: dict = {}
    slices: dict = defaultdict(list)   # post id -> its (campaign, day, author, region, branch) slices
    p, m = Post.__table__.c, PostMatch.__table__.c
    for i in range(0, len(ids), CHUNK):
        rows = session.connection().execute(
            select(m.campaign, p.id, p.created_date_uk, p.created_hour_uk, p.author_id, p.region, p.branch, p.kind,
                   p.author_followers, p.impression_count,
                   p.like_count + p.repost_count + p.reply_count + p.quote_count + p.bookmark_count)
            .join(Post.__table__, p.id == m.post_id).where(p.id.in_(ids[i:i + CHUNK])).distinct())
        for campaign, post_id, day, hour, author_id, region, branch, kind, followers, impressions, engagements in rows:
            figures = [1, int(kind == "original"), int(kind == "reply"), int(kind == "quote"),
                       int(region == UNKNOWN_REGION), followers, impressions, engagements, engagements]
            key = (campaign, day, author_id, region, branch)
            days[key] = _merge_day(days[key], figures) if key in days else figures
            slices[post_id].append(key)
            key = (campaign, day, hour, author_id, region, branch)
            hours[key] = _merge_hour(hours[key], [1, followers]) if key in hours else [1, followers]
    terms: dict = {}
    for kind, model, column in TERM_SOURCES:
        t = model.__table__.c
        term = t.tag if kind == "hashtag" else t.username
        for i in range(0, len(ids), CHUNK):
            for post_id, value in session.connection().execute(
                    select(t.post_id, term).where(t.post_id.in_(ids[i:i + CHUNK]))):
                for campaign, day, author_id, region, branch in slices.get(post_id, ()):
                    key = (campaign, day, kind, value, author_id, region, branch)
                    terms[key] = [terms[key][0] + 1] if key in terms else [1]
    _merge_into(session, DaySummary, DAY_COLUMNS[:5], DAY_FIGURES, days, _merge_day)
    _merge_into(session, HourSummary, HOUR_COLUMNS[:6], HOUR_FIGURES, hours, _merge_hour)
    _merge_into(session, TermSummary, TERM_COLUMNS[:7], TERM_COLUMNS[7:], terms, _merge_sum)


def _merge_into(session: Session, table, key_columns: tuple, figure_columns: tuple, added: dict, merge) -> None:
    """Update the slices that exist (by id), insert the others."""
    by_day: dict = defaultdict(set)
    for key in added:
        by_day[key[1]].add(key[key_columns.index("author_id")])
    t = table.__table__   # Core columns: no ORM row processing for what is only read back here
    columns = [t.c[c] for c in key_columns + figure_columns]
    # summary_terms: only the rows of the terms being added (an author's day has a row per term)
    narrow = [t.c.term.in_(sorted({key[key_columns.index("term")] for key in added}))] if "term" in key_columns else []
    existing = {}
    for day in sorted(by_day):
        for _, on_summary in _author_groups(by_day[day]):
            for row in session.connection().execute(select(t.c.id, *columns).where(t.c.day == day,
                                                                                   on_summary(t.c), *narrow)):
                existing[tuple(row[1:1 + len(key_columns)])] = (row[0], list(row[1 + len(key_columns):]))
    updates, inserts = [], []
    for key, figures in added.items():
        if key in existing:
            row_id, old = existing[key]
            updates.append({"row_id": row_id, **dict(zip(figure_columns, merge(old, figures)))})
        else:
            inserts.append({**dict(zip(key_columns, key)), **dict(zip(figure_columns, figures))})
    if updates:
        session.execute(update(table.__table__).where(table.__table__.c.id == bindparam("row_id"))
                        .values({c: bindparam(c) for c in figure_columns}), updates)
    if inserts:
        session.execute(insert(table.__table__), inserts)
