"""The month's X API spend, as X bills it: a SUM over billed_reads (one row per resource per UTC day).

The month is the UTC calendar month, as X bills it. Projected month-end spend assumes the rate so far
(spend / time elapsed) goes on; days left is how long the budget lasts at that rate.
"""
from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone

from sqlalchemy import func, select

from monitor.metrics.sql import Bind, rows
from monitor.models import BilledRead
from monitor.timeutil import utcnow


@dataclass(frozen=True)
class SpendRow:
    via: str          # search | refresh | mentions
    resource: str     # post | user
    reads: int        # billed reads (a resource once a UTC day)
    usd: float


@dataclass(frozen=True)
class Spend:
    month_start: date
    now: datetime
    usd: float
    rows: tuple[SpendRow, ...]
    budget_usd: float
    warning_share: float

    @property
    def month_end(self) -> datetime:
        """The first instant of the next UTC month: when the spend starts again from nothing."""
        days = calendar.monthrange(self.month_start.year, self.month_start.month)[1]
        return datetime.combine(self.month_start + timedelta(days=days), time(0), tzinfo=timezone.utc)

    @property
    def elapsed_days(self) -> float:
        start = datetime.combine(self.month_start, time(0), tzinfo=timezone.utc)
        return max((self.now - start).total_seconds() / 86400, 1 / 24)   # at least an hour: no huge projection

    @property
    def daily_rate(self) -> float:
        return self.usd / self.elapsed_days

    @property
    def projected_usd(self) -> float:
        """Month-end spend if the rate so far goes on."""
        return self.usd + self.daily_rate * (self.month_end - self.now).total_seconds() / 86400

    @property
    def days_left(self) -> float | None:
        """Days until the budget is spent at the rate so far (None: no spend yet)."""
        if self.daily_rate <= 0:
            return None
        return max(0.0, (self.budget_usd - self.usd) / self.daily_rate)

    @property
    def share(self) -> float | None:
        return self.usd / self.budget_usd if self.budget_usd else None

    @property
    def state(self) -> str:
        """"capped" at the budget (collection paused), "warning" from the warning share, else "ok"."""
        if self.budget_usd <= 0 or self.usd >= self.budget_usd:
            return "capped"
        return "warning" if self.usd >= self.warning_share * self.budget_usd else "ok"

    def reads(self, resource: str) -> int:
        return sum(r.reads for r in self.rows if r.resource == resource)


def month_start(now: datetime) -> date:
    return now.astimezone(timezone.utc).date().replace(day=1)


def spend_usd(bind: Bind, now: datetime | None = None) -> float:
    """This UTC month's billed dollars: the one number the budget checks before every request."""
    stmt = select(func.coalesce(func.sum(BilledRead.price_usd), 0.0)).where(
        BilledRead.day >= month_start(now or utcnow()))
    return float(rows(bind, stmt)[0][0])


def spend_this_month(bind: Bind, budget_usd: float, warning_share: float, now: datetime | None = None) -> Spend:
    """This UTC month's spend by reason (search, refresh, mentions) and kind (posts, users)."""
    now = now or utcnow()
    start = month_start(now)
    stmt = (select(BilledRead.via, BilledRead.resource, func.count(), func.sum(BilledRead.price_usd))
            .where(BilledRead.day >= start).group_by(BilledRead.via, BilledRead.resource)
            .order_by(BilledRead.via, BilledRead.resource))
    found = tuple(SpendRow(via, resource, int(n), float(usd or 0)) for via, resource, n, usd in rows(bind, stmt))
    return Spend(start, now, sum(r.usd for r in found), found, budget_usd, warning_share)
