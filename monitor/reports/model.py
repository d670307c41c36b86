"""The weekly report's content, read from the database once: every renderer (XLSX, CSV, PDF) formats
this object and none of them queries. Every figure comes from monitor.metrics, so the report shows
exactly what the dashboard shows for the same week.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy.engine import Engine

from monitor import metrics
from monitor.config import Campaign, Config, ConfigError
from monitor.metrics import (
    CollectionGap,
    ContributorRow,
    Definition,
    Filters,
    GroupRow,
    KpisWithChange,
    MpWeek,
    PostRow,
    RunCounts,
    TermRow,
    TimelinePoint,
)
from monitor.reports.actions import week_effects
from monitor.timeutil import iso_week_days, uk_day_start, utcnow, week_bounds_utc

TOP_N = 10
TERMS_N = 20


class ReportError(ValueError):
    """A report asked for something that does not exist; `param` names what was wrong."""

    def __init__(self, param: str, message: str):
        self.param = param
        super().__init__(message)


class WeekNotStarted(ReportError):
    """A report asked for a week that has not begun: there is nothing to report yet."""

    def __init__(self, label: str, monday: date):
        super().__init__("week", f"{label} has not started yet (it starts on Monday {monday:%d %B %Y}, UK time): "
                                 "ask for a week that has begun")


@dataclass(frozen=True)
class DayRow:
    """One UK calendar day of the week: its figures and how long it was (23 or 25 hours at a clock change)."""
    point: TimelinePoint
    starts_utc: datetime
    hours: int

    @property
    def day(self) -> date:
        return self.point.day


@dataclass(frozen=True)
class RegionRow:
    key: str
    name: str  # the NAHT display name
    row: GroupRow


@dataclass(frozen=True)
class WeeklyReport:
    campaign: Campaign
    year: int
    week: int
    region: str | None        # region key; None for the whole campaign
    region_name: str           # display name, or "All regions"
    monday: date
    sunday: date
    start_utc: datetime        # Monday 00:00 UK time
    end_utc: datetime          # the next Monday 00:00 UK time
    generated_at: datetime     # aware UTC
    kpis: KpisWithChange
    days: tuple[DayRow, ...]
    regions: tuple[RegionRow, ...]
    top_posts: tuple[PostRow, ...]
    top_contributors: tuple[ContributorRow, ...]
    hashtags: tuple[TermRow, ...]
    mentions: tuple[TermRow, ...]
    gaps: tuple[CollectionGap, ...]
    runs: RunCounts
    posts: tuple[PostRow, ...]  # every post of the week, newest first (at most metrics.CSV_MAX_ROWS)
    posts_total: int
    definitions: tuple[Definition, ...]
    removed_posts: int = 0      # posts of the week removed since (counted in the figures, not listed)
    mps: MpWeek = MpWeek((), ())   # MPs engaged this week and new this week, per region (monitor.metrics.mps)
    region_names: dict[str, str] = field(default_factory=dict)   # region key -> NAHT display name
    # The week's campaign actions and the earlier ones measured this week, with their effect (reports.actions).
    actions: tuple[metrics.Effect, ...] = ()

    def region_display(self, key: str | None) -> str:
        """A region's NAHT display name (Unknown for none)."""
        key = key or "Unknown"
        return self.region_names.get(key, key)

    @property
    def week_label(self) -> str:
        return f"{self.year}-W{self.week:02d}"

    @property
    def filters(self) -> Filters:
        return Filters(self.campaign.name, self.monday, self.sunday, region=self.region)

    @property
    def complete(self) -> bool:
        """False while the week is still running: its figures cover it only up to generated_at."""
        return self.generated_at >= self.end_utc

    @property
    def removed_note(self) -> str | None:
        """What the report says when posts of its week were removed after they were collected."""
        if not self.removed_posts:
            return None
        n = self.removed_posts
        return (f"{n:,} post{'s' if n != 1 else ''} of this week {'were' if n != 1 else 'was'} removed since "
                "collection (deleted or made private on X, or erased on request): counted in the figures, "
                "not listed.")

    @property
    def posts_truncated(self) -> bool:
        return self.posts_total > len(self.posts)

    @property
    def failed_runs(self) -> tuple[CollectionGap, ...]:
        return tuple(g for g in self.gaps if g.reason == "failed run")

    def display_name(self, region: str) -> str:
        """A region's display name (a region's report holds only its own region's row)."""
        if region == self.region:
            return self.region_name
        return next((r.name for r in self.regions if r.key == region), region)

    @property
    def missing_stretches(self) -> tuple[CollectionGap, ...]:
        return tuple(g for g in self.gaps if g.reason != "failed run")


