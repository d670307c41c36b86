"""The alerts sent or failed, newest first, with their delivery to each channel (the health page)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from monitor.metrics.sql import Bind, rows
from monitor.models import Alert, AlertDelivery


@dataclass(frozen=True)
class AlertRow:
    occurred_at: datetime
    rule: str
    severity: str
    title: str
    channel: str | None      # None: no channel configured (recorded only)
    status: str | None       # pending | sent | failed
    attempts: int
    detail: str              # the last error, or why it waits


def recent_alerts(bind: Bind, n: int = 50) -> list[AlertRow]:
    latest = select(Alert.id).order_by(Alert.occurred_at.desc(), Alert.id.desc()).limit(n).subquery()
    stmt = (select(Alert.occurred_at, Alert.rule, Alert.severity, Alert.title, AlertDelivery.channel,
                   AlertDelivery.status, AlertDelivery.attempts, AlertDelivery.last_error, AlertDelivery.note)
            .join(latest, latest.c.id == Alert.id)
            .outerjoin(AlertDelivery, AlertDelivery.alert_id == Alert.id)
            .order_by(Alert.occurred_at.desc(), Alert.id.desc(), AlertDelivery.channel))
    return [AlertRow(at, rule, severity, title, channel, status, attempts or 0,
                     (note if status == "pending" and note else error) or "")
            for at, rule, severity, title, channel, status, attempts, error, note in rows(bind, stmt)]
