"""After a removal: the removed data out of the files it can linger in.

- **Weekly report files** in [reports] folder that listed a removed post are written again (the figures
  are unchanged; the post is no longer listed and the report says how many were removed). Copies
  already e-mailed, or saved elsewhere, are out of reach: docs/privacy.md says so.
- **SQLite** keeps what a transaction overwrote in the write-ahead log (monitor.db-wal) until a
  checkpoint copies the pages back and the log is truncated, and freed space in the file unless
  secure_delete is on (monitor.db turns it on for every connection, so freed cells and pages are zeroed).
  `PRAGMA wal_checkpoint(TRUNCATE)` empties the log; it waits for readers (the dashboard) to finish, and
  when one is still reading after `wait_ms` it is left to the next removal or the nightly retention run.
- **PostgreSQL** keeps an updated or deleted row's old version (a dead tuple) in the table until VACUUM
  reclaims it; VACUUM runs after every removal (and nightly), after which no row version, live or dead,
  holds the data, and ANALYZE with it, so the planner's samples of column values (pg_statistic) are
  drawn again from what is left. VACUUM frees the space without overwriting it: the bytes stay in the table's pages
  until PostgreSQL writes new rows there. `campaign-monitor privacy compact` (VACUUM FULL) rewrites the
  tables at once, at the cost of locking each while it is copied. Its write-ahead log (pg_wal) and any
  base backup or WAL archive still hold the old rows until PostgreSQL recycles them, and pg_dump backups
  until they are deleted: the deployment guide's backup rotation bounds that.
"""
from __future__ import annotations

import logging
import re
from datetime import datetime
from pathlib import Path

from sqlalchemy.engine import Engine

from monitor.config import Config
from monitor.metrics import Filters, removed_posts
from monitor.models import Base
from monitor.reports import FORMATS, build_weekly_report, filename, render, slug, write_atomically
from monitor.timeutil import iso_week_days

log = logging.getLogger(__name__)

CHECKPOINT_WAIT_MS = 5_000


def clear_residue(engine: Engine, wait_ms: int = CHECKPOINT_WAIT_MS, *, full: bool = False,
                  reindex: bool = False) -> bool:
    """Empty SQLite's write-ahead log (True when done, False when a reader held it past wait_ms), or
    VACUUM every table on PostgreSQL (True; a table the role does not own is skipped with a warning).

    full (`campaign-monitor privacy compact`): also rewrite the database so that no freed byte is left
    in it: SQLite's VACUUM, PostgreSQL's VACUUM FULL, which locks each table while it is copied (the
    dashboard and the collector wait): for when an erasure must leave nothing in the files at once."""
    if engine.dialect.name == "sqlite":
        with engine.connect() as conn:
            conn.exec_driver_sql(f"PRAGMA busy_timeout={int(wait_ms)}")
            if full:
                conn.exec_driver_sql("VACUUM")
            elif reindex:
                # An index's inner pages keep copies of some of its keys as dividers between pages (a post id,
                # a handle), which secure_delete does not touch while the divider is still in use: rebuilt
                # from the rows left, they hold only keys that are still there.
                conn.exec_driver_sql("REINDEX")
                _analyse_again(conn)
            else:
                # A removed post's author key moves to an anonymous one in the summary slices; b-tree
                # rebalancing of their indexes was seen to leave the old key's bytes in a leaf page's free
                # space (after migration 0020 changed the file's layout). The slices are few beside the
                # posts: their indexes are rebuilt after every removal.
                for table in SUMMARY_TABLES:
                    conn.exec_driver_sql(f'REINDEX "{table}"')
            busy, _, _ = conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)").one()
        if busy:
            log.warning("the SQLite write-ahead log could not be emptied (a reader was busy): "
                        "the next removal or the nightly retention run tries again")
        return not busy
    names = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        # INDEX_CLEANUP ON: with few dead rows VACUUM may leave the indexes alone, and a removed handle's
        # entry in ix_authors_username_lower with them.
        conn.exec_driver_sql(f"VACUUM {'(FULL, ANALYZE)' if full else '(INDEX_CLEANUP ON, ANALYZE)'} {names}")
        # ANALYZE drew new samples of each column (pg_statistic keeps common values, a handle among them);
        # the old samples are dead rows of pg_statistic, which a database owner may vacuum too.
        # A full compaction rewrites it too: its TOAST table holds the longer old samples' bytes.
        conn.exec_driver_sql(f"VACUUM {'FULL ' if full else ''}pg_catalog.pg_statistic")
    return True


