"""The MP figures: which MPs a campaign reaches in a period, region by region, and which it has not reached.

Every figure is one SQL aggregate over post_mps (monitor.mps.detect keeps it in step with the posts) and
the register (mps). A post_mps row is in a campaign's scope when its UK day is in the period and the
post it names as campaign_post_id matched the campaign (for an MP's reply or quote, the post replied to
or quoted), or, for an MP's own post, when the campaign's MP watch found it. Per MP, over the rows in
scope: posts by the MP (their posts and their replies/quotes of campaign posts, each post once), posts
mentioning them, the unique authors of those who are not MPs, and the last activity; the status is
"engaged", else "mentioned", else "not reached" (monitor.metrics.definitions). Only sitting MPs count.
The region of an MP is their constituency's, not the region their posts are attributed to.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timezone

from sqlalchemy import and_, case, distinct, func, or_, select

from monitor.metrics.definitions import (
    ENGAGED,
    MENTIONED,
    MP_STATUSES,
    NOT_REACHED,
    PRICE_PER_POST_READ,
    PRICE_PER_USER_READ,
)
from monitor.metrics.filters import Filters, post_url, region_keys
from monitor.metrics.posts import POST_COLUMNS, PostRow, post_row
from monitor.metrics.sql import Bind, as_date, aware, contains, rows, summary_scope
from monitor.models import (
    BY_MP,
    MENTION,
    MP,
    REPLY_QUOTE,
    Author,
    CollectionRun,
    DaySummary,
    MPWatchMatch,
    Post,
    PostMatch,
    PostMP,
    RunPost,
)
from monitor.mps.detect import is_mp_author
from monitor.timeutil import utcnow

BY_KINDS = (BY_MP, REPLY_QUOTE)   # the kinds of post_mps that are the MP's own posts
WATCH_RUN_KIND = "watch"          # collection_runs.kind of the MP watch (monitor.mps.watch)
MP_POSTS_LIMIT = 50


# --- scope and the per-MP step ---------------------------------------------------------------

def mp_scope(filters: Filters, *, since_start: bool = True) -> list:
    """WHERE conditions on post_mps for the campaign and the period (since_start=False: up to the
    period's end, from the campaign's beginning)."""
    p = PostMP
    matched = (select(PostMatch.post_id)
               .where(PostMatch.post_id == p.campaign_post_id, PostMatch.campaign == filters.campaign).exists())
    watched = (select(MPWatchMatch.post_id)
               .where(MPWatchMatch.post_id == p.post_id, MPWatchMatch.campaign == filters.campaign).exists())
    conditions = [p.day <= filters.to_date, or_(matched, and_(p.kind == BY_MP, watched))]
    if since_start:
        conditions.append(p.day >= filters.from_date)
    return conditions


def _per_member(filters: Filters):
    """One row per MP with any post in scope: posts by them, posts mentioning them, members mentioning
    them (authors who are not MPs), the last activity."""
    p = PostMP
    by, mention = p.kind.in_(BY_KINDS), p.kind == MENTION
    return (select(p.member_id.label("member_id"),
                   func.count(distinct(case((by, p.post_id)))).label("posts_by_mp"),
                   func.count(distinct(case((mention, p.post_id)))).label("posts_mentioning"),
                   func.count(distinct(case((and_(mention, ~is_mp_author(p.author_id)), p.author_id))))
                   .label("members_mentioning"),
                   func.max(p.created_at).label("last_activity"))
            .where(*mp_scope(filters)).group_by(p.member_id).subquery())


def _status(per_member):
    c = per_member.c
    return case((func.coalesce(c.posts_by_mp, 0) > 0, ENGAGED),
                (func.coalesce(c.posts_mentioning, 0) > 0, MENTIONED), else_=NOT_REACHED)


def _register_conditions(bind: Bind, filters: Filters, party: str | None) -> list:
    """Which sitting MPs: of the filters' region (their constituency's) and branch (one of their local
    authorities), and of a party."""
    conditions = [MP.sitting.is_(True)]
    if filters.region:
        conditions.append(MP.region == filters.region)
    if filters.branch:
        conditions.append(contains(bind, MP.local_authorities, filters.branch))
    if party:
        conditions.append(MP.party == party)
    return conditions


# --- the MPs table ---------------------------------------------------------------------------

@dataclass(frozen=True)
class MpRow:
    member_id: int
    name: str
    party: str
    constituency: str
    region: str
    x_username: str | None
    bluesky_handle: str | None
    posts_by_mp: int
    posts_mentioning: int
    members_mentioning: int
    last_activity: datetime | None
    status: str

    @property
    def parliament_url(self) -> str:
        return f"https://members.parliament.uk/member/{self.member_id}"

    @property
    def profile_url(self) -> str:
        """The MP on X when their handle is known, else their page on Parliament's site."""
        return f"https://x.com/{self.x_username}" if self.x_username else self.parliament_url


