"""Work a migration leaves for after it: what needs the config, which Alembic does not have."""
from __future__ import annotations

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from monitor.models.base import Base


class MaintenanceTask(Base):
    """Work a migration left for the config to finish (Alembic does not have the config): carried out
    and removed by `db upgrade` and `run` right after migrating (monitor.rematch)."""

    __tablename__ = "maintenance_tasks"

    name: Mapped[str] = mapped_column(String(60), primary_key=True)
