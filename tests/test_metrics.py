"""Every dashboard/report figure against hand-computed values from a small seeded set, on SQLite and
PostgreSQL (the `engine` fixture). The set and its worked-out figures are in tests/seed.py (SMALL)."""
from dataclasses import replace
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from monitor import exports, metrics
from monitor.attribution import correct_author
from monitor.db import transaction
from monitor.metrics import Filters, PostSearch
from monitor.models import Post
from monitor.safety import neutralise
from tests import pages
from tests.seed import CAMPAIGN, OTHER_CAMPAIGN, SMALL, TERMS, add_run, seed_small, small_config, store_api_page, utc


@pytest.fixture
def small(engine, config):
    seed_small(engine, config)
    return engine


def week(**kw) -> Filters:
    return Filters(CAMPAIGN, *SMALL.week, **kw)


def test_definitions_cover_every_kpi_in_plain_words():
    keys = {d.key for d in metrics.DEFINITIONS}
    assert {"posts", "contributors", "potential_reach", "impressions", "engagements", "unknown_share"} <= keys
    assert "smallest" in metrics.DEFINITIONS_BY_KEY["potential_reach"].text  # says MIN, not MAX


def test_kpis_match_hand_computed_figures(small):
    k = metrics.kpis(small, week())
    assert (k.posts, k.originals, k.replies, k.quotes) == (SMALL.posts, SMALL.originals, SMALL.replies, SMALL.quotes)
    assert k.contributors == SMALL.contributors
    assert k.potential_reach == SMALL.potential_reach
    assert k.impressions == SMALL.impressions
    assert k.engagements == SMALL.engagements
    assert k.unknown_share == pytest.approx(SMALL.unknown_posts / SMALL.posts)


def test_kpis_accept_a_session_as_well_as_an_engine(small):
    with transaction(small) as s:
        assert metrics.kpis(s, week()).posts == SMALL.posts


def test_post_matching_two_terms_counts_once_and_other_campaigns_are_excluded(small):
    with transaction(small) as s:
        matched_twice = s.scalar(select(Post.id).where(Post.text.like("Quoting%")))
    quote_only = metrics.posts_page(small, week(), PostSearch(kind="quote"))
    assert [r.id for r in quote_only.rows] == [matched_twice] and quote_only.total == 1
    other = metrics.kpis(small, Filters(OTHER_CAMPAIGN, *SMALL.week))
    assert (other.posts, other.contributors, other.potential_reach) == (1, 1, 1000)


def test_empty_period_is_all_zeros(small):
    k = metrics.kpis(small, Filters(CAMPAIGN, date(2026, 1, 1), date(2026, 1, 7)))
    assert k == metrics.Kpis() and k.unknown_share == 0.0


def test_kpis_with_change_compare_with_the_previous_week(small):
    result = metrics.kpis_with_change(small, week())
    assert result.current == metrics.kpis(small, week())
    assert (result.previous_filters.from_date, result.previous_filters.to_date) == SMALL.previous_week
    p = result.previous
    assert (p.posts, p.contributors, p.potential_reach, p.impressions, p.engagements) == (
        SMALL.previous_posts, 2, SMALL.previous_reach, SMALL.previous_impressions, SMALL.previous_engagements)
    assert result.change("posts") == pytest.approx((SMALL.posts - SMALL.previous_posts) / SMALL.previous_posts)
    assert result.change("unknown_posts") is None  # nothing Unknown last week: no percentage


def test_region_filter_and_branch_filter(small):
    london = metrics.kpis(small, week(region="London"))
    assert (london.posts, london.contributors, london.potential_reach) == (2, 1, 300)
    manchester = metrics.kpis(small, week(region="North West", branch="Manchester"))
    assert (manchester.posts, manchester.potential_reach, manchester.engagements) == (1, 1000, 20)
    assert metrics.kpis(small, week(region="North West", branch="Bolton")).posts == 0


def test_timeline_by_day_has_every_day_with_zeros(small):
    points = metrics.timeline(small, week())
    assert [p.day for p in points] == [SMALL.week[0] + timedelta(days=i) for i in range(7)]
    assert [p.posts for p in points] == [1, 0, 2, 0, 1, 0, 1]
    # 18 Nov: alice (320 followers on that post) and bob (1000), each once.
    assert [p.potential_reach for p in points] == [300, 0, 1320, 0, 50, 0, 200]


