"""Figures the weekly report needs that monitor.metrics does not hold (one SQL aggregate each)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select

from monitor.metrics import Bind, _rows
from monitor.models import CollectionRun


@dataclass(frozen=True)
class RunCounts:
    """Search runs of a campaign that started in a window, by outcome."""
    completed: int = 0
    failed: int = 0
    other: int = 0  # running, or stopped by a shutdown (resumed by the next run)

    @property
    def total(self) -> int:
        return self.completed + self.failed + self.other


def search_run_counts(bind: Bind, campaign: str, start: datetime, end: datetime) -> RunCounts:
    """Count the campaign's search runs started in [start, end), grouped by status in the database."""
    stmt = (select(CollectionRun.status, func.count())
            .where(CollectionRun.campaign == campaign, CollectionRun.kind == "search",
                   CollectionRun.started_at >= start, CollectionRun.started_at < end)
            .group_by(CollectionRun.status))
    by_status = {status: int(n) for status, n in _rows(bind, stmt)}
    completed, failed = by_status.pop("completed", 0), by_status.pop("failed", 0)
    return RunCounts(completed, failed, sum(by_status.values()))
