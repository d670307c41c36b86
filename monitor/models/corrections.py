"""What people change by hand, audited: region corrections."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from monitor.models.base import Base, UTCDateTime


class RegionCorrection(Base):
    """A person's correction of an author's region: audited, never overwritten by inference."""

    __tablename__ = "region_corrections"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    author_id: Mapped[str] = mapped_column(ForeignKey("authors.id"), index=True)
    region: Mapped[str] = mapped_column(String(40))
    branch: Mapped[str | None] = mapped_column(String(80))
    corrected_by: Mapped[str] = mapped_column(String(120))
    corrected_at: Mapped[datetime] = mapped_column(UTCDateTime)
    note: Mapped[str | None] = mapped_column(Text)
