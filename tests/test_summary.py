"""The summary tables the dashboard reads (monitor.summary) stay exactly in step with posts, and every
figure read from them equals the figure computed directly from posts by the definitions, on SQLite and
PostgreSQL: after collection, in two campaigns, after a metrics refresh, a region correction, a
recompute and an import; and after migration 0004 fills them from posts already stored."""
from __future__ import annotations

import json
from dataclasses import replace
from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import MetaData, Table, func, select, update

from monitor import metrics
from monitor.attribution import correct_author, recompute_all
from monitor.collector import Collector
from monitor.db import make_engine, transaction
from monitor.fakex import FakeX, SimClock
from monitor.importer import import_jsonl
from monitor.metrics import Filters
from monitor.models import Author, DaySummary, HourSummary, Post, PostMatch, TermSummary
from monitor.privacy import forget
from monitor.refresh import refresh_metrics
from monitor.regions import KnownAccount
from monitor.schema import downgrade, table_names, upgrade
from monitor.sources.x import XSource
from monitor.summary import rebuild
from tests import pages
from tests.helpers import TOKEN
from tests.seed import CAMPAIGN, TERMS, seed_small, small_config, store_api_page, utc
from tests.summary_checks import ALL, FUND, assert_all_figures, assert_in_step, expected_slices, stored_slices

# --- the write paths -----------------------------------------------------------------------------

@pytest.fixture
def collected(engine, config):
    """Two days of simulated campaign traffic collected through the collector, for two overlapping campaigns."""
    now = datetime.now(timezone.utc).replace(microsecond=0)
    clock = SimClock(now)
    fake = FakeX(seed=11, start=now - timedelta(days=2), days=2, posts_per_day=300, bearer_token=TOKEN,
                 clock=clock).start()
    cfg = replace(config, campaigns=(ALL, FUND))
    source = XSource(TOKEN, fake.base_url, timeout=5.0)
    try:
        yield engine, cfg, source, clock, fake
    finally:
        fake.stop()