def build_weekly_report(engine: Engine, config: Config, year: int, week: int, campaign: str | None = None,
                        region: str | None = None, *, now: datetime | None = None) -> WeeklyReport:
    """Read one ISO week (Europe/London) of a campaign, or of one region of it, from the database."""
    chosen = _campaign(config, campaign)
    region_key = resolve_region(config, region)
    monday, sunday = _week_days(year, week)
    start_utc, end_utc = week_bounds_utc(year, week)
    now = now or utcnow()
    if now < start_utc:
        raise WeekNotStarted(f"{year}-W{week:02d}", monday)
    filters = Filters(chosen.name, monday, sunday, region=region_key)
    page = metrics.posts_page(engine, filters, limit=metrics.CSV_MAX_ROWS)
    return WeeklyReport(
        campaign=chosen, year=year, week=week, region=region_key,
        region_name=metrics.region_display_name(config, region_key) if region_key else "All regions",
        monday=monday, sunday=sunday, start_utc=start_utc, end_utc=end_utc, generated_at=now,
        kpis=metrics.kpis_with_change(engine, filters),
        days=tuple(_day_rows(metrics.timeline(engine, filters))),
        regions=tuple(_region_rows(config, metrics.regions_table(engine, filters), region_key)),
        top_posts=tuple(metrics.top_posts(engine, filters, n=TOP_N)),
        top_contributors=tuple(metrics.top_contributors(engine, filters, n=TOP_N)),
        hashtags=tuple(metrics.hashtags(engine, filters, n=TERMS_N)),
        mentions=tuple(metrics.mentions(engine, filters, n=TERMS_N)),
        # Collection is per campaign, not per region: a gap hides posts from every region.
        gaps=tuple(metrics.collection_gaps(engine, filters, config.interval_minutes, now=now)),
        runs=metrics.search_run_counts(engine, chosen.name, start_utc, min(end_utc, now)),
        posts=tuple(page.rows), posts_total=page.total,
        definitions=metrics.DEFINITIONS,
        removed_posts=metrics.removed_posts(engine, filters),
        mps=metrics.mp_week(engine, filters),
        region_names={key: metrics.region_display_name(config, key) for key in metrics.region_keys()},
        actions=week_effects(engine, filters, config.actions.effect_days, now),
    )


def _campaign(config: Config, name: str | None) -> Campaign:
    names = ", ".join(c.name for c in config.campaigns)
    if name is None:
        if len(config.campaigns) != 1:
            raise ReportError("campaign", f"several campaigns are configured: name one of {names}")
        return config.campaigns[0]
    try:
        return config.campaign(name)
    except ConfigError:
        raise ReportError("campaign", f"a campaign named {name!r} is not configured (have: {names})") from None


def _week_days(year: int, week: int) -> tuple[date, date]:
    try:
        return iso_week_days(year, week)
    except ValueError:
        raise ReportError("week", f"{year}-W{week:02d} is not an ISO week such as 2026-W47") from None


def resolve_region(config: Config, region: str | None) -> str | None:
    """A region key from its key or NAHT display name, any case ('NAHT Cymru', 'wales' -> 'Wales')."""
    if region is None or not region.strip():
        return None
    key = metrics.find_region(config, region)
    if key is None:
        names = ", ".join(metrics.region_keys())
        raise ReportError("region", f"{region!r} is not a region: expected one of {names}")
    return key


def _day_rows(points: list[TimelinePoint]) -> list[DayRow]:
    rows = []
    for p in points:
        start, end = uk_day_start(p.day), uk_day_start(p.day + timedelta(days=1))
        rows.append(DayRow(p, start, round((end - start).total_seconds() / 3600)))
    return rows


def _region_rows(config: Config, rows: list[GroupRow], region: str | None) -> list[RegionRow]:
    # A region's report shows its own row; the whole campaign's shows every region, zeros included.
    return [RegionRow(r.key, metrics.region_display_name(config, r.key), r)
            for r in rows if region is None or r.key == region]


def chosen_campaign(config: Config, name: str | None) -> Campaign:
    """The campaign named, or the only one configured (ReportError when it is not clear which): what
    every command taking --campaign resolves it with."""
    return _campaign(config, name)
