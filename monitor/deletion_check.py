"""Deletion check: posts past their metrics refresh (or never refreshed) are asked for again, to find those
their network no longer serves.

The metrics refresh removes a post X reports deleted or protected (monitor.privacy), but only while it still
re-reads it: after max_age_hours, or sooner under the selective refresh, a post deleted on X would stay here;
Bluesky's and Mastodon's posts are never refreshed at all. So, once a UTC day for each network (the day X
bills by), the posts not read for [privacy] deletion_check_after_days are asked for again, oldest-read first,
at most deletion_check_posts_per_day of them a network.
- X: in lookups of the refresh's batch_size, stored as a refresh's are (new metrics; deleted and protected
  posts removed), but no refresh is restarted. The check runs after each metrics refresh (monitor.scheduler).
  It is skipped while the month's spend is past the budget's warning share: the last of the budget goes to
  collection. Reads are billed as the refresh's are (monitor.billing, via 'refresh').
- Bluesky and Mastodon, free to read: the source says which posts it still serves (SearchSource.presence),
  in its own batches; a post it no longer serves is removed, the rest are marked read. Each network's check
  has a scheduler job of its own.
A run that ends the day's check (DAY_DONE) is one per network and day; one ended by an API fault is taken up
by the next, within the cap.
"""
from __future__ import annotations

import logging
import threading
from datetime import datetime, time, timedelta, timezone
from typing import Callable

from sqlalchemy import func, select, update

from monitor.budget import Budget
from monitor.config import Config
from monitor.db import DATABASE_FAULTS, DatabaseUnavailable, db_error_reason, transaction
from monitor.metrics.privacy import DELETION_CHECK_RUN_KIND
from monitor.models import CollectionRun, Post, RunEvent
from monitor.networks import X, label
from monitor.privacy import DELETED, remove_posts
from monitor.refresh import RefreshSummary, read_batch, run_lookups, start_run
from monitor.retry import call_with_retries
from monitor.runlog import record_event, run_recorder
from monitor.sources.base import Presence, SearchSource
from monitor.summary import lock
from monitor.timeutil import utcnow

log = logging.getLogger(__name__)

RUN_KIND = DELETION_CHECK_RUN_KIND

# Posts no refresh reads any more: still listed, the latest version of an edited post. Each network's are
# asked for by its own source (X's lookup would read another network's id as a deleted post).
PAST_REFRESH = (Post.deleted.is_(False), Post.next_refresh_at.is_(None), Post.superseded_by.is_(None))


def posts_to_check(session, now: datetime, after_days: int, limit: int, network: str = X) -> list[tuple[str, str]]:
    """(id, native id) of the network's posts past their refresh that have not been read for after_days,
    oldest-read first."""
    cutoff = now - timedelta(days=after_days)
    return [tuple(row) for row in session.execute(
        select(Post.id, Post.native_id).where(Post.network == network, *PAST_REFRESH, Post.last_seen_at <= cutoff)
        .order_by(Post.last_seen_at, Post.id).limit(limit))]


# A run that ended so is the day's check. One the budget paused is too: another each interval would
# only be paused again. A failed, halted or stopped one is taken up by the next, within the day's cap.
DAY_DONE = ("completed", "paused")


def todays_checks(session, now: datetime, network: str = X) -> tuple[bool, int]:
    """Whether this UTC day's check of the network is done (DAY_DONE), and how many posts this day's checks
    of it have read."""
    day_start = datetime.combine(now.astimezone(timezone.utc).date(), time(), tzinfo=timezone.utc)
    today = (CollectionRun.kind == RUN_KIND, CollectionRun.network == network, CollectionRun.started_at >= day_start)
    completed = session.scalar(select(func.count()).select_from(CollectionRun)
                               .where(*today, CollectionRun.status.in_(DAY_DONE)))
    read = session.scalar(select(func.coalesce(func.sum(CollectionRun.posts_read), 0)).where(*today))
    return bool(completed), int(read)


