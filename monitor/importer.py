"""Import twarc2 / X API v2 JSONL files (one response page a line) through the normal store path."""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy.engine import Engine
from tqdm import tqdm

from monitor.attribution import Attributor, latest_corrections
from monitor.config import Config
from monitor.db import transaction
from monitor.models import CollectionRun, PostMatch
from monitor.parse import parse_page
from monitor.refresh import next_refresh_time
from monitor.runlog import close_interrupted_runs, finish_run, record_event
from monitor.store import campaign_matches, insert_ignore, store_page, summarise_page
from monitor.timeutil import utcnow


@dataclass
class ImportReport:
    run_id: int
    lines: int = 0
    pages: int = 0
    posts_new: int = 0
    posts_updated: int = 0
    reposts_skipped: int = 0
    partial_errors: int = 0
    unmatched_posts: int = 0
    skipped_lines: list[tuple[int, str]] = field(default_factory=list)

    def describe(self) -> str:
        lines = [f"imported {self.pages} pages from {self.lines} lines: {self.posts_new} new posts, "
                 f"{self.posts_updated} already stored (updated)"]
        if self.reposts_skipped:
            lines.append(f"{self.reposts_skipped} reposts not stored (reposts are not campaign posts)")
        if self.partial_errors:
            lines.append(f"{self.partial_errors} API error entries recorded on run {self.run_id}")
        if self.unmatched_posts:
            lines.append(f"{self.unmatched_posts} posts carry no configured campaign term")
        if self.skipped_lines:
            shown = ", ".join(f"line {n} ({why})" for n, why in self.skipped_lines[:5])
            more = f" and {len(self.skipped_lines) - 5} more" if len(self.skipped_lines) > 5 else ""
            lines.append(f"skipped {len(self.skipped_lines)} unreadable lines: {shown}{more}")
        return "\n".join(lines)


def import_jsonl(engine: Engine, config: Config, path: str | Path, *, progress: bool = True) -> ImportReport:
    path = Path(path)
    attributor = Attributor(config)
    with transaction(engine) as s:
        # An import killed part-way is not resumed: importing its file again stores the rest (and only
        # updates what is already there), so close its run honestly.
        close_interrupted_runs(s, "import", utcnow(), advice=": import the file again to load the rest")
        run = CollectionRun(campaign="*", kind="import", query=f"import {path.name}", started_at=utcnow(),
                            status="running")
        s.add(run)
        s.flush()
        report = ImportReport(run.id)
    with path.open("rb") as f, tqdm(total=path.stat().st_size, unit="B", unit_scale=True, desc=path.name,
                                     disable=not progress) as bar:
        for number, line in enumerate(f, start=1):
            bar.update(len(line))
            if line.strip():
                _import_line(engine, config, attributor, report, number, line)
    finish_run(engine, report.run_id, utcnow(), "completed")
    return report


def _import_line(engine, config: Config, attributor: Attributor, report: ImportReport, number: int, line: bytes):
    report.lines += 1
    try:
        page = parse_page(json.loads(line), utcnow())
    except (ValueError, KeyError, TypeError) as e:
        report.skipped_lines.append((number, type(e).__name__))
        return
    now = utcnow()
    with transaction(engine) as s:
        attributor.attribute_page(page, latest_corrections(s, page.authors))
        result = store_page(s, page, now, run_id=report.run_id, summarise=False,
                            next_refresh=lambda created, at: next_refresh_time(created, at, config.metrics_refresh))
        matched = set()
        for campaign in config.campaigns:
            rows = campaign_matches(page, campaign.name, campaign.terms)
            insert_ignore(s, PostMatch, rows, ["post_id", "campaign", "term"])
            matched |= {r["post_id"] for r in rows}
        summarise_page(s, page, set(result.inserted_ids), now)  # after the matches: the summary counts them
        run = s.get(CollectionRun, report.run_id)
        run.pages += 1
        run.posts_read += len(page.posts)
        run.posts_new += result.new
        run.posts_updated += result.updated
    report.pages += 1
    report.posts_new += result.new
    report.posts_updated += result.updated
    report.reposts_skipped += page.reposts_skipped
    report.unmatched_posts += sum(1 for p in page.posts if p["id"] not in matched)
    if page.errors:
        report.partial_errors += len(page.errors)
        record_event(engine, report.run_id, now, "partial_error", json.dumps(page.errors)[:2000], errors=1)