def test_summary_follows_collection_in_two_campaigns_refresh_correction_recompute_and_removals(collected, monkeypatch):
    engine, cfg, source, clock, fake = collected
    collector = Collector(engine, cfg, source, clock=clock)
    collector.collect_campaign(ALL)
    assert_in_step(engine)
    assert_all_figures(engine)

    collector.collect_campaign(FUND)   # posts already stored by ALL, now matched by FUND too
    with transaction(engine) as s:
        both = s.scalars(select(PostMatch.post_id).where(PostMatch.campaign == FUND.name)).all()
    assert both
    assert_in_step(engine)
    assert_all_figures(engine, (ALL.name, FUND.name))

    # the metrics refresh changes impressions and engagements of posts already summarised
    with transaction(engine) as s:
        before = dict(s.execute(select(Post.id, Post.impression_count)).all())
        s.execute(update(Post).values(next_refresh_at=clock() - timedelta(days=1)))
    clock.advance(timedelta(hours=6))
    summary = refresh_metrics(engine, cfg, source, clock=clock)
    assert summary.refreshed > 0
    with transaction(engine) as s:
        after = dict(s.execute(select(Post.id, Post.impression_count)).all())
    assert any(after[i] != before[i] for i in before)
    assert_in_step(engine)
    assert_all_figures(engine, (ALL.name, FUND.name))

    # a correction moves one author's posts (all their days) to another region
    with transaction(engine) as s:
        author_id = s.scalar(select(Post.author_id).where(Post.region == "Unknown").limit(1)) or \
            s.scalar(select(Post.author_id).limit(1))
    correct_author(engine, cfg, author_id, "Wales", branch="Cardiff", corrected_by="lead@example.org")
    with transaction(engine) as s:
        assert set(s.scalars(select(Post.region).where(Post.author_id == author_id))) == {"Wales"}
    assert_in_step(engine)
    assert_all_figures(engine, (ALL.name, FUND.name))

    # a recompute after the known accounts changed moves many authors at once
    with transaction(engine) as s:
        ids = s.execute(select(Post.author_id).distinct().limit(5)).scalars().all()
        names = s.scalars(select(Author.username).where(Author.id.in_(ids))).all()
    recomputed = replace(cfg, known_accounts=tuple(KnownAccount(n, "North East") for n in names))
    recompute_all(engine, recomputed)
    assert_in_step(engine)
    assert_all_figures(engine, (ALL.name, FUND.name))

    # removals (monitor.privacy): a post deleted and an account protected on X, found by the refresh,
    # then a person forgotten on request; every figure still equals the direct computation
    with transaction(engine) as s:
        posts = s.execute(select(Post.id, Post.author_id).where(Post.id.in_(select(PostMatch.post_id).where(
            PostMatch.campaign == FUND.name)), Post.next_refresh_at.is_not(None)).order_by(Post.id)).all()
    fake.delete_post(posts[0][0])
    fake.protect_author(next(a for _, a in posts if a != posts[0][1]))
    with transaction(engine) as s:
        s.execute(update(Post).where(Post.next_refresh_at.is_not(None))
                  .values(next_refresh_at=clock() - timedelta(days=1)))
    # Posts still being refreshed, read on the full schedule: which posts the selective refresh (the default)
    # has stopped reading, or would stop instead of reading, depends on the UTC hour (monitor.refresh_policy).
    full_schedule = replace(cfg, metrics_refresh=replace(cfg.metrics_refresh, selective=False))
    assert refresh_metrics(engine, full_schedule, source, clock=clock).removed_posts >= 2
    with transaction(engine) as s:
        busiest = s.execute(select(Author.username).join(Post, Post.author_id == Author.id).group_by(Author.username)
                            .order_by(func.count().desc(), Author.username).limit(1)).scalar()
    monkeypatch.setenv("MONITOR_PRIVACY_SALT", "summary-test-salt-0123456789")
    assert forget(engine, cfg, busiest, requested_by="dpo@example.org").posts > 1
    assert_in_step(engine)
    assert_all_figures(engine, (ALL.name, FUND.name))
    with transaction(engine) as s:
        assert s.scalar(select(func.count()).select_from(Post).where(Post.removed_at.is_not(None))) >= 4
        rebuilt_from = stored_slices(engine)
        rebuild(s)
    assert stored_slices(engine) == rebuilt_from   # the upkeep and a rebuild agree: nothing to undo


def test_summary_follows_the_importer(engine, config, tmp_path):
    """The importer adds campaign matches after store_page: the summary counts them."""
    cfg = small_config(config)
    tag = ["InvestInPupilServices"]
    page = pages.page([
        pages.post(utc(16, 9), "11", "One #InvestInPupilServices", seq=1, tags=tag, likes=5),
        pages.post(utc(16, 10), "11", "Two #InvestInPupilServices @NAHTnews", seq=2, tags=tag,
                   mentions=["NAHTnews"], likes=1),
        pages.post(utc(17, 9), "12", "Three #SomethingElse #InvestInPupilServices", seq=3,
                   tags=["SomethingElse", "InvestInPupilServices"]),
    ], [pages.user("11", "alice", followers=300), pages.user("12", "bob", followers=1000)])
    path = tmp_path / "import.jsonl"
    path.write_text(json.dumps(page) + "\n", encoding="utf-8")
    import_jsonl(engine, cfg, path, progress=False)
    assert_in_step(engine)
    with transaction(engine) as s:
        assert set(s.scalars(select(DaySummary.campaign))) == {c.name for c in cfg.campaigns}
    assert_all_figures(engine, [c.name for c in cfg.campaigns])
    # importing again (metrics changed) updates the same slices, adds nothing
    page["data"][0]["public_metrics"] = dict(page["data"][0]["public_metrics"], like_count=50, impression_count=4000)
    path.write_text(json.dumps(page) + "\n", encoding="utf-8")
    import_jsonl(engine, cfg, path, progress=False)
    assert_in_step(engine)
    assert metrics.kpis(engine, Filters(CAMPAIGN, date(2026, 11, 16), date(2026, 11, 17))).engagements >= 50