def test_timeline_by_hour_uses_uk_hours(small):
    points = metrics.timeline(small, week(), by="hour")
    assert len(points) == 7 * 24
    busy = {(p.day, p.hour): p.posts for p in points if p.posts}
    assert busy == {(date(2026, 11, 16), 9): 1, (date(2026, 11, 18), 10): 1, (date(2026, 11, 18), 11): 1,
                    (date(2026, 11, 20), 12): 1, (date(2026, 11, 22), 23): 1}


def test_uk_day_not_utc_day_in_summer_time(engine, config):
    """23:30 UTC on 10 June is 00:30 on 11 June in London: the post belongs to 11 June."""
    late = pages.page([pages.post(utc(10, 23, 30, month=6), "11", "#InvestInPupilServices",
                                  tags=["InvestInPupilServices"])], [pages.user("11", "alice")])
    store_api_page(engine, small_config(config), late, utc(11, 9, month=6), CAMPAIGN, TERMS)
    june = Filters(CAMPAIGN, date(2026, 6, 10), date(2026, 6, 11))
    days = [(p.day, p.posts) for p in metrics.timeline(engine, june)]
    assert days == [(date(2026, 6, 10), 0), (date(2026, 6, 11), 1)]
    assert [p.hour for p in metrics.timeline(engine, june, by="hour") if p.posts] == [0]


def test_regions_table_lists_every_region_with_zeros(small):
    rows = {r.key: r for r in metrics.regions_table(small, week())}
    assert list(rows) == metrics.region_keys()
    assert "Scotland" in rows and "Unknown" in rows
    assert {k: r.kpis.posts for k, r in rows.items() if r.kpis.posts} == {
        "London": 2, "North West": 1, "Scotland": 1, "Unknown": 1}
    assert rows["Wales"].kpis == metrics.Kpis() and rows["Wales"].share_of_posts == 0
    assert rows["London"].share_of_posts == pytest.approx(2 / 5)
    assert rows["London"].kpis.potential_reach == 300
    assert sum(r.kpis.posts for r in rows.values()) == SMALL.posts


def test_branches_table_of_a_region(small):
    rows = metrics.branches_table(small, week(region="North West"))
    assert [(r.key, r.kpis.posts) for r in rows] == [("Manchester", 1)]


def test_top_posts_rank_by_engagements(small):
    top = metrics.top_posts(small, week(), n=3)
    assert [(t.username, t.engagements) for t in top] == [("bob", 20), ("alice", 5), ("carol", 2)]
    assert top[0].url == f"https://x.com/bob/status/{top[0].id}"
    assert top[2].text == "**bold** <b>html</b> #InvestInPupilServices"  # stored as sent, shown as plain text


def test_top_contributors(small):
    top = metrics.top_contributors(small, week(), n=10)
    assert [(c.username, c.posts, c.potential_reach) for c in top] == [
        ("alice", 2, 300), ("bob", 1, 1000), ("carol", 1, 50), ("dave", 1, 200)]
    assert top[1].engagements == 20 and top[1].impressions == 999


def test_hashtags_and_mentions(small):
    assert [(t.term, t.posts, t.contributors) for t in metrics.hashtags(small, week())] == [
        ("investinpupilservices", 4, 4)]
    assert [(t.term, t.posts) for t in metrics.mentions(small, week())] == [("nahtnews", 2)]
    assert [t.term for t in metrics.mentions(small, week(), n=0)] == []


def test_region_accounts_show_evidence(small):
    accounts = metrics.region_accounts(small, week(region="London"))
    assert [(a.username, a.posts, a.evidence, a.last_post_date) for a in accounts] == [
        ("alice", 2, "known_account", date(2026, 11, 18))]
    unknown = metrics.region_accounts(small, week(region="Unknown"))
    assert [(a.username, a.evidence) for a in unknown] == [("carol", "none")]


def test_a_correction_moves_the_author_and_their_posts_at_once(small, config):
    with transaction(small) as s:
        carol_id = s.scalar(select(Post.author_id).where(Post.text.like("**bold**%")))
    correct_author(small, small_config(config), carol_id, "Wales", corrected_by="lead@naht.org.uk")
    rows = {r.key: r.kpis.posts for r in metrics.regions_table(small, week())}
    assert (rows["Wales"], rows["Unknown"]) == (1, 0)
    assert [a.evidence for a in metrics.region_accounts(small, week(region="Wales"))] == ["correction"]


