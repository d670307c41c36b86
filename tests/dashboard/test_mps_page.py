"""The MPs page and a region's MP section, in-process (AppTest) and in real Chromium, against the seeded
database (the simulated API's MPs posting and mentioned): the figures shown match a plain count over the
posts; a shared MPs URL opens the same view in a fresh browser; a handle correction applies at once."""
from __future__ import annotations

import csv
import io
import re

import pytest
from sqlalchemy import text
from streamlit.testing.v1 import AppTest

from monitor import metrics
from monitor.timeutil import uk_today
from tests.dashboard.helpers import (
    APP,
    DOWNLOAD_TIMEOUT_MS,
    apptest_table,
    choose,
    metric_value,
    open_page,
    shot,
    wait_until_idle,
)
from tests.helpers_mps import plain_counts, plain_status_counts
from tests.seed import CAMPAIGN

TIMEOUT = 60


def thirty_days():
    return metrics.preset_range("30 days", uk_today())


def period_query(**extra) -> dict:
    start, end = thirty_days()
    return {"from": start.isoformat(), "to": end.isoformat(), **extra}


def run_mps(query: dict) -> AppTest:
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT)
    at.query_params.update(query)
    at.switch_page("views/mps.py")   # the page's address opened directly, as a link does
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def cards(at: AppTest) -> tuple[int, int, int, int]:
    values = {m.label: int(m.value.replace(",", "")) for m in at.metric}
    return values["MPs engaged"], values["MPs mentioned only"], values["MPs not reached"], values["Sitting MPs"]


@pytest.fixture
def seeded(seeded_db, app_env):
    return app_env(seeded_db)


def test_the_seeded_campaign_reaches_some_mps(seeded):
    counts = plain_counts(seeded.engine(), CAMPAIGN, *thirty_days())
    engaged, mentioned, _, total = plain_status_counts(counts)
    assert total == 650 and engaged >= 10 and mentioned >= 10   # the page has something to show


def test_mps_page_cards_and_table_match_a_plain_count(seeded):
    counts = plain_counts(seeded.engine(), CAMPAIGN, *thirty_days())
    at = run_mps(period_query())
    assert cards(at) == plain_status_counts(counts)
    shown = apptest_table(at, "Posts by the MP")
    assert len(shown.rows) == 650
    rows = metrics.mp_table(seeded.engine(), metrics.Filters(CAMPAIGN, *thirty_days()))
    assert shown.column("MP") == [r.name for r in rows]
    assert [(counts[r.member_id][1], counts[r.member_id][2]) for r in rows] == \
        list(zip(shown.ints("Posts by the MP"), shown.ints("Posts mentioning them")))


def test_mps_page_filters_come_from_and_go_to_the_url(seeded):
    counts = plain_counts(seeded.engine(), CAMPAIGN, *thirty_days())
    at = run_mps(period_query(region="London", status="not reached"))
    assert at.selectbox(key="mps_region").value == "London"
    assert cards(at) == plain_status_counts(counts, "London")
    shown = apptest_table(at, "Posts by the MP")
    assert set(shown.column("Status")) == {"Not reached"}
    assert len(shown.rows) == plain_status_counts(counts, "London")[2]
    at.selectbox(key="mps_party").set_value("Labour").run()
    assert at.query_params["party"] == "Labour" and at.query_params["region"] == "London"
    labour = metrics.mp_table(seeded.engine(), metrics.Filters(CAMPAIGN, *thirty_days(), region="London"),
                              party="Labour", status="not reached")
    shown = apptest_table(at, "Posts by the MP")
    assert shown.column("MP") == [r.name for r in labour]
    at.query_params["region"] = "Wales"   # a link to this page with another region (a region page's)
    at.run()
    assert at.selectbox(key="mps_region").value == "Wales" and at.selectbox(key="mps_party").value == "Labour"
    assert cards(at)[3] == sum(1 for r in metrics.mp_table(seeded.engine(), metrics.Filters(
        CAMPAIGN, *thirty_days(), region="Wales"), party="Labour"))


def test_the_region_page_has_the_regions_mps(seeded):
    counts = plain_counts(seeded.engine(), CAMPAIGN, *thirty_days())
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT)
    at.query_params.update(period_query(region="Wales"))
    at.switch_page("views/region.py")
    at.run()
    assert not at.exception
    engaged, mentioned, waiting, total = plain_status_counts(counts, "Wales")
    line = f"{engaged:,} engaged, {mentioned:,} mentioned only, {waiting:,} not reached yet (of {total:,} MPs)"
    assert line in [m.value for m in at.markdown]
    shown = apptest_table(at, "Posts by the MP")
    assert set(shown.column("Region")) == {"NAHT Cymru"} and len(shown.rows) == 32


