"""`campaign-monitor run`: polls on schedule, never overlaps, stops cleanly on SIGTERM/SIGINT, and stops
with the message when X refuses the token, whether collection or the metrics refresh meets it."""
import os
import signal
import subprocess
import sys
import threading
import time
from dataclasses import replace
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select, update
from sqlalchemy.exc import OperationalError

from monitor.config import default_config
from monitor.db import make_engine, transaction
from monitor.fakex import FakeX, Fault, SimClock
from monitor.lease import current_holder
from monitor.models import CollectionRun, Post
from monitor.scheduler import CampaignScheduler
from monitor.sources.x import SourceConfigError, XSource
from monitor.timeutil import UK
from tests.helpers import TOKEN
from tests.reliability.helpers import CAMPAIGN, LOOKUP, runs, start_fake


def test_jobs_never_overlap_and_missed_runs_coalesce(sqlite_engine):
    scheduler = CampaignScheduler(sqlite_engine, default_config(), source_factory=lambda _network: None)
    scheduler.add_jobs()
    jobs = {j.id: j for j in scheduler.scheduler.get_jobs()}
    assert set(jobs) == {"collect:x:invest-in-pupil-and-family-services", "refresh-metrics", "weekly-reports",
                         "privacy-retention", "alerts"}
    assert all(j.max_instances == 1 and j.coalesce for j in jobs.values())
    # the nightly retention runs at 03:30 UK time, both sides of a clock change
    retention = jobs["privacy-retention"].trigger
    first = retention.get_next_fire_time(None, datetime(2026, 10, 23, 12, 0, tzinfo=UK))
    second = retention.get_next_fire_time(first, first + timedelta(minutes=1))
    assert [(t.astimezone(UK).hour, t.astimezone(UK).minute) for t in (first, second)] == [(3, 30), (3, 30)]
    assert second.astimezone(timezone.utc) - first.astimezone(timezone.utc) == timedelta(hours=25)   # clocks go back


def test_each_network_is_collected_by_a_job_of_its_own_and_pauses_alone(sqlite_engine):
    """One job per campaign and network, and a deletion check job for each network but X (whose check follows
    its refresh); X's usage cap pauses X's collection and refresh, not the others, and pausing another
    network pauses its check with its collection."""
    from dataclasses import replace

    from monitor.networks import NETWORK_KEYS

    config = replace(default_config(), networks=NETWORK_KEYS)
    scheduler = CampaignScheduler(sqlite_engine, config, source_factory=lambda _network: None)
    scheduler.add_jobs()
    name = config.campaigns[0].name
    assert {j.id for j in scheduler.scheduler.get_jobs()} == {
        f"collect:{n}:{name}" for n in NETWORK_KEYS} | {"refresh-metrics", "weekly-reports", "privacy-retention",
                                                       "alerts", "deletion-check:bluesky", "deletion-check:mastodon"}
    scheduler._pause_collection("x")
    # (the scheduler is not started: a job gets a next_run_time when paused, None)
    paused = lambda: {j.id for j in scheduler.scheduler.get_jobs()  # noqa: E731
                      if getattr(j, "next_run_time", "not yet set") is None}
    assert paused() == {f"collect:x:{name}", "refresh-metrics"}
    scheduler._pause_collection("bluesky")
    assert paused() == {f"collect:x:{name}", "refresh-metrics", f"collect:bluesky:{name}", "deletion-check:bluesky"}


def completed_runs(db_url):
    engine = make_engine(db_url)
    try:
        with transaction(engine) as s:
            return list(s.scalars(select(CollectionRun).where(CollectionRun.kind == "search")))
    except OperationalError:  # `run` has not created the schema yet
        return []
    finally:
        engine.dispose()


