"""The deletion check against the simulated API: posts past their metrics refresh are looked up again, so
that one deleted or made private on X after its last re-read is removed here too (docs/privacy.md); at most
the day's cap of them, the longest unread first, and never past the budget's warning share."""
from dataclasses import replace
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select, update

from monitor.budget import Budget
from monitor.collector import Collector
from monitor.config import Campaign, MetricsRefresh
from monitor.db import transaction
from monitor.deletion_check import RUN_KIND, check_deletions
from monitor.fakex import FakeX, Fault, SimClock
from monitor.metrics import last_deletion_check
from monitor.models import CollectionRun, Post, RunEvent
from monitor.models.billing import BilledRead
from monitor.scheduler import CampaignScheduler
from monitor.sources.x import XSource
from tests.helpers import TOKEN

CAMPAIGN = Campaign(name="ipfs", title="IPFS", hashtags=("InvestInPupilServices", "PupilAndFamilyServices",
                                                          "FundOurSchools"), mentions=("NAHTnews",))
POLICY = MetricsRefresh(schedule_hours=(1, 3, 8, 24, 72), max_age_hours=72, batch_size=100, selective=False)
START = datetime(2026, 11, 10, 12, 0, tzinfo=timezone.utc)


@pytest.fixture
def fake():
    clock = SimClock(START)
    with FakeX(seed=5, start=START - timedelta(days=1), days=1, posts_per_day=120, bearer_token=TOKEN,
               clock=clock) as fx:
        yield fx


def _collected(engine, config, fake, cap: int):
    """Collect the fake's posts, end every post's refresh and make them all unread for 8 days (each a minute
    apart, so the longest unread is known). Returns the config, the source and the ids, longest unread first."""
    cfg = replace(config, metrics_refresh=POLICY, campaigns=(CAMPAIGN,),
                  privacy=replace(config.privacy, deletion_check_posts_per_day=cap))
    source = XSource(TOKEN, fake.base_url, timeout=2.0)
    Collector(engine, cfg, source, clock=fake.clock).collect_campaign(CAMPAIGN)
    with transaction(engine) as s:
        ids = list(s.scalars(select(Post.id).order_by(Post.id)))
        s.execute(update(Post).values(next_refresh_at=None))
        for n, post_id in enumerate(ids):
            s.execute(update(Post).where(Post.id == post_id)
                      .values(last_seen_at=fake.clock() - timedelta(days=8, minutes=len(ids) - n)))
    return cfg, source, ids


def _lookups(fake) -> list[list[str]]:
    return [r["params"]["ids"].split(",") for r in fake.requests if r["path"] == "/2/tweets"]


def _posts(engine) -> dict[str, Post]:
    with transaction(engine) as s:
        return {p.id: p for p in s.scalars(select(Post))}


