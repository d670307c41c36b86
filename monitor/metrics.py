"""Every figure the dashboard and the weekly report show: the definitions, and one SQL aggregate each.

All functions take a bind (an Engine or a Session) and a `Filters`: campaign, UK calendar dates
`from_date`..`to_date` (inclusive), optionally a region and a branch. The database does the
counting: only the rows that are shown come back (a handful of totals, one row per day, the top n).

Shared rules:
- A post is in scope when it matched the campaign (post_matches; a post that matched two terms
  counts once: the match is a semi-join, never a plain join) and its UK day (the indexed
  posts.created_date_uk) lies in the range. Deleted posts stay counted where they were seen.
- Potential reach sums, over the unique authors in scope, the followers each had as of their post:
  posts.author_followers, the count stored when the post was first collected. An author with several
  posts in the period counts once, with the SMALLEST of those counts (MIN). Followers mostly grow, so
  the smallest is the count at their first post in the period, and a reach figure is never inflated
  by an author counted at a later peak.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta, timezone
from typing import Any, Sequence

from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from monitor.config import Config
from monitor.models import (Author, AuthorFollowers, CollectionRun, DaySummary, HourSummary, Post, PostHashtag,
                            PostMatch, TermSummary)
from monitor.timeutil import uk_day_start, uk_today, utcnow

# --- definitions -----------------------------------------------------------------------------

@dataclass(frozen=True)
class Definition:
    key: str
    name: str
    text: str


DEFINITIONS: tuple[Definition, ...] = (
    Definition("posts", "Posts",
               "Posts that matched the campaign's hashtags or mentions in the period (UK calendar days), "
               "split into originals, replies and quotes. Reposts are not collected. A post matching several "
               "campaign terms counts once. A post is matched on its whole text, a long post's (over 280 "
               "characters) too. An edited post counts once, as its latest version. A post later deleted on X "
               "stays counted."),
    Definition("contributors", "Contributors", "Unique authors of those posts."),
    Definition("potential_reach", "Potential reach",
               "The sum of the followers of each unique author in the period, taking the followers they had "
               "as of their post (when it was first collected). An author with several posts counts once, "
               "with the smallest of their follower counts in the period (their count at their first post, "
               "as followers mostly grow). It is how many accounts could have seen a post, not how many did; "
               "a follower of two authors is counted twice. Daily reach counts each author once per day, "
               "so daily figures do not add up to the period's figure."),
    Definition("impressions", "Impressions",
               "The sum of X's impression counts of the posts: how many times X showed them. X counts these; "
               "they are re-read for a week after posting, then frozen."),
    Definition("engagements", "Engagements", "Likes + reposts + replies + quotes + bookmarks on the posts."),
    Definition("unknown_share", "Unknown share",
               "The share of posts whose region could not be told from a known account, a correction, the "
               "post's place or the author's profile location. We show Unknown rather than guess: a wrong "
               "region is worse than an unknown one."),
    Definition("collection_gap", "Collection gap",
               "A period in which the collector had no successful run for longer than twice its interval, or "
               "a failed run: posts from that time may be missing until a later run catches up (X keeps 7 days)."),
    Definition("estimated_cost", "Estimated API cost",
               "Posts read this month x $0.005 plus users read x $0.010 (X's pay-per-use prices). X bills a "
               "resource read twice in one UTC day once; posts read are counted per run, so the estimate "
               "errs high."),
)
DEFINITIONS_BY_KEY: dict[str, Definition] = {d.key: d for d in DEFINITIONS}

POST_KINDS = ("original", "reply", "quote")
PRICE_PER_POST_READ = 0.005
PRICE_PER_USER_READ = 0.010
CSV_MAX_ROWS = 100_000
ACCOUNTS_LIMIT = 500


# --- filters and date ranges -----------------------------------------------------------------

@dataclass(frozen=True)
class Filters:
    campaign: str
    from_date: date
    to_date: date
    region: str | None = None
    branch: str | None = None

    @property
    def days(self) -> int:
        return (self.to_date - self.from_date).days + 1

    def previous(self) -> "Filters":
        """The period of equal length that ends the day before this one starts."""
        return replace(self, from_date=self.from_date - timedelta(days=self.days),
                       to_date=self.from_date - timedelta(days=1))


PRESETS = ("Today", "7 days", "This week", "Last week", "30 days", "Custom")


def preset_range(preset: str, today: date | None = None) -> tuple[date, date]:
    """UK dates (inclusive) of a named range; weeks start on Monday."""
    today = today or uk_today()
    monday = today - timedelta(days=today.weekday())
    ranges = {
        "Today": (today, today),
        "7 days": (today - timedelta(days=6), today),
        "This week": (monday, today),
        "Last week": (monday - timedelta(days=7), monday - timedelta(days=1)),
        "30 days": (today - timedelta(days=29), today),
    }
    if preset not in ranges:
        raise ValueError(f"preset must be one of {', '.join(ranges)}, got {preset!r}")
    return ranges[preset]


def region_keys() -> list[str]:
    from monitor.regions import REGIONS, UNKNOWN
    return [*REGIONS, UNKNOWN]


def region_display_name(config: Config, key: str) -> str:
    from monitor.regions import DEFAULT_DISPLAY_NAMES
    return config.region_display_names.get(key) or DEFAULT_DISPLAY_NAMES.get(key, key)


def post_url(username: str | None, post_id: str) -> str:
    return f"https://x.com/{username or 'i'}/status/{post_id}"


# --- SQL building blocks ---------------------------------------------------------------------

Bind = Engine | Session

ENGAGEMENTS = (Post.like_count + Post.repost_count + Post.reply_count + Post.quote_count
               + Post.bookmark_count)


def _rows(bind: Bind, stmt) -> list:
    if isinstance(bind, Session):
        return list(bind.execute(stmt).all())
    with bind.connect() as conn:
        return list(conn.execute(stmt).all())


def _dialect(bind: Bind) -> str:
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
    return conditions


def _count_if(condition) -> Any:
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
    return conditions


def _per_author(filters: Filters, *keys):
    """One row per (keys..., author) in scope with the author's posts, reach (followers as of their
    post: the smallest), impressions and engagements: the step that counts each author once.

    Read from summary_days (slices of one author's posts of one UK day, region and branch): sums of
    the slices, and the smallest of their follower minimums, are the author's figures over the posts.
    keys are columns of DaySummary (region, branch).
    """
    s = DaySummary
    return (select(*keys, s.author_id.label("author_id"), func.sum(s.posts).label("posts"),
                   func.min(s.min_followers).label("followers"), func.sum(s.impressions).label("impressions"),
                   func.sum(s.engagements).label("engagements"))
            .where(*summary_scope(filters))
            .group_by(*keys, s.author_id)
            .subquery())


def _grouped_kpis(bind: Bind, filters: Filters, key=None) -> dict:
    """Kpis per value of key (a DaySummary column; None: one total, under the key None).

    Two statements, both over the period's summary rows: plain sums (posts, kinds, Unknown,
    impressions, engagements: no per-author step needed), then contributors and potential reach
    from one narrow row per (key, author). Keeping the per-author rows narrow matters on SQLite,
    which sorts them to group: sorting wide rows was the larger part of the time.
    """
    s = DaySummary
    keys = [key] if key is not None else []
    sums = (select(*keys, func.sum(s.posts), func.sum(s.originals), func.sum(s.replies), func.sum(s.quotes),
                   func.sum(s.impressions), func.sum(s.engagements), func.sum(s.unknown_posts))
            .where(*summary_scope(filters)).group_by(*keys))
    per_author = (select(*keys, s.author_id.label("author_id"), func.min(s.min_followers).label("followers"))
                  .where(*summary_scope(filters)).group_by(*keys, s.author_id).subquery())
    a = per_author.c
    a_keys = [a[key.name]] if key is not None else []
    reach = select(*a_keys, func.count(a.author_id), func.sum(a.followers)).group_by(*a_keys)
    found: dict = {}
    for row in _rows(bind, sums):
        k, (posts, originals, replies, quotes, impressions, engagements, unknown) = \
            (row[0] if keys else None), row[len(keys):]
        if posts is None:  # no rows at all: SUM over nothing
            continue
        found[k] = [posts, originals, replies, quotes, 0, 0, impressions, engagements, unknown]
    for row in _rows(bind, reach):
        k, (contributors, followers) = (row[0] if keys else None), row[len(keys):]
        if k in found:
            found[k][4:6] = [contributors, followers]
    return {k: _kpis_from(v) for k, v in found.items()}


# --- KPIs ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Kpis:
    posts: int = 0
    originals: int = 0
    replies: int = 0
    quotes: int = 0
    contributors: int = 0
    potential_reach: int = 0
    impressions: int = 0
    engagements: int = 0
    unknown_posts: int = 0

    @property
    def unknown_share(self) -> float:
        return self.unknown_posts / self.posts if self.posts else 0.0


def _kpis_from(values: Sequence) -> Kpis:
    return Kpis(*(int(v or 0) for v in values))


def kpis(bind: Bind, filters: Filters) -> Kpis:
    return _grouped_kpis(bind, filters).get(None, Kpis())


@dataclass(frozen=True)
class KpisWithChange:
    current: Kpis
    previous: Kpis
    previous_filters: Filters

    def change(self, name: str) -> float | None:
        """Relative change against the previous period (0.25 = +25%); None when it had nothing."""
        now, before = getattr(self.current, name), getattr(self.previous, name)
        if not before:
            return None
        return (now - before) / before


def kpis_with_change(bind: Bind, filters: Filters) -> KpisWithChange:
    """This period and the previous one of equal length (each on its own: grouping both periods' rows by
    author in one statement sorted twice as many rows at once, slower than two halves)."""
    previous = filters.previous()
    return KpisWithChange(kpis(bind, filters), kpis(bind, previous), previous)


# --- timeline --------------------------------------------------------------------------------

@dataclass(frozen=True)
class TimelinePoint:
    day: date
    hour: int | None  # None when by day
    posts: int
    potential_reach: int

    @property
    def start(self) -> datetime:
        """The UK local (naive) start of the day or hour, for charts."""
        return datetime.combine(self.day, time(self.hour or 0))


HOURLY_MAX_DAYS = 7  # the dashboard offers the hourly timeline up to this: 168 bars are readable, 720 are not


def _each_day(filters: Filters) -> list[date]:
    return [filters.from_date + timedelta(days=i) for i in range(filters.days)]


def timeline(bind: Bind, filters: Filters, by: str = "day") -> list[TimelinePoint]:
    """Posts and potential reach per UK day (or UK hour); periods with no posts are zeros."""
    if by not in ("day", "hour"):
        raise ValueError(f"by must be 'day' or 'hour', got {by!r}")
    table = HourSummary if by == "hour" else DaySummary
    keys = [table.day] + ([HourSummary.hour] if by == "hour" else [])
    per_author = (select(*keys, table.author_id, func.sum(table.posts).label("posts"),
                         func.min(table.min_followers).label("followers"))
                  .where(*summary_scope(filters, table))
                  .group_by(*keys, table.author_id).subquery())
    group = [per_author.c[k.name] for k in keys]
    stmt = (select(*group, func.sum(per_author.c.posts), func.sum(per_author.c.followers))
            .group_by(*group))
    found = {}
    for row in _rows(bind, stmt):
        key = (_as_date(row[0]), row[1] if by == "hour" else None)
        found[key] = (int(row[-2] or 0), int(row[-1] or 0))
    hours = range(24) if by == "hour" else [None]
    return [TimelinePoint(day, hour, *found.get((day, hour), (0, 0)))
            for day in _each_day(filters) for hour in hours]


def _as_date(value) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))


# --- collection gaps -------------------------------------------------------------------------

@dataclass(frozen=True)
class CollectionGap:
    start: datetime
    end: datetime
    reason: str  # "no successful run" | "failed run"
    detail: str


UNIX_EPOCH_JULIAN_DAY = 2440587.5


def _epoch_seconds(bind: Bind, column):
    if _dialect(bind) == "sqlite":
        # julianday() is a double of ~2.46 million days, good to ~50 microseconds: rounding to the
        # millisecond keeps runs exactly twice the interval apart from reading as just over it.
        return func.round((func.julianday(column) - UNIX_EPOCH_JULIAN_DAY) * 86400.0, 3)
    return func.extract("epoch", column)


def _search_runs(campaign: str):
    return [CollectionRun.campaign == campaign, CollectionRun.kind == "search"]


def collection_gaps(bind: Bind, filters: Filters, interval_minutes: float = 15.0,
                    now: datetime | None = None) -> list[CollectionGap]:
    """Stretches of the period with no successful search run for over 2x the interval, and failed runs."""
    window_start = uk_day_start(filters.from_date)
    window_end = min(uk_day_start(filters.to_date + timedelta(days=1)), now or utcnow())
    limit = timedelta(minutes=2 * interval_minutes)
    gaps = _gaps_between_successes(bind, filters.campaign, window_start, window_end, limit)
    gaps += _gap_since_last_success(bind, filters.campaign, window_start, window_end, limit)
    gaps += _failed_runs(bind, filters.campaign, window_start, window_end)
    return sorted(gaps, key=lambda g: g.start)


def _gaps_between_successes(bind, campaign, window_start, window_end, limit) -> list[CollectionGap]:
    completed = [*_search_runs(campaign), CollectionRun.status == "completed"]
    # Start from the last success before the window, so a gap running into the window is seen.
    last_before = (select(func.max(CollectionRun.started_at))
                   .where(*completed, CollectionRun.started_at < window_start).scalar_subquery())
    runs = (select(CollectionRun.started_at.label("at"),
                   func.lag(CollectionRun.started_at).over(order_by=CollectionRun.started_at).label("prev"))
            .where(*completed, CollectionRun.started_at < window_end,
                   CollectionRun.started_at >= func.coalesce(last_before, window_start))
            .subquery())
    stmt = (select(runs.c.at, runs.c.prev)
            .where(runs.c.prev.is_not(None),
                   _epoch_seconds(bind, runs.c.at) - _epoch_seconds(bind, runs.c.prev) > limit.total_seconds())
            .order_by(runs.c.at))
    return [CollectionGap(max(_aware(prev), window_start), _aware(at), "no successful run",
                          f"no successful run for {_duration(_aware(at) - _aware(prev))}")
            for at, prev in _rows(bind, stmt)]


def _gap_since_last_success(bind, campaign, window_start, window_end, limit) -> list[CollectionGap]:
    """The open gap at the end: the last success is older than the limit (collection stale now)."""
    stmt = (select(func.max(CollectionRun.started_at))
            .where(*_search_runs(campaign), CollectionRun.status == "completed",
                   CollectionRun.started_at < window_end))
    last = _rows(bind, stmt)[0][0]
    if last is None:
        return []
    last = _aware(last)
    if window_end - last <= limit:
        return []
    return [CollectionGap(max(last, window_start), window_end, "no successful run",
                          f"no successful run since {last:%Y-%m-%d %H:%M} UTC")]


def _failed_runs(bind, campaign, window_start, window_end) -> list[CollectionGap]:
    stmt = (select(CollectionRun.id, CollectionRun.started_at, CollectionRun.ended_at, CollectionRun.error)
            .where(*_search_runs(campaign), CollectionRun.status == "failed",
                   CollectionRun.started_at >= window_start, CollectionRun.started_at < window_end)
            .order_by(CollectionRun.started_at))
    return [CollectionGap(_aware(started), _aware(ended or started), "failed run",
                          f"run {run_id} failed: {error or 'no error recorded'}")
            for run_id, started, ended, error in _rows(bind, stmt)]


def _aware(value: datetime) -> datetime:
    # Window functions and max() bypass the column type on SQLite: make the value aware UTC again.
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)


def _duration(delta: timedelta) -> str:
    minutes = int(delta.total_seconds() // 60)
    return f"{minutes // 60} h {minutes % 60} min" if minutes >= 60 else f"{minutes} min"


# --- per-region and per-branch tables --------------------------------------------------------

@dataclass(frozen=True)
class GroupRow:
    key: str | None  # region key or branch name (None: posts with no branch)
    kpis: Kpis
    share_of_posts: float


def _grouped(bind: Bind, filters: Filters, column) -> dict:
    return _grouped_kpis(bind, filters, column)


def _with_shares(found: dict, keys: Sequence) -> list[GroupRow]:
    total = sum(k.posts for k in found.values())
    return [GroupRow(key, found.get(key, Kpis()), (found.get(key, Kpis()).posts / total) if total else 0.0)
            for key in keys]


def regions_table(bind: Bind, filters: Filters) -> list[GroupRow]:
    """Every region key (ONS order, then Unknown), zeros included."""
    found = _grouped(bind, filters, DaySummary.region)
    keys = region_keys()
    return _with_shares(found, keys + sorted(k for k in found if k not in keys))


def branches_table(bind: Bind, filters: Filters) -> list[GroupRow]:
    """Branches with posts in scope (most posts first); None holds posts placed in no branch."""
    found = _grouped(bind, filters, DaySummary.branch)
    keys = sorted(found, key=lambda k: (-found[k].posts, k is None, k or ""))
    return _with_shares(found, keys)


# --- top posts and contributors --------------------------------------------------------------

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
    deleted: bool

    @property
    def url(self) -> str:
        return post_url(self.username, self.id)


POST_COLUMNS = (Post.id, Post.created_at, Post.created_date_uk, Author.username, Author.name, Post.text, Post.kind,
                Post.region, Post.branch, Post.like_count, Post.repost_count, Post.reply_count, Post.quote_count,
                Post.bookmark_count, Post.impression_count, ENGAGEMENTS.label("engagements"), Post.author_followers,
                Post.deleted)


def _post_row(row) -> PostRow:
    values = list(row[:len(POST_COLUMNS)])
    values[2] = _as_date(values[2])
    values[1] = _aware(values[1])
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
    nth = (select(DaySummary.max_engagements).where(*summary_scope(filters))
           .order_by(DaySummary.max_engagements.desc()).offset(n - 1).limit(1))
    found = _rows(bind, nth)
    threshold = int(found[0][0]) if found else 0
    candidates = select(DaySummary.day, DaySummary.author_id).where(
        *summary_scope(filters), DaySummary.max_engagements >= threshold).distinct().limit(TOP_POSTS_MAX_SLICES + 1)
    slices = _rows(bind, candidates)
    conditions = [*in_scope(filters), ENGAGEMENTS >= threshold]
    if not slices:
        return []
    if len(slices) <= TOP_POSTS_MAX_SLICES:
        by_day: dict[date, list] = {}
        for day, author_id in slices:
            by_day.setdefault(_as_date(day), []).append(author_id)
        conditions.append(or_(*(and_(Post.created_date_uk == day, _author_in(authors))
                                for day, authors in sorted(by_day.items()))))
    stmt = (select(*POST_COLUMNS).outerjoin(Author, Author.id == Post.author_id)
            .where(*conditions).order_by(*order).limit(n))
    return [_post_row(r) for r in _rows(bind, stmt)]


def _author_in(author_ids: list):
    known = [a for a in author_ids if a is not None]
    parts = ([Post.author_id.in_(known)] if known else []) + ([Post.author_id.is_(None)] if None in author_ids else [])
    return or_(*parts) if len(parts) > 1 else parts[0]


@dataclass(frozen=True)
class ContributorRow:
    author_id: str
    username: str | None
    name: str | None
    region: str | None
    posts: int
    potential_reach: int
    impressions: int
    engagements: int

    @property
    def url(self) -> str:
        return f"https://x.com/{self.username or 'i'}"


def top_contributors(bind: Bind, filters: Filters, n: int = 10) -> list[ContributorRow]:
    """The n authors with most posts in scope (then engagements); reach = their followers as of their post."""
    per_author = _per_author(filters)
    c = per_author.c
    # The n first, then their names: every author in scope has a row in authors (foreign key), so
    # ranking before the join gives the same n as joining first, without a look-up per author.
    top = (select(c.author_id, c.posts, c.followers, c.impressions, c.engagements)
           .where(c.author_id.is_not(None))
           .order_by(c.posts.desc(), c.engagements.desc(), c.author_id)
           .limit(n).subquery())
    t = top.c
    stmt = (select(t.author_id, Author.username, Author.name, Author.region, t.posts, t.followers,
                   t.impressions, t.engagements)
            .join(Author, Author.id == t.author_id)
            .order_by(t.posts.desc(), t.engagements.desc(), t.author_id))
    return [ContributorRow(r[0], r[1], r[2], r[3], *(int(v or 0) for v in r[4:])) for r in _rows(bind, stmt)]


# --- hashtags and mentions -------------------------------------------------------------------

@dataclass(frozen=True)
class TermRow:
    term: str  # hashtag without '#', username without '@', lower case
    posts: int
    contributors: int


def _term_counts(bind: Bind, filters: Filters, kind: str, n: int) -> list[TermRow]:
    """Posts and unique authors per term, from summary_terms (rows: one author's posts of one UK day,
    region and branch carrying the term)."""
    t = TermSummary
    if _dialect(bind) == "sqlite":
        posts = func.sum(t.posts)
        stmt = (select(t.term, posts, func.count(func.distinct(t.author_id)))
                .where(*summary_scope(filters, t), t.kind == kind)
                .group_by(t.term)
                .order_by(posts.desc(), t.term)
                .limit(n))
    else:
        # PostgreSQL sorts each term's rows for COUNT(DISTINCT) (on disk past work_mem): grouping by
        # (term, author) first, then by term, is two hash aggregates (30 days of 1M posts: 475 -> 343 ms).
        # SQLite sorts to group either way, and the two steps sorted twice (1.6x slower there).
        per_author = (select(t.term, t.author_id, func.sum(t.posts).label("posts"))
                      .where(*summary_scope(filters, t), t.kind == kind)
                      .group_by(t.term, t.author_id).subquery())
        a = per_author.c
        posts = func.sum(a.posts)
        stmt = (select(a.term, posts, func.count(a.author_id))
                .group_by(a.term).order_by(posts.desc(), a.term).limit(n))
    return [TermRow(r[0], int(r[1]), int(r[2])) for r in _rows(bind, stmt)]


def hashtags(bind: Bind, filters: Filters, n: int = 20) -> list[TermRow]:
    """Hashtags used in the posts in scope (campaign tags included), by number of posts."""
    return _term_counts(bind, filters, "hashtag", n)


def mentions(bind: Bind, filters: Filters, n: int = 20) -> list[TermRow]:
    """Accounts mentioned in the posts in scope, by number of posts."""
    return _term_counts(bind, filters, "mention", n)


# --- accounts of a region --------------------------------------------------------------------

@dataclass(frozen=True)
class AccountRow:
    author_id: str
    username: str
    name: str | None
    location: str | None
    followers: int
    region: str
    branch: str | None
    evidence: str
    confidence: float
    detail: str | None
    posts: int
    last_post_date: date


def region_accounts(bind: Bind, filters: Filters, limit: int = ACCOUNTS_LIMIT) -> list[AccountRow]:
    """Authors with posts in scope (most posts first), with how their region was decided."""
    per_author = (select(DaySummary.author_id.label("author_id"), func.sum(DaySummary.posts).label("posts"),
                         func.max(DaySummary.day).label("last_day"))
                  .where(*summary_scope(filters)).group_by(DaySummary.author_id).subquery())
    c = per_author.c
    stmt = (select(Author.id, Author.username, Author.name, Author.location, Author.followers_count,
                   Author.region, Author.branch, Author.region_evidence, Author.region_confidence,
                   Author.region_detail, c.posts, c.last_day)
            .join(per_author, c.author_id == Author.id)
            .order_by(c.posts.desc(), Author.username)
            .limit(limit))
    return [AccountRow(*r[:4], int(r[4] or 0), *r[5:10], int(r[10]), _as_date(r[11])) for r in _rows(bind, stmt)]


# --- posts explorer --------------------------------------------------------------------------

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


def _contains(bind: Bind, column, needle: str):
    """column contains needle, ignoring case; % and _ in needle are plain characters.

    SQLite's LIKE already ignores ASCII case and its lower() folds only ASCII, so LIKE alone finds
    exactly what lower(column) LIKE lower(needle) finds, without building a lower-cased copy of
    every text it reads (that copy was ~40% of a text search's time). PostgreSQL: ILIKE."""
    pattern = "%" + needle.replace("/", "//").replace("%", "/%").replace("_", "/_") + "%"
    if _dialect(bind) == "sqlite":
        return column.like(pattern, escape="/")
    return column.ilike(pattern, escape="/")


def _matching_authors(bind: Bind, search: PostSearch):
    """The ids of the authors the search names, as a list when there are few (read once, used by both
    of posts_page's statements), else as a subquery. The handle is an index look-up
    (ix_authors_username_lower); names are a scan of every author, so only on request."""
    wanted = func.lower(Author.username) == search.who.lower()
    if search.author_names:
        wanted = or_(wanted, _contains(bind, Author.name, search.who))
    ids = [r[0] for r in _rows(bind, select(Author.id).where(wanted).limit(AUTHOR_IDS_MAX + 1))]
    return ids if len(ids) <= AUTHOR_IDS_MAX else select(Author.id).where(wanted)


def _search_conditions(bind: Bind, filters: Filters, search: PostSearch, authors=None) -> list:
    conditions = []
    if search.words:
        conditions.append(_contains(bind, Post.text, search.words))
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
    window = _rows(bind, select(func.coalesce(func.sum(DaySummary.posts), 0)).where(*summary_scope(filters)))[0][0]
    capped = select(PostHashtag.post_id).where(PostHashtag.tag == tag).limit(int(window) + 1).subquery()
    tagged = _rows(bind, select(func.count()).select_from(capped))[0][0]
    if tagged <= window:
        return Post.id.in_(select(PostHashtag.post_id).where(PostHashtag.tag == tag))
    return select(PostHashtag.post_id).where(PostHashtag.post_id == Post.id, PostHashtag.tag == tag).exists()


def _posts_per_day(bind: Bind, filters: Filters, search: PostSearch, authors, conditions) -> dict[date, int]:
    """How many posts match on each UK day of the window (days with none left out).

    Without text or hashtag the summary holds the answer (the campaign's posts per day, author,
    region, branch and kind): a sum over its rows. Otherwise the posts are counted, the window
    read once on its date index."""
    kinds = {None: DaySummary.posts, "original": DaySummary.originals, "reply": DaySummary.replies,
             "quote": DaySummary.quotes}
    if not (search.words or search.tag) and search.kind in kinds:
        where = summary_scope(filters) + ([DaySummary.author_id.in_(authors)] if authors is not None else [])
        stmt = select(DaySummary.day, func.sum(kinds[search.kind])).where(*where).group_by(DaySummary.day)
    else:
        stmt = select(Post.created_date_uk, func.count()).where(*conditions).group_by(Post.created_date_uk)
    return {_as_date(day): int(n) for day, n in _rows(bind, stmt) if n}


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
    ids = [r[0] for r in _rows(bind, select(Post.id).where(*conditions).limit(TEXT_IDS_MAX + 1))]
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
                 .where(*where)
                 .order_by(Post.created_at.desc(), Post.id.desc())
                 .limit(limit).offset(offset))
    return PostsPage([_post_row(r) for r in _rows(bind, rows_stmt)], total)


