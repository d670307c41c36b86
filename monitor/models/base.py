"""What every table is built from: UTC times, the declarative base, the region columns, and indexes made
on one database only.

Times are stored as naive UTC (`UTCDateTime` converts at the boundary) so SQLite and PostgreSQL hold the
same values.
"""
from __future__ import annotations

from datetime import timezone

from sqlalchemy import DateTime, Float, Index, String, TypeDecorator
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

UNKNOWN_REGION = "Unknown"


class UTCDateTime(TypeDecorator):
    """Aware datetimes in, aware UTC datetimes out; naive UTC in the database."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column; pass an aware datetime")
        return value.astimezone(timezone.utc).replace(tzinfo=None)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=timezone.utc)


class Base(DeclarativeBase):
    pass


class RegionColumns:
    """Attribution written by monitor.regions (evidence: known_account, correction, place, profile_location, none)."""

    region: Mapped[str] = mapped_column(String(40), default=UNKNOWN_REGION, server_default=UNKNOWN_REGION)
    branch: Mapped[str | None] = mapped_column(String(80))
    region_evidence: Mapped[str] = mapped_column(String(20), default="none", server_default="none")
    region_confidence: Mapped[float] = mapped_column(Float, default=0.0, server_default="0")


ONLY_ON_DIALECT = "only_on_dialect"   # Index.info key: the dialect an index is made on (only_on)


def only_on(dialect: str, index: Index) -> Index:
    """An index made on one dialect only: Index.ddl_if for the DDL, and the dialect in the index's info for
    the migration comparison (on_this_dialect), which must not read SQLAlchemy's private _ddl_if."""
    index.info[ONLY_ON_DIALECT] = dialect
    return index.ddl_if(dialect=dialect)


def on_this_dialect(obj, name, type_, reflected, compare_to, *, dialect: str) -> bool:
    """Alembic's include_object: leave out of a comparison an index the models create only on
    another dialect (only_on)."""
    only_on_dialect = obj.info.get(ONLY_ON_DIALECT) if type_ == "index" else None
    return reflected or only_on_dialect in (None, dialect)
