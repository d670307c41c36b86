"""API efficiency: what the collector and the metrics refresh ask of the (simulated) X API.

A simulated week: a SimClock starts when the campaign does and advances by the collection interval
(15 minutes); at every step the collector polls the campaign and the metrics refresh runs, both
in-process against monitor.fakex over real HTTP (tweepy), storing into a fresh SQLite file.
Requests are counted from the fake's own request log (fx.requests), not from our counters.

Figures (median over --runs corpora, one seed each):

search   requests per 100 new posts   measured; the "limit" is 1.0, but a poll costs at least one
                                      request even when 0-99 posts are new, so the floor for the
                                      actual polls is sum(max(1, ceil(new/100))); both are printed,
                                      with measured/floor (1.00 = no request wasted).
         posts re-read                posts a search returned that were already stored
                                      (posts_updated of every search run): must be 0.
refresh  requests per refreshed post  limit 1/100 (0.01): each lookup carries 100 ids. Also the
                                      floor ceil(reads/100) for the week's refresh reads, and how far
                                      from its scheduled age each read came (the price of full batches:
                                      metrics_refresh.window_minutes; --window 0 reads each post at its
                                      time, as before the batching).
billing  post reads / collected post  search reads plus lookup reads, and the same counted as
                                      X bills them (one read per post per UTC day).

Then the bill, per refresh schedule (each a week of its own on the same corpus): the full schedule (every
post at 1 h, 3 h, 8 h, 1 d, 3 d, 7 d), a thinned one (3 h, 1 d, 7 d), the selective refresh (the default,
monitor.refresh_policy) and the selective refresh with the mentions timeline on. For each: billed post reads
per collected post and billed dollars per 1,000 collected posts, as the simulated API bills them (each
post in `data` and user in `includes.users` once per UTC day: FakeX.bill), whether the spend the collector
recorded equals that bill, and the error of the week's engagements and impressions (the sums over the
collected posts at the end of the week, as the dashboard shows them) against the full schedule. The floor
beside them: each post read once and each author once per UTC day on which they posted.

Usage: .venv/bin/python bench/bench_api_efficiency.py [--runs 2] [--days 7] [--posts-per-day 200 2000]
       [--window MINUTES] [--variants full thinned selective mentions] [--jobs 4] [--quick]
"""
from __future__ import annotations

import argparse
import math
import statistics
import sys
import tempfile
import time
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta, timezone
from pathlib import Path

from sqlalchemy import func, select

from monitor.collector import Collector
from monitor.config import MentionsTimeline, default_config
from monitor.db import make_engine, transaction
from monitor.fakex import FakeX, SimClock
from monitor.metrics.spend import spend_usd
from monitor.models import Post
from monitor.refresh import refresh_metrics
from monitor.schema import upgrade
from monitor.sources.x import XSource, build_queries

TOKEN = "bench-token"
SEARCH = "/2/tweets/search/recent"
LOOKUP = "/2/tweets"


@dataclass
class Week:
    posts_per_day: int
    seed: int
    polls: int = 0
    search_requests: int = 0
    new_posts: int = 0
    reread: int = 0
    floor_requests: int = 0               # sum over polls of max(1, ceil(new / 100))
    poll_sizes: Counter = field(default_factory=Counter)   # "0", "1-99", "100+" new posts per poll
    refresh_calls: int = 0
    lookup_requests: int = 0
    refreshed: int = 0
    unavailable: int = 0
    offsets: list = field(default_factory=list)   # minutes between each refresh read and its scheduled time
    post_reads: int = 0                   # every post a response carried (search + lookup)
    billable_reads: int = 0               # distinct (post, UTC day) pairs
    stored: int = 0
    visible: int = 0
    seconds: float = 0.0
    variant: str = "selective"
    billed_posts: int = 0                 # as the simulated API bills: posts in `data`, once per UTC day
    billed_users: int = 0                 # users in `includes.users`, once per UTC day
    bill_usd: float = 0.0
    recorded_usd: float = 0.0             # what the collector recorded in billed_reads
    floor_usd: float = 0.0                # each post once, each author once per UTC day they posted
    engagements: int = 0                  # sums over the collected posts at the end of the week
    impressions: int = 0

    @property
    def per_100_new(self) -> float:
        return 100 * self.search_requests / max(1, self.new_posts)

    @property
    def floor_per_100_new(self) -> float:
        return 100 * self.floor_requests / max(1, self.new_posts)

    @property
    def refresh_floor(self) -> int:
        return math.ceil((self.refreshed + self.unavailable) / 100)

    @property
    def per_refreshed(self) -> float:
        return self.lookup_requests / max(1, self.refreshed + self.unavailable)


