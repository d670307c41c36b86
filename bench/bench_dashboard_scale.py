"""Dashboard queries as the data grows: every page's queries at 100k, 1M and 5M posts, SQLite and PostgreSQL.

A wrapper around bench/bench_dashboard.py (the same queries, the same timing: one warm-up, then the
median of --runs) on databases made by bench/generate_db.py. The sizes grow by history at the
same posting rate as the dashboard bench's 1M posts over 90 days (about 11,000 posts a day):

    100,000 posts = 9 days,  1,000,000 = 90 days,  5,000,000 = 450 days (15 months)

so a 7-day or 30-day view holds about as many posts at every size, and a query that stays flat
is one that reads only its window. (--days-per-million changes the rate; --dense keeps 90 days for
every size instead: then the windows themselves grow, and so must any query over them.)

Generated databases are kept in bench/output/ (SQLite) and as PostgreSQL databases
monitor_scale_<posts>_<days>d, and reused; generation time is printed when one is made.

    .venv/bin/python bench/bench_dashboard_scale.py                        # 100k and 1M; both databases
    .venv/bin/python bench/bench_dashboard_scale.py --sizes 100000 1000000 5000000 --only sqlite
    .venv/bin/python bench/bench_dashboard_scale.py --sizes 100000 1000000 --only sqlite
    .venv/bin/python bench/bench_dashboard_scale.py --quick                # 100k and 1M, SQLite, 3 runs
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

import bench_dashboard  # noqa: E402  (the dashboard engineer's bench: queries and timing)
import generate_db  # noqa: E402
from _common import PG_URL, machine, postgres_available, retry_on_server_restart  # noqa: E402

OUTPUT = ROOT / "bench" / "output"
GOAL_MS = bench_dashboard.GOAL_MS


def days_for(posts: int, args) -> int:
    return 90 if args.dense else max(7, round(posts / 1_000_000 * args.days_per_million))


def secondary_indexes(engine) -> list[tuple[str, str]]:
    """(name, CREATE INDEX statement) of every index that is not a primary key or unique constraint."""
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            rows = conn.execute(text("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL"))
        else:
            rows = conn.execute(text("SELECT i.indexname, i.indexdef FROM pg_indexes i "
                                     "JOIN pg_class c ON c.relname = i.indexname "
                                     "JOIN pg_index x ON x.indexrelid = c.oid "
                                     "WHERE i.schemaname = 'public' AND NOT x.indisprimary AND NOT x.indisunique"))
        return [(name, sql) for name, sql in rows]


def generate_fast(url: str, posts: int, days: int) -> None:
    """generate_db.generate with the secondary indexes dropped during the load and built after it:
    the same schema and rows, but a sorted index build instead of millions of random B-tree inserts
    (5M posts: inserting with the indexes in place ran at ~1,000 posts/s here, over an hour)."""
    from monitor.db import make_engine
    from monitor.schema import upgrade

    engine = make_engine(url)
    upgrade(engine)
    indexes = secondary_indexes(engine)
    with engine.begin() as conn:
        for name, _ in indexes:
            conn.execute(text(f'DROP INDEX "{name}"'))
    generate_db.generate(url, posts, days)
    started = time.monotonic()
    with engine.begin() as conn:
        for _, sql in indexes:
            conn.execute(text(sql))
    generate_db._analyze(engine)
    print(f"  indexes built and statistics gathered in {time.monotonic() - started:.0f} s", flush=True)
    engine.dispose()


def sqlite_url(posts: int, days: int) -> tuple[str, float | None]:
    path = OUTPUT / f"scale_{posts}_{days}d.db"
    if posts == 1_000_000 and days == 90 and (OUTPUT / "bench.db").exists():
        path = OUTPUT / "bench.db"   # bench_dashboard.py's own database: the same generator, seed and size
    url = f"sqlite:///{path}"
    if path.exists():
        return url, None
    OUTPUT.mkdir(parents=True, exist_ok=True)
    print(f"generating {path} ({posts:,} posts over {days} days) ...", flush=True)
    started = time.monotonic()
    try:
        generate_fast(url, posts, days)
    except BaseException:
        path.unlink(missing_ok=True)   # a half-made database must not be reused
        raise
    return url, time.monotonic() - started


def postgres_url(posts: int, days: int) -> tuple[str, float | None]:
    name = f"monitor_scale_{posts}_{days}d"
    if posts == 1_000_000 and days == 90:
        name = "monitor_bench_1000000"   # bench_dashboard.py's own database: the same generator, seed and size
    admin = create_engine(make_url(PG_URL), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        exists = conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}).scalar()
        complete = False
        if exists:
            url = make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
            probe = create_engine(url)
            try:
                with probe.connect() as c:
                    complete = (c.execute(text("SELECT COUNT(*) FROM author_followers")).scalar() or 0) > 0
            except Exception:  # noqa: BLE001 - no schema yet: regenerate
                complete = False
            probe.dispose()
            if not complete:
                conn.execute(text(f'DROP DATABASE "{name}"'))
        if not complete:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    url = make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
    if complete:
        return url, None
    print(f"generating PostgreSQL database {name} ({posts:,} posts over {days} days) ...", flush=True)
    started = time.monotonic()
    generate_fast(url, posts, days)
    return url, time.monotonic() - started


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000],
                        help="posts per database (default 100k and 1M; add 5000000 for the 5M figures: "
                             "generating it takes ~20 minutes on 2 cores)")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--periods", default="7 days,30 days")
    parser.add_argument("--only", choices=("sqlite", "postgresql"))
    parser.add_argument("--days-per-million", type=float, default=90.0,
                        help="history length per million posts (default 90: the dashboard bench's rate)")
    parser.add_argument("--dense", action="store_true", help="90 days at every size (busier, not longer)")
    parser.add_argument("--no-upgrade", action="store_true",
                        help="measure the schema as it is (before new indexes); default: migrate to head first")
    parser.add_argument("--queries", nargs="+", metavar="NAME",
                        help="time only the queries whose name contains one of these (e.g. collection_gaps)")
    parser.add_argument("--quick", action="store_true", help="100k and 1M posts, SQLite only, 3 runs")
    args = parser.parse_args(argv)
    if args.quick:
        args.sizes, args.only, args.runs = [100_000, 1_000_000], "sqlite", 3
    periods = args.periods.split(",")
    if args.queries:
        every = bench_dashboard.page_queries
        bench_dashboard.page_queries = lambda engine, period: [
            q for q in every(engine, period) if any(word in q[1] for word in args.queries)]
    kinds = [k for k in ("sqlite", "postgresql") if args.only in (None, k)]
    print(machine())
    table: dict[str, dict[int, dict]] = {}
    for kind in kinds:
        if kind == "postgresql" and (reason := postgres_available()):
            print(f"\nPostgreSQL skipped: not reachable ({reason})")
            continue
        table[kind] = {}
        for posts in args.sizes:
            days = days_for(posts, args)
            url, generated = (sqlite_url if kind == "sqlite" else postgres_url)(posts, days)
            if generated is not None:
                print(f"generated in {generated:.0f} s", flush=True)
            label = f"{'SQLite' if kind == 'sqlite' else 'PostgreSQL'}, {posts:,} posts over {days} days"
            table[kind][posts] = retry_on_server_restart(
                lambda label=label, url=url: bench_dashboard.bench(label, url, periods, args.runs, not args.no_upgrade))
    worst_over = []
    for kind, by_size in table.items():
        sizes = list(by_size)
        print(f"\n== {kind}: median ms per query as the data grows "
              f"({', '.join(f'{s:,} posts/{days_for(s, args)} d' for s in sizes)})")
        keys = list(next(iter(by_size.values())))
        print(f"  {'period':8} {'page':9} {'query':26} " + " ".join(f"{s:>10,}" for s in sizes) + "   largest/smallest")
        for key in keys:
            period, page, name = key
            values = [by_size[s][key] for s in sizes]
            growth = values[-1] / max(values[0], 0.01)
            flag = "" if max(values) < GOAL_MS else f"   over {GOAL_MS} ms"
            print(f"  {period:8} {page:9} {name:26} " + " ".join(f"{v:>10.1f}" for v in values)
                  + f"   x{growth:5.1f}{flag}")
            worst_over += [(kind, s, key, v) for s, v in zip(sizes, values) if v >= GOAL_MS]
    if worst_over:
        print(f"\n{len(worst_over)} query timings at or over {GOAL_MS} ms:")
        for kind, size, (period, page, name), ms in worst_over:
            print(f"  {kind} {size:,} posts, {period}, {page} {name}: {ms:.0f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
