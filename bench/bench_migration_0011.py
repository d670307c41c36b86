"""Migration 0011 (long posts whole, edits once): how long it takes on a large database, and whether its
summary tables come out equal to a full rebuild.

A generated database (generate_db.py, at the current schema) is taken back to 0010; a share of its posts
get a note_tweet in their raw JSON (as a twarc2 import of long posts leaves them) whose whole text adds a
hashtag; then 0011 runs, timed. Its summary rows are compared with monitor.summary.rebuild over the same
posts. One database per run (a SQLite file; a PostgreSQL database, dropped after).
Usage: .venv/bin/python bench/bench_migration_0011.py [--posts 200000] [--long-share 0.03] [--db sqlite postgresql]
"""
from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

from _common import fresh_database, machine, postgres_available, retry_on_server_restart
from generate_db import generate
from sqlalchemy import text

from monitor.db import transaction
from monitor.schema import downgrade, upgrade
from monitor.summary import rebuild

WHOLE = "A long considered post about our pupils. " * 8 + "#FundOurSchools"
NOTE = json.dumps({"text": WHOLE, "entities": {"hashtags": [{"start": len(WHOLE) - 15, "end": len(WHOLE),
                                                             "tag": "FundOurSchools"}]}})
ADD_NOTE = {
    "sqlite": "UPDATE posts SET raw = json_set(raw, '$.note_tweet', json(:note)) WHERE abs(random()) % 10000 < :per",
    "postgresql": "UPDATE posts SET raw = (raw::jsonb || jsonb_build_object('note_tweet', CAST(:note AS jsonb)))::json "
                  "WHERE random() * 10000 < :per",
}
SUMMARY_TABLES = ("summary_days", "summary_hours", "summary_terms")


def summary_rows(engine) -> list[list[tuple]]:
    with engine.connect() as conn:
        return [sorted(tuple(r[1:]) for r in conn.execute(text(f"SELECT * FROM {t}"))) for t in SUMMARY_TABLES]


def run(kind: str, posts: int, long_share: float, workdir: Path) -> tuple[int, float, bool]:
    with fresh_database(kind, workdir, migrate=False) as engine:
        generate(str(engine.url.render_as_string(hide_password=False)), posts)
        downgrade(engine, "0010")
        with engine.begin() as conn:
            conn.execute(text(ADD_NOTE[kind]), {"note": NOTE, "per": int(long_share * 10_000)})
        with engine.connect() as conn:
            long_posts = conn.execute(
                text("SELECT count(*) FROM posts WHERE CAST(raw AS TEXT) LIKE '%note_tweet%'")).scalar()
        start = time.perf_counter()
        upgrade(engine)
        seconds = time.perf_counter() - start
        migrated = summary_rows(engine)
        with transaction(engine) as s:
            rebuild(s)
        return long_posts, seconds, migrated == summary_rows(engine)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=200_000)
    parser.add_argument("--long-share", type=float, default=0.03, help="share of posts given a note_tweet")
    parser.add_argument("--db", nargs="+", choices=("sqlite", "postgresql"), default=["sqlite", "postgresql"])
    args = parser.parse_args()
    print(machine())
    with tempfile.TemporaryDirectory() as workdir:
        for kind in args.db:
            reason = postgres_available() if kind == "postgresql" else None
            if reason:
                print(f"postgresql: skipped ({reason})")
                continue
            long_posts, seconds, equal = retry_on_server_restart(
                lambda kind=kind: run(kind, args.posts, args.long_share, Path(workdir)))
            print(f"{kind:<11} {args.posts:,} posts, {long_posts:,} with a note_tweet: 0011 in {seconds:.1f} s; "
                  f"summary equals a full rebuild: {'yes' if equal else 'NO'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
