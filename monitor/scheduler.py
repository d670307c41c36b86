"""When things run: one APScheduler job per campaign and network, one for the metrics refresh (X, then its
deletion check), one for the deletion check of each other network, the MP watch (X), the alerts, the
Monday reports and the nightly privacy retention.

The scheduler only decides when; the collector and refresh decide what. Jobs never overlap
(max_instances=1) and missed runs collapse into one (coalesce=True). SIGTERM/SIGINT set the
stop event (the running page finishes and is stored, the run stays resumable) and shut down.

Before every job it checks that the database is still the one it opened (monitor.dbcheck) and that
this process still holds the collector lease (monitor.lease); if either fails it stops, as on a
refused token: waiting would not help.
"""
from __future__ import annotations

import logging
import signal
import threading
from datetime import datetime, timedelta, timezone
from typing import Callable

from apscheduler.schedulers.blocking import BlockingScheduler
from sqlalchemy.engine import Engine

from monitor.alerts.digest import add_digest_job
from monitor.alerts.engine import run_alerts
from monitor.collector import Collector
from monitor.config import Campaign, Config
from monitor.db import DatabaseUnavailable
from monitor.dbcheck import DatabaseGone, DatabaseIdentity
from monitor.deletion_check import check_deletions
from monitor.lease import Lease, LeaseLost
from monitor.mps.watch import WatchCollector, check_keywords
from monitor.networks import X, label
from monitor.privacy import add_retention_job
from monitor.refresh import RefreshSummary, refresh_metrics
from monitor.reports.weekly_job import add_weekly_job, run_weekly_job
from monitor.sources.base import CollectionHalted, SearchSource, SourceConfigError

log = logging.getLogger(__name__)
ALERTS_EVERY = timedelta(minutes=5)   # rules evaluated and due deliveries sent this often
WATCH_JOB_PREFIX = "mp-watch:"   # + the campaign: the MP watch jobs (X)
CHECK_JOB_PREFIX = "deletion-check:"   # + the network: the deletion check of a network free to read


FATAL = (SourceConfigError, DatabaseGone, LeaseLost)


