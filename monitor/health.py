"""Collector health: the last run of each campaign, posts stored, when the next run is due.

Shared by `campaign-monitor status` and the dashboard's health page (one code path).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from monitor.config import Config
from monitor.db import transaction
from monitor.models import CollectionRun, PostMatch


@dataclass
class CampaignStatus:
    campaign: str
    posts: int
    last_run_id: int | None
    last_status: str | None
    last_started: datetime | None
    last_ended: datetime | None
    last_error: str | None
    next_due: datetime | None


def campaign_statuses(engine: Engine, config: Config) -> list[CampaignStatus]:
    interval = timedelta(minutes=config.interval_minutes)
    out = []
    with transaction(engine) as s:
        counts = dict(s.execute(select(PostMatch.campaign, func.count(func.distinct(PostMatch.post_id)))
                                .group_by(PostMatch.campaign)).all())
        for c in config.campaigns:
            last = s.scalars(select(CollectionRun).where(CollectionRun.campaign == c.name,
                                                          CollectionRun.kind == "search")
                             .order_by(CollectionRun.id.desc()).limit(1)).first()
            out.append(CampaignStatus(
                campaign=c.name, posts=counts.get(c.name, 0),
                last_run_id=last.id if last else None, last_status=last.status if last else None,
                last_started=last.started_at if last else None, last_ended=last.ended_at if last else None,
                last_error=last.error if last else None,
                next_due=(last.started_at + interval) if last else None))
    return out
