"""One collector per database: the lease a running collector holds (table collector_lease, one row).

Two `campaign-monitor run` on one database poll every campaign twice, resume each other's runs and
page a backfill again: double API spend and run records that no longer say what happened. So each
collecting process (`run`, `collect --once`, `demo`) takes the lease first and refuses to start, naming
the holder, while another process holds it. The holder renews it every LEASE_RENEW_SECONDS from a
thread of its own (so a long poll or a rate-limit wait does not let it lapse) and at every poll.

A holder that is gone is taken over at once when it is a process of this host that no longer runs
(a crash, SIGKILL, a restarted container), and otherwise when it has not renewed the lease for
STALE_AFTER_INTERVALS collection intervals (a crashed or unreachable host). A takeover is recorded as
a run event. Taking, renewing and taking over are each one conditional UPDATE, so two processes
racing for the lease cannot both win, on SQLite and on PostgreSQL.
"""
from __future__ import annotations

import logging
import os
import socket
import threading
import uuid
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Callable, Iterator

from sqlalchemy import select, update
from sqlalchemy.engine import Engine

from monitor.db import DATABASE_FAULTS, db_error_reason, transaction
from monitor.models import CollectionRun, CollectorLease, RunEvent
from monitor.timeutil import uk_local, utcnow

log = logging.getLogger(__name__)

LEASE_ID = 1
LEASE_RENEW_SECONDS = 60
STALE_AFTER_INTERVALS = 3
# However short the interval, a holder gets this long to renew before another host may take over:
# a busy database or a slow network must not hand the lease to a second collector.
MIN_STALE_AFTER = timedelta(minutes=5)
# When this process started (near enough: when it first imported this module). A holder with our pid
# that started before is a previous life of this pid (a restarted container numbers its processes the
# same way); one that started since is this very process.
PROCESS_STARTED = utcnow()


class LeaseHeld(Exception):
    """Another live collector holds the lease: str() is one line naming it (exit status 2)."""


class LeaseLost(Exception):
    """This process's lease was taken over (it had lapsed) or released behind its back: stop collecting."""


@dataclass(frozen=True)
class Holder:
    host: str
    pid: int
    command: str
    started_at: datetime
    renewed_at: datetime

    def describe(self) -> str:
        return (f"host {self.host} pid {self.pid} ({self.command}), started {_when(self.started_at)}, "
                f"last renewed {_when(self.renewed_at)}")


def _when(t: datetime) -> str:
    return uk_local(t).strftime("%Y-%m-%d %H:%M:%S %Z")


def stale_after(interval_minutes: float) -> timedelta:
    return max(timedelta(minutes=interval_minutes * STALE_AFTER_INTERVALS), MIN_STALE_AFTER)


def current_holder(engine: Engine) -> Holder | None:
    """Who holds the lease now (None when no collector runs): `status` and the health page show it."""
    with transaction(engine) as s:
        row = s.get(CollectorLease, LEASE_ID)
        return _holder(row) if row is not None and row.holder else None


def _holder(row: CollectorLease) -> Holder:
    return Holder(row.host, row.pid, row.command, row.started_at, row.renewed_at)