VARIANTS = ("full", "thinned", "selective", "mentions")
THINNED_HOURS = (3.0, 24.0, 168.0)


def variant_config(config, variant: str, fx: FakeX):
    refresh = config.metrics_refresh
    if variant == "full":
        return replace(config, metrics_refresh=replace(refresh, selective=False))
    if variant == "thinned":
        return replace(config, metrics_refresh=replace(refresh, selective=False, schedule_hours=THINNED_HOURS))
    if variant == "mentions":
        [official] = [u for u in fx.corpus.users.values() if u["username"] == "NAHTnews"]
        return replace(config, mentions_timeline=MentionsTimeline(True, "NAHTnews", official["id"]))
    return config


def simulate_week(posts_per_day: int, days: int, seed: int, workdir: Path, window: float | None = None,
                  variant: str = "selective") -> Week:
    week = Week(posts_per_day, seed, variant=variant)
    start = datetime(2026, 11, 9, tzinfo=timezone.utc)   # a Monday, as the fake's default corpus
    clock = SimClock(start)
    fx = FakeX(seed=seed, start=start, days=days, posts_per_day=posts_per_day, bearer_token=TOKEN, clock=clock)
    fx.start()
    engine = make_engine(f"sqlite:///{workdir / f'api-{posts_per_day}-{seed}-{variant}.db'}")
    upgrade(engine)
    base = default_config()
    # No cap in the way: this measures what each schedule spends.
    config = replace(base, api_base_url=fx.base_url, backoff_seconds=0.01, request_timeout=5.0,
                     monthly_budget_usd=1e9)
    config = variant_config(config, variant, fx)
    if window is not None:
        config = replace(config, metrics_refresh=replace(config.metrics_refresh, window_minutes=window))
    horizon = timedelta(minutes=config.metrics_refresh.window_minutes)
    [campaign] = config.campaigns
    source = XSource(TOKEN, fx.base_url, timeout=5.0, mentions_timeline=config.mentions_timeline)
    collector = Collector(engine, config, source, clock=clock)
    step = timedelta(minutes=config.interval_minutes)
    began = time.perf_counter()
    try:
        for _ in range(int(timedelta(days=days) / step)):
            clock.advance(step)
            for summary in collector.collect_campaign(campaign):
                week.polls += 1
                week.new_posts += summary.posts_new
                week.reread += summary.posts_updated
                week.floor_requests += max(1, math.ceil(summary.posts_new / 100))
                week.poll_sizes["0" if summary.posts_new == 0 else "1-99" if summary.posts_new < 100 else "100+"] += 1
            with transaction(engine) as s:   # what this call may read, and when each read was scheduled
                scheduled = dict(s.execute(select(Post.id, Post.next_refresh_at).where(
                    Post.next_refresh_at.is_not(None), Post.next_refresh_at <= clock() + horizon)).all())
            summary = refresh_metrics(engine, config, source, clock=clock)
            week.refresh_calls += 1
            week.refreshed += summary.refreshed
            week.unavailable += summary.unavailable
            if summary.refreshed:
                with transaction(engine) as s:
                    read_now = s.scalars(select(Post.id).where(Post.id.in_(list(scheduled)),
                                                               Post.metrics_updated_at == clock()))
                    week.offsets += [(clock() - scheduled[i]) / timedelta(minutes=1) for i in read_now]
        week.seconds = time.perf_counter() - began
        requests = fx.requests
        week.search_requests = sum(r["path"] == SEARCH or r["path"].endswith("/mentions") for r in requests)
        week.lookup_requests = sum(r["path"] == LOOKUP for r in requests)
        week.visible = len(set().union(*(fx.visible_ids(q) for q in build_queries(campaign.terms))))
        with transaction(engine) as s:
            first_seen = dict(s.execute(select(Post.id, Post.first_seen_at)).all())
        week.stored = len(first_seen)
        reads = {(post_id, seen.date()) for post_id, seen in first_seen.items()}
        week.post_reads = week.new_posts + week.reread + week.refreshed
        for r in requests:
            if r["path"] == LOOKUP and r["status"] == 200:
                reads |= {(post_id, r["time"].date()) for post_id in r["params"]["ids"].split(",")}
        week.billable_reads = len(reads)
        billed = fx.billed
        week.billed_posts = sum(kind == "post" for kind, *_ in billed)
        week.billed_users = sum(kind == "user" for kind, *_ in billed)
        week.bill_usd = fx.bill()
        week.recorded_usd = spend_usd(engine, clock())
        with transaction(engine) as s:
            week.engagements, week.impressions = (int(v or 0) for v in s.execute(select(
                func.sum(Post.like_count + Post.repost_count + Post.reply_count + Post.quote_count
                         + Post.bookmark_count), func.sum(Post.impression_count))).one())
            author_days = len(set(s.execute(select(Post.author_id, func.date(Post.first_seen_at))).all()))
        week.floor_usd = week.stored * 0.005 + author_days * 0.010
    finally:
        fx.stop()
        engine.dispose()
    return week


