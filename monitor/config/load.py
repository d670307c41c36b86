"""config.toml read: the file opened and parsed, its top-level tables checked, each section handed to its
reader (monitor.config.campaigns, monitor.config.sections), the result one Config."""
from __future__ import annotations

from pathlib import Path

from monitor.config.campaigns import read_campaigns, read_networks
from monitor.config.environment import config_path, database_scheme_problem
from monitor.config.errors import ConfigError, parse_toml
from monitor.config.reader import TableReader, positive
from monitor.config.sections import (
    read_actions,
    read_alerts,
    read_allowed_domains,
    read_allowed_emails,
    read_budget,
    read_display_names,
    read_district_branches,
    read_known_accounts,
    read_mentions_timeline,
    read_metrics_refresh,
    read_mp_watch,
    read_prices,
    read_privacy,
)
from monitor.config.shape import (
    DEFAULT_BLUESKY_URL,
    DEFAULT_DATABASE_URL,
    DEFAULT_WARNING_SHARE,
    MIN_INTERVAL_MINUTES,
    REAL_X_API,
    Config,
    default_config,
)

# The keys each top-level table may hold, checked in this order before any value is read. [alerts] and
# [actions] check their own keys when they are read.
SECTION_KEYS = {
    "database": {"url"},
    "x_api": {"enabled", "base_url", "timeout_seconds", "max_retries", "backoff_seconds",
              "max_rate_limit_wait_seconds", "monthly_budget_usd", "budget_warning_share",
              "price_per_post_read", "price_per_user_read", "price_per_owned_read", "mentions_timeline"},
    "bluesky": {"enabled", "base_url"},
    "mastodon": {"enabled"},
    "collection": {"interval_minutes"},
    "metrics_refresh": {"schedule_hours", "max_age_hours", "batch_size", "window_minutes", "selective",
                        "promising_engagements", "promising_impressions", "promising_followers"},
    "regions": {"display_names", "known_accounts", "district_branches"},
    "dashboard": {"monthly_budget_usd", "allowed_emails", "allowed_domains", "access_contact"},
    "reports": {"folder", "smtp"},
    "privacy": {"raw_json_days", "author_inactive_days", "deletion_check_posts_per_day",
                "deletion_check_after_days"},
    "mp_watch": {"enabled", "interval_minutes"},
}
TOP_LEVEL_KEYS = {*SECTION_KEYS, "campaigns", "alerts", "actions"}


def parse_config(data: dict, file: str) -> Config:
    root = TableReader(file, data)
    root.unknown_keys(TOP_LEVEL_KEYS)
    tables = {}
    for name, allowed in SECTION_KEYS.items():
        tables[name] = root.sub(name)
        tables[name].unknown_keys(allowed)
    api, col, dash, rep = tables["x_api"], tables["collection"], tables["dashboard"], tables["reports"]

    campaigns = read_campaigns(root)
    refresh = read_metrics_refresh(tables["metrics_refresh"])
    display = read_display_names(tables["regions"])
    url = _database_url(tables["database"])
    return Config(
        path=file,
        database_url=url,
        api_base_url=api.http_url("base_url", REAL_X_API),
        request_timeout=api.get("timeout_seconds", float, Config.request_timeout, "a positive number of seconds",
                                positive),
        max_retries=api.get("max_retries", int, Config.max_retries, "a whole number from 0 to 10",
                            lambda v: 0 <= v <= 10),
        backoff_seconds=api.get("backoff_seconds", float, Config.backoff_seconds, "a number of seconds >= 0",
                                lambda v: v >= 0),
        max_rate_limit_wait=api.get("max_rate_limit_wait_seconds", float, Config.max_rate_limit_wait,
                                    "a positive number of seconds", positive),
        interval_minutes=col.get("interval_minutes", float, Config.interval_minutes,
                                 f"a number of minutes of at least {MIN_INTERVAL_MINUTES:g} (polling more often "
                                 "finds nothing more and spends API requests)", lambda v: v >= MIN_INTERVAL_MINUTES),
        campaigns=campaigns,
        metrics_refresh=refresh,
        mp_watch=read_mp_watch(tables["mp_watch"]),
        region_display_names=display,
        known_accounts=read_known_accounts(tables["regions"]),
        district_branches=read_district_branches(tables["regions"]),
        monthly_budget_usd=read_budget(file, api, dash),
        budget_warning_share=api.get("budget_warning_share", float, DEFAULT_WARNING_SHARE,
                                     "a share of the budget between 0 and 1 such as 0.8", lambda v: 0 < v <= 1),
        prices=read_prices(api),
        mentions_timeline=read_mentions_timeline(api, campaigns),
        allowed_emails=read_allowed_emails(dash),
        allowed_domains=read_allowed_domains(dash),
        access_contact=dash.get("access_contact", str, None, "who to ask for access, such as an e-mail address",
                                lambda v: bool(v.strip())),
        reports_folder=rep.get("folder", str, Config.reports_folder, "a folder path"),
        smtp=rep.get("smtp", dict, {}, "a table {host, port, from, to}"),
        privacy=read_privacy(tables["privacy"]),
        alerts=read_alerts(root),
        networks=read_networks(data, campaigns, api, tables["bluesky"], tables["mastodon"]),
        bluesky_base_url=tables["bluesky"].http_url("base_url", DEFAULT_BLUESKY_URL),
        actions=read_actions(root),
    )


def _database_url(db: TableReader) -> str:
    url = db.get("url", str, DEFAULT_DATABASE_URL, "a database URL such as sqlite:///data/monitor.db")
    if database_scheme_problem(url):
        db.fail("url", database_scheme_problem(url))
    return url


def load_config(path: str | None = None) -> Config:
    """Read the config file (explicit path, $MONITOR_CONFIG, else built-in defaults)."""
    path = config_path(path)
    if path is None:
        return default_config()
    p = Path(path)
    if not p.is_file():
        raise ConfigError(path, "(file)", "a readable TOML file (not found)")
    try:
        text = p.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise ConfigError(path, "(encoding)", "UTF-8 text") from None
    return parse_config(parse_toml(path, text), path)
