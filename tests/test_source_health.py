"""The health page's per-source rows (monitor.metrics.source_states) and X's API use, after real polls of the
three simulated networks into one database (SQLite and PostgreSQL): a Bluesky rate limit, a failing
Mastodon server and a healthy X are each seen on their own row; X's cost counts X's reads alone."""
from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timezone

import pytest
from sqlalchemy import func, select

from monitor import metrics
from monitor.collector import Collector
from monitor.db import transaction
from monitor.fakex import Fault
from monitor.models import CollectionRun
from monitor.networks import BLUESKY, MASTODON, NETWORK_KEYS, X
from tests.networks import BLUESKY_NET, MASTODON_NET, NETS, X_NET


def poll(engine, config, net, fake):
    campaign = net.campaign(fake, full=True)
    extra = {"api_base_url": fake.base_url} if net is X_NET else {}
    collector = Collector(engine, replace(config, campaigns=(campaign,), **extra), net.source(fake, 2.0),
                          clock=fake.clock)
    for query in collector.source.queries(campaign):
        collector.run_query(campaign, query)
    return campaign


@pytest.fixture
def polled(engine, config):
    """X polled cleanly; Bluesky's first search answered 429 (reset in 3 s); Mastodon's servers failing."""
    started = {net.key: net.start(seed=5, days=1, posts_per_day=40) for net in NETS}
    try:
        started[MASTODON].inject(Fault("http", status=503, count=500, path_prefix=MASTODON_NET.search_path))
        for net in NETS:
            if net.key == BLUESKY:
                # The reset header is on the simulation clock (in whole seconds), the wait on the wall clock: on a
                # loaded machine starting the servers and polling X can take longer than the reset, and nothing
                # would be waited. So the clock is set to the wall here, and the reset is 3 s on (the sign-in
                # comes before the search: test_collector's like test once took over a second under load).
                started[BLUESKY].clock.set(datetime.now(timezone.utc))
                started[BLUESKY].inject(Fault("rate_limit", reset_in=3.0, path_prefix=BLUESKY_NET.search_path))
            campaign = poll(engine, config, net, started[net.key])
        now = started[X].clock()
    finally:
        for fake in started.values():
            fake.stop()
    return engine, replace(config, campaigns=(campaign,), networks=NETWORK_KEYS), now


def runs_of(engine, network):
    with transaction(engine) as s:
        return s.execute(select(func.count(), func.sum(CollectionRun.requests))
                         .where(CollectionRun.network == network)).one()


def test_each_network_has_its_own_row_with_its_runs_and_rate_limits(polled):
    engine, config, now = polled
    states = {s.network: s for s in metrics.source_states(engine, config, now)}
    assert list(states) == list(NETWORK_KEYS)
    for network, state in states.items():
        runs, requests = runs_of(engine, network)
        assert (state.runs, state.requests) == (runs, requests), network
    assert states[X].condition == "ok" and states[X].rate_limit_waits == 0 and states[X].posts_new > 0
    assert states[BLUESKY].condition == "ok" and states[BLUESKY].rate_limit_waits == 1
    assert "429" in states[BLUESKY].last_rate_limit_detail and states[BLUESKY].rate_limit_wait_seconds > 0
    assert states[MASTODON].condition == "failing" and "503" in states[MASTODON].last_error
    assert states[MASTODON].errors > 0 and states[MASTODON].posts_new == 0


def test_x_api_use_counts_x_reads_alone(polled):
    engine, config, now = polled
    usage = metrics.api_usage_this_month(engine, config, now)
    runs, requests = runs_of(engine, X)
    assert usage.requests == requests   # Bluesky's and Mastodon's requests are free: not billed, not counted
    with transaction(engine) as s:
        x_posts_read = s.scalar(select(func.sum(CollectionRun.posts_read)).where(CollectionRun.network == X))
    assert usage.posts_read == x_posts_read


def test_recent_runs_name_their_network(polled):
    engine, config, now = polled
    runs = metrics.recent_runs(engine, config.campaigns[0].name, 100)
    assert {r.network for r in runs} == set(NETWORK_KEYS)
