"""The alert rules: one function a rule, registered by name, each returning the occurrences it sees now.

A rule reads what is stored (posts by hour, collection runs, the month's spend) and names each occurrence
with a key (the rule, what it is about, and when it began), so the engine records it once however often
the rule sees it (monitor.alerts.engine). Settings come from `[alerts.rules.NAME]` in config.toml, with the
defaults in monitor.alerts.settings.

Adding a rule is one function here and its defaults in settings.RULE_DEFAULTS.
"""
from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Callable

from sqlalchemy import func, select

from monitor.budget import Budget
from monitor.config import Config
from monitor.metrics.filters import region_display_name
from monitor.metrics.health import collection_states, stale_limit
from monitor.metrics.mps import mp_posts_with_campaign_terms_since
from monitor.metrics.sql import Bind, aware, rows
from monitor.models import Alert, CollectionRun, HourSummary
from monitor.timeutil import uk_local

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Occurrence:
    key: str          # names the occurrence: sent once, across restarts
    rule: str
    severity: str     # info | warning | error
    title: str
    body: str


@dataclass(frozen=True)
class RuleContext:
    bind: Bind
    config: Config
    now: datetime


RuleFunction = Callable[[RuleContext, dict], list[Occurrence]]
RULES: dict[str, RuleFunction] = {}


def rule(name: str) -> Callable[[RuleFunction], RuleFunction]:
    def register(function: RuleFunction) -> RuleFunction:
        RULES[name] = function
        return function
    return register


def evaluate(ctx: RuleContext) -> list[Occurrence]:
    """Every enabled rule's occurrences. A rule that fails is logged and skipped: the others still run."""
    found = []
    for name, function in RULES.items():
        settings = ctx.config.alerts.rule(name)
        if not settings.get("enabled", True):
            continue
        try:
            found += function(ctx, settings)
        except Exception:  # noqa: BLE001 - one broken rule must not silence the others
            log.exception("alert rule %s failed", name)
    return found


# --- a spike in posts ----------------------------------------------------------------------

@dataclass(frozen=True)
class HourCount:
    scope: str | None     # None: the whole campaign; else a region key
    count: int
    mean: float
    sd: float


def hour_counts(bind: Bind, campaign: str, day: date, hour: int, days: int) -> list[HourCount]:
    """Posts of one UK hour (campaign, and each region) against the same hour of each of the `days` days
    before (a day with none counts as 0): one aggregate over summary_hours."""
    first = day - timedelta(days=days)
    stmt = (select(HourSummary.day, HourSummary.region, func.sum(HourSummary.posts))
            .where(HourSummary.campaign == campaign, HourSummary.hour == hour, HourSummary.day >= first,
                   HourSummary.day <= day)
            .group_by(HourSummary.day, HourSummary.region))
    by_scope: dict[str | None, dict[date, int]] = {}
    for found_day, region, posts in rows(bind, stmt):
        for scope in (None, region):
            counts = by_scope.setdefault(scope, {})
            counts[found_day] = counts.get(found_day, 0) + int(posts)
    out = []
    for scope, counts in by_scope.items():
        history = [counts.get(first + timedelta(days=i), 0) for i in range(days)]
        mean = sum(history) / days
        sd = math.sqrt(sum((n - mean) ** 2 for n in history) / days)
        out.append(HourCount(scope, counts.get(day, 0), mean, sd))
    return out


@rule("spike")
def spike(ctx: RuleContext, settings: dict) -> list[Occurrence]:
    """Posts in the current UK hour (so far) or the one before above mean + k sd of the same hour over the
    previous days, and at least min_posts: for each campaign and each of its regions."""
    found = []
    local = uk_local(ctx.now)
    for moment in (local, local - timedelta(hours=1)):
        for campaign in ctx.config.campaigns:
            for c in hour_counts(ctx.bind, campaign.name, moment.date(), moment.hour, int(settings["days"])):
                threshold = c.mean + settings["k"] * c.sd
                if c.count < settings["min_posts"] or c.count <= threshold:
                    continue
                where = "all regions" if c.scope is None else region_display_name(ctx.config, c.scope)
                hours = f"{moment.hour:02d}:00-{(moment.hour + 1) % 24:02d}:00 UK time on {moment:%a %d %b}"
                found.append(Occurrence(
                    f"spike:{campaign.name}:{c.scope or '*'}:{moment:%Y-%m-%dT%H}", "spike", "warning",
                    f"Spike: {c.count} posts on {campaign.title} ({where})",
                    f"{c.count} posts on {campaign.title} in {where}, {hours}"
                    f"{' (so far)' if moment is local else ''}, against {c.mean:.1f} +/- {c.sd:.1f} in the same hour "
                    f"of the previous {int(settings['days'])} days."))
    return found


# --- collection failing or stale, and recovered --------------------------------------------

