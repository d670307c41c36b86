"""The weekly report's campaign actions, as rows every format shares: the week's actions, and the earlier
ones whose N days after ended in the week (their effect is now known), each with its effect where known."""
from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy.engine import Engine

from monitor import metrics
from monitor.exports import csv_bytes
from monitor.metrics import Effect, Filters
from monitor.timeutil import uk_today

HEADER = ("Day (UK)", "Kind", "Action", "Region", "Posts before", "Posts after", "Change in the area",
          "Change in other regions", "Effect on posts", "Recorded by")


def week_effects(engine: Engine, filters: Filters, days: int, now: datetime) -> tuple[Effect, ...]:
    """Actions on the week's days, and those of the days - 1 days before it (their window ends in the week)."""
    wider = Filters(filters.campaign, filters.from_date - timedelta(days=days - 1), filters.to_date,
                    region=filters.region, audience=filters.audience)
    return tuple(metrics.effects(engine, wider, days, today=uk_today(now)))


def percent(value: float | None) -> str:
    return "n/a" if value is None else f"{value:+.0%}"


def effect_words(e: Effect) -> str:
    value = e.effect("posts")
    if value is None:
        return e.reason or "n/a: no posts before to compare with"
    if e.rest is None:
        return f"{value:+.0%} (national: every post, no other regions to compare)"
    return f"{value * 100:+.0f} points"


def rows(effects: tuple[Effect, ...], region_name) -> list[tuple]:
    """One row per action (HEADER): figures as numbers, changes and the effect as words."""
    return [(e.action.day, e.action.kind, e.action.title,
             "National" if e.action.region is None else region_name(e.action.region),
             e.area.before.posts, e.area.after.posts, percent(e.area.ratio("posts")),
             percent(e.rest.ratio("posts")) if e.rest else "n/a", effect_words(e), e.action.recorded_by)
            for e in effects]


def in_week(e: Effect, monday: date) -> bool:
    return e.action.day >= monday


def email_lines(effects: tuple[Effect, ...], monday: date, region_name) -> list[str]:
    this_week = [e for e in effects if in_week(e, monday)]
    ended = [e for e in effects if not in_week(e, monday)]
    lines = [f"  Campaign actions this week: {len(this_week):,}"]
    for label, group in (("", this_week), ("Measured this week (earlier actions whose days after ended): ", ended)):
        if label and group:
            lines.append(f"  {label}")
        for e in group:
            where = "national" if e.action.region is None else region_name(e.action.region)
            lines.append(f"    {e.action.day:%a %d %b}: {e.action.kind}, {e.action.title} ({where}): {effect_words(e)}")
    return lines


# Campaign actions with their effect (`campaign-monitor actions list --format csv`): the weekly report's
# columns (HEADER above), the action's number first, written by the one CSV writer (monitor.exports).
def actions_csv(effects, region_name) -> bytes:
    columns = ("Action #", *HEADER)
    return csv_bytes(columns, (dict(zip(columns, (e.action.id, *row)))
                               for e, row in zip(effects, rows(tuple(effects), region_name))))
