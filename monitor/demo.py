"""`make demo`: the whole thing on embedded defaults, against the simulated X API.

Starts the simulated API (wall-clock time, so new posts keep arriving), migrates the SQLite
file, starts the dashboard in its own process and runs the scheduler until Ctrl-C.
"""
from __future__ import annotations

import logging
import os
import subprocess
import sys
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from pathlib import Path

from monitor.config import ENV_BEARER
from monitor.db import make_engine, upgrade
from monitor.config import database_url

log = logging.getLogger(__name__)
DASHBOARD_APP = Path(__file__).resolve().parent.parent / "dashboard" / "app.py"
DEMO_TOKEN = "demo-token-for-the-simulated-api"


def dashboard_command(config_path: str | None, port: int) -> list[str]:
    return [sys.executable, "-m", "streamlit", "run", str(DASHBOARD_APP), "--server.port", str(port),
            "--server.headless", "true", "--browser.gatherUsageStats", "false", "--server.address", "127.0.0.1"]


def run_dashboard(config_path: str | None, port: int) -> int:
    env = dict(os.environ, **({"MONITOR_CONFIG": config_path} if config_path else {}))
    return subprocess.call(dashboard_command(config_path, port), env=env)


def start_dashboard(config_path: str | None, port: int) -> subprocess.Popen | None:
    if not DASHBOARD_APP.exists():
        log.warning("no dashboard yet (dashboard/app.py missing): running the collector only")
        return None
    env = dict(os.environ, **({"MONITOR_CONFIG": config_path} if config_path else {}))
    env["MONITOR_DEVELOPMENT"] = "1"  # the demo is a developer's laptop: the dashboard shows error details
    return subprocess.Popen(dashboard_command(config_path, port), env=env)


def run_demo(app, *, port: int, api_port: int, interval: float) -> int:
    from monitor.fakex import FakeX
    from monitor.lease import Lease
    from monitor.scheduler import CampaignScheduler
    from monitor.sources.x import XSource

    # The simulated API checks this token; it is not a real secret and never leaves this machine.
    token = os.environ.setdefault(ENV_BEARER, DEMO_TOKEN)
    campaign = app.config.campaigns[0]
    now = datetime.now(timezone.utc)
    fake = FakeX(seed=1, start=now - timedelta(days=6), days=10, posts_per_day=300, hashtags=campaign.hashtags,
                 mention=campaign.mentions[0] if campaign.mentions else "NAHTnews", bearer_token=token,
                 port=api_port, clock=lambda: datetime.now(timezone.utc))
    fake.start()
    config = replace(app.config, api_base_url=fake.base_url, interval_minutes=interval, backoff_seconds=1.0)
    engine = make_engine(database_url(config))
    upgrade(engine)
    dashboard = start_dashboard(app.config_path, port)
    log.info("simulated X API on %s; dashboard on http://localhost:%s; Ctrl-C stops", fake.base_url, port)
    lease = Lease(engine, config.interval_minutes, "demo")
    lease.acquire()
    scheduler = CampaignScheduler(engine, config, lambda: XSource(token, fake.base_url, config.request_timeout),
                                  lease=lease)
    try:
        scheduler.run()
    finally:
        lease.release()
        if dashboard:
            dashboard.terminate()
            dashboard.wait(timeout=10)
        fake.stop()
    return 0