SUMMARY_TABLES = ("summary_days", "summary_hours", "summary_terms")


def _analyse_again(conn) -> None:
    """SQLite: the tables ANALYZE has statistics for (migration 0019 analyses the summary tables) analysed
    again. Its samples (sqlite_stat4) are index keys, a removed author's id among them; drawn again from
    the rows left, they hold only what is still there. Tables never analysed stay so (their query plans
    are unchanged)."""
    if not conn.exec_driver_sql("SELECT 1 FROM sqlite_master WHERE name = 'sqlite_stat1'").first():
        return
    for (table,) in conn.exec_driver_sql("SELECT DISTINCT tbl FROM sqlite_stat1").all():
        conn.exec_driver_sql(f'ANALYZE "{table}"')


def _stored_weeks(folder: Path, campaign: str) -> list[tuple[int, int, list[Path]]]:
    """(year, week, its files) of the campaign's weekly reports in the folder (monitor.reports.filename)."""
    pattern = re.compile(rf"^naht-{re.escape(slug(campaign))}-(\d{{4}})-W(\d{{2}})-all-regions\.pdf$")
    found = []
    for pdf in sorted(folder.glob("naht-*-all-regions.pdf")):
        match = pattern.match(pdf.name)
        if match:
            year, week = int(match[1]), int(match[2])
            paths = [folder / filename(campaign, year, week, None, fmt) for fmt in FORMATS]
            found.append((year, week, [p for p in paths if p.exists()]))
    return found


def _marker(paths: list[Path]) -> Path:
    """Beside a week's files: how many of its posts were removed when they were last written."""
    return paths[0].parent / f".{paths[0].stem}.removed"


def rewrite_stored_reports(engine: Engine, config: Config, now: datetime) -> list[Path]:
    """Write again the stored weekly reports (all three files) of every week with more posts removed than
    when they were written (a hidden `.<name>.removed` marker keeps that count; a report without one,
    as the Monday job leaves it, counts as written before any removal); returns the files written. The
    `.emailed` marker stays: nothing is re-sent."""
    folder = Path(config.reports_folder)
    if not folder.is_dir():
        return []
    written = []
    for campaign in config.campaigns:
        for year, week, paths in _stored_weeks(folder, campaign.name):
            marker = _marker(paths)
            recorded = int(marker.read_text(encoding="utf-8").strip() or 0) if marker.exists() else 0
            if removed_posts(engine, Filters(campaign.name, *iso_week_days(year, week))) == recorded:
                continue
            report = build_weekly_report(engine, config, year, week, campaign=campaign.name, now=now)
            for path in paths:
                written.append(write_atomically(path, render(report, path.suffix.lstrip("."))))
            marker.write_text(f"{report.removed_posts}\n", encoding="utf-8")
            log.info("weekly report %s %s-W%02d written again: posts listed in it were removed", campaign.name,
                     year, week)
    return written


def after_removal(engine: Engine, config: Config, now: datetime, wait_ms: int = CHECKPOINT_WAIT_MS, *,
                  reindex: bool = False) -> bool:
    """What follows a removal once it has committed: stored reports written again, residue cleared (with
    reindex, SQLite's indexes rebuilt too: an erasure request). Returns whether the
    residue was cleared (clear_residue)."""
    rewrite_stored_reports(engine, config, now)
    return clear_residue(engine, wait_ms, reindex=reindex)
