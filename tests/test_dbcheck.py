"""The database is still there (monitor.dbcheck): a SQLite file deleted or replaced under a running
collector, a schema dropped, and `status` on a broken database.

Before the check, a collector whose SQLite file was deleted went on logging "run N completed, 1 new"
into the unlinked file for over a minute; afterwards every post was gone and `status` crashed with a
raw traceback (`disk I/O error`)."""
from __future__ import annotations

import os
import shutil
import signal
import sqlite3
import subprocess
import time
from dataclasses import replace

import pytest
from sqlalchemy import text

from monitor.db import make_engine
from monitor.dbcheck import DatabaseGone
from monitor.scheduler import CampaignScheduler
from monitor.schema import upgrade
from monitor.sources.x import XSource
from tests.helpers import TOKEN, cli, cli_env
from tests.processes import lease_config, start_run
from tests.reliability.helpers import CAMPAIGN, runs, search_requests, start_fake


def scheduler_for(engine, config, fake):
    cfg = replace(config, api_base_url=fake.base_url, campaigns=(CAMPAIGN,))
    return CampaignScheduler(engine, cfg, lambda _network: XSource(TOKEN, fake.base_url, timeout=2.0))


def sqlite_file(engine) -> str:
    return engine.url.database


@pytest.mark.parametrize("how", ["deleted", "replaced"])
def test_a_sqlite_file_deleted_or_replaced_stops_the_collector_before_it_polls(sqlite_engine, config, tmp_path, how):
    fake = start_fake(seed=8, days=1, posts_per_day=100)
    scheduler = scheduler_for(sqlite_engine, config, fake)
    try:
        scheduler.collect(CAMPAIGN)
        assert runs(sqlite_engine, "search")[-1].status == "completed"
        path = sqlite_file(sqlite_engine)
        os.unlink(path)
        if how == "replaced":  # a restored backup copied over it, say
            other = make_engine(f"sqlite:///{tmp_path / 'other.db'}")
            upgrade(other)
            other.dispose()
            shutil.copy(tmp_path / "other.db", path)
        searches = len(search_requests(fake))
        scheduler.collect(CAMPAIGN)
        assert isinstance(scheduler.fatal_error, DatabaseGone)
        message = str(scheduler.fatal_error)
        assert f"the SQLite database file {path} was {how}" in message and "\n" not in message
        assert "nothing is written into a file that is gone" in message
        assert len(search_requests(fake)) == searches, "it polled into a database that is gone"
        assert scheduler.stop.is_set()
    finally:
        scheduler.shutdown()
        fake.stop()


def test_a_dropped_schema_stops_the_collector(engine, config):
    fake = start_fake(seed=9, days=1, posts_per_day=50)
    scheduler = scheduler_for(engine, config, fake)
    try:
        with engine.begin() as conn:
            conn.execute(text("DROP TABLE alembic_version"))
        scheduler.refresh()
        assert isinstance(scheduler.fatal_error, DatabaseGone)
        assert "no longer holds the current schema (found none)" in str(scheduler.fatal_error)
        assert fake.requests == []
    finally:
        scheduler.shutdown()
        fake.stop()


def test_run_stops_with_exit_2_when_its_sqlite_file_is_deleted(tmp_path):
    """The real process, as it was seen: `run`, its file deleted after the first poll."""
    fake = start_fake(seed=10, days=1, posts_per_day=100)
    db = tmp_path / "m.db"
    config_path = lease_config(tmp_path, f"sqlite:///{db}", fake.base_url, interval_minutes=1)
    engine = make_engine(f"sqlite:///{db}")
    proc = start_run(config_path, engine)
    try:
        engine.dispose()
        os.unlink(db)
        deleted_at = time.monotonic()
        # The metrics refresh job, 5 s after the start, is the next job: it checks first.
        _, err = proc.communicate(timeout=90)
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
        fake.stop()
    assert proc.returncode == 2, err
    assert time.monotonic() - deleted_at < 70
    lines = err.strip().splitlines()
    assert lines[-1] == (f"error: the SQLite database file {db} was deleted while the collector ran: stopping so "
                         "that nothing is written into a file that is gone; restore the file from a backup "
                         "(deploy/README.md, Backups) or run `campaign-monitor db upgrade` to start a new one, then "
                         "start the collector again")


def test_status_on_a_deleted_sqlite_file_is_one_line(tmp_path):
    db = tmp_path / "m.db"
    config_path = lease_config(tmp_path, f"sqlite:///{db}", "http://127.0.0.1:9")
    assert subprocess.run(cli(config_path, "db", "upgrade"), env=cli_env(), capture_output=True).returncode == 0
    writer = sqlite3.connect(db)  # a collector's open connection: the WAL outlives the file
    writer.execute("PRAGMA journal_mode=WAL")
    writer.execute("CREATE TABLE scratch (x)")
    writer.execute("INSERT INTO scratch VALUES (1)")
    writer.commit()
    os.unlink(db)
    result = subprocess.run(cli(config_path, "status"), env=cli_env(), capture_output=True, text=True, timeout=60)
    writer.close()
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [f"error: database error on sqlite:///{db}: disk I/O error"]