@pytest.mark.parametrize("stop_signal", [signal.SIGTERM, signal.SIGINT])
def test_run_polls_and_stops_cleanly(tmp_path, stop_signal):
    """`campaign-monitor run` as systemd runs it: polls at once, stops on the signal with nothing left
    running, and gives the collector lease back (monitor.lease). Polling again every interval is
    test_polls_every_interval: the shortest interval a config accepts is a minute."""
    now = datetime.now(timezone.utc).replace(microsecond=0)
    fake = FakeX(seed=2, start=now - timedelta(days=1), days=1, posts_per_day=300, bearer_token=TOKEN,
                 clock=SimClock(now)).start()
    db_url = f"sqlite:///{tmp_path / 'm.db'}"
    config = tmp_path / "config.toml"
    config.write_text(f'[database]\nurl = "{db_url}"\n[x_api]\nbase_url = "{fake.base_url}"\n'
                      '[collection]\ninterval_minutes = 1\n'
                      '[[campaigns]]\nname = "ipfs"\nhashtags = ["InvestInPupilServices", "PupilAndFamilyServices", '
                      '"FundOurSchools"]\nmentions = ["NAHTnews"]\n')
    proc = subprocess.Popen([sys.executable, "-m", "monitor.cli", "--config", str(config), "run"],
                            env=dict(os.environ, X_BEARER_TOKEN=TOKEN), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.time() + 60
        while time.time() < deadline:
            if [r for r in completed_runs(db_url) if r.status == "completed"]:
                break
            time.sleep(0.5)
        proc.send_signal(stop_signal)
        _, err = proc.communicate(timeout=30)
    finally:
        proc.kill()
        fake.stop()
    assert proc.returncode == 0, err
    assert "scheduler stopped" in err
    assert TOKEN not in err
    runs = completed_runs(db_url)
    assert [r for r in runs if r.status == "completed"]
    assert not [r for r in runs if r.status == "running"]
    engine = make_engine(db_url)
    with transaction(engine) as s:
        assert set(s.scalars(select(Post.id))) == fake.visible_ids(fake.default_query)
    assert current_holder(engine) is None
    engine.dispose()


def test_polls_every_interval(sqlite_engine, config):
    """The scheduler itself, on a 1.2-second interval (set in code: a config file refuses under a minute)."""
    fx = start_fake()
    cfg = replace(config, api_base_url=fx.base_url, campaigns=(CAMPAIGN,), interval_minutes=0.02)
    scheduler = CampaignScheduler(sqlite_engine, cfg, lambda _network: XSource(TOKEN, fx.base_url, timeout=2.0))
    thread = threading.Thread(target=scheduler.run, kwargs={"install_signals": False}, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and len([r for r in runs(sqlite_engine, "search")
                                                   if r.status == "completed"]) < 3:
            time.sleep(0.2)
    finally:
        scheduler.shutdown()
        thread.join(timeout=30)
        fx.stop()
    assert len([r for r in runs(sqlite_engine, "search") if r.status == "completed"]) >= 3  # again and again
    assert not thread.is_alive()


def test_run_without_token_exits_2(tmp_path):
    result = subprocess.run([sys.executable, "-m", "monitor.cli", "run"], capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 2
    assert "X_BEARER_TOKEN" in result.stderr


# --- a refused token (401/403) stops the collector, whether collection or the metrics refresh meets it ---

def _started_scheduler(engine, config, fx):
    """A CampaignScheduler on the real BlockingScheduler, started paused in a thread (no job fires by
    itself: the test calls collect/refresh as the jobs would). Returns it and the thread, which ends
    when the scheduler shuts down, as `campaign-monitor run` returns then."""
    cfg = replace(config, api_base_url=fx.base_url, campaigns=(CAMPAIGN,))
    scheduler = CampaignScheduler(engine, cfg, lambda _network: XSource(TOKEN, fx.base_url, timeout=2.0))
    scheduler.add_jobs()
    thread = threading.Thread(target=scheduler.scheduler.start, kwargs={"paused": True}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not scheduler.scheduler.running and time.monotonic() < deadline:
        time.sleep(0.01)
    assert scheduler.scheduler.running
    return scheduler, thread


def _stopped_on_refused_token(scheduler, thread, status: int) -> None:
    thread.join(timeout=10)
    assert not thread.is_alive() and not scheduler.scheduler.running, "the collector kept polling"
    assert scheduler.stop.is_set()
    assert isinstance(scheduler.fatal_error, SourceConfigError)
    assert f"X API refused the credentials ({status})" in str(scheduler.fatal_error)  # what `run` prints
    assert "X_BEARER_TOKEN" in str(scheduler.fatal_error)


@pytest.mark.parametrize("kind, status", [("unauthorized", 401), ("forbidden", 403)])
def test_a_refused_token_met_by_the_metrics_refresh_stops_the_collector_like_one_met_by_collection(
        sqlite_engine, config, caplog, kind, status):
    fx = start_fake()
    started = []
    try:
        # Met by collection: the scheduler stops with the error (the reference behaviour).
        reference, thread = _started_scheduler(sqlite_engine, config, fx)
        started.append(reference)
        fx.inject(Fault(kind, count=50))
        reference.collect(CAMPAIGN)
        assert runs(sqlite_engine, "search")[-1].status == "failed"
        _stopped_on_refused_token(reference, thread, status)
        fx.clear_faults()

        # Collection works; then the metrics refresh meets the refused token.
        scheduler, thread = _started_scheduler(sqlite_engine, config, fx)
        started.append(scheduler)
        scheduler.collect(CAMPAIGN)
        assert runs(sqlite_engine, "search")[-1].status == "completed"
        assert scheduler.scheduler.running and scheduler.fatal_error is None
        with transaction(sqlite_engine) as s:  # every post long due, so the refresh asks at once
            s.execute(update(Post).values(next_refresh_at=datetime.now(timezone.utc) - timedelta(days=1)))
        fx.inject(Fault(kind, count=50, path_prefix=LOOKUP))
        lookups_before = sum(r["path"] == LOOKUP for r in fx.requests)
        caplog.clear()
        scheduler.refresh()
        refresh = runs(sqlite_engine, "refresh")[-1]
        assert refresh.status == "failed" and f"({status})" in refresh.error
        assert sum(r["path"] == LOOKUP for r in fx.requests) == lookups_before + 1  # asked once, no retries
        _stopped_on_refused_token(scheduler, thread, status)
        assert any(r.levelname == "CRITICAL" and "refused the credentials" in r.getMessage() and "stopping"
                   in r.getMessage() for r in caplog.records)
        assert TOKEN not in caplog.text
    finally:
        for s in started:
            s.shutdown()
        fx.stop()
