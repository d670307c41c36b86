"""The summary tables the dashboard reads (monitor.summary) stay exactly in step with posts, and every
figure read from them equals the figure computed directly from posts by the definitions, on SQLite and
PostgreSQL: after collection, in two campaigns, after a metrics refresh, a region correction, a
recompute and an import; and after migration 0004 fills them from posts already stored."""
from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import replace
from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import MetaData, Table, func, select, update

from monitor import metrics
from monitor.attribution import correct_author, recompute_all
from monitor.collector import Collector
from monitor.config import Campaign
from monitor.db import downgrade, make_engine, table_names, transaction, upgrade
from monitor.fakex import FakeX, SimClock
from monitor.importer import import_jsonl
from monitor.metrics import Filters, PostSearch
from monitor.models import Author, DaySummary, HourSummary, Post, PostHashtag, PostMatch, PostMention, TermSummary
from monitor.refresh import refresh_metrics
from monitor.regions import KnownAccount
from monitor.sources.x import XSource
from tests import pages
from tests.helpers import TOKEN
from tests.seed import CAMPAIGN, TERMS, seed_small, small_config, store_api_page, utc

ALL = Campaign(name="ipfs", title="IPFS", hashtags=("InvestInPupilServices", "PupilAndFamilyServices",
                                                     "FundOurSchools"), mentions=("NAHTnews",))
# A second campaign whose posts are also ALL's: the same posts stored under two campaigns.
FUND = Campaign(name="fund", title="Fund", hashtags=("FundOurSchools",), mentions=())


# --- the oracle: everything from posts, in Python ----------------------------------------------

def matched_posts(engine) -> list[tuple[str, dict]]:
    """(campaign, post) once per campaign a post matched, however many of its terms matched."""
    with transaction(engine) as s:
        pairs = set(s.execute(select(PostMatch.campaign, PostMatch.post_id)).all())
        rows = s.execute(select(Post.id, Post.created_date_uk, Post.created_hour_uk, Post.author_id, Post.region,
                                Post.branch, Post.kind, Post.author_followers, Post.impression_count,
                                Post.like_count, Post.repost_count, Post.reply_count, Post.quote_count,
                                Post.bookmark_count)).all()
    posts = {}
    for r in rows:
        posts[r[0]] = {"id": r[0], "day": r[1], "hour": r[2], "author_id": r[3], "region": r[4], "branch": r[5],
                       "kind": r[6], "followers": r[7], "impressions": r[8], "engagements": sum(r[9:14])}
    return [(campaign, posts[post_id]) for campaign, post_id in sorted(pairs)]


def post_terms(engine) -> dict:
    """post id -> [(kind, term)] from post_hashtags and post_mentions."""
    terms = defaultdict(list)
    with transaction(engine) as s:
        for post_id, tag in s.execute(select(PostHashtag.post_id, PostHashtag.tag)):
            terms[post_id].append(("hashtag", tag))
        for post_id, username in s.execute(select(PostMention.post_id, PostMention.username)):
            terms[post_id].append(("mention", username))
    return terms


def expected_slices(engine) -> tuple[dict, dict, dict]:
    days, hours, terms = {}, {}, {}
    by_post = post_terms(engine)
    for campaign, p in matched_posts(engine):
        for kind, term in by_post[p["id"]]:
            key = (campaign, p["day"], kind, term, p["author_id"], p["region"], p["branch"])
            terms[key] = [terms.get(key, [0])[0] + 1]
        key = (campaign, p["day"], p["author_id"], p["region"], p["branch"])
        d = days.setdefault(key, [0, 0, 0, 0, 0, None, 0, 0, None])
        d[0] += 1
        d[1] += p["kind"] == "original"
        d[2] += p["kind"] == "reply"
        d[3] += p["kind"] == "quote"
        d[4] += p["region"] == "Unknown"
        d[5] = p["followers"] if d[5] is None else min(d[5], p["followers"])
        d[6] += p["impressions"]
        d[7] += p["engagements"]
        d[8] = p["engagements"] if d[8] is None else max(d[8], p["engagements"])
        h = hours.setdefault((campaign, p["day"], p["hour"], p["author_id"], p["region"], p["branch"]), [0, None])
        h[0] += 1
        h[1] = p["followers"] if h[1] is None else min(h[1], p["followers"])
    return days, hours, terms


