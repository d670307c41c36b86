"""`make demo`: the whole thing on embedded defaults, against the simulated X API, Bluesky and Mastodon.

Starts the three simulated networks (wall-clock time, so new posts keep arriving), migrates the SQLite
file, starts the dashboard in its own process and runs the scheduler until Ctrl-C.
"""
from __future__ import annotations

import json
import logging
import os
import tempfile
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from pathlib import Path

from sqlalchemy import func, select

from monitor.actions import ActionInput, add_action
from monitor.config import ENV_BEARER, ENV_BLUESKY_HANDLE, ENV_BLUESKY_PASSWORD, database_url
from monitor.db import make_engine, transaction
from monitor.fakenet import FakeBluesky, FakeMastodon
from monitor.fakex import FakeX
from monitor.fakex.actions import DEMO_ACTIONS, add_action_bumps
from monitor.importer import import_jsonl
from monitor.lease import Lease
from monitor.models import Action, Post
from monitor.networks import NETWORK_KEYS
from monitor.rematch import pending_rematch
from monitor.scheduler import CampaignScheduler
from monitor.schema import upgrade
from monitor.serve import dashboard_env, dashboard_server
from monitor.sources import SourceFactory
from monitor.sources.x import SEARCH_WINDOW
from monitor.timeutil import uk_today

log = logging.getLogger(__name__)
DEMO_TOKEN = "demo-token-for-the-simulated-api"
# The simulated Bluesky's account: not a real secret, it never leaves this machine.
DEMO_BLUESKY = ("monitor-demo.bsky.social", "demo-app-password-for-the-simulated-server")
DEMO_MASTODON_SERVERS = ("schools.social", "teachers.example")
# The simulated world starts this many days back, so the demo's campaign actions have whole weeks before and
# after them: what X's 7-day search cannot reach is loaded once, as an archive import would (seed_history).
HISTORY_DAYS = 20
FUTURE_DAYS = 4       # and runs on this many days, posting as the wall clock reaches them
RECORDED_BY = "demo (simulated)"


def run_demo(app, *, port: int, api_port: int, interval: float) -> int:
    token = os.environ.setdefault(ENV_BEARER, DEMO_TOKEN)
    os.environ.setdefault(ENV_BLUESKY_HANDLE, DEMO_BLUESKY[0])
    os.environ.setdefault(ENV_BLUESKY_PASSWORD, DEMO_BLUESKY[1])
    campaign = app.config.campaigns[0]
    now = datetime.now(timezone.utc)
    wall = lambda: datetime.now(timezone.utc)  # noqa: E731
    common = {"start": now - timedelta(days=6), "days": 10, "hashtags": campaign.hashtags, "clock": wall}
    fake = simulated_x(campaign, now, bearer_token=token, port=api_port, clock=wall)
    bluesky = FakeBluesky(seed=2, posts_per_day=150, port=api_port + 1, handle=os.environ[ENV_BLUESKY_HANDLE],
                          app_password=os.environ[ENV_BLUESKY_PASSWORD],
                          mention=(campaign.bluesky_mentions or ("nahtnews.bsky.social",))[0], **common)
    mastodon = FakeMastodon(seed=3, posts_per_day=60, port=api_port + 2, domains=DEMO_MASTODON_SERVERS, **common)
    for server in (fake, bluesky, mastodon):
        server.start()
    try:
        demo_campaign = replace(campaign, bluesky_mentions=(bluesky.mention_handle,),
                                mastodon_servers=mastodon.base_urls)
        # The MP watch on, every 5 polls: the simulated MPs' posts on the campaign's subject reach the MPs page.
        config = replace(app.config, api_base_url=fake.base_url, bluesky_base_url=bluesky.base_url,
                         interval_minutes=interval, backoff_seconds=1.0, networks=NETWORK_KEYS,
                         campaigns=(demo_campaign, *app.config.campaigns[1:]),
                         mp_watch=replace(app.config.mp_watch, enabled=True, interval_minutes=interval * 5))
        engine = make_engine(database_url(config))
        upgrade(engine)
        seed_history(engine, config, fake.corpus, now)
        record_demo_actions(engine, config, campaign.name, uk_today(now))
        lease = Lease(engine, config.interval_minutes, "demo")
        lease.acquire()   # one collector per database, the demo's too
        try:
            pending_rematch(engine, config)
            # The demo is a developer's laptop: the dashboard shows error details.
            env = dashboard_env(config_path=app.config_path, MONITOR_DEVELOPMENT="1")
            with dashboard_server(env=env, port=port):
                log.info("simulated X API on %s, Bluesky on %s, Mastodon on %s; dashboard on http://localhost:%s; "
                         "Ctrl-C stops", fake.base_url, bluesky.base_url, mastodon.base_url, port)
                CampaignScheduler(engine, config, SourceFactory(config), lease=lease).run()
        finally:
            lease.release()
    finally:
        for server in (fake, bluesky, mastodon):
            server.stop()
    return 0


def simulated_x(campaign, now: datetime, **server) -> FakeX:
    """The demo's simulated X (not started): its world reaches further back than the others', to the campaign
    actions' weeks before them (seed_history), and carries their follow-up posts. It has no random event days:
    its campaign actions are its events, and a spike of its own inside an action's weeks would blur the effect
    the demo is there to show."""
    fake = FakeX(seed=1, posts_per_day=300, mention=campaign.mentions[0] if campaign.mentions else "NAHTnews",
                 hashtags=campaign.hashtags, mps=True, events=False, start=now - timedelta(days=HISTORY_DAYS),
                 days=HISTORY_DAYS + FUTURE_DAYS, **server)
    add_action_bumps(fake.corpus, DEMO_ACTIONS, uk_today(now))
    return fake


def seed_history(engine, config, corpus, now: datetime) -> int:
    """Load the simulated posts older than X's 7-day search window, once (a database with posts already
    has them): written as a twarc2 archive and read by the importer, as a real archive would be."""
    with transaction(engine) as s:
        if s.scalar(select(func.count()).select_from(Post)):
            return 0
    cutoff = now - SEARCH_WINDOW + timedelta(hours=1)
    now_ms = int(now.timestamp() * 1000)
    old = [p for p in corpus.posts if datetime.fromisoformat(p["created_at"].replace("Z", "+00:00")) < cutoff]
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "demo-history.jsonl"
        with path.open("w", encoding="utf-8") as f:
            for i in range(0, len(old), 100):
                chunk = [dict(p, public_metrics=corpus.metrics_at(p["id"], now_ms)) for p in old[i:i + 100]]
                users = list({p["author_id"]: corpus.users[p["author_id"]] for p in chunk}.values())
                places = [corpus.places[p["geo"]["place_id"]] for p in chunk if (p.get("geo") or {}).get("place_id")]
                f.write(json.dumps({"data": chunk, "includes": {"users": users, "places": places},
                                    "meta": {"result_count": len(chunk)}}) + "\n")
        report = import_jsonl(engine, config, path, progress=False)
    log.info("loaded %s simulated posts older than the search window", report.posts_new)
    return report.posts_new


def record_demo_actions(engine, config, campaign: str, today) -> int:
    """The simulated campaign actions (monitor.fakex.actions), recorded once."""
    with transaction(engine) as s:
        if s.scalar(select(func.count()).select_from(Action).where(Action.campaign == campaign)):
            return 0
    for a in DEMO_ACTIONS:
        add_action(engine, config, campaign, ActionInput(a.day(today), a.kind, a.title, a.region), RECORDED_BY)
    return len(DEMO_ACTIONS)
