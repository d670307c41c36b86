"""Retention by default: every night (and by `campaign-monitor privacy retention`) raw API responses older
than [privacy] raw_json_days are dropped (the parsed columns stay), authors not seen for
author_inactive_days lose their profile, and any removal not finished yet (a post flagged deleted or
protected before this version) is done. The run is recorded as a collection run of kind 'retention' with
an event giving its counts; then stored reports and the database files are cleared of what was removed.

Each step commits in chunks, so the collector is never held up for long, and a run cut short is simply
continued by the next one (every step looks for what is still to do).
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from apscheduler.triggers.cron import CronTrigger
from sqlalchemy import delete, select, update
from sqlalchemy.engine import Engine

from monitor.config import Config
from monitor.db import transaction
from monitor.models import Author, AuthorFollowers, CollectionRun, Post
from monitor.privacy.removal import DELETED, PROTECTED, REASONS, Removed, remove_authors, remove_posts
from monitor.privacy.storage import after_removal
from monitor.runlog import close_interrupted_runs, finish_run, record_event
from monitor.summary import lock
from monitor.timeutil import UK, utcnow

log = logging.getLogger(__name__)

CHUNK = 2_000   # rows a transaction: short enough not to hold up the collector's next page
JOB_ID = "privacy-retention"
RUN_AT = {"hour": 3, "minute": 30}   # UK time: after the day's posting, before Monday's 07:00 reports
MISFIRE_GRACE_SECONDS = 12 * 3600
EVENT_KIND = "retention"

# What an inactive author's profile is reduced to. The id and handle stay: their posts are still
# public campaign posts, listed with their handle.
PROFILE_REMOVED = {"name": None, "location": None, "description": None, "created_at": None, "followers_count": 0,
                   "following_count": 0, "tweet_count": 0, "listed_count": 0, "verified": False,
                   "verified_type": None, "raw": {}, "region_detail": None, "region_version": None}


@dataclass
class RetentionSummary:
    run_id: int
    posts_raw_dropped: int = 0
    authors_raw_dropped: int = 0
    profiles_removed: int = 0
    posts_removed: int = 0      # removals left over (flagged before this version)
    authors_removed: int = 0
    residue_cleared: bool | None = None

    def describe(self) -> str:
        return (f"raw JSON dropped from {self.posts_raw_dropped:,} posts and {self.authors_raw_dropped:,} authors; "
                f"{self.profiles_removed:,} inactive authors' profiles removed; {self.posts_removed:,} posts and "
                f"{self.authors_removed:,} authors removed (deleted or protected on X)")


def run_retention(engine: Engine, config: Config, now: datetime | None = None) -> RetentionSummary:
    now = now or utcnow()
    policy = config.privacy
    with transaction(engine) as s:
        close_interrupted_runs(s, "retention", now)
        run = CollectionRun(campaign="*", kind="retention", query="privacy retention", started_at=now,
                            status="running")
        s.add(run)
        s.flush()
        summary = RetentionSummary(run.id)
    try:
        removed = finish_pending_removals(engine, now)
        summary.posts_removed, summary.authors_removed = removed.posts, removed.authors
        summary.posts_raw_dropped = drop_post_raw(engine, now - timedelta(days=policy.raw_json_days), now)
        summary.authors_raw_dropped = drop_author_raw(engine, now - timedelta(days=policy.raw_json_days), now)
        summary.profiles_removed = remove_inactive_profiles(engine, now - timedelta(days=policy.author_inactive_days),
                                                            now)
    except Exception as e:
        finish_run(engine, summary.run_id, utcnow(), "failed", f"{type(e).__name__}: {e}")
        raise
    record_event(engine, summary.run_id, utcnow(), EVENT_KIND, summary.describe())
    summary.residue_cleared = after_removal(engine, config, now)
    finish_run(engine, summary.run_id, utcnow(), "completed")
    log.info("privacy retention: %s", summary.describe())
    return summary


def finish_pending_removals(engine: Engine, now: datetime) -> Removed:
    """Posts flagged deleted or protected but not removed (stored before this version): removed now,
    a protected post's author with all their posts."""
    removed = Removed()
    while True:
        with transaction(engine) as s:
            rows = s.execute(select(Post.id, Post.author_id, Post.unavailable_reason)
                             .where(Post.unavailable_reason.is_not(None), Post.removed_at.is_(None))
                             .limit(CHUNK)).all()
            if not rows:
                return removed
            protected_authors = {a for _, a, reason in rows if reason == PROTECTED and a is not None}
            removed += remove_authors(s, protected_authors, PROTECTED, now)
            for post_id, author_id, reason in rows:
                if not (reason == PROTECTED and author_id is not None):
                    removed += remove_posts(s, [post_id], reason if reason in REASONS else DELETED, now)


def _in_chunks(engine: Engine, find, change) -> int:
    """Find up to CHUNK ids, change them, commit; again until none is found."""
    done = 0
    while True:
        with transaction(engine) as s:
            ids = list(s.scalars(find.limit(CHUNK)))
            if not ids:
                return done
            lock(s)   # before updating posts or authors: see summary.lock
            change(s, ids)
        done += len(ids)


def drop_post_raw(engine: Engine, cutoff: datetime, now: datetime) -> int:
    """Posts first seen before the cutoff lose their raw JSON (ix_posts_raw_kept finds them)."""
    find = select(Post.id).where(Post.raw_dropped_at.is_(None), Post.first_seen_at < cutoff)
    return _in_chunks(engine, find, lambda s, ids: s.execute(
        update(Post).where(Post.id.in_(ids)).values(raw={}, raw_dropped_at=now)))


def drop_author_raw(engine: Engine, cutoff: datetime, now: datetime) -> int:
    """Authors last seen before the cutoff (their raw JSON is from then) lose it."""
    find = select(Author.id).where(Author.raw_dropped_at.is_(None), Author.last_seen_at < cutoff)
    return _in_chunks(engine, find, lambda s, ids: s.execute(
        update(Author).where(Author.id.in_(ids)).values(raw={}, raw_dropped_at=now)))


def remove_inactive_profiles(engine: Engine, cutoff: datetime, now: datetime) -> int:
    """Authors last seen before the cutoff keep only their id, handle and region (their posts keep
    theirs) and the corrections staff made; their follower history goes. Seen again, their profile is stored afresh."""
    find = select(Author.id).where(Author.profile_removed_at.is_(None), Author.last_seen_at < cutoff)

    def change(s, ids):
        s.execute(update(Author).where(Author.id.in_(ids)).values(**PROFILE_REMOVED, raw_dropped_at=now,
                                                                     profile_removed_at=now))
        s.execute(delete(AuthorFollowers).where(AuthorFollowers.author_id.in_(ids)))

    return _in_chunks(engine, find, change)


def add_retention_job(scheduler, engine: Engine, config: Config) -> None:
    """Register the nightly run on an APScheduler 3 scheduler (beside the collector's jobs)."""
    scheduler.add_job(_nightly, CronTrigger(**RUN_AT, timezone=UK), args=[engine, config], id=JOB_ID,
                      name="privacy retention", max_instances=1, coalesce=True,
                      misfire_grace_time=MISFIRE_GRACE_SECONDS, replace_existing=True)


def _nightly(engine: Engine, config: Config) -> None:
    try:
        run_retention(engine, config)
    except Exception:  # noqa: BLE001 - recorded on the run; the next night tries again
        log.exception("privacy retention failed")
