"""Campaign actions: what members and staff did (an MP roundtable, a letter-writing evening, a school
visit...), entered by hand, kept with every version.

`actions` holds each action as it stands now (what the map, the timelines and the effect read);
`action_versions` holds every version ever saved, the first included, with who saved it and when, and a
removal as a last version (change "removed"): an edit never overwrites what was there before, and a
removed action keeps its whole history (monitor.actions writes both in one transaction).
"""
from __future__ import annotations

from datetime import date, datetime, time

from sqlalchemy import Date, ForeignKey, Index, Integer, String, Text, Time
from sqlalchemy.orm import Mapped, mapped_column

from monitor.models.base import Base, UTCDateTime

# action_versions.change
ADDED, EDITED, REMOVED = "added", "edited", "removed"


class ActionFields:
    """The columns a person fills in: the same in an action and in each of its versions."""

    day: Mapped[date] = mapped_column(Date)                 # the UK calendar day it took place
    at_time: Mapped[time | None] = mapped_column(Time)      # optional UK local time
    kind: Mapped[str] = mapped_column(String(60))
    title: Mapped[str] = mapped_column(Text)
    region: Mapped[str | None] = mapped_column(String(40))  # None: a national action
    branch: Mapped[str | None] = mapped_column(String(80))
    mp_member_ids: Mapped[str | None] = mapped_column(Text)  # the register's member ids, "172,4514"
    link: Mapped[str | None] = mapped_column(Text)
    notes: Mapped[str | None] = mapped_column(Text)


class Action(ActionFields, Base):
    __tablename__ = "actions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    campaign: Mapped[str] = mapped_column(String(80))
    recorded_by: Mapped[str] = mapped_column(String(120))       # who first recorded it
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_by: Mapped[str] = mapped_column(String(120))        # who saved the version in force
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    removed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # set: removed, kept for the audit

    __table_args__ = (Index("ix_actions_campaign_day", "campaign", "day"),)


class ActionVersion(ActionFields, Base):
    __tablename__ = "action_versions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    action_id: Mapped[int] = mapped_column(ForeignKey("actions.id"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    change: Mapped[str] = mapped_column(String(10))   # added, edited, removed
    saved_by: Mapped[str] = mapped_column(String(120))
    saved_at: Mapped[datetime] = mapped_column(UTCDateTime)
    reason: Mapped[str | None] = mapped_column(Text)  # why it was removed (optional)
