"""Personal data on the dashboard and in reports: how many posts of a period were removed (counted, not
listed), the last retention run, and the requests answered (monitor.privacy does the work)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select

from monitor.metrics.filters import Filters
from monitor.metrics.sql import Bind, aware, removed_slices, rows, summary_scope
from monitor.models import CollectionRun, DaySummary, PrivacyRequest, RunEvent

DELETION_CHECK_RUN_KIND = "recheck"   # collection_runs.kind (10 characters at most) of monitor.deletion_check


def removed_posts(bind: Bind, filters: Filters) -> int:
    """Posts in scope that were removed after they were collected (deleted or made private on its network, or
    erased on request): in every figure, in no list."""
    found = rows(bind, select(func.coalesce(func.sum(DaySummary.posts), 0))
                 .where(*summary_scope(filters), removed_slices()))
    return int(found[0][0])


@dataclass(frozen=True)
class RetentionRun:
    """The last run of a privacy job: the nightly retention, or the day's deletion check."""
    started_at: datetime
    status: str
    detail: str | None   # its counts (monitor.privacy.retention, monitor.deletion_check), or its error


def last_retention_run(bind: Bind) -> RetentionRun | None:
    return _last_run(bind, "retention")


def last_deletion_check(bind: Bind, network: str | None = None) -> RetentionRun | None:
    """The latest deletion check of one network (each has its own, monitor.deletion_check), or of any."""
    return _last_run(bind, DELETION_CHECK_RUN_KIND, network)


def _last_run(bind: Bind, kind: str, network: str | None = None) -> RetentionRun | None:
    """The latest run of `kind`, with the detail of its latest event of the same kind (its counts)."""
    scope = [CollectionRun.kind == kind] + ([CollectionRun.network == network] if network else [])
    run = rows(bind, select(CollectionRun.id, CollectionRun.started_at, CollectionRun.status, CollectionRun.error)
               .where(*scope).order_by(CollectionRun.id.desc()).limit(1))
    if not run:
        return None
    run_id, started, status, error = run[0]
    counts = rows(bind, select(RunEvent.detail).where(RunEvent.run_id == run_id, RunEvent.kind == kind)
                  .order_by(RunEvent.id.desc()).limit(1))
    return RetentionRun(aware(started), status, counts[0][0] if counts else error)


@dataclass(frozen=True)
class RequestRow:
    requested_at: datetime
    kind: str
    requested_by: str
    authors: int
    posts: int
    mentions: int


def privacy_requests(bind: Bind, n: int = 50) -> list[RequestRow]:
    """The n latest requests, newest first (never the handle: only its salted hash is stored)."""
    r = PrivacyRequest
    stmt = (select(r.requested_at, r.kind, r.requested_by, r.authors, r.posts, r.mentions)
            .order_by(r.id.desc()).limit(n))
    return [RequestRow(aware(at), *rest) for at, *rest in rows(bind, stmt)]
