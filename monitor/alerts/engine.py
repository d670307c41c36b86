"""Evaluate the rules, record each occurrence once, and deliver it to every channel.

- **Once per occurrence**: an alert's key is unique in the alerts table; an occurrence already recorded
  (before a restart too) is not recorded or sent again.
- **Quiet hours** (`[alerts] quiet_hours`, UK time): a delivery due then waits until they end.
- **A per-hour limit** (`[alerts] max_per_hour`, per channel): past it a delivery waits for the hour to roll.
- **Retries with backoff**: a failed delivery is tried again after 1, 2, 4, 8, 16 minutes, then marked
  failed with its reason. Nothing here waits in-process: what is due is sent at the job's next run, so a
  receiver that is down never holds up collection (the job runs on its own, see monitor.scheduler).
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta

from sqlalchemy import func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine

from monitor.alerts.channels import DeliveryFailed, Message, channels
from monitor.alerts.rules import Occurrence, RuleContext, evaluate
from monitor.alerts.settings import DELIVERY_ATTEMPTS, FIRST_RETRY_SECONDS
from monitor.config import Config
from monitor.db import transaction
from monitor.models import Alert, AlertDelivery
from monitor.timeutil import UK, uk_local, utcnow

log = logging.getLogger(__name__)


@dataclass
class AlertRun:
    recorded: list[str] = field(default_factory=list)   # keys of the new occurrences
    sent: int = 0
    failed: int = 0
    waiting: int = 0


def run_alerts(engine: Engine, config: Config, now: datetime | None = None) -> AlertRun:
    """One pass: the rules' new occurrences recorded, then every delivery that is due sent."""
    now = now or utcnow()
    result = AlertRun()
    with transaction(engine) as s:
        occurrences = evaluate(RuleContext(s, config, now))
    result.recorded = record(engine, config, occurrences, now)
    deliver_due(engine, config, now, result)
    return result


def record(engine: Engine, config: Config, occurrences: list[Occurrence], now: datetime,
           only: tuple[str, ...] | None = None) -> list[str]:
    """Insert the occurrences not yet recorded (ON CONFLICT on the key) with a pending delivery per channel
    (or only to the channels named in `only`)."""
    names = [c.name for c in channels(config) if only is None or c.name in only]
    new = []
    with transaction(engine) as s:
        dialect = s.get_bind().dialect.name
        for o in {o.key: o for o in occurrences}.values():
            stmt = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(Alert.__table__).values(
                key=o.key, rule=o.rule, severity=o.severity, title=o.title, body=o.body, occurred_at=now)
            inserted = s.execute(stmt.on_conflict_do_nothing(index_elements=["key"]).returning(Alert.id)).first()
            if inserted is None:
                continue
            new.append(o.key)
            s.add_all(AlertDelivery(alert_id=inserted[0], channel=name, status="pending", attempts=0,
                                    next_attempt_at=now) for name in names)
            log.info("alert: %s", o.title)
    return new


# --- delivery --------------------------------------------------------------------------------

def quiet_until(quiet_hours: str, now: datetime) -> datetime | None:
    """The end of the quiet hours `now` falls in (UK time, "22:00-07:00"), or None outside them."""
    if not quiet_hours:
        return None
    start_text, end_text = quiet_hours.split("-")
    start, end = (time(int(t[:2]), int(t[3:])) for t in (start_text, end_text))
    local = uk_local(now)
    at = local.time()
    inside = (start <= at < end) if start < end else (at >= start or at < end)
    if not inside:
        return None
    end_day = local.date() + timedelta(days=1) if (start > end and at >= start) else local.date()
    return datetime.combine(end_day, end, tzinfo=UK).astimezone(now.tzinfo)


