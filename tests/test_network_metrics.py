"""The dashboard's figures with a network filter, over posts collected from the simulated X API, Bluesky
and Mastodon into one database (SQLite and PostgreSQL): each network's figures are its own posts, the
networks add up to the whole, and every post and author links to its own network."""
from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from monitor import exports, metrics
from monitor.db import transaction
from monitor.metrics import Filters, PostSearch
from monitor.models import Post, PostMatch
from monitor.networks import BLUESKY, MASTODON, NETWORK_KEYS, X
from tests.networks import CAMPAIGN_NAME, collect_every_network


@pytest.fixture
def mixed(engine, config):
    """Two days of every network's simulated posts, one full poll of each, into one database."""
    today = collect_every_network(engine, config)
    return engine, Filters(CAMPAIGN_NAME, today - timedelta(days=3), today)


def stored_per_network(engine) -> dict[str, int]:
    with transaction(engine) as s:
        found = dict(s.execute(select(Post.network, func.count(func.distinct(Post.id)))
                               .join(PostMatch, PostMatch.post_id == Post.id).group_by(Post.network)).all())
    return {n: found.get(n, 0) for n in NETWORK_KEYS}


def test_each_network_figures_are_its_own_posts_and_add_up_to_all(mixed):
    engine, filters = mixed
    stored = stored_per_network(engine)
    assert all(stored[n] > 0 for n in NETWORK_KEYS), stored
    by_network = metrics.kpis_by_network(engine, filters)
    assert {n: k.posts for n, k in by_network.items()} == stored
    everything = metrics.kpis(engine, filters)
    assert everything.posts == sum(stored.values())
    assert everything.engagements == sum(k.engagements for k in by_network.values())
    for network in NETWORK_KEYS:
        alone = metrics.kpis(engine, replace(filters, network=network))
        assert alone == by_network[network]
    # Bluesky and Mastodon give no impressions: nothing counted for them, never a made-up figure
    assert by_network[BLUESKY].impressions == by_network[MASTODON].impressions == 0
    assert everything.impressions == by_network[X].impressions > 0


def test_timeline_by_network_counts_each_day_of_each_network(mixed):
    engine, filters = mixed
    points = metrics.timeline_by_network(engine, filters)
    assert len(points) == filters.days * len(NETWORK_KEYS)
    totals = {n: sum(p.posts for p in points if p.network == n) for n in NETWORK_KEYS}
    assert totals == stored_per_network(engine)
    one = metrics.timeline(engine, replace(filters, network=BLUESKY))
    assert [p.posts for p in one] == [p.posts for p in points if p.network == BLUESKY]


def test_filtered_posts_are_only_that_network_and_link_to_it(mixed):
    engine, filters = mixed
    stored = stored_per_network(engine)
    # a Mastodon status's page is on the server it was posted to, as the status gives it
    prefixes = {X: "https://x.com/", BLUESKY: "https://bsky.app/profile/", MASTODON: "https://"}
    for network in NETWORK_KEYS:
        page = metrics.posts_page(engine, replace(filters, network=network), PostSearch(), limit=500)
        assert page.total == stored[network] == len(page.rows)
        assert {r.network for r in page.rows} == {network}
        assert all(r.url.startswith(prefixes[network]) for r in page.rows), page.rows[0].url
        assert len({r.url for r in page.rows}) == len(page.rows)   # each post its own page
        if network == BLUESKY:
            # bsky.app/profile/<handle>/post/<the AT URI's record key>
            assert all(r.url.endswith("/post/" + r.native_id.rsplit("/", 1)[-1]) for r in page.rows)
        if network == MASTODON:
            assert all(r.url == r.link and "/@" in r.url for r in page.rows)
        assert all((r.impressions_given is None) == (network != X) for r in page.rows)
        top = metrics.top_contributors(engine, replace(filters, network=network), n=5)
        assert top and all(c.network == network and c.url.startswith(prefixes[network]) for c in top)
        accounts = metrics.region_accounts(engine, replace(filters, network=network))
        assert accounts and all(a.network == network and a.url.startswith(prefixes[network]) for a in accounts)
        assert len({a.url for a in accounts}) == len(accounts)   # each author their own profile page


def test_the_posts_csv_names_each_posts_network_and_says_not_given_for_impressions(mixed):
    engine, filters = mixed
    posts = metrics.posts_for_download(engine, filters)
    rows = exports.post_rows(posts)
    assert {r["network"] for r in rows} == {"X", "Bluesky", "Mastodon"}
    for post, row in zip(posts, rows):
        assert row["url"] == post.url
        assert row["impressions"] == (post.impressions if post.network == X else "not given")
