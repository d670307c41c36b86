"""Alerts: each occurrence once (its dedup key is unique), and its delivery to each channel."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from monitor.models.base import Base, UTCDateTime


class Alert(Base):
    """One occurrence of a rule (a spike in an hour, a collection problem since a time, a budget level in a
    month). The key names the occurrence, so a restarted collector finds it and does not send it again."""

    __tablename__ = "alerts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    key: Mapped[str] = mapped_column(String(200), unique=True)
    rule: Mapped[str] = mapped_column(String(40))
    severity: Mapped[str] = mapped_column(String(10))   # info | warning | error
    title: Mapped[str] = mapped_column(Text)
    body: Mapped[str] = mapped_column(Text)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime)

    __table_args__ = (Index("ix_alerts_occurred_at", "occurred_at"),)


class AlertDelivery(Base):
    """An alert's delivery to one channel: pending (due at next_attempt_at: a retry with backoff, or the end
    of quiet hours or of the hour's limit), sent, or failed after every attempt."""

    __tablename__ = "alert_deliveries"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    alert_id: Mapped[int] = mapped_column(ForeignKey("alerts.id"))
    channel: Mapped[str] = mapped_column(String(60))
    status: Mapped[str] = mapped_column(String(10))     # pending | sent | failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(Text)
    note: Mapped[str | None] = mapped_column(Text)      # why it waited: quiet hours, the hourly limit

    __table_args__ = (
        UniqueConstraint("alert_id", "channel", name="uq_alert_deliveries_alert_channel"),
        Index("ix_alert_deliveries_status_next", "status", "next_attempt_at"),
        Index("ix_alert_deliveries_sent_at", "sent_at"),
    )