def deliver_due(engine: Engine, config: Config, now: datetime, result: AlertRun | None = None) -> AlertRun:
    result = result or AlertRun()
    by_name = {c.name: c for c in channels(config)}
    with transaction(engine) as s:
        due = s.execute(select(AlertDelivery.id, AlertDelivery.channel, Alert.rule, Alert.key, Alert.severity,
                               Alert.title, Alert.body, Alert.occurred_at)
                        .join(Alert, Alert.id == AlertDelivery.alert_id)
                        .where(AlertDelivery.status == "pending", AlertDelivery.next_attempt_at <= now)
                        .order_by(AlertDelivery.next_attempt_at, AlertDelivery.id)).all()
    quiet = quiet_until(config.alerts.quiet_hours, now)
    for delivery_id, name, *fields in due:
        channel = by_name.get(name)
        if channel is None:
            _finish(engine, delivery_id, now, "failed", f"the channel {name} is no longer configured")
            result.failed += 1
        elif quiet is not None:
            _wait(engine, delivery_id, quiet, f"quiet hours ({config.alerts.quiet_hours} UK time)")
            result.waiting += 1
        elif (free_at := _hour_full(engine, name, now, config.alerts.max_per_hour)) is not None:
            _wait(engine, delivery_id, free_at, f"hourly limit ({config.alerts.max_per_hour} an hour)")
            result.waiting += 1
        else:
            sent = _attempt(engine, channel, delivery_id, Message(*fields), now)
            result.sent += sent
            result.failed += not sent
    return result


def _hour_full(engine: Engine, channel: str, now: datetime, limit: int) -> datetime | None:
    """When the channel may send again, if it has sent `limit` alerts in the last hour."""
    with transaction(engine) as s:
        sent = list(s.scalars(select(AlertDelivery.sent_at).where(
            AlertDelivery.channel == channel, AlertDelivery.status == "sent",
            AlertDelivery.sent_at > now - timedelta(hours=1)).order_by(AlertDelivery.sent_at)))
    if len(sent) < limit:
        return None
    return sent[len(sent) - limit] + timedelta(hours=1)


def _attempt(engine: Engine, channel, delivery_id: int, message: Message, now: datetime) -> bool:
    try:
        channel.send(message)
    except DeliveryFailed as e:
        with transaction(engine) as s:
            d = s.get(AlertDelivery, delivery_id)
            d.attempts += 1
            d.last_error = str(e)[:1000]
            if d.attempts >= DELIVERY_ATTEMPTS:
                d.status, d.next_attempt_at = "failed", None
            else:
                d.next_attempt_at = now + timedelta(seconds=FIRST_RETRY_SECONDS * 2 ** (d.attempts - 1))
        log.warning("alert %s to %s not delivered (attempt %s): %s", message.key, channel.name, d.attempts, e)
        return False
    _finish(engine, delivery_id, now, "sent")
    return True


def _finish(engine: Engine, delivery_id: int, now: datetime, status: str, error: str | None = None) -> None:
    with transaction(engine) as s:
        d = s.get(AlertDelivery, delivery_id)
        d.attempts += status == "sent"
        d.status, d.next_attempt_at = status, None
        d.sent_at = now if status == "sent" else None
        d.note = None
        if error:
            d.last_error = error


def _wait(engine: Engine, delivery_id: int, until: datetime, why: str) -> None:
    with transaction(engine) as s:
        d = s.get(AlertDelivery, delivery_id)
        d.next_attempt_at, d.note = until, f"waiting: {why}"


# --- `campaign-monitor alerts test` --------------------------------------------------------

def send_test(engine: Engine, config: Config, now: datetime | None = None) -> dict[str, str | None]:
    """A test alert to every channel at once (no quiet hours, no limit), recorded like any other.
    Returns channel name -> None when sent, else the reason it failed."""
    now = now or utcnow()
    key = f"test:{now.isoformat()}"
    record(engine, config, [Occurrence(key, "test", "info", "Test alert from campaign-monitor",
                                       f"A test of every alert channel, sent at {uk_local(now):%d %b %Y %H:%M} UK "
                                       "time. If you can read this, alerts reach you here.")], now)
    outcome: dict[str, str | None] = {}
    by_name = {c.name: c for c in channels(config)}
    with transaction(engine) as s:
        pending = s.execute(select(AlertDelivery.id, AlertDelivery.channel, Alert.rule, Alert.key, Alert.severity,
                                   Alert.title, Alert.body, Alert.occurred_at)
                            .join(Alert, Alert.id == AlertDelivery.alert_id).where(Alert.key == key)).all()
    for delivery_id, name, *fields in pending:
        sent = _attempt(engine, by_name[name], delivery_id, Message(*fields), now)
        with transaction(engine) as s:
            d = s.get(AlertDelivery, delivery_id)
            outcome[name] = None if sent else d.last_error
            if not sent:   # a test is not retried: the person running it sees the reason now
                d.status, d.next_attempt_at = "failed", None
    return outcome


def alert_count(engine: Engine) -> int:
    with transaction(engine) as s:
        return int(s.scalar(select(func.count()).select_from(Alert)))
