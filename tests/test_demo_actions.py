"""The demo's campaign actions: the simulated feed carries the activity that follows each, the history before
X's search window is loaded once, and the effect figures find the bumps (on the demo's own functions)."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from monitor import metrics
from monitor.demo import RECORDED_BY, record_demo_actions, seed_history, simulated_x
from monitor.fakex.actions import DEMO_ACTIONS
from monitor.metrics.actions import MEASURED, NOT_OVER
from monitor.timeutil import uk_today
from tests import pages
from tests.seed import store_api_page


def test_the_demo_feed_bumps_after_its_actions_and_the_effect_shows_it(sqlite_engine, config):
    campaign = config.campaigns[0]
    now = datetime.now(timezone.utc).replace(microsecond=0)
    today = uk_today(now)
    corpus = simulated_x(campaign, now).corpus   # the demo's own world, not started: its posts are stored below
    loaded = seed_history(sqlite_engine, config, corpus, now)
    assert loaded > 0 and seed_history(sqlite_engine, config, corpus, now) == 0   # once
    # What the collector fetches: the last 7 days, through the same store path.
    now_ms = int(now.timestamp() * 1000)
    recent = [p for p in corpus.posts if p["created_at"] >= (now - timedelta(days=7)).strftime("%Y-%m-%dT%H:%M:%S")
              and p["created_at"] <= now.strftime("%Y-%m-%dT%H:%M:%SZ")]
    for i in range(0, len(recent), 100):
        chunk = [dict(p, public_metrics=corpus.metrics_at(p["id"], now_ms)) for p in recent[i:i + 100]]
        users = list({p["author_id"]: corpus.users[p["author_id"]] for p in chunk}.values())
        places = [corpus.places[p["geo"]["place_id"]] for p in chunk if (p.get("geo") or {}).get("place_id")]
        store_api_page(sqlite_engine, config, pages.page(chunk, users, places), now, campaign.name, campaign.terms)
    assert record_demo_actions(sqlite_engine, config, campaign.name, today) == len(DEMO_ACTIONS)
    assert record_demo_actions(sqlite_engine, config, campaign.name, today) == 0
    found = {e.action.title: e for e in metrics.effects(
        sqlite_engine, metrics.Filters(campaign.name, today - timedelta(days=30), today))}
    assert {e.action.recorded_by for e in found.values()} == {RECORDED_BY}
    for action in DEMO_ACTIONS:
        e = found[action.title]
        if action.days_ago >= 7:
            assert e.status == MEASURED, (action.title, e.reason)
            assert e.effect("posts") > 0.2, (action.title, e.area, e.rest)   # the bump, well above the rest
        else:
            assert e.status == NOT_OVER
