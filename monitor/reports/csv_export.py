"""The week's posts as CSV (monitor.exports: the same columns as every posts download), newest first."""
from __future__ import annotations

from monitor.exports import posts_csv
from monitor.reports.model import WeeklyReport


def render_csv(report: WeeklyReport) -> bytes:
    return posts_csv(report.posts, report.region_names)