def stored_slices(engine) -> tuple[dict, dict, dict]:
    d, h, t = DaySummary, HourSummary, TermSummary
    with transaction(engine) as s:
        days = {(r[0], r[1], r[2], r[3], r[4]): list(r[5:]) for r in s.execute(select(
            d.campaign, d.day, d.author_id, d.region, d.branch, d.posts, d.originals, d.replies, d.quotes,
            d.unknown_posts, d.min_followers, d.impressions, d.engagements, d.max_engagements))}
        hours = {tuple(r[:6]): list(r[6:]) for r in s.execute(select(
            h.campaign, h.day, h.hour, h.author_id, h.region, h.branch, h.posts, h.min_followers))}
        terms = {tuple(r[:7]): list(r[7:]) for r in s.execute(select(
            t.campaign, t.day, t.kind, t.term, t.author_id, t.region, t.branch, t.posts))}
    return days, hours, terms


def assert_in_step(engine) -> None:
    """The summary rows are exactly the aggregate of the posts, one row per slice, none missing or stale."""
    want_days, want_hours, want_terms = expected_slices(engine)
    got_days, got_hours, got_terms = stored_slices(engine)
    assert got_days == want_days
    assert got_hours == want_hours
    assert got_terms == want_terms
    with transaction(engine) as s:   # one row per slice: the dicts above would hide a duplicate
        assert len(s.scalars(select(DaySummary.id)).all()) == len(want_days)
        assert len(s.scalars(select(HourSummary.id)).all()) == len(want_hours)
        assert len(s.scalars(select(TermSummary.id)).all()) == len(want_terms)


def _in(f: Filters, p: dict) -> bool:
    return (f.from_date <= p["day"] <= f.to_date and (not f.region or p["region"] == f.region)
            and (not f.branch or p["branch"] == f.branch))


def direct_kpis(posts: list[dict]) -> metrics.Kpis:
    followers: dict = {}
    for p in posts:
        followers[p["author_id"]] = min(followers.get(p["author_id"], p["followers"]), p["followers"])
    return metrics.Kpis(
        posts=len(posts), originals=sum(p["kind"] == "original" for p in posts),
        replies=sum(p["kind"] == "reply" for p in posts), quotes=sum(p["kind"] == "quote" for p in posts),
        contributors=len([a for a in followers if a is not None]), potential_reach=sum(followers.values()),
        impressions=sum(p["impressions"] for p in posts), engagements=sum(p["engagements"] for p in posts),
        unknown_posts=sum(p["region"] == "Unknown" for p in posts))


