"""UK time: days and ISO weeks are Europe/London; everything stored is UTC."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

UK = ZoneInfo("Europe/London")


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def parse_api_time(value: str) -> datetime:
    """'2026-11-20T09:15:02.000Z' -> aware UTC datetime."""
    return datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(timezone.utc)


def api_time(value: datetime) -> str:
    """Aware datetime -> the API's RFC 3339 form, whole seconds, UTC."""
    return value.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def uk_local(value: datetime) -> datetime:
    return value.astimezone(UK)


def uk_day_start(day: date) -> datetime:
    """Midnight of a UK calendar day, as an aware UTC datetime (23 or 25 hours around clock changes)."""
    return datetime.combine(day, time(0), tzinfo=UK).astimezone(timezone.utc)


def uk_today(now: datetime | None = None) -> date:
    return uk_local(now or utcnow()).date()


def iso_week_days(year: int, week: int) -> tuple[date, date]:
    """Monday and Sunday of an ISO week."""
    monday = date.fromisocalendar(year, week, 1)
    return monday, monday + timedelta(days=6)


def parse_iso_week(text: str) -> tuple[int, int]:
    """'2026-W47' -> (2026, 47); ValueError with the expected form otherwise."""
    try:
        year_s, week_s = text.upper().split("-W")
        year, week = int(year_s), int(week_s)
        date.fromisocalendar(year, week, 1)
    except ValueError:
        raise ValueError(f"{text!r} is not an ISO week such as 2026-W47") from None
    return year, week


def week_bounds_utc(year: int, week: int) -> tuple[datetime, datetime]:
    """[Monday 00:00, next Monday 00:00) UK time, as UTC instants."""
    monday, sunday = iso_week_days(year, week)
    return uk_day_start(monday), uk_day_start(sunday + timedelta(days=1))
