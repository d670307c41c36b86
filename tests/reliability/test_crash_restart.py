"""Crashes and restarts: SIGKILL at random points of collection and metrics-refresh processes,
PostgreSQL stopped and started under a running collector, a SQLite file on a full disk.

The property each test ends on: no post lost, none twice, no run left 'running', and the next
run (with the fault gone) continues from what was stored.
"""
from __future__ import annotations

import contextlib
import os
import random
import signal
import subprocess
import sys
import threading
import time
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import create_engine, event, select, text, update
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from monitor.db import DatabaseUnavailable, make_engine, transaction
from monitor.fakex import FakeX
from monitor.lease import current_holder, lease_events
from monitor.models import CollectionRun, Post, RunEvent
from monitor.schema import upgrade
from tests.helpers import PG_URL, cli, cli_env, write_config
from tests.reliability.helpers import (
    CAMPAIGN,
    SEARCH,
    assert_database_equals_served,
    make_collector,
    runs,
    start_fake,
    stored_ids,
)

PG_CLUSTER = ("15", "main")

REFRESH_ENTRY = """
import sys
from monitor.config import bearer_token, database_url, load_config
from monitor.db import make_engine
from monitor.refresh import refresh_metrics
from monitor.sources.x import XSource
config = load_config(sys.argv[1])
# max_batches well above the posts stored: the uninterrupted last refresh must reach every due post
summary = refresh_metrics(make_engine(database_url(config)), config,
                          XSource(bearer_token(), config.api_base_url, config.request_timeout), max_batches=1000)
print(summary.status, summary.batches, summary.refreshed)
"""


# The full schedule (every due post read): which reads the selective one takes depends on the hour.
RESTART_REFRESH = "schedule_hours = [1, 3, 8, 24, 72]\nmax_age_hours = 72\nbatch_size = 50\nselective = false"


def restart_config(folder: Path, db_url: str, base_url: str, interval_minutes: float = 15) -> str:
    """The config of these runs: two retries, the interval given, a refresh schedule of three days."""
    return write_config(folder, db_url, base_url, max_retries=2, interval_minutes=interval_minutes,
                        refresh=RESTART_REFRESH)


def _kill(proc: subprocess.Popen) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.kill(proc.pid, signal.SIGKILL)