def test_a_handle_correction_from_the_mps_page(writable_db, app_env):
    db = app_env(writable_db)
    kinnock = next(r for r in metrics.mp_table(db.engine(), metrics.Filters(CAMPAIGN, *thirty_days()))
                   if r.x_username == "skinnock")
    at = run_mps(period_query(region="Wales"))
    at.selectbox(key="mp_handle_who").set_value(f"{kinnock.name} ({kinnock.constituency})")
    at.text_input(key="mp_handle_x").input("@kinnock_new")
    at.button[[b.label for b in at.button].index("Save handle")].click().run()
    assert "name or email" in at.error[0].value   # corrections are recorded with a name
    at.text_input(key="mp_handle_by").input("lead@naht.org.uk")
    at.button[[b.label for b in at.button].index("Save handle")].click().run()
    assert not at.exception and "Stephen Kinnock is now X @kinnock_new" in at.success[0].value
    with db.engine().connect() as conn:
        assert conn.execute(text("SELECT x_username, corrected_by FROM mp_handle_corrections")).one() == \
            ("kinnock_new", "lead@naht.org.uk")
        assert conn.execute(text("SELECT x_username FROM mps WHERE member_id = :m"),
                            {"m": kinnock.member_id}).scalar() == "kinnock_new"


# --- in real Chromium ------------------------------------------------------------------------

@pytest.mark.browser
def test_mps_page_in_chromium_matches_a_plain_count_and_downloads_the_csv(page, dashboard_server, seeded_db,
                                                                          screenshots):
    start, end = thirty_days()
    counts = plain_counts(seeded_db.engine(), CAMPAIGN, start, end)
    open_page(page, dashboard_server, f"mps?from={start}&to={end}")
    engaged, mentioned, waiting, total = plain_status_counts(counts)
    assert (metric_value(page, "MPs engaged"), metric_value(page, "MPs mentioned only"),
            metric_value(page, "MPs not reached"), metric_value(page, "Sitting MPs")) == \
        (f"{engaged:,}", f"{mentioned:,}", f"{waiting:,}", f"{total:,}")
    shot(page, screenshots, "mps")
    choose(page, "Region", "NAHT Cymru")
    assert "region=Wales" in page.url
    assert metric_value(page, "MPs engaged") == f"{plain_status_counts(counts, 'Wales')[0]:,}"
    with page.expect_download(timeout=DOWNLOAD_TIMEOUT_MS) as download_info:
        page.get_by_role("button", name=re.compile("MPs \\(CSV\\)")).click()
    rows = list(csv.DictReader(io.StringIO(download_info.value.path().read_bytes().decode("utf-8-sig"))))
    assert len(rows) == 32 and {r["region"] for r in rows} == {"Wales"}
    assert {int(r["member_id"]): (int(r["posts_by_mp"]), int(r["posts_mentioning"])) for r in rows} == \
        {m: c[1:] for m, c in counts.items() if c[0] == "Wales"}


@pytest.mark.browser
def test_a_regions_mp_section_in_chromium(page, dashboard_server, seeded_db):
    start, end = thirty_days()
    counts = plain_counts(seeded_db.engine(), CAMPAIGN, start, end)
    open_page(page, dashboard_server, f"region?region=London&from={start}&to={end}")
    engaged, mentioned, waiting, total = plain_status_counts(counts, "London")
    expected = f"{engaged:,} engaged, {mentioned:,} mentioned only, {waiting:,} not reached yet (of {total:,} MPs)"
    assert page.get_by_text(expected, exact=True).count() == 1
    page.get_by_role("link", name="All MP figures for this region on the MPs page").click()
    page.wait_for_url(re.compile(r"/mps\?"))
    wait_until_idle(page)
    assert "region=London" in page.url
    assert metric_value(page, "MPs engaged") == f"{engaged:,}"


@pytest.mark.browser
def test_a_shared_mps_url_opens_the_same_view_in_a_fresh_browser(browser, page, dashboard_server, seeded_db):
    start, end = thirty_days()
    counts = plain_counts(seeded_db.engine(), CAMPAIGN, start, end)
    open_page(page, dashboard_server, f"mps?from={start}&to={end}")
    choose(page, "Region", "London")
    choose(page, "Status", "Not reached")
    shared = page.url
    assert "region=London" in shared and "status=not+reached" in shared.replace("%20", "+")
    heading = page.locator("h3", has_text=re.compile(r"^MPs: ")).first.inner_text()
    fresh = browser.new_context(viewport={"width": 1440, "height": 1000}, timezone_id="Europe/London")
    try:
        other = fresh.new_page()
        other.set_default_timeout(30_000)
        other.goto(shared)
        other.wait_for_selector("h1", timeout=90_000)
        wait_until_idle(other)
        assert other.locator("h3", has_text=re.compile(r"^MPs: ")).first.inner_text() == heading
        assert heading == f"MPs: {plain_status_counts(counts, 'London')[2]:,}"
        assert metric_value(other, "MPs not reached") == f"{plain_status_counts(counts, 'London')[2]:,}"
    finally:
        fresh.close()