def mp_table(bind: Bind, filters: Filters, *, party: str | None = None, status: str | None = None) -> list[MpRow]:
    """Every sitting MP of the filters' region (all regions when none), with their figures in the period:
    engaged first, by posts, then mentioned, then not reached, each by constituency."""
    if status is not None and status not in MP_STATUSES:
        raise ValueError(f"status must be one of {', '.join(MP_STATUSES)}, got {status!r}")
    s = _per_member(filters)
    c = s.c
    state = _status(s)
    conditions = _register_conditions(bind, filters, party) + ([state == status] if status else [])
    stmt = (select(MP.member_id, MP.name, MP.party, MP.constituency, MP.region, MP.x_username, MP.bluesky_handle,
                   func.coalesce(c.posts_by_mp, 0), func.coalesce(c.posts_mentioning, 0),
                   func.coalesce(c.members_mentioning, 0), c.last_activity, state)
            .outerjoin(s, s.c.member_id == MP.member_id)
            .where(*conditions)
            .order_by(func.coalesce(c.posts_by_mp, 0).desc(), func.coalesce(c.posts_mentioning, 0).desc(),
                      func.coalesce(c.members_mentioning, 0).desc(), MP.constituency))
    return [MpRow(*r[:7], int(r[7]), int(r[8]), int(r[9]), aware(r[10]) if r[10] else None, r[11])
            for r in rows(bind, stmt)]


# --- per region ------------------------------------------------------------------------------

@dataclass(frozen=True)
class MpRegionRow:
    region: str
    total: int
    engaged: int
    mentioned: int   # mentioned, not engaged

    @property
    def not_reached(self) -> int:
        return self.total - self.engaged - self.mentioned


def mp_regions(bind: Bind, filters: Filters, *, party: str | None = None) -> list[MpRegionRow]:
    """Per region (ONS order; the filters' region alone when it has one): sitting MPs, engaged, mentioned."""
    s = _per_member(filters)
    state = _status(s)
    stmt = (select(MP.region, func.count(), func.sum(case((state == ENGAGED, 1), else_=0)),
                   func.sum(case((state == MENTIONED, 1), else_=0)))
            .outerjoin(s, s.c.member_id == MP.member_id)
            .where(*_register_conditions(bind, filters, party))
            .group_by(MP.region))
    found = {r[0]: MpRegionRow(r[0], int(r[1]), int(r[2] or 0), int(r[3] or 0)) for r in rows(bind, stmt)}
    keys = [filters.region] if filters.region else [k for k in region_keys() if k in found]
    return [found.get(k, MpRegionRow(k, 0, 0, 0)) for k in keys]


@dataclass(frozen=True)
class MpCounts:
    total: int
    engaged: int
    mentioned: int

    @property
    def not_reached(self) -> int:
        return self.total - self.engaged - self.mentioned


def mp_counts(regions: list[MpRegionRow]) -> MpCounts:
    """The totals of mp_regions' rows (no query: a sum of at most 12 rows already counted)."""
    return MpCounts(sum(r.total for r in regions), sum(r.engaged for r in regions), sum(r.mentioned for r in regions))


def mp_parties(bind: Bind) -> list[str]:
    """The parties of sitting MPs, largest first (the MPs page's party filter)."""
    stmt = (select(MP.party).where(MP.sitting.is_(True)).group_by(MP.party)
            .order_by(func.count().desc(), MP.party))
    return [r[0] for r in rows(bind, stmt)]


