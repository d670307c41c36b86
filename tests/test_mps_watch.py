"""The MP watch: queries of MP handles and the campaign's keywords within 512 characters, collected from
the simulated API (which answers `from:` and keywords) as runs of their own, counted for the MPs and not
as campaign posts; its own interval; its requests and cost apart; off by default."""
from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import text

from monitor import metrics
from monitor.config import ConfigError, default_config, parse_config
from monitor.fakex import FakeX, SimClock
from monitor.fakex.query import parse_query
from monitor.metrics import Filters
from monitor.mps.watch import WatchCollector, build_watch_queries, check_keywords, watched_handles
from monitor.networks import X
from monitor.scheduler import CampaignScheduler
from monitor.sources.x import MAX_QUERY_LENGTH, XSource
from tests.helpers import TOKEN
from tests.helpers_mps import register

KEYWORDS = default_config().campaigns[0].mp_watch_keywords


def test_the_built_in_campaign_watches_the_issues_keywords_and_the_watch_is_off_by_default():
    config = default_config()
    assert KEYWORDS == ("pupil services", "CAMHS", "SEND", "speech and language therapy",
                        "educational psychologists", "school funding")
    assert config.mp_watch.enabled is False and config.mp_watch.interval_minutes == 60


def test_queries_batch_every_handle_once_within_512_characters():
    handles = [r.x_username for r in sorted(register(), key=lambda r: r.member_id) if r.x_username]
    queries = build_watch_queries(handles, KEYWORDS)
    assert len(queries) > 1 and all(len(q) <= MAX_QUERY_LENGTH for q in queries)
    found = [h for q in queries for h in q.split(") (")[0].lstrip("(").replace("from:", "").split(" OR ")]
    assert found == handles
    assert queries[0].endswith('("pupil services" OR CAMHS OR SEND OR "speech and language therapy" OR '
                               '"educational psychologists" OR "school funding") -is:retweet')
    for q in queries:
        parse_query(q)   # the simulated API's parser takes every one, as X would
    # Packed: one handle more would not have fitted in any query but the last.
    for q, following in zip(queries, queries[1:]):
        first_of_next = following.split(" OR ")[0].lstrip("(")
        assert len(q.replace(") (", f" OR {first_of_next}) (", 1)) > MAX_QUERY_LENGTH


def test_keywords_that_leave_no_room_are_a_config_error():
    too_long = tuple(f"keyword number {i} is long" for i in range(25))
    config = replace(default_config(), campaigns=(replace(default_config().campaigns[0], mp_watch_keywords=too_long),))
    with pytest.raises(ConfigError, match=r"campaigns\[0\].mp_watch_keywords: expected keywords that fit"):
        check_keywords(config)


@pytest.mark.parametrize("table, key, expected", [
    ({"mp_watch": {"enabled": "yes"}}, "mp_watch.enabled", "true or false"),
    ({"mp_watch": {"interval_minutes": 0}}, "mp_watch.interval_minutes", "a positive number"),
    ({"mp_watch": {"every": 5}}, "mp_watch.every", "unknown key"),
    ({"campaigns": [{"name": "x", "hashtags": ["A"], "mp_watch_keywords": ['"quoted"']}]},
     "campaigns[0].mp_watch_keywords[0]", "keywords or phrases"),
])
def test_mp_watch_settings_are_checked(table, key, expected):
    data = {"campaigns": [{"name": "x", "hashtags": ["A"]}], **table}
    with pytest.raises(ConfigError) as raised:
        parse_config(data, "config.toml")
    assert str(raised.value).startswith(f"config.toml: {key}: expected") and expected in str(raised.value)


def test_mp_watch_settings_are_read():
    config = parse_config({"campaigns": [{"name": "x", "hashtags": ["A"], "mp_watch_keywords": ["CAMHS", "SEND"]}],
                           "mp_watch": {"enabled": True, "interval_minutes": 30}}, "config.toml")
    assert config.mp_watch.enabled and config.mp_watch.interval_minutes == 30
    assert config.campaigns[0].mp_watch_keywords == ("CAMHS", "SEND")


def test_the_watch_has_its_own_job_and_interval_only_when_enabled(sqlite_engine):
    off = CampaignScheduler(sqlite_engine, default_config(), source_factory=lambda _network: None)
    off.add_jobs()
    assert not any(j.id.startswith("mp-watch:") for j in off.scheduler.get_jobs())
    config = replace(default_config(), mp_watch=replace(default_config().mp_watch, enabled=True, interval_minutes=45))
    on = CampaignScheduler(sqlite_engine, config, source_factory=lambda _network: None)
    on.add_jobs()
    [job] = [j for j in on.scheduler.get_jobs() if j.id.startswith("mp-watch:")]
    assert job.trigger.interval == timedelta(minutes=45) and job.max_instances == 1 and job.coalesce
    assert tuple(job.args[1:]) == (X, WatchCollector)   # the watch searches X


def test_the_watch_finds_mps_posts_without_the_hashtag_and_counts_them_apart(engine, config):
    now = datetime.now(timezone.utc).replace(microsecond=0)
    clock = SimClock(now)
    campaign = config.campaigns[0]
    cfg = replace(config, campaigns=(campaign,))
    with FakeX(seed=4, start=now - timedelta(days=3), days=3, posts_per_day=100, bearer_token=TOKEN, clock=clock,
               hashtags=campaign.hashtags, mention="NAHTnews", mps=True) as fake:
        source = XSource(TOKEN, fake.base_url, timeout=5.0)
        summaries = WatchCollector(engine, cfg, source, clock=clock).collect_campaign(campaign)
        handles = watched_handles(engine)
        expected = set()
        for query in build_watch_queries(handles, campaign.mp_watch_keywords):
            expected |= fake.visible_ids(query)
        watch_requests = [r for r in fake.requests if r["params"].get("query", "").startswith("(from:")]
    assert summaries and all(s.status == "completed" for s in summaries)
    assert len(summaries) == len(build_watch_queries(handles, campaign.mp_watch_keywords))
    assert expected, "the simulated MPs post on the campaign's subject"
    with engine.connect() as conn:
        found = {r[0] for r in conn.execute(text("SELECT post_id FROM mp_watch_matches WHERE campaign = :c"),
                                            {"c": campaign.name})}
        kinds = {r[0] for r in conn.execute(text("SELECT DISTINCT kind FROM collection_runs"))}
        untagged = conn.execute(text("SELECT COUNT(*) FROM mp_watch_matches w WHERE NOT EXISTS (SELECT 1 FROM "
                                     "post_matches m WHERE m.post_id = w.post_id)")).scalar()
    assert found == expected and kinds == {"watch"} and untagged > 0
    window = Filters(campaign.name, (now - timedelta(days=4)).date(), (now + timedelta(days=1)).date())
    engaged = [r for r in metrics.mp_table(engine, window) if r.status == "engaged"]
    assert engaged and sum(r.posts_by_mp for r in engaged) >= untagged
    # Not campaign posts: the campaign's own figures count only the watch posts that carry a campaign term.
    assert metrics.kpis(engine, window).posts == len(found) - untagged
    usage = metrics.watch_usage_this_month(engine, now=now)
    assert usage.runs == len(summaries) and usage.requests == len(watch_requests) == sum(s.pages for s in summaries)
    assert usage.posts_read == len(found) and usage.estimated_cost_usd > 0
