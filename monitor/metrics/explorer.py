"""The posts explorer: one page of the posts matching a search (text, kind, hashtag, author) within the
filters, newest first, with how many match; and the same posts for download."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import func, or_, select

from monitor.metrics.filters import Filters
from monitor.metrics.posts import POST_COLUMNS, PostRow, post_row
from monitor.metrics.sql import LISTED, Bind, as_date, contains, in_scope, listed_slices, rows, summary_scope
from monitor.models import Author, DaySummary, Post, PostHashtag
from monitor.timeutil import uk_day_start

CSV_MAX_ROWS = 100_000  # a download (and the weekly report's posts) holds at most this many posts


@dataclass(frozen=True)
class PostSearch:
    """The explorer's filters on top of `Filters`: free text, kind, one hashtag, one author.

    author is an X handle, matched exactly (any case, with or without '@'); with author_names the
    authors whose display name contains it match too (a scan of every author: on request only).
    """
    text: str | None = None
    kind: str | None = None
    hashtag: str | None = None
    author: str | None = None
    author_names: bool = False

    @property
    def who(self) -> str:
        return (self.author or "").strip("@ ")

    @property
    def words(self) -> str:
        return (self.text or "").strip()

    @property
    def tag(self) -> str:
        return (self.hashtag or "").strip("# ").lower()


AUTHOR_IDS_MAX = 500  # more matching authors than this: their posts are found by a subquery, not a list


def _matching_authors(bind: Bind, search: PostSearch):
    """The ids of the authors the search names, as a list when there are few (read once, used by both
    of posts_page's statements), else as a subquery. The handle is an index look-up
    (ix_authors_username_lower); names are a scan of every author, so only on request."""
    wanted = func.lower(Author.username) == search.who.lower()
    if search.author_names:
        wanted = or_(wanted, contains(bind, Author.name, search.who))
    ids = [r[0] for r in rows(bind, select(Author.id).where(wanted).limit(AUTHOR_IDS_MAX + 1))]
    return ids if len(ids) <= AUTHOR_IDS_MAX else select(Author.id).where(wanted)


def _search_conditions(bind: Bind, filters: Filters, search: PostSearch, authors=None) -> list:
    conditions = []
    if search.words:
        conditions.append(contains(bind, Post.text, search.words))
    if search.kind:
        conditions.append(Post.kind == search.kind)
    if search.tag:
        conditions.append(_tagged(bind, filters, search.tag))
    if authors is not None:
        conditions.append(Post.author_id.in_(authors))
    return conditions


def _tagged(bind: Bind, filters: Filters, tag: str):
    """Posts carrying the tag, by whichever is smaller: every post ever tagged with it (a list from
    ix_post_hashtags_tag, each looked up in posts) or the posts of the window (a probe of
    post_hashtags' primary key for each). Same posts either way; a rare tag is found from its
    few posts, a common one from the window, so neither grows with history."""
    window = rows(bind, select(func.coalesce(func.sum(DaySummary.posts), 0)).where(*summary_scope(filters)))[0][0]
    capped = select(PostHashtag.post_id).where(PostHashtag.tag == tag).limit(int(window) + 1).subquery()
    tagged = rows(bind, select(func.count()).select_from(capped))[0][0]
    if tagged <= window:
        return Post.id.in_(select(PostHashtag.post_id).where(PostHashtag.tag == tag))
    return select(PostHashtag.post_id).where(PostHashtag.post_id == Post.id, PostHashtag.tag == tag).exists()


def _posts_per_day(bind: Bind, filters: Filters, search: PostSearch, authors, conditions) -> dict[date, int]:
    """How many posts match on each UK day of the window (days with none left out).

    Without text or hashtag the summary holds the answer (the campaign's posts per day, author,
    region, branch and kind): a sum over its rows, but those of removed posts. Otherwise the posts are
    counted, the window read once on its date index (a removed post has no text and no hashtags left
    to match)."""
    kinds = {None: DaySummary.posts, "original": DaySummary.originals, "reply": DaySummary.replies,
             "quote": DaySummary.quotes}
    if not (search.words or search.tag) and search.kind in kinds:
        where = summary_scope(filters) + [listed_slices()] + (
            [DaySummary.author_id.in_(authors)] if authors is not None else [])
        stmt = select(DaySummary.day, func.sum(kinds[search.kind])).where(*where).group_by(DaySummary.day)
    else:
        stmt = select(Post.created_date_uk, func.count()).where(*conditions).group_by(Post.created_date_uk)
    return {as_date(day): int(n) for day, n in rows(bind, stmt) if n}


def _days_of_rows(per_day: dict[date, int], offset: int, limit: int) -> list[date]:
    """The days holding rows offset .. offset+limit-1 of the newest-first order, and every newer day
    with posts (the page's OFFSET counts those rows)."""
    days, seen = [], 0
    for day in sorted(per_day, reverse=True):
        if seen >= offset + limit:
            break
        days.append(day)
        seen += per_day[day]
    return days


TEXT_IDS_MAX = 2_000  # a text search with at most this many matches is read by id


def _few_text_matches(bind: Bind, search: PostSearch, conditions) -> list[str] | None:
    """The ids of every post a text search finds, when there are at most TEXT_IDS_MAX (else None, and
    None without text). One read of the window's texts (on SQLite from ix_posts_day_text) finds them
    all, so the total is their number and the page is read by id: no second pass over the days a
    rare text is spread over. A text found in many posts ends this read early."""
    if not search.words:
        return None
    ids = [r[0] for r in rows(bind, select(Post.id).where(*conditions).limit(TEXT_IDS_MAX + 1))]
    return ids if len(ids) <= TEXT_IDS_MAX else None


@dataclass(frozen=True)
class PostsPage:
    rows: list[PostRow]
    total: int


def posts_page(bind: Bind, filters: Filters, search: PostSearch = PostSearch(), limit: int = 50,
               offset: int = 0) -> PostsPage:
    """One page of matching posts, newest first, with the total number that match.

    The matches per UK day first (the total is their sum), then the page, read only from the days
    that hold it: an author's posts of their last day or two, not every matching post of the window
    sorted to keep 50. A text with few matches is found in one read and its page read by id. (One
    statement with COUNT(*) OVER () had to build every matching full row before the LIMIT: 3-6x
    slower on 1M posts.)
    """
    authors = _matching_authors(bind, search) if search.who else None
    conditions = [*in_scope(filters), *_search_conditions(bind, filters, search, authors)]
    few = _few_text_matches(bind, search, conditions)
    if few is not None:
        total, where = len(few), [Post.id.in_(few)]
    else:
        per_day = _posts_per_day(bind, filters, search, authors, conditions)
        total = sum(per_day.values())
        days = _days_of_rows(per_day, offset, limit)
        # The page's days as UTC instants: the database walks ix_posts_created_at newest first and stops.
        where = [*conditions, Post.created_at >= uk_day_start(min(days or [filters.from_date])),
                 Post.created_at < uk_day_start(max(days or [filters.to_date]) + timedelta(days=1))]
        if authors is not None:  # or their posts from the page's first day on, on ix_posts_author_day
            where.append(Post.created_date_uk >= min(days or [filters.from_date]))
    if total <= offset:
        return PostsPage([], total)
    rows_stmt = (select(*POST_COLUMNS).outerjoin(Author, Author.id == Post.author_id)
                 .where(*where, LISTED)
                 .order_by(Post.created_at.desc(), Post.id.desc())
                 .limit(limit).offset(offset))
    return PostsPage([post_row(r) for r in rows(bind, rows_stmt)], total)


def posts_for_download(bind: Bind, filters: Filters, search: PostSearch = PostSearch(),
                       max_rows: int = CSV_MAX_ROWS) -> list[PostRow]:
    """The explorer's filtered posts for download (monitor.exports writes them), newest first, at most
    max_rows."""
    return posts_page(bind, filters, search, limit=max_rows, offset=0).rows
