"""Generate a large campaign database for the dashboard benchmark (bulk insert, not the store path).

    python bench/generate_db.py sqlite:///bench/output/bench.db --posts 1000000
    python bench/generate_db.py postgresql+psycopg://monitor_test:monitor_test@127.0.0.1:5432/monitor_bench

Distributions are chosen to look like campaign traffic: authors heavy-tailed (a few post hundreds of
times, most once or twice), followers log-normal, a fifth of authors Unknown, 90 days with a weekly
rhythm and a launch spike, UK posting hours. Rows carry a realistic `raw` JSON so table pages are as
big as real ones. The schema comes from the Alembic migrations, indexes included.
"""
from __future__ import annotations

import argparse
import json
import math
import random
import sys
import time
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from monitor.db import make_engine  # noqa: E402
from monitor.regions import UNKNOWN  # noqa: E402
from monitor.schema import upgrade  # noqa: E402
from monitor.snowflake import snowflake_at  # noqa: E402
from monitor.timeutil import UK  # noqa: E402

CAMPAIGN = "invest-in-pupil-and-family-services"
CAMPAIGN_TAGS = ("investinpupilservices", "pupilandfamilyservices", "fundourschools")
OTHER_TAGS = tuple(f"tag{i}" for i in range(40)) + ("edutwitter", "teaching", "headteachers", "send", "budget")
HOUR_WEIGHTS = (1.0, 0.5, 0.3, 0.2, 0.2, 0.5, 2, 6, 8, 6, 4, 4, 5, 4, 3, 4, 5, 6, 7, 8, 8, 6, 4, 2)
REGION_WEIGHTS = {"North East": 4, "North West": 11, "Yorkshire and The Humber": 8, "East Midlands": 7,
                  "West Midlands": 9, "East of England": 10, "London": 14, "South East": 14, "South West": 9,
                  "Wales": 5, "Northern Ireland": 3, "Scotland": 2, UNKNOWN: 22}
RAW_PAD = "x" * 500  # real `raw` JSON of a post is a few hundred bytes to 2 KB
# MPs (the register's 217 on X, as authors): a few posts are theirs, a third of those answer or quote an
# earlier post, and members mention an MP in a few posts (the simulated API's MP rates, monitor.fakex.mps).
MP_POST_SHARE = 0.003
MP_ANSWER_SHARE = 0.4
MP_MENTION_SHARE = 0.02
MP_AUTHOR_IDS_FROM = 90_000_000


def sql_time(moment: datetime) -> datetime:
    return moment.astimezone(timezone.utc).replace(tzinfo=None)


def make_authors(rng: random.Random, count: int, now: datetime) -> list[tuple]:
    regions, weights = zip(*REGION_WEIGHTS.items())
    authors = []
    for i in range(count):
        region = rng.choices(regions, weights)[0]
        has_branch = region not in (UNKNOWN, "Scotland") and rng.random() < 0.6
        branch = f"{region} branch {rng.randrange(12)}" if has_branch else None
        evidence = "none" if region == UNKNOWN else rng.choice(("profile_location", "profile_location", "place"))
        followers = min(2_000_000, int(rng.lognormvariate(5.5, 1.5)))
        authors.append({"id": str(10_000_000 + i), "username": f"user{i}", "name": f"User {i}", "location": "Somewhere",
                        "description": "Head teacher", "followers_count": followers, "following_count": 100,
                        "tweet_count": 1000, "listed_count": 1, "verified": False, "verified_type": "none",
                        "protected": False, "created_at": sql_time(now - timedelta(days=2000)),
                        "raw": json.dumps({"id": str(i), "pad": RAW_PAD[:200]}), "first_seen_at": sql_time(now),
                        "last_seen_at": sql_time(now), "region_detail": f"matched {region}", "region_version": "bench",
                        "region": region, "branch": branch, "region_evidence": evidence,
                        "region_confidence": 0.0 if region == UNKNOWN else 0.9})
    return authors


