"""Each source's health: per campaign and network, its last search run, last success, and the last day's
runs, requests, new posts, errors and rate-limit waits (with the last rate-limit message). The health page
shows one row per network a campaign collects, so a failing Mastodon server is seen beside a healthy X.

Three grouped statements over collection_runs (and run_events for the rate limits), however many runs.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, func, select

from monitor.config import Config
from monitor.metrics.health import stale_limit
from monitor.metrics.sql import Bind, aware, rows
from monitor.models import CollectionRun, RunEvent
from monitor.timeutil import utcnow

SOURCE_WINDOW = timedelta(hours=24)   # the health page's per-source counts cover this last stretch


@dataclass(frozen=True)
class SourceState:
    campaign: str
    network: str
    last_started: datetime | None = None
    last_status: str | None = None
    last_error: str | None = None
    last_success: datetime | None = None
    runs: int = 0                 # search runs started in the last SOURCE_WINDOW
    requests: int = 0
    posts_new: int = 0
    errors: int = 0
    rate_limit_waits: int = 0
    rate_limit_wait_seconds: float = 0.0
    last_rate_limit: datetime | None = None
    last_rate_limit_detail: str | None = None
    stale: bool = True

    @property
    def condition(self) -> str:
        if self.last_status == "failed":
            return "failing"
        return "stale" if self.stale else "ok"


def source_states(bind: Bind, config: Config, now: datetime | None = None) -> list[SourceState]:
    """One row per configured campaign and collected network, in config order."""
    now = now or utcnow()
    since = now - SOURCE_WINDOW
    r = CollectionRun
    key = (r.campaign, r.network)
    search = r.kind == "search"
    last_id = select(*key, func.max(r.id).label("id")).where(search).group_by(*key).subquery()
    last_ok = (select(*key, func.max(r.started_at).label("at")).where(search, r.status == "completed")
               .group_by(*key).subquery())
    last = (select(r.campaign, r.network, r.started_at, r.status, r.error, last_ok.c.at)
            .join(last_id, last_id.c.id == r.id)
            .outerjoin(last_ok, and_(last_ok.c.campaign == r.campaign, last_ok.c.network == r.network)))
    found = {(c, n): (aware(s), status, error, aware(ok) if ok else None)
             for c, n, s, status, error, ok in rows(bind, last)}
    counts = (select(*key, func.count(), func.sum(r.requests), func.sum(r.posts_new), func.sum(r.errors),
                     func.sum(r.rate_limit_waits), func.sum(r.rate_limit_wait_seconds))
              .where(search, r.started_at >= since).group_by(*key))
    window = {(row[0], row[1]): row[2:] for row in rows(bind, counts)}
    last_wait = (select(*key, func.max(RunEvent.id).label("id")).join(RunEvent, RunEvent.run_id == r.id)
                 .where(RunEvent.kind == "rate_limit", RunEvent.at >= since).group_by(*key).subquery())
    waits = {(c, n): (aware(at), detail) for c, n, at, detail in rows(bind, select(
        last_wait.c.campaign, last_wait.c.network, RunEvent.at, RunEvent.detail)
        .join(RunEvent, RunEvent.id == last_wait.c.id))}
    states = []
    for campaign in config.campaigns:
        for network in config.networks:
            states.append(_state(campaign.name, network, found.get((campaign.name, network)),
                                 window.get((campaign.name, network)), waits.get((campaign.name, network)),
                                 config.interval_minutes, now))
    return states


def _state(campaign: str, network: str, last, window, wait, interval_minutes: float, now: datetime) -> SourceState:
    started, status, error, success = last or (None, None, None, None)
    runs, requests, new, errors, waits, waited = window or (0, 0, 0, 0, 0, 0.0)
    at, detail = wait or (None, None)
    return SourceState(campaign, network, started, status, error, success, int(runs), int(requests or 0),
                       int(new or 0), int(errors or 0), int(waits or 0), float(waited or 0.0), at, detail,
                       stale=success is None or now - success > stale_limit(interval_minutes))
