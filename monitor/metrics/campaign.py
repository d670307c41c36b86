"""The campaign's figures for a period: KPIs, the timeline, regions and branches, contributors, hashtags
and mentions, a region's accounts. Each is one SQL aggregate over the summary tables (monitor.summary).

Potential reach sums, over the unique authors in scope, the followers each had as of their post:
posts.author_followers, the count stored when the post was first collected. An author with several
posts in the period counts once, with the SMALLEST of those counts (MIN). Followers mostly grow, so the
smallest is the count at their first post in the period, and a reach figure is never inflated by an
author counted at a later peak.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Sequence

from sqlalchemy import func, select

from monitor.metrics.definitions import MIN_POSTS_TO_COMPARE
from monitor.metrics.filters import Filters, region_keys
from monitor.metrics.sql import Bind, as_date, dialect, rows, summary_scope
from monitor.models import ANONYMOUS_PREFIX, Author, DaySummary, HourSummary, TermSummary
from monitor.networks import NETWORK_KEYS, profile_link

# A region's accounts table: the most active authors (any other is found by handle in the correction form).
# 500 rows of 11 columns cost the region page ~0.4 s in the browser on 1M posts (bench_pages.py).
ACCOUNTS_LIMIT = 100


# --- the step that counts each author once ---------------------------------------------------

def per_author(filters: Filters, *keys, where: Sequence = ()):
    """One row per (keys..., author) in scope with the author's posts, reach (followers as of their
    post: the smallest), impressions and engagements: the step that counts each author once.

    Read from summary_days (slices of one author's posts of one UK day, region and branch): sums of
    the slices, and the smallest of their follower minimums, are the author's figures over the posts.
    keys are columns of DaySummary (region, branch), or expressions over it and the tables `where` joins
    (monitor.metrics.actions: an action's windows).
    """
    s = DaySummary
    return (select(*keys, s.author_id.label("author_id"), func.sum(s.posts).label("posts"),
                   func.min(s.min_followers).label("followers"), func.sum(s.impressions).label("impressions"),
                   func.sum(s.engagements).label("engagements"))
            .where(*summary_scope(filters), *where)
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
    for row in rows(bind, sums):
        k, (posts, originals, replies, quotes, impressions, engagements, unknown) = \
            (row[0] if keys else None), row[len(keys):]
        if posts is None:  # no rows at all: SUM over nothing
            continue
        found[k] = [posts, originals, replies, quotes, 0, 0, impressions, engagements, unknown]
    for row in rows(bind, reach):
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

    def why_not_compared(self, today: date) -> str | None:
        """Why the two periods cannot be compared (None: they can): too few posts before, or a day not over."""
        f = self.previous_filters
        if f.days == 1 and f.to_date + timedelta(days=1) == today:   # the period is today, so far
            return "today is not over yet; a part of a day is not compared with a whole one."
        if self.previous.posts < MIN_POSTS_TO_COMPARE:
            return (f"the previous period ({f.from_date:%d %b} – {f.to_date:%d %b %Y}) had {self.previous.posts:,} "
                    f"posts, fewer than the {MIN_POSTS_TO_COMPARE} a comparison needs.")
        return None


def kpis_with_change(bind: Bind, filters: Filters) -> KpisWithChange:
    """This period and the previous one of equal length (each on its own: grouping both periods' rows by
    author in one statement sorted twice as many rows at once, slower than two halves)."""
    previous = filters.previous()
    return KpisWithChange(kpis(bind, filters), kpis(bind, previous), previous)


def kpis_by_network(bind: Bind, filters: Filters) -> dict[str, Kpis]:
    """The KPIs of each network in the period (every network, zeros included): one grouped aggregate."""
    found = _grouped_kpis(bind, filters, DaySummary.network)
    return {network: found.get(network, Kpis()) for network in NETWORK_KEYS}


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
    for row in rows(bind, stmt):
        key = (as_date(row[0]), row[1] if by == "hour" else None)
        found[key] = (int(row[-2] or 0), int(row[-1] or 0))
    hours = range(24) if by == "hour" else [None]
    return [TimelinePoint(day, hour, *found.get((day, hour), (0, 0)))
            for day in _each_day(filters) for hour in hours]


@dataclass(frozen=True)
class NetworkPoint:
    day: date
    network: str
    posts: int


def timeline_by_network(bind: Bind, filters: Filters) -> list[NetworkPoint]:
    """Posts per UK day and network (every day and network, zeros included)."""
    s = DaySummary
    stmt = select(s.day, s.network, func.sum(s.posts)).where(*summary_scope(filters)).group_by(s.day, s.network)
    found = {(as_date(day), network): int(posts or 0) for day, network, posts in rows(bind, stmt)}
    return [NetworkPoint(day, network, found.get((day, network), 0))
            for day in _each_day(filters) for network in NETWORK_KEYS]


# --- per-region and per-branch tables --------------------------------------------------------

@dataclass(frozen=True)
class GroupRow:
    key: str | None  # region key or branch name (None: posts with no branch)
    kpis: Kpis
    share_of_posts: float


def _with_shares(found: dict, keys: Sequence) -> list[GroupRow]:
    total = sum(k.posts for k in found.values())
    return [GroupRow(key, found.get(key, Kpis()), (found.get(key, Kpis()).posts / total) if total else 0.0)
            for key in keys]


def regions_table(bind: Bind, filters: Filters) -> list[GroupRow]:
    """Every region key (ONS order, then Unknown), zeros included."""
    found = _grouped_kpis(bind, filters, DaySummary.region)
    keys = region_keys()
    return _with_shares(found, keys + sorted(k for k in found if k not in keys))


def branches_table(bind: Bind, filters: Filters) -> list[GroupRow]:
    """Branches with posts in scope (most posts first); None holds posts placed in no branch."""
    found = _grouped_kpis(bind, filters, DaySummary.branch)
    keys = sorted(found, key=lambda k: (-found[k].posts, k is None, k or ""))
    return _with_shares(found, keys)


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
    network: str = "x"
    link: str | None = None   # the profile page the network gives (Mastodon)

    @property
    def url(self) -> str:
        return profile_link(self.network, self.username, self.link)


def top_contributors(bind: Bind, filters: Filters, n: int = 10) -> list[ContributorRow]:
    """The n authors with most posts in scope (then engagements); reach = their followers as of their post."""
    c = per_author(filters).c
    # The n first, then their names: every author in scope has a row in authors (foreign key) but the
    # anonymous keys of removed posts, left out here, so ranking before the join gives the same n as
    # joining first, without a look-up per author.
    top = (select(c.author_id, c.posts, c.followers, c.impressions, c.engagements)
           .where(c.author_id.is_not(None), c.author_id.not_like(ANONYMOUS_PREFIX + "%"))  # removed posts' stand-ins
           .order_by(c.posts.desc(), c.engagements.desc(), c.author_id)
           .limit(n).subquery())
    t = top.c
    stmt = (select(t.author_id, Author.username, Author.name, Author.region, t.posts, t.followers,
                   t.impressions, t.engagements, Author.network, Author.url)
            .join(Author, Author.id == t.author_id)
            .order_by(t.posts.desc(), t.engagements.desc(), t.author_id))
    return [ContributorRow(r[0], r[1], r[2], r[3], *(int(v or 0) for v in r[4:8]), r[8], r[9])
            for r in rows(bind, stmt)]


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
    if dialect(bind) == "sqlite":
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
    return [TermRow(r[0], int(r[1]), int(r[2])) for r in rows(bind, stmt)]


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
    network: str = "x"
    link: str | None = None   # the profile page the network gives (Mastodon)

    @property
    def url(self) -> str:
        return profile_link(self.network, self.username, self.link)


def region_accounts(bind: Bind, filters: Filters, limit: int = ACCOUNTS_LIMIT) -> list[AccountRow]:
    """Authors with posts in scope (most posts first), with how their region was decided."""
    per_author = (select(DaySummary.author_id.label("author_id"), func.sum(DaySummary.posts).label("posts"),
                         func.max(DaySummary.day).label("last_day"))
                  .where(*summary_scope(filters)).group_by(DaySummary.author_id).subquery())
    c = per_author.c
    stmt = (select(Author.id, Author.username, Author.name, Author.location, Author.followers_count,
                   Author.region, Author.branch, Author.region_evidence, Author.region_confidence,
                   Author.region_detail, c.posts, c.last_day, Author.network, Author.url)
            .join(per_author, c.author_id == Author.id)
            .order_by(c.posts.desc(), Author.username)
            .limit(limit))
    return [AccountRow(*r[:4], int(r[4] or 0), *r[5:10], int(r[10]), as_date(r[11]), r[12], r[13])
            for r in rows(bind, stmt)]