@pytest.mark.parametrize("search, expected_users", [
    (PostSearch(text="roundtable"), ["alice"]),          # case-insensitive on both databases
    (PostSearch(text="100%"), []),                        # % is a character, not a wildcard
    (PostSearch(kind="reply"), ["alice"]),
    (PostSearch(hashtag="#InvestInPupilServices"), ["dave", "carol", "bob", "alice"]),
    (PostSearch(author="@BOB"), ["bob"]),
    (PostSearch(), ["dave", "carol", "bob", "alice", "alice"]),
])
def test_posts_page_filters(small, search, expected_users):
    page = metrics.posts_page(small, week(), search)
    assert [r.username for r in page.rows] == expected_users
    assert page.total == len(expected_users)


def test_posts_page_paging_keeps_the_total(small):
    first = metrics.posts_page(small, week(), limit=2)
    rest = metrics.posts_page(small, week(), limit=2, offset=2)
    beyond = metrics.posts_page(small, week(), limit=2, offset=10)
    assert (first.total, rest.total, beyond.total) == (5, 5, 5)
    assert len({r.id for r in first.rows + rest.rows}) == 4 and beyond.rows == []


def test_csv_rows_are_the_filtered_rows_and_spreadsheet_safe(small):
    rows = exports.post_rows(metrics.posts_for_download(small, week(region="London")))
    # A reply starting with @ would be read as a formula by a spreadsheet: prefixed with '.
    assert [r["text"] for r in rows] == ["'@NAHTnews thanks for this", "Roundtable with our MP #InvestInPupilServices"]
    assert list(rows[0]) == list(exports.POST_COLUMNS)
    assert rows[0]["url"].startswith("https://x.com/alice/status/")
    assert neutralise("=HYPERLINK(\"http://evil\")") == "'=HYPERLINK(\"http://evil\")"
    assert neutralise("@NAHTnews thanks") == "'@NAHTnews thanks"


def test_collection_gaps_and_failed_runs(engine):
    day = Filters(CAMPAIGN, date(2026, 11, 18), date(2026, 11, 18))
    start = utc(17, 23, 50)  # the last success before the day: the first gap runs into the day
    times = [start] + [utc(18, 0, 40) + timedelta(minutes=15 * i) for i in range(8)]  # 00:40 .. 02:25
    times += [utc(18, 4, 0), utc(18, 4, 15)]
    for at in times:
        add_run(engine, CAMPAIGN, at)
    add_run(engine, CAMPAIGN, utc(18, 4, 30), "failed", error="HTTP 503")
    add_run(engine, OTHER_CAMPAIGN, utc(18, 3, 0), "failed")  # another campaign's failure is not ours
    gaps = metrics.collection_gaps(engine, day, interval_minutes=15, now=utc(18, 4, 40))
    assert [(g.start, g.end, g.reason) for g in gaps] == [
        (utc(18, 0, 0), utc(18, 0, 40), "no successful run"),   # 50 minutes, clipped to the day
        (utc(18, 2, 25), utc(18, 4, 0), "no successful run"),   # 95 minutes
        (utc(18, 4, 30), utc(18, 4, 31), "failed run"),
    ]
    assert "HTTP 503" in gaps[2].detail
    # At 05:15, with no success since 04:15, a gap is open up to now.
    later = metrics.collection_gaps(engine, day, interval_minutes=15, now=utc(18, 5, 15))
    assert [(g.start, g.end) for g in later if g.reason == "no successful run"][-1] == (utc(18, 4, 15), utc(18, 5, 15))


def test_successes_exactly_twice_the_interval_apart_are_not_a_gap_at_any_time_of_day(engine):
    # "Longer than twice the interval" must not depend on floating-point rounding of the clock time:
    # SQLite's julianday() put about 1 in 5 such pairs tens of microseconds over the limit.
    day = Filters(CAMPAIGN, date(2026, 11, 18), date(2026, 11, 18))
    for quarter in range(95):  # 00:01, 00:16, ... 23:31: the times of day where julianday() went over
        at = utc(18, 0, 1) + timedelta(minutes=15 * quarter)
        add_run(engine, CAMPAIGN, at, "completed" if quarter % 2 == 0 else "failed")
    gaps = metrics.collection_gaps(engine, day, interval_minutes=15, now=utc(18, 23, 50))
    assert {g.reason for g in gaps} == {"failed run"}