def test_post_whose_author_was_not_sent_counts_as_from_posts(engine, config):
    """A post whose author the API left out is stored with a placeholder author: figures as from posts."""
    cfg = small_config(config)
    page = pages.page([pages.post(utc(16, 9), "77", "Orphan #InvestInPupilServices", seq=1,
                                  tags=["InvestInPupilServices"])], [])
    store_api_page(engine, cfg, page, utc(16, 10), CAMPAIGN, TERMS)
    assert_in_step(engine)
    assert_all_figures(engine, [CAMPAIGN])


def test_migration_0004_fills_the_summary_from_posts_already_stored(db_url, config):
    """A database at 0003 that already holds posts (two campaigns, a post in both) is upgraded: the new
    tables hold exactly the aggregate of those posts, and the figures are the direct ones. (The posts
    are stored at the current schema, which is then downgraded to 0003: the summary tables go.)"""
    engine = make_engine(db_url)
    try:
        upgrade(engine)
        cfg = small_config(config)
        seed_small(engine, cfg)
        both = pages.page([pages.post(utc(19, 9), "12", "Both #InvestInPupilServices #SomethingElse", seq=20,
                                      tags=["InvestInPupilServices", "SomethingElse"], likes=7)],
                          [pages.user("12", "bob", followers=1000)])
        store_api_page(engine, cfg, both, utc(23, 12), CAMPAIGN, TERMS)
        store_api_page(engine, cfg, both, utc(23, 12), "other-campaign", ("#SomethingElse",))
        downgrade(engine, "0003")
        assert "summary_days" not in table_names(engine)
        with transaction(engine) as s:
            assert s.scalar(select(Post.id).limit(1)) is not None
        upgrade(engine)
        assert_in_step(engine)
        assert_all_figures(engine, [CAMPAIGN, "other-campaign"])
    finally:
        engine.dispose()


def test_new_posts_merge_into_existing_slices(engine, config):
    """Posts added to a slice that already holds posts of the author's day: followers keep the smallest,
    the largest engagements the largest, counts and sums add up; a post stored twice counts once."""
    cfg = small_config(config)
    tag = ["InvestInPupilServices"]
    steps = [(300, 5, 1), (250, 1, 2), (400, 90, 3), (250, 1, 2)]   # followers, likes, seq (the last again)
    for followers, likes, seq in steps:
        page = pages.page([pages.post(utc(16, 9 + seq), "11", f"Post {seq} #InvestInPupilServices", seq=seq,
                                      tags=tag, likes=likes)], [pages.user("11", "alice", followers=followers)])
        store_api_page(engine, cfg, page, utc(16, 9 + seq, 30), CAMPAIGN, TERMS)
        assert_in_step(engine)
    with transaction(engine) as s:
        [row] = s.execute(select(DaySummary.posts, DaySummary.min_followers, DaySummary.engagements,
                                 DaySummary.max_engagements)).all()
    assert tuple(row) == (3, 250, 5 + 1 + 90, 90)
    assert_all_figures(engine, [CAMPAIGN])


def _split_every_slice(engine) -> None:
    """Make each slice with two or more posts two rows (as a database written before one row a slice
    was enforced could hold): the first row takes one post and none of the other sums, the second the
    rest; both keep the slice's MIN of followers and MAX of engagements."""
    with transaction(engine) as s:
        for model in (DaySummary, HourSummary, TermSummary):
            # The table as the database has it (an older revision), not as the model describes it now.
            table = Table(model.__tablename__, MetaData(), autoload_with=s.connection())
            for row in s.execute(select(table).where(table.c.posts > 1)).mappings().all():
                twin = {k: v for k, v in row.items() if k != "id"}
                twin["posts"] = row["posts"] - 1
                sums = set(table.c.keys()) & {"originals", "replies", "quotes", "unknown_posts", "impressions",
                                              "engagements"}
                s.execute(update(table).where(table.c.id == row["id"]).values(posts=1, **dict.fromkeys(sums, 0)))
                s.execute(table.insert().values(**twin))


