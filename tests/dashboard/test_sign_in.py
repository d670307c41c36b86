"""Sign-in end to end: a real `streamlit run` server as deployed (no error details), a real OpenID Connect
provider on loopback (tests/oidc_provider.py), real headless Chromium clicking through the provider's
sign-in form. Nothing is patched: st.login, Authlib, the ID token and the cookie are the real ones.

Before: with an [auth] section any account that could sign in read every figure and corrected regions
(only st.user.is_logged_in was checked), and on a clean install "Sign in" showed a traceback,
StreamlitMissingAuthlibError, with the server's file paths."""
from __future__ import annotations

import secrets
import sqlite3
from dataclasses import replace
from datetime import timedelta

import pytest

from monitor import metrics
from monitor.serve import free_port
from monitor.timeutil import uk_today
from tests.dashboard.helpers import choose, seven_days, streamlit_server, wait_until_idle
from tests.oidc_provider import OIDCProvider
from tests.seed import CAMPAIGN

pytestmark = pytest.mark.browser

CLIENT_ID = "campaign-monitor-dashboard"
MEMBER = "lead@naht.org.uk"
OUTSIDER = "someone@gmail.com"
CONTACT = "comms@naht.org.uk"
FIGURES = '[data-testid="stMetric"], [data-testid="stVegaLiteChart"], [data-testid="stDataFrame"]'
NAVIGATION = '[data-testid="stSidebarNav"]'


@pytest.fixture
def signed_in_dashboard(writable_db, tmp_path):
    """The dashboard with sign-in on against a provider that signs in any address (an app open to all
    accounts); config.toml lets in naht.org.uk. Yields (base URL, provider, server log, database)."""
    port = free_port()
    redirect_uri = f"http://127.0.0.1:{port}/oauth2callback"
    client_secret = secrets.token_urlsafe(16)
    with OIDCProvider(CLIENT_ID, client_secret, redirect_uri) as provider:
        (tmp_path / ".streamlit").mkdir()
        (tmp_path / ".streamlit" / "secrets.toml").write_text(
            f'[auth]\nredirect_uri = "{redirect_uri}"\ncookie_secret = "{secrets.token_urlsafe(24)}"\n'
            f'client_id = "{CLIENT_ID}"\nclient_secret = "{client_secret}"\n'
            f'server_metadata_url = "{provider.base_url}/.well-known/openid-configuration"\n')
        config = tmp_path / "config.toml"
        config.write_text(f'[[campaigns]]\nname = "{CAMPAIGN}"\ntitle = "Invest in Pupil and Family Services"\n'
                          'hashtags = ["InvestInPupilServices", "PupilAndFamilyServices", "FundOurSchools"]\n'
                          'mentions = ["NAHTnews"]\n'
                          f'[dashboard]\nallowed_domains = ["naht.org.uk"]\naccess_contact = "{CONTACT}"\n')
        log = tmp_path / "streamlit.log"
        with streamlit_server(writable_db, log, cwd=tmp_path, port=port, extra_env={"MONITOR_CONFIG": str(config)},
                              development=False) as base_url:
            yield base_url, provider, log, writable_db


@pytest.fixture
def tab(browser):
    context = browser.new_context(viewport={"width": 1440, "height": 1000}, timezone_id="Europe/London")
    page = context.new_page()
    page.set_default_timeout(90_000)
    yield page
    context.close()


def open_page(tab, url: str) -> None:
    tab.goto(url)
    tab.wait_for_selector("h1")
    wait_until_idle(tab)


def sign_in(tab, base_url: str, email: str) -> None:
    open_page(tab, base_url)
    tab.get_by_role("button", name="Sign in").click()
    tab.wait_for_selector("input[name=login_email]")      # the provider's own page
    assert tab.url.startswith("http://127.0.0.1:") and "/authorize?" in tab.url
    tab.fill("input[name=login_email]", email)
    tab.get_by_role("button", name="Continue").click()
    tab.wait_for_url(f"{base_url}/**")
    tab.wait_for_selector("h1")
    wait_until_idle(tab)


def body(tab) -> str:
    return tab.locator("body").inner_text()


def assert_nothing_but(tab, *texts: str) -> None:
    assert tab.locator(FIGURES).count() == 0, "figures shown"
    assert tab.locator(NAVIGATION).count() == 0, "the pages are listed"
    assert tab.locator('[data-testid="stException"]').count() == 0
    for text in texts:
        assert text in body(tab)


def test_a_signed_out_visitor_sees_only_the_sign_in_page(signed_in_dashboard, tab):
    base_url, provider, _, _ = signed_in_dashboard
    for path in ("", "region?region=London", "posts", "health"):
        open_page(tab, f"{base_url}/{path}")
        assert tab.locator("h1").first.inner_text() == "NAHT campaign monitor"
        assert tab.get_by_role("button", name="Sign in").count() == 1
        assert_nothing_but(tab, "Sign in to see the campaign figures.")
    assert provider.signed_in == []


