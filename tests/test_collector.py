"""The collector against the simulated X API over real HTTP, storing into real databases.

The property every test ends on: the database holds exactly the posts the API served (or
could serve), each once, whatever fault happened on the way.
"""
from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select

from monitor.collector import Collector
from monitor.config import Campaign
from monitor.db import transaction
from monitor.fakex import FakeX, Fault, SimClock
from monitor.models import CollectionRun, Post, PostMatch, RunEvent, RunPost, SearchCursor
from monitor.snowflake import snowflake_at
from monitor.sources.x import CollectionHalted, SourceConfigError, XSource, build_queries
from tests.helpers import TOKEN

CAMPAIGN = Campaign(name="ipfs", title="IPFS", hashtags=("InvestInPupilServices", "PupilAndFamilyServices",
                                                          "FundOurSchools"), mentions=("NAHTnews",))


@pytest.fixture
def fake():
    now = datetime.now(timezone.utc).replace(microsecond=0)
    fx = FakeX(seed=11, start=now - timedelta(days=3), days=3, posts_per_day=150, bearer_token=TOKEN,
               clock=SimClock(now))
    fx.start()
    yield fx
    fx.stop()


def make_collector(engine, config, fx, **kw):
    source = XSource(TOKEN, fx.base_url, timeout=2.0)
    return Collector(engine, replace(config, api_base_url=fx.base_url, campaigns=(CAMPAIGN,)), source,
                     clock=fx.clock, **kw)


def stored_ids(engine) -> list[str]:
    with transaction(engine) as s:
        return list(s.scalars(select(Post.id)))


def runs(engine) -> list[CollectionRun]:
    with transaction(engine) as s:
        return list(s.scalars(select(CollectionRun).order_by(CollectionRun.id)))


def events(engine, kind=None) -> list[RunEvent]:
    with transaction(engine) as s:
        q = select(RunEvent).order_by(RunEvent.id)
        return list(s.scalars(q.where(RunEvent.kind == kind) if kind else q))


def search_requests(fx):
    return [r for r in fx.requests if r["path"] == "/2/tweets/search/recent"]