def make_mp_authors(rng: random.Random, now: datetime) -> list[dict]:
    """An author row for each MP of the register with an X handle (its id is learned by the detection)."""
    from monitor.mps.register import read_packaged

    authors = []
    for i, mp in enumerate(r for r in read_packaged() if r.x_username):
        followers = min(400_000, int(rng.lognormvariate(9.3, 0.9)))
        authors.append({"id": str(MP_AUTHOR_IDS_FROM + i), "username": mp.x_username, "name": f"{mp.name} MP",
                        "location": mp.constituency, "description": f"{mp.party} MP", "followers_count": followers,
                        "following_count": 500, "tweet_count": 9000, "listed_count": followers // 100,
                        "verified": True, "verified_type": "government", "protected": False,
                        "created_at": sql_time(now - timedelta(days=3000)),
                        "raw": json.dumps({"id": str(i), "pad": RAW_PAD[:200]}), "first_seen_at": sql_time(now),
                        "last_seen_at": sql_time(now), "region_detail": f"matched {mp.region}",
                        "region_version": "bench", "region": mp.region, "branch": None,
                        "region_evidence": "profile_location", "region_confidence": 0.9})
    return authors


def day_weights(days: int) -> list[float]:
    """A launch spike, a slow decline, weekends quieter."""
    weights = []
    for d in range(days):
        launch = 4.0 * math.exp(-((d - 20) ** 2) / 8)
        weekday = (date.today() - timedelta(days=days - 1 - d)).weekday()
        weights.append((1.0 + launch) * (0.7 if weekday >= 5 else 1.1))
    return weights


def post_times(rng: random.Random, count: int, days: int, end_day: date) -> list[datetime]:
    chosen_days = rng.choices(range(days), day_weights(days), k=count)
    hours = rng.choices(range(24), HOUR_WEIGHTS, k=count)
    start = end_day - timedelta(days=days - 1)
    times = []
    for d, h in zip(chosen_days, hours):
        local = datetime.combine(start + timedelta(days=d), datetime.min.time()).replace(
            hour=h, minute=rng.randrange(60), second=rng.randrange(60), tzinfo=UK)
        times.append(local.astimezone(timezone.utc))
    times.sort()
    return times


def make_posts(rng: random.Random, authors: list[dict], count: int, days: int, now: datetime,
               mp_authors: list[dict] = ()):
    """Yield (post row, hashtags, mentions as (username, user id), matched terms) in time order."""
    ranks = [1 / (r + 1) ** 1.1 for r in range(len(authors))]  # heavy-tailed activity
    cumulative = list(_accumulate(ranks))
    who = rng.choices(authors, cum_weights=cumulative, k=count)
    recent: list[str] = []   # earlier post ids an MP's reply or quote can refer to
    for seq, (moment, author) in enumerate(zip(post_times(rng, count, days, now.astimezone(UK).date()), who)):
        post_id = snowflake_at(moment, seq & 0x3FFFFF)
        local = moment.astimezone(UK)
        kind = rng.choices(("original", "reply", "quote"), (75, 18, 7))[0]
        referenced = None
        if mp_authors and rng.random() < MP_POST_SHARE:
            author = rng.choice(mp_authors)
            if recent and rng.random() < MP_ANSWER_SHARE:
                kind, referenced = rng.choice(("reply", "quote")), rng.choice(recent)
        tags = rng.sample(CAMPAIGN_TAGS, rng.choices((1, 2, 3), (60, 30, 10))[0])
        if rng.random() < 0.3:
            tags.append(rng.choice(OTHER_TAGS))
        mentions = [("nahtnews", None)] if rng.random() < 0.3 else []
        if rng.random() < 0.1:
            mentions.append((f"user{rng.randrange(len(authors))}", None))
        if mp_authors and rng.random() < MP_MENTION_SHARE:
            mentioned = rng.choice(mp_authors)
            if mentioned is not author:
                mentions.append((mentioned["username"].lower(), mentioned["id"]))
        recent = (recent + [post_id])[-50:]
        terms = [f"#{t}" for t in tags if t in CAMPAIGN_TAGS] + (["@nahtnews"] if ("nahtnews", None) in mentions
                                                                 else [])
        likes = int(rng.expovariate(1 / 3) * (1 + author["followers_count"] / 2000))
        age_days = (now - moment).days
        region = author["region"]
        row = {"id": post_id, "author_id": author["id"], "created_at": sql_time(moment),
               "created_date_uk": local.date(), "created_hour_uk": local.hour,
               "text": f"Post {seq} about pupil services waiting list #{' #'.join(tags)}", "lang": "en", "kind": kind,
               "conversation_id": post_id, "in_reply_to_user_id": None, "referenced_post_id": referenced,
               "place_id": None,
               "author_followers": max(0, author["followers_count"] - age_days * rng.randrange(3)),
               "like_count": likes, "repost_count": likes // 4, "reply_count": likes // 5, "quote_count": likes // 20,
               "bookmark_count": likes // 10, "impression_count": likes * 40 + rng.randrange(200),
               "metrics_updated_at": sql_time(now), "next_refresh_at": None,
               "raw": json.dumps({"id": post_id, "pad": RAW_PAD}), "first_seen_at": sql_time(moment),
               "last_seen_at": sql_time(now), "deleted": rng.random() < 0.002, "unavailable_reason": None,
               "withheld": None, "region": region, "branch": author["branch"],
               "region_evidence": author["region_evidence"], "region_confidence": author["region_confidence"]}
        yield row, tags, mentions, terms