class RandomKiller:
    """Launch a process and SIGKILL it at a random point: a random delay after its k-th request
    to the fake (k random), so it dies while waiting for an answer, parsing, storing or
    committing, having got at most a page or two further than the last process."""

    def __init__(self, fake: FakeX, rng: random.Random):
        self.fake, self.rng = fake, rng
        self.proc: subprocess.Popen | None = None
        self.kill_at: int | None = None
        self.delay = 0.0
        self.seen = 0

    def _on_request(self, _number: int, _path: str) -> None:
        self.seen += 1
        if self.proc is not None and self.seen == self.kill_at:
            threading.Timer(self.delay, _kill, args=[self.proc]).start()

    def run(self, command: list[str], kill: bool) -> int:
        self.seen = 0
        self.kill_at = self.rng.choice([1, 2, 2, 3]) if kill else None
        self.delay = self.rng.choice([0.0, 0.0, 0.02, 0.05, 0.1, 0.2, 0.3])
        self.fake.on_request = self._on_request
        self.proc = subprocess.Popen(command, env=cli_env(), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        _, err = self.proc.communicate(timeout=120)
        self.fake.on_request = None
        if self.proc.returncode not in (0, -signal.SIGKILL):
            pytest.fail(f"{command[-2:]} exited {self.proc.returncode}: {err.decode()[-800:]}")
        return self.proc.returncode


def test_sigkill_collection_and_refresh_at_random_points(db_url, tmp_path):
    rounds = 10 if db_url.startswith("sqlite") else 6
    fake = start_fake(seed=5, days=3, posts_per_day=400)
    engine = make_engine(db_url)
    try:
        upgrade(engine)
        config_path = restart_config(tmp_path, db_url, fake.base_url)
        expected = fake.visible_ids(fake.default_query)
        assert len(expected) > 1000   # a run of many pages
        killer = RandomKiller(fake, random.Random(20261123))
        collect_kills = sum(killer.run(cli(config_path, "collect", "--once"), kill=True) == -signal.SIGKILL
                            for _ in range(rounds))
        assert killer.run(cli(config_path, "collect", "--once"), kill=False) == 0
        assert_database_equals_served(engine, fake)

        # Every stored post falls due for a metrics refresh (for longer than the batching window, so
        # part-full batches go too); kill refreshes at random points.
        marker = datetime.now(timezone.utc)
        with transaction(engine) as s:
            s.execute(update(Post).values(next_refresh_at=marker - timedelta(hours=2)))
        refresh = [sys.executable, "-c", REFRESH_ENTRY, config_path, "refresh"]
        refresh_kills = sum(killer.run(refresh, kill=True) == -signal.SIGKILL for _ in range(rounds))
        assert killer.run(refresh, kill=False) == 0

        with transaction(engine) as s:
            posts = list(s.scalars(select(Post)))
            refreshes = list(s.scalars(select(CollectionRun).where(CollectionRun.kind == "refresh")
                                            .order_by(CollectionRun.id)))
        # nothing lost or doubled by the refreshes, every post refreshed once it was due
        assert sorted(p.id for p in posts) == sorted(expected)
        stale = [(p.id, p.created_at, p.metrics_updated_at, p.next_refresh_at) for p in posts
                 if not (p.metrics_updated_at >= marker and (p.next_refresh_at is None or p.next_refresh_at > marker))]
        assert stale == [], (len(stale), len(posts), [(r.status, r.pages) for r in refreshes])
        # every refresh run accounted for: killed ones closed by the next refresh, none left running
        assert [r.status for r in refreshes][-1] == "completed"
        assert all(r.status in ("completed", "failed") for r in refreshes)
        assert sum(r.status == "failed" and "interrupted" in r.error for r in refreshes) >= refresh_kills - 1
        assert_database_equals_served(engine, fake)
        print(f"SIGKILLed: {collect_kills} collections, {refresh_kills} refreshes; nothing lost or doubled")
        assert collect_kills >= rounds * 2 // 3 and refresh_kills >= rounds * 2 // 3, (collect_kills, refresh_kills)
    finally:
        engine.dispose()
        fake.stop()


# --- PostgreSQL stopped and started under a running collector -----------------------------------

def _pg_ctl(action: str) -> None:
    args = ["pg_ctlcluster", *PG_CLUSTER, action] + (["-m", "fast"] if action == "stop" else [])
    subprocess.run(args, check=True, capture_output=True, timeout=60)


def _wait_for_pg(timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if subprocess.run(["pg_isready", "-h", "127.0.0.1", "-p", "5432", "-q"]).returncode == 0:
            return
        time.sleep(0.2)
    raise AssertionError("PostgreSQL did not come back")


@pytest.fixture
def pg_database():
    """A fresh PostgreSQL database; PostgreSQL itself is always running again afterwards."""
    if not PG_URL:
        pytest.skip("MONITOR_TEST_PG_URL not set (make test sets it)")
    if subprocess.run(["which", "pg_ctlcluster"], capture_output=True).returncode != 0 or os.geteuid() != 0:
        pytest.skip("needs pg_ctlcluster and root to stop and start the PostgreSQL server")
    name = f"monitor_r_{uuid.uuid4().hex[:10]}"
    _admin(f'CREATE DATABASE "{name}"')
    try:
        yield make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        if subprocess.run(["pg_isready", "-h", "127.0.0.1", "-p", "5432", "-q"]).returncode != 0:
            _pg_ctl("start")
        _wait_for_pg()
        _admin(f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}'")
        _admin(f'DROP DATABASE IF EXISTS "{name}"')


def _admin(sql: str) -> None:
    """A connection of its own each time (NullPool): the server may have restarted in between."""
    admin = create_engine(make_url(PG_URL), isolation_level="AUTOCOMMIT", poolclass=NullPool)
    try:
        with admin.connect() as conn:
            conn.execute(text(sql))
    finally:
        admin.dispose()


def _stop_pg_at_search_request(fake: FakeX, number: int, stopped: threading.Event) -> None:
    def hook(_n, path):
        if path == SEARCH and not stopped.is_set() and sum(r["path"] == SEARCH for r in fake.requests) == number:
            _pg_ctl("stop")     # before this page is answered: the collector then tries to store it
            stopped.set()
    fake.on_request = hook


@pytest.mark.serial
def test_postgresql_stopped_mid_run_fails_clearly_and_the_next_run_resumes(pg_database, tmp_path):
    fake = start_fake(seed=5, days=2, posts_per_day=250)
    engine = make_engine(pg_database)
    try:
        upgrade(engine)
        config_path = restart_config(tmp_path, pg_database, fake.base_url)
        stopped = threading.Event()
        _stop_pg_at_search_request(fake, 3, stopped)
        down = subprocess.run(cli(config_path, "collect", "--once"), env=cli_env(), capture_output=True, text=True,
                              timeout=120)
        assert stopped.is_set()
        _pg_ctl("start")
        _wait_for_pg()
        # one clear line, exit 2 (a person may need to look at the database), no traceback
        assert down.returncode == 2, down.stderr
        assert "Traceback" not in down.stderr
        [line] = [ln for ln in down.stderr.splitlines() if ln.startswith("error:")]
        assert "database error during run" in line and "next run continues" in line
        engine.dispose()
        [run] = runs(engine, "search")
        assert run.status == "running" and run.pages == 2   # could not be marked: the server was down
        up = subprocess.run(cli(config_path, "collect", "--once"), env=cli_env(), capture_output=True, text=True,
                            timeout=120)
        assert up.returncode == 0, up.stderr
        [run] = runs(engine, "search")
        assert run.status == "completed" and run.resumes == 1
        assert_database_equals_served(engine, fake)
    finally:
        engine.dispose()
        fake.stop()


@pytest.mark.serial
def test_scheduler_keeps_going_through_a_postgresql_restart(pg_database, tmp_path):
    """`campaign-monitor run`: PostgreSQL goes away mid-run and comes back; the scheduler logs the
    reason, keeps polling, resumes the broken run and ends with everything stored once."""
    fake = start_fake(seed=5, days=2, posts_per_day=250)
    engine = make_engine(pg_database)
    proc = None
    try:
        upgrade(engine)
        # The shortest interval a config accepts: the next poll is a minute after the first.
        config_path = restart_config(tmp_path, pg_database, fake.base_url, interval_minutes=1)
        stopped = threading.Event()
        _stop_pg_at_search_request(fake, 2, stopped)
        proc = subprocess.Popen(cli(config_path, "run"), env=cli_env(), stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True)
        assert stopped.wait(60), "the collector never reached its second page"
        time.sleep(6)                       # the metrics refresh job (5 s after the start) meets it down too
        _pg_ctl("start")
        _wait_for_pg()
        engine.dispose()
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            statuses = [r.status for r in runs(engine, "search")]
            caught_up = fake.visible_ids(fake.default_query) <= set(stored_ids(engine))
            if statuses and statuses[0] == "completed" and caught_up:
                break
            time.sleep(0.5)
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=60)
        assert proc.returncode == 0, err[-2000:]
        assert "database error during run 1" in err
        assert "Traceback" not in err
        [first, *_] = runs(engine, "search")
        assert first.status == "completed" and first.resumes >= 1
        assert_database_equals_served(engine, fake)
    finally:
        if proc is not None and proc.poll() is None:
            _kill(proc)
            proc.wait()
        engine.dispose()
        fake.stop()


# --- a SQLite file on a full disk ---------------------------------------------------------------

@pytest.fixture
def small_disk(tmp_path):
    """A 2 MB tmpfs (root only): room for the schema and a few pages, not for the whole run."""
    mount_point = tmp_path / "small"
    mount_point.mkdir()
    if os.geteuid() != 0 or subprocess.run(["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(mount_point)],
                                           capture_output=True).returncode != 0:
        pytest.skip("cannot mount a small tmpfs here (needs root); "
                    "test_sqlite_full_database_emulated covers the same path with max_page_count")
    try:
        yield mount_point
    finally:
        subprocess.run(["umount", "-l", str(mount_point)], capture_output=True)


def _integrity(db_path: Path) -> str:
    import sqlite3
    with sqlite3.connect(db_path) as conn:
        return conn.execute("PRAGMA integrity_check").fetchone()[0]


def test_sqlite_disk_full_fails_clearly_keeps_the_file_sound_and_resumes(small_disk, tmp_path):
    fake = start_fake(seed=5, days=3, posts_per_day=250)
    db_path = small_disk / "monitor.db"
    db_url = f"sqlite:///{db_path}"
    try:
        config_path = restart_config(tmp_path, db_url, fake.base_url)
        assert subprocess.run(cli(config_path, "db", "upgrade"), env=cli_env(), capture_output=True).returncode == 0
        full = subprocess.run(cli(config_path, "collect", "--once"), env=cli_env(), capture_output=True, text=True,
                              timeout=120)
        assert full.returncode == 2, full.stderr
        assert "Traceback" not in full.stderr
        [line] = [ln for ln in full.stderr.splitlines() if ln.startswith("error:")]
        assert "database or disk is full" in line and "next run continues" in line
        assert _integrity(db_path) == "ok"
        engine = make_engine(db_url)
        kept = stored_ids(engine)
        assert 0 < len(kept) == len(set(kept)) and set(kept) <= fake.served_ids
        left_held = current_holder(engine)   # the disk may have had no room left to give the lease back
        engine.dispose()
        # more room (the operator cleans up), and the next run continues from the saved page
        subprocess.run(["mount", "-o", "remount,size=64m", str(small_disk)], check=True)
        again = subprocess.run(cli(config_path, "collect", "--once"), env=cli_env(), capture_output=True, text=True,
                               timeout=120)
        assert again.returncode == 0, again.stderr
        engine = make_engine(db_url)
        [run] = runs(engine, "search")
        assert run.status == "completed" and run.resumes == 1
        # A lease the dead process left held is taken over by the next run, on record (a run of kind
        # 'lease'); a lease it gave back is simply taken.
        takeovers = [e.detail for e in lease_events(engine)]
        assert len(takeovers) == (left_held is not None), takeovers
        assert all("that process no longer runs on this host" in t for t in takeovers)
        assert {r.kind for r in runs(engine)} <= {"search", "lease"}
        assert_database_equals_served(engine, fake)
        engine.dispose()
        assert _integrity(db_path) == "ok"
    finally:
        fake.stop()


def test_sqlite_full_database_emulated(sqlite_url, config, tmp_path):
    """The same without root: SQLite's max_page_count makes the file 'full' after the schema."""
    fake = start_fake(seed=5, days=3, posts_per_day=250)
    try:
        engine = make_engine(sqlite_url)
        upgrade(engine)
        with engine.connect() as conn:
            pages = conn.exec_driver_sql("PRAGMA page_count").scalar()
        engine.dispose()
        limited = make_engine(sqlite_url)
        event.listen(limited, "connect", lambda dbapi, _rec: dbapi.execute(f"PRAGMA max_page_count={pages + 150}"))
        with pytest.raises(DatabaseUnavailable, match="database or disk is full"):
            make_collector(limited, config, fake).collect_campaign(CAMPAIGN)
        [run] = runs(limited)
        assert run.status == "failed" and "database or disk is full" in run.error and run.pages >= 1
        with transaction(limited) as s:
            assert s.scalars(select(RunEvent.kind).where(RunEvent.run_id == run.id)).all()[-1] == "fatal"
        limited.dispose()
        engine = make_engine(sqlite_url)
        with engine.connect() as conn:
            assert conn.execute(text("PRAGMA integrity_check")).scalar() == "ok"
        [summary] = make_collector(engine, config, fake).collect_campaign(CAMPAIGN)
        assert summary.run_id == run.id and summary.status == "completed"
        assert_database_equals_served(engine, fake)
        engine.dispose()
    finally:
        fake.stop()