def problem_since(bind: Bind, campaign: str, last_success: datetime | None, interval_minutes: float) -> datetime | None:
    """When the current problem began: the first failed search run after the last success, or when the last
    success went stale, whichever is earlier (or the first run, when none ever succeeded)."""
    after = [CollectionRun.campaign == campaign, CollectionRun.kind == "search"]
    if last_success is not None:
        after.append(CollectionRun.started_at > last_success)
    failed = select(func.min(CollectionRun.started_at)).where(*after, CollectionRun.status == "failed")
    first_failed = rows(bind, failed)[0][0]
    candidates = [aware(first_failed)] if first_failed else []
    if last_success is not None:
        candidates.append(last_success + stale_limit(interval_minutes))
    else:
        first_run = rows(bind, select(func.min(CollectionRun.started_at)).where(*after))[0][0]
        if first_run:
            candidates.append(aware(first_run))
    return min(candidates) if candidates else None


@rule("collection")
def collection(ctx: RuleContext, settings: dict) -> list[Occurrence]:
    """A campaign's collection failing or stale for longer than after_minutes (not while the budget pauses
    it: the budget alert says so), and its recovery."""
    if Budget(ctx.bind, ctx.config, lambda: ctx.now).state() == "capped":
        return []
    found = []
    after = timedelta(minutes=settings["after_minutes"])
    for state in collection_states(ctx.bind, ctx.config, ctx.now):
        prefix = f"collection:{state.campaign}:"
        if state.condition != "ok":
            since = problem_since(ctx.bind, state.campaign, state.last_success, ctx.config.interval_minutes)
            if since is None or ctx.now - since < after:
                continue
            found.append(Occurrence(
                f"{prefix}{since:%Y-%m-%dT%H:%M}", "collection", "error",
                f"Collection of {state.title} is {state.condition}",
                f"{state.problem} (since {uk_local(since):%d %b %H:%M} UK time)."))
            continue
        last = rows(ctx.bind, select(Alert.key, Alert.occurred_at).where(Alert.key.startswith(prefix))
                    .order_by(Alert.occurred_at.desc(), Alert.id.desc()).limit(1))
        if last:
            since_text = last[0][0][len(prefix):]
            found.append(Occurrence(
                f"collection-recovered:{state.campaign}:{since_text}", "collection", "info",
                f"Collection of {state.title} has recovered",
                f"Collection of {state.title} is running again: last success "
                f"{uk_local(state.last_success):%d %b %H:%M} UK time."))
    return found


# --- the budget ------------------------------------------------------------------------------

@rule("budget")
def budget(ctx: RuleContext, settings: dict) -> list[Occurrence]:
    """The month's X spend at the warning share of the budget, and at the budget (collection paused)."""
    spend = Budget(ctx.bind, ctx.config, lambda: ctx.now).spend()
    month = f"{spend.month_start:%Y-%m}:{spend.budget_usd:g}"
    resumes = f"{spend.month_end:%d %b %Y} 00:00 UTC"
    if spend.state == "capped":
        return [Occurrence(
            f"budget-cap:{month}", "budget", "error", "X API budget reached: collection paused",
            f"This month's X API spend is ${spend.usd:,.2f} of the ${spend.budget_usd:,.2f} budget: collection and "
            f"the metrics refresh are paused until {resumes}, or until [x_api] monthly_budget_usd is raised in "
            "config.toml (collection resumes at the next poll).")]
    if spend.state == "warning":
        return [Occurrence(
            f"budget-warning:{month}", "budget", "warning",
            f"X API spend at {spend.share:.0%} of the monthly budget",
            f"This month's X API spend is ${spend.usd:,.2f} of the ${spend.budget_usd:,.2f} budget; projected "
            f"${spend.projected_usd:,.2f} by month end. The metrics refresh now reads only the last step of its "
            f"schedule; collection pauses at the budget.")]
    return []


# --- an MP posted ----------------------------------------------------------------------------

@rule("mp_posted")
def mp_posted(ctx: RuleContext, settings: dict) -> list[Occurrence]:
    """A sitting MP's post carrying a campaign term (monitor.mps.detect), first stored in the last `hours`
    hours: once per campaign and post."""
    since = ctx.now - timedelta(hours=float(settings["hours"]))
    found = []
    for campaign in ctx.config.campaigns:
        for p in mp_posts_with_campaign_terms_since(ctx.bind, campaign.name, since):
            title = f"{p.name} MP ({p.party}, {p.constituency}) posted with {', '.join(p.terms)}"
            body = (f"{campaign.title}, {region_display_name(ctx.config, p.region)}: {p.text}\n"
                    f"{p.url}\nPosted {uk_local(p.created_at):%a %d %b %H:%M} UK time.")
            found.append(Occurrence(f"mp_posted:{campaign.name}:{p.post_id}", "mp_posted", "info", title, body))
    return found
