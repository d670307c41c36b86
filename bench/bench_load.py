"""The dashboard under concurrent browser sessions on a 1M-post SQLite file, with the collector writing into
the same file: page times, errors, and "database is locked" occurrences (must be 0).

    python bench/bench_load.py                  # 20 sessions x 3 rounds of overview -> region -> posts -> health
    python bench/bench_load.py --sessions 5 --rounds 1 --cap 120

- The 1M-post database is bench/output/bench.db (made by bench/generate_db.py, generated here when absent, with
  the time it took). The collector must write, so the run uses a copy, bench/output/load.db (made once from
  bench.db, then reused: each run adds the simulated API's posts to it).
- ONE `streamlit run dashboard/app.py` on 127.0.0.1 against load.db; one headless Chromium (--browsers for more)
  with one context per session. Each session loads every page --rounds times; a page load is timed from
  navigation to Streamlit's 'notRunning' script state after the page's title is drawn.
- Meanwhile the collector (monitor.collector.Collector, the scheduler's code path) polls the simulated X API
  (monitor.fakex on loopback, wall clock, new posts every few seconds) every --interval seconds and refreshes
  metrics, writing into load.db.
- Errors: an exception box on the page, a browser console error or page error, a timeout. "database is locked"
  is counted in the collector's log, the dashboard server's log and the pages' exception boxes.
Everything is bounded: --rounds per session, --page-timeout per load, and a hard wall-clock --cap (seconds).
Loopback only.
"""
from __future__ import annotations

import argparse
import asyncio
import logging
import os
import shutil
import sqlite3
import statistics
import subprocess
import sys
import threading
import time
from collections import defaultdict
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from monitor.serve import dashboard_env, dashboard_server  # noqa: E402
from tests.helpers import CHROMIUM, CHROMIUM_ARGS  # noqa: E402

OUTPUT = ROOT / "bench" / "output"
SOURCE_DB = OUTPUT / "bench.db"
LOAD_DB = OUTPUT / "load.db"
BROWSER_ARGS = [*CHROMIUM_ARGS, "--disable-dev-shm-usage"]   # many sessions at once: /dev/shm is small
PAGES = (("overview", ""), ("region", "region?region=London"), ("posts", "posts"), ("health", "health"))
LOCKED = ("database is locked", "database table is locked")
IDLE = '[data-testid="stApp"][data-test-script-state="notRunning"]'


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


# --- the database -----------------------------------------------------------------------------

def ensure_database(posts: int) -> None:
    if not SOURCE_DB.exists():
        log(f"{SOURCE_DB} is absent: generating {posts:,} posts with bench/generate_db.py")
        started = time.monotonic()
        subprocess.run([sys.executable, str(ROOT / "bench" / "generate_db.py"), f"sqlite:///{SOURCE_DB}",
                        "--posts", str(posts)], check=True)
        log(f"generated in {time.monotonic() - started:.0f} s")
    if not LOAD_DB.exists():
        log(f"copying {SOURCE_DB.name} to {LOAD_DB.name} (the collector writes into the copy)")
        started = time.monotonic()
        with sqlite3.connect(SOURCE_DB) as conn:       # fold any WAL into the file first
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        shutil.copyfile(SOURCE_DB, LOAD_DB.with_suffix(".tmp"))
        os.replace(LOAD_DB.with_suffix(".tmp"), LOAD_DB)
        log(f"copied in {time.monotonic() - started:.0f} s")
    from monitor.db import make_engine
    from monitor.schema import upgrade

    engine = make_engine(f"sqlite:///{LOAD_DB}")
    upgrade(engine)   # as `campaign-monitor run` does: the dashboard refuses a schema behind the code's
    engine.dispose()
    with sqlite3.connect(LOAD_DB) as conn:
        count = conn.execute("SELECT COUNT(*) FROM posts").fetchone()[0]
    log(f"{LOAD_DB.name}: {count:,} posts")


# --- the collector, writing into the same file --------------------------------------------------

class LockedCounter(logging.Handler):
    def __init__(self):
        super().__init__(logging.DEBUG)
        self.locked = 0

    def emit(self, record):
        text = record.getMessage() + (logging.Formatter().formatException(record.exc_info) if record.exc_info else "")
        if any(marker in text for marker in LOCKED):
            self.locked += 1