def median(values) -> float:
    return statistics.median(values)


def _percentile(values: list[float], q: int) -> float:
    ordered = sorted(values) or [0.0]
    return ordered[min(len(ordered) - 1, int(len(ordered) * q / 100))]


def report(weeks: list[Week], days: int) -> None:
    w0 = weeks[0]
    print(f"\n-- {w0.posts_per_day} posts/day (fake's weekday volume; event days 3-5x), {days} days, "
          f"15-minute steps, {len(weeks)} seeds: {[w.seed for w in weeks]}; detailed figures: {w0.variant}")
    rows = [
        ("polls (search runs)", median([w.polls for w in weeks]), ""),
        ("new posts collected", median([w.new_posts for w in weeks]), ""),
        ("stored == visible at the end", all(w.stored == w.visible for w in weeks), "must be True"),
        ("search requests", median([w.search_requests for w in weeks]), ""),
        ("search requests per 100 new posts", median([w.per_100_new for w in weeks]), "limit 1.0 (see floor)"),
        ("  floor for these polls, per 100 new posts", median([w.floor_per_100_new for w in weeks]),
         "max(1, ceil(new/100)) per poll"),
        ("  measured / floor", median([w.search_requests / w.floor_requests for w in weeks]), "1.00 = none wasted"),
        ("  polls with 0 / 1-99 / 100+ new posts",
         "/".join(str(median([w.poll_sizes[k] for w in weeks])) for k in ("0", "1-99", "100+")), ""),
        ("posts re-read that were already stored", median([w.reread for w in weeks]), "limit 0"),
        ("refresh calls", median([w.refresh_calls for w in weeks]), ""),
        ("lookup requests", median([w.lookup_requests for w in weeks]), ""),
        ("posts refreshed (+ found deleted/protected)",
         median([w.refreshed + w.unavailable for w in weeks]), ""),
        ("lookup requests per refreshed post", median([w.per_refreshed for w in weeks]), "limit 0.01"),
        ("  floor for these reads", median([w.refresh_floor / max(1, w.refreshed + w.unavailable)
                                           for w in weeks]), "ceil(reads/100) over the week"),
        ("  measured / floor", median([w.lookup_requests / max(1, w.refresh_floor) for w in weeks]), ""),
        ("  read minus scheduled time, median (min)", median([statistics.median(w.offsets or [0])
                                                               for w in weeks]), "+ late, - early"),
        ("  ... 5th / 95th percentile (min)", "/".join(
            f"{median([_percentile(w.offsets, q) for w in weeks]):.0f}" for q in (5, 95)), ""),
        ("post reads per collected post", median([w.post_reads / max(1, w.new_posts) for w in weeks]),
         "search + lookups"),
        ("  billable (1 per post per UTC day)", median([w.billable_reads / max(1, w.new_posts) for w in weeks]),
         ""),
        ("wall time of the simulated run (s)", median([w.seconds for w in weeks]), ""),
    ]
    for name, value, note in rows:
        shown = f"{value:.3f}" if isinstance(value, float) and not float(value).is_integer() else str(value)
        print(f"  {name:<46} {shown:>12}   {note}")