def assert_figures(engine, f: Filters) -> None:
    """Every summary-read figure of metrics for these filters equals the direct computation."""
    everything = matched_posts(engine)
    scope = [p for c, p in everything if c == f.campaign and _in(f, p)]
    before = [p for c, p in everything if c == f.campaign and _in(f.previous(), p)]
    assert metrics.kpis(engine, f) == direct_kpis(scope)
    change = metrics.kpis_with_change(engine, f)
    assert (change.current, change.previous) == (direct_kpis(scope), direct_kpis(before))

    for by, key in (("day", lambda p: (p["day"], None)), ("hour", lambda p: (p["day"], p["hour"]))):
        groups = defaultdict(list)
        for p in scope:
            groups[key(p)].append(p)
        want = {k: (len(v), direct_kpis(v).potential_reach) for k, v in groups.items()}
        got = {(t.day, t.hour): (t.posts, t.potential_reach) for t in metrics.timeline(engine, f, by=by)}
        assert {k: v for k, v in got.items() if v != (0, 0)} == want

    for column, table in (("region", metrics.regions_table), ("branch", metrics.branches_table)):
        groups = defaultdict(list)
        for p in scope:
            groups[p[column]].append(p)
        got = {r.key: r.kpis for r in table(engine, f) if r.kpis.posts}
        assert got == {k: direct_kpis(v) for k, v in groups.items()}

    ranked = sorted(scope, key=lambda p: (p["engagements"], p["impressions"], p["id"]), reverse=True)
    for n in (1, 3, 10):
        assert [r.id for r in metrics.top_posts(engine, f, n)] == [p["id"] for p in ranked[:n]]

    by_author = defaultdict(list)
    for p in scope:
        if p["author_id"] is not None:
            by_author[p["author_id"]].append(p)
    authors = sorted(((a, direct_kpis(v)) for a, v in by_author.items()),
                     key=lambda item: (-item[1].posts, -item[1].engagements, item[0]))
    got = [(c.author_id, c.posts, c.potential_reach, c.impressions, c.engagements)
           for c in metrics.top_contributors(engine, f, 10)]
    assert got == [(a, k.posts, k.potential_reach, k.impressions, k.engagements) for a, k in authors[:10]]
    accounts = {(a.author_id, a.posts, a.last_post_date) for a in metrics.region_accounts(engine, f, limit=10_000)}
    assert accounts == {(a, len(v), max(p["day"] for p in v)) for a, v in by_author.items()}

    # hashtags and mentions: posts and unique authors per term, most posts first, then by term
    by_post = post_terms(engine)
    for kind, function in (("hashtag", metrics.hashtags), ("mention", metrics.mentions)):
        per_term = defaultdict(list)
        for p in scope:
            for k, term in by_post[p["id"]]:
                if k == kind:
                    per_term[term].append(p)
        want = sorted(((term, len(v), len({p["author_id"] for p in v if p["author_id"] is not None}))
                       for term, v in per_term.items()), key=lambda r: (-r[1], r[0]))
        for n in (0, 2, 50):
            assert [(r.term, r.posts, r.contributors) for r in function(engine, f, n)] == want[:n]

    # the explorer's totals: from the summary without text, hashtag or author; a hashtag either way
    for kind in (None, "original", "reply", "quote"):
        page = metrics.posts_page(engine, f, PostSearch(kind=kind), limit=5)
        assert page.total == len([p for p in scope if kind in (None, p["kind"])])
    with transaction(engine) as s:
        tags = defaultdict(set)
        for post_id, tag in s.execute(select(PostHashtag.post_id, PostHashtag.tag)):
            tags[post_id].add(tag)
    used = sorted({t for p in scope for t in tags[p["id"]]})
    for tag in used[:3] + ["nosuchtag"]:
        page = metrics.posts_page(engine, f, PostSearch(hashtag=tag), limit=5)
        assert page.total == sum(tag in tags[p["id"]] for p in scope)


def assert_all_figures(engine, campaigns=(ALL.name,)) -> None:
    everything = matched_posts(engine)
    days = sorted({p["day"] for _, p in everything})
    assert days, "no posts stored"
    for campaign in campaigns:
        whole = Filters(campaign, days[0], days[-1])
        assert_figures(engine, whole)
        assert_figures(engine, Filters(campaign, days[-1], days[-1]))
        regions = sorted({p["region"] for c, p in everything if c == campaign})
        for region in regions[:4]:
            assert_figures(engine, replace(whole, region=region))
        branches = sorted({(p["region"], p["branch"]) for c, p in everything if c == campaign and p["branch"]})
        for region, branch in branches[:2]:
            assert_figures(engine, replace(whole, region=region, branch=branch))


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
        yield engine, cfg, source, clock
    finally:
        fake.stop()


def test_summary_follows_collection_in_two_campaigns_refresh_correction_and_recompute(collected):
    engine, cfg, source, clock = collected
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
