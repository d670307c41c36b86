"""Time every query the dashboard pages run, on a generated database of 1,000,000 posts.

    python bench/bench_dashboard.py                       # SQLite (bench/output/bench.db), and PostgreSQL
                                                           # when MONITOR_TEST_PG_URL is set
    python bench/bench_dashboard.py --posts 100000 --runs 5

The databases are generated once by bench/generate_db.py and kept in bench/output/ (SQLite) and in a
PostgreSQL database `monitor_bench_<posts>` made with the monitor_test role (it has CREATEDB).
Each query runs once to warm the caches, then --runs times; the median is printed (milliseconds).
Goal: every query under 300 ms median on SQLite with 1M posts.
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from monitor import metrics  # noqa: E402
from monitor.config import default_config  # noqa: E402
from monitor.db import make_engine  # noqa: E402
from monitor.metrics import Filters, PostSearch  # noqa: E402
from monitor.schema import current_revision, upgrade  # noqa: E402
from monitor.timeutil import uk_today  # noqa: E402

sys.path.insert(0, str(ROOT / "bench"))
import generate_db  # noqa: E402

OUTPUT = ROOT / "bench" / "output"
GOAL_MS = 300


def page_queries(engine, period: str):
    """(page, query name, callable) for everything the pages run on load, for one period preset."""
    config = default_config()
    f = Filters(generate_db.CAMPAIGN, *metrics.preset_range(period, uk_today()))
    london = replace(f, region="London")
    hourly = f.days <= metrics.HOURLY_MAX_DAYS   # longer periods are shown by day only
    return [
        ("overview", "kpis_with_change", lambda: metrics.kpis_with_change(engine, f)),
        ("overview", "timeline by day", lambda: metrics.timeline(engine, f)),
        *([("overview", "timeline by hour", lambda: metrics.timeline(engine, f, by="hour"))] if hourly else []),
        ("overview", "collection_gaps", lambda: metrics.collection_gaps(engine, f, config.interval_minutes)),
        ("overview", "regions_table", lambda: metrics.regions_table(engine, f)),
        ("overview", "top_posts", lambda: metrics.top_posts(engine, f, 10)),
        ("overview", "top_contributors", lambda: metrics.top_contributors(engine, f, 10)),
        ("overview", "hashtags", lambda: metrics.hashtags(engine, f, 15)),
        ("overview", "mentions", lambda: metrics.mentions(engine, f, 15)),
        ("region", "kpis_with_change", lambda: metrics.kpis_with_change(engine, london)),
        ("region", "timeline by day", lambda: metrics.timeline(engine, london)),
        ("region", "branches_table", lambda: metrics.branches_table(engine, london)),
        ("region", "top_posts", lambda: metrics.top_posts(engine, london, 10)),
        ("region", "top_contributors", lambda: metrics.top_contributors(engine, london, 10)),
        ("region", "hashtags", lambda: metrics.hashtags(engine, london, 15)),
        ("region", "mentions", lambda: metrics.mentions(engine, london, 15)),
        ("region", "region_accounts", lambda: metrics.region_accounts(engine, london)),
        ("posts", "posts_page", lambda: metrics.posts_page(engine, f, limit=50)),
        ("posts", "posts_page text search",
         lambda: metrics.posts_page(engine, f, PostSearch(text="post 12345"), limit=50)),
        ("posts", "posts_page hashtag",
         lambda: metrics.posts_page(engine, f, PostSearch(hashtag="edutwitter"), limit=50)),
        ("posts", "posts_page author", lambda: metrics.posts_page(engine, f, PostSearch(author="user3"), limit=50)),
        # Not on load: the name search the user ticks (a scan of every author), and a text with a few
        # matches spread over the window (the page reads the days holding them after the count).
        ("posts", "posts_page author names", lambda: metrics.posts_page(
            engine, f, PostSearch(author="user3", author_names=True), limit=50)),
        ("posts", "posts_page text, rare hits", lambda: metrics.posts_page(
            engine, f, PostSearch(text="0000 about"), limit=50)),
        ("overview", "mp_contributors", lambda: metrics.mp_contributors(engine, f)),
        ("region", "mp_regions", lambda: metrics.mp_regions(engine, london)),
        ("region", "mp_table", lambda: metrics.mp_table(engine, london)),
        ("mps", "mp_regions", lambda: metrics.mp_regions(engine, f)),
        ("mps", "mp_parties", lambda: metrics.mp_parties(engine)),
        ("mps", "mp_table", lambda: metrics.mp_table(engine, f)),
        ("mps", "mp_table not reached", lambda: metrics.mp_table(engine, f, status=metrics.NOT_REACHED)),
        ("mps", "mp_posts", lambda: metrics.mp_posts(engine, f)),
        ("mps", "mp_week (report)", lambda: metrics.mp_week(engine, f)),
        ("health", "collection_states", lambda: metrics.collection_states(engine, config)),
        ("health", "api_usage_this_month", lambda: metrics.api_usage_this_month(engine, config)),
        ("health", "recent_runs", lambda: metrics.recent_runs(engine, generate_db.CAMPAIGN, 30)),
        ("health", "watch_usage_this_month", lambda: metrics.watch_usage_this_month(engine)),
    ]


def median_ms(query, runs: int) -> float:
    query()  # warm: the first call pays for opening files and planning
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        query()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def sqlite_database(posts: int) -> str:
    path = OUTPUT / ("bench.db" if posts == 1_000_000 else f"bench_{posts}.db")
    url = f"sqlite:///{path}"
    if not path.exists():
        print(f"generating {path} ...", flush=True)
        generate_db.generate(url, posts)
    return url


def postgres_database(admin_url: str, posts: int, name: str | None = None) -> str:
    name = name or f"monitor_bench_{posts}"
    admin = create_engine(make_url(admin_url), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        exists = conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}).scalar()
        if not exists:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    url = make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    if not exists:
        print(f"generating PostgreSQL database {name} ...", flush=True)
        generate_db.generate(url, posts)
    return url


def bench(label: str, url: str, periods: list[str], runs: int, migrate: bool = True) -> dict:
    engine = make_engine(url)
    if migrate:  # the indexes of the newest migration are part of what is measured
        upgrade(engine)
    label += f", schema {current_revision(engine)}"
    results = {}
    print(f"\n== {label}: medians of {runs} runs, ms")
    for period in periods:
        print(f"-- period: {period}")
        for page, name, query in page_queries(engine, period):
            ms = median_ms(query, runs)
            results[(period, page, name)] = ms
            flag = "" if ms < GOAL_MS else f"   over {GOAL_MS} ms"
            print(f"  {page:9} {name:26} {ms:8.1f}{flag}", flush=True)
    engine.dispose()
    return results


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--periods", default="7 days,30 days")
    parser.add_argument("--only", choices=("sqlite", "postgresql"))
    parser.add_argument("--no-upgrade", action="store_true", help="measure the schema as it is (before new indexes)")
    parser.add_argument("--pg-database", metavar="NAME",
                        help="the PostgreSQL database to use or generate (default monitor_bench_<posts>)")
    args = parser.parse_args(argv)
    OUTPUT.mkdir(parents=True, exist_ok=True)
    periods = args.periods.split(",")
    if args.only != "postgresql":
        bench(f"SQLite, {args.posts:,} posts", sqlite_database(args.posts), periods, args.runs,
              not args.no_upgrade)
    pg = os.environ.get("MONITOR_TEST_PG_URL")
    if args.only != "sqlite":
        if pg:
            url = postgres_database(pg, args.posts, args.pg_database)
            bench(f"PostgreSQL, {args.posts:,} posts", url, periods, args.runs, not args.no_upgrade)
        else:
            print("\nPostgreSQL skipped: set MONITOR_TEST_PG_URL (as `make test` does)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