CSV_COLUMNS = ("url", "created_at_utc", "date_uk", "username", "author_name", "kind", "region", "branch",
               "text", "likes", "reposts", "replies", "quotes", "bookmarks", "impressions", "engagements",
               "author_followers", "deleted")


def spreadsheet_safe(value: str | None) -> str:
    """Untrusted text must not run as a formula when the CSV is opened in a spreadsheet (OWASP CSV injection):
    the one neutraliser the weekly reports use too (monitor.reports.safety; imported here rather than at the
    top because monitor.reports imports this module)."""
    from monitor.reports.safety import neutralise

    return neutralise(value) if value else ""


def posts_csv_rows(bind: Bind, filters: Filters, search: PostSearch = PostSearch(),
                   max_rows: int = CSV_MAX_ROWS) -> list[dict]:
    """The explorer's filtered rows for download (CSV_COLUMNS), newest first, at most max_rows."""
    page = posts_page(bind, filters, search, limit=max_rows, offset=0)
    return [{"url": r.url, "created_at_utc": r.created_at.strftime("%Y-%m-%d %H:%M:%S"),
             "date_uk": r.created_date_uk.isoformat(), "username": spreadsheet_safe(r.username),
             "author_name": spreadsheet_safe(r.author_name), "kind": r.kind, "region": r.region,
             "branch": r.branch or "", "text": spreadsheet_safe(r.text), "likes": r.likes, "reposts": r.reposts,
             "replies": r.replies, "quotes": r.quotes, "bookmarks": r.bookmarks, "impressions": r.impressions,
             "engagements": r.engagements, "author_followers": r.author_followers, "deleted": r.deleted}
            for r in page.rows]


