"""The daily digest (optional, `[alerts] digest = true`): every day at 08:00 UK time, by e-mail, yesterday's
figures against the day before and the top posts, for each campaign. Sent once a day: it is recorded as an
alert (key `digest:<day>`) with an e-mail delivery, so a restart or a missed run caught up sends it once.
(MPs who engaged join it once the MP register exists.)
"""
from __future__ import annotations

import logging
from datetime import datetime, timedelta

from apscheduler.triggers.cron import CronTrigger
from sqlalchemy.engine import Engine

from monitor import metrics
from monitor.alerts.channels import EmailChannel, channels
from monitor.alerts.engine import deliver_due, record
from monitor.alerts.rules import Occurrence
from monitor.config import Config
from monitor.metrics import Filters
from monitor.timeutil import UK, uk_today, utcnow

log = logging.getLogger(__name__)
DIGEST_HOUR = 8
TOP_POSTS = 5
FIGURES = (("Posts", "posts"), ("Contributors", "contributors"), ("Potential reach", "potential_reach"),
           ("Impressions", "impressions"), ("Engagements", "engagements"))


def digest_text(engine: Engine, config: Config, now: datetime) -> tuple[str, str]:
    """(subject, body) of the digest for the UK day before `now`."""
    day = uk_today(now) - timedelta(days=1)
    lines = []
    for campaign in config.campaigns:
        figures = metrics.kpis_with_change(engine, Filters(campaign.name, day, day))
        lines += [f"{campaign.title}, {day:%A %d %B %Y} (UK time), against the day before:"]
        for label, key in FIGURES:
            change = figures.change(key)
            versus = f" ({change:+.0%})" if change is not None else " (none the day before)"
            lines.append(f"  {label}: {getattr(figures.current, key):,}{versus}")
        top = metrics.top_posts(engine, Filters(campaign.name, day, day), TOP_POSTS)
        if top:
            lines.append("  Top posts:")
            lines += [f"    @{p.username or '?'}: {p.engagements:,} engagements, {p.impressions:,} impressions "
                      f"{metrics.post_url(p.username, p.id)}" for p in top]
        lines.append("")
    return f"Daily digest for {day:%a %d %b %Y}", "\n".join(lines)


def send_digest(engine: Engine, config: Config, now: datetime | None = None) -> bool:
    """Send yesterday's digest by e-mail unless it was sent already; True when this call sent it."""
    now = now or utcnow()
    email = next((c for c in channels(config) if isinstance(c, EmailChannel)), None)
    if email is None:
        log.warning("daily digest: no e-mail settings ([reports.smtp]); not sent")
        return False
    subject, body = digest_text(engine, config, now)
    key = f"digest:{uk_today(now) - timedelta(days=1)}"
    if not record(engine, config, [Occurrence(key, "digest", "info", subject, body)], now, only=(email.name,)):
        return False   # sent (or being sent) already

    deliver_due(engine, config, now)
    return True


def add_digest_job(scheduler, engine: Engine, config: Config) -> None:
    """08:00 Europe/London every day, on an APScheduler 3 scheduler."""
    def job():
        try:
            send_digest(engine, config)
        except Exception:  # noqa: BLE001 - logged; tomorrow's digest is another job
            log.exception("daily digest failed")

    scheduler.add_job(job, CronTrigger(hour=DIGEST_HOUR, minute=0, timezone=UK), id="daily-digest",
                      name="daily digest", max_instances=1, coalesce=True, misfire_grace_time=6 * 3600,
                      replace_existing=True)



