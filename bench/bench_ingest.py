"""Ingest: posts stored per second from recorded API pages, beside a bare bulk insert of the same rows.

Pages are recorded once from the simulated API through tweepy (full pages of 100 posts with their
authors and places expanded, as X sends them) into JSON lines in a temporary folder.

real path   what the collector does with each page, without HTTP: parse_page, region attribution
            (with the corrections look-up), store_page (upserts, entities, campaign matches, run
            links) and the run's checkpoint, one transaction per page: Collector._store itself.
            The gazetteer tables are loaded before timing; the locate() cache is cleared per run.
bare insert the same rows, already parsed and attributed, written by plain
            `session.execute(insert(Model), rows)` (ORM bulk insert) into the same tables in one
            transaction: no conflict handling, no look-ups, no checkpoint. The practical ceiling.
            Also as a Core executemany (`insert(Model.__table__)`), which skips the ORM's bulk
            bookkeeping; the ratio against the faster of the two is printed as ratio*.
            Since migrations 0004/0005 the real path also keeps the dashboard's summary tables
            (summary_days/hours/terms) in step, page by page, and since 0016 the MP detections
            (post_mps, monitor.mps.detect). The bare insert writes those rows too, the fastest way
            there is: set-based INSERT ... SELECT over the inserted posts (monitor.summary.rebuild,
            monitor.mps.detect.rebuild_all) in the same transaction. "ratio" is against that (the
            same rows in the same tables); "ratio posts-only" against the bare insert without the
            summary rows, as measured before the summary tables existed.

Each run uses a fresh database (a new SQLite file; a new PostgreSQL database). Medians are printed.
--network bluesky / mastodon records the pages from that network's simulated server through its source
(Bluesky: searchPosts pages with their authors' getProfiles; Mastodon: tag timeline pages of two servers)
and parses them with its parser; the rest is the same.
Usage: .venv/bin/python bench/bench_ingest.py [--posts 10000] [--runs 5] [--db sqlite postgresql] [--quick]
       [--network x bluesky mastodon]
"""
from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

from _common import (
    CORPUS_START,
    fresh_database,
    load_pages,
    machine,
    postgres_available,
    record_pages,
    retry_on_server_restart,
)
from sqlalchemy import insert

from monitor import parse_bluesky, parse_mastodon, regions, summary
from monitor.attribution import Attributor
from monitor.collector import Collector
from monitor.config import default_config
from monitor.db import transaction
from monitor.models import (
    Author,
    AuthorFollowers,
    CollectionRun,
    Place,
    Post,
    PostHashtag,
    PostMatch,
    PostMention,
    RunPost,
)
from monitor.mps.detect import rebuild_all
from monitor.parse import parse_page, stub_author
from monitor.refresh import next_refresh_time
from monitor.store import campaign_matches

CONFIG = default_config()
[CAMPAIGN] = CONFIG.campaigns
NOW = CORPUS_START + timedelta(days=7, hours=1)
PARSERS = {"x": parse_page, "bluesky": parse_bluesky.parse_page, "mastodon": parse_mastodon.parse_page}
CURRENT = {"parse": parse_page, "campaign": CAMPAIGN}   # the network being measured (set in main)


