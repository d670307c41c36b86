"""Posts as rows (what the tables, the explorer and the exports show of a post), the top posts, and a stored
author found by handle."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import and_, func, or_, select

from monitor.metrics.filters import Filters, post_url
from monitor.metrics.sql import ENGAGEMENTS, LISTED, Bind, as_date, aware, in_scope, listed_slices, rows, summary_scope
from monitor.models import Author, DaySummary, Post
from monitor.networks import gives_impressions


@dataclass(frozen=True)
class PostRow:
    id: str
    created_at: datetime
    created_date_uk: date
    username: str | None
    author_name: str | None
    text: str
    kind: str
    region: str
    branch: str | None
    likes: int
    reposts: int
    replies: int
    quotes: int
    bookmarks: int
    impressions: int
    engagements: int
    author_followers: int
    network: str = "x"
    native_id: str | None = None
    link: str | None = None   # the page the network gives (Mastodon); None: made from the id

    @property
    def url(self) -> str:
        return post_url(self.username, self.id, self.network, self.native_id, self.link)

    @property
    def impressions_given(self) -> int | None:
        """The impressions, or None where the network gives none (shown as 'not given', never 0)."""
        return self.impressions if gives_impressions(self.network) else None


POST_COLUMNS = (Post.id, Post.created_at, Post.created_date_uk, Author.username, Author.name, Post.text, Post.kind,
                Post.region, Post.branch, Post.like_count, Post.repost_count, Post.reply_count, Post.quote_count,
                Post.bookmark_count, Post.impression_count, ENGAGEMENTS.label("engagements"), Post.author_followers,
                Post.network, Post.native_id, Post.url)


def post_row(row) -> PostRow:
    """A PostRow from a row of POST_COLUMNS (dates and times as SQLite returns them made typed)."""
    values = list(row[:len(POST_COLUMNS)])
    values[2] = as_date(values[2])
    values[1] = aware(values[1])
    return PostRow(*values)


TOP_POSTS_MAX_SLICES = 200  # beyond this many candidate slices (ties at the threshold), read the window


def top_posts(bind: Bind, filters: Filters, n: int = 10) -> list[PostRow]:
    """The n posts with most engagements (then impressions).

    Only the posts that can be in the top n are read: summary_days holds each slice's largest
    engagements of one post, and the n-th largest of those, T, is reached by n different posts
    (one per slice), so every post of the top n has at least T engagements and lies in a slice
    whose largest is at least T. Those slices (usually about n of them) are read from posts on
    ix_posts_author_day; the same ordering then picks the n.
    """
    if n <= 0:
        return []
    order = (ENGAGEMENTS.desc(), Post.impression_count.desc(), Post.id.desc())
    listed = [*summary_scope(filters), listed_slices()]   # a removed post is never a top post
    nth = (select(DaySummary.max_engagements).where(*listed)
           .order_by(DaySummary.max_engagements.desc()).offset(n - 1).limit(1))
    found = rows(bind, nth)
    threshold = int(found[0][0]) if found else 0
    candidates = select(DaySummary.day, DaySummary.author_id).where(
        *listed, DaySummary.max_engagements >= threshold).distinct().limit(TOP_POSTS_MAX_SLICES + 1)
    slices = rows(bind, candidates)
    conditions = [*in_scope(filters), threshold <= ENGAGEMENTS, LISTED]
    if not slices:
        return []
    if len(slices) <= TOP_POSTS_MAX_SLICES:
        by_day: dict[date, list] = {}
        for day, author_id in slices:
            by_day.setdefault(as_date(day), []).append(author_id)
        conditions.append(or_(*(and_(Post.created_date_uk == day, _author_in(authors))
                                for day, authors in sorted(by_day.items()))))
    stmt = (select(*POST_COLUMNS).outerjoin(Author, Author.id == Post.author_id)
            .where(*conditions).order_by(*order).limit(n))
    return [post_row(r) for r in rows(bind, stmt)]


def _author_in(author_ids: list):
    known = [a for a in author_ids if a is not None]
    parts = ([Post.author_id.in_(known)] if known else []) + ([Post.author_id.is_(None)] if None in author_ids else [])
    return or_(*parts) if len(parts) > 1 else parts[0]


@dataclass(frozen=True)
class AuthorRef:
    """A stored author as a person names them: by handle."""
    author_id: str
    username: str
    name: str | None
    region: str
    branch: str | None


def find_author(bind, handle: str) -> AuthorRef | None:
    """The stored author with this X handle, in any case, with or without '@' (ix_authors_username_lower)."""
    wanted = handle.strip().lstrip("@").lower()
    if not wanted:
        return None
    found = rows(bind, select(Author.id, Author.username, Author.name, Author.region, Author.branch)
                 .where(func.lower(Author.username) == wanted).limit(1))
    return AuthorRef(*found[0]) if found else None
