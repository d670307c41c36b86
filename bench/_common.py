"""Helpers shared by the bench scripts (not a bench itself: `make bench` runs bench/bench_*.py)."""
from __future__ import annotations

import json
import os
import sys
import time
import uuid
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Iterator

from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine, make_url

from monitor.db import make_engine
from monitor.schema import upgrade

PG_URL = os.environ.get("MONITOR_BENCH_PG_URL") or os.environ.get("MONITOR_TEST_PG_URL") or \
    "postgresql+psycopg://monitor_test:monitor_test@127.0.0.1:5432/monitor_test"
TOKEN = "bench-token"
CORPUS_START = datetime(2026, 11, 9, tzinfo=timezone.utc)   # a Monday


def postgres_available() -> str | None:
    """None when the bench PostgreSQL answers, else the reason (one line)."""
    try:
        eng = create_engine(make_url(PG_URL), connect_args={"connect_timeout": 3})
        with eng.connect() as conn:
            conn.execute(text("SELECT 1"))
        eng.dispose()
        return None
    except Exception as e:  # noqa: BLE001 - any failure means "skip PostgreSQL"
        return str(e).strip().splitlines()[0]


@contextmanager
def fresh_database(kind: str, workdir: Path, migrate: bool = True) -> Iterator[Engine]:
    """A new, migrated database: a SQLite file in workdir, or a new PostgreSQL database (dropped after)."""
    if kind == "sqlite":
        path = workdir / f"bench-{uuid.uuid4().hex[:8]}.db"
        engine = make_engine(f"sqlite:///{path}")
        try:
            if migrate:
                upgrade(engine)
            yield engine
        finally:
            engine.dispose()
            for suffix in ("", "-wal", "-shm"):
                Path(str(path) + suffix).unlink(missing_ok=True)
        return
    admin = create_engine(make_url(PG_URL), isolation_level="AUTOCOMMIT")
    name = f"monitor_bench_{uuid.uuid4().hex[:10]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    engine = make_engine(make_url(PG_URL).set(database=name).render_as_string(hide_password=False))
    try:
        if migrate:
            upgrade(engine)
        yield engine
    finally:
        engine.dispose()
        drop_database(admin, name)
        admin.dispose()


def drop_database(admin: Engine, name: str) -> None:
    """Drop a bench database; retried while autovacuum (or a server restart) is in the way."""
    for _ in range(30):
        try:
            with admin.connect() as conn:
                # only our own sessions: an autovacuum worker on it belongs to the superuser and ends soon
                conn.execute(text(f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}' "
                                  "AND usename = current_user AND pid <> pg_backend_pid()"))
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
            return
        except Exception:  # noqa: BLE001
            time.sleep(1)
    print(f"warning: could not drop the bench database {name}; drop it by hand", file=sys.stderr)


def retry_on_server_restart(measure, attempts: int = 3):
    """Run measure(); if PostgreSQL went away under it (another process restarted the shared server),
    wait for the server and run it again rather than report a broken figure."""
    from sqlalchemy.exc import InterfaceError, OperationalError

    from monitor.db import DatabaseUnavailable

    for attempt in range(attempts):
        try:
            return measure()
        except (OperationalError, InterfaceError, DatabaseUnavailable) as e:
            if attempt == attempts - 1:
                raise
            reason = str(getattr(e, "orig", None) or e).strip().splitlines()[0]
            print(f"  (PostgreSQL went away: {reason}; measuring that run again)", file=sys.stderr)
            for _ in range(60):
                if postgres_available() is None:
                    break
                time.sleep(1)


def record_pages(path: Path, posts: int, seed: int = 7, posts_per_day: int = 2000, mps: bool = False) -> int:
    """Fetch the newest pages of a simulated corpus, `posts` posts (100 a page), through tweepy into JSON lines.

    The fake serves exactly what the real API would (full pages of 100 with their authors and
    places expanded); returns the number of pages written. mps: the corpus has the register's MPs
    posting and mentioned (monitor.fakex.mps).
    """
    from monitor.config import default_config
    from monitor.fakex import FakeX, SimClock
    from monitor.sources.x import SearchParams, XSource, build_queries

    days = max(1, min(7, round(posts / posts_per_day)))   # the search window holds 7 days at most
    per_day = max(1, posts // days)
    wanted_pages = -(-posts // 100)
    clock = SimClock(CORPUS_START + timedelta(days=days))
    pages = 0
    with FakeX(seed=seed, start=CORPUS_START, days=days, posts_per_day=per_day, bearer_token=TOKEN,
               clock=clock, mps=mps) as fx, path.open("w", encoding="utf-8") as out:
        source = XSource(TOKEN, fx.base_url, timeout=30.0)
        [campaign] = default_config().campaigns
        for query in build_queries(campaign.terms):
            params = SearchParams(query, start_time=clock() - timedelta(days=7) + timedelta(minutes=5))
            while True:
                page = source.search_recent(params).page
                out.write(json.dumps(page, ensure_ascii=False) + "\n")
                pages += 1
                token = (page.get("meta") or {}).get("next_token")
                if not token or pages >= wanted_pages:
                    break
                params = SearchParams(query, start_time=params.start_time, next_token=token)
    return pages


def load_pages(path: Path) -> list[dict]:
    with path.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh]


def rss_kib_of(pid: int) -> tuple[int, int]:
    """(current RSS, peak RSS) of a process in KiB, from /proc (Linux)."""
    rss = peak = 0
    with open(f"/proc/{pid}/status", encoding="ascii") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                rss = int(line.split()[1])
            elif line.startswith("VmHWM:"):
                peak = int(line.split()[1])
    return rss, peak


def machine() -> str:
    import platform

    cpu = "unknown CPU"
    try:
        with open("/proc/cpuinfo", encoding="ascii", errors="replace") as fh:
            for line in fh:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return f"{platform.node()}: {os.cpu_count()} cores, {cpu}, Python {platform.python_version()}"
