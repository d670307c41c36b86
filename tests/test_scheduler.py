"""`campaign-monitor run`: polls on schedule, never overlaps, stops cleanly on SIGTERM/SIGINT."""
import os
import signal
import subprocess
import sys
import time
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select
from sqlalchemy.exc import OperationalError

from monitor.config import default_config
from monitor.db import make_engine, transaction
from monitor.fakex import FakeX, SimClock
from monitor.models import CollectionRun, Post
from monitor.scheduler import CampaignScheduler
from tests.conftest import TOKEN


def test_jobs_never_overlap_and_missed_runs_coalesce(sqlite_engine):
    scheduler = CampaignScheduler(sqlite_engine, default_config(), source_factory=lambda: None)
    scheduler.add_jobs()
    jobs = {j.id: j for j in scheduler.scheduler.get_jobs()}
    assert set(jobs) == {"collect:invest-in-pupil-and-family-services", "refresh-metrics", "weekly-reports"}
    assert all(j.max_instances == 1 and j.coalesce for j in jobs.values())


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
def test_run_polls_every_interval_and_stops_cleanly(tmp_path, stop_signal):
    now = datetime.now(timezone.utc).replace(microsecond=0)
    fake = FakeX(seed=2, start=now - timedelta(days=1), days=1, posts_per_day=300, bearer_token=TOKEN,
                 clock=SimClock(now)).start()
    db_url = f"sqlite:///{tmp_path / 'm.db'}"
    config = tmp_path / "config.toml"
    config.write_text(f'[database]\nurl = "{db_url}"\n[x_api]\nbase_url = "{fake.base_url}"\n'
                      '[collection]\ninterval_minutes = 0.02\n'
                      '[[campaigns]]\nname = "ipfs"\nhashtags = ["InvestInPupilServices", "PupilAndFamilyServices", '
                      '"FundOurSchools"]\nmentions = ["NAHTnews"]\n')
    proc = subprocess.Popen([sys.executable, "-m", "monitor.cli", "--config", str(config), "run"],
                            env=dict(os.environ, X_BEARER_TOKEN=TOKEN), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.time() + 60
        while time.time() < deadline:
            if len([r for r in completed_runs(db_url) if r.status == "completed"]) >= 3:
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
    assert len([r for r in runs if r.status == "completed"]) >= 3  # polled again and again
    assert not [r for r in runs if r.status == "running"]
    engine = make_engine(db_url)
    with transaction(engine) as s:
        assert set(s.scalars(select(Post.id))) == fake.visible_ids(fake.default_query)
    engine.dispose()


def test_run_without_token_exits_2(tmp_path):
    result = subprocess.run([sys.executable, "-m", "monitor.cli", "run"], capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 2
    assert "X_BEARER_TOKEN" in result.stderr
