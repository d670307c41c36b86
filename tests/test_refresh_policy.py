"""The selective refresh: free reads on the UTC day X already billed, billed reads only for promising or
young posts; from the budget's warning share only the last step; at the budget no lookup at all."""
from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta, timezone

from sqlalchemy import select

from monitor.billing import SEARCH, Reads, record_reads
from monitor.collector import Collector
from monitor.config import Campaign, MetricsRefresh
from monitor.db import transaction
from monitor.fakex import FakeX, SimClock
from monitor.models import Post, RunEvent
from monitor.refresh import refresh_metrics
from monitor.refresh_policy import DuePost, last_step_time, next_refresh_time, worth_reading
from monitor.sources.x import XSource
from tests.helpers import TOKEN

POLICY = MetricsRefresh()   # selective, window 60 min, 1 h ... 7 d
CREATED = datetime(2026, 12, 8, 9, 0, tzinfo=timezone.utc)
CAMPAIGN = Campaign(name="ipfs", title="IPFS", hashtags=("InvestInPupilServices", "PupilAndFamilyServices",
                                                          "FundOurSchools"), mentions=("NAHTnews",))


def reads_of(created: datetime, policy=POLICY) -> list[datetime]:
    times, at = [], created
    while (at := next_refresh_time(created, at, policy)) is not None:
        times.append(at)
    return times


def test_free_reads_then_the_later_steps():
    def day_end(day: int) -> datetime:   # midnight - window - margin: a read then still goes before midnight
        return datetime(2026, 12, day, 22, 30, tzinfo=timezone.utc)

    # every step, and a last free read before the end of each UTC day a read was billed
    assert reads_of(CREATED) == [CREATED + timedelta(hours=h) for h in (1, 3, 8)] + [
        day_end(8), CREATED + timedelta(hours=24), day_end(9), CREATED + timedelta(hours=72), day_end(11),
        CREATED + timedelta(hours=168)]
    late = datetime(2026, 12, 8, 22, 10, tzinfo=timezone.utc)   # too young for a day-end read: none
    assert reads_of(late)[0] == late + timedelta(hours=1)
    assert reads_of(CREATED, replace(POLICY, selective=False)) == [CREATED + timedelta(hours=h)
                                                                   for h in POLICY.schedule_hours]


def due(last_read_hours: float, engagements=0, impressions=20, followers=60) -> DuePost:
    return DuePost("1", CREATED, CREATED + timedelta(hours=last_read_hours), CREATED + timedelta(hours=24),
                   engagements, impressions, followers)


def test_which_billed_reads_are_worth_it():
    next_day = CREATED + timedelta(hours=24)
    assert worth_reading(due(8), CREATED + timedelta(hours=13), POLICY)       # same UTC day: free
    assert not worth_reading(due(13.5), next_day, POLICY)                     # small, quiet, read late enough
    assert worth_reading(due(13.5, engagements=3), next_day, POLICY)          # promising by engagement
    assert worth_reading(due(13.5, impressions=300), next_day, POLICY)        # ... by impressions
    assert worth_reading(due(13.5, followers=2000), next_day, POLICY)         # ... by its author's audience
    assert worth_reading(due(1, followers=400), next_day, POLICY)             # last read young
    assert not worth_reading(due(1, followers=100), next_day, POLICY)         # young, but hardly anyone follows
    assert worth_reading(due(13.5), next_day, replace(POLICY, selective=False))


def _collected(engine, config, fake, clock):
    cfg = replace(config, campaigns=(CAMPAIGN,), monthly_budget_usd=10.0)
    source = XSource(TOKEN, fake.base_url, timeout=2.0)
    Collector(engine, cfg, source, clock=clock).collect_campaign(CAMPAIGN)
    return cfg, source


def _lookups(fake) -> int:
    return sum(r["path"] == "/2/tweets" for r in fake.requests)


def test_from_the_warning_share_only_the_last_step_is_read(engine, config):
    clock = SimClock(CREATED + timedelta(hours=30))
    with FakeX(seed=5, start=CREATED, days=1, posts_per_day=300, bearer_token=TOKEN, clock=clock) as fake:
        cfg, source = _collected(engine, config, fake, clock)
        with transaction(engine) as s:   # spend at 85% of the $10 budget
            record_reads(s, Reads(tuple(f"x{i}" for i in range(1700))), clock(), SEARCH, cfg.prices)
        clock.advance(timedelta(hours=3))
        before = _lookups(fake)
        summary = refresh_metrics(engine, cfg, source, clock=clock)
        assert summary.status == "completed" and _lookups(fake) == before   # nothing read before its last step
        with transaction(engine) as s:
            posts = s.execute(select(Post.created_at, Post.next_refresh_at)
                              .where(Post.next_refresh_at.is_not(None))).all()
        window = timedelta(minutes=cfg.metrics_refresh.window_minutes)
        moved = [(c, at) for c, at in posts if at == last_step_time(c, cfg.metrics_refresh)]
        assert moved and all(at > clock() + window for c, at in posts if (c, at) not in moved)


def test_at_the_budget_the_refresh_pauses_without_a_lookup(engine, config):
    clock = SimClock(CREATED + timedelta(hours=12))
    with FakeX(seed=5, start=CREATED, days=1, posts_per_day=300, bearer_token=TOKEN, clock=clock) as fake:
        cfg, source = _collected(engine, config, fake, clock)
        with transaction(engine) as s:   # the spend at the budget; every post promising and due at its last step
            record_reads(s, Reads(tuple(f"x{i}" for i in range(1990))), clock(), SEARCH, cfg.prices)
            for post in s.scalars(select(Post)):
                post.author_followers, post.next_refresh_at = 50_000, last_step_time(post.created_at, POLICY)
        clock.set(CREATED + timedelta(days=8))   # a later UTC day: every read would be billed
        before = _lookups(fake)
        summary = refresh_metrics(engine, cfg, source, clock=clock)
        assert summary.status == "paused" and _lookups(fake) == before
        with transaction(engine) as s:
            [event] = s.scalars(select(RunEvent).where(RunEvent.run_id == summary.run_id)).all()
        assert event.kind == "budget" and "paused until the UTC month turns" in event.detail