class CollectorThread(threading.Thread):
    """Poll the simulated API every `interval` seconds and refresh metrics, until stopped."""

    def __init__(self, url: str, interval: float, log_path: Path, stop: threading.Event):
        super().__init__(name="collector", daemon=True)
        self.url, self.interval, self.stop_event = url, interval, stop
        self.log_path = log_path
        self.polls = self.refreshes = self.pages = self.posts_new = self.failures = 0
        self.counter = LockedCounter()

    def run(self):
        from monitor.collector import Collector
        from monitor.config import default_config
        from monitor.db import make_engine
        from monitor.fakex import FakeX, wall_clock
        from monitor.refresh import refresh_metrics
        from monitor.sources.x import XSource
        from monitor.timeutil import utcnow

        handler = logging.FileHandler(self.log_path)
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        monitor_log = logging.getLogger("monitor")
        monitor_log.setLevel(logging.INFO)
        monitor_log.addHandler(handler)
        monitor_log.addHandler(self.counter)
        now = utcnow().replace(microsecond=0)
        # Posts laid from 1 day ago to 1 day ahead on the wall clock: new ones appear every few seconds.
        fake = FakeX(seed=99, start=now - timedelta(days=1), days=2, posts_per_day=5_000, bearer_token="bench",
                     clock=wall_clock).start()
        engine = make_engine(self.url)
        config = replace(default_config(), api_base_url=fake.base_url, request_timeout=10.0, backoff_seconds=0.2)
        source = XSource("bench", fake.base_url, timeout=10.0)
        collector = Collector(engine, config, source, stop=self.stop_event)
        try:
            while not self.stop_event.is_set():
                try:
                    for summary in collector.collect_campaign(config.campaigns[0]):
                        self.pages += summary.pages
                        self.posts_new += summary.posts_new
                        monitor_log.info("poll: run %s %s, %s pages, %s new", summary.run_id, summary.status,
                                         summary.pages, summary.posts_new)
                    self.polls += 1
                    refreshed = refresh_metrics(engine, config, source, stop=self.stop_event, max_batches=5)
                    self.refreshes += 1
                    monitor_log.info("refresh: %s batches, %s posts", refreshed.batches, refreshed.refreshed)
                except Exception:  # noqa: BLE001 - counted and logged, the loop goes on like the scheduler
                    self.failures += 1
                    monitor_log.exception("collector failure")
                self.stop_event.wait(self.interval)
        finally:
            fake.stop()
            engine.dispose()
            monitor_log.removeHandler(handler)
            monitor_log.removeHandler(self.counter)
            handler.close()


# --- the browser sessions -----------------------------------------------------------------------

class Results:
    def __init__(self):
        self.times: dict[str, list[float]] = defaultdict(list)
        self.errors: list[tuple[int, str, str]] = []   # session, page, what
        self.locked_on_page = 0
        self.cut = 0          # loads still running when the wall-clock cap came
        self.resources: dict[str, int] = defaultdict(int)

    def resource(self, what: str) -> None:
        self.resources[what] += 1

    def error(self, session: int, page: str, what: str) -> None:
        self.errors.append((session, page, what[:300]))
        if any(marker in what for marker in LOCKED):
            self.locked_on_page += 1


async def load(tab, base_url: str, path: str, timeout_ms: float) -> float:
    started = time.monotonic()
    await tab.goto(f"{base_url}/{path}", timeout=timeout_ms)
    await tab.wait_for_selector("h1", timeout=timeout_ms)
    await tab.wait_for_selector(IDLE, timeout=timeout_ms)
    return time.monotonic() - started


async def session(number: int, browser, base_url: str, rounds: int, deadline: float, page_timeout: float,
                  results: Results) -> None:
    context = await browser.new_context(viewport={"width": 1440, "height": 1000}, timezone_id="Europe/London")
    tab = await context.new_page()
    current = {"page": "start"}
    # A resource the sandbox cannot fetch (no DNS: web fonts, X avatars) or a 404 is recorded by URL, apart from
    # application errors; other console errors count as errors.
    tab.on("console", lambda m: results.error(number, current["page"], f"console: {m.text}")
           if m.type == "error" and not m.text.startswith("Failed to load resource") else None)
    tab.on("requestfailed", lambda r: results.resource(f"{r.failure} {r.url[:100]}"))
    tab.on("response", lambda r: results.resource(f"HTTP {r.status} {r.url[:100]}") if r.status >= 400 else None)
    tab.on("pageerror", lambda e: results.error(number, current["page"], f"pageerror: {e}"))
    try:
        for _ in range(rounds):
            for name, path in PAGES:
                remaining = deadline - time.monotonic()
                if remaining < 5:
                    return
                current["page"] = name
                cut_by_cap = remaining < page_timeout
                try:
                    elapsed = await load(tab, base_url, path, min(page_timeout, remaining) * 1000)
                except Exception as e:  # noqa: BLE001 - a timeout or a navigation failure is an error
                    if cut_by_cap and time.monotonic() >= deadline - 1:
                        results.cut += 1          # the wall-clock cap ended this load, not the page
                        return
                    results.error(number, name, f"{type(e).__name__}: {str(e).splitlines()[0]}")
                    continue
                boxes = tab.locator('[data-testid="stException"]')
                if await boxes.count():
                    results.error(number, name, "exception on page: " + (await boxes.first.inner_text())[:300])
                    continue
                results.times[name].append(elapsed)
    finally:
        await context.close()


