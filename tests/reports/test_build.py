"""build_weekly_report: one ISO week in UK time, its figures the same as monitor.metrics and the tables."""
from datetime import date, timedelta

import pytest

from monitor.reports import ReportError, build_weekly_report, report_filename
from tests.reports.helpers import build, oct_utc, seed_clock_change_week, sql_posts
from tests.seed import CAMPAIGN, SMALL, add_run, utc


def test_week_figures_match_the_database(small, small_cfg):
    report = build(small, small_cfg)
    in_db = sql_posts(small, *SMALL.week)
    k = report.kpis.current
    assert (report.monday, report.sunday) == SMALL.week
    assert k.posts == len(in_db) == SMALL.posts
    assert k.engagements == sum(p["engagements"] for p in in_db.values()) == SMALL.engagements
    assert k.contributors == len({p["author"] for p in in_db.values()})
    assert k.potential_reach == SMALL.potential_reach
    assert report.kpis.previous.posts == SMALL.previous_posts
    assert {p.id for p in report.posts} == set(in_db) and report.posts_total == SMALL.posts
    assert [d.point.posts for d in report.days] == [1, 0, 2, 0, 1, 0, 1]
    assert sum(r.row.kpis.posts for r in report.regions) == SMALL.posts
    assert [(p.username, p.engagements) for p in report.top_posts[:2]] == [("bob", 20), ("alice", 5)]
    assert report.complete and report.week_label == "2026-W47"


def test_region_report_has_only_that_region(small, small_cfg):
    report = build(small, small_cfg, region="london")  # key, display name or slug, any case
    assert report.region == "London" and report.region_name == "London"
    assert report.kpis.current.posts == len(sql_posts(small, *SMALL.week, region="London")) == 2
    assert [r.key for r in report.regions] == ["London"]
    assert {p.region for p in report.posts} == {"London"}
    assert report_filename(report, "xlsx") == "naht-invest-in-pupil-and-family-services-2026-W47-london.xlsx"


def test_region_display_names_are_accepted(small, small_cfg):
    assert build(small, small_cfg, region="NAHT Cymru").region == "Wales"
    assert build(small, small_cfg, region="Eastern").region == "East of England"


@pytest.mark.parametrize("kwargs, param", [
    ({"year": 2026, "week": 54}, "week"),
    ({"region": "Narnia"}, "region"),
    ({"campaign": "no-such-campaign"}, "campaign"),
    ({"campaign": None}, "campaign"),  # two campaigns configured: which one must be said
])
def test_bad_requests_name_what_was_expected(sqlite_engine, small_cfg, kwargs, param):
    args = {"year": 2026, "week": 47, "campaign": CAMPAIGN, **kwargs}
    with pytest.raises(ReportError) as err:
        build_weekly_report(sqlite_engine, small_cfg, args.pop("year"), args.pop("week"), **args)
    assert err.value.param == param


def test_a_week_with_no_posts_is_seven_days_of_zeros(engine, small_cfg):
    report = build(engine, small_cfg, (2026, 2))
    assert report.kpis.current.posts == 0 and report.posts == () and report.top_posts == ()
    assert [d.day for d in report.days] == [date(2026, 1, 5) + timedelta(days=i) for i in range(7)]
    assert all(d.point.posts == 0 for d in report.days)
    assert len(report.regions) == 14 and report.runs.total == 0   # 12 regions, National, Unknown


def test_collection_completeness_counts_runs_and_gaps_of_the_week(engine, small_cfg):
    for hour in range(24):  # hourly runs on Tuesday: over 2 x 15 minutes apart, so gaps
        add_run(engine, CAMPAIGN, utc(17, hour))
    add_run(engine, CAMPAIGN, utc(17, 12, 30), "failed", error="HTTP 503")
    add_run(engine, CAMPAIGN, utc(24, 9))  # the week after: not counted
    report = build(engine, small_cfg)
    assert (report.runs.completed, report.runs.failed) == (24, 1)
    assert [g.detail for g in report.failed_runs] == ["run 25 failed: HTTP 503"]
    assert len(report.missing_stretches) == 24  # 23 hours between runs, and Tuesday 23:00 to the week's end


def test_week_with_the_october_clock_change(engine, small_cfg):
    ids = seed_clock_change_week(engine, small_cfg)
    report = build(engine, small_cfg, (2026, 43), now=oct_utc(26, 7))
    assert (report.start_utc, report.end_utc) == (oct_utc(18, 23), oct_utc(26, 0))
    assert [d.hours for d in report.days] == [24] * 6 + [25]
    assert [d.point.posts for d in report.days] == [1, 0, 0, 0, 0, 0, 3]
    assert {p.id for p in report.posts} == {ids["mon_0030_bst"], ids["sun_0130_bst"], ids["sun_0130_gmt"],
                                            ids["sun_2330_gmt"]}
    assert report.kpis.previous.posts == 1  # Sunday 18th 23:30 BST belongs to the week before
    assert report.complete
