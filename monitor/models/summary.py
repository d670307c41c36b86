"""The summary tables: the campaign's posts in slices (campaign x UK day x author x region x branch), which
every per-period dashboard figure sums (monitor.summary keeps them in step with the posts)."""
from __future__ import annotations

from datetime import date

from sqlalchemy import BigInteger, Date, Index, Integer, String, func, literal_column
from sqlalchemy.orm import Mapped, mapped_column

from monitor.models.base import Base


class SummaryColumns:
    """The slice key and figures shared by the two summary tables (monitor.summary keeps them in step
    with posts; migration 0004 created and filled them)."""

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True,
                                    autoincrement=True)
    campaign: Mapped[str] = mapped_column(String(100))
    day: Mapped[date] = mapped_column(Date)  # posts.created_date_uk
    network: Mapped[str] = mapped_column(String(10), default="x", server_default="x")  # posts.network
    author_id: Mapped[str | None] = mapped_column(String(24))
    region: Mapped[str] = mapped_column(String(40))
    branch: Mapped[str | None] = mapped_column(String(80))
    posts: Mapped[int] = mapped_column(Integer)
    # MIN(posts.author_followers) of the slice: potential reach takes the smallest per author.
    min_followers: Mapped[int] = mapped_column(BigInteger)


class DaySummary(SummaryColumns, Base):
    """One row per campaign x UK day x author x region x branch of the posts that matched the campaign
    (a post matching several terms once): every per-period dashboard figure is a sum of these rows,
    except the per-author MIN of followers, which is taken over them. About a third as many rows as
    posts, narrow, and with no per-post probe of post_matches."""

    __tablename__ = "summary_days"
    SLICE_KEY = ("campaign", "day", "network", "author_id", "region", "branch")   # see slice_key()

    originals: Mapped[int] = mapped_column(Integer)
    replies: Mapped[int] = mapped_column(Integer)
    quotes: Mapped[int] = mapped_column(Integer)
    unknown_posts: Mapped[int] = mapped_column(Integer)
    impressions: Mapped[int] = mapped_column(BigInteger)
    engagements: Mapped[int] = mapped_column(BigInteger)
    # The largest engagements of one post in the slice: top posts look only at slices that can hold one.
    max_engagements: Mapped[int] = mapped_column(BigInteger)

    __table_args__ = (
        Index("ix_summary_days_read", "campaign", "day", "network", "author_id", "region", "branch", "posts",
              "originals", "replies", "quotes", "unknown_posts", "min_followers", "impressions", "engagements",
              "max_engagements"),
        Index("ix_summary_days_author_day", "author_id", "day"),
    )


class HourSummary(SummaryColumns, Base):
    """The same slices per UK hour, with only what the hourly timeline shows (posts, reach)."""

    __tablename__ = "summary_hours"
    SLICE_KEY = ("campaign", "day", "hour", "network", "author_id", "region", "branch")

    hour: Mapped[int] = mapped_column(Integer)  # posts.created_hour_uk

    __table_args__ = (
        Index("ix_summary_hours_read", "campaign", "day", "hour", "network", "author_id", "region", "branch", "posts",
              "min_followers"),
        Index("ix_summary_hours_author_day", "author_id", "day"),
    )


class TermSummary(Base):
    """Hashtags and mentions of the same slices: one row per campaign x UK day x term x author x region x
    branch with the number of the slice's posts carrying the term (the hashtag and mention charts
    count posts and unique authors per term). Migration 0005; monitor.summary keeps it in step."""

    __tablename__ = "summary_terms"
    SLICE_KEY = ("campaign", "day", "network", "kind", "term", "author_id", "region", "branch")

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True,
                                    autoincrement=True)
    campaign: Mapped[str] = mapped_column(String(100))
    day: Mapped[date] = mapped_column(Date)
    network: Mapped[str] = mapped_column(String(10), default="x", server_default="x")
    kind: Mapped[str] = mapped_column(String(10))  # hashtag | mention
    term: Mapped[str] = mapped_column(String(160))  # post_hashtags.tag or post_mentions.username
    author_id: Mapped[str | None] = mapped_column(String(24))
    region: Mapped[str] = mapped_column(String(40))
    branch: Mapped[str | None] = mapped_column(String(80))
    posts: Mapped[int] = mapped_column(Integer)

    __table_args__ = (
        Index("ix_summary_terms_read", "campaign", "kind", "day", "network", "region", "branch", "term", "author_id",
              "posts"),
        Index("ix_summary_terms_author_day", "author_id", "day"),
    )


def slice_key(table) -> list:
    """The columns that name one slice of a summary table (its SLICE_KEY), with the nullable author_id
    and branch read as '' so that a slice with no branch (or no author) is one key like any other:
    the unique index below and the summary upkeep's ON CONFLICT target are both this list."""
    c = table.__table__.c
    return [func.coalesce(c[n], literal_column("''")) if c[n].nullable else c[n] for n in table.SLICE_KEY]


# The summary tables monitor.summary keeps in step with posts (whatever changes posts writes them too).
SUMMARY_TABLES = (DaySummary, HourSummary, TermSummary)

# One row a slice (migration 0006): new posts merge into their slice by INSERT ... ON CONFLICT.
for _model in SUMMARY_TABLES:
    Index(f"ux_{_model.__tablename__}_slice", *slice_key(_model), unique=True)