class CampaignScheduler:
    def __init__(self, engine: Engine, config: Config, source_factory: Callable[[str], SearchSource],
                 stop: threading.Event | None = None, lease: Lease | None = None):
        """source_factory(network) makes a source for one poll (monitor.sources.SourceFactory)."""
        self.engine = engine
        self.config = config
        self.source_factory = source_factory
        self.stop = stop or threading.Event()
        self.scheduler = BlockingScheduler(timezone="Europe/London")
        self.fatal_error: Exception | None = None
        self.lease = lease
        self.database = DatabaseIdentity(engine)

    def guard(self) -> None:
        """Before each job: the database is still there and the lease still ours (else DatabaseGone,
        LeaseLost; DatabaseUnavailable when it cannot be reached just now)."""
        self.database.check()
        if self.lease is not None:
            self.lease.renew()

    def add_jobs(self) -> None:
        interval = timedelta(minutes=self.config.interval_minutes)
        first = datetime.now(timezone.utc)
        for campaign in self.config.campaigns:
            for network in self.config.networks:
                self.scheduler.add_job(self.collect, "interval", args=[campaign, network],
                                       seconds=interval.total_seconds(), id=f"collect:{network}:{campaign.name}",
                                       name=f"collect {campaign.name} from {network}", max_instances=1,
                                       coalesce=True, next_run_time=first)
        if X in self.config.networks:
            self.scheduler.add_job(self.refresh, "interval", seconds=interval.total_seconds(), id="refresh-metrics",
                                   name="refresh metrics", max_instances=1, coalesce=True,
                                   next_run_time=first + timedelta(seconds=5))
        # X's deletion check follows its metrics refresh (one job under one budget); each other network's
        # has a job of its own, which does nothing once the UTC day's check is made.
        for network in self.config.networks:
            if network != X:
                self.scheduler.add_job(self.check_deletions, "interval", args=[network],
                                       seconds=interval.total_seconds(), id=f"{CHECK_JOB_PREFIX}{network}",
                                       name=f"deletion check of {network}", max_instances=1, coalesce=True,
                                       next_run_time=first + timedelta(seconds=20))
        add_weekly_job(self.scheduler, self.engine, self.config, job=self.weekly)
        add_retention_job(self.scheduler, self.engine, self.config)
        if self.config.alerts.digest:
            add_digest_job(self.scheduler, self.engine, self.config)
        self.scheduler.add_job(self.alerts, "interval", seconds=ALERTS_EVERY.total_seconds(), id="alerts",
                               name="alerts", max_instances=1, coalesce=True,
                               next_run_time=first + timedelta(seconds=30))
        if self.config.mp_watch.enabled and X in self.config.networks:
            self.add_watch_jobs(first)

    def alerts(self) -> None:
        """Rules and deliveries on a job of their own: an alert that cannot be sent never stops collection."""
        try:
            run_alerts(self.engine, self.config)
        except Exception:  # noqa: BLE001 - logged; the next run tries again
            log.exception("alerts: this pass failed; the next one tries again")

    def add_watch_jobs(self, first: datetime) -> None:
        """The MP watch of every campaign with keywords, on its own interval (monitor.mps.watch): X's."""
        check_keywords(self.config)
        seconds = timedelta(minutes=self.config.mp_watch.interval_minutes).total_seconds()
        for campaign in self.config.campaigns:
            if campaign.mp_watch_keywords:
                self.scheduler.add_job(self.collect, "interval", args=[campaign, X, WatchCollector], seconds=seconds,
                                       id=f"{WATCH_JOB_PREFIX}{campaign.name}", name=f"MP watch {campaign.name}",
                                       max_instances=1, coalesce=True, next_run_time=first + timedelta(seconds=10))

    def collect(self, campaign: Campaign, network: str = X, collector_class: type[Collector] = Collector) -> None:
        try:
            self.guard()
            collector = collector_class(self.engine, self.config, self.source_factory(network), stop=self.stop)
            for s in collector.collect_campaign(campaign):
                log.info("%s (%s): run %s %s, %s pages, %s new, %s updated%s", campaign.name, network, s.run_id,
                         s.status, s.pages, s.posts_new, s.posts_updated, f" ({s.error})" if s.error else "")
        except CollectionHalted as e:
            # Waiting will not help: stop polling that network rather than ask again every interval. (The
            # monthly budget is not this: a poll the budget has no room for is a paused run, and the next
            # poll tries again.)
            log.critical("%s; pausing collection from %s", e, network)
            self._pause_collection(network)
        except FATAL as e:
            self._fail(e)
        except DatabaseUnavailable as e:
            # The run stays resumable; the next interval tries again (PostgreSQL restarting, disk full).
            log.error("%s", e)

    def refresh(self) -> None:
        """The metrics refresh, then the day's deletion check (monitor.deletion_check) unless X stopped it."""
        try:
            self.guard()
            summary = refresh_metrics(self.engine, self.config, self.source_factory(X), stop=self.stop)
            if summary.refreshed or summary.unavailable or summary.error:
                log.info("metrics refresh: %s posts refreshed, %s unavailable%s", summary.refreshed,
                         summary.unavailable, f" ({summary.error})" if summary.error else "")
            if not self._stopped(summary):
                self._check_deletions(X)
        except FATAL as e:
            self._fail(e)
        except DatabaseUnavailable as e:
            log.error("%s", e)

    def check_deletions(self, network: str) -> None:
        """The job of a network free to read: its day's deletion check (X's follows its refresh)."""
        try:
            self.guard()
            self._check_deletions(network)
        except FATAL as e:
            self._fail(e)
        except DatabaseUnavailable as e:
            log.error("%s", e)

    def _check_deletions(self, network: str) -> None:
        """The network's day's deletion check (monitor.deletion_check), stopping or pausing on what ended it."""
        check = check_deletions(self.engine, self.config, self.source_factory(network), stop=self.stop)
        if check is not None:
            log.info("deletion check: %s posts still on %s, %s removed%s", check.refreshed, label(network),
                     check.removed_posts, f" ({check.error})" if check.error else "")
            self._stopped(check, network)

    def _stopped(self, summary: RefreshSummary, network: str = X) -> bool:
        """Stop or pause on what ended a refresh or a network's deletion check as a refused collection of that
        network would; True then."""
        if isinstance(summary.fault, SourceConfigError):
            # A refused token (401/403) refuses collection too: stop, as a refused collection does.
            self._fail(summary.fault)
            return True
        if summary.status == "halted":
            # The usage cap or spent credits stop collection too: pause it as a halted collection does.
            log.critical("%s; pausing collection from %s", summary.error, network)
            self._pause_collection(network)
            return True
        return False

    def weekly(self) -> None:
        try:
            self.guard()
            run_weekly_job(self.engine, self.config)
        except FATAL as e:
            self._fail(e)
        except DatabaseUnavailable as e:
            log.error("weekly reports not written: %s", e)

    def _pause_collection(self, network: str) -> None:
        """Pause one network's jobs (its deletion check, X's refresh and MP watch, with its collection): the
        others go on."""
        for job in self.scheduler.get_jobs():
            if job.id.startswith(f"collect:{network}:") or job.id == f"{CHECK_JOB_PREFIX}{network}" or (
                    network == X and (job.id == "refresh-metrics" or job.id.startswith(WATCH_JOB_PREFIX))):
                job.pause()

    def _fail(self, error: Exception) -> None:
        """A configuration error (the token refused) that waiting cannot fix: stop the collector; `run`
        exits non-zero with the message, so systemd/compose show it and do not restart in a loop."""
        log.critical("%s; stopping", error)
        self.fatal_error = error
        self.shutdown()

    def shutdown(self, *_signal) -> None:
        self.stop.set()
        if self.scheduler.running:
            self.scheduler.shutdown(wait=False)

    def run(self, install_signals: bool = True) -> None:
        """Block until SIGTERM/SIGINT or a fatal configuration error."""
        self.add_jobs()
        if self.lease is not None:
            self.lease.keep_renewed(on_lost=self._fail)
        if install_signals:
            signal.signal(signal.SIGTERM, self.shutdown)
            signal.signal(signal.SIGINT, self.shutdown)
        log.info("scheduler started: %s campaign(s), every %s min", len(self.config.campaigns),
                 self.config.interval_minutes)
        self.scheduler.start()
        log.info("scheduler stopped")
