"""The dashboard over a campaign of mixed networks (one poll of each simulated server into one database):
the network filter in the sidebar and in the URL, each network's own figures, and every post and author
linking to its own network, in real Chromium (the data grid's cells as the browser's accessibility tree
holds them) and in-process with AppTest."""
from __future__ import annotations

from dataclasses import replace

import pytest
from streamlit.testing.v1 import AppTest

from monitor import metrics
from monitor.config import DEMO_CAMPAIGN, default_config
from monitor.db import make_engine, upgrade
from monitor.metrics import Filters, PostSearch
from monitor.networks import BLUESKY, MASTODON, NETWORK_KEYS, NETWORKS, NOT_GIVEN, X
from monitor.timeutil import uk_today
from tests.dashboard.helpers import APP, TALL, SeededDb, choose, metric_value, open_page, streamlit_server
from tests.networks import collect_every_network

LINK_STARTS = {X: "https://x.com/", BLUESKY: "https://bsky.app/profile/", MASTODON: "https://"}


@pytest.fixture(scope="module")
def mixed_db(tmp_path_factory) -> SeededDb:
    path = tmp_path_factory.mktemp("networks") / "mixed.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    config = replace(default_config(), backoff_seconds=0.01, max_retries=3, request_timeout=2.0)
    collect_every_network(engine, config, campaign_name=DEMO_CAMPAIGN.name)
    engine.dispose()
    return SeededDb(path, {})


@pytest.fixture(scope="module")
def mixed_server(mixed_db, tmp_path_factory):
    with streamlit_server(mixed_db, tmp_path_factory.mktemp("networks_st") / "streamlit.log") as base_url:
        yield base_url


@pytest.fixture
def wide_page(browser, mixed_server):
    """Wide enough that every column of a table is drawn (the grid draws only the cells in view)."""
    context = browser.new_context(viewport={"width": 3400, "height": 1000}, accept_downloads=True,
                                  timezone_id="Europe/London")
    tab = context.new_page()
    tab.set_default_timeout(30_000)
    yield tab
    context.close()


def week(network=None) -> Filters:
    return Filters(DEMO_CAMPAIGN.name, *metrics.preset_range("7 days", uk_today()), network=network)


def grid_cells(page) -> list[str]:
    return [t.strip() for t in page.locator('[role="gridcell"]').all_text_contents()]


GRID_TEXT_MAX = 40   # the grid's accessible cells cut long text ("https://x.com/a/status/21277…"): match a prefix


def wait_for_link(page, url: str) -> int:
    """Wait until a grid cell shows the link (as far as the grid writes it); its index among the cells."""
    page.locator('[role="gridcell"]', has_text=url[:GRID_TEXT_MAX]).first.wait_for(state="attached", timeout=60_000)
    cells = grid_cells(page)
    return next(i for i, text in enumerate(cells) if text == url or (
        text.endswith("…") and len(text) > GRID_TEXT_MAX and url.startswith(text.rstrip("…"))))


@pytest.mark.browser
@pytest.mark.parametrize("network", NETWORK_KEYS)
def test_a_post_and_its_author_from_each_network_show_with_their_own_link(wide_page, mixed_server, mixed_db,
                                                                           network):
    engine = mixed_db.engine()
    newest = metrics.posts_page(engine, week(network), PostSearch(), limit=1).rows[0]
    open_page(wide_page, mixed_server, f"posts?network={network}")
    assert f"network={network}" in wide_page.url   # kept in the URL after the page ran
    link = wait_for_link(wide_page, newest.url)
    row = grid_cells(wide_page)[:link + 1]         # the first row: the newest post, its link last
    assert NETWORKS[network].label in row and f"@{newest.username}" in row
    assert newest.url.startswith(LINK_STARTS[network])
    assert (NOT_GIVEN in row) == (network != X)   # impressions 'not given' where the network counts none

    top = metrics.top_contributors(engine, week(network), 10)
    open_page(wide_page, mixed_server, f"?network={network}")
    wide_page.set_viewport_size({**TALL, "width": 3400})
    wait_for_link(wide_page, top[0].url)
    assert top[0].url.startswith(LINK_STARTS[network]) and top[0].network == network
    assert metric_value(wide_page, "Posts") == f"{metrics.kpis(engine, week(network)).posts:,}"


@pytest.mark.browser
def test_choosing_a_network_in_the_sidebar_keeps_it_in_the_url_and_shows_its_figures(wide_page, mixed_server,
                                                                                   mixed_db):
    engine = mixed_db.engine()
    open_page(wide_page, mixed_server)
    assert metric_value(wide_page, "Posts") == f"{metrics.kpis(engine, week()).posts:,}"
    assert wide_page.get_by_text("By network").count() >= 1
    choose(wide_page, "Network", "Mastodon")
    assert "network=mastodon" in wide_page.url
    assert metric_value(wide_page, "Posts") == f"{metrics.kpis(engine, week(MASTODON)).posts:,}"
    assert metric_value(wide_page, "Impressions") == NOT_GIVEN
    choose(wide_page, "Network", "All networks")
    assert "network=" not in wide_page.url


def test_the_by_network_table_and_cards_match_the_database(mixed_db, monkeypatch):
    monkeypatch.setenv("MONITOR_DATABASE_URL", mixed_db.url)
    at = AppTest.from_file(str(APP), default_timeout=60)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    split = next(d.value for d in at.dataframe if list(d.value.columns)[:1] == ["Network"])
    expected = metrics.kpis_by_network(mixed_db.engine(), week())
    assert list(split["Network"]) == [NETWORKS[n].label for n in NETWORK_KEYS]
    assert list(split["Posts"]) == [expected[n].posts for n in NETWORK_KEYS]
    assert list(split["Impressions"]) == [f"{expected[X].impressions:,}", NOT_GIVEN, NOT_GIVEN]
    at.selectbox(key="network").set_value(BLUESKY).run()
    assert at.query_params["network"] == BLUESKY
    assert next(m.value for m in at.metric if m.label == "Impressions") == NOT_GIVEN
    posts = next(d.value for d in at.dataframe if "Text" in d.value.columns)
    assert set(posts["Network"]) == {"Bluesky"}
    assert all(link.startswith(LINK_STARTS[BLUESKY]) for link in posts["Link"])


def test_the_health_page_shows_each_sources_runs(mixed_db, monkeypatch, tmp_path):
    config = tmp_path / "config.toml"   # a campaign collected from all three networks
    config.write_text(f'[database]\nurl = "{mixed_db.url}"\n[bluesky]\nenabled = true\n[mastodon]\nenabled = true\n'
                      f'[[campaigns]]\nname = "{DEMO_CAMPAIGN.name}"\nhashtags = ["InvestInPupilServices"]\n'
                      'mastodon_servers = ["https://school.social"]\n')
    monkeypatch.setenv("MONITOR_CONFIG", str(config))
    monkeypatch.setenv("MONITOR_DATABASE_URL", mixed_db.url)
    at = AppTest.from_file(str(APP), default_timeout=60)
    at.run()
    at.switch_page("views/health.py")
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    sources = next(d.value for d in at.dataframe if "Last rate limit" in d.value.columns)
    runs = next(d.value for d in at.dataframe if "Run" in d.value.columns)
    labels = [NETWORKS[n].label for n in NETWORK_KEYS]
    assert set(runs["Network"]) == set(labels) and list(sources["Network"]) == labels
    for label, requests in zip(sources["Network"], sources["Requests"]):
        assert requests == sum(r for r, n in zip(runs["Requests"], runs["Network"]) if n == label) > 0
    assert set(sources["State"]) == {"ok"}