def check_deletions(engine, config: Config, source: SearchSource, *, clock: Callable[[], datetime] = utcnow,
                    stop: threading.Event | None = None) -> RefreshSummary | None:
    """The day's deletion check of the source's network, recorded as a collection run of kind 'recheck'; None
    when there is none to make (turned off, already made today, or X's spend past the warning share)."""
    stop = stop or threading.Event()
    cap = config.privacy.deletion_check_posts_per_day
    if cap <= 0:
        return None
    try:
        with transaction(engine) as s:
            done, read_today = todays_checks(s, clock(), source.network)
        if done or read_today >= cap:
            return None
        budget = Budget(engine, config, clock)
        if source.metrics_refreshed and budget.state() != "ok":
            log.info("deletion check skipped: this month's X spend is past the budget's warning share")
            return None
        summary = start_run(engine, clock(), RUN_KIND, source.network, source.lookup_query)
    except DATABASE_FAULTS as e:
        raise DatabaseUnavailable(f"cannot start a deletion check: database error: {db_error_reason(e)}") from None
    return _run(engine, config, source, summary, budget, cap - read_today, clock, stop)


def _run(engine, config: Config, source: SearchSource, summary: RefreshSummary, budget: Budget, allowance: int,
         clock: Callable[[], datetime], stop: threading.Event) -> RefreshSummary:
    after_days = config.privacy.deletion_check_after_days
    batch_size = config.metrics_refresh.batch_size if source.metrics_refreshed else source.presence_batch
    asked = 0

    def read(posts: list[tuple[str, str]]) -> None:
        if source.metrics_refreshed:   # X: the refresh's billed lookup, which also stores the new metrics
            read_batch(engine, config, source, budget, summary, [post_id for post_id, _ in posts], clock, stop)
        else:
            _read_presence(engine, config, source, summary, posts, clock, stop)

    def lookups() -> None:
        nonlocal asked
        while asked < allowance and not stop.is_set():
            with transaction(engine) as s:
                posts = posts_to_check(s, clock(), after_days, min(batch_size, allowance - asked), source.network)
            if not posts:
                break
            read(posts)
            asked += len(posts)

    def before_finish() -> None:
        if stop.is_set() and summary.status == "completed":
            summary.status = "stopped"   # not the day's check: the next run takes it up
        record_event(engine, summary.run_id, clock(), RUN_KIND, _outcome(summary, asked, after_days, source.network))

    # Each lookup commits on its own: what a fault lost is checked by the next run.
    return run_lookups(engine, config, summary, clock, lookups, "deletion check", before_finish)


def _read_presence(engine, config: Config, source: SearchSource, summary: RefreshSummary,
                   posts: list[tuple[str, str]], clock: Callable[[], datetime], stop: threading.Event) -> None:
    """One presence call of a free network, with retries, stored in its own transaction: a post it no longer
    serves is removed (monitor.privacy), the others are marked read, whether served or not asked (see
    Presence), so that the queue moves on."""
    by_native = {native: post_id for post_id, native in posts if native}
    made = 0

    def ask() -> Presence:
        nonlocal made   # the requests of the attempt that answered (a retry records its own)
        before = source.requests_made
        answer = source.presence(list(by_native))
        made = source.requests_made - before
        return answer

    found = call_with_retries(ask, config, run_recorder(engine, summary.run_id, utcnow), stop.is_set)
    gone = {by_native[n] for n in found.gone if n in by_native}
    served = [by_native[n] for n in found.public if n in by_native]
    now = clock()
    with transaction(engine) as s:
        lock(s)   # before changing posts: see summary.lock
        s.execute(update(Post).where(Post.id.in_([i for i, _ in posts if i not in gone])).values(last_seen_at=now))
        removed = remove_posts(s, gone, DELETED, now)
        run = s.get(CollectionRun, summary.run_id)
        run.requests += made
        run.pages += 1
        run.posts_read += len(posts)
        if removed.posts:
            s.add(RunEvent(run_id=run.id, at=now, kind="removal",
                           detail=f"removed {removed.posts} posts no longer public on {label(source.network)} "
                                  "(deleted, or their account gone): counted in the figures, no longer listed"))
    summary.add_lookup(len(served), len(gone), removed)
    summary.unasked += len(posts) - len(served) - len(gone)


def _outcome(summary: RefreshSummary, asked: int, after_days: int, network: str) -> str:
    """The run's counts, as the health page shows them (with what ended it early, if anything did)."""
    name = label(network)
    counts = (f"looked up {asked} posts not read for {after_days} days or more: {summary.refreshed} still "
              f"on {name}, {summary.removed_posts} removed (deleted or no longer public on {name})")
    if summary.unasked:
        counts += f", {summary.unasked} whose server could not be asked this time"
    return f"{counts}; ended early: {summary.error}" if summary.error else counts
