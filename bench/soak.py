"""Soak: the real CampaignScheduler (APScheduler, collection + metrics refresh jobs) run for an
hour of simulated time at a fast interval against the simulated X API, with random faults
(seeded) on about one request in six, bounded to a few minutes of wall time, on loopback only.

Every 5 s a random sample of stored posts is made due for a metrics refresh (the scheduler's
own clock is the wall clock, which moves only minutes), so the refresh job works under faults too.

The simulated clock runs `sim-minutes / wall-seconds` times faster than the wall clock and ends
at about the wall clock's "now" (it starts an hour behind), so rate-limit reset headers, which
follow the simulated clock, are never further away than the wall clock can wait.

Reports: RSS and open file descriptors at start / middle / end (flat means no leak), every run
accounted for (completed / failed / halted / stopped with reasons, none left 'running'), jobs
that raised, and after one clean catch-up poll: posts lost = |visible - stored| (must be 0),
duplicates (must be 0), and posts behind the final cursor that were never stored (must be 0).

    .venv/bin/python bench/soak.py                       # 60 simulated minutes in ~150 s of wall time
    .venv/bin/python bench/soak.py --wall-seconds 300 --fault-rate 0.25 --seed 7
    .venv/bin/python bench/soak.py --db-url postgresql+psycopg://...   # an empty database you own
"""
from __future__ import annotations

import argparse
import gc
import logging
import os
import random
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from apscheduler.events import EVENT_JOB_ERROR, EVENT_JOB_EXECUTED  # noqa: E402
from sqlalchemy import func, select, update  # noqa: E402

from monitor.collector import Collector  # noqa: E402
from monitor.config import Campaign, default_config  # noqa: E402
from monitor.db import make_engine, transaction  # noqa: E402
from monitor.fakex import FakeX, Fault  # noqa: E402
from monitor.models import CollectionRun, Post, RunPost, SearchCursor  # noqa: E402
from monitor.scheduler import CampaignScheduler  # noqa: E402
from monitor.schema import upgrade  # noqa: E402
from monitor.sources.x import XSource, build_queries  # noqa: E402

TOKEN = "soak-bearer-token"
CAMPAIGN = Campaign(name="ipfs", title="IPFS", hashtags=("InvestInPupilServices", "PupilAndFamilyServices",
                                                          "FundOurSchools"), mentions=("NAHTnews",))
TIMEOUT = 2.0
MAX_RETRIES = 3


class FastClock:
    """Simulated time: starts `span` behind the wall clock and runs `speed` times faster."""

    def __init__(self, span: timedelta, speed: float):
        self.wall0 = time.monotonic()
        self.start = datetime.now(timezone.utc) - span
        self.speed = speed
        self.frozen: datetime | None = None
        self._lock = threading.Lock()

    def __call__(self) -> datetime:
        with self._lock:
            if self.frozen is not None:
                return self.frozen
            return self.start + timedelta(seconds=(time.monotonic() - self.wall0) * self.speed)

    def freeze(self) -> datetime:
        now = self()
        with self._lock:
            self.frozen = now
        return now


def fault_menu(rng: random.Random) -> Fault:
    """One random fault, weighted towards what X really does most."""
    menu = [
        (8, lambda: Fault("http", status=rng.choice([500, 502, 503]), count=rng.randint(1, 2))),
        (5, lambda: Fault("drop", count=rng.randint(1, 2))),
        (2, lambda: Fault("slow", delay=TIMEOUT + 0.3)),
        (3, lambda: Fault("malformed")),
        (3, lambda: Fault("truncated")),
        (3, lambda: Fault("no_includes")),
        (3, lambda: Fault("missing_author")),
        (3, lambda: Fault("duplicate")),
        (3, lambda: Fault("out_of_order")),
        (3, lambda: Fault("rate_limit", reset_in=rng.choice([0.5, 1.0]))),
        (2, lambda: Fault("rate_limit", reset_in=None)),
        (2, lambda: Fault("http", status=503, count=MAX_RETRIES + 1)),   # a burst that fails the run
        (1, lambda: Fault("usage_cap")),                                  # halts: the operator resumes
    ]
    weights = [w for w, _ in menu]
    return rng.choices([make for _, make in menu], weights)[0]()


def make_due(engine, rng: random.Random, count: int) -> None:
    """The scheduler's clock is the wall clock, which moves only minutes during the soak, so few
    posts would fall due for a metrics refresh on their own: make a random sample due now."""
    with transaction(engine) as s:
        ids = list(s.scalars(select(Post.id).where(Post.deleted.is_(False))))
        picked = rng.sample(ids, min(count, len(ids)))
        s.execute(update(Post).where(Post.id.in_(picked)).values(
            next_refresh_at=datetime.now(timezone.utc) - timedelta(minutes=1)))


