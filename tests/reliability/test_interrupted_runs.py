"""Runs that a stop leaves behind: a killed `campaign-monitor import` (its run must not stay 'running'
forever), and the usage cap or spent credits met by the metrics refresh (collection must pause, as it
does when collection itself meets them)."""
from __future__ import annotations

import json
import signal
import subprocess
import threading
import time
from dataclasses import replace
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select, update

from monitor.config import MetricsRefresh
from monitor.db import make_engine, transaction
from monitor.fakex import Fault
from monitor.fakex.generator import build_corpus
from monitor.models import CollectionRun, Post, RunPost
from monitor.scheduler import CampaignScheduler
from monitor.schema import upgrade
from monitor.sources.x import XSource
from tests import pages
from tests.helpers import HASHTAGS, TOKEN, cli, cli_env, write_config
from tests.reliability.helpers import CAMPAIGN, runs, start_fake, stored_ids


def _write_archive(path, posts_per_page: int = 100) -> set[str]:
    """A twarc2-style JSONL archive (one API response page a line) of a few thousand campaign posts."""
    start = datetime.now(timezone.utc) - timedelta(days=6)
    corpus = build_corpus(21, start, 6, 700, hashtags=HASHTAGS, mention="NAHTnews")
    now_ms = int(datetime.now(timezone.utc).timestamp() * 1000)
    with path.open("w") as f:
        for i in range(0, len(corpus.posts), posts_per_page):
            chunk = [dict(p, public_metrics=corpus.metrics_at(p["id"], now_ms))
                     for p in corpus.posts[i:i + posts_per_page]]
            users = list({p["author_id"]: corpus.users[p["author_id"]] for p in chunk}.values())
            places = [corpus.places[p["geo"]["place_id"]] for p in chunk if (p.get("geo") or {}).get("place_id")]
            f.write(json.dumps(pages.page(chunk, users, places)) + "\n")
    return {p["id"] for p in corpus.posts}