def _accumulate(values):
    total = 0.0
    for v in values:
        total += v
        yield total


def make_runs(now: datetime, days: int, interval_minutes: float = 15) -> list[dict]:
    runs, at, step = [], now - timedelta(days=days), timedelta(minutes=interval_minutes)
    rng = random.Random(5)
    while at <= now:
        failed = rng.random() < 0.01
        if rng.random() > 0.005:  # now and then a run is missing altogether: a gap
            runs.append({"campaign": CAMPAIGN, "kind": "search", "query": "(#a OR @b)", "pages": 2, "requests": 2,
                         "posts_read": 120, "posts_new": 100, "posts_updated": 20, "rate_limit_waits": 0,
                         "rate_limit_wait_seconds": 0.0, "errors": int(failed), "error": "HTTP 503" if failed else None,
                         "resumes": 0, "started_at": sql_time(at), "ended_at": sql_time(at + timedelta(seconds=40)),
                         "status": "failed" if failed else "completed"})
        at += step
    return runs


# --- loaders -----------------------------------------------------------------------------------

class Loader:
    """Bulk insert through the DBAPI: executemany on SQLite, COPY on PostgreSQL."""

    def __init__(self, engine):
        self.engine = engine
        self.raw = engine.raw_connection()
        self.postgres = engine.dialect.name == "postgresql"
        if not self.postgres:
            cur = self.raw.cursor()
            cur.execute("PRAGMA synchronous=OFF")
            cur.close()

    def insert(self, table: str, rows: list[dict]) -> None:
        if not rows:
            return
        columns = list(rows[0])
        cur = self.raw.cursor()
        if self.postgres:
            with cur.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row([row[c] for c in columns])
        else:
            marks = ", ".join("?" for _ in columns)
            cur.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})",
                            [tuple(_sqlite(row[c]) for c in columns) for row in rows])
        cur.close()

    def commit(self):
        self.raw.commit()

    def close(self):
        self.raw.close()


def _sqlite(value):
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S.%f")
    if isinstance(value, date):
        return value.isoformat()
    return value


