"""Metrics refresh: re-read young posts' public metrics on a decaying schedule.

Posts are due at fixed ages after posting (config.metrics_refresh.schedule_hours, for example
1h, 3h, 8h, 24h, 72h, 168h): engagement comes early, so reads thin out with age and stop at
max_age_hours. Each read asks GET /2/tweets for up to 100 posts at once, and a request is the
scarce thing (rate limits), so lookups go out full: a batch of due posts goes at once when it is
full; otherwise it waits until its oldest post has been due for window_minutes, then is topped up
with the posts due within the next window_minutes. A post read early counts as read for the step it
was waiting for, so its next read is the step after: the number of post reads does not change, only
how they are packed (each read lands within window_minutes of its scheduled age).
Posts X no longer serves are flagged deleted/protected, never removed. Each batch commits on its
own, so a crash loses at most one batch of work, and the posts of that batch are simply still due.
"""
from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Callable

from sqlalchemy import select, update

from monitor.config import Config, MetricsRefresh
from monitor.db import DATABASE_FAULTS, DatabaseUnavailable, db_error_reason, transaction
from monitor.models import CollectionRun, Post, RunEvent
from monitor.mps.detect import forget_posts
from monitor.parse import post_metrics
from monitor.retry import GaveUp, call_with_retries
from monitor.runlog import close_interrupted_runs, finish_run, record_event
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

UNAVAILABLE = {"resource-not-found": "deleted", "not-authorized-for-resource": "protected"}


def next_refresh_time(created_at: datetime, now: datetime, policy: MetricsRefresh) -> datetime | None:
    """The first scheduled age still ahead of `now`, or None once the post is past max_age_hours."""
    for hours in policy.schedule_hours:
        if hours > policy.max_age_hours:
            break
        due = created_at + timedelta(hours=hours)
        if due > now:
            return due
    return None


@dataclass
class RefreshSummary:
    run_id: int
    batches: int = 0
    refreshed: int = 0
    unavailable: int = 0
    status: str = "completed"
    error: str | None = None
    fault: Exception | None = None  # what ended the run early (the scheduler stops or pauses on it)


REFRESHABLE = (Post.next_refresh_at.is_not(None), Post.deleted.is_(False))


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


def refresh_metrics(engine, config: Config, source: XSource, *, clock: Callable[[], datetime] = utcnow,
                    stop: threading.Event | None = None, max_batches: int = 50) -> RefreshSummary:
    """Refresh due posts, batch by batch, recording the work as a collection run of kind 'refresh'."""
    stop = stop or threading.Event()
    policy = config.metrics_refresh
    try:
        summary = _start(engine, clock())
    except DATABASE_FAULTS as e:
        raise DatabaseUnavailable(f"cannot start a metrics refresh: database error: {db_error_reason(e)}") from None
    try:
        try:
            while summary.batches < max_batches and not stop.is_set():
                with transaction(engine) as s:
                    ids = next_batch(s, clock(), policy)
                if not ids:
                    break
                page = _lookup_with_retries(engine, config, source, summary.run_id, ids, stop)
                _store_batch(engine, summary, ids, page, clock(), policy)
        except (CollectionHalted, SourceConfigError, GaveUp, RequestRejected) as e:
            summary.status, summary.error = ("halted" if isinstance(e, CollectionHalted) else "failed"), str(e)
            summary.fault = e
        _finish(engine, summary, clock())
    except DATABASE_FAULTS as e:
        # Each batch committed on its own: the posts of the lost batch are simply still due.
        message = f"database error during metrics refresh {summary.run_id}: {db_error_reason(e)}"
        summary.status, summary.error = "failed", message
        try:
            _finish(engine, summary, clock())
        except DATABASE_FAULTS:
            log.error("%s (the run could not be marked failed; the next refresh closes it)", message)
        raise DatabaseUnavailable(message) from None
    return summary


def _start(engine, now: datetime) -> RefreshSummary:
    """Open this refresh's run, closing any refresh run a killed process left 'running'
    (refreshes are not resumed: their posts are simply still due)."""
    with transaction(engine) as s:
        close_interrupted_runs(s, "refresh", now)
        run = CollectionRun(campaign="*", kind="refresh", query="GET /2/tweets", started_at=now, status="running")
        s.add(run)
        s.flush()
        return RefreshSummary(run.id)


def _lookup_with_retries(engine, config: Config, source: XSource, run_id: int, ids: list[str], stop) -> dict:
    record = lambda kind, detail, code=None, **counters: record_event(  # noqa: E731
        engine, run_id, utcnow(), kind, detail, code, **counters)
    return call_with_retries(lambda: source.lookup(ids).page, config, record, stop.is_set)


def _store_batch(engine, summary: RefreshSummary, ids: list[str], raw: dict, now: datetime,
                 policy: MetricsRefresh) -> None:
    returned = {str(p["id"]): p for p in (raw.get("data") or []) if isinstance(p, dict) and p.get("id")}
    gone = {}
    for err in raw.get("errors") or []:
        reason = UNAVAILABLE.get(problem_kind(err))
        rid = str(err.get("resource_id") or err.get("value") or "")
        if reason and rid in ids:
            gone[rid] = reason
    with transaction(engine) as s:
        lock(s)   # before updating posts: see summary.lock
        # The next read is the step after the one this read served: a post taken early to fill the
        # batch has served the step it was waiting for.
        following = {post_id: next_refresh_time(created, max(now, scheduled or now), policy)
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
        for post_id, reason in gone.items():
            s.execute(update(Post).where(Post.id == post_id).values(
                deleted=reason == "deleted", unavailable_reason=reason, next_refresh_at=None))
        forget_posts(s, gone)   # a post gone from X no longer counts for an MP
        resync_posts(s, returned.keys() & set(ids))  # new impressions and engagements, same transaction
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
    summary.batches += 1
    summary.refreshed += len(returned)
    summary.unavailable += len(gone)


def _finish(engine, summary: RefreshSummary, now: datetime) -> None:
    finish_run(engine, summary.run_id, now, summary.status, summary.error)
