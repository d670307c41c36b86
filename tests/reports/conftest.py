"""Shared data for the report tests: the hand-computed SMALL week, hostile text, and direct SQL checks."""
from __future__ import annotations

from datetime import date, datetime, timezone

import pytest
from sqlalchemy import text

from monitor.reports import build_weekly_report
from tests import pages
from tests.seed import CAMPAIGN, TERMS, seed_small, small_config, store_api_page, utc

WEEK_47 = (2026, 47)  # SMALL.week: Monday 16 to Sunday 22 November 2026
NOW = utc(23, 7)      # Monday 23 November 07:00 UK time, when the weekly job runs

# What people and bots post: formulas in every spelling OWASP lists, markup, emoji, right-to-left text.
HOSTILE = ['=HYPERLINK("http://x","y")', "+1", "-2+3", "@SUM(A1)", "\t=1", "\r=1",
           "<script>alert(1)</script>", "<b>bold</b>", "Well done 🎉👏 team", "שלום עליכם مرحبا"]
FORMULA_LIKE = HOSTILE[:6]


@pytest.fixture
def small_cfg(config):
    return small_config(config)


@pytest.fixture
def small(engine, config):
    seed_small(engine, config)
    return engine


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