def test_a_post_deleted_on_x_long_after_its_refresh_is_removed(engine, config, fake):
    cfg, source, ids = _collected(engine, config, fake, cap=1000)
    before = _posts(engine)
    victim = before[ids[0]]
    hidden = next(p for p in before.values() if p.author_id != victim.author_id)
    fake.delete_post(victim.id)
    fake.protect_author(hidden.author_id)
    fake.clock.advance(timedelta(days=1))   # a day after collection, so these reads are billed

    summary = check_deletions(engine, cfg, source, clock=fake.clock)

    after = _posts(engine)
    assert victim.id not in after and hidden.id not in after
    theirs = [p for p in before.values() if p.author_id == hidden.author_id]
    removed = [p for p in after.values() if p.removed_at is not None]
    assert sorted(p.unavailable_reason for p in removed) == ["deleted"] + ["protected"] * len(theirs)
    assert summary.removed_posts == len(removed)
    # Every post was looked up in full batches (but those of the protected author that an earlier batch had
    # removed with the author), and each still on X is marked read now, with no refresh restarted.
    asked = [i for batch in _lookups(fake) for i in batch]
    assert len(set(asked)) == len(asked) and set(ids) - set(asked) <= {p.id for p in theirs}
    assert len(_lookups(fake)) == -(-len(asked) // 100)
    kept = [p for p in after.values() if p.removed_at is None]
    assert {p.id for p in kept} <= set(asked)
    assert summary.refreshed == len(kept) > 0
    assert all(p.last_seen_at == fake.clock() and p.next_refresh_at is None for p in kept)
    with transaction(engine) as s:
        run = s.get(CollectionRun, summary.run_id)
        assert (run.kind, run.status, run.requests, run.posts_read) == (RUN_KIND, "completed", len(_lookups(fake)),
                                                                          len(kept))
        # Billed as the refresh's reads are, on the check's UTC day: the posts X returned.
        billed = s.scalars(select(BilledRead.resource_id).where(BilledRead.day == fake.clock().date(),
                                                                BilledRead.resource == "post")).all()
        assert sorted(billed) == sorted(p.id for p in kept)
        assert set(s.scalars(select(BilledRead.via).where(BilledRead.day == fake.clock().date()))) == {"refresh"}
    check = last_deletion_check(engine)
    assert check.status == "completed" and f"{len(removed)} removed" in check.detail

    # One check a UTC day: the next refresh of the day asks nothing more.
    assert check_deletions(engine, cfg, source, clock=fake.clock) is None
    assert len(_lookups(fake)) == -(-len(asked) // 100)


def test_the_day_cap_takes_the_longest_unread_and_the_next_day_the_next(engine, config, fake):
    cfg, source, ids = _collected(engine, config, fake, cap=3)
    # Not for the check: a post its refresh still reads, one read within the last 7 days, an earlier version.
    scheduled, recent, earlier = ids[0], ids[1], ids[2]
    with transaction(engine) as s:
        s.execute(update(Post).where(Post.id == scheduled).values(next_refresh_at=fake.clock() + timedelta(hours=1)))
        s.execute(update(Post).where(Post.id == recent).values(last_seen_at=fake.clock() - timedelta(days=6)))
        s.execute(update(Post).where(Post.id == earlier).values(superseded_by=ids[-1]))

    check_deletions(engine, cfg, source, clock=fake.clock)
    assert check_deletions(engine, cfg, source, clock=lambda: fake.clock() + timedelta(hours=11)) is None
    fake.clock.advance(timedelta(days=1))
    check_deletions(engine, cfg, source, clock=fake.clock)

    assert _lookups(fake) == [ids[3:6], ids[6:9]]
    with transaction(engine) as s:
        runs = s.scalars(select(CollectionRun).where(CollectionRun.kind == RUN_KIND).order_by(CollectionRun.id)).all()
    assert [(r.status, r.posts_read) for r in runs] == [("completed", 3), ("completed", 3)]


def test_none_when_turned_off_or_past_the_budget_warning(engine, config, fake):
    cfg, source, ids = _collected(engine, config, fake, cap=0)
    assert check_deletions(engine, cfg, source, clock=fake.clock) is None
    on = replace(cfg, privacy=replace(cfg.privacy, deletion_check_posts_per_day=100))
    spent = Budget(engine, on, fake.clock).spend().usd
    assert spent > 0   # the collection's reads
    # The month's spend is 90% of this budget: past the warning share (80%), so the check waits.
    assert check_deletions(engine, replace(on, monthly_budget_usd=spent / 0.9), source, clock=fake.clock) is None
    assert _lookups(fake) == []
    with transaction(engine) as s:
        assert s.scalar(select(func.count()).select_from(CollectionRun).where(CollectionRun.kind == RUN_KIND)) == 0
        # A check the budget paused earlier today is the day's: the next refresh does not try again.
        s.add(CollectionRun(campaign="*", kind=RUN_KIND, query="GET /2/tweets", started_at=fake.clock(),
                            status="paused"))
    assert check_deletions(engine, on, source, clock=fake.clock) is None
    assert _lookups(fake) == []


def test_an_api_fault_is_recorded_and_the_next_run_takes_the_day_up(engine, config, fake):
    cfg, source, ids = _collected(engine, config, fake, cap=110)
    # The lookup fails past every retry: the run ends failed, on record, and does not count as the day's check.
    fake.inject(Fault("http", status=503, count=cfg.max_retries + 1, path_prefix="/2/tweets"))
    first = check_deletions(engine, cfg, source, clock=fake.clock)
    assert first.status == "failed" and "503" in first.error
    shown = last_deletion_check(engine)   # what the health page says of it
    assert shown.status == "failed" and "looked up 0 posts" in shown.detail and "503" in shown.detail
    with transaction(engine) as s:
        run = s.get(CollectionRun, first.run_id)
        assert (run.status, run.posts_read) == ("failed", 0)
        retries = s.scalar(select(func.count()).select_from(RunEvent).where(RunEvent.run_id == run.id,
                                                                           RunEvent.kind == "retry"))
        assert retries == cfg.max_retries
    second = check_deletions(engine, cfg, source, clock=fake.clock)
    assert second.status == "completed" and second.refreshed == 110
    assert [len(ids) for ids in _lookups(fake)][-2:] == [100, 10]
    assert check_deletions(engine, cfg, source, clock=fake.clock) is None


def test_the_scheduled_refresh_makes_the_days_check(engine, config, fake):
    """The collector's refresh job: the metrics refresh, then the check, which finds the post deleted since."""
    cfg, source, ids = _collected(engine, config, fake, cap=100)
    fake.delete_post(ids[0])
    scheduler = CampaignScheduler(engine, replace(cfg, api_base_url=fake.base_url),
                                  lambda _network: XSource(TOKEN, fake.base_url, timeout=2.0))
    scheduler.refresh()
    assert ids[0] not in _posts(engine)
    assert last_deletion_check(engine).status == "completed"


def test_the_usage_cap_met_by_the_check_pauses_xs_collection(engine, config, fake):
    cfg, source, ids = _collected(engine, config, fake, cap=100)
    scheduler = CampaignScheduler(engine, replace(cfg, api_base_url=fake.base_url),
                                  lambda _network: XSource(TOKEN, fake.base_url, timeout=2.0))
    scheduler.add_jobs()
    fake.inject(Fault("usage_cap", count=5, path_prefix="/2/tweets"))
    scheduler.refresh()   # no post is due a refresh: the check is the one to meet the cap
    assert last_deletion_check(engine).status == "halted"
    # (the scheduler is not started: a paused job has next_run_time None)
    paused = {j.id for j in scheduler.scheduler.get_jobs() if getattr(j, "next_run_time", "not yet set") is None}
    assert paused == {f"collect:x:{CAMPAIGN.name}", "refresh-metrics"}