# --- collector health and API usage ----------------------------------------------------------

@dataclass(frozen=True)
class ApiUsage:
    month_start: date
    requests: int
    posts_read: int
    users_read: int
    rate_limit_waits: int
    budget_usd: float

    @property
    def estimated_cost_usd(self) -> float:
        return round(self.posts_read * PRICE_PER_POST_READ + self.users_read * PRICE_PER_USER_READ, 2)

    @property
    def budget_used(self) -> float | None:
        return self.estimated_cost_usd / self.budget_usd if self.budget_usd else None


def api_usage_this_month(bind: Bind, config: Config, now: datetime | None = None) -> ApiUsage:
    """Requests and reads since the 1st of this UTC month (X bills by UTC day), all campaigns and run kinds.

    Users read are the distinct (author, UTC day) pairs seen: author_followers holds one row per author
    per UTC day an API response included them, which is exactly what X bills once a day.
    """
    now = now or utcnow()
    month_start = now.astimezone(timezone.utc).date().replace(day=1)
    since = datetime.combine(month_start, time(0), tzinfo=timezone.utc)
    runs = select(func.coalesce(func.sum(CollectionRun.requests), 0),
                  func.coalesce(func.sum(CollectionRun.posts_read), 0),
                  func.coalesce(func.sum(CollectionRun.rate_limit_waits), 0)).where(CollectionRun.started_at >= since)
    users = (select(func.count()).select_from(AuthorFollowers)
             .where(AuthorFollowers.observed_on >= month_start).scalar_subquery())
    requests, posts_read, waits = _rows(bind, runs)[0]
    users_read = _rows(bind, select(users))[0][0]
    return ApiUsage(month_start, int(requests), int(posts_read), int(users_read or 0), int(waits),
                    config.monthly_budget_usd)