def _process_gone(holder: Holder) -> bool:
    """True when the holder was a process of this host that no longer runs."""
    if holder.host != socket.gethostname():
        return False
    if holder.pid == os.getpid():
        return holder.started_at < PROCESS_STARTED
    try:
        os.kill(holder.pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False  # it runs, as another user
    return False


class Lease:
    """The lease as one process holds it: acquire(), then renew() at every poll (and from the keeper
    thread), release() on the way out."""

    def __init__(self, engine: Engine, interval_minutes: float, command: str, *,
                 clock: Callable[[], datetime] = utcnow):
        self.engine = engine
        self.command = command
        self.clock = clock
        self.stale_after = stale_after(interval_minutes)
        self.token = uuid.uuid4().hex
        self.host, self.pid = socket.gethostname(), os.getpid()
        self._keeper: threading.Thread | None = None
        self._stop_keeping = threading.Event()

    def acquire(self) -> Holder | None:
        """Take the lease, or raise LeaseHeld naming the live holder. Returns the previous holder when
        it was taken over (after recording it as a run event)."""
        now = self.clock()
        with transaction(self.engine) as s:
            row = s.get(CollectorLease, LEASE_ID)
            if row is None:  # a database whose row was deleted by hand: the lease is free
                row = CollectorLease(id=LEASE_ID)
                s.add(row)
                s.flush()
            seen_token, seen_renewed = row.holder, row.renewed_at
            previous = _holder(row) if row.holder else None
        reason = None
        if previous is not None:
            reason = self._takeover_reason(previous, now)
            if reason is None:
                lapse = previous.renewed_at + self.stale_after
                raise LeaseHeld(f"another collector is running on this database: {previous.describe()}; stop it "
                                f"first (only one collector may run per database), or, if its host is gone, "
                                f"start again after {_when(lapse)}, when its lease lapses")
        with transaction(self.engine) as s:
            taken = s.execute(
                update(CollectorLease)
                .where(CollectorLease.id == LEASE_ID, CollectorLease.holder.is_not_distinct_from(seen_token),
                       CollectorLease.renewed_at.is_not_distinct_from(seen_renewed))
                .values(holder=self.token, host=self.host, pid=self.pid, command=self.command, started_at=now,
                        renewed_at=now)).rowcount
            if taken != 1:
                raise LeaseHeld(self._lost_race_message())
            if previous is not None:
                _record_takeover(s, now, f"collector lease taken over by host {self.host} pid {self.pid} "
                                         f"({self.command}) from {previous.describe()}: {reason}")
        if previous is not None:
            log.warning("took over the collector lease from %s: %s", previous.describe(), reason)
        return previous

    def _takeover_reason(self, holder: Holder, now: datetime) -> str | None:
        if _process_gone(holder):
            return "that process no longer runs on this host"
        if now - holder.renewed_at > self.stale_after:
            minutes = (now - holder.renewed_at).total_seconds() / 60
            return f"it had not renewed the lease for {minutes:.0f} minutes (limit {self.stale_after})"
        return None

    def _lost_race_message(self) -> str:
        holder = current_holder(self.engine)
        who = holder.describe() if holder else "another process"
        return f"another collector took this database's lease a moment ago: {who}; only one may run per database"

    def renew(self) -> None:
        """Raise LeaseLost when the lease is no longer this process's."""
        with transaction(self.engine) as s:
            renewed = s.execute(update(CollectorLease)
                                .where(CollectorLease.id == LEASE_ID, CollectorLease.holder == self.token)
                                .values(renewed_at=self.clock())).rowcount
        if renewed != 1:
            holder = current_holder(self.engine)
            raise LeaseLost("this collector's lease on the database was taken over by "
                            f"{holder.describe() if holder else 'no one (it was released)'}: stopping, so that "
                            "only one collector polls")

    def release(self) -> None:
        self._stop_keeping.set()
        try:
            with transaction(self.engine) as s:
                s.execute(update(CollectorLease)
                          .where(CollectorLease.id == LEASE_ID, CollectorLease.holder == self.token)
                          .values(holder=None, host=None, pid=None, command=None, started_at=None, renewed_at=None))
        except DATABASE_FAULTS as e:
            # Left held: this host's next collector sees that this process is gone and takes it over.
            log.warning("could not release the collector lease: %s", db_error_reason(e))

    def keep_renewed(self, on_lost: Callable[[Exception], None]) -> None:
        """Renew every LEASE_RENEW_SECONDS from a daemon thread until release(); on_lost(error) when it
        is lost. A database that is unreachable for a while is not a loss: the renewal is tried again."""
        def keep():
            while not self._stop_keeping.wait(LEASE_RENEW_SECONDS):
                try:
                    self.renew()
                except LeaseLost as e:
                    on_lost(e)
                    return
                except DATABASE_FAULTS as e:
                    log.warning("could not renew the collector lease (tried again in %s s): %s",
                                LEASE_RENEW_SECONDS, db_error_reason(e))

        self._keeper = threading.Thread(target=keep, name="collector-lease", daemon=True)
        self._keeper.start()


@contextmanager
def holding_lease(engine: Engine, interval_minutes: float, command: str, stop: threading.Event) -> Iterator[Lease]:
    """Hold the lease for a one-off job (`collect --once`): taken first, renewed meanwhile, given back
    after. If it is lost meanwhile, `stop` is set (the job stops after its page in flight) and LeaseLost
    is raised once the job has returned."""
    lease = Lease(engine, interval_minutes, command)
    lease.acquire()
    lost: list[Exception] = []
    lease.keep_renewed(on_lost=lambda e: (lost.append(e), stop.set()))
    try:
        yield lease
    finally:
        lease.release()
    if lost:
        raise lost[0]


def _record_takeover(session, now: datetime, detail: str) -> None:
    """A takeover is a run event of a run of its own (kind 'lease', campaign '*'), on record with every
    other fault; lease_events() reads them back."""
    run = CollectionRun(campaign="*", kind="lease", query="collector lease", started_at=now, ended_at=now,
                        status="completed")
    session.add(run)
    session.flush()
    session.add(RunEvent(run_id=run.id, at=now, kind="takeover", detail=detail))


def lease_events(engine: Engine) -> list[RunEvent]:
    """Every recorded takeover, oldest first."""
    with transaction(engine) as s:
        return list(s.scalars(select(RunEvent).join(CollectionRun, CollectionRun.id == RunEvent.run_id)
                              .where(CollectionRun.kind == "lease").order_by(RunEvent.id)))
