"""Drive collection runs: query -> pages -> store -> checkpoint, crash-safe and incremental.

Each page is stored in one transaction together with the run's checkpoint (its next_token), so
a run killed at any point resumes from the last stored page. The search cursor (since_id) moves
to the first page's newest_id only in the transaction that stores the last page: a run that
never finishes never moves it, and the next poll cannot skip what that run had not reached.

The same for every network: the collector is given one source (monitor.sources: X, Bluesky,
Mastodon), which builds the queries, reads and parses pages and compares its markers; runs and
cursors are kept per network.
"""
from __future__ import annotations

import functools
import logging
import threading
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Callable

from sqlalchemy import select
from sqlalchemy.engine import Engine

from monitor.attribution import Attributor, latest_corrections
from monitor.billing import MENTIONS, Reads, record_reads
from monitor.budget import Budget, BudgetPaused
from monitor.config import Campaign, Config
from monitor.db import DATABASE_FAULTS, DatabaseUnavailable, db_error_reason, transaction
from monitor.models import CollectionRun, RunEvent, SearchCursor
from monitor.parse import ParsedPage
from monitor.refresh import next_refresh_time
from monitor.retry import GaveUp, call_with_retries
from monitor.runlog import finish_run, pause_run, run_recorder
from monitor.sources.base import (
    CollectionHalted,
    RequestRejected,
    SearchParams,
    SearchSource,
    SourceConfigError,
    describe_partial_errors,
)
from monitor.store import store_page
from monitor.timeutil import utcnow

log = logging.getLogger(__name__)

RESUMABLE = ("running", "failed", "stopped", "halted", "paused")


class RunFailed(Exception):
    pass


@dataclass
class RunSummary:
    run_id: int
    campaign: str
    network: str
    query: str
    status: str
    pages: int
    posts_new: int
    posts_updated: int
    error: str | None = None


