"""Collector health: collection gaps, runs, the collector status of each campaign, and API usage this month
(requests and reads; the bill is monitor.metrics.spend). One status query (collection_states) serves the
CLI, the banner and the health page.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone

from sqlalchemy import func, select

from monitor.config import Config
from monitor.metrics.definitions import STALE_AFTER_INTERVALS
from monitor.metrics.filters import Filters
from monitor.metrics.sql import Bind, aware, epoch_seconds, rows
from monitor.models import Author, AuthorFollowers, CollectionRun, PostMatch
from monitor.networks import X
from monitor.timeutil import uk_day_start, uk_local, utcnow

# --- collection gaps -------------------------------------------------------------------------

@dataclass(frozen=True)
class CollectionGap:
    start: datetime
    end: datetime
    reason: str  # "no successful run" | "failed run"
    detail: str


def _search_runs(campaign: str):
    return [CollectionRun.campaign == campaign, CollectionRun.kind == "search"]


def collection_gaps(bind: Bind, filters: Filters, interval_minutes: float = 15.0,
                    now: datetime | None = None) -> list[CollectionGap]:
    """Stretches of the period with no successful search run for longer than the stale limit, and failed runs."""
    window_start = uk_day_start(filters.from_date)
    window_end = min(uk_day_start(filters.to_date + timedelta(days=1)), now or utcnow())
    limit = stale_limit(interval_minutes)
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
                   epoch_seconds(bind, runs.c.at) - epoch_seconds(bind, runs.c.prev) > limit.total_seconds())
            .order_by(runs.c.at))
    return [CollectionGap(max(aware(prev), window_start), aware(at), "no successful run",
                          f"no successful run for {_duration(aware(at) - aware(prev))}")
            for at, prev in rows(bind, stmt)]


def _gap_since_last_success(bind, campaign, window_start, window_end, limit) -> list[CollectionGap]:
    """The open gap at the end: the last success is older than the limit (collection stale now)."""
    stmt = (select(func.max(CollectionRun.started_at))
            .where(*_search_runs(campaign), CollectionRun.status == "completed",
                   CollectionRun.started_at < window_end))
    last = rows(bind, stmt)[0][0]
    if last is None:
        return []
    last = aware(last)
    if window_end - last <= limit:
        return []
    return [CollectionGap(max(last, window_start), window_end, "no successful run",
                          f"no successful run since {last:%Y-%m-%d %H:%M} UTC")]


def _failed_runs(bind, campaign, window_start, window_end) -> list[CollectionGap]:
    stmt = (select(CollectionRun.id, CollectionRun.started_at, CollectionRun.ended_at, CollectionRun.error)
            .where(*_search_runs(campaign), CollectionRun.status == "failed",
                   CollectionRun.started_at >= window_start, CollectionRun.started_at < window_end)
            .order_by(CollectionRun.started_at))
    return [CollectionGap(aware(started), aware(ended or started), "failed run",
                          f"run {run_id} failed: {error or 'no error recorded'}")
            for run_id, started, ended, error in rows(bind, stmt)]


def _duration(delta: timedelta) -> str:
    minutes = int(delta.total_seconds() // 60)
    return f"{minutes // 60} h {minutes % 60} min" if minutes >= 60 else f"{minutes} min"


# --- API usage and the budget ----------------------------------------------------------------

@dataclass(frozen=True)
class ApiUsage:
    month_start: date
    requests: int
    posts_read: int
    users_read: int
    rate_limit_waits: int
    # What X bills is monitor.metrics.spend (billed_reads): these count every read, re-reads too.


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
                  func.coalesce(func.sum(CollectionRun.rate_limit_waits), 0)).where(
        CollectionRun.started_at >= since, CollectionRun.network == X)   # Bluesky and Mastodon cost nothing
    users = (select(func.count()).select_from(AuthorFollowers).join(Author, Author.id == AuthorFollowers.author_id)
             .where(AuthorFollowers.observed_on >= month_start, Author.network == X).scalar_subquery())
    requests, posts_read, waits = rows(bind, runs)[0]
    users_read = rows(bind, select(users))[0][0]
    return ApiUsage(month_start, int(requests), int(posts_read), int(users_read or 0), int(waits))


# --- runs and collector status ---------------------------------------------------------------

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
    network: str = X


def recent_runs(bind: Bind, campaign: str, n: int = 20) -> list[RunRow]:
    """The campaign's last n runs (search and refresh), newest first."""
    stmt = (select(CollectionRun.id, CollectionRun.kind, CollectionRun.status, CollectionRun.started_at,
                   CollectionRun.ended_at, CollectionRun.requests, CollectionRun.posts_read, CollectionRun.posts_new,
                   CollectionRun.rate_limit_waits, CollectionRun.rate_limit_wait_seconds, CollectionRun.errors,
                   CollectionRun.error, CollectionRun.network)
            .where(CollectionRun.campaign == campaign)
            .order_by(CollectionRun.id.desc()).limit(n))
    return [RunRow(*r) for r in rows(bind, stmt)]