# --- MPs among the contributors, and their posts ---------------------------------------------

@dataclass(frozen=True)
class MpShare:
    contributors: int   # contributors in scope who are MPs
    posts: int          # their posts in scope


def mp_contributors(bind: Bind, filters: Filters) -> MpShare:
    """How many of the campaign's contributors in the filters are MPs, and their posts (summary_days)."""
    s = DaySummary
    stmt = (select(func.count(distinct(s.author_id)), func.coalesce(func.sum(s.posts), 0))
            .where(*summary_scope(filters), is_mp_author(s.author_id)))
    contributors, posts = rows(bind, stmt)[0]
    return MpShare(int(contributors or 0), int(posts or 0))


@dataclass(frozen=True)
class MpPostRow:
    member_id: int
    mp_name: str
    constituency: str
    mp_region: str
    kind: str          # BY_MP, or REPLY_QUOTE when the post counts only as a reply to / quote of a campaign post
    post: PostRow


def mp_posts(bind: Bind, filters: Filters, n: int = MP_POSTS_LIMIT) -> list[MpPostRow]:
    """The MPs' own posts in scope, newest first: shown apart from the members' posts."""
    p = PostMP
    chosen = (select(p.post_id.label("post_id"), p.member_id.label("member_id"), func.min(p.kind).label("kind"),
                     func.max(p.created_at).label("created_at"))
              .where(*mp_scope(filters), p.kind.in_(BY_KINDS))
              .join(MP, MP.member_id == p.member_id).where(*_register_conditions(bind, filters, None))
              .group_by(p.post_id, p.member_id)
              .order_by(func.max(p.created_at).desc(), p.post_id.desc()).limit(n).subquery())
    c = chosen.c
    stmt = (select(*POST_COLUMNS, MP.member_id, MP.name, MP.constituency, MP.region, c.kind)
            .select_from(chosen).join(Post, Post.id == c.post_id).outerjoin(Author, Author.id == Post.author_id)
            .join(MP, MP.member_id == c.member_id)
            .order_by(Post.created_at.desc(), Post.id.desc()))
    width = len(POST_COLUMNS)
    return [MpPostRow(r[width], r[width + 1], r[width + 2], r[width + 3], r[width + 4], post_row(r))
            for r in rows(bind, stmt)]


# --- alerts: an MP posted with a campaign term -----------------------------------------------

@dataclass(frozen=True)
class MpCampaignPost:
    member_id: int
    name: str
    party: str
    constituency: str
    region: str
    post_id: str
    username: str | None
    text: str
    created_at: datetime
    first_seen_at: datetime
    terms: tuple[str, ...]   # the campaign's terms the post carries ('#Tag', '@handle')

    @property
    def url(self) -> str:
        return post_url(self.username, self.post_id)


def mp_posts_with_campaign_terms_since(bind: Bind, campaign: str, since: datetime) -> list[MpCampaignPost]:
    """Posts by sitting MPs that carry one of the campaign's terms and were first stored at or after
    `since` (oldest first): what an alert "an MP posted with a campaign term" sends."""
    p = PostMP
    matched = select(PostMatch.post_id).where(PostMatch.post_id == p.post_id, PostMatch.campaign == campaign).exists()
    stmt = (select(MP.member_id, MP.name, MP.party, MP.constituency, MP.region, Post.id, Author.username, Post.text,
                   Post.created_at, Post.first_seen_at)
            .select_from(p).join(Post, Post.id == p.post_id).join(MP, MP.member_id == p.member_id)
            .outerjoin(Author, Author.id == Post.author_id)
            .where(p.kind == BY_MP, matched, MP.sitting.is_(True), Post.first_seen_at >= since,
                   Post.unavailable_reason.is_(None))
            .order_by(Post.first_seen_at, Post.id))
    found = rows(bind, stmt)
    terms: dict[str, list[str]] = {}
    ids = sorted({r[5] for r in found})
    for i in range(0, len(ids), 500):
        for post_id, term in rows(bind, select(PostMatch.post_id, PostMatch.term).where(
                PostMatch.post_id.in_(ids[i:i + 500]), PostMatch.campaign == campaign).order_by(PostMatch.term)):
            terms.setdefault(post_id, []).append(term)
    return [MpCampaignPost(*r[:8], aware(r[8]), aware(r[9]), tuple(terms.get(r[5], ()))) for r in found]


