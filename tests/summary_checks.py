"""The oracle for the summary tables (monitor.summary): every figure computed directly from posts, in
Python, by the definitions, and checks that the stored slices and every figure read from them agree.
Shared by the summary tests and the tests of every write path that must keep the summaries in step."""
from __future__ import annotations

from collections import defaultdict
from dataclasses import replace

from sqlalchemy import inspect, null, select

from monitor import metrics
from monitor.config import Campaign
from monitor.db import transaction
from monitor.metrics import Filters, PostSearch
from monitor.models import DaySummary, HourSummary, Post, PostHashtag, PostMatch, PostMention, TermSummary

ALL = Campaign(name="ipfs", title="IPFS", hashtags=("InvestInPupilServices", "PupilAndFamilyServices",
                                                     "FundOurSchools"), mentions=("NAHTnews",))
# A second campaign whose posts are also ALL's: the same posts stored under two campaigns.
FUND = Campaign(name="fund", title="Fund", hashtags=("FundOurSchools",), mentions=())


# --- the oracle: everything from posts, in Python ----------------------------------------------

def _removal_columns(session) -> list:
    """posts.anonymous_author and removed_at, or NULLs in a database upgraded only to before 0014."""
    present = {c["name"] for c in inspect(session.connection()).get_columns("posts")}
    return [Post.anonymous_author if "anonymous_author" in present else null(),
            Post.removed_at if "removed_at" in present else null()]


def matched_posts(engine) -> list[tuple[str, dict]]:
    """(campaign, post) once per campaign a post matched, however many of its terms matched. A removed
    post (monitor.privacy) counts for its anonymous key in place of an author, and is never listed."""
    with transaction(engine) as s:
        pairs = set(s.execute(select(PostMatch.campaign, PostMatch.post_id)).all())
        rows = s.execute(select(Post.id, Post.created_date_uk, Post.created_hour_uk, Post.author_id, Post.region,
                                Post.branch, Post.kind, Post.author_followers, Post.impression_count,
                                Post.like_count, Post.repost_count, Post.reply_count, Post.quote_count,
                                Post.bookmark_count, *_removal_columns(s))).all()
    posts = {}
    for r in rows:
        posts[r[0]] = {"id": r[0], "day": r[1], "hour": r[2], "author_id": r[3] or r[14], "region": r[4],
                       "branch": r[5], "kind": r[6], "followers": r[7], "impressions": r[8],
                       "engagements": sum(r[9:14]), "removed": r[15] is not None}
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

    listed = [p for p in scope if not p["removed"]]
    ranked = sorted(listed, key=lambda p: (p["engagements"], p["impressions"], p["id"]), reverse=True)
    for n in (1, 3, 10):
        assert [r.id for r in metrics.top_posts(engine, f, n)] == [p["id"] for p in ranked[:n]]

    by_author = defaultdict(list)
    for p in listed:
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
        assert page.total == len([p for p in listed if kind in (None, p["kind"])])
    with transaction(engine) as s:
        tags = defaultdict(set)
        for post_id, tag in s.execute(select(PostHashtag.post_id, PostHashtag.tag)):
            tags[post_id].add(tag)
    used = sorted({t for p in scope for t in tags[p["id"]]})
    for tag in used[:3] + ["nosuchtag"]:
        page = metrics.posts_page(engine, f, PostSearch(hashtag=tag), limit=5)
        assert page.total == sum(tag in tags[p["id"]] for p in listed)


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
