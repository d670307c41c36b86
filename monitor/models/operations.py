"""Who runs what against this database: the collector's lease, and the weekly e-mails already sent."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from monitor.models.base import Base, UTCDateTime


class CollectorLease(Base):
    """Which process collects into this database: one row (id 1), held by one `campaign-monitor run` or
    `collect --once` at a time and renewed while it runs (monitor.lease). `holder` is the holding
    process's random token; NULL when no collector runs."""

    __tablename__ = "collector_lease"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    holder: Mapped[str | None] = mapped_column(String(40))
    host: Mapped[str | None] = mapped_column(String(255))
    pid: Mapped[int | None] = mapped_column(Integer)
    command: Mapped[str | None] = mapped_column(String(40))  # run | collect --once | demo
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    renewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class ReportEmail(Base):
    """A weekly report e-mail, claimed before it is sent and marked when sent: each week of a campaign is
    e-mailed once, whichever process (or restart) gets there first (monitor.reports.weekly_job)."""

    __tablename__ = "report_emails"

    campaign: Mapped[str] = mapped_column(String(100), primary_key=True)
    week: Mapped[str] = mapped_column(String(8), primary_key=True)  # 2026-W47
    claimed_by: Mapped[str] = mapped_column(String(300))  # host and pid of the sender
    claimed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    recipients: Mapped[str | None] = mapped_column(Text)
