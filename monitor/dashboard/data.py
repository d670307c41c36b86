"""The dashboard's only way to data: short-lived caches around monitor.metrics (no SQL here).

Caches are keyed by the database URL as well as the filters, so two databases (tests, a config
change) never share answers. The TTL is short because the collector keeps writing: a figure is
at most CACHE_SECONDS old, and a page can be reloaded many times a minute without re-querying.
"""
from __future__ import annotations

import os
from functools import wraps

import streamlit as st
from sqlalchemy.engine import Engine

from monitor import actions, budget, exports, metrics, privacy, reports
from monitor.attribution import correct_author as _correct_author
from monitor.config import ENV_CONFIG, Config, database_url, load_config
from monitor.db import make_engine
from monitor.metrics import Filters, PostSearch
from monitor.mps import register
from monitor.schema import require_schema

CACHE_SECONDS = 30


def config() -> Config:
    return _config(os.environ.get(ENV_CONFIG))


@st.cache_resource(ttl=300)
def _config(path: str | None) -> Config:
    return load_config(path)


def db_url() -> str:
    return database_url(config())


@st.cache_resource
def _engine(url: str) -> Engine:
    return make_engine(url)


def engine() -> Engine:
    return _engine(db_url())


@st.cache_resource(ttl=60)
def _schema_checked(url: str) -> bool:
    require_schema(_engine(url))
    return True


def check_database() -> None:
    """Raise DatabaseUnavailable (one clear line) when the database is unreachable or not migrated."""
    _schema_checked(db_url())


def _cached(function, with_config: bool = False):
    """Wrap a metrics function as cache_data(url, *args): the engine itself is not hashable. With
    `with_config`, the function is also given the config (read inside: a Config is no cache key)."""
    def run(url: str, *args, **kwargs):
        if with_config:
            return function(_engine(url), config(), *args, **kwargs)
        return function(_engine(url), *args, **kwargs)

    # Streamlit keys a cache by the function's qualified name and source: give each wrapper its own name.
    run.__name__ = run.__qualname__ = f"cached_{function.__name__}"
    run = st.cache_data(ttl=CACHE_SECONDS, show_spinner=False)(run)

    def call(*args, **kwargs):
        return run(db_url(), *args, **kwargs)

    return call


def _changes_data(function):
    """A function that writes: after it, every cached figure and list is dropped, so each page shows the change
    at once."""
    @wraps(function)
    def call(*args, **kwargs):
        result = function(*args, **kwargs)
        st.cache_data.clear()
        return result

    return call


kpis_with_change = _cached(metrics.kpis_with_change)
kpis = _cached(metrics.kpis)
kpis_by_network = _cached(metrics.kpis_by_network)
timeline_by_network = _cached(metrics.timeline_by_network)
timeline = _cached(metrics.timeline)
regions_table = _cached(metrics.regions_table)
branches_table = _cached(metrics.branches_table)
top_posts = _cached(metrics.top_posts)
top_contributors = _cached(metrics.top_contributors)
hashtags = _cached(metrics.hashtags)
mentions = _cached(metrics.mentions)
region_accounts = _cached(metrics.region_accounts)
posts_page = _cached(metrics.posts_page)
recent_runs = _cached(metrics.recent_runs)
collection_states = _cached(metrics.collection_states, with_config=True)
source_states = _cached(metrics.source_states, with_config=True)
api_usage = _cached(metrics.api_usage_this_month, with_config=True)
_collection_gaps = _cached(metrics.collection_gaps)


def collection_gaps(filters: Filters):
    return _collection_gaps(filters, interval_minutes(filters.campaign))


def interval_minutes(campaign: str) -> float:
    """The collector's polling interval for the campaign, as its last run recorded it (else the config's)."""
    return next((s.interval_minutes for s in collection_states() if s.campaign == campaign),
                config().interval_minutes)


def posts_csv(filters: Filters, search: PostSearch) -> bytes:
    """The explorer's filtered posts as CSV bytes (not cached: built when the download is clicked), in the
    same columns as the weekly report's CSV (monitor.exports)."""
    names = {key: metrics.region_display_name(config(), key) for key in metrics.region_keys()}
    return exports.posts_csv(metrics.posts_for_download(engine(), filters, search), names)


