"""SIGKILL the collector process at many points of a multi-page run; the database must end
holding exactly the posts the API served, none missing, none twice, no run left hanging: for X,
Bluesky and Mastodon, on SQLite and PostgreSQL."""
from __future__ import annotations

import contextlib
import os
import random
import signal
import subprocess
import sys
import threading

import pytest
from sqlalchemy import func, select

from monitor.db import make_engine, transaction
from monitor.models import CollectionRun, Post, RunPost
from tests.networks import NET_IDS, NETS, X_NET, write_network_config


class KillingCollector:
    """Runs `campaign-monitor collect --once` and SIGKILLs it when told to by the fake API."""

    def __init__(self, config_path: str, fake, env: dict):
        self.config_path = config_path
        self.env = env
        self.fake = fake
        self.proc: subprocess.Popen | None = None
        self.kill_at: int | None = None
        self.delay = 0.0
        self.first_request = 0
        fake.on_request = self._on_request

    def _on_request(self, number: int, path: str) -> None:
        if self.proc and self.kill_at is not None and number - self.first_request == self.kill_at:
            pid = self.proc.pid
            # delay 0: killed while waiting for this response; otherwise while it parses and stores.
            threading.Timer(self.delay, lambda: _kill(pid)).start()

    def run(self, kill_at: int | None, delay: float = 0.0) -> int:
        env = dict(os.environ, **self.env)
        self.first_request = len(self.fake.requests)
        self.kill_at, self.delay = kill_at, delay
        self.proc = subprocess.Popen([sys.executable, "-m", "monitor.cli", "--config", self.config_path,
                                      "--log-level", "ERROR", "collect", "--once"], env=env,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        _, err = self.proc.communicate(timeout=120)
        self.stderr = err.decode(errors="replace")[-2000:]
        return self.proc.returncode


def _kill(pid: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)


@pytest.mark.parametrize("net", NETS, ids=NET_IDS)
def test_sigkill_at_many_points_loses_and_duplicates_nothing(db_url, tmp_path, net):
    # X: one query of every term; Bluesky and Mastodon: a one-hashtag campaign (one run) with twice the posts
    fake = net.start(seed=5, days=3, posts_per_day=400 if net is X_NET else 800)
    try:
        config_path = write_network_config(tmp_path, db_url, net, fake)
        assert subprocess.run([sys.executable, "-m", "monitor.cli", "--config", config_path, "db", "upgrade"],
                              capture_output=True).returncode == 0
        expected = net.expected(fake, net.campaign(fake))
        assert len(expected) > 8 * net.page_size  # a run of many pages
        collector = KillingCollector(config_path, fake, net.env(fake))
        rng = random.Random(3)
        kills = 0
        # Each process is killed at its 1st, 2nd or 3rd request, at once or a moment after the
        # answer (while parsing, storing, committing): every launch gets at most a page or two further.
        for _attempt in range(14):
            code = collector.run(kill_at=rng.choice([1, 2, 2, 3]), delay=rng.choice([0.0, 0.01, 0.03, 0.08, 0.15]))
            kills += code == -signal.SIGKILL
        assert kills >= 10
        assert collector.run(kill_at=None) == 0, collector.stderr  # a clean run finishes the job
        engine = make_engine(db_url)
        with transaction(engine) as s:
            ids = list(s.scalars(select(Post.id)))
            networks = set(s.scalars(select(Post.network)))
            hanging = s.scalar(select(func.count()).select_from(CollectionRun).where(CollectionRun.status == "running"))
            linked = set(s.scalars(select(RunPost.post_id)))
        engine.dispose()
        assert len(ids) == len(set(ids))
        assert set(ids) == expected, f"missing {len(expected - set(ids))}, extra {len(set(ids) - expected)}"
        assert fake.served_ids <= set(ids)
        assert linked == set(ids)
        assert hanging == 0
        assert networks == {net.key}
    finally:
        fake.stop()
