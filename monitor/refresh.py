"""Metrics refresh: re-read young posts' public metrics on a decaying schedule.

Posts are due at fixed ages after posting (config.metrics_refresh.schedule_hours, for example
1h, 3h, 8h, 24h, 72h, 168h): engagement comes early, so reads thin out with age and stop at
max_age_hours. Each read asks GET /2/tweets for up to 100 posts at once, and a request is the
scarce thing (rate limits), so lookups go out full: a batch of due posts goes at once when it is
full; otherwise it waits until its oldest post has been due for window_minutes, then is topped up
with the posts due within the next window_minutes. A post read early counts as read for the step it
was waiting for, so its next read is the step after: the number of post reads does not change, only
how they are packed (each read lands within window_minutes of its scheduled age).
Posts X no longer serves are removed in the batch's transaction (monitor.privacy): a deleted post on its
own, a protected one with its author and all their posts (protection is of the account); the figures
keep counting them. Each batch commits on its own, so a crash loses at most one batch of work, and the
posts of that batch are simply still due.

Which posts are worth a read at all (the selective refresh: free reads on the UTC day X already billed,
billed reads only where they can change the figures) is monitor.refresh_policy. Every lookup is checked
against the month's budget first (monitor.budget); what it reads is recorded as billed (monitor.billing).
"""
from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Callable

from sqlalchemy import select, update

from monitor.billing import REFRESH, billed_today, reads_in, record_reads
from monitor.budget import Budget, BudgetPaused
from monitor.config import Config, MetricsRefresh
from monitor.db import DATABASE_FAULTS, DatabaseUnavailable, db_error_reason, transaction
from monitor.models import CollectionRun, Post, RunEvent
from monitor.networks import X
from monitor.parse import post_metrics
from monitor.privacy import DELETED, PROTECTED, Removed, after_removal, remove_authors, remove_posts
from monitor.refresh_policy import DuePost, last_step_time, next_refresh_time, worth_reading
from monitor.retry import GaveUp, call_with_retries
from monitor.runlog import close_interrupted_runs, finish_run, pause_run, run_recorder
from monitor.sources.x import (
    CollectionHalted,
    RequestRejected,
    SourceConfigError,
    XSource,
    describe_partial_errors,
    problem_kind,
)
from monitor.summary import lock, resync_posts
from monitor.timeutil import utcnow

log = logging.getLogger(__name__)

UNAVAILABLE = {"resource-not-found": DELETED, "not-authorized-for-resource": PROTECTED}
TRIAGE_LIMIT = 5000   # due posts looked at per batch; more wait for the next batch

__all__ = ["next_refresh_time", "refresh_metrics", "RefreshSummary", "next_batch", "due_posts", "triage_due",
           # shared with monitor.deletion_check, which re-reads posts past their refresh
           "start_run", "run_lookups", "read_batch"]


@dataclass
class RefreshSummary:
    run_id: int
    batches: int = 0
    refreshed: int = 0
    unavailable: int = 0
    removed_posts: int = 0      # the unavailable ones and, for a protected author, all their posts
    removed_authors: int = 0
    unasked: int = 0            # a deletion check's posts whose server could not be asked (sources.base.Presence)
    status: str = "completed"
    error: str | None = None
    fault: Exception | None = None  # what ended the run early (the scheduler stops or pauses on it)

    def add_lookup(self, refreshed: int, unavailable: int, removed: Removed) -> None:
        """One stored lookup's counts: posts read, posts the network no longer serves, and what was removed."""
        self.batches += 1
        self.refreshed += refreshed
        self.unavailable += unavailable
        self.removed_posts += removed.posts
        self.removed_authors += removed.authors


# X's posts only: the lookup is X's, and an id it does not know would read as a deleted post (removed).
REFRESHABLE = (Post.next_refresh_at.is_not(None), Post.deleted.is_(False), Post.network == X)


def due_posts(session, now: datetime, limit: int) -> list[tuple[str, datetime]]:
    """(id, scheduled time) of the posts whose scheduled read has come, longest due first."""
    return list(session.execute(
        select(Post.id, Post.next_refresh_at).where(*REFRESHABLE, Post.next_refresh_at <= now)
        .order_by(Post.next_refresh_at, Post.id).limit(limit)).all())


def next_batch(session, now: datetime, policy: MetricsRefresh) -> list[str]:
    """The ids the next lookup carries, or [] when there is nothing to send yet.

    A full batch of due posts goes at once. A part-full one waits, so that the same posts go in fewer
    requests, until its longest-due post has waited window_minutes; then it is topped up with the
    posts due within the next window_minutes (soonest first)."""
    due = due_posts(session, now, policy.batch_size)
    ids = [post_id for post_id, _ in due]
    if not due or len(due) == policy.batch_size:
        return ids
    window = timedelta(minutes=policy.window_minutes)
    longest_due_since = due[0][1]
    if longest_due_since > now - window:
        return []
    ahead = session.scalars(
        select(Post.id).where(*REFRESHABLE, Post.next_refresh_at > now, Post.next_refresh_at <= now + window)
        .order_by(Post.next_refresh_at, Post.id).limit(policy.batch_size - len(due)))
    return ids + list(ahead)


