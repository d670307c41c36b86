"""The monthly X budget is a cap: the spend as X bills it (the simulated API's own bill) never passes it,
every post that matched before the pause is stored, and raising the budget or a new UTC month resumes."""
from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import func, select

from monitor.budget import Budget, BudgetPaused
from monitor.collector import Collector
from monitor.config import load_config
from monitor.db import make_engine, transaction
from monitor.fakex import FakeX, SimClock
from monitor.fakex.query import parse_query
from monitor.metrics import spend_usd
from monitor.models import CollectionRun, Post, RunEvent
from monitor.refresh import refresh_metrics
from monitor.schema import upgrade
from monitor.sources.x import XSource
from tests.helpers import TOKEN, write_config

MONTH = datetime(2026, 12, 1, tzinfo=timezone.utc)


def _config(tmp_path: Path, fx: FakeX, budget: float, interval: float = 60) -> str:
    path = write_config(tmp_path, f"sqlite:///{tmp_path / 'm.db'}", fx.base_url, interval_minutes=interval)
    text = Path(path).read_text().replace("[x_api]\n", f"[x_api]\nmonthly_budget_usd = {budget}\n")
    Path(path).write_text(text)
    return path


def _poll(engine, config, source, clock) -> list:
    collector = Collector(engine, config, source, clock=clock)
    summaries = [s for c in config.campaigns for s in collector.collect_campaign(c)]
    refresh_metrics(engine, config, source, clock=clock)
    return summaries


def test_a_month_of_rising_volume_never_passes_the_budget(tmp_path):
    budget = 30.0
    clock = SimClock(MONTH)
    # 40 posts a day at first, 200 by the month's end: the bill grows every day and meets the budget mid-month.
    with FakeX(seed=4, start=MONTH - timedelta(days=2), days=33, posts_per_day=40, rising=4.0, bearer_token=TOKEN,
               clock=clock) as fx:
        config = replace(load_config(_config(tmp_path, fx, budget)), backoff_seconds=0.01)
        engine = make_engine(config.database_url)
        upgrade(engine)
        source = XSource(TOKEN, fx.base_url, timeout=5.0)
        step = timedelta(minutes=config.interval_minutes)
        completed = []
        while clock() + step < MONTH + timedelta(days=31):
            clock.advance(step)
            completed += [clock() for s in _poll(engine, config, source, clock) if s.status == "completed"]
            assert fx.bill() <= budget   # never passed, at any point of the month
        bill = fx.bill()
        with transaction(engine) as s:
            paused = s.scalars(select(RunEvent).where(RunEvent.kind == "budget").order_by(RunEvent.at)).all()
            stored = set(s.scalars(select(Post.id)))
            cut_off = s.scalar(select(func.count()).select_from(CollectionRun).where(
                CollectionRun.kind == "search", CollectionRun.next_token.is_not(None)))
        # the budget was met mid-month, and each pause said so once
        assert paused and MONTH + timedelta(days=7) < paused[0].at < MONTH + timedelta(days=28)
        assert len({e.run_id for e in paused}) == len(paused)
        # paused once the worst case of a poll (a page: 100 posts and 100 new authors, $1.50) no longer fitted
        assert budget - 2 * config.prices.worst_case() < bill <= budget
        assert spend_usd(engine, clock()) == pytest.approx(bill)   # what we recorded is what X billed
        # every post that matched before the pause is stored: the last poll before it reached everything
        last_full_poll = max(t for t in completed if t < paused[0].at)
        matches = parse_query(fx.default_query).matches
        matched = {f.id for f in fx.corpus.facts if matches(f) and f.ms <= last_full_poll.timestamp() * 1000}
        assert len(matched) > 1000 and matched <= stored
        assert cut_off == 0   # no poll was cut off half-way by the cap
        engine.dispose()


def test_raising_the_budget_resumes_at_the_next_poll_and_a_new_month_starts_again(tmp_path):
    clock = SimClock(MONTH + timedelta(days=20))
    with FakeX(seed=2, start=MONTH + timedelta(days=14), days=17, posts_per_day=400, bearer_token=TOKEN,
               clock=clock) as fx:
        path = _config(tmp_path, fx, 4.0, interval=15)
        config = replace(load_config(path), backoff_seconds=0.01)
        engine = make_engine(config.database_url)
        upgrade(engine)
        source = XSource(TOKEN, fx.base_url, timeout=5.0)
        statuses = []
        for _ in range(8):
            clock.advance(timedelta(minutes=15))
            statuses += [s.status for s in _poll(engine, config, source, clock)]
        assert "paused" in statuses and statuses[-1] == "paused"
        assert fx.bill() <= 4.0
        with pytest.raises(BudgetPaused, match="paused until the UTC month turns"):
            Budget(engine, config, clock).require_page()

        # a person raises the budget in config.toml: the running collector reads it at its next poll
        Path(path).write_text(Path(path).read_text().replace("monthly_budget_usd = 4.0", "monthly_budget_usd = 500"))
        clock.advance(timedelta(minutes=15))
        assert [s.status for s in _poll(engine, config, source, clock)] == ["completed"]
        assert fx.visible_ids() <= _stored(engine)   # caught up: nothing lost while paused

        # back to a small budget; the new UTC month starts from nothing and collection goes on
        Path(path).write_text(Path(path).read_text().replace("monthly_budget_usd = 500", "monthly_budget_usd = 4.0"))
        clock.advance(timedelta(minutes=15))
        assert [s.status for s in _poll(engine, config, source, clock)] == ["paused"]
        december = spend_usd(engine, clock())
        clock.set(datetime(2027, 1, 1, 0, 5, tzinfo=timezone.utc))
        [january] = _poll(engine, config, source, clock)
        assert january.pages > 0 and january.posts_new > 0   # collecting again, from nothing spent
        assert 0 < spend_usd(engine, clock()) <= 4.0 < december
        assert fx.bill() <= december + 4.0
        engine.dispose()


def _stored(engine) -> set[str]:
    with transaction(engine) as s:
        return set(s.scalars(select(Post.id)))
