"""Campaign actions as figures: the actions of a period, how many per region, each one's history, and
what an action changed (its effect).

The effect of an action on UK day D with a window of N days (config [actions] effect_days, 7 by default)
compares the N UK days before it (D-N .. D-1) with N UK days from it (D .. D+N-1: the day itself counts
as after, as that is when its posts are made), for four figures counted exactly as everywhere else
(monitor.metrics.campaign's per-author step over the summary tables): posts, contributors, potential
reach and engagements. The same change over the same days in every other region (the ONS regions but
the action's; NAHT's national accounts and Unknown are in no region) is shown beside it, and the effect
is the difference: the region's change minus the others', in percentage points.

A national action (no region) has no rest of the country to hold it against: its area is every post of
the campaign (all regions, NAHT's national accounts and Unknown) and its effect is that change alone.

All the actions asked for are measured by one statement: each summary row joined to the windows of
every action whose 2N days hold its day, so two actions in one region a few days apart each get their
own windows, and the same posts may count for both (the effect says so).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import case, func, or_, select

from monitor.config import DEFAULT_EFFECT_DAYS
from monitor.metrics.campaign import per_author
from monitor.metrics.definitions import MIN_POSTS_TO_COMPARE
from monitor.metrics.filters import Filters
from monitor.metrics.sql import Bind, as_date, dialect, rows
from monitor.models import Action, ActionVersion, DaySummary
from monitor.regions import REGIONS
from monitor.timeutil import uk_today

EFFECT_FIGURES = ("posts", "contributors", "potential_reach", "engagements")
BEFORE, AFTER = 0, 1     # the statement's window key
AREA, REST = 0, 1        # and its side key: the action's area, every other region

# An effect's status: why its figures can or cannot be read as an effect.
MEASURED, NOT_OVER, TOO_FEW, BEFORE_COLLECTION = "measured", "not over", "too few", "before collection"


# --- the actions themselves ------------------------------------------------------------------

@dataclass(frozen=True, kw_only=True)
class ActionFields:
    """What a person says of an action: the same in the action as it stands and in each saved version."""
    day: date
    at_time: time | None
    kind: str
    title: str
    region: str | None
    branch: str | None
    mp_member_ids: tuple[int, ...]
    link: str | None
    notes: str | None


def _fields(row) -> dict:
    """An actions or action_versions row's ActionFields, as keywords."""
    return {"day": as_date(row.day), "at_time": row.at_time, "kind": row.kind, "title": row.title,
            "region": row.region, "branch": row.branch, "mp_member_ids": member_ids(row.mp_member_ids),
            "link": row.link, "notes": row.notes}


@dataclass(frozen=True, kw_only=True)
class ActionRow(ActionFields):
    id: int
    campaign: str
    recorded_by: str
    recorded_at: datetime
    updated_by: str
    updated_at: datetime
    removed_at: datetime | None

    @property
    def edited(self) -> bool:
        return self.updated_at != self.recorded_at


def member_ids(text: str | None) -> tuple[int, ...]:
    return tuple(int(v) for v in (text or "").split(",") if v.strip())


def _action_row(a) -> ActionRow:
    return ActionRow(id=a.id, campaign=a.campaign, recorded_by=a.recorded_by, recorded_at=a.recorded_at,
                     updated_by=a.updated_by, updated_at=a.updated_at, removed_at=a.removed_at, **_fields(a))


def _period_conditions(filters: Filters) -> list:
    conditions = [Action.campaign == filters.campaign, Action.day >= filters.from_date,
                  Action.day <= filters.to_date, Action.removed_at.is_(None)]
    if filters.region:
        conditions.append(Action.region == filters.region)
    if filters.branch:
        conditions.append(Action.branch == filters.branch)
    return conditions


def actions_in(bind: Bind, filters: Filters) -> list[ActionRow]:
    """The campaign's actions (not removed) on the period's UK days, in the filters' region and branch
    when set (a region's list leaves national actions out), newest first."""
    stmt = (select(Action.__table__).where(*_period_conditions(filters))
            .order_by(Action.day.desc(), Action.id.desc()))
    return [_action_row(r) for r in rows(bind, stmt)]


def action(bind: Bind, action_id: int) -> ActionRow | None:
    found = rows(bind, select(Action.__table__).where(Action.id == action_id))
    return _action_row(found[0]) if found else None


def action_counts(bind: Bind, filters: Filters) -> dict[str | None, int]:
    """{region key (None: national): actions in the period}: the tile map's tooltips."""
    stmt = (select(Action.region, func.count()).where(*_period_conditions(filters)).group_by(Action.region))
    return {region: int(n) for region, n in rows(bind, stmt)}


@dataclass(frozen=True, kw_only=True)
class VersionRow(ActionFields):
    version: int
    change: str          # added, edited, removed
    saved_by: str
    saved_at: datetime
    reason: str | None


def action_history(bind: Bind, action_id: int) -> list[VersionRow]:
    """Every version of an action, the first first."""
    v = ActionVersion
    stmt = select(v.__table__).where(v.action_id == action_id).order_by(v.version)
    return [VersionRow(version=r.version, change=r.change, saved_by=r.saved_by, saved_at=r.saved_at, reason=r.reason,
                       **_fields(r)) for r in rows(bind, stmt)]


# --- the effect ------------------------------------------------------------------------------

@dataclass(frozen=True)
class Figures:
    posts: int = 0
    contributors: int = 0
    potential_reach: int = 0
    engagements: int = 0


@dataclass(frozen=True)
class Change:
    """One area's figures in the N days before and the N days from the action."""
    before: Figures
    after: Figures

    def ratio(self, figure: str) -> float | None:
        """(after - before) / before: 0.25 = +25%; None when there was nothing before."""
        before, after = getattr(self.before, figure), getattr(self.after, figure)
        return (after - before) / before if before else None