@dataclass(frozen=True)
class RunRow:
    id: int
    kind: str
    status: str
    started_at: datetime
    ended_at: datetime | None
    requests: int
    posts_read: int
    posts_new: int
    rate_limit_waits: int
    rate_limit_wait_seconds: float
    errors: int
    error: str | None


def recent_runs(bind: Bind, campaign: str, n: int = 20) -> list[RunRow]:
    """The campaign's last n runs (search and refresh), newest first."""
    stmt = (select(CollectionRun.id, CollectionRun.kind, CollectionRun.status, CollectionRun.started_at,
                   CollectionRun.ended_at, CollectionRun.requests, CollectionRun.posts_read, CollectionRun.posts_new,
                   CollectionRun.rate_limit_waits, CollectionRun.rate_limit_wait_seconds, CollectionRun.errors,
                   CollectionRun.error)
            .where(CollectionRun.campaign == campaign)
            .order_by(CollectionRun.id.desc()).limit(n))
    return [RunRow(*r) for r in _rows(bind, stmt)]


@dataclass(frozen=True)
class CollectionState:
    campaign: str
    last_status: str | None
    last_started: datetime | None
    last_success: datetime | None
    next_due: datetime | None
    last_error: str | None
    stale: bool     # no successful run for over 2x the interval (or never)
    failing: bool   # the last finished run failed

    @property
    def problem(self) -> str | None:
        if self.failing:
            return f"{self.campaign}: the last collection run failed: {self.last_error or 'no error recorded'}"
        if self.stale and self.last_success is None:
            return f"{self.campaign}: no successful collection run yet"
        if self.stale:
            return f"{self.campaign}: no successful collection run since {self.last_success:%Y-%m-%d %H:%M} UTC"
        return None