def compare(by_variant: dict[str, list[Week]]) -> None:
    """One column per refresh schedule: the bill, and the figures' error against the full schedule."""
    names = list(by_variant)
    full = {w.seed: w for w in by_variant.get("full", [])}

    def error(w: Week, attr: str) -> float | None:
        base = full.get(w.seed)
        return None if base is None or not getattr(base, attr) else 100 * (getattr(w, attr) / getattr(base, attr) - 1)

    def cell(values) -> str:
        values = [v for v in values if v is not None]
        return f"{median(values):.2f}" if values else "-"

    rows = [
        ("new posts collected", lambda w: w.new_posts),
        ("stored == what the API could serve", lambda w: float(w.stored == w.visible)),
        ("billed post reads per collected post", lambda w: w.billed_posts / max(1, w.new_posts)),
        ("billed user reads per collected post", lambda w: w.billed_users / max(1, w.new_posts)),
        ("billed $ per 1,000 collected posts", lambda w: 1000 * w.bill_usd / max(1, w.new_posts)),
        ("  floor $ per 1,000 (post once, author once a day)", lambda w: 1000 * w.floor_usd / max(1, w.new_posts)),
        ("recorded spend - bill ($)", lambda w: w.recorded_usd - w.bill_usd),
        ("week's engagements vs full schedule (%)", lambda w: error(w, "engagements")),
        ("week's impressions vs full schedule (%)", lambda w: error(w, "impressions")),
        ("lookup requests", lambda w: w.lookup_requests),
        ("search + mentions requests", lambda w: w.search_requests),
    ]
    print(f"\n  {'':<50}" + "".join(f"{n:>12}" for n in names))
    for label, value in rows:
        print(f"  {label:<50}" + "".join(f"{cell([value(w) for w in by_variant[n]]):>12}" for n in names))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=2, help="corpora (seeds) per volume; medians are printed")
    parser.add_argument("--days", type=int, default=7)
    parser.add_argument("--posts-per-day", type=int, nargs="+", default=[200, 2000])
    parser.add_argument("--window", type=float, default=None,
                        help="metrics_refresh.window_minutes (default: the config default; 0 = no batching wait)")
    parser.add_argument("--variants", nargs="+", choices=VARIANTS, default=list(VARIANTS),
                        help="refresh schedules to compare (the detailed figures are the selective one's)")
    parser.add_argument("--jobs", type=int, default=4, help="weeks simulated side by side (processes)")
    parser.add_argument("--quick", action="store_true", help="2 runs, 200 and 2000 posts/day, 3 days")
    args = parser.parse_args()
    if args.quick:
        args.runs, args.days = 2, 3
    ok = True
    with tempfile.TemporaryDirectory(prefix="bench-api-") as tmp:
        for volume in args.posts_per_day:
            # Each week is a process of its own (its own simulated API and database): they run side by side.
            jobs = [(variant, seed) for variant in args.variants for seed in range(1, args.runs + 1)]
            with ProcessPoolExecutor(max_workers=args.jobs) as pool:
                weeks = list(pool.map(simulate_week, *zip(*[(volume, args.days, seed, Path(tmp), args.window, variant)
                                                            for variant, seed in jobs])))
            by_variant = {v: [w for w in weeks if w.variant == v] for v in args.variants}
            for variant, ws in by_variant.items():
                print(f"  ({variant}: {median([w.seconds for w in ws]):.0f} s a week)", file=sys.stderr)
            detailed = by_variant.get("selective") or next(iter(by_variant.values()))
            report(detailed, args.days)
            compare(by_variant)
            # With the mentions timeline a post carrying a hashtag and the mention is read by both (billed once).
            ok &= all((w.reread == 0 or w.variant == "mentions") and w.stored == w.visible
                      for ws in by_variant.values() for w in ws)
    if not ok:
        print("FAIL: posts re-read, or stored posts differ from what the API could serve", file=sys.stderr)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