def test_one_poll_stores_every_visible_post_once_with_authors_and_raw(engine, config, fake):
    [summary] = make_collector(engine, config, fake).collect_campaign(CAMPAIGN)
    expected = fake.visible_ids(build_queries(CAMPAIGN.terms)[0])
    assert summary.status == "completed"
    assert sorted(stored_ids(engine)) == sorted(expected)
    assert summary.posts_new == len(expected) and summary.pages == len(search_requests(fake))
    # full pages of 100: the fewest requests possible
    assert summary.pages == -(-len(expected) // 100)
    assert all(r["params"]["max_results"] == "100" for r in search_requests(fake))
    with transaction(engine) as s:
        post = s.scalars(select(Post).limit(1)).one()
        assert post.raw["id"] == post.id and post.author_id is not None
        assert s.scalar(select(func.count()).select_from(RunPost)) == len(expected)
        assert s.scalar(select(func.count(func.distinct(PostMatch.post_id)))) == len(expected)


def test_next_poll_asks_only_for_newer_posts(engine, config, fake):
    collector = make_collector(engine, config, fake)
    fake.clock.set(fake.now() - timedelta(hours=12))
    collector.collect_campaign(CAMPAIGN)
    first = set(stored_ids(engine))
    with transaction(engine) as s:
        cursor = s.scalars(select(SearchCursor)).one()
    assert cursor.since_id == max(first, key=int)
    fake.clock.advance(timedelta(hours=12))
    before = len(search_requests(fake))
    [summary] = collector.collect_campaign(CAMPAIGN)
    new_requests = search_requests(fake)[before:]
    assert all(r["params"].get("since_id") == cursor.since_id for r in new_requests)
    assert summary.posts_updated == 0  # nothing re-read that was already stored
    assert set(stored_ids(engine)) == fake.visible_ids(build_queries(CAMPAIGN.terms)[0])


def test_long_term_lists_are_split_into_queries_under_512_chars(engine, config, fake):
    many = tuple(f"Tag{i:03d}LongCampaignHashtag" for i in range(40))
    campaign = replace(CAMPAIGN, hashtags=many + CAMPAIGN.hashtags)
    queries = build_queries(campaign.terms)
    assert len(queries) > 1 and all(len(q) <= 512 for q in queries)
    collector = make_collector(engine, replace(config, campaigns=(campaign,)), fake)
    summaries = collector.collect_campaign(campaign)
    assert len(summaries) == len(queries)
    visible = set().union(*(fake.visible_ids(q) for q in queries))
    ids = stored_ids(engine)
    assert len(ids) == len(set(ids)) and set(ids) == visible


@pytest.mark.parametrize("fault", [
    Fault("http", status=503, count=2),
    Fault("http", status=500, count=1),
    Fault("drop", count=2),
    Fault("malformed", count=1),
    Fault("truncated", count=1),
    Fault("slow", delay=3.0, count=1),  # longer than the 2 s request timeout
], ids=lambda f: f"{f.kind}-{f.status or ''}")
def test_transient_faults_are_retried_and_recorded(sqlite_engine, config, fake, fault):
    fake.inject(fault)
    [summary] = make_collector(sqlite_engine, config, fake).collect_campaign(CAMPAIGN)
    assert summary.status == "completed"
    assert set(stored_ids(sqlite_engine)) == fake.visible_ids(build_queries(CAMPAIGN.terms)[0])
    retries = events(sqlite_engine, "retry")
    assert len(retries) == fault.count
    assert runs(sqlite_engine)[0].errors == fault.count


def test_persistent_server_errors_fail_the_run_and_the_next_run_resumes(engine, config, fake):
    collector = make_collector(engine, config, fake)
    # page 1 succeeds, then page 2 fails more times than max_retries allows
    fake.on_request = lambda n, path: n == 2 and fake.inject(Fault("http", status=503, count=config.max_retries + 1))
    [failed] = collector.collect_campaign(CAMPAIGN)
    fake.on_request = None
    assert failed.status == "failed" and "503" in failed.error and "gave up" in failed.error
    kept = set(stored_ids(engine))
    assert len(kept) == 100  # the first page stayed stored
    with transaction(engine) as s:
        assert s.scalars(select(SearchCursor)).first() is None  # the cursor did not move
    [resumed] = collector.collect_campaign(CAMPAIGN)
    assert resumed.run_id == failed.run_id and resumed.status == "completed"
    assert set(stored_ids(engine)) == fake.visible_ids(build_queries(CAMPAIGN.terms)[0])
    assert runs(engine)[0].resumes == 1


def test_rate_limit_waits_until_reset_and_is_recorded(sqlite_engine, config, fake):
    fake.inject(Fault("rate_limit", reset_in=1.0))
    [summary] = make_collector(sqlite_engine, config, fake).collect_campaign(CAMPAIGN)
    run = runs(sqlite_engine)[0]
    assert summary.status == "completed"
    assert run.rate_limit_waits == 1 and run.rate_limit_wait_seconds > 0
    assert set(stored_ids(sqlite_engine)) == fake.visible_ids(build_queries(CAMPAIGN.terms)[0])


def test_rate_limit_without_reset_header_backs_off(sqlite_engine, config, fake):
    fake.inject(Fault("rate_limit", reset_in=None, count=2))
    [summary] = make_collector(sqlite_engine, config, fake).collect_campaign(CAMPAIGN)
    assert summary.status == "completed"
    assert runs(sqlite_engine)[0].rate_limit_waits == 2


def test_rate_limit_reset_too_far_fails_the_run_with_the_reason(sqlite_engine, config, fake):
    fake.inject(Fault("rate_limit", reset_in=3600))
    collector = make_collector(sqlite_engine, replace(config, max_rate_limit_wait=5), fake)
    [summary] = collector.collect_campaign(CAMPAIGN)
    assert summary.status == "failed" and "max_rate_limit_wait_seconds" in summary.error


@pytest.mark.parametrize("kind, words", [("usage_cap", "usage cap"), ("credits", "credits")])
def test_usage_cap_and_spent_credits_halt_instead_of_waiting(sqlite_engine, config, fake, kind, words):
    fake.inject(Fault(kind, count=10))
    with pytest.raises(CollectionHalted, match=words):
        make_collector(sqlite_engine, config, fake).collect_campaign(CAMPAIGN)
    assert runs(sqlite_engine)[0].status == "halted"
    assert len(search_requests(fake)) == 1  # asked once, did not hammer or sleep


@pytest.mark.parametrize("kind, status", [("unauthorized", 401), ("forbidden", 403)])
def test_refused_credentials_are_a_configuration_error(sqlite_engine, config, fake, kind, status):
    fake.inject(Fault(kind))
    with pytest.raises(SourceConfigError, match=str(status)):
        make_collector(sqlite_engine, config, fake).collect_campaign(CAMPAIGN)
    assert runs(sqlite_engine)[0].status == "failed"


def test_wrong_token_never_appears_in_the_error(sqlite_engine, config, fake):
    source = XSource("wrong-secret-token-123", fake.base_url, timeout=2.0)
    collector = Collector(sqlite_engine, replace(config, campaigns=(CAMPAIGN,)), source, clock=fake.clock)
    with pytest.raises(SourceConfigError) as info:
        collector.collect_campaign(CAMPAIGN)
    assert "wrong-secret-token-123" not in str(info.value)
    with transaction(sqlite_engine) as s:
        assert all("wrong-secret" not in (e.detail or "") for e in s.scalars(select(RunEvent)))


@pytest.mark.parametrize("kind", ["no_includes", "missing_author", "duplicate"])
def test_odd_pages_keep_every_post_once(sqlite_engine, config, fake, kind):
    fake.inject(Fault(kind, count=3))
    [summary] = make_collector(sqlite_engine, config, fake).collect_campaign(CAMPAIGN)
    ids = stored_ids(sqlite_engine)
    assert summary.status == "completed"
    assert len(ids) == len(set(ids)) and set(ids) == fake.visible_ids(build_queries(CAMPAIGN.terms)[0])


def test_since_id_older_than_seven_days_falls_back_to_start_time(sqlite_engine, config, fake):
    query = build_queries(CAMPAIGN.terms)[0]
    old = fake.now() - timedelta(days=9)
    old_id = snowflake_at(old)
    with transaction(sqlite_engine) as s:
        s.add(SearchCursor(campaign=CAMPAIGN.name, query=query, since_id=old_id, updated_at=old))
    [summary] = make_collector(sqlite_engine, config, fake).collect_campaign(CAMPAIGN)
    assert summary.status == "completed"
    first = search_requests(fake)[0]["params"]
    assert "since_id" not in first and "start_time" in first
    [fallback] = events(sqlite_engine, "fallback")
    assert "older than the 7-day search window" in fallback.detail  # the possible gap is on record
    assert set(stored_ids(sqlite_engine)) == fake.visible_ids(query)


def test_stop_event_ends_the_run_resumably(sqlite_engine, config, fake):
    collector = make_collector(sqlite_engine, config, fake)
    fake.on_request = lambda n, path: n == 2 and collector.stop.set()
    [stopped] = collector.collect_campaign(CAMPAIGN)
    assert stopped.status == "stopped"
    collector.stop.clear()
    fake.on_request = None
    [done] = collector.collect_campaign(CAMPAIGN)
    assert done.run_id == stopped.run_id and done.status == "completed"
    assert set(stored_ids(sqlite_engine)) == fake.visible_ids(build_queries(CAMPAIGN.terms)[0])
