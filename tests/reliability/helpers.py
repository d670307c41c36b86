"""What every reliability test checks at the end: the database against what the API served. Each helper
takes the network's harness (tests/networks.py; X unless told), so one test runs for every network."""
from __future__ import annotations

from dataclasses import replace

from sqlalchemy import func, select

from monitor.collector import Collector
from monitor.config import Campaign
from monitor.db import transaction
from monitor.models import CollectionRun, Post, RunEvent, RunPost, SearchCursor
from tests.helpers import HASHTAGS, TOKEN
from tests.networks import X_NET, Net

CAMPAIGN = Campaign(name="ipfs", title="IPFS", hashtags=HASHTAGS, mentions=("NAHTnews",))
SEARCH = "/2/tweets/search/recent"
LOOKUP = "/2/tweets"


def start_fake(seed: int = 11, days: int = 2, posts_per_day: int = 250, token: str = TOKEN, net: Net = X_NET):
    if net is X_NET:
        return net.start(seed=seed, days=days, posts_per_day=posts_per_day, token=token)
    # The other networks' test campaign is one hashtag (one query, one run): twice the posts give it as
    # many pages as X's campaign of every term has.
    return net.start(seed=seed, days=days, posts_per_day=posts_per_day * 2)


def campaign_of(fx, net: Net = X_NET) -> Campaign:
    """The campaign a test collects from this network's fake: CAMPAIGN for X, one query for the others."""
    return CAMPAIGN if net is X_NET else net.campaign(fx)


def make_collector(engine, config, fx, timeout: float = 2.0, net: Net = X_NET,
                   campaign: Campaign | None = None) -> Collector:
    campaign = campaign or campaign_of(fx, net)
    extra = {"api_base_url": fx.base_url} if net is X_NET else {}
    return Collector(engine, replace(config, campaigns=(campaign,), **extra), net.source(fx, timeout), clock=fx.clock)


def stored_ids(engine) -> list[str]:
    with transaction(engine) as s:
        return list(s.scalars(select(Post.id)))


def runs(engine, kind: str | None = None) -> list[CollectionRun]:
    with transaction(engine) as s:
        q = select(CollectionRun).order_by(CollectionRun.id)
        return list(s.scalars(q.where(CollectionRun.kind == kind) if kind else q))


def events(engine, run_id: int | None = None) -> list[RunEvent]:
    with transaction(engine) as s:
        q = select(RunEvent).order_by(RunEvent.id)
        return list(s.scalars(q.where(RunEvent.run_id == run_id) if run_id is not None else q))


def search_requests(fx, net: Net = X_NET) -> list[dict]:
    path = SEARCH if net is X_NET else net.search_path
    return [r for r in fx.requests if r["path"].startswith(path) and (net is not X_NET or r["path"] == SEARCH)]


def assert_database_equals_served(engine, fx, query: str | None = None, net: Net = X_NET,
                                  campaign: Campaign | None = None) -> set[str]:
    """Every visible post stored exactly once, nothing else, every post linked to a run, no run hanging,
    and each search cursor at the newest visible post of its query."""
    campaign = campaign or campaign_of(fx, net)
    queries = [query] if query else (net.source(fx, 2.0).queries(campaign) if net is not X_NET
                                     else [fx.default_query])
    expected = set().union(*(fx.visible_ids(q) for q in queries))
    with transaction(engine) as s:
        ids = list(s.scalars(select(Post.id)))
        linked = set(s.scalars(select(RunPost.post_id)))
        hanging = s.scalars(select(CollectionRun.id).where(CollectionRun.status == "running")).all()
        cursors = {c.query: c.since_id for c in s.scalars(select(SearchCursor).where(SearchCursor.network == net.key))}
        networks = set(s.scalars(select(Post.network)))
    assert len(ids) == len(set(ids)), "a post stored twice"
    assert set(ids) == expected, f"missing {len(expected - set(ids))}, extra {len(set(ids) - expected)}"
    assert fx.served_ids <= set(ids), "a served post was not stored"
    assert linked == set(ids), "a post not linked to the run that found it"
    assert hanging == [], f"runs left 'running': {hanging}"
    assert networks <= {net.key}, f"posts of another network: {networks}"
    if expected and cursors:
        assert cursors == {q: net.newest(fx, q) for q in queries if fx.visible_ids(q)}, "a cursor is not at the newest"
    return set(ids)


def count(engine, model, *where) -> int:
    with transaction(engine) as s:
        return s.scalar(select(func.count()).select_from(model).where(*where))