def test_migration_0006_merges_duplicated_slices_and_keeps_one_row_a_slice(db_url, config):
    """A database at 0005 holding two rows for some slices (branch NULL among them) is upgraded: each
    slice is one row again, the figures equal those from posts, and new posts merge into it."""
    engine = make_engine(db_url)
    try:
        upgrade(engine)
        cfg = small_config(config)
        seed_small(engine, cfg)
        tag = ["InvestInPupilServices"]
        several = pages.page([pages.post(utc(16, 9 + n), "11", f"Post {n} #InvestInPupilServices #FundOurSchools",
                                         seq=60 + n, tags=tag + ["FundOurSchools"], likes=n) for n in range(3)],
                             [pages.user("11", "alice", followers=300)])
        store_api_page(engine, cfg, several, utc(16, 13), CAMPAIGN, TERMS)
        downgrade(engine, "0005")   # as written before 0006: no unique slice key
        _split_every_slice(engine)
        with transaction(engine) as s:
            assert s.scalar(select(func.count()).select_from(DaySummary)) > len(expected_slices(engine)[0])
        upgrade(engine)
        assert_in_step(engine)
        assert_all_figures(engine, [CAMPAIGN])
        page = pages.page([pages.post(utc(16, 23), "11", "Late #InvestInPupilServices", seq=90,
                                      tags=["InvestInPupilServices"])], [pages.user("11", "alice", followers=5)])
        store_api_page(engine, cfg, page, utc(17, 1), CAMPAIGN, TERMS)
        assert_in_step(engine)
    finally:
        engine.dispose()


def test_writers_storing_the_same_posts_at_once_leave_each_counted_once(engine, config):
    """Two collectors store overlapping pages at the same time (as two campaigns or two processes do)
    while an author's region is corrected: every post is stored once and counted once, and neither
    writer fails (on PostgreSQL a writer that locked rows before the other could deadlock)."""
    import threading

    cfg = small_config(config)
    tag = ["InvestInPupilServices"]
    users = [pages.user(str(20 + a), f"user{a}", followers=100 * (a + 1)) for a in range(6)]
    posts = [pages.post(utc(16, 8) + timedelta(minutes=7 * n), str(20 + n % 6), f"Post {n} #InvestInPupilServices",
                        seq=n, tags=tag, likes=n) for n in range(60)]
    # Each writer stores every post, in pages that overlap the other writer's pages differently.
    plans = [[posts[i:i + 10] for i in range(0, 60, 10)], [posts[i:i + 15] for i in range(5, 60, 15)] + [posts[:5]]]
    first = pages.post(utc(16, 7), "21", "First #InvestInPupilServices", seq=99, tags=tag)
    store_api_page(engine, cfg, pages.page([first], users[1:2]), utc(16, 7, 30), CAMPAIGN, TERMS)   # to correct
    barrier, failures = threading.Barrier(3), []

    def writer(plan):
        barrier.wait()
        for chunk in plan:
            try:
                store_api_page(engine, cfg, pages.page(chunk, users), utc(16, 20), CAMPAIGN, TERMS)
            except Exception as e:   # noqa: BLE001 - reported below, with the page
                failures.append(repr(e))

    def corrector():
        barrier.wait()
        for region in ("Wales", "London", "Wales"):
            try:
                correct_author(engine, cfg, "21", region, corrected_by="test")
            except Exception as e:   # noqa: BLE001
                failures.append(repr(e))

    threads = [threading.Thread(target=writer, args=(plan,)) for plan in plans] + [threading.Thread(target=corrector)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert failures == []
    with transaction(engine) as s:
        assert len(s.scalars(select(Post.id)).all()) == 61
    assert_in_step(engine)
    assert_all_figures(engine, [CAMPAIGN])