@dataclass(frozen=True)
class Effect:
    action: ActionRow
    days: int
    before_from: date
    after_to: date
    area: Change            # the action's region (a national action: every post)
    rest: Change | None     # every other region over the same days (None: a national action)
    status: str             # MEASURED, NOT_OVER, TOO_FEW, BEFORE_COLLECTION
    overlapping: tuple[int, ...] = ()   # other actions in the same region whose windows overlap this one's

    @property
    def before_to(self) -> date:
        return self.action.day - timedelta(days=1)

    def effect(self, figure: str) -> float | None:
        """The area's change minus the rest's, as a fraction (0.12 = 12 percentage points); None unless the
        effect can be read (status MEASURED and both changes defined). A national action: its change."""
        if self.status != MEASURED:
            return None
        mine = self.area.ratio(figure)
        if self.rest is None or mine is None:
            return mine
        theirs = self.rest.ratio(figure)
        return None if theirs is None else mine - theirs

    @property
    def reason(self) -> str:
        """Why the figures are not an effect (empty when they are), in words for a page or a report."""
        if self.status == NOT_OVER:
            return (f"not over yet: the {self.days} days from the action end on {self.after_to:%a %d %b %Y}; "
                    "the figures so far are not compared")
        if self.status == BEFORE_COLLECTION:
            return (f"collection began inside the {self.days} days before the action (from "
                    f"{self.before_from:%d %b %Y}): there is no whole 'before' to compare with")
        if self.status == TOO_FEW:
            return (f"too few posts to tell: under {MIN_POSTS_TO_COMPARE} posts in the area before or after "
                    f"({self.area.before.posts:,} before, {self.area.after.posts:,} after)")
        return ""


def _days_from(bind: Bind, column, days: int):
    """The UK date `days` after (before, when negative) a Date column, on both databases."""
    if dialect(bind) == "sqlite":
        return func.date(column, f"{days:+d} days")
    return column + days


def _status(area: Change, after_to: date, before_from: date, first_day: date | None,
            today: date) -> str:
    if after_to >= today:
        return NOT_OVER
    if first_day is None or first_day > before_from:
        return BEFORE_COLLECTION
    if min(area.before.posts, area.after.posts) < MIN_POSTS_TO_COMPARE:
        return TOO_FEW
    return MEASURED


def first_collected_day(bind: Bind, campaign: str) -> date | None:
    """The campaign's first UK day with a post stored: an action's 'before' may not start earlier."""
    found = rows(bind, select(func.min(DaySummary.day)).where(DaySummary.campaign == campaign))
    return as_date(found[0][0]) if found and found[0][0] is not None else None


def effects(bind: Bind, filters: Filters, days: int = DEFAULT_EFFECT_DAYS, today: date | None = None,
            action_id: int | None = None) -> list[Effect]:
    """The effect of each action of the period (filters: campaign, UK days, region, branch; the audience
    counts the posts of one class of author), newest first; with action_id, that action's alone (any day).

    One aggregate: the summary rows of the days around the actions, joined to each action whose windows
    hold them, counted per (action, before/after, region/rest) by the per-author step the other figures use.
    """
    today = today or uk_today()
    if action_id is None:
        listed = actions_in(bind, filters)
    else:
        one = action(bind, action_id)
        listed = [one] if one is not None and one.removed_at is None else []
    if not listed:
        return []
    s = DaySummary
    first = min(a.day for a in listed) - timedelta(days=days)
    last = max(a.day for a in listed) + timedelta(days=days - 1)
    # Small integers, not words, as grouping keys: the per-author step sorts every (action, author) row by them.
    window = case((s.day < Action.day, BEFORE), else_=AFTER).label("window")
    side = case((or_(Action.region.is_(None), s.region == Action.region), AREA), else_=REST).label("side")
    joined = [Action.id.in_([a.id for a in listed]),
              s.day >= _days_from(bind, Action.day, -days), s.day <= _days_from(bind, Action.day, days - 1),
              or_(Action.region.is_(None), s.region.in_(REGIONS))]
    scope = Filters(filters.campaign, first, last, audience=filters.audience)
    a = per_author(scope, Action.id.label("action_id"), window, side, where=joined).c
    stmt = (select(a.action_id, a.window, a.side, func.sum(a.posts), func.count(a.author_id),
                   func.sum(a.followers), func.sum(a.engagements))
            .group_by(a.action_id, a.window, a.side))
    found = {(r[0], r[1], r[2]): Figures(*(int(v or 0) for v in r[3:])) for r in rows(bind, stmt)}
    first_day = first_collected_day(bind, filters.campaign)
    out = []

    def change(action_id: int, side: str) -> Change:
        return Change(found.get((action_id, BEFORE, side), Figures()),
                      found.get((action_id, AFTER, side), Figures()))

    for act in listed:
        before_from, after_to = act.day - timedelta(days=days), act.day + timedelta(days=days - 1)
        area = change(act.id, AREA)
        overlapping = tuple(o.id for o in listed if o.id != act.id and o.region == act.region
                            and abs((o.day - act.day).days) < 2 * days)
        rest = None if act.region is None else change(act.id, REST)
        status = _status(area, after_to, before_from, first_day, today)
        out.append(Effect(act, days, before_from, after_to, area, rest, status, overlapping))
    return out


def action_effect(bind: Bind, campaign: str, action_id: int, days: int = DEFAULT_EFFECT_DAYS,
                  today: date | None = None) -> Effect | None:
    """One action's effect (any of its campaign's days; None: no such action, or removed)."""
    wide = Filters(campaign, date.min + timedelta(days=days), date.max - timedelta(days=days))
    found = effects(bind, wide, days, today, action_id=action_id)
    return found[0] if found else None
