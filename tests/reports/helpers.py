"""What the report tests share: the hand-computed SMALL week, hostile text, the October clock-change week,
direct SQL checks, and readers of the rendered files."""
from __future__ import annotations

import csv
import io
from datetime import date, datetime, timezone

from openpyxl import load_workbook
from sqlalchemy import text

from monitor.reports import build_weekly_report, render
from tests import pages
from tests.seed import CAMPAIGN, TERMS, store_api_page, utc

WEEK_47 = (2026, 47)  # SMALL.week: Monday 16 to Sunday 22 November 2026
NOW = utc(23, 7)      # Monday 23 November 07:00 UK time, when the weekly job runs

# What people and bots post: formulas in every spelling OWASP lists, markup, emoji, right-to-left text.
HOSTILE = ['=HYPERLINK("http://x","y")', "+1", "-2+3", "@SUM(A1)", "\t=1", "\r=1",
           "<script>alert(1)</script>", "<b>bold</b>", "Well done 🎉👏 team", "שלום עליכם مرحبا"]
FORMULA_LIKE = HOSTILE[:6]


def build(engine, cfg, year_week=WEEK_47, region=None, now=NOW):
    return build_weekly_report(engine, cfg, *year_week, campaign=CAMPAIGN, region=region, now=now)


def seed_hostile(engine, cfg, day: int = 17) -> list[str]:
    """One post per hostile string on 17 Nov, by an author whose display name is hostile too; returns ids."""
    author = pages.user("66", "mallory", location="Leeds")
    author["name"] = '=HYPERLINK("http://evil","click")'
    posts = [pages.post(utc(day, 8, i), "66", f"{t}", seq=40 + i, tags=["InvestInPupilServices"], likes=i + 1)
             for i, t in enumerate(HOSTILE)]
    store_api_page(engine, cfg, pages.page(posts, [author]), NOW, CAMPAIGN, TERMS)
    return [p["id"] for p in posts]


def sql_posts(engine, first: date, last: date, region: str | None = None) -> dict[str, dict]:
    """The campaign's posts of a UK date range straight from the tables (not through monitor.metrics)."""
    query = ("SELECT p.id, p.like_count + p.repost_count + p.reply_count + p.quote_count + p.bookmark_count, "
             "p.impression_count, p.author_id, p.created_at FROM posts p WHERE p.created_date_uk BETWEEN :a AND :b "
             "AND p.id IN (SELECT post_id FROM post_matches WHERE campaign = :c)")
    if region:
        query += " AND p.region = :r"
    with engine.connect() as conn:
        rows = conn.execute(text(query), {"a": first, "b": last, "c": CAMPAIGN, "r": region}).all()
    return {r[0]: {"engagements": int(r[1]), "impressions": int(r[2]), "author": r[3]} for r in rows}


def aware(value: datetime) -> datetime:
    return value.replace(tzinfo=timezone.utc)


# --- the October clock change: Sunday 25 October 2026 has 25 hours --------------------------

def oct_utc(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 10, day, hour, minute, tzinfo=timezone.utc)


def seed_clock_change_week(engine, cfg) -> dict[str, str]:
    times = {
        "sun_before_2330_bst": oct_utc(18, 22, 30),  # Sunday 18th 23:30 BST: the week before
        "mon_0030_bst": oct_utc(18, 23, 30),         # Monday 19th 00:30 BST: first post of the week
        "sun_0130_bst": oct_utc(25, 0, 30),          # Sunday 25th 01:30 BST (first 01:30)
        "sun_0130_gmt": oct_utc(25, 1, 30),          # Sunday 25th 01:30 GMT (second 01:30)
        "sun_2330_gmt": oct_utc(25, 23, 30),         # Sunday 25th 23:30 GMT: last post of the week
        "mon_0030_gmt": oct_utc(26, 0, 30),          # Monday 26th: the next week
    }
    posts = [pages.post(when, "11", f"{name} #InvestInPupilServices", seq=i, tags=["InvestInPupilServices"])
             for i, (name, when) in enumerate(times.items())]
    store_api_page(engine, cfg, pages.page(posts, [pages.user("11", "alice")]), oct_utc(27, 9), CAMPAIGN, TERMS)
    return {name: p["id"] for name, p in zip(times, posts)}


def workbook(report):
    return load_workbook(io.BytesIO(render(report, "xlsx")))


def records(ws) -> list[dict]:
    """A sheet's rows as dicts keyed by its header row."""
    rows = list(ws.iter_rows(values_only=True))
    return [dict(zip(rows[0], r)) for r in rows[1:] if r[0] is not None]


def csv_rows(report) -> list[dict]:
    data = render(report, "csv")
    assert data.startswith(b"\xef\xbb\xbf")  # BOM: Excel reads the file as UTF-8
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def summary_figures(ws) -> dict:
    rows = list(ws.iter_rows(values_only=True))
    start = next(i for i, r in enumerate(rows) if r[0] == "Figure")
    return {r[0]: r[1:4] for r in rows[start + 1:start + 10]}
