"""The SQL building blocks every figure is made of: which posts (or summary slices) are in scope, and the
few expressions and conversions that must be the same on SQLite and PostgreSQL.

A post is in scope when it matched the campaign (post_matches; a post that matched two terms counts
once: the match is a semi-join, never a plain join) and its UK day (the indexed posts.created_date_uk)
lies in the range. The summary tables (monitor.summary) hold the same posts as slices, each post once.
"""
from __future__ import annotations

from datetime import date, datetime, timezone
from typing import Any

from sqlalchemy import case, func, or_, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from monitor.metrics.audience import author_conditions
from monitor.metrics.filters import Filters
from monitor.models import ANONYMOUS_PREFIX, DaySummary, Post, PostMatch

Bind = Engine | Session

ENGAGEMENTS = (Post.like_count + Post.repost_count + Post.reply_count + Post.quote_count
               + Post.bookmark_count)


def rows(bind: Bind, stmt) -> list:
    """Every row of a statement, on an Engine (a connection of its own) or inside a Session."""
    if isinstance(bind, Session):
        return list(bind.execute(stmt).all())
    with bind.connect() as conn:
        return list(conn.execute(stmt).all())


def dialect(bind: Bind) -> str:
    return bind.get_bind().dialect.name if isinstance(bind, Session) else bind.dialect.name


def in_scope(filters: Filters, from_date: date | None = None) -> list:
    """WHERE conditions on posts for the filters (from_date widens the range back, for comparisons)."""
    # A correlated EXISTS, not IN (SELECT ...): the database walks the posts of the date range (on the
    # index) and probes post_matches' primary key (post_id, campaign, ...) for each, instead of first
    # listing every post the campaign ever matched. Either way a post matching two terms counts once.
    matched = (select(PostMatch.post_id)
               .where(PostMatch.post_id == Post.id, PostMatch.campaign == filters.campaign).exists())
    conditions = [Post.created_date_uk >= (from_date or filters.from_date),
                  Post.created_date_uk <= filters.to_date,
                  matched]
    if filters.region:
        conditions.append(Post.region == filters.region)
    if filters.branch:
        conditions.append(Post.branch == filters.branch)
    if filters.network:
        conditions.append(Post.network == filters.network)
    return conditions + author_conditions(Post.author_id, filters.audience)


# A removed post (monitor.privacy) is counted in every figure but never listed: the post tables, the
# explorer and the exports show only the posts still held in full, and the summary slices of removed
# posts (their author key an anonymous one) are left out of what leads to a list.
LISTED = Post.removed_at.is_(None)


def listed_slices(table=DaySummary):
    """WHERE condition on a summary table: the slices of posts that can be listed (not removed)."""
    return or_(table.author_id.is_(None), table.author_id.not_like(ANONYMOUS_PREFIX + "%"))


def removed_slices(table=DaySummary):
    """WHERE condition on a summary table: the slices of removed posts."""
    return table.author_id.like(ANONYMOUS_PREFIX + "%")


def count_if(condition) -> Any:
    """SUM of 1 where condition holds: a count of some rows of a group, on both databases."""
    return func.sum(case((condition, 1), else_=0))


def summary_scope(filters: Filters, table=DaySummary, from_date: date | None = None) -> list:
    """WHERE conditions on a summary table (monitor.summary) for the filters: its rows are slices of the
    campaign's posts (each post once), so no probe of post_matches is needed."""
    conditions = [table.campaign == filters.campaign, table.day >= (from_date or filters.from_date),
                  table.day <= filters.to_date]
    if filters.region:
        conditions.append(table.region == filters.region)
    if filters.branch:
        conditions.append(table.branch == filters.branch)
    if filters.network:
        conditions.append(table.network == filters.network)
    return conditions + author_conditions(table.author_id, filters.audience)


def as_date(value) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))


UNIX_EPOCH_JULIAN_DAY = 2440587.5


def epoch_seconds(bind: Bind, column):
    """Seconds since the Unix epoch of a stored UTC time, compared exactly on both databases."""
    if dialect(bind) == "sqlite":
        # julianday() is a double of ~2.46 million days, good to ~50 microseconds: rounding to the
        # millisecond keeps runs exactly twice the interval apart from reading as just over it.
        return func.round((func.julianday(column) - UNIX_EPOCH_JULIAN_DAY) * 86400.0, 3)
    return func.extract("epoch", column)


def aware(value: datetime) -> datetime:
    # Window functions and max() bypass the column type on SQLite: make the value aware UTC again.
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)


def contains(bind: Bind, column, needle: str):
    """column contains needle, ignoring case; % and _ in needle are plain characters.

    SQLite's LIKE already ignores ASCII case and its lower() folds only ASCII, so LIKE alone finds
    exactly what lower(column) LIKE lower(needle) finds, without building a lower-cased copy of
    every text it reads (that copy was ~40% of a text search's time). PostgreSQL: ILIKE."""
    pattern = "%" + needle.replace("/", "//").replace("%", "/%").replace("_", "/_") + "%"
    if dialect(bind) == "sqlite":
        return column.like(pattern, escape="/")
    return column.ilike(pattern, escape="/")
