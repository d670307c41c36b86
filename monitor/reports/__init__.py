"""Weekly summaries: one builder, three formats, used by the dashboard, the CLI and the scheduler.

    from monitor.reports import build_weekly_report, render, report_filename
    report = build_weekly_report(engine, config, 2026, 47, campaign="ipfs", region="London")
    data = render(report, "xlsx")              # bytes; also "csv" (the week's posts) and "pdf"
    name = report_filename(report, "xlsx")     # naht-ipfs-2026-W47-london.xlsx

The report is read from the database once (`build_weekly_report`); rendering never queries.
"""
from __future__ import annotations

import os
import tempfile
from pathlib import Path

from monitor.config import slug
from monitor.reports.csv_export import render_csv
from monitor.reports.model import ReportError, WeeklyReport, WeekNotStarted, build_weekly_report, resolve_region
from monitor.reports.xlsx import render_xlsx

FORMATS = ("xlsx", "csv", "pdf")
MEDIA_TYPES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv",
    "pdf": "application/pdf",
}

__all__ = ["FORMATS", "MEDIA_TYPES", "ReportError", "WeekNotStarted", "WeeklyReport", "build_weekly_report", "filename",
           "render", "report_filename", "resolve_region", "write_atomically"]


def render(report: WeeklyReport, fmt: str) -> bytes:
    """The report as a file's bytes: "xlsx" (workbook), "csv" (the week's posts) or "pdf" (A4 report)."""
    if fmt == "xlsx":
        return render_xlsx(report)
    if fmt == "csv":
        return render_csv(report)
    if fmt == "pdf":
        # Not a cycle: matplotlib and reportlab take seconds to import, so the dashboard and the CLI load
        # them when a PDF is first asked for.
        from monitor.reports.pdf import render_pdf
        return render_pdf(report)
    raise ValueError(f"format must be one of {', '.join(FORMATS)}, got {fmt!r}")


def report_filename(report: WeeklyReport, fmt: str) -> str:
    """naht-<campaign>-<YYYY>-W<ww>-<region or all-regions>.<fmt>, safe on every file system."""
    return filename(report.campaign.name, report.year, report.week, report.region, fmt)


def filename(campaign: str, year: int, week: int, region: str | None, fmt: str) -> str:
    where = slug(region) if region else "all-regions"
    return f"naht-{slug(campaign)}-{year}-W{week:02d}-{where}.{fmt}"


def write_atomically(path: str | os.PathLike, data: bytes, mode: int = 0o644) -> Path:
    """Write via a temporary file in the same folder and rename: a reader never sees half a file. mode:
    0o644 for the reports folder, which is for colleagues to read; 0o600 for a person's own data."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        os.chmod(tmp, mode)  # mkstemp makes 0600
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target