def test_a_member_of_the_domain_gets_in_and_corrections_record_their_address(signed_in_dashboard, tab):
    base_url, provider, _, db = signed_in_dashboard
    sign_in(tab, base_url, MEMBER)
    assert provider.signed_in == [MEMBER]
    assert tab.locator("h1").first.inner_text() == "Invest in Pupil and Family Services"
    assert tab.locator('[data-testid="stMetric"]').count() >= 4
    assert tab.locator(NAVIGATION).count() == 1
    assert f"Signed in as {MEMBER}" in tab.locator('[data-testid="stSidebar"]').inner_text()
    # A correction from the region page: no name to type, the signed-in address is recorded.
    open_page(tab, f"{base_url}/region?region=London")
    tab.get_by_role("heading", name="Correct an author's region").wait_for()
    assert tab.get_by_label("Your name or email (recorded)").count() == 0
    author = metrics.region_accounts(db.engine(), replace(seven_days(), region="London"))[0]
    choose(tab, "Author (@handle)", f"@{author.username}")
    choose(tab, "Move to region", "NAHT Cymru")
    tab.get_by_role("button", name="Save correction").click()
    tab.get_by_text("Correction saved").wait_for()
    with sqlite3.connect(db.path) as conn:
        assert conn.execute("SELECT corrected_by FROM region_corrections").fetchall() == [(MEMBER,)]


def test_an_outsider_is_refused_with_their_address_and_how_to_ask(signed_in_dashboard, tab, screenshots):
    base_url, provider, _, db = signed_in_dashboard
    sign_in(tab, base_url, OUTSIDER)
    tab.screenshot(path=str(screenshots / "sign-in-refused.png"))
    assert provider.signed_in == [OUTSIDER]    # the provider let them sign in: the dashboard refuses
    assert_nothing_but(tab, f"Signed in as {OUTSIDER}: no access, because {OUTSIDER} is not among the addresses "
                            "allowed to use this dashboard", f"To ask for access, write to {CONTACT}")
    assert tab.get_by_role("button", name="Sign out").count() == 1
    # A shared link to an inner page, opened while signed in as the outsider: the same refusal.
    open_page(tab, f"{base_url}/region?region=London")
    assert_nothing_but(tab, f"Signed in as {OUTSIDER}: no access")
    assert tab.get_by_role("button", name="Save correction").count() == 0
    with sqlite3.connect(db.path) as conn:
        assert conn.execute("SELECT COUNT(*) FROM region_corrections").fetchone() == (0,)


def test_an_error_shows_one_line_with_an_id_and_logs_the_whole_error(signed_in_dashboard, tab, screenshots):
    base_url, _, log, db = signed_in_dashboard
    sign_in(tab, base_url, MEMBER)
    with sqlite3.connect(db.path) as conn:  # the database goes wrong under the running dashboard
        conn.execute("DROP TABLE summary_days")
    # A period not asked for before, so no figure comes from the 30-second cache.
    end = uk_today() - timedelta(days=2)
    open_page(tab, f"{base_url}/?from={end - timedelta(days=9)}&to={end}")
    tab.get_by_text("error id").first.wait_for()
    wait_until_idle(tab)
    tab.screenshot(path=str(screenshots / "dashboard-error-id.png"))
    text = body(tab)
    [line] = [ln for ln in text.splitlines() if "error id" in ln]
    assert line.startswith("database error: no such table: summary_days (error id ")
    error_id = line.split("error id ")[1].split(":")[0]
    assert "Traceback" not in text and str(db.path) not in text and "/site-packages/" not in text
    logged = log.read_text()
    assert f"dashboard error {error_id}: database error: no such table: summary_days" in logged
    assert "Traceback (most recent call last)" in logged.split(f"dashboard error {error_id}")[1]


def test_a_signed_in_member_records_an_action_under_their_address(signed_in_dashboard, tab):
    base_url, _, _, db = signed_in_dashboard
    sign_in(tab, base_url, MEMBER)
    open_page(tab, f"{base_url}/actions")
    tab.get_by_role("heading", name="Record an action").wait_for()
    assert tab.get_by_label("Recorded by (your name or email)").count() == 0   # no name to type
    choose(tab, "Kind", "Media")
    tab.get_by_label("Title").first.fill("Local paper interview")
    tab.get_by_role("button", name="Save action").click()
    tab.get_by_text(f"saved: Local paper interview, recorded as {MEMBER}").wait_for()
    with sqlite3.connect(db.path) as conn:
        assert conn.execute("SELECT title, recorded_by FROM actions").fetchall() == [("Local paper interview", MEMBER)]
        assert conn.execute("SELECT saved_by FROM action_versions").fetchall() == [(MEMBER,)]