def triage_due(session, now: datetime, policy: MetricsRefresh, last_step_only: bool = False) -> int:
    """Before a batch is made: end the refresh of the due posts not worth a read (monitor.refresh_policy),
    and with last_step_only (the budget's warning share) move every other due read to the schedule's last
    step. The posts due within the next window are looked at too, as a batch may take them early.
    Returns how many reads were dropped or moved."""
    window = timedelta(minutes=policy.window_minutes)
    engagements = Post.like_count + Post.repost_count + Post.reply_count + Post.quote_count + Post.bookmark_count
    found = session.execute(
        select(Post.id, Post.created_at, Post.metrics_updated_at, Post.next_refresh_at, engagements,
               Post.impression_count, Post.author_followers)
        .where(*REFRESHABLE, Post.next_refresh_at <= now + window)
        .order_by(Post.next_refresh_at, Post.id).limit(TRIAGE_LIMIT)).all()
    ended, moved = [], {}
    for row in found:
        post = DuePost(row[0], row[1], row[2] or row[1], row[3], int(row[4] or 0), int(row[5] or 0), int(row[6] or 0))
        if last_step_only:
            last = last_step_time(post.created_at, policy)
            if last is not None and post.next_refresh_at < last - window:
                moved[post.id] = last
                continue
        if not worth_reading(post, max(now, post.next_refresh_at), policy):
            ended.append(post.id)
    for start in range(0, len(ended), 500):
        session.execute(update(Post).where(Post.id.in_(ended[start:start + 500])).values(next_refresh_at=None))
    for post_id, at in moved.items():
        session.execute(update(Post).where(Post.id == post_id).values(next_refresh_at=at))
    return len(ended) + len(moved)


def refresh_metrics(engine, config: Config, source: XSource, *, clock: Callable[[], datetime] = utcnow,
                    stop: threading.Event | None = None, max_batches: int = 50) -> RefreshSummary:
    """Refresh due posts, batch by batch, recording the work as a collection run of kind 'refresh'."""
    stop = stop or threading.Event()
    policy = config.metrics_refresh
    budget = Budget(engine, config, clock)
    try:
        summary = start_run(engine, clock())
    except DATABASE_FAULTS as e:
        raise DatabaseUnavailable(f"cannot start a metrics refresh: database error: {db_error_reason(e)}") from None

    def lookups() -> None:
        last_step_only = budget.state() != "ok"
        while summary.batches < max_batches and not stop.is_set():
            with transaction(engine) as s:
                triage_due(s, clock(), policy, last_step_only)
                ids = next_batch(s, clock(), policy)
            if not ids:
                break
            read_batch(engine, config, source, budget, summary, ids, clock, stop)

    # Each batch commits on its own: the posts of a batch a fault lost are simply still due.
    return run_lookups(engine, config, summary, clock, lookups, "metrics refresh")


def read_batch(engine, config: Config, source: XSource, budget: Budget, summary: RefreshSummary, ids: list[str],
               clock: Callable[[], datetime], stop: threading.Event) -> None:
    """One lookup of `ids`: checked against the budget first (the reads X has not billed today), made with
    retries, and stored in its own transaction."""
    with transaction(engine) as s:
        unbilled = len(ids) - len(billed_today(s, ids, clock()))
    budget.require_lookup(unbilled * config.prices.post_read)
    page = _lookup_with_retries(engine, config, source, summary.run_id, ids, stop)
    _store_lookup(engine, config, summary, ids, page, clock())


def run_lookups(engine, config: Config, summary: RefreshSummary, clock: Callable[[], datetime],
                lookups: Callable[[], None], what: str,
                before_finish: Callable[[], None] = lambda: None) -> RefreshSummary:
    """Make a run's lookups and end the run as they ended: failed or halted by an API fault (summary.fault
    holds it, for the scheduler), paused by the budget, else completed; then the residue of any posts it
    removed is cleared. A database fault ends the run failed, if it can, and raises DatabaseUnavailable."""
    try:
        try:
            lookups()
        except (CollectionHalted, SourceConfigError, GaveUp, RequestRejected) as e:
            summary.status, summary.error = ("halted" if isinstance(e, CollectionHalted) else "failed"), str(e)
            summary.fault = e
        except BudgetPaused as e:
            summary.status = "paused"
            pause_run(engine, summary.run_id, clock(), str(e))
            return summary
        before_finish()
        _finish(engine, summary, clock())
        if summary.removed_posts:
            _after_removal(engine, config, clock())
    except DATABASE_FAULTS as e:
        message = f"database error during {what} {summary.run_id}: {db_error_reason(e)}"
        summary.status, summary.error = "failed", message
        try:
            _finish(engine, summary, clock())
        except DATABASE_FAULTS:
            log.error("%s (the run could not be marked failed; the next %s closes it)", message, what)
        raise DatabaseUnavailable(message) from None
    return summary