class Collector:
    RUN_KIND = "search"   # collection_runs.kind of this collector's runs (the MP watch: monitor.mps.watch)

    def __init__(self, engine: Engine, config: Config, source: SearchSource, *,
                 clock: Callable[[], datetime] = utcnow, stop: threading.Event | None = None,
                 attributor: Attributor | None = None):
        self.engine = engine
        self.config = config
        self.source = source
        # No source: a bench storing X pages itself.
        self.network = getattr(source, "network", "x")
        self.metrics_refreshed = getattr(source, "metrics_refreshed", True)
        self.clock = clock
        self.stop = stop or threading.Event()
        self.attributor = attributor or Attributor(config)
        self.budget = Budget(engine, config, clock)

    # --- public -----------------------------------------------------------------------------

    def collect_campaign(self, campaign: Campaign) -> list[RunSummary]:
        """One poll of every query of the campaign. Raises CollectionHalted / SourceConfigError."""
        summaries = []
        for query in self.source.queries(campaign):
            if self.stop.is_set():
                break
            via = self.source.billed_as(query)
            try:
                if via is not None:   # a network that bills reads (X) polls within its budget
                    self.budget.require_poll(campaign.name, owned=via == MENTIONS)
            except BudgetPaused as e:
                summaries.append(self._paused(campaign, query, str(e)))
                continue
            summaries.append(self.run_query(campaign, query))
        return summaries

    def _paused(self, campaign: Campaign, query: str, reason: str) -> RunSummary:
        """The budget holds no room for this poll: say so once (a paused run with a 'budget' event) and
        wait; a run cut off by the cap stays resumable and goes on when the budget allows."""
        now = self.clock()
        with transaction(self.engine) as s:
            last = s.scalars(select(CollectionRun).where(
                CollectionRun.network == self.network, CollectionRun.campaign == campaign.name,
                CollectionRun.query == query, CollectionRun.kind == self.RUN_KIND)
                .order_by(CollectionRun.id.desc()).limit(1)).first()
            if last is not None and last.status == "paused":
                return RunSummary(last.id, campaign.name, self.network, query, "paused", 0, 0, 0, last.error)
            run = CollectionRun(campaign=campaign.name, network=self.network, kind=self.RUN_KIND, query=query,
                                started_at=now, status="running")
            s.add(run)
            s.flush()
            run_id = run.id
        log.warning("%s: %s", campaign.name, reason)
        pause_run(self.engine, run_id, now, reason)
        return RunSummary(run_id, campaign.name, self.network, query, "paused", 0, 0, 0, reason)

    def run_query(self, campaign: Campaign, query: str) -> RunSummary:
        """Raises DatabaseUnavailable when the database goes away (its run stays resumable)."""
        try:
            run_id = self._resume_or_start(campaign, query)
        except DATABASE_FAULTS as e:
            raise DatabaseUnavailable(f"{campaign.name}: cannot start a collection run: database error: "
                                      f"{db_error_reason(e)}") from None
        try:
            try:
                self._fetch_pages(run_id, campaign, query)
            except (CollectionHalted, SourceConfigError) as e:
                self._finish(run_id, "halted" if isinstance(e, CollectionHalted) else "failed", str(e), e.status)
                raise
            except RunFailed as e:
                self._finish(run_id, "failed", str(e))
            except BudgetPaused as e:
                log.warning("%s: %s", campaign.name, e)
                pause_run(self.engine, run_id, self.clock(), str(e))
            return self._summary(run_id)
        except DATABASE_FAULTS as e:
            raise self._database_fault(run_id, campaign, e) from None

    def _database_fault(self, run_id: int, campaign: Campaign, error: Exception) -> DatabaseUnavailable:
        """The database went away mid-run (server gone, disk full): every stored page is committed
        with its checkpoint, so mark the run failed if the database still lets us (else it stays
        'running'), and let the next run resume it."""
        message = (f"database error during run {run_id} of {campaign.name}: {db_error_reason(error)}; "
                   "what was stored is kept and the next run continues from there")
        try:
            self._finish(run_id, "failed", message)
        except DATABASE_FAULTS:
            log.error("%s (the run could not be marked failed; the next run resumes it)", message)
        return DatabaseUnavailable(message)

    # --- run lifecycle ----------------------------------------------------------------------

    def _resume_or_start(self, campaign: Campaign, query: str) -> int:
        now = self.clock()
        with transaction(self.engine) as s:
            unfinished = s.scalars(
                select(CollectionRun).where(CollectionRun.network == self.network,
                                            CollectionRun.campaign == campaign.name, CollectionRun.query == query,
                                            CollectionRun.kind == self.RUN_KIND, CollectionRun.status.in_(RESUMABLE),
                                            CollectionRun.next_token.is_not(None))
                .order_by(CollectionRun.id.desc()).limit(1)).first()
            # A run killed before storing its first page has nothing to resume: close it honestly.
            for stale in s.scalars(select(CollectionRun).where(
                    CollectionRun.network == self.network, CollectionRun.campaign == campaign.name,
                    CollectionRun.query == query,
                    CollectionRun.status == "running", CollectionRun.next_token.is_(None))):
                stale.status, stale.ended_at = "failed", now
                stale.error = stale.error or "interrupted before its first page was stored"
            if unfinished is not None and self._window_allows(unfinished, now):
                unfinished.status, unfinished.resumes = "running", unfinished.resumes + 1
                unfinished.ended_at = None
                log.info("resuming run %s of %s from its saved page token", unfinished.id, campaign.name)
                return unfinished.id
            if unfinished is not None:
                unfinished.status, unfinished.next_token = "failed", None
                unfinished.error = "abandoned: its since_id fell out of the search window"
            cursor = s.get(SearchCursor, (self.network, campaign.name, query))
            since_id, start_time = self._starting_point(campaign, cursor, now)
            run = CollectionRun(campaign=campaign.name, network=self.network, kind=self.RUN_KIND, query=query,
                                since_id=since_id, start_time=start_time, started_at=now, status="running",
                                interval_minutes=self.config.interval_minutes)
            s.add(run)
            s.flush()
            if cursor and cursor.since_id and since_id is None:
                # Collection stopped for over a week: say so, posts older than the window are out of reach.
                s.add(RunEvent(run_id=run.id, at=now, kind="fallback", detail=(
                    f"since_id {cursor.since_id} is older than the {self.source.window.days}-day search window; "
                    f"searching from {start_time:%Y-%m-%d %H:%M} UTC: posts between the two may be missing")))
            return run.id

    def _window_allows(self, run: CollectionRun, now: datetime) -> bool:
        if run.since_id:
            return self.source.since_usable(run.since_id, now - self.source.window)
        return run.start_time is None or run.start_time > now - self.source.window

    def _starting_point(self, campaign: Campaign, cursor: SearchCursor | None, now: datetime):
        earliest = now - self.source.window + self.source.window_margin
        if cursor and cursor.since_id and self.source.since_usable(cursor.since_id, earliest):
            return cursor.since_id, None
        start = earliest
        if campaign.start_date:
            campaign_start = datetime.combine(campaign.start_date, datetime.min.time(), tzinfo=timezone.utc)
            start = max(start, campaign_start)
        return None, start

    def _finish(self, run_id: int, status: str, error: str | None = None, status_code: int | None = None):
        finish_run(self.engine, run_id, self.clock(), status, error, status_code)

    def _summary(self, run_id: int) -> RunSummary:
        with transaction(self.engine) as s:
            r = s.get(CollectionRun, run_id)
            return RunSummary(r.id, r.campaign, r.network, r.query, r.status, r.pages, r.posts_new, r.posts_updated,
                              r.error)

    # --- pages --------------------------------------------------------------------------------

    def _fetch_pages(self, run_id: int, campaign: Campaign, query: str) -> None:
        fell_back = False
        while True:
            with transaction(self.engine) as s:
                run = s.get(CollectionRun, run_id)
                params = SearchParams(query, run.since_id, run.start_time, run.next_token)
            if self.stop.is_set():
                self._finish(run_id, "stopped", None)
                return
            via = self.source.billed_as(query)
            if via is not None:
                self.budget.require_page(owned=via == MENTIONS)
            page = self._request_with_retries(run_id, functools.partial(self.source.search_page, params, self.clock()),
                                              params)
            if page is None:  # search start refused: restarted from the window's edge, once
                if fell_back:
                    raise RunFailed("the API refused the search start twice; check the machine's clock")
                fell_back = True
                continue
            if self._store(run_id, campaign, page, via):
                return

    def _store(self, run_id: int, campaign: Campaign, page: ParsedPage, via: str | None = None) -> bool:
        """Store a page, what it billed (`via`: how its network bills it, None where it does not) and the
        run's checkpoint in one transaction; True when it was the last."""
        now = self.clock()
        refresh = self.config.metrics_refresh
        with transaction(self.engine) as s:
            if via is not None:
                record_reads(s, page.reads or Reads(), now, via, self.config.prices, owned=via == MENTIONS)
            self.attributor.attribute_page(page, latest_corrections(s, page.authors))
            result = store_page(s, page, now, run_id=run_id, campaign=campaign.name, terms=campaign.all_terms,
                                next_refresh=(lambda created, at: next_refresh_time(created, at, refresh))
                                if self.metrics_refreshed else None)
            self.after_store(s, campaign, page)
            run = s.get(CollectionRun, run_id)
            if run.pages == 0 or run.newest_id is None:
                run.newest_id = page.newest_id
            run.pages += 1
            run.requests += 1
            run.posts_read += len(page.posts)
            run.posts_new += result.new
            run.posts_updated += result.updated
            run.next_token = page.next_token
            if page.errors:
                run.errors += 1
                s.add(RunEvent(run_id=run_id, at=now, kind="partial_error",
                               detail=describe_partial_errors(page.errors)))
            last = page.next_token is None
            log.debug("run %s page %s stored: %s posts, %s new%s", run_id, run.pages, len(page.posts), result.new,
                      "" if last else ", more to come")
            if last:
                run.status, run.ended_at = "completed", now
                self._advance_cursor(s, run, now)
        return last

    def after_store(self, session, campaign: Campaign, page: ParsedPage) -> None:
        """What a kind of collector adds to a stored page, in the same transaction (nothing, for search)."""

    def _advance_cursor(self, s, run: CollectionRun, now: datetime) -> None:
        if run.newest_id is None:
            return  # nothing new: keep the old cursor (or start_time next time)
        cursor = s.get(SearchCursor, (self.network, run.campaign, run.query))
        if cursor is None:
            s.add(SearchCursor(network=self.network, campaign=run.campaign, query=run.query, since_id=run.newest_id,
                               updated_at=now))
        elif cursor.since_id is None or self.source.newer(run.newest_id, cursor.since_id):
            cursor.since_id, cursor.updated_at = run.newest_id, now

    # --- faults -------------------------------------------------------------------------------

    def _request_with_retries(self, run_id: int, call, params: SearchParams):
        try:
            return call_with_retries(call, self.config, run_recorder(self.engine, run_id, self.clock), self.stop.is_set)
        except GaveUp as e:
            raise RunFailed(str(e)) from None
        except RequestRejected as e:
            # A since_id or start_time that fell out of the 7-day window: start again from its edge.
            if "since_id" in str(e).lower() or "start_time" in str(e).lower():
                self._fall_back_to_start_time(run_id, str(e))
                return None
            raise RunFailed(str(e)) from None

    def _fall_back_to_start_time(self, run_id: int, reason: str) -> None:
        now = self.clock()
        with transaction(self.engine) as s:
            run = s.get(CollectionRun, run_id)
            run.since_id, run.next_token, run.newest_id = None, None, None
            run.start_time = now - self.source.window + self.source.window_margin
            s.add(RunEvent(run_id=run_id, at=now, kind="fallback", status_code=400,
                           detail=f"search start refused ({reason}); searching from start_time "
                                  f"{run.start_time:%Y-%m-%d %H:%M} UTC instead"))


def collect_once(engine: Engine, config: Config, sources: SearchSource | list[SearchSource],
                 campaigns: list[Campaign] | None = None, stop: threading.Event | None = None,
                 guard: Callable[[], None] | None = None) -> list[RunSummary]:
    """One poll of every campaign on every source given (one per network); `guard()` before each
    (monitor.dbcheck: the database is still there)."""
    summaries: list[RunSummary] = []
    for source in sources if isinstance(sources, list) else [sources]:
        collector = Collector(engine, config, source, stop=stop)
        for campaign in campaigns or list(config.campaigns):
            if guard is not None:
                guard()
            summaries += collector.collect_campaign(campaign)
    return summaries
