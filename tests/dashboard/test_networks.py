"""The dashboard over a campaign of mixed networks (one poll of each simulated server into one database):
the network filter in the sidebar and in the URL, each network's own figures, and every post and author
linking to its own network, in real Chromium (the tables as drawn) and in-process with AppTest."""
from __future__ import annotations

from dataclasses import replace

import pytest
from streamlit.testing.v1 import AppTest

from monitor import metrics
from monitor.config import DEMO_CAMPAIGN, default_config
from monitor.db import make_engine
from monitor.metrics import Filters, PostSearch
from monitor.networks import BLUESKY, MASTODON, NETWORK_KEYS, NETWORKS, NOT_GIVEN, X
from monitor.schema import upgrade
from monitor.timeutil import uk_today
from tests.dashboard.helpers import (
    APP,
    TALL,
    SeededDb,
    apptest_table,
    apptest_tables,
    browser_table,
    choose,
    metric_value,
    open_page,
    streamlit_server,
    wait_until_idle,
)
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
def mixed_config(mixed_db, tmp_path_factory) -> str:
    """A campaign collected from all three networks (the sidebar then offers the network filter)."""
    path = tmp_path_factory.mktemp("networks_config") / "config.toml"
    path.write_text(f'[database]\nurl = "{mixed_db.url}"\n[bluesky]\nenabled = true\n[mastodon]\nenabled = true\n'
                    f'[[campaigns]]\nname = "{DEMO_CAMPAIGN.name}"\nhashtags = ["InvestInPupilServices"]\n'
                    'mastodon_servers = ["https://school.social"]\n')
    return str(path)


@pytest.fixture(scope="module")
def mixed_server(mixed_db, mixed_config, tmp_path_factory):
    with streamlit_server(mixed_db, tmp_path_factory.mktemp("networks_st") / "streamlit.log",
                          extra_env={"MONITOR_CONFIG": mixed_config}) as base_url:
        yield base_url


@pytest.fixture
def tall_page(browser, mixed_server):
    context = browser.new_context(viewport=TALL, accept_downloads=True, timezone_id="Europe/London")
    tab = context.new_page()
    tab.set_default_timeout(30_000)
    yield tab
    context.close()


def week(network=None) -> Filters:
    return Filters(DEMO_CAMPAIGN.name, *metrics.preset_range("7 days", uk_today()), network=network)


@pytest.mark.browser
@pytest.mark.parametrize("network", NETWORK_KEYS)
def test_a_post_and_its_author_from_each_network_show_with_their_own_link(tall_page, mixed_server, mixed_db,
                                                                           network):
    engine = mixed_db.engine()
    newest = metrics.posts_page(engine, week(network), PostSearch(), limit=1).rows[0]
    open_page(tall_page, mixed_server, f"posts?network={network}")
    assert f"network={network}" in tall_page.url   # kept in the address after the page ran
    posts = browser_table(tall_page, "Post")
    assert set(posts.column("Network")) == {NETWORKS[network].label}
    assert posts.hrefs("Link")[0] == newest.url and newest.url.startswith(LINK_STARTS[network])
    assert posts.column("Author")[0] == f"@{newest.username}"
    assert set(posts.column("Link")) == {NETWORKS[network].open_label}
    # impressions 'not given' where the network counts none
    assert (set(posts.column("Impressions")) == {NOT_GIVEN}) == (network != X)

    top = metrics.top_contributors(engine, week(network), 10)
    open_page(tall_page, mixed_server, f"?network={network}")
    contributors = browser_table(tall_page, "Profile")
    assert contributors.hrefs("Profile")[0] == top[0].url and top[0].network == network
    assert top[0].url.startswith(LINK_STARTS[network])
    assert metric_value(tall_page, "Posts") == f"{metrics.kpis(engine, week(network)).posts:,}"


@pytest.mark.browser
def test_choosing_a_network_in_the_sidebar_keeps_it_in_the_url_and_shows_its_figures(tall_page, mixed_server,
                                                                                   mixed_db):
    engine = mixed_db.engine()
    open_page(tall_page, mixed_server)
    assert metric_value(tall_page, "Posts") == f"{metrics.kpis(engine, week()).posts:,}"
    assert tall_page.get_by_text("By network").count() >= 1
    choose(tall_page, "Network", "Mastodon")
    wait_until_idle(tall_page)
    assert "network=mastodon" in tall_page.url
    assert metric_value(tall_page, "Posts") == f"{metrics.kpis(engine, week(MASTODON)).posts:,}"
    assert metric_value(tall_page, "Impressions") == NOT_GIVEN
    choose(tall_page, "Network", "All networks")
    wait_until_idle(tall_page)
    assert "network=" not in tall_page.url


def test_the_by_network_table_and_cards_match_the_database(mixed_db, mixed_config, monkeypatch):
    monkeypatch.setenv("MONITOR_DATABASE_URL", mixed_db.url)
    monkeypatch.setenv("MONITOR_CONFIG", mixed_config)
    at = AppTest.from_file(str(APP), default_timeout=60)
    at.switch_page("views/overview.py")
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    split = next(t for t in apptest_tables(at) if t.columns[:1] == ["Network"])
    expected = metrics.kpis_by_network(mixed_db.engine(), week())
    assert split.column("Network") == [NETWORKS[n].label for n in NETWORK_KEYS]
    assert split.ints("Posts") == [expected[n].posts for n in NETWORK_KEYS]
    assert split.column("Impressions") == [f"{expected[X].impressions:,}", NOT_GIVEN, NOT_GIVEN]
    at.selectbox(key="network").set_value(BLUESKY).run()
    assert at.query_params["network"] == [BLUESKY] or at.query_params["network"] == BLUESKY
    assert next(m.value for m in at.metric if m.label == "Impressions") == NOT_GIVEN
    at.switch_page("views/posts.py")
    at.run()
    posts = apptest_table(at, "Post")
    assert set(posts.column("Network")) == {"Bluesky"}
    assert all(link.startswith(LINK_STARTS[BLUESKY]) for link in posts.hrefs("Link"))


def test_the_health_page_shows_each_sources_runs(mixed_db, mixed_config, monkeypatch):
    monkeypatch.setenv("MONITOR_CONFIG", mixed_config)
    monkeypatch.setenv("MONITOR_DATABASE_URL", mixed_db.url)
    at = AppTest.from_file(str(APP), default_timeout=60)
    at.switch_page("views/health.py")
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    sources = apptest_table(at, "Last rate limit")
    runs = apptest_table(at, "Run")
    labels = [NETWORKS[n].label for n in NETWORK_KEYS]
    assert set(runs.column("Network")) == set(labels) and sources.column("Network") == labels
    for label, requests in zip(sources.column("Network"), sources.ints("Requests")):
        assert requests == sum(r for r, n in zip(runs.ints("Requests"), runs.column("Network")) if n == label) > 0
    assert set(sources.column("State")) == {"ok"}