def test_no_runs_means_no_gaps(engine):
    assert metrics.collection_gaps(engine, Filters(CAMPAIGN, date(2026, 11, 18), date(2026, 11, 18))) == []


def test_api_usage_this_month(engine, config):
    add_run(engine, CAMPAIGN, utc(2, 9), requests=3, posts_read=250, rate_limit_waits=1)
    add_run(engine, CAMPAIGN, utc(20, 9), requests=2, posts_read=100, kind="refresh")
    add_run(engine, CAMPAIGN, utc(30, 9, month=10), requests=50, posts_read=5000)  # last month
    # Users read: alice on 2 and 3 Nov, bob on 3 Nov (twice that day: billed once), alice on 31 Oct.
    cfg = small_config(config)
    alice, bob = pages.user("11", "alice"), pages.user("12", "bob")
    for when, users in [(utc(2, 9), [alice]), (utc(3, 9), [alice, bob]), (utc(3, 18), [bob]),
                        (utc(31, 9, month=10), [alice])]:
        store_api_page(engine, cfg, pages.page([], users), when, CAMPAIGN, TERMS)
    usage = metrics.api_usage_this_month(engine, replace(config, monthly_budget_usd=10.0), now=utc(21, 12))
    assert (usage.requests, usage.posts_read, usage.users_read, usage.rate_limit_waits) == (5, 350, 3, 1)


def test_collection_states_flag_stale_and_failing(engine, config):
    cfg = small_config(config)
    add_run(engine, CAMPAIGN, utc(18, 9, 0))
    add_run(engine, CAMPAIGN, utc(18, 9, 15), "failed", error="HTTP 401 Unauthorized")
    states = {s.campaign: s for s in metrics.collection_states(engine, cfg, now=utc(18, 9, 20))}
    ours = states[CAMPAIGN]
    assert (ours.last_status, ours.last_success, ours.failing, ours.stale) == ("failed", utc(18, 9, 0), True, False)
    assert ours.next_due == utc(18, 9, 30)
    assert "HTTP 401" in ours.problem
    assert states[OTHER_CAMPAIGN].problem == f"{OTHER_CAMPAIGN}: no successful collection run yet"
    add_run(engine, CAMPAIGN, utc(18, 9, 30))
    later = {s.campaign: s for s in metrics.collection_states(engine, cfg, now=utc(18, 10, 15))}[CAMPAIGN]
    assert (later.failing, later.stale, later.problem) == (False, True, f"{CAMPAIGN}: no successful collection "
                                                                        "run since 2026-11-18 09:30 UTC")


def test_recent_runs_newest_first(engine):
    first = add_run(engine, CAMPAIGN, utc(18, 9), posts_read=10, posts_new=4)
    second = add_run(engine, CAMPAIGN, utc(18, 9, 15), "failed", error="boom")
    runs = metrics.recent_runs(engine, CAMPAIGN)
    assert [(r.id, r.status, r.posts_new) for r in runs] == [(second, "failed", 0), (first, "completed", 4)]


@pytest.mark.parametrize("preset, expected", [
    ("Today", (date(2026, 11, 19), date(2026, 11, 19))),
    ("7 days", (date(2026, 11, 13), date(2026, 11, 19))),
    ("This week", (date(2026, 11, 16), date(2026, 11, 19))),
    ("Last week", (date(2026, 11, 9), date(2026, 11, 15))),
    ("30 days", (date(2026, 10, 21), date(2026, 11, 19))),
])
def test_preset_ranges(preset, expected):
    assert metrics.preset_range(preset, today=date(2026, 11, 19)) == expected  # a Thursday


def test_previous_period_has_equal_length():
    f = Filters(CAMPAIGN, date(2026, 11, 16), date(2026, 11, 19))
    assert (f.previous().from_date, f.previous().to_date) == (date(2026, 11, 12), date(2026, 11, 15))