@dataclass(frozen=True)
class CollectionState:
    """A campaign's collector status: the one answer behind `campaign-monitor status`, the banner on
    every page and the health page."""
    campaign: str
    title: str
    last_run_id: int | None
    last_status: str | None
    last_started: datetime | None
    last_ended: datetime | None
    last_success: datetime | None
    next_due: datetime | None
    last_error: str | None
    stale: bool     # no successful run for over STALE_AFTER_INTERVALS intervals (or never)
    failing: bool   # the last finished run failed
    posts: int | None = None   # posts stored for the campaign (counted only when asked: a scan)
    # The collector's polling interval as its last run recorded it (else the config's): what the stale
    # rule and the next run due were worked out with.
    interval_minutes: float = 15.0
    interval_recorded: bool = False   # False: no run recorded it (made before migration 0017), the config's

    @property
    def condition(self) -> str:
        return "failing" if self.failing else "stale" if self.stale else "ok"

    @property
    def problem(self) -> str | None:
        """What is wrong, in one line for a log or the CLI (it holds the API's error text)."""
        if self.failing:
            return f"{self.campaign}: the last collection run failed: {self.last_error or 'no error recorded'}"
        if self.stale and self.last_success is None:
            return f"{self.campaign}: no successful collection run yet"
        if self.stale:
            return f"{self.campaign}: no successful collection run since {self.last_success:%Y-%m-%d %H:%M} UTC"
        return None

    @property
    def headline(self) -> str | None:
        """What is wrong, for the banner on every page: no error text from the API (shown as plain text on
        the health page only), the last success in UK time."""
        if self.failing:
            return f"Collection of {self.title} is failing: the last run failed."
        if self.stale:
            since = f"{uk_local(self.last_success):%d %b %H:%M} UK" if self.last_success else "ever"
            return f"Collection of {self.title} is stale: no successful run since {since}."
        return None


def stale_limit(interval_minutes: float) -> timedelta:
    """How long without a successful search run before collection is stale (and a gap is drawn)."""
    return timedelta(minutes=STALE_AFTER_INTERVALS * interval_minutes)


def collection_states(bind: Bind, config: Config, now: datetime | None = None,
                      count_posts: bool = False) -> list[CollectionState]:
    """Per configured campaign: its last search run, last success, when the next is due, whether it is
    healthy, and (count_posts) how many posts it has stored."""
    now = now or utcnow()
    last_id = (select(CollectionRun.campaign, func.max(CollectionRun.id).label("id"))
               .where(CollectionRun.kind == "search").group_by(CollectionRun.campaign).subquery())
    last_ok = (select(CollectionRun.campaign, func.max(CollectionRun.started_at).label("at"))
               .where(CollectionRun.kind == "search", CollectionRun.status == "completed")
               .group_by(CollectionRun.campaign).subquery())
    stmt = (select(CollectionRun.campaign, CollectionRun.id, CollectionRun.status, CollectionRun.started_at,
                   CollectionRun.ended_at, CollectionRun.error, last_ok.c.at, CollectionRun.interval_minutes)
            .join(last_id, last_id.c.id == CollectionRun.id)
            .outerjoin(last_ok, last_ok.c.campaign == CollectionRun.campaign))
    found = {r[0]: r[1:] for r in rows(bind, stmt)}
    posts = _posts_stored(bind) if count_posts else {}
    return [_state(campaign, found.get(campaign.name, (None,) * 7), posts.get(campaign.name, 0) if count_posts
                   else None, config.interval_minutes, now) for campaign in config.campaigns]


def _state(campaign, found, posts: int | None, interval_minutes: float, now: datetime) -> CollectionState:
    run_id, status, started, ended, error, success, recorded_interval = found
    interval_minutes = recorded_interval if recorded_interval is not None else interval_minutes
    started, ended, success = (aware(t) if t else None for t in (started, ended, success))
    return CollectionState(
        campaign=campaign.name, title=campaign.title, last_run_id=run_id, last_status=status,
        last_started=started, last_ended=ended, last_success=success,
        next_due=started + timedelta(minutes=interval_minutes) if started else None, last_error=error,
        stale=success is None or now - success > stale_limit(interval_minutes), failing=status == "failed",
        posts=posts, interval_minutes=interval_minutes, interval_recorded=recorded_interval is not None)


def _posts_stored(bind: Bind) -> dict[str, int]:
    stmt = (select(PostMatch.campaign, func.count(func.distinct(PostMatch.post_id)))
            .group_by(PostMatch.campaign))
    return {campaign: int(n) for campaign, n in rows(bind, stmt)}


@dataclass(frozen=True)
class RunCounts:
    """Search runs of a campaign that started in a window, by outcome."""
    completed: int = 0
    failed: int = 0
    other: int = 0  # running, or stopped by a shutdown (resumed by the next run)

    @property
    def total(self) -> int:
        return self.completed + self.failed + self.other


def search_run_counts(bind: Bind, campaign: str, start: datetime, end: datetime) -> RunCounts:
    """Count the campaign's search runs started in [start, end), grouped by status in the database."""
    stmt = (select(CollectionRun.status, func.count())
            .where(*_search_runs(campaign), CollectionRun.started_at >= start, CollectionRun.started_at < end)
            .group_by(CollectionRun.status))
    by_status = {status: int(n) for status, n in rows(bind, stmt)}
    completed, failed = by_status.pop("completed", 0), by_status.pop("failed", 0)
    return RunCounts(completed, failed, sum(by_status.values()))
