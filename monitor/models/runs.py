"""Collection runs: each search or refresh run with its checkpoint, the posts it found, its faults, and
where the next poll of each query starts."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from monitor.models.base import Base, UTCDateTime


class CollectionRun(Base):
    """One search (or metrics refresh) run; its checkpoint lets a killed run resume."""

    __tablename__ = "collection_runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    campaign: Mapped[str] = mapped_column(String(100), index=True)
    network: Mapped[str] = mapped_column(String(10), default="x", server_default="x")  # monitor.networks
    kind: Mapped[str] = mapped_column(String(10), default="search")  # search | refresh | import
    query: Mapped[str] = mapped_column(Text)
    since_id: Mapped[str | None] = mapped_column(String(24))
    start_time: Mapped[datetime | None] = mapped_column(UTCDateTime)
    next_token: Mapped[str | None] = mapped_column(Text)
    newest_id: Mapped[str | None] = mapped_column(String(24))  # the first page's meta.newest_id
    pages: Mapped[int] = mapped_column(Integer, default=0)
    requests: Mapped[int] = mapped_column(Integer, default=0)
    posts_read: Mapped[int] = mapped_column(Integer, default=0)
    posts_new: Mapped[int] = mapped_column(Integer, default=0)
    posts_updated: Mapped[int] = mapped_column(Integer, default=0)
    rate_limit_waits: Mapped[int] = mapped_column(Integer, default=0)
    rate_limit_wait_seconds: Mapped[float] = mapped_column(Float, default=0.0)
    errors: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(Text)
    resumes: Mapped[int] = mapped_column(Integer, default=0)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(12), index=True)  # running | completed | failed | stopped
    # The polling interval of the collector that made a search run (migration 0017): the health page and
    # the stale rule read the collector's real interval, not the dashboard's config.
    interval_minutes: Mapped[float | None] = mapped_column(Float)

    __table_args__ = (
        # Collection gaps, last success, failed runs in a window (health page, banner): a seek, not a
        # scan of every run ever (96 a day per campaign). API usage this month: a range on started_at.
        Index("ix_collection_runs_campaign_kind_status_started", "campaign", "kind", "status", "started_at"),
        Index("ix_collection_runs_started_at", "started_at"),
    )


class RunPost(Base):
    """Links each run to the posts it found (as twitter-to-sqlite does)."""

    __tablename__ = "run_posts"

    run_id: Mapped[int] = mapped_column(ForeignKey("collection_runs.id"), primary_key=True)
    post_id: Mapped[str] = mapped_column(ForeignKey("posts.id"), primary_key=True, index=True)


class RunEvent(Base):
    """Every fault met by a run: retried, waited, recorded partial errors, the fatal one."""

    __tablename__ = "run_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("collection_runs.id"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    kind: Mapped[str] = mapped_column(String(20))  # retry | rate_limit | partial_error | fatal | fallback
    status_code: Mapped[int | None] = mapped_column(Integer)
    detail: Mapped[str] = mapped_column(Text)


class SearchCursor(Base):
    """Where the next poll of one (network, campaign, query) starts: advanced only after a run's last page.
    since_id is the network's own marker: X's newest post id, Bluesky's newest post time, a Mastodon
    server's newest status id."""

    __tablename__ = "search_cursors"

    network: Mapped[str] = mapped_column(String(10), primary_key=True, default="x", server_default="x")
    campaign: Mapped[str] = mapped_column(String(100), primary_key=True)
    query: Mapped[str] = mapped_column(Text, primary_key=True)
    since_id: Mapped[str | None] = mapped_column(String(24))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
