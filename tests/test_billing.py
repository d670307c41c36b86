"""What the collector records as billed is what X bills: each post and user a response returns, once per UTC
day, per reason; the mentions timeline at the owned price; the refresh reads no users. Checked against the
simulated API's own bill (FakeX.billed), over real HTTP."""
from __future__ import annotations

import logging
from dataclasses import replace
from datetime import datetime, timedelta, timezone

import pytest
import tweepy
from requests.adapters import HTTPAdapter
from sqlalchemy import func, select

from monitor.collector import Collector
from monitor.config import Campaign, MentionsTimeline, parse_config
from monitor.db import transaction
from monitor.fakex import FakeX, SimClock
from monitor.metrics import spend_this_month
from monitor.models import BilledRead, Post, PostMatch
from monitor.refresh import refresh_metrics
from monitor.sources.x import MENTIONS_QUERY, TWEEPY_HOST, XSource
from tests.helpers import TOKEN

CAMPAIGN = Campaign(name="ipfs", title="IPFS", hashtags=("InvestInPupilServices", "PupilAndFamilyServices",
                                                          "FundOurSchools"), mentions=("NAHTnews",))
START = datetime(2026, 12, 1, tzinfo=timezone.utc)


def _recorded(engine) -> set[tuple[str, str, object]]:
    with transaction(engine) as s:
        return set(s.execute(select(BilledRead.resource, BilledRead.resource_id, BilledRead.day)).all())


def _official(fx) -> str:
    return next(u["id"] for u in fx.corpus.users.values() if u["username"] == "NAHTnews")


def test_recorded_spend_is_what_x_bills_across_days_and_re_reads(engine, config):
    clock = SimClock(START + timedelta(days=2) - timedelta(hours=5))
    with FakeX(seed=3, start=START, days=4, posts_per_day=300, bearer_token=TOKEN, clock=clock) as fx:
        cfg = replace(config, campaigns=(CAMPAIGN,), monthly_budget_usd=1000)
        source = XSource(TOKEN, fx.base_url, timeout=5.0)
        for _ in range(40):   # ten hours over a UTC midnight: searches and refreshes, posts re-read on both days
            clock.advance(timedelta(minutes=15))
            Collector(engine, cfg, source, clock=clock).collect_campaign(CAMPAIGN)
            refresh_metrics(engine, cfg, source, clock=clock)
        billed = fx.billed
        assert _recorded(engine) == {(kind, i, day) for kind, i, day, _path in billed}
        spend = spend_this_month(engine, 1000, 0.8, clock())
        assert spend.usd == pytest.approx(fx.bill())
        by = {(r.via, r.resource): r.reads for r in spend.rows}
        assert by[("search", "post")] == sum(k == "post" and p.endswith("recent") for k, _i, _d, p in billed)
        assert by[("refresh", "post")] > 0 and ("refresh", "user") not in by   # lookups read no users
        with transaction(engine) as s:
            reread = s.scalar(select(func.count(func.distinct(Post.id)))
                              .where(Post.metrics_updated_at > Post.first_seen_at))
        posts_billed = sum(k == "post" for k, *_ in billed)
        assert reread > 0 and posts_billed < s_count(engine) + reread   # a re-read on the same day is free


def s_count(engine) -> int:
    with transaction(engine) as s:
        return s.scalar(select(func.count()).select_from(Post))


def test_mentions_timeline_reads_the_mention_at_the_owned_price(engine, config):
    clock = SimClock(START + timedelta(days=2))
    # The timeline reaches back 800 mentions: a first poll over two days of 100 posts a day is within it.
    with FakeX(seed=5, start=START, days=3, posts_per_day=100, bearer_token=TOKEN, clock=clock) as fx:
        timeline = MentionsTimeline(True, "NAHTnews", _official(fx))
        cfg = replace(config, campaigns=(CAMPAIGN,), mentions_timeline=timeline, monthly_budget_usd=1000)
        source = XSource(TOKEN, fx.base_url, timeout=5.0, mentions_timeline=timeline)
        queries = source.queries(CAMPAIGN)
        assert queries == ["(#InvestInPupilServices OR #PupilAndFamilyServices OR #FundOurSchools) -is:retweet",
                           MENTIONS_QUERY.format(user_id=timeline.user_id)]
        Collector(engine, cfg, source, clock=clock).collect_campaign(CAMPAIGN)
        clock.advance(timedelta(minutes=15))
        summaries = Collector(engine, cfg, source, clock=clock).collect_campaign(CAMPAIGN)
        assert [s.status for s in summaries] == ["completed", "completed"]
        with transaction(engine) as s:
            stored = set(s.scalars(select(Post.id)))
            mentioned = set(s.scalars(select(PostMatch.post_id).where(PostMatch.term == "@NAHTnews")))
            owned = s.scalars(select(func.count()).select_from(BilledRead).where(BilledRead.via == "mentions")).one()
        assert stored == fx.visible_ids()          # the same posts as one search for everything
        assert mentioned and owned > 0
        assert any(r["path"].endswith("/mentions") and r["params"]["max_results"] == "100" for r in fx.requests)
        assert spend_this_month(engine, 1000, 0.8, clock()).usd == pytest.approx(fx.bill())


