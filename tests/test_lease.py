"""One collector per database (monitor.lease), on SQLite and PostgreSQL, with real `campaign-monitor`
processes against the simulated X API.

Before the lease, a second `run` started six seconds after the first took over the first's live run,
every poll was made twice and the backfill paged again: double API spend, runs that no longer said what
happened."""
from __future__ import annotations

import signal
import socket
import threading
from datetime import timedelta

import pytest
from sqlalchemy import update

from monitor.db import make_engine, transaction
from monitor.lease import Lease, LeaseHeld, LeaseLost, current_holder, lease_events, stale_after
from monitor.models import CollectorLease
from monitor.scheduler import CampaignScheduler
from monitor.sources.x import XSource
from monitor.timeutil import utcnow
from tests.helpers import TOKEN
from tests.processes import lease_config, one_line, run_cli, start_run, stop
from tests.reliability.helpers import CAMPAIGN, assert_database_equals_served, search_requests, start_fake

HOST = socket.gethostname()


def test_a_second_run_refuses_in_one_line_naming_the_first(db_url, tmp_path):
    fake = start_fake(seed=3, days=1, posts_per_day=200)
    config_path = lease_config(tmp_path, db_url, fake.base_url)
    engine = make_engine(db_url)
    first = start_run(config_path, engine)
    try:
        searches = len(search_requests(fake))
        second = run_cli(config_path, "run")
        assert second.returncode == 2
        line = one_line(second)
        assert line.startswith("error: another collector is running on this database: ")
        assert f"host {HOST} pid {first.pid} (run), started " in line and "stop it first" in line
        once = run_cli(config_path, "collect", "--once")  # respects it too
        assert once.returncode == 2 and f"pid {first.pid} (run)" in one_line(once)
        assert len(search_requests(fake)) == searches, "the refused processes asked the API"
        status = run_cli(config_path, "status")
        assert status.returncode == 0
        assert status.stdout.splitlines()[0].startswith(f"collector: host {HOST} pid {first.pid} (run), started ")
    finally:
        stop(first)
        fake.stop()
    assert first.returncode == 0, first.stderr.read()
    assert run_cli(config_path, "status").stdout.splitlines()[0] == \
        "collector: none running (no process holds the lease)"
    assert current_holder(engine) is None
    assert_database_equals_served(engine, fake)
    engine.dispose()


def test_a_killed_collector_on_this_host_is_taken_over_at_once_and_recorded(db_url, tmp_path):
    fake = start_fake(seed=4, days=1, posts_per_day=200)
    config_path = lease_config(tmp_path, db_url, fake.base_url)
    engine = make_engine(db_url)
    try:
        killed = start_run(config_path, engine)
        killed.send_signal(signal.SIGKILL)
        killed.wait(timeout=30)
        assert current_holder(engine).pid == killed.pid  # a SIGKILL releases nothing
        once = run_cli(config_path, "collect", "--once")
        assert once.returncode == 0, once.stderr
    finally:
        fake.stop()
    [event] = lease_events(engine)
    assert event.kind == "takeover"
    assert f"from host {HOST} pid {killed.pid} (run)" in event.detail
    assert "that process no longer runs on this host" in event.detail
    assert current_holder(engine) is None  # collect --once gave it back
    assert_database_equals_served(engine, fake)
    engine.dispose()


def hold_as_another_host(engine, renewed_minutes_ago: float) -> None:
    """What a collector on another host leaves in the row: held, renewed some minutes ago."""
    renewed = utcnow() - timedelta(minutes=renewed_minutes_ago)
    with transaction(engine) as s:
        s.execute(update(CollectorLease).values(holder="b" * 32, host="collector-2.example", pid=4242, command="run",
                                                started_at=renewed - timedelta(hours=5), renewed_at=renewed))


