"""Memory: peak RSS of the collector over a long simulated run, and of the dashboard serving one session.

collector  A child process does what `campaign-monitor run` does at each interval, with simulated
           time: a new XSource and Collector per poll (as the scheduler's job does), the campaign
           poll, then the metrics refresh; --days days of 15-minute steps against the simulated API
           (--posts-per-day, with event-day spikes), into a SQLite file. The simulated API runs in
           this (parent) process, so its corpus does not count; the two share the simulated clock.
           Printed: RSS after the first simulated day and at the end (growth = a leak), and the
           peak (VmHWM), as medians over --runs.
dashboard  `streamlit run dashboard/app.py` against a generated database (bench/generate_db.py,
           --dashboard-posts posts, default 100,000), every page loaded once by headless Chromium (Playwright);
           the streamlit process's RSS before the session and its peak after it.

Usage: .venv/bin/python bench/bench_memory.py [--days 14] [--posts-per-day 2000] [--runs 3]
       [--skip-dashboard] [--dashboard-posts 100000] [--quick]
(bench/README.md's dashboard figure: --dashboard-posts 1000000, which reuses bench_dashboard.py's database)
"""
from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import shutil
import statistics
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

from _common import CORPUS_START, TOKEN, machine, rss_kib_of

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from tests.helpers import CHROMIUM, CHROMIUM_ARGS  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
PAGES = ["", "region?region=London", "posts", "health", "help"]


# --- collector -------------------------------------------------------------------------------

