"""Metrics refresh against the simulated API: batches of 100, decaying schedule, deleted and
protected posts removed (kept as counts: tests/privacy)."""
from dataclasses import replace
from datetime import datetime, timedelta, timezone

from sqlalchemy import func, select, update

from monitor.collector import Collector
from monitor.config import Campaign, MetricsRefresh
from monitor.db import transaction
from monitor.fakex import FakeX, SimClock
from monitor.models import CollectionRun, Post
from monitor.refresh import next_refresh_time, refresh_metrics
from monitor.sources.x import XSource
from tests.helpers import TOKEN

CAMPAIGN = Campaign(name="ipfs", title="IPFS", hashtags=("InvestInPupilServices", "PupilAndFamilyServices",
                                                          "FundOurSchools"), mentions=("NAHTnews",))
POLICY = MetricsRefresh(schedule_hours=(1, 3, 8, 24, 72), max_age_hours=72, batch_size=100, selective=False)


def test_schedule_decays_and_stops_at_max_age():
    created = datetime(2026, 11, 20, 9, 0, tzinfo=timezone.utc)
    assert next_refresh_time(created, created, POLICY) == created + timedelta(hours=1)
    assert next_refresh_time(created, created + timedelta(hours=2), POLICY) == created + timedelta(hours=3)
    assert next_refresh_time(created, created + timedelta(hours=30), POLICY) == created + timedelta(hours=72)
    assert next_refresh_time(created, created + timedelta(hours=73), POLICY) is None


def test_refresh_updates_metrics_removes_deleted_and_protected(engine, config):
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
        # Removed (tests/privacy): each keeps a row under a new id, for the figures; the protected author's
        # other posts go with the one the lookup reported
        assert len(after) == len(stored) and victim.id not in after and hidden.id not in after
        theirs = [p for p in stored.values() if p.author_id == hidden.author_id]
        removed = [p for p in after.values() if p.removed_at is not None]
        assert sorted(p.unavailable_reason for p in removed) == ["deleted"] + ["protected"] * len(theirs)
        assert summary.removed_posts == len(removed) and 2 <= summary.unavailable <= len(removed)
        refreshed = [p for p in after.values() if p.id in stored
                     and p.metrics_updated_at > stored[p.id].metrics_updated_at]
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


def _lookups(fake) -> list[list[str]]:
    """The ids each GET /2/tweets carried, in order."""
    return [r["params"]["ids"].split(",") for r in fake.requests if r["path"] == "/2/tweets"]


def _schedule(engine, groups: dict[str, list[str]], at: dict[str, datetime]) -> None:
    with transaction(engine) as s:
        for name, ids in groups.items():
            s.execute(update(Post).where(Post.id.in_(ids)).values(next_refresh_at=at[name]))


def _collected_unscheduled(engine, config, fake, clock, policy):
    """Collect the fake's posts, then clear every post's schedule so the test sets its own.
    Returns the config used, the source and the stored ids in id order."""
    cfg = replace(config, metrics_refresh=policy, campaigns=(CAMPAIGN,))
    source = XSource(TOKEN, fake.base_url, timeout=2.0)
    Collector(engine, cfg, source, clock=clock).collect_campaign(CAMPAIGN)
    with transaction(engine) as s:
        ids = list(s.scalars(select(Post.id).order_by(Post.id)))
        s.execute(update(Post).values(next_refresh_at=None))
    return cfg, source, ids


def test_lookups_wait_to_fill_then_take_the_posts_due_next(engine, config):
    """A part-full batch waits until its longest-due post has waited window_minutes, then goes topped up
    with the posts due within the next window_minutes; a post read early has served its step."""
    now = datetime.now(timezone.utc).replace(microsecond=0)
    clock = SimClock(now)
    fake = FakeX(seed=5, start=now - timedelta(hours=30), days=1, posts_per_day=400, bearer_token=TOKEN,
                 clock=clock).start()
    try:
        policy = MetricsRefresh(schedule_hours=(1, 3, 8, 24, 72), max_age_hours=72, batch_size=100, selective=False,
                                window_minutes=60)
        cfg, source, ids = _collected_unscheduled(engine, config, fake, clock, policy)
        assert len(ids) >= 200
        groups = {"late": ids[:30], "soon": ids[30:80], "later": ids[80:120], "far": ids[120:200]}
        scheduled = {"late": now - timedelta(minutes=10), "soon": now + timedelta(minutes=30),
                     "later": now + timedelta(minutes=80), "far": now + timedelta(hours=5)}
        _schedule(engine, groups, scheduled)

        # 30 due for 10 minutes: the batch waits to fill
        waiting = refresh_metrics(engine, cfg, source, clock=clock)
        assert (waiting.status, waiting.batches, _lookups(fake)) == ("completed", 0, [])

        # 55 minutes on: 80 due, the longest for 65 minutes; topped up with 20 of those due in the next hour
        clock.advance(timedelta(minutes=55))
        sent = refresh_metrics(engine, cfg, source, clock=clock)
        [lookup] = _lookups(fake)
        assert sent.batches == 1 and len(lookup) == 100
        assert set(groups["late"] + groups["soon"]) <= set(lookup)
        early = set(lookup) - set(groups["late"] + groups["soon"])
        assert len(early) == 20 and early <= set(groups["later"])
        with transaction(engine) as s:
            posts = {p.id: p for p in s.scalars(select(Post).where(Post.id.in_(ids[:200])))}
        for post_id in early:   # served the step it was waiting for: the next read is the step after that
            post = posts[post_id]
            assert post.next_refresh_at == next_refresh_time(post.created_at, scheduled["later"], policy)
            assert post.metrics_updated_at == clock()
        assert all(posts[i].next_refresh_at == scheduled["far"] for i in groups["far"])   # untouched
    finally:
        fake.stop()


def test_a_full_batch_goes_at_once_and_window_zero_sends_what_is_due(engine, config):
    now = datetime.now(timezone.utc).replace(microsecond=0)
    clock = SimClock(now)
    fake = FakeX(seed=6, start=now - timedelta(hours=30), days=1, posts_per_day=400, bearer_token=TOKEN,
                 clock=clock).start()
    try:
        policy = MetricsRefresh(schedule_hours=(1, 3, 8, 24, 72), max_age_hours=72, batch_size=100, selective=False)
        cfg, source, ids = _collected_unscheduled(engine, config, fake, clock, policy)
        groups = {"due": ids[:130], "soon": ids[130:160]}
        _schedule(engine, groups, {"due": now - timedelta(minutes=1), "soon": now + timedelta(minutes=20)})

        # 130 due for a minute: one full lookup goes, the other 30 wait for their batch to fill
        refresh_metrics(engine, cfg, source, clock=clock)
        assert [len(lookup) for lookup in _lookups(fake)] == [100]

        # without a window each due post goes at its time, and nothing is read early
        exact = replace(cfg, metrics_refresh=replace(policy, window_minutes=0))
        refresh_metrics(engine, exact, source, clock=clock)
        lookups = _lookups(fake)
        assert [len(lookup) for lookup in lookups] == [100, 30]
        assert set(lookups[0] + lookups[1]) == set(groups["due"])
    finally:
        fake.stop()
