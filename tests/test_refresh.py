"""Metrics refresh against the simulated API: batches of 100, decaying schedule, deleted and
protected posts flagged and kept."""
from dataclasses import replace
from datetime import datetime, timedelta, timezone

from sqlalchemy import func, select

from monitor.collector import Collector
from monitor.config import Campaign, MetricsRefresh
from monitor.db import transaction
from monitor.fakex import FakeX, SimClock
from monitor.models import CollectionRun, Post
from monitor.refresh import next_refresh_time, refresh_metrics
from monitor.sources.x import XSource
from tests.conftest import TOKEN

CAMPAIGN = Campaign(name="ipfs", title="IPFS", hashtags=("InvestInPupilServices", "PupilAndFamilyServices",
                                                          "FundOurSchools"), mentions=("NAHTnews",))
POLICY = MetricsRefresh(schedule_hours=(1, 3, 8, 24, 72), max_age_hours=72, batch_size=100)


def test_schedule_decays_and_stops_at_max_age():
    created = datetime(2026, 11, 20, 9, 0, tzinfo=timezone.utc)
    assert next_refresh_time(created, created, POLICY) == created + timedelta(hours=1)
    assert next_refresh_time(created, created + timedelta(hours=2), POLICY) == created + timedelta(hours=3)
    assert next_refresh_time(created, created + timedelta(hours=30), POLICY) == created + timedelta(hours=72)
    assert next_refresh_time(created, created + timedelta(hours=73), POLICY) is None


def test_refresh_updates_metrics_flags_deleted_and_protected(engine, config):
    now = datetime.now(timezone.utc).replace(microsecond=0)
    clock = SimClock(now - timedelta(hours=20))
    fake = FakeX(seed=3, start=now - timedelta(days=1), days=1, posts_per_day=250, bearer_token=TOKEN,
                 clock=clock).start()
    try:
        cfg = replace(config, metrics_refresh=POLICY, campaigns=(CAMPAIGN,))
        source = XSource(TOKEN, fake.base_url, timeout=2.0)
        Collector(engine, cfg, source, clock=clock).collect_campaign(CAMPAIGN)
        with transaction(engine) as s:
            stored = {p.id: p for p in s.scalars(select(Post))}
        victim = next(iter(stored.values()))
        hidden = next(p for p in stored.values() if p.author_id != victim.author_id)
        fake.delete_post(victim.id)
        fake.protect_author(hidden.author_id)
        clock.advance(timedelta(hours=10))
        lookups_before = sum(r["path"] == "/2/tweets" for r in fake.requests)
        summary = refresh_metrics(engine, cfg, source, clock=clock)
        lookups = sum(r["path"] == "/2/tweets" for r in fake.requests) - lookups_before
        with transaction(engine) as s:
            after = {p.id: p for p in s.scalars(select(Post))}
            run = s.get(CollectionRun, summary.run_id)
        assert len(after) == len(stored)  # nothing removed
        assert after[victim.id].deleted and after[victim.id].unavailable_reason == "deleted"
        assert after[hidden.id].unavailable_reason == "protected" and not after[hidden.id].deleted
        refreshed = [p for p in after.values() if p.metrics_updated_at > stored[p.id].metrics_updated_at]
        assert summary.refreshed == len(refreshed) > 0
        # metrics grow with age in the simulated API: refreshed posts show at least what they had
        assert all(p.impression_count >= stored[p.id].impression_count for p in refreshed)
        assert any(p.impression_count > stored[p.id].impression_count for p in refreshed)
        # reads per refreshed post: one request per 100 posts, rounded up
        assert lookups == -(-(summary.refreshed + summary.unavailable) // 100)
        assert run.kind == "refresh" and run.status == "completed" and run.requests == lookups
        with transaction(engine) as s:
            due_now = s.scalar(select(func.count()).select_from(Post).where(Post.next_refresh_at <= clock()))
        assert due_now == 0  # each post moved on to its next step
    finally:
        fake.stop()
