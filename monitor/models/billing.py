"""What the X API billed: one row per resource read per UTC day (monitor.billing writes them)."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, Float, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from monitor.models.base import Base, UTCDateTime


class BilledRead(Base):
    """A billable read: X bills a resource read twice in one UTC day once, so the key is the resource and
    the day, and the first read of the day keeps its reason (`via`) and price."""

    __tablename__ = "billed_reads"

    network: Mapped[str] = mapped_column(String(12), primary_key=True)       # x
    resource: Mapped[str] = mapped_column(String(8), primary_key=True)       # post | user
    resource_id: Mapped[str] = mapped_column(String(24), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)                # UTC
    via: Mapped[str] = mapped_column(String(12))                             # search | refresh | mentions
    price_usd: Mapped[float] = mapped_column(Float)
    read_at: Mapped[datetime] = mapped_column(UTCDateTime)

    __table_args__ = (
        # The month's spend (before every request, and the health page): a range of days, summed.
        Index("ix_billed_reads_day", "day", "network", "via", "resource", "price_usd"),
    )
