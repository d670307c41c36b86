"""`make demo`: the whole thing on embedded defaults, against the simulated X API.

Starts the simulated API (wall-clock time, so new posts keep arriving), migrates the SQLite
file, starts the dashboard in its own process and runs the scheduler until Ctrl-C.
"""
from __future__ import annotations

import logging
import os
from dataclasses import replace
from datetime import datetime, timedelta, timezone

from monitor.config import ENV_BEARER, database_url
from monitor.db import make_engine, upgrade
from monitor.rematch import pending_rematch
from monitor.serve import dashboard_env, dashboard_server

log = logging.getLogger(__name__)
DEMO_TOKEN = "demo-token-for-the-simulated-api"


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
                 port=api_port, clock=lambda: datetime.now(timezone.utc), mps=True)
    fake.start()
    try:
        # The MP watch on, every 5 polls: the simulated MPs' posts on the campaign's subject reach the MPs page.
        config = replace(app.config, api_base_url=fake.base_url, interval_minutes=interval, backoff_seconds=1.0,
                         mp_watch=replace(app.config.mp_watch, enabled=True, interval_minutes=interval * 5))
        engine = make_engine(database_url(config))
        upgrade(engine)
        lease = Lease(engine, config.interval_minutes, "demo")
        lease.acquire()   # one collector per database, the demo's too
        try:
            pending_rematch(engine, config)
            # The demo is a developer's laptop: the dashboard shows error details.
            env = dashboard_env(config_path=app.config_path, MONITOR_DEVELOPMENT="1")
            with dashboard_server(env=env, port=port):
                log.info("simulated X API on %s; dashboard on http://localhost:%s; Ctrl-C stops", fake.base_url,
                         port)
                scheduler = CampaignScheduler(engine, config,
                                              lambda: XSource(token, fake.base_url, config.request_timeout),
                                              lease=lease)
                scheduler.run()
        finally:
            lease.release()
    finally:
        fake.stop()
    return 0