def record_network_pages(network: str, path: Path, posts: int, seed: int = 7) -> tuple[int, object]:
    """Pages of `posts` posts from a simulated Bluesky or Mastodon through its source, as JSON lines;
    returns (pages, the campaign whose queries they answer)."""
    import json

    from monitor.fakenet import FakeBluesky, FakeMastodon
    from monitor.fakex import SimClock
    from monitor.sources.base import SearchParams
    from monitor.sources.bluesky import BlueskySession, BlueskySource
    from monitor.sources.mastodon import MastodonSource

    days = 7
    clock = SimClock(CORPUS_START + timedelta(days=days))
    common = {"seed": seed, "start": CORPUS_START, "days": days, "posts_per_day": max(1, posts // days), "clock": clock}
    if network == "bluesky":
        fake = FakeBluesky(handle="bench.bsky.social", app_password="bench", **common).start()
        source = BlueskySource(BlueskySession("bench.bsky.social", "bench", fake.base_url, 30.0), 30.0)
        campaign = replace(CAMPAIGN, bluesky_mentions=(fake.mention_handle,))
    else:
        fake = FakeMastodon(**common).start()
        source = MastodonSource({}, 30.0)
        campaign = replace(CAMPAIGN, mastodon_servers=fake.base_urls)
    seen, pages = 0, 0
    try:
        with path.open("w", encoding="utf-8") as out:
            for query in source.queries(campaign):
                params = SearchParams(query, start_time=clock() - timedelta(days=days))
                while True:
                    raw = source.search(params)
                    out.write(json.dumps(raw, ensure_ascii=False, default=str) + "\n")
                    pages += 1
                    page = PARSERS[network](raw, NOW)
                    seen += len(page.posts)
                    if not page.next_token or seen >= posts:
                        break
                    params = replace(params, next_token=page.next_token)
                if seen >= posts:
                    break
    finally:
        fake.stop()
    return pages, campaign


def new_run(engine) -> int:
    with transaction(engine) as s:
        run = CollectionRun(campaign=CAMPAIGN.name, kind="search", query="bench", started_at=NOW, status="running")
        s.add(run)
        s.flush()
        return run.id


def real_path(engine, pages: list[dict], attributor: Attributor) -> tuple[int, float]:
    campaign = CURRENT["campaign"]
    from monitor.regions.bio import read_bio

    regions.locate.cache_clear()
    read_bio.cache_clear()
    collector = Collector(engine, CONFIG, source=None, clock=lambda: NOW, attributor=attributor)
    run_id = new_run(engine)
    stored: set[str] = set()   # distinct posts: a Bluesky or Mastodon post can answer two queries
    start = time.perf_counter()
    for raw in pages:
        page = CURRENT["parse"](raw, NOW)
        stored.update(p["id"] for p in page.posts)
        collector._store(run_id, campaign, page)
    return len(stored), time.perf_counter() - start


def parsed_rows(pages: list[dict], attributor: Attributor, run_id: int) -> dict:
    """Every row the real path writes, parsed and attributed once, de-duplicated by primary key."""
    places, authors, followers, posts, tags, mentions, matches, links = {}, {}, {}, [], [], [], [], []
    policy = CONFIG.metrics_refresh
    campaign = CURRENT["campaign"]
    for raw in pages:
        page = CURRENT["parse"](raw, NOW)
        attributor.attribute_page(page, {})
        places.update(page.places)
        for author_id in page.missing_author_ids:
            authors.setdefault(author_id, stub_author(author_id, NOW))
        authors.update(page.authors)
        for a in page.authors.values():
            followers[a["id"]] = {"author_id": a["id"], "observed_on": NOW.date(),
                                  "followers_count": a["followers_count"]}
        posts += [dict(p, next_refresh_at=next_refresh_time(p["created_at"], NOW, policy)) for p in page.posts]
        tags += [{"post_id": p, "tag": t} for p, t in page.hashtags]
        mentions += [{"post_id": p, "username": u, "user_id": uid} for p, u, uid in page.mentions]
        matches += campaign_matches(page, campaign.name, campaign.all_terms)
        links += [{"run_id": run_id, "post_id": p["id"]} for p in page.posts]
    def once(rows: list[dict]) -> list[dict]:   # a post found by two queries is one row, as the real path stores it
        return list({tuple(sorted((k, str(v)) for k, v in r.items() if k in KEYS)): r for r in rows}.values())

    return {Place: list(places.values()), Author: list(authors.values()), AuthorFollowers: list(followers.values()),
            Post: list({p["id"]: p for p in posts}.values()), PostHashtag: once(tags), PostMention: once(mentions),
            PostMatch: once(matches), RunPost: once(links)}


KEYS = {"post_id", "tag", "username", "run_id", "campaign", "term"}   # the link tables' primary-key columns


def bare_insert(engine, pages: list[dict], attributor: Attributor, core: bool = False,
                summaries: bool = True) -> tuple[int, float]:
    """ORM bulk insert (`insert(Post)`), or with core=True a Core executemany (`insert(posts_table)`);
    with summaries, then the summary rows by one set-based aggregation."""
    run_id = new_run(engine)
    rows = parsed_rows(pages, attributor, run_id)
    start = time.perf_counter()
    with transaction(engine) as s:
        for model, batch in rows.items():
            if batch:
                s.execute(insert(model.__table__ if core else model), batch)
        if summaries:
            summary.rebuild(s)
            rebuild_all(s)   # the MP detections (post_mps), set-based too
    return len(rows[Post]), time.perf_counter() - start


def measure(kind: str, pages: list[dict], runs: int, attributor: Attributor, workdir: Path) -> dict:
    real, bare, core, posts_only = [], [], [], []
    def rate(path, **kw):
        def once():
            with fresh_database(kind, workdir) as engine:
                posts, seconds = path(engine, pages, attributor, **kw)
                return posts / seconds
        return retry_on_server_restart(once)

    for _ in range(runs):
        real.append(rate(real_path))
        bare.append(rate(bare_insert))
        core.append(rate(bare_insert, core=True))
        posts_only.append(rate(bare_insert, summaries=False))
    ceiling = [max(b, c) for b, c in zip(bare, core)]
    return {"real": statistics.median(real), "bare": statistics.median(bare), "core": statistics.median(core),
            "ratio": statistics.median(r / b for r, b in zip(real, bare)),
            "ratio_best": statistics.median(r / c for r, c in zip(real, ceiling)),
            "posts_only": statistics.median(posts_only),
            "ratio_posts_only": statistics.median(r / b for r, b in zip(real, posts_only))}


def detection_ab(kind: str, pages: list[dict], runs: int, attributor: Attributor, workdir: Path) -> dict:
    """The real path with and without the MP detection (monitor.store's detect_page made a no-op), in
    alternating runs on fresh databases: what detection costs the store path, under the same load."""
    import monitor.store as store

    detect = store.detect_page

    def rate(enabled: bool) -> float:
        store.detect_page = detect if enabled else (lambda session, page: None)
        try:
            def once():
                with fresh_database(kind, workdir) as engine:
                    posts, seconds = real_path(engine, pages, attributor)
                    return posts / seconds
            return retry_on_server_restart(once)
        finally:
            store.detect_page = detect

    with_it, without = [], []
    for _ in range(runs):
        with_it.append(rate(True))
        without.append(rate(False))
    return {"with": statistics.median(with_it), "without": statistics.median(without),
            "ratio": statistics.median(w / o for w, o in zip(with_it, without))}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=10_000, help="posts in the recorded pages (100 a page)")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--db", nargs="+", choices=("sqlite", "postgresql"), default=["sqlite", "postgresql"])
    parser.add_argument("--profile", action="store_true",
                        help="profile one real-path run on the first --db (pyinstrument)")
    parser.add_argument("--quick", action="store_true", help="3,000 posts, 3 runs")
    parser.add_argument("--detection-ab", action="store_true",
                        help="the real path with and without the MP detection, alternating runs (its cost)")
    parser.add_argument("--mps", action="store_true",
                        help="record from a corpus with the register's MPs posting and mentioned (monitor.fakex.mps)")
    parser.add_argument("--network", nargs="+", choices=tuple(PARSERS), default=["x"],
                        help="record and store this network's pages (default: x)")
    args = parser.parse_args()
    if args.quick:
        args.posts, args.runs = 3_000, 3
    with tempfile.TemporaryDirectory(prefix="bench-ingest-") as tmp:
        workdir = Path(tmp)
        for network in args.network:
            print(f"--- network: {network}")
            measure_network(network, args, workdir)
    return 0


def measure_network(network: str, args, workdir: Path) -> None:
    began = time.perf_counter()
    path = workdir / f"pages-{network}.jsonl"
    if network == "x":
        count, campaign = record_pages(path, args.posts, mps=args.mps), CAMPAIGN
    else:
        count, campaign = record_network_pages(network, path, args.posts)
    CURRENT.update(parse=PARSERS[network], campaign=campaign)
    pages = load_pages(path)
    posts = sum(len(PARSERS[network](p, NOW).posts) for p in pages)
    print(f"recorded {count} pages ({posts:,} posts) from the simulated {network} in "
          f"{time.perf_counter() - began:.1f} s; {machine()}")
    attributor = Attributor(replace(CONFIG))
    attributor.attribute_page(PARSERS[network](pages[0], NOW), {})   # load the gazetteer before timing
    if args.profile:
        from pyinstrument import Profiler

        with fresh_database(args.db[0], workdir) as engine:
            profiler = Profiler()
            profiler.start()
            real_path(engine, pages, attributor)
            profiler.stop()
        print(profiler.output_text(unicode=False, color=False, show_all=False))
        return
    if args.detection_ab:
        print(f"median of {args.runs} alternating runs, fresh database each; real path posts/s with and without "
              "the MP detection; ratio = with / without (paired)")
        for kind in args.db:
            if kind == "postgresql" and (reason := postgres_available()):
                print(f"{kind:<11} skipped: PostgreSQL not reachable ({reason})")
                continue
            m = detection_ab(kind, pages, args.runs, attributor, workdir)
            print(f"{kind:<11} with {m['with']:>8,.0f}  without {m['without']:>8,.0f}  ratio {m['ratio']:.3f}")
        return
    print(f"median of {args.runs} runs, fresh database each; posts/s; bare inserts include the summary rows "
          "(set-based); ratio = real / bare ORM insert, ratio* = real / the faster of the two bare inserts; "
          "posts-only = bare ORM insert without the summary rows")
    print(f"{'database':<11} {'real path':>10} {'bare ORM insert':>16} {'bare Core insert':>17} {'ratio':>6} "
          f"{'ratio*':>7} {'posts-only':>11} {'ratio posts-only':>17}")
    ok = True
    for kind in args.db:
        if kind == "postgresql" and (reason := postgres_available()):
            print(f"{kind:<11} skipped: PostgreSQL not reachable ({reason}); scripts/ensure-postgres.sh starts it")
            continue
        m = measure(kind, pages, args.runs, attributor, workdir)
        print(f"{kind:<11} {m['real']:>10,.0f} {m['bare']:>16,.0f} {m['core']:>17,.0f} {m['ratio']:>6.2f} "
              f"{m['ratio_best']:>7.2f} {m['posts_only']:>11,.0f} {m['ratio_posts_only']:>17.2f}")
        ok &= m["ratio"] >= 0.5
    if not ok:
        print("below the acceptance line: real path under 0.5 of the bare (ORM) bulk insert", file=sys.stderr)


if __name__ == "__main__":
    sys.exit(main())