def collection_states(bind: Bind, config: Config, now: datetime | None = None) -> list[CollectionState]:
    """Per configured campaign: its last search run, last success, when the next is due, and whether it is healthy."""
    now = now or utcnow()
    limit = timedelta(minutes=2 * config.interval_minutes)
    last_id = (select(CollectionRun.campaign, func.max(CollectionRun.id).label("id"))
               .where(CollectionRun.kind == "search").group_by(CollectionRun.campaign).subquery())
    last_ok = (select(CollectionRun.campaign, func.max(CollectionRun.started_at).label("at"))
               .where(CollectionRun.kind == "search", CollectionRun.status == "completed")
               .group_by(CollectionRun.campaign).subquery())
    stmt = (select(CollectionRun.campaign, CollectionRun.status, CollectionRun.started_at, CollectionRun.error,
                   last_ok.c.at)
            .join(last_id, last_id.c.id == CollectionRun.id)
            .outerjoin(last_ok, last_ok.c.campaign == CollectionRun.campaign))
    found = {r[0]: r for r in _rows(bind, stmt)}
    states = []
    for campaign in config.campaigns:
        _, status, started, error, success = found.get(campaign.name, (None, None, None, None, None))
        started = _aware(started) if started else None
        success = _aware(success) if success else None
        states.append(CollectionState(
            campaign=campaign.name, last_status=status, last_started=started, last_success=success,
            next_due=started + timedelta(minutes=config.interval_minutes) if started else None,
            last_error=error, stale=success is None or now - success > limit, failing=status == "failed"))
    return states