def start_run(engine, now: datetime, kind: str = "refresh", network: str = X,
              query: str = XSource.lookup_query) -> RefreshSummary:
    """Open a run of lookups (the refresh's, or a network's deletion check), closing any run of its kind and
    network a killed process left 'running' (such runs are not resumed: their posts are simply still due)."""
    with transaction(engine) as s:
        close_interrupted_runs(s, kind, now, network=network)
        run = CollectionRun(campaign="*", network=network, kind=kind, query=query, started_at=now, status="running")
        s.add(run)
        s.flush()
        return RefreshSummary(run.id)


def _after_removal(engine, config: Config, now: datetime) -> None:
    """Stored reports written again and residue cleared (monitor.privacy.storage); the removal itself has
    committed, so a failure here is logged and left to the nightly retention run."""
    try:
        after_removal(engine, config, now)
    except Exception:  # noqa: BLE001 - the nightly retention run does the same again
        log.exception("after removing posts: stored reports or database residue left to the nightly run")


def remove_unavailable(session, gone: dict[str, str], now: datetime) -> Removed:
    """Remove the posts X reported deleted or protected: a protected post's author with all their posts."""
    protected = [post_id for post_id, reason in gone.items() if reason == PROTECTED]
    authors = set(session.scalars(select(Post.author_id).where(Post.id.in_(protected), Post.author_id.is_not(None))))
    removed = remove_authors(session, authors, PROTECTED, now)
    removed += remove_posts(session, [p for p, reason in gone.items() if reason == DELETED], DELETED, now)
    removed += remove_posts(session, protected, PROTECTED, now)   # any without a stored author
    return removed


def _lookup_with_retries(engine, config: Config, source: XSource, run_id: int, ids: list[str], stop) -> dict:
    return call_with_retries(lambda: source.lookup_metrics(ids).page, config, run_recorder(engine, run_id, utcnow),
                             stop.is_set)


def _store_lookup(engine, config: Config, summary: RefreshSummary, ids: list[str], raw: dict, now: datetime) -> None:
    policy = config.metrics_refresh
    returned = {str(p["id"]): p for p in (raw.get("data") or []) if isinstance(p, dict) and p.get("id")}
    gone = {}
    for err in raw.get("errors") or []:
        reason = UNAVAILABLE.get(problem_kind(err))
        rid = str(err.get("resource_id") or err.get("value") or "")
        if reason and rid in ids:
            gone[rid] = reason
    with transaction(engine) as s:
        lock(s)   # before updating posts: see summary.lock
        record_reads(s, reads_in(raw), now, REFRESH, config.prices)
        # The next read is the step after the one this read served: a post taken early to fill the
        # batch has served the step it was waiting for.
        # A post with no read scheduled (a deletion check's) gets none: its refresh stays ended.
        following = {post_id: next_refresh_time(created, max(now, scheduled), policy) if scheduled else None
                     for post_id, created, scheduled in s.execute(
                         select(Post.id, Post.created_at, Post.next_refresh_at).where(Post.id.in_(ids)))}
        rows = []
        for post_id in ids:
            if post_id in returned:
                rows.append({"id": post_id, **post_metrics(returned[post_id]), "metrics_updated_at": now,
                             "last_seen_at": now, "next_refresh_at": following[post_id]})
            elif post_id not in gone:
                # Neither returned nor reported: try again at the next step rather than lose track.
                rows.append({"id": post_id, "next_refresh_at": following[post_id]})
        if rows:
            for row in rows:
                s.execute(update(Post).where(Post.id == row.pop("id")).values(**row))
        resync_posts(s, returned.keys() & set(ids))  # new impressions and engagements, same transaction
        removed = remove_unavailable(s, gone, now)
        run = s.get(CollectionRun, summary.run_id)
        run.requests += 1
        run.pages += 1
        run.posts_read += len(returned)
        run.posts_updated += len(returned)
        if raw.get("errors"):
            unexplained = [e for e in raw["errors"] if problem_kind(e) not in UNAVAILABLE]
            if unexplained:
                run.errors += 1
                s.add(RunEvent(run_id=run.id, at=now, kind="partial_error",
                               detail=describe_partial_errors(unexplained)))
        if removed.posts:
            s.add(RunEvent(run_id=run.id, at=now, kind="removal",
                           detail=f"removed {removed.posts} posts and {removed.authors} authors no longer public "
                                  "on X (deleted or protected): counted in the figures, no longer listed"))
    summary.add_lookup(len(returned), len(gone), removed)


def _finish(engine, summary: RefreshSummary, now: datetime) -> None:
    finish_run(engine, summary.run_id, now, summary.status, summary.error)
