"""KPI cards show their figures in full: a campaign with accounts of tens of millions of followers gives
9-digit reach, impressions and engagements, and a busy month 8-digit API reads. At the widths the comms
team uses (a 1440-px screen, a 1280-px laptop, half of a 1920-px screen) no card's value may be cut off
("1,378…") or shrunk below body text."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from playwright.sync_api import expect

from monitor import metrics
from monitor.config import default_config
from monitor.db import make_engine
from monitor.metrics import Filters
from monitor.schema import upgrade
from monitor.timeutil import uk_today
from tests import pages
from tests.dashboard.helpers import SeededDb, open_page, streamlit_server
from tests.seed import add_run, store_api_page

pytestmark = pytest.mark.browser

WIDTHS = (1440, 1280, 960)
BIG_ACCOUNTS = {"101": 98_765_432, "102": 45_678_901, "103": 12_345_678}  # author id -> followers


@pytest.fixture(scope="module")
def big_db(tmp_path_factory) -> SeededDb:
    """Three big accounts posting on the campaign over the last three days, each post with millions of
    impressions and engagements, and a month's collection runs reading millions of posts."""
    config = default_config()
    campaign = config.campaigns[0]
    path = tmp_path_factory.mktemp("big") / "big.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    now = datetime.now(timezone.utc)
    users = [pages.user(uid, f"big{uid}", location="Leeds, UK", followers=n) for uid, n in BIG_ACCOUNTS.items()]
    posts = []
    for seq, uid in enumerate(BIG_ACCOUNTS):
        post = pages.post(now - timedelta(hours=1 + 24 * seq), uid, "Invest in pupil services #FundOurSchools",
                          seq=seq, tags=["FundOurSchools"])
        post["public_metrics"] = {"retweet_count": 1_234_567, "reply_count": 345_678, "like_count": 9_876_543,
                                  "quote_count": 123_456, "bookmark_count": 56_789, "impression_count": 123_456_789}
        posts.append(post)
    store_api_page(engine, config, pages.page(posts, users), now, campaign.name, campaign.terms)
    add_run(engine, campaign.name, now - timedelta(minutes=5), requests=1_234_567, posts_read=12_345_678,
            rate_limit_waits=1_234_567)
    engine.dispose()
    return SeededDb(path, {"campaign": campaign.name})


@pytest.fixture(scope="module")
def big_server(big_db, tmp_path_factory):
    with streamlit_server(big_db, tmp_path_factory.mktemp("streamlit-big") / "streamlit.log") as base_url:
        yield base_url


@pytest.fixture(params=WIDTHS, ids=lambda w: f"{w}px")
def tab(request, browser):
    context = browser.new_context(viewport={"width": request.param, "height": 1000}, timezone_id="Europe/London")
    page = context.new_page()
    page.set_default_timeout(30_000)
    yield page
    context.close()


def shown_cards(page) -> dict[str, list]:
    """Each KPI card's label -> [its value as shown, whether any element of it is cut off, its size in px]."""
    return dict(page.locator('[data-testid="stMetric"]').evaluate_all("""cards => cards.map(card => {
        const value = card.querySelector('[data-testid="stMetricValue"]');
        const cut = [value, ...value.querySelectorAll('*')].some(e => e.scrollWidth > e.clientWidth);
        const px = parseFloat(getComputedStyle(value.querySelector('p') || value).fontSize);
        const label = card.querySelector('[data-testid="stMetricLabel"]').innerText.trim();
        return [label, [value.innerText.trim(), cut, px]];
    })"""))


def assert_in_full(page, expected: dict[str, str], screenshot=None, among: int | None = None) -> None:
    """The cards show these values in full; `among`: the page has that many cards, these among them."""
    expect(page.locator('[data-testid="stMetric"]')).to_have_count(among or len(expected))  # a fresh server draws late
    if screenshot:
        page.screenshot(path=str(screenshot))
    cards = shown_cards(page)
    shown = {label: value for label, (value, _, _) in cards.items()}
    assert {label: shown.get(label) for label in expected} == expected and (among or len(shown) == len(expected))
    assert [label for label, (_, cut, _) in cards.items() if cut] == []
    assert [label for label, (_, _, px) in cards.items() if px < 16] == []  # not below the body text's 1rem


def test_overview_and_region_cards_show_large_figures_in_full(tab, big_server, big_db, screenshots):
    f = Filters(big_db.facts["campaign"], *metrics.preset_range("7 days", uk_today()))
    now = metrics.kpis(big_db.engine(), f)
    assert min(now.potential_reach, now.impressions, now.engagements) >= 10_000_000  # the figures are long
    expected = {"Posts": f"{now.posts:,}", "Contributors": f"{now.contributors:,}",
                "Potential reach": f"{now.potential_reach:,}", "Impressions": f"{now.impressions:,}",
                "Engagements": f"{now.engagements:,}", "Unknown share": f"{now.unknown_share:.0%}"}
    open_page(tab, big_server)
    assert_in_full(tab, expected, screenshots / f"kpi-cards-overview-{tab.viewport_size['width']}.png")
    open_page(tab, big_server, "region?region=Yorkshire and The Humber")
    assert_in_full(tab, expected)  # every post is from Leeds


def test_health_cards_show_large_figures_in_full(tab, big_server, big_db, screenshots):
    usage = metrics.api_usage_this_month(big_db.engine(), default_config())
    assert usage.posts_read >= 10_000_000
    open_page(tab, big_server, "health")
    assert_in_full(tab, {"Requests": f"{usage.requests:,}", "Posts read": f"{usage.posts_read:,}",
                         "Users read": f"{usage.users_read:,}", "Rate-limit waits": f"{usage.rate_limit_waits:,}",
                         "Billed this month": f"${metrics.spend_usd(big_db.engine()):,.2f}"},
                   screenshots / f"kpi-cards-health-{tab.viewport_size['width']}.png",
                   among=12)   # the budget's 3 cards and the MP watch's 4 (off here, so all 0) follow