def test_mentions_timeline_endpoint_has_the_real_shapes():
    clock = SimClock(START + timedelta(days=3))
    with FakeX(seed=5, start=START, days=3, posts_per_day=300, bearer_token=TOKEN, clock=clock) as fx:
        client = tweepy.Client(bearer_token=TOKEN, return_type=dict)
        client.session.mount(TWEEPY_HOST, _Rewrite(fx.base_url))
        first = client.get_users_mentions(_official(fx), max_results=100, expansions=["author_id"],
                                          tweet_fields=["created_at", "entities", "author_id"])
        assert first["meta"]["result_count"] == 100 and "next_token" in first["meta"]
        assert first["meta"]["newest_id"] == first["data"][0]["id"]
        assert all(any(m["username"] == "NAHTnews" for m in p["entities"]["mentions"]) for p in first["data"])
        assert {u["id"] for u in first["includes"]["users"]} == {p["author_id"] for p in first["data"]}
        ids = [int(p["id"]) for p in first["data"]]
        assert ids == sorted(ids, reverse=True)   # newest first
        second = client.get_users_mentions(_official(fx), max_results=100,
                                           pagination_token=first["meta"]["next_token"])
        assert int(second["data"][0]["id"]) < ids[-1] and "previous_token" in second["meta"]
        newer = client.get_users_mentions(_official(fx), since_id=first["data"][5]["id"], max_results=5)
        assert [p["id"] for p in newer["data"]] == [p["id"] for p in first["data"][:5]]
        missing = client.get_users_mentions("123", max_results=5)
        assert missing["errors"][0]["title"] == "Not Found Error" and "data" not in missing
        with pytest.raises(tweepy.BadRequest):
            client.get_users_mentions(_official(fx), max_results=4)


class _Rewrite(HTTPAdapter):
    def __init__(self, base):
        super().__init__()
        self.base = base

    def send(self, request, **kwargs):
        request.url = self.base + request.url[len(TWEEPY_HOST):]
        return super().send(request, **kwargs)


def test_mentions_timeline_config_is_checked():
    base = {"campaigns": [{"name": "c", "hashtags": ["A"], "mentions": ["NAHTnews"]}]}
    from monitor.config import ConfigError

    with pytest.raises(ConfigError, match=r"x_api.mentions_timeline.user_id: expected the X user id"):
        parse_config({**base, "x_api": {"mentions_timeline": {"enabled": True, "username": "NAHTnews"}}}, "c.toml")
    with pytest.raises(ConfigError, match=r"mentions_timeline.username: expected one of the campaigns' mentions"):
        parse_config({**base, "x_api": {"mentions_timeline": {"enabled": True, "username": "Other",
                                                              "user_id": "12"}}}, "c.toml")
    assert not parse_config(base, "c.toml").mentions_timeline.enabled   # off by default


def test_the_old_budget_key_is_still_read_with_a_notice(caplog):
    base = {"campaigns": [{"name": "c", "hashtags": ["A"]}]}
    with caplog.at_level(logging.WARNING, logger="monitor.config"):
        config = parse_config({**base, "dashboard": {"monthly_budget_usd": 250}}, "c.toml")
    assert config.monthly_budget_usd == 250.0
    assert caplog.messages == ["c.toml: dashboard.monthly_budget_usd has moved to x_api.monthly_budget_usd "
                               "(read from the old place for now: move it)"]
    new = parse_config({**base, "x_api": {"monthly_budget_usd": 40, "price_per_post_read": 0.004}}, "c.toml")
    assert (new.monthly_budget_usd, new.prices.post_read, new.prices.user_read) == (40.0, 0.004, 0.010)