# --- the week: engaged and new, per region ---------------------------------------------------

@dataclass(frozen=True)
class MpWeekRow:
    member_id: int
    name: str
    party: str
    constituency: str
    region: str
    posts_by_mp: int
    new: bool   # engaged this week for the first time in the campaign


@dataclass(frozen=True)
class MpWeekRegion:
    region: str
    total: int
    engaged: int
    new: int


@dataclass(frozen=True)
class MpWeek:
    regions: tuple[MpWeekRegion, ...]
    engaged: tuple[MpWeekRow, ...]

    @property
    def total_engaged(self) -> int:
        return sum(r.engaged for r in self.regions)

    @property
    def total_new(self) -> int:
        return sum(r.new for r in self.regions)


def mp_week(bind: Bind, filters: Filters) -> MpWeek:
    """MPs engaged in the period (a week) and, of them, the new ones, per region: one pass over the MPs'
    own posts in the campaign up to the period's end."""
    p = PostMP
    in_period = p.day >= filters.from_date
    first = (select(p.member_id.label("member_id"), func.min(p.day).label("first_day"),
                    func.count(distinct(case((in_period, p.post_id)))).label("posts"))
             .where(*mp_scope(filters, since_start=False), p.kind.in_(BY_KINDS))
             .group_by(p.member_id).subquery())
    c = first.c
    engaged = (select(MP.member_id, MP.name, MP.party, MP.constituency, MP.region, c.posts, c.first_day)
               .join(first, c.member_id == MP.member_id)
               .where(*_register_conditions(bind, filters, None), c.posts > 0)
               .order_by(MP.region, MP.constituency))
    rows_found = [MpWeekRow(*r[:5], int(r[5]), as_date(r[6]) >= filters.from_date) for r in rows(bind, engaged)]
    totals = dict(rows(bind, select(MP.region, func.count()).where(*_register_conditions(bind, filters, None))
                       .group_by(MP.region)))
    keys = [filters.region] if filters.region else [k for k in region_keys() if k in totals]
    regions = tuple(MpWeekRegion(k, int(totals.get(k, 0)), sum(1 for r in rows_found if r.region == k),
                                 sum(1 for r in rows_found if r.region == k and r.new)) for k in keys)
    return MpWeek(regions, tuple(rows_found))


# --- the MP watch's API use this month -------------------------------------------------------

@dataclass(frozen=True)
class WatchUsage:
    month_start: date
    runs: int
    requests: int
    posts_read: int
    users_read: int

    @property
    def estimated_cost_usd(self) -> float:
        return round(self.posts_read * PRICE_PER_POST_READ + self.users_read * PRICE_PER_USER_READ, 2)


def watch_usage_this_month(bind: Bind, now: datetime | None = None) -> WatchUsage:
    """The MP watch's runs, requests and reads since the 1st of this UTC month. Users read: the distinct
    (author, UTC day) pairs of the posts its runs read, as X bills a user once a day."""
    now = now or utcnow()
    month_start = now.astimezone(timezone.utc).date().replace(day=1)
    since = datetime.combine(month_start, time(0), tzinfo=timezone.utc)
    watch_runs = [CollectionRun.kind == WATCH_RUN_KIND, CollectionRun.started_at >= since]
    totals = select(func.count(), func.coalesce(func.sum(CollectionRun.requests), 0),
                    func.coalesce(func.sum(CollectionRun.posts_read), 0)).where(*watch_runs)
    pairs = (select(Post.author_id, func.date(CollectionRun.started_at))
             .select_from(RunPost).join(CollectionRun, CollectionRun.id == RunPost.run_id)
             .join(Post, Post.id == RunPost.post_id).where(*watch_runs).distinct().subquery())
    runs, requests, posts_read = rows(bind, totals)[0]
    users = rows(bind, select(func.count()).select_from(pairs))[0][0]
    return WatchUsage(month_start, int(runs), int(requests), int(posts_read), int(users or 0))