async def drive(base_url: str, sessions: int, rounds: int, browsers: int, cap: float, page_timeout: float,
                results: Results) -> float:
    from playwright.async_api import async_playwright

    async with async_playwright() as p:
        launched = [await p.chromium.launch(executable_path=CHROMIUM, args=BROWSER_ARGS) for _ in range(browsers)]
        try:
            # One warm-up visit so every session measures a started app (the first run of a page compiles it).
            warm = await launched[0].new_page()
            for name, path in PAGES:
                try:
                    log(f"warm-up {name}: {await load(warm, base_url, path, 180_000):.1f} s")
                except Exception:
                    await warm.screenshot(path=str(OUTPUT / "load-logs" / f"warmup-{name}.png"))
                    raise
            await warm.close()
            log(f"warmed up; {sessions} sessions x {rounds} rounds x {len(PAGES)} pages, cap {cap:.0f} s")
            started = time.monotonic()
            deadline = started + cap
            tasks = [session(n, launched[n % browsers], base_url, rounds, deadline, page_timeout, results)
                     for n in range(sessions)]
            try:
                await asyncio.wait_for(asyncio.gather(*tasks), timeout=cap + 30)
            except asyncio.TimeoutError:
                results.error(-1, "all", f"hard cap of {cap:.0f} s reached")
            return time.monotonic() - started
        finally:
            for browser in launched:
                await browser.close()


# --- report -------------------------------------------------------------------------------------

def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered) + 0.5) - 1))]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--browsers", type=int, default=1, help="Chromium processes the sessions are spread over")
    parser.add_argument("--cap", type=float, default=300, help="hard wall-clock cap on the sessions, seconds")
    parser.add_argument("--page-timeout", type=float, default=120, help="seconds a page load may take")
    parser.add_argument("--interval", type=float, default=5, help="seconds between collector polls")
    parser.add_argument("--posts", type=int, default=1_000_000, help="posts to generate when bench.db is absent")
    args = parser.parse_args(argv)
    if not Path(CHROMIUM).exists():
        raise SystemExit(f"{CHROMIUM} is not installed (make system-deps)")

    ensure_database(args.posts)
    url = f"sqlite:///{LOAD_DB}"
    logs = OUTPUT / "load-logs"
    logs.mkdir(exist_ok=True)
    collector_log, server_log = logs / "collector.log", logs / "streamlit.log"
    stop = threading.Event()
    collector = CollectorThread(url, args.interval, collector_log, stop)
    results = Results()
    with dashboard_server(env=dashboard_env(database_url=url), cwd=ROOT, log=server_log, timeout=90,
                          extra_args=("--logger.level", "info")) as server:
        base_url = server.url
        try:
            log(f"dashboard on {base_url}; collector polling every {args.interval:g} s into {LOAD_DB.name}")
            collector.start()
            elapsed = asyncio.run(drive(base_url, args.sessions, args.rounds, args.browsers, args.cap,
                                        args.page_timeout, results))
        finally:
            stop.set()
            collector.join(timeout=60)

    server_text = server_log.read_text(errors="replace")
    collector_text = collector_log.read_text(errors="replace") if collector_log.exists() else ""
    locked_server = sum(server_text.count(m) for m in LOCKED)
    locked_collector = sum(collector_text.count(m) for m in LOCKED)
    print()
    print(f"{args.sessions} sessions, {args.rounds} rounds, {args.browsers} browser(s), {elapsed:.0f} s "
          f"(cap {args.cap:.0f} s), database {LOAD_DB.name}")
    print(f"{'page':10} {'loads':>6} {'median s':>9} {'p95 s':>7} {'max s':>7}")
    for name, _ in PAGES:
        values = results.times.get(name, [])
        if values:
            print(f"{name:10} {len(values):6d} {statistics.median(values):9.2f} {percentile(values, 95):7.2f} "
                  f"{max(values):7.2f}")
        else:
            print(f"{name:10} {0:6d} {'-':>9} {'-':>7} {'-':>7}")
    planned = args.sessions * args.rounds * len(PAGES)
    done = sum(len(v) for v in results.times.values())
    print(f"page loads: {done} of {planned} planned, {results.cut} cut short by the cap; "
          f"errors: {len(results.errors)}")
    by_kind = defaultdict(int)
    for _, page, what in results.errors:
        by_kind[f"{page}: {what[:120]}"] += 1
    for what, count in sorted(by_kind.items(), key=lambda kv: -kv[1])[:10]:
        print(f"  {count:4d} x {what}")
    if results.resources:
        print(f"resources not loaded (not counted as errors): {sum(results.resources.values())}")
        for what, count in sorted(results.resources.items(), key=lambda kv: -kv[1])[:6]:
            print(f"  {count:4d} x {what}")
    print(f"collector: {collector.polls} polls, {collector.pages} pages, {collector.posts_new} new posts, "
          f"{collector.refreshes} metric refreshes, {collector.failures} failures")
    print(f"'database is locked': collector log {locked_collector} (handler saw {collector.counter.locked}), "
          f"dashboard server log {locked_server}, on pages {results.locked_on_page}")
    print(f"logs: {collector_log}, {server_log}")
    locked = locked_collector + collector.counter.locked + locked_server + results.locked_on_page
    return 1 if locked or collector.failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