def audience(key: str = metrics.ALL) -> metrics.Audience:
    """A class of author (monitor.metrics.audience), with NAHT's accounts from the config."""
    return metrics.audience(config(), key)


def find_author(handle: str) -> metrics.AuthorRef | None:
    """Not cached: the correction form needs the author's region as it is now."""
    return metrics.find_author(engine(), handle)


@_changes_data
def correct_author(author_id: str, region: str, branch: str | None, corrected_by: str, note: str | None):
    """Record a correction (it shows at once)."""
    return _correct_author(engine(), config(), author_id, region, branch=branch, corrected_by=corrected_by,
                           note=note)


def weekly_report(year: int, week: int, campaign: str, region: str | None, fmt: str) -> bytes:
    """The weekly summary file, built when its download is clicked, by the same builder the CLI and
    the Monday job use (monitor.reports)."""
    report = reports.build_weekly_report(engine(), config(), year, week, campaign=campaign, region=region)
    return reports.render(report, fmt)


# --- personal data (the health page's privacy section) -----------------------------------------

last_retention_run = _cached(metrics.last_retention_run)
last_deletion_check = _cached(metrics.last_deletion_check)
privacy_requests = _cached(metrics.privacy_requests)


@_changes_data
def forget(handle: str, requested_by: str):
    """An erasure request, as `campaign-monitor privacy forget` makes it: the person's posts leave every page
    at once."""
    return privacy.forget(engine(), config(), handle, requested_by)


@_changes_data   # the requests table shows it
def export(handle: str, requested_by: str):
    """An access request, as `campaign-monitor privacy export` makes it (not cached: it is recorded)."""
    return privacy.export(engine(), handle, requested_by)


# --- X billing (the health page) ---------------------------------------------------------------

_spend = _cached(metrics.spend_this_month)
recent_alerts = _cached(metrics.recent_alerts)


def spend():
    """This UTC month's billed X spend against the budget config.toml sets now (read again when it changes)."""
    return _spend(*budget.budget_limits(config()))


# --- MPs (monitor.metrics.mps) ---------------------------------------------------------------

mp_table = _cached(metrics.mp_table)
mp_regions = _cached(metrics.mp_regions)
mp_parties = _cached(metrics.mp_parties)
mp_contributors = _cached(metrics.mp_contributors)
mp_posts = _cached(metrics.mp_posts)
watch_usage = _cached(metrics.watch_usage_this_month)


def mps_csv(filters: Filters, party: str | None, status: str | None) -> bytes:
    """The MPs table as shown, as the CSV `campaign-monitor mps list --format csv` writes (monitor.exports)."""
    return exports.mps_csv(metrics.mp_table(engine(), filters, party=party, status=status))


@_changes_data
def set_mp_handle(member_id: int, x: str | None, bluesky: str | None, corrected_by: str, note: str | None):
    """Record an MP handle correction (audited; it shows at once)."""
    return register.set_handle(engine(), member_id, x=x, bluesky=bluesky, corrected_by=corrected_by, note=note)


# --- campaign actions (monitor.actions records them; monitor.metrics.actions counts them) ----------

actions_in = _cached(metrics.actions_in)
action_counts = _cached(metrics.action_counts)
action_history = _cached(metrics.action_history)


def effects(filters: Filters, action_id: int | None = None):
    """The actions' effects with the configured window ([actions] effect_days)."""
    return _effects(filters, config().actions.effect_days, action_id=action_id)


_effects = _cached(metrics.effects)


@_changes_data
def add_action(campaign: str, entry, by: str) -> int:
    """Record an action: the map, timelines and lists show it at once."""
    return actions.add_action(engine(), config(), campaign, entry, by)


@_changes_data
def edit_action(action_id: int, changes: dict, by: str) -> bool:
    return actions.edit_action(engine(), config(), action_id, changes, by)


@_changes_data
def remove_action(action_id: int, by: str, reason: str | None) -> None:
    actions.remove_action(engine(), action_id, by, reason)
