"""What every reliability test checks at the end: the database against what the API served."""
from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta, timezone

from sqlalchemy import func, select

from monitor.collector import Collector
from monitor.config import Campaign
from monitor.db import transaction
from monitor.fakex import FakeX, SimClock
from monitor.models import CollectionRun, Post, RunEvent, RunPost, SearchCursor
from monitor.sources.x import XSource
from tests.helpers import HASHTAGS, TOKEN

CAMPAIGN = Campaign(name="ipfs", title="IPFS", hashtags=HASHTAGS, mentions=("NAHTnews",))
SEARCH = "/2/tweets/search/recent"
LOOKUP = "/2/tweets"


def start_fake(seed: int = 11, days: int = 2, posts_per_day: int = 250, token: str = TOKEN) -> FakeX:
    now = datetime.now(timezone.utc).replace(microsecond=0)
    return FakeX(seed=seed, start=now - timedelta(days=days), days=days, posts_per_day=posts_per_day,
                 bearer_token=token, clock=SimClock(now)).start()


def make_collector(engine, config, fx: FakeX, timeout: float = 2.0) -> Collector:
    source = XSource(TOKEN, fx.base_url, timeout=timeout)
    return Collector(engine, replace(config, api_base_url=fx.base_url, campaigns=(CAMPAIGN,)), source,
                     clock=fx.clock)


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


def search_requests(fx: FakeX) -> list[dict]:
    return [r for r in fx.requests if r["path"] == SEARCH]


def assert_database_equals_served(engine, fx: FakeX, query: str | None = None) -> set[str]:
    """Every visible post stored exactly once, nothing else, every post linked to a run, no run hanging,
    and the search cursor at the newest visible post."""
    query = query or fx.default_query
    expected = fx.visible_ids(query)
    with transaction(engine) as s:
        ids = list(s.scalars(select(Post.id)))
        linked = set(s.scalars(select(RunPost.post_id)))
        hanging = s.scalars(select(CollectionRun.id).where(CollectionRun.status == "running")).all()
        cursors = s.scalars(select(SearchCursor)).all()
    assert len(ids) == len(set(ids)), "a post stored twice"
    assert set(ids) == expected, f"missing {len(expected - set(ids))}, extra {len(set(ids) - expected)}"
    assert fx.served_ids <= set(ids), "a served post was not stored"
    assert linked == set(ids), "a post not linked to the run that found it"
    assert hanging == [], f"runs left 'running': {hanging}"
    if expected and cursors:
        assert [c.since_id for c in cursors] == [max(expected, key=int)]
    return set(ids)


def count(engine, model, *where) -> int:
    with transaction(engine) as s:
        return s.scalar(select(func.count()).select_from(model).where(*where))
