"""The collector and the dashboard's queries sharing one SQLite file (WAL, busy timeout): while the collector
stores a multi-page run and then refreshes metrics, reader processes and a reader thread run the dashboard's
monitor.metrics queries in a loop. No reader or writer ever sees "database is locked", every reader's view
is consistent, and the file ends equal to what the API served."""
from __future__ import annotations

import logging
import multiprocessing
import threading
import time
from dataclasses import replace
from datetime import date, timedelta

from sqlalchemy import event, func, select, text, update

from monitor import metrics
from monitor.config import MetricsRefresh
from monitor.db import make_engine, transaction
from monitor.metrics import Filters
from monitor.models import Post
from monitor.refresh import refresh_metrics
from tests.reliability.helpers import CAMPAIGN, assert_database_equals_served, make_collector, start_fake

READER_PROCESSES = 3
DEADLINE_SECONDS = 45          # every loop here stops by then, whatever happens
ORPHAN_MATCHES = text("SELECT COUNT(*) FROM post_matches m LEFT JOIN posts p ON p.id = m.post_id WHERE p.id IS NULL")
ORPHAN_RUN_POSTS = text("SELECT COUNT(*) FROM run_posts r LEFT JOIN posts p ON p.id = r.post_id WHERE p.id IS NULL")


def _snapshot_engine(url: str):
    """The project's engine, with each Session transaction one SQLite read transaction (a WAL snapshot):
    pysqlite would otherwise run every SELECT in its own implicit transaction."""
    engine = make_engine(url)

    @event.listens_for(engine, "connect")
    def _autocommit_driver(dbapi_connection, _record):
        dbapi_connection.isolation_level = None

    @event.listens_for(engine, "begin")
    def _begin(connection):
        connection.exec_driver_sql("BEGIN")

    return engine


def read_loop(url: str, campaign: str, stop, deadline: float, max_rounds: int = 100_000) -> dict:
    """What the dashboard does, in a loop: KPIs, the timeline and top posts, each round in one snapshot.
    Returns what it saw: rounds, errors (by message), inconsistencies, last post count."""
    from sqlalchemy.orm import Session

    engine = _snapshot_engine(url)
    today = date.today()
    filters = Filters(campaign, today - timedelta(days=30), today + timedelta(days=1))
    seen = {"rounds": 0, "errors": [], "inconsistent": [], "posts": 0, "max_posts": 0}
    try:
        while not stop.is_set() and time.time() < deadline and seen["rounds"] < max_rounds:
            try:
                with Session(engine) as s, s.begin():
                    total = s.scalar(select(func.count()).select_from(Post))
                    kpis = metrics.kpis(s, filters)
                    day_posts = sum(p.posts for p in metrics.timeline(s, filters))
                    top = metrics.top_posts(s, filters, n=10)
                    orphans = s.execute(ORPHAN_MATCHES).scalar() + s.execute(ORPHAN_RUN_POSTS).scalar()
            except Exception as e:  # noqa: BLE001 - every failure is a finding, reported by the test
                seen["errors"].append(f"{type(e).__name__}: {str(e).splitlines()[0][:200]}")
                continue
            seen["rounds"] += 1
            problems = []
            if total < seen["max_posts"]:
                problems.append(f"posts went down {seen['max_posts']} -> {total}")
            if orphans:
                problems.append(f"{orphans} matches/run links to a missing post")
            if kpis.posts != day_posts:
                problems.append(f"KPI posts {kpis.posts} != timeline total {day_posts} in one snapshot")
            if kpis.posts > total or len(top) > min(10, kpis.posts):
                problems.append(f"KPI posts {kpis.posts}, top {len(top)}, total {total}")
            seen["inconsistent"] += problems
            seen["posts"], seen["max_posts"] = total, max(total, seen["max_posts"])
    finally:
        engine.dispose()
    return seen


def _reader_process(url, campaign, stop, deadline, results):
    results.put(read_loop(url, campaign, stop, deadline))


class _LockedLog(logging.Handler):
    def __init__(self):
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record):
        message = record.getMessage()
        if "locked" in message or "busy" in message:
            self.lines.append(message)


def test_collector_and_dashboard_queries_share_one_sqlite_file(sqlite_url, sqlite_engine, config):
    deadline = time.time() + DEADLINE_SECONDS
    fx = start_fake(seed=17, days=3, posts_per_day=400)
    context = multiprocessing.get_context("spawn")
    stop, results = context.Event(), context.Queue()
    readers = [context.Process(target=_reader_process, args=(sqlite_url, CAMPAIGN.name, stop, deadline, results))
               for _ in range(READER_PROCESSES)]
    thread_result: list[dict] = []
    thread = threading.Thread(target=lambda: thread_result.append(
        read_loop(sqlite_url, CAMPAIGN.name, stop, deadline)))
    locked_log = _LockedLog()
    logging.getLogger().addHandler(locked_log)
    try:
        for reader in readers:
            reader.start()
        thread.start()
        time.sleep(1.0)   # the readers are reading before the first page is stored
        # The full schedule: under the selective one, past UTC midnight most due posts are no longer worth a
        # read and the refresh would write far fewer batches (this test wants many concurrent writes).
        cfg = replace(config, metrics_refresh=MetricsRefresh(schedule_hours=(1, 3, 8, 24, 72), max_age_hours=72,
                                                             batch_size=100, selective=False))
        collector = make_collector(sqlite_engine, cfg, fx)
        [summary] = collector.collect_campaign(CAMPAIGN)
        assert summary.status == "completed" and summary.pages >= 20, summary
        fx.clock.advance(timedelta(hours=2))
        with transaction(sqlite_engine) as s:   # every post due, so the refresh writes many batches
            s.execute(update(Post).values(next_refresh_at=fx.clock() - timedelta(minutes=1)))
        refreshed = refresh_metrics(sqlite_engine, cfg, collector.source, clock=fx.clock, max_batches=20)
        assert refreshed.status == "completed" and refreshed.batches >= 10, refreshed
        time.sleep(1.0)   # the readers see the final state too
    finally:
        stop.set()
        seen = [results.get(timeout=max(5.0, deadline - time.time() + 15)) for _ in readers]
        for reader in readers:
            reader.join(timeout=15)
        thread.join(timeout=15)
        logging.getLogger().removeHandler(locked_log)
        fx.stop()
    seen += thread_result
    stored = assert_database_equals_served(sqlite_engine, fx)
    errors = [e for s in seen for e in s["errors"]]
    locked = [e for e in errors if "locked" in e or "busy" in e] + locked_log.lines
    rounds = [s["rounds"] for s in seen]
    print(f"\n{len(seen)} readers, {sum(rounds)} read rounds {rounds} while {summary.pages} pages were stored and "
          f"{refreshed.batches} refresh batches written; 'database is locked': {len(locked)}; errors: {len(errors)}; "
          f"posts stored {len(stored)} of {len(fx.visible_ids())} served, lost 0")
    assert locked == []
    assert errors == []
    assert [p for s in seen for p in s["inconsistent"]] == []
    assert all(r >= 5 for r in rounds), rounds                  # every reader really read, many times
    assert all(s["posts"] == len(stored) for s in seen)         # and finally saw every post