def collector_child(base_url: str, db_url: str, shared_now, days: int, results) -> None:
    """The collector process: its clock is the shared simulated time, which it advances."""
    import resource
    from dataclasses import replace

    from monitor.collector import Collector
    from monitor.config import default_config
    from monitor.db import make_engine
    from monitor.refresh import refresh_metrics
    from monitor.schema import upgrade
    from monitor.sources.x import XSource

    def clock() -> datetime:
        return datetime.fromtimestamp(shared_now.value, timezone.utc)

    config = replace(default_config(), api_base_url=base_url, backoff_seconds=0.01, request_timeout=10.0)
    [campaign] = config.campaigns
    engine = make_engine(db_url)
    upgrade(engine)
    step = config.interval_minutes * 60
    steps_per_day = int(86400 // step)
    rss_by_day, new_posts = [], 0
    started = time.perf_counter()
    for index in range(days * steps_per_day):
        with shared_now.get_lock():
            shared_now.value += step
        collector = Collector(engine, config, XSource(TOKEN, base_url, 10.0), clock=clock)
        for summary in collector.collect_campaign(campaign):
            new_posts += summary.posts_new
        refresh_metrics(engine, config, XSource(TOKEN, base_url, 10.0), clock=clock)
        if (index + 1) % steps_per_day == 0:
            rss_by_day.append(rss_kib_of(os.getpid())[0])
    results.put({"rss_by_day_kib": rss_by_day, "peak_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
                 "new_posts": new_posts, "seconds": time.perf_counter() - started})
    engine.dispose()


def collector_run(days: int, posts_per_day: int, seed: int, workdir: Path) -> dict:
    from monitor.fakex import FakeX

    ctx = mp.get_context("spawn")   # a fresh interpreter: nothing of this process is counted
    shared_now = ctx.Value("d", CORPUS_START.timestamp())

    def clock() -> datetime:
        return datetime.fromtimestamp(shared_now.value, timezone.utc)

    with FakeX(seed=seed, start=CORPUS_START, days=days, posts_per_day=posts_per_day, bearer_token=TOKEN,
               clock=clock) as fx:
        results = ctx.Queue()
        db_url = f"sqlite:///{workdir / f'memory-{seed}.db'}"
        child = ctx.Process(target=collector_child, args=(fx.base_url, db_url, shared_now, days, results))
        child.start()
        result = results.get(timeout=3600)
        child.join(timeout=60)
    return result


def report_collector(results: list[dict], days: int, posts_per_day: int) -> None:
    mib = lambda kib: kib / 1024  # noqa: E731
    print(f"\ncollector: {days} simulated days x {posts_per_day} posts/day (weekday volume, event days 3-5x), "
          f"15-minute polls + metrics refresh, SQLite; median of {len(results)} runs")
    print(f"  posts collected                      {statistics.median(r['new_posts'] for r in results):>10,.0f}")
    first_day = statistics.median(mib(r['rss_by_day_kib'][0]) for r in results)
    print(f"  RSS after simulated day 1 (MiB)      {first_day:>10.1f}")
    print(f"  RSS after simulated day {days:<2} (MiB)     "
          f"{statistics.median(mib(r['rss_by_day_kib'][-1]) for r in results):>10.1f}")
    print(f"  peak RSS (MiB)                       {statistics.median(mib(r['peak_kib']) for r in results):>10.1f}")
    print(f"  wall time (s)                        {statistics.median(r['seconds'] for r in results):>10.1f}")
    day_rss = [round(mib(k)) for k in results[0]["rss_by_day_kib"]]
    print(f"  RSS per simulated day, run 1 (MiB):  {day_rss}")


# --- dashboard -------------------------------------------------------------------------------

def generated_database(posts: int) -> str:
    """The dashboard bench's generated SQLite database (bench/output/), made when missing."""
    sys.path.insert(0, str(ROOT / "bench"))
    import generate_db  # the dashboard bench's generator

    output = ROOT / "bench" / "output"
    path = output / ("bench.db" if posts == 1_000_000 else f"bench_{posts}.db")
    url = f"sqlite:///{path}"
    if not path.exists():
        output.mkdir(parents=True, exist_ok=True)
        print(f"generating {path} with bench/generate_db.py ...", flush=True)
        generate_db.generate(url, posts)
    from monitor.db import make_engine
    from monitor.schema import upgrade

    engine = make_engine(url)
    upgrade(engine)   # the dashboard refuses a database behind the current schema
    engine.dispose()
    return url


def dashboard_session(db_url: str, workdir: Path) -> dict:
    from playwright.sync_api import sync_playwright

    from monitor.serve import dashboard_env, dashboard_server

    env = dashboard_env(database_url=db_url, MONITOR_CACHE_DIR=str(workdir / "cache"))
    timings = {}
    with dashboard_server(env=env, cwd=workdir, log=workdir / "streamlit.log", timeout=120) as server:
        base_url, process = server.url, server.process
        idle_kib = rss_kib_of(process.pid)[0]
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": 1440, "height": 1000})
            page.set_default_timeout(180_000)
            for path in PAGES:
                began = time.perf_counter()
                page.goto(f"{base_url}/{path}")
                page.wait_for_selector("h1")
                page.wait_for_selector('[data-testid="stApp"][data-test-script-state="notRunning"]')
                page.wait_for_timeout(500)
                page.wait_for_selector('[data-testid="stApp"][data-test-script-state="notRunning"]')
                timings[path or "overview"] = time.perf_counter() - began
            after_kib, peak_kib = rss_kib_of(process.pid)
            browser.close()
    return {"idle_kib": idle_kib, "after_kib": after_kib, "peak_kib": peak_kib, "timings": timings}


def report_dashboard(results: list[dict], posts: int) -> None:
    mib = lambda kib: kib / 1024  # noqa: E731
    print(f"\ndashboard: streamlit serving one session (every page loaded once) on a generated SQLite "
          f"database of {posts:,} posts; median of {len(results)} runs")
    print(f"  RSS started, before any session (MiB) {statistics.median(mib(r['idle_kib']) for r in results):>9.1f}")
    print(f"  RSS after the session (MiB)           {statistics.median(mib(r['after_kib']) for r in results):>9.1f}")
    print(f"  peak RSS (MiB)                        {statistics.median(mib(r['peak_kib']) for r in results):>9.1f}")
    for name in results[0]["timings"]:
        print(f"  page {name:<28} {statistics.median(r['timings'][name] for r in results):>9.2f} s to load "
              "(first load, cold cache)")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=14)
    parser.add_argument("--posts-per-day", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=1, help="runs of each part (peaks vary little)")
    parser.add_argument("--skip-collector", action="store_true")
    parser.add_argument("--skip-dashboard", action="store_true")
    parser.add_argument("--dashboard-posts", type=int, default=100_000,
                        help="size of the generated database the dashboard serves (made once, kept in bench/output)")
    parser.add_argument("--quick", action="store_true", help="4 simulated days, 1 run")
    args = parser.parse_args()
    if args.quick:
        args.days, args.runs = 4, 1
    print(machine())
    with tempfile.TemporaryDirectory(prefix="bench-memory-") as tmp:
        workdir = Path(tmp)
        if not args.skip_collector:
            results = [collector_run(args.days, args.posts_per_day, seed, workdir) for seed in range(1, args.runs + 1)]
            report_collector(results, args.days, args.posts_per_day)
        if not args.skip_dashboard:
            if not (ROOT / "dashboard" / "app.py").exists() or not (ROOT / "bench" / "generate_db.py").exists():
                print("\ndashboard: skipped (dashboard/app.py or bench/generate_db.py missing)")
            elif not Path(CHROMIUM).exists() or shutil.which("chromium") is None and not Path(CHROMIUM).exists():
                print(f"\ndashboard: skipped ({CHROMIUM} not installed: make system-deps)")
            else:
                db_url = generated_database(args.dashboard_posts)
                results = [dashboard_session(db_url, workdir) for _ in range(args.runs)]
                report_dashboard(results, args.dashboard_posts)
    return 0


if __name__ == "__main__":
    sys.exit(main())
