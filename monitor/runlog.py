"""The record of collection runs: events (retries, waits, faults) and how each run ended.

Each write is its own small transaction, so what happened is on record even if the process
dies a moment later; the health page and `campaign-monitor status` read it back.
"""
from __future__ import annotations

import logging
from datetime import datetime
from typing import Callable

from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from monitor.db import transaction
from monitor.models import CollectionRun, RunEvent

log = logging.getLogger(__name__)


def record_event(engine: Engine, run_id: int, at: datetime, kind: str, detail: str,
                 status_code: int | None = None, **counters: float) -> None:
    """Add a run event and bump the run's counters (requests=1, errors=1, rate_limit_waits=1...)."""
    with transaction(engine) as s:
        s.add(RunEvent(run_id=run_id, at=at, kind=kind, status_code=status_code, detail=detail))
        run = s.get(CollectionRun, run_id)
        for name, add in counters.items():
            setattr(run, name, getattr(run, name) + add)


def run_recorder(engine: Engine, run_id: int, clock: Callable[[], datetime]) -> Callable[..., None]:
    """What monitor.retry records a run's retries and waits with: record(kind, detail, status_code, **counters)
    as an event of this run, at the clock's time."""
    def record(kind: str, detail: str, status_code: int | None = None, **counters: float) -> None:
        record_event(engine, run_id, clock(), kind, detail, status_code, **counters)
    return record


def finish_run(engine: Engine, run_id: int, at: datetime, status: str, error: str | None = None,
               status_code: int | None = None) -> None:
    with transaction(engine) as s:
        run = s.get(CollectionRun, run_id)
        run.status, run.ended_at = status, at
        if error:
            run.error = error
            run.errors += 1
            s.add(RunEvent(run_id=run_id, at=at, kind="fatal", status_code=status_code, detail=error))
    if error:
        log.error("run %s %s: %s", run_id, status, error)


def pause_run(engine: Engine, run_id: int, at: datetime, reason: str) -> None:
    """End a run 'paused' by the budget, with a 'budget' event: not a failure, and resumable (its saved page
    token, if any, is where the next run goes on)."""
    with transaction(engine) as s:
        run = s.get(CollectionRun, run_id)
        run.status, run.ended_at, run.error = "paused", at, reason
        s.add(RunEvent(run_id=run_id, at=at, kind="budget", detail=reason))


def close_interrupted_runs(session: Session, kind: str, now: datetime, advice: str = "",
                           network: str | None = None) -> list[int]:
    """Close the runs of `kind` that a killed process left 'running': failed, with an 'interrupted' reason.
    For the kinds that are not resumed (refresh, import), called by the next run of the same kind as it starts.
    With `network`, that network's runs only: each network's deletion check has a job of its own, and one
    may be running while another starts."""
    closed = []
    scope = [CollectionRun.kind == kind, CollectionRun.status == "running"]
    if network is not None:
        scope.append(CollectionRun.network == network)
    for stale in session.scalars(select(CollectionRun).where(*scope)):
        stale.status, stale.ended_at = "failed", now
        stale.error = stale.error or f"interrupted: the process stopped before this {kind} finished{advice}"
        closed.append(stale.id)
    if closed:
        log.warning("closed %s %s run(s) a stopped process left running: %s", len(closed), kind, closed)
    return closed
