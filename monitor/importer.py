"""Import twarc2 / X API v2 JSONL files (one response page a line) through the normal store path.

What else people hand it is recognised rather than reported as "unreadable": a line holding one post
object (twarc2 `flatten` output, with its author inlined under "author") is read as a page of one post,
and a pretty-printed JSON file (one page, or a list of pages, spread over many lines) is read whole.
A line that still cannot be read is reported with the parser's own reason.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

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

SHOWN_SKIPPED = 10  # unreadable lines listed one by one; past that, a count

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
    earlier_versions: int = 0
    skipped_lines: list[tuple[int, str]] = field(default_factory=list)
    single_posts: int = 0          # lines holding one post object, read as a page of one
    pretty_printed: bool = False   # the file was one JSON document over many lines, read whole

    @property
    def complete(self) -> bool:
        """Every line was read (or was blank): nothing in the file was left out."""
        return not self.skipped_lines

    def describe(self) -> str:
        lines = [f"imported {self.pages} pages from {self.lines} lines: {self.posts_new} new posts, "
                 f"{self.posts_updated} already stored (updated)"]
        if self.reposts_skipped:
            lines.append(f"{self.reposts_skipped} reposts not stored (reposts are not campaign posts)")
        if self.partial_errors:
            lines.append(f"{self.partial_errors} API error entries recorded on run {self.run_id}")
        if self.unmatched_posts:
            lines.append(f"{self.unmatched_posts} posts carry no configured campaign term")
        if self.pretty_printed:
            lines.append("the file is one pretty-printed JSON document, not one page a line: read it whole")
        if self.single_posts:
            lines.append(f"{self.single_posts} lines held a single post object, not a response page: each was "
                         "read as a page of one post (its author from its 'author' field, if any)")
        if self.earlier_versions:
            lines.append(f"{self.earlier_versions} posts are earlier versions of edited posts stored too "
                         "(each counted once, as its latest version)")
        if self.skipped_lines:
            lines.append(f"skipped {len(self.skipped_lines)} unreadable lines (nothing imported from them):")
            lines += [f"  line {n}: {why}" for n, why in self.skipped_lines[:SHOWN_SKIPPED]]
            if len(self.skipped_lines) > SHOWN_SKIPPED:
                lines.append(f"  and {len(self.skipped_lines) - SHOWN_SKIPPED} more")
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
    with tqdm(total=path.stat().st_size, unit="B", unit_scale=True, desc=path.name, disable=not progress) as bar:
        for number, document in _documents(path, report, bar.update):
            _import_document(engine, config, attributor, report, number, document)
    if report.skipped_lines:
        detail = "; ".join(f"line {n}: {why}" for n, why in report.skipped_lines[:SHOWN_SKIPPED])
        record_event(engine, report.run_id, utcnow(), "skipped",
                     f"{len(report.skipped_lines)} unreadable lines, nothing imported from them: {detail}"[:2000],
                     errors=1)
    finish_run(engine, report.run_id, utcnow(), "completed")
    return report


class Unreadable(ValueError):
    """A line (or document) that holds no page: str() says why, in words."""


def _documents(path: Path, report: ImportReport, progress) -> Iterator[tuple[int, Any]]:
    """(line number, parsed JSON or Unreadable) for each non-blank line; for a pretty-printed file, each
    page of the one document, numbered from its first line."""
    with path.open("rb") as f:
        first = _first_content_line(f)
        if first in (b"{", b"["):
            report.pretty_printed = True
            f.seek(0)
            data = f.read()
            progress(len(data))
            report.lines += 1
            try:
                document = json.loads(data)
            except ValueError as e:
                yield 1, Unreadable("the file looks like pretty-printed JSON but is not valid JSON "
                                    f"({_json_reason(e)})")
                return
            for item in (document if isinstance(document, list) else [document]):
                yield 1, item
            return
        f.seek(0)
        for number, line in enumerate(f, start=1):
            progress(len(line))
            if not line.strip():
                continue
            report.lines += 1
            try:
                yield number, json.loads(line)
            except ValueError as e:
                yield number, Unreadable(f"not JSON ({_json_reason(e)})")


def _first_content_line(f) -> bytes:
    for line in f:
        if line.strip():
            return line.strip()
    return b""


def _json_reason(error: ValueError) -> str:
    if isinstance(error, json.JSONDecodeError):
        return f"{error.msg} at line {error.lineno} column {error.colno}"
    return str(error)


def as_page(document: Any) -> tuple[dict, bool]:
    """The response page a document holds, and whether it was a single post object (twarc2 `flatten`
    output: a post with its author inlined under "author") rather than a page."""
    if isinstance(document, dict) and not ({"data", "meta", "errors"} & document.keys()) \
            and "id" in document and "text" in document:
        author = document.get("author")
        includes = {"users": [author]} if isinstance(author, dict) and author.get("id") else {}
        return {"data": [document], "includes": includes}, True
    return document, False


def _import_document(engine, config: Config, attributor: Attributor, report: ImportReport, number: int,
                     document: Any) -> None:
    if isinstance(document, Unreadable):
        report.skipped_lines.append((number, str(document)))
        return
    page_json, single_post = as_page(document)
    try:
        page = parse_page(page_json, utcnow())
    except ValueError as e:
        report.skipped_lines.append((number, str(e)))
        return
    except (KeyError, TypeError) as e:
        report.skipped_lines.append((number, f"an X API v2 page with a field missing or of the wrong type "
                                             f"({type(e).__name__}: {e})"))
        return
    report.single_posts += single_post
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
    earlier = {p["id"] for p in page.posts} & page.superseded
    report.earlier_versions += len(earlier)
    report.unmatched_posts += sum(1 for p in page.posts if p["id"] not in matched | earlier)
    if page.errors:
        report.partial_errors += len(page.errors)
        record_event(engine, report.run_id, now, "partial_error", json.dumps(page.errors)[:2000], errors=1)
