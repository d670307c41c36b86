"""The week's posts as CSV: one row a post, newest first, untrusted text neutralised (safety.py).

UTF-8 with a byte-order mark, so Excel shows emoji and accents rightly when the file is double-clicked.
Times are given twice, UK local and UTC, as ISO text: a CSV has no date type, and the 25-hour Sunday
of October has two 01:30s that only the UTC column tells apart.
"""
from __future__ import annotations

import csv
import io

from monitor.metrics import PostRow
from monitor.reports.model import WeeklyReport
from monitor.reports.safety import neutralise
from monitor.timeutil import uk_local

COLUMNS = ("post_id", "url", "created_at_uk", "created_at_utc", "date_uk", "username", "author_name", "kind",
           "region", "branch", "text", "likes", "reposts", "replies", "quotes", "bookmarks", "impressions",
           "engagements", "author_followers", "deleted")


def post_values(post: PostRow) -> dict:
    return {"post_id": post.id, "url": post.url,
            "created_at_uk": uk_local(post.created_at).strftime("%Y-%m-%d %H:%M:%S"),
            "created_at_utc": post.created_at.strftime("%Y-%m-%d %H:%M:%S"),
            "date_uk": post.created_date_uk.isoformat(), "username": post.username or "",
            "author_name": post.author_name or "", "kind": post.kind, "region": post.region,
            "branch": post.branch or "", "text": post.text, "likes": post.likes, "reposts": post.reposts,
            "replies": post.replies, "quotes": post.quotes, "bookmarks": post.bookmarks,
            "impressions": post.impressions, "engagements": post.engagements,
            "author_followers": post.author_followers, "deleted": "yes" if post.deleted else "no"}


def render_csv(report: WeeklyReport) -> bytes:
    out = io.StringIO(newline="")
    writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\r\n")
    writer.writeheader()
    for post in report.posts:
        writer.writerow({k: neutralise(v) for k, v in post_values(post).items()})
    return out.getvalue().encode("utf-8-sig")