def test_a_killed_import_is_closed_as_interrupted_by_the_next_import(sqlite_url, tmp_path):
    archive = tmp_path / "archive.jsonl"
    expected = _write_archive(archive)
    engine = make_engine(sqlite_url)
    upgrade(engine)
    config_path = write_config(tmp_path, sqlite_url, "http://127.0.0.1:9")   # no API needed to import
    try:
        proc = subprocess.Popen(cli(config_path, "import", str(archive)), env=cli_env(), stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 60
        killed_at_pages = None
        while time.monotonic() < deadline and proc.poll() is None:
            imports = runs(engine, "import")
            if imports and imports[0].pages >= 3:
                proc.send_signal(signal.SIGKILL)
                proc.wait(timeout=10)
                killed_at_pages = imports[0].pages
                break
            time.sleep(0.02)
        assert killed_at_pages is not None, "the import finished (or never started) before it could be killed"
        [killed] = runs(engine, "import")
        assert killed.status == "running"          # what a SIGKILL leaves: nobody can mark it
        partial = set(stored_ids(engine))
        assert partial and partial < expected

        again = subprocess.run(cli(config_path, "import", str(archive)), env=cli_env(), capture_output=True, text=True,
                               timeout=180)
        assert again.returncode == 0, again.stderr[-2000:]
        first, second = runs(engine, "import")
        assert first.id == killed.id and first.status == "failed" and first.ended_at is not None
        assert first.error.startswith("interrupted") and "import the file again" in first.error
        assert second.status == "completed" and second.error is None
        # nothing lost, nothing twice: the second import stored the rest and updated what was there
        ids = stored_ids(engine)
        assert len(ids) == len(set(ids)) and set(ids) == expected
        assert second.posts_new == len(expected - partial) and second.posts_updated == len(partial)
        with transaction(engine) as s:
            assert set(s.scalars(select(RunPost.post_id).where(RunPost.run_id == second.id))) == expected
        assert all(r.status != "running" for r in runs(engine))
        print(f"import killed after {killed_at_pages} pages ({len(partial)} posts); re-import stored the other "
              f"{len(expected - partial)}; posts lost: 0")
    finally:
        engine.dispose()


def test_the_next_refresh_still_closes_killed_refresh_runs(sqlite_engine, config):
    """The helper the import now shares with the refresh keeps the refresh's behaviour."""
    from monitor.refresh import refresh_metrics

    with transaction(sqlite_engine) as s:
        s.add(CollectionRun(campaign="*", kind="refresh", query="GET /2/tweets", started_at=datetime.now(timezone.utc),
                            status="running"))
        s.add(CollectionRun(campaign="*", kind="import", query="import x.jsonl", started_at=datetime.now(timezone.utc),
                            status="running"))
    summary = refresh_metrics(sqlite_engine, config, XSource(TOKEN, "http://127.0.0.1:9", timeout=1))
    killed_refresh, other_import, this_refresh = runs(sqlite_engine)
    assert killed_refresh.status == "failed" and killed_refresh.error.startswith("interrupted")
    assert other_import.status == "running"    # another kind's run is not the refresh's to close
    assert this_refresh.id == summary.run_id and this_refresh.status == "completed"


# --- a usage cap or spent credits met by the metrics refresh -------------------------------------------

def _scheduler(engine, config, fx):
    cfg = replace(config, api_base_url=fx.base_url, campaigns=(CAMPAIGN,),
                  metrics_refresh=MetricsRefresh(schedule_hours=(1, 3, 8, 24, 72), max_age_hours=72,
                                                 selective=False))   # every due post read, whatever the hour
    scheduler = CampaignScheduler(engine, cfg, lambda _network: XSource(TOKEN, fx.base_url, timeout=2.0))
    scheduler.add_jobs()
    # The real BlockingScheduler, started paused (its jobs get their run times but none fires by itself:
    # the test calls collect/refresh as the jobs would).
    threading.Thread(target=scheduler.scheduler.start, kwargs={"paused": True}, daemon=True).start()
    deadline = time.monotonic() + 10
    while not scheduler.scheduler.running and time.monotonic() < deadline:
        time.sleep(0.01)
    assert scheduler.scheduler.running
    return scheduler


def _paused(scheduler) -> dict[str, bool]:
    return {job.id: job.next_run_time is None for job in scheduler.scheduler.get_jobs()}


def _x_jobs(scheduler) -> set[str]:
    """X's collection and its metrics refresh: what X's cap or spent credits pause. The weekly reports,
    the alerts (which say so) and the privacy retention go on."""
    return {j for j in _paused(scheduler) if j.startswith("collect:x:") or j == "refresh-metrics"}


def _paused_jobs(scheduler) -> set[str]:
    return {j for j, paused in _paused(scheduler).items() if paused}


@pytest.mark.parametrize("kind", ["usage_cap", "credits"])
def test_a_halt_during_the_metrics_refresh_pauses_collection_like_a_halt_during_collection(sqlite_engine, config,
                                                                                           kind):
    fx = start_fake()
    started = []
    try:
        # A halt met by collection: X's jobs paused (the reference behaviour), the others go on.
        reference = _scheduler(sqlite_engine, config, fx)
        started.append(reference)
        fx.inject(Fault(kind, count=5))
        reference.collect(CAMPAIGN)
        assert runs(sqlite_engine, "search")[-1].status == "halted"
        assert _paused_jobs(reference) == _x_jobs(reference) and "alerts" in _paused(reference)
        fx.clear_faults()

        # Collection works; then the refresh meets the same halt.
        scheduler = _scheduler(sqlite_engine, config, fx)
        started.append(scheduler)
        scheduler.collect(CAMPAIGN)
        assert runs(sqlite_engine, "search")[-1].status == "completed"
        assert set(_paused(scheduler).values()) == {False}
        with transaction(sqlite_engine) as s:
            s.execute(update(Post).values(next_refresh_at=datetime.now(timezone.utc) - timedelta(minutes=1)))
        fx.inject(Fault(kind, count=5, path_prefix="/2/tweets"))
        lookups_before = sum(r["path"] == "/2/tweets" for r in fx.requests)
        scheduler.refresh()
        refresh = runs(sqlite_engine, "refresh")[-1]
        assert refresh.status == "halted"
        assert sum(r["path"] == "/2/tweets" for r in fx.requests) == lookups_before + 1   # asked once, no hammering
        assert _paused_jobs(scheduler) == _x_jobs(scheduler), "collection kept polling"
        assert not scheduler.stop.is_set() and scheduler.fatal_error is None   # paused, not stopped
    finally:
        for s in started:
            s.shutdown()
        fx.stop()