def rss_kib() -> int:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def open_fds() -> int:
    return len(os.listdir("/proc/self/fd"))


class LogCounter(logging.Handler):
    def __init__(self):
        super().__init__(logging.WARNING)
        self.counts: Counter = Counter()
        self.samples: dict[str, str] = {}

    def emit(self, record):
        self.counts[record.levelname] += 1
        self.samples.setdefault(record.levelname, record.getMessage()[:160])


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sim-minutes", type=float, default=60, help="simulated time to cover")
    parser.add_argument("--wall-seconds", type=float, default=150, help="wall time budget for the scheduler")
    parser.add_argument("--interval-sim-minutes", type=float, default=1.0, help="polling interval, simulated")
    parser.add_argument("--posts-per-day", type=int, default=6000, help="simulated campaign volume")
    parser.add_argument("--fault-rate", type=float, default=0.16, help="chance a request gets a fault")
    parser.add_argument("--due-batch", type=int, default=150,
                        help="posts made due for a metrics refresh every 5 s of wall time")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--db-url", help="an empty database (default: a new SQLite file in a temp folder)")
    args = parser.parse_args(argv)
    if not 10 <= args.wall_seconds <= 900:
        parser.error("--wall-seconds must be between 10 and 900 (the soak is bounded)")

    speed = args.sim_minutes * 60 / args.wall_seconds
    clock = FastClock(timedelta(minutes=args.sim_minutes), speed)
    tmp = tempfile.TemporaryDirectory(prefix="soak-")
    db_url = args.db_url or f"sqlite:///{Path(tmp.name) / 'soak.db'}"
    engine = make_engine(db_url)
    upgrade(engine)

    # The corpus: a day before the simulated hour (the first poll's backlog) and on past its end.
    fake = FakeX(seed=args.seed, start=clock.start - timedelta(days=1), days=2, posts_per_day=args.posts_per_day,
                 bearer_token=TOKEN, clock=clock).start()
    rng = random.Random(args.seed)
    injected: Counter = Counter()

    def maybe_fault(_number, _path):
        if rng.random() < args.fault_rate:
            fault = fault_menu(rng)
            injected[fault.kind + (f"-{fault.status}" if fault.status else "")] += 1
            fake.inject(fault)
    fake.on_request = maybe_fault

    config = replace(default_config(), api_base_url=fake.base_url, campaigns=(CAMPAIGN,),
                     interval_minutes=args.interval_sim_minutes / speed, request_timeout=TIMEOUT,
                     max_retries=MAX_RETRIES, backoff_seconds=0.05, max_rate_limit_wait=10)
    logs = LogCounter()
    logging.basicConfig(level=logging.WARNING, handlers=[logs])
    logging.getLogger("apscheduler").setLevel(logging.ERROR)

    scheduler = CampaignScheduler(engine, config, lambda _network: XSource(TOKEN, fake.base_url, TIMEOUT))
    jobs: Counter = Counter()

    def on_job(event):
        jobs["raised" if event.exception else "executed"] += 1
        if event.exception:
            logs.samples.setdefault("JOB", repr(event.exception)[:200])
    scheduler.scheduler.add_listener(on_job, EVENT_JOB_EXECUTED | EVENT_JOB_ERROR)
    thread = threading.Thread(target=scheduler.run, kwargs={"install_signals": False}, daemon=True)

    samples: list[tuple[str, float, int, int, int]] = []

    def sample(label: str) -> None:
        gc.collect()
        with transaction(engine) as s:
            posts = s.scalar(select(func.count()).select_from(Post))
        samples.append((label, time.monotonic() - wall0, rss_kib(), open_fds(), posts))

    wall0 = time.monotonic()
    thread.start()
    operator_resumes = 0
    paused_since = None
    deadline = wall0 + args.wall_seconds
    marks = {"start": wall0 + min(15, args.wall_seconds * 0.1), "middle": wall0 + args.wall_seconds / 2}
    next_due = wall0
    while time.monotonic() < deadline:
        time.sleep(0.5)
        if time.monotonic() >= next_due:
            make_due(engine, rng, args.due_batch)
            next_due = time.monotonic() + 5
        for label, at in list(marks.items()):
            if time.monotonic() >= at:
                sample(label)
                del marks[label]
        # A halt (usage cap) pauses every job: the operator looks, and resumes after a few seconds.
        paused = [j for j in scheduler.scheduler.get_jobs() if j.next_run_time is None]
        if paused and paused_since is None:
            paused_since = time.monotonic()
        if paused and time.monotonic() - paused_since > 3:
            for job in paused:
                job.resume()
            operator_resumes += 1
            paused_since = None
    scheduler.stop.set()
    scheduler.scheduler.shutdown(wait=True)   # lets a job that is running finish its page
    thread.join(timeout=60)
    sample("end")
    sim_end = clock.freeze()
    fake.on_request = None
    fake.clear_faults()

    with transaction(engine) as s:
        all_runs = list(s.scalars(select(CollectionRun).order_by(CollectionRun.id)))
    by_outcome = Counter((r.kind, r.status) for r in all_runs)
    reasons = Counter((r.kind, r.status, _reason(r.error)) for r in all_runs if r.error)
    hanging = [r.id for r in all_runs if r.status == "running"]
    resumed = sum(r.resumes for r in all_runs)

    query = build_queries(CAMPAIGN.terms)[0]
    visible = fake.visible_ids(query)
    with transaction(engine) as s:
        before = set(s.scalars(select(Post.id)))
        cursor = s.get(SearchCursor, ("x", CAMPAIGN.name, query))
    behind_cursor = {i for i in visible if cursor and int(i) <= int(cursor.since_id)} - before
    catch_up = Collector(engine, config, XSource(TOKEN, fake.base_url, TIMEOUT), clock=clock).collect_campaign(CAMPAIGN)
    with transaction(engine) as s:
        ids = list(s.scalars(select(Post.id)))
        links = s.scalar(select(func.count()).select_from(RunPost))
        distinct_links = s.scalar(select(func.count()).select_from(
            select(RunPost.run_id, RunPost.post_id).distinct().subquery()))
    stored = set(ids)
    fake.stop()
    engine.dispose()

    print(f"\nsoak: {args.sim_minutes:.0f} simulated minutes ({clock.start:%H:%M}-{sim_end:%H:%M} UTC) in "
          f"{samples[-1][1]:.0f} s wall, x{speed:.0f}, poll every {args.interval_sim_minutes:g} simulated min, "
          f"seed {args.seed}, fault rate {args.fault_rate:.0%}, {db_url.split(':')[0]}")
    print(f"\n{'sample':<8}{'wall s':>8}{'RSS MiB':>10}{'open fds':>10}{'posts':>8}")
    for label, t, rss, fds, posts in samples:
        print(f"{label:<8}{t:>8.0f}{rss / 1024:>10.1f}{fds:>10}{posts:>8}")
    growth = (samples[-1][2] - samples[0][2]) / 1024
    print(f"RSS start->end: {growth:+.1f} MiB; middle->end: {(samples[-1][2] - samples[1][2]) / 1024:+.1f} MiB")
    lookups = sum(r["path"] == "/2/tweets" for r in fake.requests)
    print(f"\nrequests to the fake: {len(fake.requests)} ({lookups} metrics lookups); "
          f"faults injected: {sum(injected.values())} "
          f"({', '.join(f'{k} {v}' for k, v in sorted(injected.items()))})")
    print(f"scheduler jobs executed: {jobs['executed']}, raised: {jobs['raised']}; operator resumes after a halt: "
          f"{operator_resumes}; log records: {dict(logs.counts)}")
    for level, message in sorted(logs.samples.items()):
        print(f"  first {level}: {message}")
    print(f"\nruns started: {len(all_runs)} (resumed {resumed} times); by outcome:")
    for (kind, status), n in sorted(by_outcome.items()):
        print(f"  {kind:<8}{status:<10}{n:>5}")
    print(f"  left 'running': {len(hanging)}")
    for (kind, status, why), n in sorted(reasons.items(), key=lambda kv: -kv[1]):
        later = " (the reason of an earlier attempt; resumed and finished)" if status == "completed" else ""
        print(f"    {n:>4} x {kind} {status}: {why}{later}")
    accounted = sum(n for (k, st), n in by_outcome.items() if st in ("completed", "failed", "halted", "stopped"))
    print(f"runs accounted for: {accounted} of {len(all_runs)}")
    print(f"\ncatch-up poll: {', '.join(f'run {c.run_id} {c.status} {c.posts_new} new' for c in catch_up)}")
    print(f"posts visible: {len(visible)}, stored: {len(stored)}; lost |visible - stored|: {len(visible - stored)}; "
          f"extra: {len(stored - visible)}; duplicates: {len(ids) - len(stored)} posts, "
          f"{links - distinct_links} run links; stored before catch-up {len(before)}, "
          f"never stored behind the cursor: {len(behind_cursor)}")
    ok = (not hanging and accounted == len(all_runs) and not (visible - stored) and not (stored - visible)
          and len(ids) == len(stored) and not behind_cursor and jobs["raised"] == 0)
    print("\nRESULT:", "ok" if ok else "PROBLEM")
    tmp.cleanup()
    return 0 if ok else 1


def _reason(error: str) -> str:
    """The kind of reason, without run numbers or times."""
    text = error.split(" (gave up")[0].split("; retry")[0]
    for marker in (" until ", " during run "):
        text = text.split(marker)[0]
    return text[:90]


if __name__ == "__main__":
    sys.exit(main())
