"""Deletion check: posts past their metrics refresh are re-read, to find those X no longer serves.

The metrics refresh removes a post X reports deleted or protected (monitor.privacy), but only while it still
re-reads it: after max_age_hours, or sooner under the selective refresh, a post deleted on X would stay here.
So, once a UTC day (the day X bills by), the posts not read for [privacy] deletion_check_after_days are
looked up again, oldest-read first, at most deletion_check_posts_per_day of them, in lookups of the refresh's
batch_size. What a lookup returns is stored as a refresh's is (new metrics; deleted and protected posts
removed), but no refresh is restarted. The check runs after each metrics refresh (monitor.scheduler) until
the day's run has completed (DAY_DONE); one ended by an API fault is taken up by the next, within the cap.
It is skipped while the month's spend is past the budget's warning share: the last of the budget goes to
collection. Reads are billed as the refresh's are (monitor.billing, via 'refresh').
"""
from __future__ import annotations

import logging
import threading
from datetime import datetime, time, timedelta, timezone
from typing import Callable

from sqlalchemy import func, select

from monitor.budget import Budget
from monitor.config import Config
from monitor.db import DATABASE_FAULTS, DatabaseUnavailable, db_error_reason, transaction
from monitor.metrics.privacy import DELETION_CHECK_RUN_KIND
from monitor.models import CollectionRun, Post
from monitor.networks import X
from monitor.refresh import RefreshSummary, read_batch, run_lookups, start_run
from monitor.runlog import record_event
from monitor.sources.x import XSource
from monitor.timeutil import utcnow

log = logging.getLogger(__name__)

RUN_KIND = DELETION_CHECK_RUN_KIND

# Posts the refresh no longer reads: X's own (another network's id would read as deleted), still listed,
# the latest version of an edited post.
PAST_REFRESH = (Post.network == X, Post.deleted.is_(False), Post.next_refresh_at.is_(None),
                Post.superseded_by.is_(None))


def posts_to_check(session, now: datetime, after_days: int, limit: int) -> list[str]:
    """The ids of the posts past their refresh that have not been read for after_days, oldest-read first."""
    cutoff = now - timedelta(days=after_days)
    return list(session.scalars(select(Post.id).where(*PAST_REFRESH, Post.last_seen_at <= cutoff)
                                .order_by(Post.last_seen_at, Post.id).limit(limit)))


# A run that ended so is the day's check. One the budget paused is too: another each interval would
# only be paused again. A failed, halted or stopped one is taken up by the next, within the day's cap.
DAY_DONE = ("completed", "paused")


def todays_checks(session, now: datetime) -> tuple[bool, int]:
    """Whether this UTC day's check is done (DAY_DONE), and how many posts this day's checks have read."""
    day_start = datetime.combine(now.astimezone(timezone.utc).date(), time(), tzinfo=timezone.utc)
    today = (CollectionRun.kind == RUN_KIND, CollectionRun.started_at >= day_start)
    completed = session.scalar(select(func.count()).select_from(CollectionRun)
                               .where(*today, CollectionRun.status.in_(DAY_DONE)))
    read = session.scalar(select(func.coalesce(func.sum(CollectionRun.posts_read), 0)).where(*today))
    return bool(completed), int(read)


def check_deletions(engine, config: Config, source: XSource, *, clock: Callable[[], datetime] = utcnow,
                    stop: threading.Event | None = None) -> RefreshSummary | None:
    """The day's deletion check, recorded as a collection run of kind 'recheck'; None when there is none to
    make (turned off, already made today, or the month's spend past the warning share)."""
    stop = stop or threading.Event()
    settings = config.privacy
    if settings.deletion_check_posts_per_day <= 0:
        return None
    try:
        with transaction(engine) as s:
            done, read_today = todays_checks(s, clock())
        if done or read_today >= settings.deletion_check_posts_per_day:
            return None
        budget = Budget(engine, config, clock)
        if budget.state() != "ok":
            log.info("deletion check skipped: this month's X spend is past the budget's warning share")
            return None
        summary = start_run(engine, clock(), RUN_KIND)
    except DATABASE_FAULTS as e:
        raise DatabaseUnavailable(f"cannot start a deletion check: database error: {db_error_reason(e)}") from None
    return _run(engine, config, source, summary, budget, settings.deletion_check_posts_per_day - read_today,
                clock, stop)


def _run(engine, config: Config, source: XSource, summary: RefreshSummary, budget: Budget, allowance: int,
         clock: Callable[[], datetime], stop: threading.Event) -> RefreshSummary:
    settings, batch_size = config.privacy, config.metrics_refresh.batch_size
    asked = 0

    def lookups() -> None:
        nonlocal asked
        while asked < allowance and not stop.is_set():
            with transaction(engine) as s:
                ids = posts_to_check(s, clock(), settings.deletion_check_after_days, min(batch_size, allowance - asked))
            if not ids:
                break
            read_batch(engine, config, source, budget, summary, ids, clock, stop)
            asked += len(ids)

    def before_finish() -> None:
        if stop.is_set() and summary.status == "completed":
            summary.status = "stopped"   # not the day's check: the next run takes it up
        record_event(engine, summary.run_id, clock(), RUN_KIND,
                     _outcome(summary, asked, settings.deletion_check_after_days))

    # Each lookup commits on its own: what a fault lost is checked by the next run.
    return run_lookups(engine, config, summary, clock, lookups, "deletion check", before_finish)


def _outcome(summary: RefreshSummary, asked: int, after_days: int) -> str:
    """The run's counts, as the health page shows them (with what ended it early, if anything did)."""
    counts = (f"looked up {asked} posts not read for {after_days} days or more: {summary.refreshed} still on X, "
              f"{summary.removed_posts} removed (deleted or made private on X)")
    return f"{counts}; ended early: {summary.error}" if summary.error else counts

