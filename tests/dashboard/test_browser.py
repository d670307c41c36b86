"""Real-browser tests: `streamlit run` on a free port, headless Chromium through Playwright. Each page
is loaded, a filter changed, a region link followed and the CSV downloaded; the figures on screen are
checked against the database. Screenshots of every page at three widths are taken by test_accessibility.py."""
from __future__ import annotations

import csv
import io
import re
from datetime import timedelta

import pytest

from monitor import metrics
from monitor.metrics import PostSearch
from monitor.timeutil import uk_today
from tests.dashboard.helpers import (
    CHARTS,
    DOWNLOAD_TIMEOUT_MS,
    TABLES,
    choose,
    db_posts,
    expect_drawn,
    metric_value,
    open_page,
    seven_days,
    wait_until_idle,
)
from tests.seed import CAMPAIGN

pytestmark = pytest.mark.browser


def test_overview_shows_the_database_figures_and_changes_period(page, dashboard_server, seeded_db):
    open_page(page, dashboard_server)
    f = seven_days()
    expected = metrics.kpis(seeded_db.engine(), f)
    assert metric_value(page, "Posts") == f"{db_posts(seeded_db, f.from_date, f.to_date):,}"
    assert metric_value(page, "Potential reach") == f"{expected.potential_reach:,}"
    assert metric_value(page, "Engagements") == f"{expected.engagements:,}"
    expect_drawn(page, CHARTS, 2)  # the timeline, the tile map
    expect_drawn(page, TABLES, 5)  # regions, top posts, contributors, hashtags, mentions
    choose(page, "Period", "Last week")
    start, end = metrics.preset_range("Last week", uk_today())
    assert metric_value(page, "Posts") == f"{db_posts(seeded_db, start, end):,}"
    assert "period=lastweek" in page.url


def test_region_link_opens_the_region_page(page, dashboard_server, seeded_db):
    open_page(page, dashboard_server)
    choose(page, "Period", "30 days")
    thirty = metrics.preset_range("30 days", uk_today())
    london = db_posts(seeded_db, *thirty, "London")
    page.get_by_role("link", name="London", exact=True).click()   # its name in the regions table
    page.wait_for_url(re.compile(r"/region\?"))
    wait_until_idle(page)
    assert "region=London" in page.url and "period=30d" in page.url   # the link keeps the view
    assert page.locator("h2", has_text="London").count() == 1
    assert metric_value(page, "Posts") == f"{london:,}"


def test_shared_region_url_opens_in_a_new_session(page, dashboard_server, seeded_db):
    start, end = metrics.preset_range("30 days", uk_today())
    open_page(page, dashboard_server, f"region?region=Scotland&from={start}&to={end}")
    assert page.locator("h2", has_text="Scotland").count() == 1
    assert metric_value(page, "Posts") == f"{db_posts(seeded_db, start, end, 'Scotland'):,}"


def test_posts_explorer_search_and_csv_download(page, dashboard_server, seeded_db):
    open_page(page, dashboard_server, "posts")
    page.get_by_label("Text contains").fill("waiting list")
    page.get_by_label("Text contains").press("Enter")
    wait_until_idle(page)
    expected = metrics.posts_page(seeded_db.engine(), seven_days(), PostSearch(text="waiting list"), limit=50)
    assert expected.total > 0
    assert page.get_by_text(f"{expected.total:,} posts match").count() == 1
    assert "q=waiting+list" in page.url
    with page.expect_download(timeout=DOWNLOAD_TIMEOUT_MS) as download_info:
        page.get_by_role("button", name=re.compile("Download these posts")).click()
    body = download_info.value.path().read_bytes().decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(body)))
    assert len(rows) == expected.total
    assert [r["url"] for r in rows[:50]] == [p.url for p in expected.rows]
    assert all("waiting list" in r["text"].lower() for r in rows)


def test_collector_health_page(page, dashboard_server, seeded_db):
    open_page(page, dashboard_server, "health")
    from monitor.config import default_config
    usage = metrics.api_usage_this_month(seeded_db.engine(), default_config())
    assert metric_value(page, "Requests") == f"{usage.requests:,}"
    spent = metrics.spend_this_month(seeded_db.engine(), 100.0, 0.8)
    assert metric_value(page, "Billed this month") == f"${spent.usd:,.2f}"
    assert page.get_by_text("Collection gaps and failed runs").count() == 1


def test_help_page(page, dashboard_server):
    open_page(page, dashboard_server, "help")
    for definition in metrics.DEFINITIONS:
        assert page.get_by_text(definition.text[:60]).count() >= 1


def test_weekly_summary_is_one_click_from_the_region_page(page, dashboard_server, seeded_db, tmp_path):
    import openpyxl

    from monitor.timeutil import iso_week_days

    open_page(page, dashboard_server, "region?region=London")
    with page.expect_download(timeout=DOWNLOAD_TIMEOUT_MS) as download_info:
        page.get_by_role("button", name=re.compile("Excel workbook")).click()
    download = download_info.value
    monday = uk_today() - timedelta(days=uk_today().weekday() + 7)  # the last full week
    year, week, _ = monday.isocalendar()
    assert download.suggested_filename == f"naht-{CAMPAIGN}-{year}-W{week:02d}-london.xlsx"
    path = tmp_path / "week.xlsx"
    download.save_as(path)
    workbook = openpyxl.load_workbook(path)
    assert workbook.sheetnames == ["Summary", "Regions", "Daily", "Top posts", "Contributors", "Posts", "MPs",
                                  "Actions"]
    start, end = iso_week_days(year, week)
    daily = [row for row in workbook["Daily"].iter_rows(min_row=2, values_only=True) if row[0] is not None]
    assert len(daily) == 7
    posts_sheet_rows = workbook["Posts"].max_row - 1
    assert posts_sheet_rows == db_posts(seeded_db, start, end, "London")


@pytest.mark.parametrize("path", ["", "region?region=London", "posts", "health", "help"])
def test_pages_fetch_nothing_from_the_internet(page, dashboard_server, seeded_db, path):
    """Every request a page makes (scripts, fonts, icons, the tab's favicon) goes to the dashboard's own
    server: the dashboard works on a network with no internet and tells no third party who opens it."""
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    open_page(page, dashboard_server, path)
    page.wait_for_timeout(1500)   # the favicon and late assets are requested after the first draw
    elsewhere = sorted({url for url in requested
                        if not url.startswith((dashboard_server, "data:", "blob:", "about:"))})
    assert requested and elsewhere == []