def generate(url: str, posts: int, days: int = 90, seed: int = 1, batch: int = 50_000) -> None:
    engine = make_engine(url)
    upgrade(engine)
    with engine.connect() as conn:
        if conn.execute(text("SELECT COUNT(*) FROM posts")).scalar():
            raise SystemExit(f"{url} already has posts: use an empty database")
    rng = random.Random(seed)
    now = datetime.now(timezone.utc)
    authors = make_authors(rng, max(1000, posts // 8), now)
    mp_authors = make_mp_authors(random.Random(seed + 1), now)
    loader = Loader(engine)
    started = time.monotonic()
    loader.insert("authors", authors + mp_authors)
    loader.insert("collection_runs", make_runs(now, days))
    buffers = {"posts": [], "post_hashtags": [], "post_mentions": [], "post_matches": []}
    seen_author_days: set[tuple[str, date]] = set()
    month_start = now.date().replace(day=1)
    for n, (row, tags, mentions, terms) in enumerate(make_posts(rng, authors, posts, days, now, mp_authors), 1):
        buffers["posts"].append(row)
        buffers["post_hashtags"] += [{"post_id": row["id"], "tag": t} for t in tags]
        buffers["post_mentions"] += [{"post_id": row["id"], "username": u, "user_id": uid} for u, uid in mentions]
        buffers["post_matches"] += [{"post_id": row["id"], "campaign": CAMPAIGN, "term": t} for t in terms]
        if row["created_at"].date() >= month_start:
            seen_author_days.add((row["author_id"], row["created_at"].date()))
        if n % batch == 0:
            _flush(loader, buffers)
            print(f"  {n:,} posts ({time.monotonic() - started:.0f} s)", flush=True)
    _flush(loader, buffers)
    loader.insert("author_followers", [{"author_id": a, "observed_on": d, "followers_count": 1}
                                       for a, d in sorted(seen_author_days)])
    loader.commit()
    loader.close()
    _summarise(engine)
    _detect_mps(engine)
    _analyze(engine)
    print(f"generated {posts:,} posts, {len(authors):,} authors in {time.monotonic() - started:.0f} s: "
          f"{make_url(url).render_as_string(hide_password=True)}")


def _flush(loader: Loader, buffers: dict) -> None:
    for table in ("posts", "post_hashtags", "post_mentions", "post_matches"):  # posts first: foreign keys
        loader.insert(table, buffers[table])
        buffers[table] = []
    loader.commit()


def _summarise(engine) -> None:
    """Fill the dashboard's summary tables (monitor.summary) from the loaded posts: the store path keeps
    them in step as it writes, a bulk load does not go through it."""
    from monitor.db import transaction
    from monitor.summary import rebuild

    started = time.monotonic()
    with transaction(engine) as s:
        rebuild(s)
    print(f"  summary tables filled in {time.monotonic() - started:.0f} s", flush=True)


def _detect_mps(engine) -> None:
    """Which posts are by or mention an MP (monitor.mps.detect), from the loaded posts, as the store path would
    have found them: the MPs' accounts by their handles, then every post_mps row by one set-based pass."""
    from monitor.db import transaction
    from monitor.mps.detect import rebuild_all
    from monitor.mps.register import account_ids

    started = time.monotonic()
    with transaction(engine) as s:
        handles = [h for (h,) in s.execute(text("SELECT x_username FROM mps WHERE x_username IS NOT NULL"))]
        for handle, author_id in account_ids(s, handles).items():
            s.execute(text("UPDATE mps SET x_user_id = :a WHERE lower(x_username) = :h"), {"a": author_id, "h": handle})
        rebuild_all(s)
        found = s.execute(text("SELECT COUNT(*) FROM post_mps")).scalar()
    print(f"  {found:,} MP detections in {time.monotonic() - started:.0f} s", flush=True)


def _analyze(engine) -> None:
    """Planner statistics (and on PostgreSQL the visibility map index-only scans need), as a live
    database has them after autovacuum."""
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE"))
        return
    with engine.connect() as conn:
        conn.execute(text("ANALYZE"))
        conn.commit()


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("url", help="SQLAlchemy URL of an empty (or not yet existing) database")
    parser.add_argument("--posts", type=int, default=1_000_000)
    parser.add_argument("--days", type=int, default=90)
    args = parser.parse_args(argv)
    generate(args.url, args.posts, args.days)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
