"""The monthly X budget as a cap the collector never passes.

Before every request the collector and the refresh ask what it can cost at most (monitor.billing: 100
posts and their authors for a search page; the posts not yet billed today for a lookup) and go ahead only
if this UTC month's spend plus that stays within the budget:

- collection comes first: a poll starts only if the budget holds the worst case of as many pages as the
  largest poll of the last day needed, so a poll is not cut off half-way (its older pages unstored) at
  the cap; each page is checked again before it is asked for. The worst case (every post new, every
  author unbilled today) is far above what a page usually costs, so collection pauses a little before the
  budget is reached: by the worst case of one poll;
- the metrics refresh leaves room for collection: a lookup goes only if the budget also holds what
  collection is on course to spend for the rest of the month (its rate so far; at most the part of the
  budget above the warning share), and from the warning share (default 80%) the refresh reads only the
  last step of its schedule;
- at the budget, collection and refresh pause until the UTC month turns (the spend starts again from 0),
  or until a person raises [x_api] monthly_budget_usd in config.toml: the budget is read again from the
  file when it changes, so the next poll resumes.
"""
from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Callable

from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from monitor.config import Config, ConfigError, load_config
from monitor.metrics.spend import Spend, spend_this_month
from monitor.models import CollectionRun
from monitor.timeutil import utcnow

log = logging.getLogger(__name__)

RESERVE_LOOKBACK = timedelta(days=1)   # the largest poll of this long sets a poll's reserve


class BudgetPaused(Exception):
    """The next request could pass the month's budget: collection or refresh pauses (not a failure)."""

    def __init__(self, message: str, resumes_at: datetime):
        super().__init__(message)
        self.resumes_at = resumes_at


@dataclass
class _Reread:
    mtime: float | None = None
    limits: tuple[float, float] | None = None


_REREAD: dict[str, _Reread] = {}


def budget_limits(config: Config) -> tuple[float, float]:
    """(budget in dollars, warning share), as config.toml says now: a raised budget takes effect at the
    next poll without a restart. A file that no longer reads keeps the values it had (and says so once)."""
    loaded = (config.monthly_budget_usd, config.budget_warning_share)
    try:
        mtime = os.stat(config.path).st_mtime
    except OSError:
        return loaded   # built-in defaults, or a config given in code (tests, benches)
    seen = _REREAD.setdefault(config.path, _Reread())
    if seen.mtime != mtime:
        seen.mtime = mtime
        try:
            fresh = load_config(config.path)
            seen.limits = (fresh.monthly_budget_usd, fresh.budget_warning_share)
        except ConfigError as e:
            log.error("%s; keeping the budget of $%.2f", e, (seen.limits or loaded)[0])
    return seen.limits or loaded


class Budget:
    def __init__(self, engine: Engine, config: Config, clock: Callable[[], datetime] = utcnow):
        self.engine, self.config, self.clock = engine, config, clock

    def spend(self) -> Spend:
        budget, share = budget_limits(self.config)
        return spend_this_month(self.engine, budget, share, self.clock())

    def state(self) -> str:
        return self.spend().state

    # --- collection ---------------------------------------------------------------------------

    def page_cost(self, owned: bool = False) -> float:
        return self.config.prices.worst_case(owned=owned)

    def require_poll(self, campaign: str, owned: bool = False) -> None:
        """Before a poll: room for its first page and for as many pages as the largest recent poll."""
        pages = max(1, self._largest_recent_poll(campaign))
        self._require(self.spend(), self.page_cost(owned) * pages, f"a poll of {campaign} "
                      f"(up to {pages} page{'s' if pages > 1 else ''} of 100 posts and their authors)")

    def require_page(self, owned: bool = False) -> None:
        self._require(self.spend(), self.page_cost(owned), "the next search page (100 posts and their authors)")

    def _largest_recent_poll(self, campaign: str) -> int:
        since = self.clock() - RESERVE_LOOKBACK
        with self.engine.connect() as conn:
            return int(conn.execute(select(func.coalesce(func.max(CollectionRun.pages), 0)).where(
                CollectionRun.campaign == campaign, CollectionRun.kind == "search",
                CollectionRun.started_at >= since)).scalar())

    # --- refresh ------------------------------------------------------------------------------

    def require_lookup(self, cost: float) -> None:
        """Before a metrics lookup: room for it and for what collection is on course to spend this month."""
        spend = self.spend()
        collection = sum(r.usd for r in spend.rows if r.via != "refresh")
        remaining_days = (spend.month_end - spend.now).total_seconds() / 86400
        # Early in a month (or after a first backfill) the rate says little: the reserve is at most the
        # part of the budget above the warning share.
        on_course = collection / spend.elapsed_days * remaining_days
        reserve = min(on_course, (1 - spend.warning_share) * spend.budget_usd) + self.page_cost()
        self._require(spend, cost + reserve, f"a metrics lookup (${cost:.2f}, leaving ${reserve:.2f} for "
                                             "collection for the rest of the month)")

    # --- the check ----------------------------------------------------------------------------

    def _require(self, spend: Spend, cost: float, what: str) -> None:
        if spend.usd + cost <= spend.budget_usd:
            return
        raise BudgetPaused(
            f"monthly X API budget: ${spend.usd:,.2f} of ${spend.budget_usd:,.2f} spent this month, and {what} "
            f"could cost ${cost:,.2f}: paused until the UTC month turns ({spend.month_end:%d %b %Y %H:%M} UTC) "
            "or [x_api] monthly_budget_usd is raised", spend.month_end)
