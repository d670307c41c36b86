"""Every page works as the first page a visitor opens: a new `streamlit run` process per test (what a
process does on its first request is decided once per process), a new browser context, and the page's
address typed in directly, as when a branch lead opens a shared /region?region=...&from=...&to= link.

Before the page files moved out of dashboard/pages/, Streamlit's legacy multipage mode ran the first
requested page alone, without the app shell: a KeyError on st.session_state["filters"] and no sign-in."""
from __future__ import annotations

from datetime import timedelta

import pytest

from monitor import metrics
from monitor.config import default_config
from monitor.dashboard.ui import period_label
from monitor.metrics import Filters, PostSearch
from monitor.timeutil import uk_today
from tests.dashboard.helpers import APP, CHARTS, TABLES, db_posts, expect_drawn, metric_value, wait_until_idle
from tests.seed import CAMPAIGN

pytestmark = pytest.mark.browser


def shared_period() -> tuple:
    """A period no preset gives (so it can only come from the link): 20 days ending 3 days ago."""
    end = uk_today() - timedelta(days=3)
    return end - timedelta(days=19), end


@pytest.fixture
def first_tab(browser):
    context = browser.new_context(viewport={"width": 1440, "height": 1000}, timezone_id="Europe/London")
    tab = context.new_page()
    tab.set_default_timeout(90_000)  # the first run of a fresh server compiles everything: slow on a busy machine
    yield tab
    context.close()


def open_first(tab, base_url: str, path: str) -> None:
    tab.goto(f"{base_url}/{path}")
    tab.wait_for_selector('h1, [data-testid="stException"]')  # a page that fails before its title shows only that
    wait_until_idle(tab)


def assert_no_error(tab) -> None:
    assert tab.locator('[data-testid="stException"]').count() == 0, \
        tab.locator('[data-testid="stException"]').all_inner_texts()
    body = tab.locator("body").inner_text()
    assert "Traceback" not in body and "KeyError" not in body


def test_no_legacy_pages_folder_next_to_the_app():
    """Streamlit treats a `pages/` folder beside the main script as legacy multipage mode (see app.py)."""
    assert not (APP.parent / "pages").exists()


def test_overview_first(first_tab, fresh_server, seeded_db):
    open_first(first_tab, fresh_server(), "")
    assert_no_error(first_tab)
    f = Filters(CAMPAIGN, *metrics.preset_range("7 days", uk_today()))
    assert first_tab.locator("h1").first.inner_text() == default_config().campaign(CAMPAIGN).title
    assert metric_value(first_tab, "Posts") == f"{db_posts(seeded_db, f.from_date, f.to_date):,}"
    expect_drawn(first_tab, CHARTS, 2)  # timeline, tile map


def test_shared_region_link_first(first_tab, fresh_server, seeded_db):
    start, end = shared_period()
    open_first(first_tab, fresh_server(), f"region?region=Scotland&campaign={CAMPAIGN}&from={start}&to={end}")
    assert_no_error(first_tab)
    assert first_tab.locator("h1").first.inner_text() == "Region"
    assert first_tab.locator("h2", has_text="Scotland").count() == 1
    assert first_tab.get_by_text(period_label(start, end)).count() >= 1  # the link's period, not a preset
    assert metric_value(first_tab, "Posts") == f"{db_posts(seeded_db, start, end, 'Scotland'):,}"
    expect_drawn(first_tab, CHARTS, 1)  # timeline
    expect_drawn(first_tab, TABLES, 3)  # branches, top posts, accounts
    assert f"period=custom&from={start}&to={end}" in first_tab.url and "region=Scotland" in first_tab.url


def test_posts_explorer_first(first_tab, fresh_server, seeded_db):
    start, end = shared_period()
    open_first(first_tab, fresh_server(), f"posts?from={start}&to={end}")
    assert_no_error(first_tab)
    assert first_tab.locator("h1").first.inner_text() == "Posts explorer"
    expected = metrics.posts_page(seeded_db.engine(), Filters(CAMPAIGN, start, end), PostSearch(), limit=1)
    assert expected.total > 0
    assert first_tab.get_by_text(f"{expected.total:,} posts match").count() == 1
    expect_drawn(first_tab, TABLES, 1)


def test_collector_health_first(first_tab, fresh_server, seeded_db):
    open_first(first_tab, fresh_server(), "health")
    assert_no_error(first_tab)
    assert first_tab.locator("h1").first.inner_text() == "Collector health"
    usage = metrics.api_usage_this_month(seeded_db.engine(), default_config())
    assert metric_value(first_tab, "Requests") == f"{usage.requests:,}"
    assert first_tab.get_by_text("Recent runs:").count() == 1
    expect_drawn(first_tab, TABLES, 2)  # campaign states, recent runs


def test_help_first(first_tab, fresh_server):
    open_first(first_tab, fresh_server(), "help")
    assert_no_error(first_tab)
    assert first_tab.locator("h1").first.inner_text() == "Definitions and help"
    for definition in metrics.DEFINITIONS:
        assert first_tab.get_by_text(definition.text[:60]).count() >= 1
    expect_drawn(first_tab, TABLES, 1)  # the regions table


def test_sign_in_guards_a_shared_link_opened_first(first_tab, fresh_server, tmp_path):
    """With sign-in configured, a link to an inner page opened first asks for sign-in and shows no figures."""
    (tmp_path / ".streamlit").mkdir()
    (tmp_path / ".streamlit" / "secrets.toml").write_text(
        '[auth]\nredirect_uri = "http://127.0.0.1:8501/oauth2callback"\ncookie_secret = "first-visit-test"\n'
        'client_id = "test"\nclient_secret = "test"\n'
        'server_metadata_url = "http://127.0.0.1:9/.well-known/openid-configuration"\n')
    start, end = shared_period()
    open_first(first_tab, fresh_server(cwd=tmp_path), f"region?region=London&from={start}&to={end}")
    assert_no_error(first_tab)
    assert first_tab.locator("h1").first.inner_text() == "NAHT campaign monitor"
    assert first_tab.get_by_role("button", name="Sign in").count() == 1
    assert first_tab.locator('[data-testid="stMetric"]').count() == 0
    assert first_tab.locator(CHARTS).count() == 0 and first_tab.locator(TABLES).count() == 0