def test_another_hosts_lease_is_respected_until_it_lapses(db_url, tmp_path):
    fake = start_fake(seed=5, days=1, posts_per_day=100)
    config_path = lease_config(tmp_path, db_url, fake.base_url, interval_minutes=15)
    engine = make_engine(db_url)
    try:
        assert run_cli(config_path, "db", "upgrade").returncode == 0
        lapse = stale_after(15)
        assert lapse == timedelta(minutes=45)  # three intervals
        hold_as_another_host(engine, renewed_minutes_ago=44)
        refused = run_cli(config_path, "collect", "--once")
        assert refused.returncode == 2
        line = one_line(refused)
        assert "host collector-2.example pid 4242 (run)" in line and "when its lease lapses" in line
        assert search_requests(fake) == []
        hold_as_another_host(engine, renewed_minutes_ago=46)  # that host died 46 minutes ago
        taken = run_cli(config_path, "collect", "--once")
        assert taken.returncode == 0, taken.stderr
    finally:
        fake.stop()
    [event] = lease_events(engine)
    assert "from host collector-2.example pid 4242 (run)" in event.detail
    assert "it had not renewed the lease for 46 minutes" in event.detail
    engine.dispose()


def test_racing_for_a_free_lease_only_one_wins(engine):
    leases = [Lease(engine, 15, f"racer {i}") for i in range(6)]
    barrier = threading.Barrier(len(leases))
    outcome: dict[int, str] = {}

    def race(i: int) -> None:
        barrier.wait()
        try:
            leases[i].acquire()
            outcome[i] = "won"
        except LeaseHeld:
            outcome[i] = "refused"

    threads = [threading.Thread(target=race, args=(i,)) for i in range(len(leases))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert sorted(outcome.values()) == ["refused"] * 5 + ["won"]
    [winner] = [i for i, o in outcome.items() if o == "won"]
    assert current_holder(engine).command == f"racer {winner}"
    leases[winner].renew()
    for i, lease in enumerate(leases):
        if i != winner:
            with pytest.raises(LeaseLost):
                lease.renew()


def test_a_collector_whose_lease_was_taken_over_stops_before_polling(engine, config):
    fake = start_fake(seed=6, days=1, posts_per_day=100)
    mine = Lease(engine, config.interval_minutes, "run")
    mine.acquire()
    from dataclasses import replace
    cfg = replace(config, api_base_url=fake.base_url, campaigns=(CAMPAIGN,))
    scheduler = CampaignScheduler(engine, cfg, lambda _network: XSource(TOKEN, fake.base_url, timeout=2.0), lease=mine)
    try:
        scheduler.collect(CAMPAIGN)
        assert scheduler.fatal_error is None and len(search_requests(fake)) > 0
        # This process stalled past the limit and another collector took over.
        with transaction(engine) as s:
            s.execute(update(CollectorLease).values(renewed_at=utcnow() - mine.stale_after - timedelta(minutes=1),
                                                    host="stalled-host"))
        Lease(engine, config.interval_minutes, "run").acquire()
        searches = len(search_requests(fake))
        scheduler.collect(CAMPAIGN)
        assert isinstance(scheduler.fatal_error, LeaseLost)
        assert "lease on the database was taken over by host" in str(scheduler.fatal_error)
        assert len(search_requests(fake)) == searches  # stopped before asking X again
    finally:
        scheduler.shutdown()
        fake.stop()


def test_the_weekly_job_respects_the_lease(engine, config, tmp_path):
    """The Monday job runs only in the collector holding the lease: one whose lease was taken stops
    instead of writing (and e-mailing) the week's reports."""
    from dataclasses import replace

    mine = Lease(engine, config.interval_minutes, "run")
    mine.acquire()
    cfg = replace(config, reports_folder=str(tmp_path / "reports"))
    scheduler = CampaignScheduler(engine, cfg, lambda: None, lease=mine)
    try:
        with transaction(engine) as s:
            s.execute(update(CollectorLease).values(renewed_at=utcnow() - mine.stale_after - timedelta(minutes=1),
                                                    host="stalled-host"))
        Lease(engine, config.interval_minutes, "run").acquire()
        scheduler.weekly()
        assert isinstance(scheduler.fatal_error, LeaseLost)
        assert not (tmp_path / "reports").exists()
    finally:
        scheduler.shutdown()


def test_the_weekly_job_of_the_lease_holder_writes_the_reports(engine, config, tmp_path):
    from dataclasses import replace

    mine = Lease(engine, config.interval_minutes, "run")
    mine.acquire()
    cfg = replace(config, reports_folder=str(tmp_path / "reports"))
    scheduler = CampaignScheduler(engine, cfg, lambda: None, lease=mine)
    scheduler.weekly()
    assert scheduler.fatal_error is None
    assert sorted(p.suffix for p in (tmp_path / "reports").iterdir()) == [".csv", ".pdf", ".xlsx"]
