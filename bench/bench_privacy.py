"""Privacy work on a generated campaign database (bench/generate_db.py): what removals, requests and the
retention job cost, and what clearing their residue from the files costs.

refresh removal   5 posts deleted on X removed in one transaction (monitor.privacy.remove_posts), as a
                  metrics refresh batch does, summary slices aggregated again
residue           what follows a removal: SQLite's write-ahead log checkpointed and truncated, or
                  PostgreSQL's VACUUM (INDEX_CLEANUP ON, ANALYZE) of every table
forget            an erasure request for the busiest author (the most posts), in one transaction: their
                  handle out of other posts (a scan of every post's text), their posts removed, then
                  the residue cleared
retention, first  the nightly job on a database whose every post is past raw_json_days: every raw
                  JSON dropped (what the first night after upgrading does)
retention, again  the next night: nothing left to do (what every night costs)
deletion check    the day's choice of posts to look up again (monitor.deletion_check.posts_to_check):
                  the cap's longest-unread posts, when every post is past its refresh and unread
compact           `privacy compact`: SQLite VACUUM, or PostgreSQL VACUUM FULL of every table

Usage: .venv/bin/python bench/bench_privacy.py [--posts 100000] [--db sqlite postgresql]
"""
from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import time
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

from _common import fresh_database, machine, postgres_available
from generate_db import generate
from sqlalchemy import func, select

from monitor.config import default_config
from monitor.db import transaction
from monitor.deletion_check import posts_to_check
from monitor.models import Author, Post
from monitor.privacy import clear_residue, forget, remove_posts, run_retention
from monitor.timeutil import utcnow

SALT = "bench-privacy-salt-0123456789"


def timed(action) -> tuple[float, object]:
    started = time.perf_counter()
    result = action()
    return (time.perf_counter() - started) * 1000, result


def measure(engine, posts: int, folder: Path) -> list[tuple[str, float, str]]:
    generate(engine.url.render_as_string(hide_password=False), posts)
    config = replace(default_config(), reports_folder=str(folder / "reports"))
    found = []
    with transaction(engine) as s:
        ids = list(s.scalars(select(Post.id).where(Post.removed_at.is_(None))))
        busiest, their_posts = s.execute(select(Author.username, func.count()).join(Post, Post.author_id == Author.id)
                                         .group_by(Author.username).order_by(func.count().desc()).limit(1)).one()
    victims = random.Random(3).sample(ids, 5)

    def remove():
        with transaction(engine) as s:
            return remove_posts(s, victims, "deleted", utcnow())
    ms, removed = timed(remove)
    found.append(("refresh removal (5 posts)", ms, f"{removed.posts} posts, {removed.authors} authors"))
    ms, _ = timed(lambda: clear_residue(engine))
    found.append(("residue after it", ms, "WAL truncated" if engine.dialect.name == "sqlite" else "VACUUM"))
    os.environ["MONITOR_PRIVACY_SALT"] = SALT
    ms, result = timed(lambda: forget(engine, config, busiest, requested_by="bench"))
    found.append(("forget the busiest author", ms, f"{result.posts:,} posts removed of {their_posts:,}, "
                                                   f"{result.mentions} others' posts redacted"))
    later = utcnow() + timedelta(days=config.privacy.raw_json_days + 1)
    ms, summary = timed(lambda: run_retention(engine, config, now=later))
    found.append(("retention, first night", ms, f"{summary.posts_raw_dropped:,} posts' and "
                                                f"{summary.authors_raw_dropped:,} authors' raw JSON dropped"))
    ms, summary = timed(lambda: run_retention(engine, config, now=later))
    found.append(("retention, next night", ms, f"{summary.posts_raw_dropped} dropped"))
    after_days = config.privacy.deletion_check_after_days
    checked_at = utcnow() + timedelta(days=after_days + 1)   # every post unread for long enough

    def select_checks():
        with transaction(engine) as s:
            return posts_to_check(s, checked_at, after_days, config.privacy.deletion_check_posts_per_day)
    ms, chosen = timed(select_checks)
    found.append(("deletion check's selection", ms, f"{len(chosen)} longest-unread posts of every one"))
    ms, _ = timed(lambda: clear_residue(engine, wait_ms=60_000, full=True))
    found.append(("compact", ms, "VACUUM" if engine.dialect.name == "sqlite" else "VACUUM FULL"))
    return found


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=100_000)
    parser.add_argument("--db", nargs="+", choices=("sqlite", "postgresql"), default=["sqlite", "postgresql"])
    args = parser.parse_args(argv)
    print(machine())
    for kind in args.db:
        if kind == "postgresql" and (why := postgres_available()):
            print(f"postgresql skipped: {why}")
            continue
        with tempfile.TemporaryDirectory() as tmp, fresh_database(kind, Path(tmp)) as engine:
            print(f"\n{kind}, {args.posts:,} posts")
            for name, ms, detail in measure(engine, args.posts, Path(tmp)):
                print(f"  {name:<28} {ms:>10,.0f} ms   {detail}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
