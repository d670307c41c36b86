"""Load and validate config.toml; read secrets from the environment or a secrets file.

Every mistake raises ConfigError naming the file, the key and what was expected, so that
`campaign-monitor` can print one clear line and exit 2. Secrets are never read from config.toml:
a bearer token or password found there is refused, so it cannot end up committed.
"""
from __future__ import annotations

import logging
import os
import re
import tomllib
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, Callable

from monitor.alerts.settings import DEFAULT_MAX_PER_HOUR, DEFAULT_QUIET_HOURS, RULE_DEFAULTS, WEBHOOK_KINDS
from monitor.billing import DEFAULT_PRICES, Prices
from monitor.regions import NATIONAL, REGIONS, KnownAccount, two_tier_counties

log = logging.getLogger(__name__)

DEFAULT_DATABASE_URL = "sqlite:///data/monitor.db"
REAL_X_API = "https://api.twitter.com"
ENV_CONFIG = "MONITOR_CONFIG"
ENV_SECRETS_FILE = "MONITOR_SECRETS_FILE"
ENV_BEARER = "X_BEARER_TOKEN"
ENV_DATABASE_URL = "MONITOR_DATABASE_URL"
ENV_DATABASE_PASSWORD = "MONITOR_DATABASE_PASSWORD"
ENV_PRIVACY_SALT = "MONITOR_PRIVACY_SALT"
PRIVACY_SALT_MIN_LENGTH = 16
ENV_BLUESKY_HANDLE = "BLUESKY_HANDLE"
ENV_BLUESKY_PASSWORD = "BLUESKY_APP_PASSWORD"
ENV_MASTODON_TOKEN_PREFIX = "MASTODON_TOKEN_"   # + the server's host, e.g. MASTODON_TOKEN_MASTODON_SOCIAL
SECRET_KEYS = {"bearer_token", "x_bearer_token", "password", "database_password", "token", "privacy_salt", "salt",
               "app_password", "bluesky_app_password", "access_token"}
HANDLE_RE = re.compile(r"^[A-Za-z0-9_]{1,15}$")
HASHTAG_RE = re.compile(r"^\w{1,100}$")
# The database URLs the project runs on (and is tested on); anything else is a typing mistake to name
# now, not a driver import error or a traceback at the first query.
DATABASE_SCHEMES = ("sqlite", "postgresql", "postgresql+psycopg")
# Polling more often than this finds nothing more (X's search index lags by seconds to minutes) and
# spends requests of the monthly budget.
MIN_INTERVAL_MINUTES = 1.0
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
DOMAIN_RE = re.compile(r"^(?!-)[a-z0-9-]{1,63}(\.[a-z0-9-]{1,63})+$", re.I)
ENV_NAME_RE = re.compile(r"^[A-Z_][A-Z0-9_]{0,100}$")
QUIET_HOURS_RE = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)-([01]\d|2[0-3]):([0-5]\d)$")
DEFAULT_BUDGET_USD = 100.0
DEFAULT_WARNING_SHARE = 0.8
# An MP watch keyword: words (a phrase is searched as one), no quotes, brackets or operators.
KEYWORD_RE = re.compile(r"^[\w']([\w' &-]{0,58}[\w'])?$")
# A Bluesky handle (a domain name: naht.bsky.social) or a DID (did:plc:...).
BLUESKY_ACTOR_RE = re.compile(r"^(did:[a-z]+:[A-Za-z0-9._:%-]{1,200}"
                              r"|[A-Za-z0-9]([A-Za-z0-9-]{0,62}\.)+[A-Za-z]{2,63})$")
SERVER_RE = re.compile(r"^https?://[A-Za-z0-9.-]+(:\d{1,5})?(/[A-Za-z0-9._~/-]*)?$")
DEFAULT_BLUESKY_URL = "https://bsky.social"


class ConfigError(Exception):
    """A configuration mistake: str(error) is one line naming file, key and expectation."""

    def __init__(self, file: str, key: str, expected: str):
        self.file, self.key, self.expected = file, key, expected
        super().__init__(f"{file}: {key}: expected {expected}")


class SecretMissing(ConfigError):
    pass


def slug(text: str) -> str:
    """Lower-case letters and digits joined by '-': a campaign's or region's part of a file name."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def database_scheme_problem(url: str) -> str | None:
    """What is wrong with a database URL's scheme (None when it is one we run on). Names the scheme only,
    never the rest of the URL, which may hold a password."""
    scheme = url.split("://", 1)[0] if "://" in url else None
    if scheme in DATABASE_SCHEMES:
        return None
    accepted = ", ".join(f"{s}://" for s in DATABASE_SCHEMES)
    found = f"{scheme}://" if scheme is not None else "no scheme"
    return f"a database URL starting with one of {accepted} (such as sqlite:///data/monitor.db), got {found}"


@dataclass(frozen=True)
class Campaign:
    name: str
    title: str
    hashtags: tuple[str, ...]
    mentions: tuple[str, ...]
    start_date: date | None = None
    # What the MP watch searches MPs' posts for ([mp_watch]; monitor.mps.watch): the campaign's subject.
    mp_watch_keywords: tuple[str, ...] = ()
    bluesky_mentions: tuple[str, ...] = ()   # Bluesky handles (naht.bsky.social) whose mentions are collected
    mastodon_servers: tuple[str, ...] = ()   # base URLs of the Mastodon servers whose hashtag timelines are read

    @property
    def terms(self) -> tuple[str, ...]:
        """Search terms as X writes them: '#Tag' and '@handle'."""
        return tuple(f"#{t}" for t in self.hashtags) + tuple(f"@{m}" for m in self.mentions)

    @property
    def all_terms(self) -> tuple[str, ...]:
        """Every term a post of any network can match: X's, and the Bluesky accounts' '@handle'."""
        return self.terms + tuple(f"@{m}" for m in self.bluesky_mentions)


@dataclass(frozen=True)
class MetricsRefresh:
    # Hours after posting at which a post's metrics are re-read: most engagement comes early,
    # so reads thin out as a post ages (a decaying schedule), and stop after max_age_hours.
    schedule_hours: tuple[float, ...] = (1, 3, 8, 24, 72, 168)
    max_age_hours: float = 168
    batch_size: int = 100
    # Reads go out in full batches: a read may come this much before or after its scheduled age, so a
    # lookup waits for up to this long to fill, then takes the posts due next too. 0: each post at
    # its time, whatever the batch size (more requests, same number of post reads).
    window_minutes: float = 60
    # Selective refresh (monitor.refresh_policy): re-read where it can change the figures. Off: every post at
    # every step of schedule_hours (the full schedule).
    selective: bool = True
    # A post is "promising", and read at the later, billed steps, when it has at least this many engagements
    # or impressions, or its author this many followers; otherwise it is read only while a read is free
    # (the UTC day X already billed it).
    promising_engagements: int = 3
    promising_impressions: int = 300
    promising_followers: int = 2000


@dataclass(frozen=True)
class MentionsTimeline:
    """Read mentions of the campaign's own account through GET /2/users/:id/mentions (owned reads, cheaper)
    instead of search. Only when the X app belongs to that account."""
    enabled: bool = False
    username: str | None = None   # the handle whose mentions this reads (one of a campaign's mentions)
    user_id: str | None = None    # its X user id


@dataclass(frozen=True)
class Webhook:
    name: str
    kind: str       # slack | teams | json
    url_env: str    # the environment variable holding the URL (a webhook URL is a secret)


@dataclass(frozen=True)
class Alerts:
    email: bool = True                              # to email_to, else [reports.smtp]'s recipients
    digest: bool = False                            # the daily digest, 08:00 UK time, by e-mail
    email_to: tuple[str, ...] = ()
    webhooks: tuple[Webhook, ...] = ()
    quiet_hours: str = DEFAULT_QUIET_HOURS          # "22:00-07:00" UK time
    max_per_hour: int = DEFAULT_MAX_PER_HOUR
    rules: dict[str, dict] = field(default_factory=lambda: {k: dict(v) for k, v in RULE_DEFAULTS.items()})

    def rule(self, name: str) -> dict:
        return self.rules.get(name, RULE_DEFAULTS.get(name, {}))


@dataclass(frozen=True)
class Privacy:
    # Raw API responses are kept this many days after they were collected (to re-derive a column a later
    # parser adds), then dropped; the parsed columns stay.
    raw_json_days: int = 90
    # An author not seen in a collected post or page for this many days loses their profile fields.
    author_inactive_days: int = 400


@dataclass(frozen=True)
class MpWatch:
    # Off by default: every query costs requests and post reads (monitor.mps.watch).
    enabled: bool = False
    interval_minutes: float = 60.0


# Kinds of campaign action a person can record (monitor.actions); [actions] kinds replaces the list.
DEFAULT_ACTION_KINDS = ("MP roundtable", "Letter-writing", "School visit", "Media", "Conference", "Other")
DEFAULT_EFFECT_DAYS = 7   # an action's effect compares this many UK days after it with as many before


@dataclass(frozen=True)
class ActionSettings:
    kinds: tuple[str, ...] = DEFAULT_ACTION_KINDS
    effect_days: int = DEFAULT_EFFECT_DAYS


@dataclass(frozen=True)
class Config:
    path: str
    database_url: str = DEFAULT_DATABASE_URL
    api_base_url: str = REAL_X_API
    request_timeout: float = 20.0
    max_retries: int = 4
    backoff_seconds: float = 2.0
    max_rate_limit_wait: float = 900.0
    interval_minutes: float = 15.0
    campaigns: tuple[Campaign, ...] = ()
    metrics_refresh: MetricsRefresh = field(default_factory=MetricsRefresh)
    mp_watch: MpWatch = field(default_factory=MpWatch)
    region_display_names: dict[str, str] = field(default_factory=dict)
    known_accounts: tuple[KnownAccount, ...] = ()
    # Two-tier counties whose NAHT branches follow their districts: a post there gets the district
    # as its branch instead of the county.
    district_branches: tuple[str, ...] = ()
    monthly_budget_usd: float = DEFAULT_BUDGET_USD
    budget_warning_share: float = DEFAULT_WARNING_SHARE
    prices: Prices = DEFAULT_PRICES
    mentions_timeline: MentionsTimeline = field(default_factory=MentionsTimeline)
    # Who may use the dashboard once signed in (monitor.access): exact addresses and whole domains.
    allowed_emails: tuple[str, ...] = ()
    allowed_domains: tuple[str, ...] = ()
    access_contact: str | None = None  # who to ask for access, shown to a refused visitor
    reports_folder: str = "data/reports"
    smtp: dict[str, Any] = field(default_factory=dict)
    privacy: Privacy = field(default_factory=Privacy)
    alerts: Alerts = field(default_factory=Alerts)
    networks: tuple[str, ...] = ("x",)   # the networks collected (monitor.networks keys), see parse_config
    bluesky_base_url: str = DEFAULT_BLUESKY_URL
    actions: ActionSettings = field(default_factory=ActionSettings)

    def campaign(self, name: str) -> Campaign:
        for c in self.campaigns:
            if c.name == name:
                return c
        names = ", ".join(c.name for c in self.campaigns)
        raise ConfigError(self.path, "campaigns", f"a campaign named {name!r} (have: {names})")


DEMO_CAMPAIGN = Campaign(
    name="invest-in-pupil-and-family-services",
    title="Invest in Pupil and Family Services",
    hashtags=("InvestInPupilServices", "PupilAndFamilyServices", "FundOurSchools"),
    mentions=("NAHTnews",),
    start_date=None,
    mp_watch_keywords=("pupil services", "CAMHS", "SEND", "speech and language therapy",
                       "educational psychologists", "school funding"),
)


# NAHT's national account: its posts are NAHT's own (monitor.metrics.audience), in no region.
DEFAULT_KNOWN_ACCOUNTS = (KnownAccount("NAHTnews", NATIONAL),)


def default_config() -> Config:
    """The embedded defaults `make demo` runs on: SQLite file, one campaign, NAHT's national account."""
    return Config(path="<built-in defaults>", campaigns=(DEMO_CAMPAIGN,), known_accounts=DEFAULT_KNOWN_ACCOUNTS)


# --- validation helpers: each returns the value or raises ConfigError(file, key, expected)

class _Reader:
    def __init__(self, file: str, table: dict, prefix: str = ""):
        self.file, self.table, self.prefix = file, table, prefix

    def key(self, name: str) -> str:
        return f"{self.prefix}{name}"

    def fail(self, name: str, expected: str):
        raise ConfigError(self.file, self.key(name), expected)

    def get(self, name: str, kind: type | tuple, default: Any, expected: str,
            check: Callable[[Any], bool] = lambda v: True) -> Any:
        if name not in self.table:
            return default
        value = self.table[name]
        if kind in (int, float) and isinstance(value, bool):
            self.fail(name, expected)
        if kind is float and isinstance(value, int):
            value = float(value)
        if not isinstance(value, kind) or not check(value):
            self.fail(name, f"{expected}, got {value!r}")
        return value

    def sub(self, name: str) -> "_Reader":
        value = self.table.get(name, {})
        if not isinstance(value, dict):
            self.fail(name, "a table")
        return _Reader(self.file, value, f"{self.key(name)}.")

    def unknown_keys(self, allowed: set[str]):
        for k in self.table:
            if k in SECRET_KEYS:
                raise ConfigError(self.file, self.key(k), "no secret here: set it in the environment "
                                  f"({ENV_BEARER}, {ENV_DATABASE_PASSWORD}) or a secrets file")
            if k not in allowed:
                self.fail(k, f"one of {', '.join(sorted(allowed))} (unknown key)")


def _positive(v) -> bool:
    return v > 0


def _str_list(r: _Reader, name: str, pattern: re.Pattern, what: str, strip: str) -> tuple[str, ...]:
    items = r.get(name, list, [], f"a list of {what}")
    out = []
    for i, item in enumerate(items):
        if not isinstance(item, str) or not pattern.match(item.lstrip(strip)):
            raise ConfigError(r.file, f"{r.key(name)}[{i}]", f"{what}, got {item!r}")
        out.append(item.lstrip(strip))
    return tuple(out)


def _campaign(file: str, table: Any, index: int) -> Campaign:
    key = f"campaigns[{index}]"
    if not isinstance(table, dict):
        raise ConfigError(file, key, "a table with name and hashtags")
    r = _Reader(file, table, f"{key}.")
    r.unknown_keys({"name", "title", "hashtags", "mentions", "start_date", "mp_watch_keywords", "bluesky_mentions",
                    "mastodon_servers"})
    name = r.get("name", str, None, "a non-empty name", lambda v: bool(v.strip()))
    if name is None:
        r.fail("name", "a non-empty name (missing)")
    hashtags = _str_list(r, "hashtags", HASHTAG_RE, "hashtags such as 'InvestInPupilServices'", "#")
    mentions = _str_list(r, "mentions", HANDLE_RE, "X handles such as 'NAHTnews'", "@")
    if not hashtags and not mentions:
        r.fail("hashtags", "at least one hashtag or mention to search for")
    start = r.get("start_date", date, None, "a date such as 2026-11-01")
    title = r.get("title", str, name, "a string")
    keywords = _str_list(r, "mp_watch_keywords", KEYWORD_RE, "keywords or phrases such as 'school funding'", "")
    bluesky = _str_list(r, "bluesky_mentions", BLUESKY_ACTOR_RE, "Bluesky handles such as 'naht.bsky.social'", "@")
    servers = tuple(s.rstrip("/") for s in _str_list(r, "mastodon_servers", SERVER_RE,
                                                      "Mastodon server URLs such as 'https://mastodon.social'", ""))
    return Campaign(name=name.strip(), title=title, hashtags=hashtags, mentions=mentions, start_date=start,
                    mp_watch_keywords=keywords, bluesky_mentions=bluesky, mastodon_servers=servers)


def _check_campaign_slugs(root: _Reader, campaigns: tuple[Campaign, ...]) -> None:
    """Campaigns are told apart in file names (reports) by their slug: two names with one slug would
    write one campaign's weekly report over the other's."""
    seen: dict[str, str] = {}
    for i, c in enumerate(campaigns):
        key = slug(c.name)
        if not key:
            raise ConfigError(root.file, f"campaigns[{i}].name", f"a name with a letter or digit, got {c.name!r}")
        if key in seen:
            raise ConfigError(root.file, f"campaigns[{i}].name",
                              f"a name that differs from campaign {seen[key]!r} in its letters or digits "
                              f"(both {seen[key]!r} and {c.name!r} are {key!r} in report file names)")
        seen[key] = c.name


def _known_accounts(r: _Reader) -> tuple[KnownAccount, ...]:
    items = r.get("known_accounts", list, [], "a list of tables {username, region, branch}")
    out = []
    for i, item in enumerate(items):
        key = f"{r.key('known_accounts')}[{i}]"
        if not isinstance(item, dict):
            raise ConfigError(r.file, key, "a table {username, region, branch}")
        kr = _Reader(r.file, item, f"{key}.")
        kr.unknown_keys({"username", "region", "branch"})
        user = kr.get("username", str, "", "an X handle", lambda v: bool(HANDLE_RE.match(v.lstrip("@"))))
        if not user:
            kr.fail("username", "an X handle (missing)")
        # A national account (NAHT's own, for the whole country) is in no region: NATIONAL.
        allowed = ", ".join([*REGIONS, NATIONAL])
        region = kr.get("region", str, "", f"one of {allowed}", lambda v: v in REGIONS or v == NATIONAL)
        if not region:
            kr.fail("region", f"one of {allowed} (missing)")
        branch = kr.get("branch", str, None, "a local authority name")
        out.append(KnownAccount(user.lstrip("@"), region, branch))
    return tuple(out)


def _district_branches(r: _Reader) -> tuple[str, ...]:
    counties = two_tier_counties()
    expected = f"two-tier counties whose branches follow their districts, from {', '.join(counties)}"
    items = r.get("district_branches", list, [], f"a list of {expected}")
    for i, item in enumerate(items):
        if item not in counties:
            raise ConfigError(r.file, f"{r.key('district_branches')}[{i}]",
                              f"one of {', '.join(counties)}, got {item!r}")
    return tuple(items)
def _dollars(v) -> bool:
    return v >= 0


def _budget(file: str, api: _Reader, dash: _Reader) -> float:
    """[x_api] monthly_budget_usd; the old [dashboard] monthly_budget_usd is still read, with a notice."""
    expected = "a number of dollars >= 0"
    if "monthly_budget_usd" in api.table:
        return api.get("monthly_budget_usd", float, DEFAULT_BUDGET_USD, expected, _dollars)
    if "monthly_budget_usd" in dash.table:
        log.warning("%s: dashboard.monthly_budget_usd has moved to x_api.monthly_budget_usd (read from the old "
                    "place for now: move it)", file)
        return dash.get("monthly_budget_usd", float, DEFAULT_BUDGET_USD, expected, _dollars)
    return DEFAULT_BUDGET_USD


def _prices(api: _Reader) -> Prices:
    def price(name: str, default: float) -> float:
        return api.get(name, float, default, "a price in dollars >= 0 such as 0.005", _dollars)

    return Prices(post_read=price("price_per_post_read", DEFAULT_PRICES.post_read),
                  user_read=price("price_per_user_read", DEFAULT_PRICES.user_read),
                  owned_read=price("price_per_owned_read", DEFAULT_PRICES.owned_read))


def _mentions_timeline(api: _Reader, campaigns: tuple[Campaign, ...]) -> MentionsTimeline:
    mt = api.sub("mentions_timeline")
    mt.unknown_keys({"enabled", "username", "user_id"})
    enabled = mt.get("enabled", bool, False, "true or false")
    username = mt.get("username", str, None, "an X handle such as 'NAHTnews'",
                      lambda v: bool(HANDLE_RE.match(v.lstrip("@"))))
    user_id = mt.get("user_id", str, None, "the account's X user id, digits such as '2244994945'",
                     lambda v: v.isdigit())
    if enabled:
        if not username:
            mt.fail("username", "the handle whose mentions the timeline reads (missing)")
        if not user_id:
            mt.fail("user_id", "the X user id of that account, digits in quotes (missing)")
        if not any(username.lstrip("@").lower() == m.lower() for c in campaigns for m in c.mentions):
            mt.fail("username", f"one of the campaigns' mentions, got {username!r}")
    return MentionsTimeline(enabled, username.lstrip("@") if username else None, user_id)


def _alerts(root: _Reader) -> Alerts:
    al = root.sub("alerts")
    al.unknown_keys({"email", "email_to", "digest", "webhooks", "quiet_hours", "max_per_hour", "rules"})
    email_to = al.get("email_to", (list, str), [], "an address or a list of addresses")
    email_to = [email_to] if isinstance(email_to, str) else email_to
    if not all(isinstance(a, str) and "@" in a for a in email_to):
        al.fail("email_to", f"e-mail addresses such as 'comms@example.org', got {email_to!r}")
    quiet = al.get("quiet_hours", str, DEFAULT_QUIET_HOURS, "UK hours such as '22:00-07:00', or ''",
                   lambda v: v == "" or bool(QUIET_HOURS_RE.match(v)))
    hooks = []
    for i, item in enumerate(al.get("webhooks", list, [], "a list of [[alerts.webhooks]] tables")):
        key = f"{al.key('webhooks')}[{i}]"
        if not isinstance(item, dict):
            raise ConfigError(al.file, key, "a table {name, kind, url_env}")
        w = _Reader(al.file, item, f"{key}.")
        if "url" in item:
            w.fail("url", "no URL here (a webhook URL is a secret): name the environment variable that holds it "
                          "in url_env")
        w.unknown_keys({"name", "kind", "url_env"})
        kind = w.get("kind", str, None, f"one of {', '.join(WEBHOOK_KINDS)}", lambda v: v in WEBHOOK_KINDS)
        url_env = w.get("url_env", str, None, "an environment variable name such as MONITOR_ALERT_SLACK_URL",
                        lambda v: bool(ENV_NAME_RE.match(v)))
        if kind is None or url_env is None:
            w.fail("kind" if kind is None else "url_env", "a value (missing)")
        hooks.append(Webhook(w.get("name", str, f"{kind}-{i + 1}", "a name"), kind, url_env))
    if len({h.name for h in hooks}) != len(hooks):
        al.fail("webhooks", "webhooks with unique names")
    return Alerts(email=al.get("email", bool, True, "true or false"), email_to=tuple(email_to),
                  digest=al.get("digest", bool, False, "true or false"),
                  webhooks=tuple(hooks), quiet_hours=quiet,
                  max_per_hour=al.get("max_per_hour", int, DEFAULT_MAX_PER_HOUR, "a whole number >= 1",
                                      lambda v: v >= 1),
                  rules=_alert_rules(al.sub("rules")))


def _alert_rules(rules: _Reader) -> dict[str, dict]:
    rules.unknown_keys(set(RULE_DEFAULTS))
    out = {}
    for name, defaults in RULE_DEFAULTS.items():
        r = rules.sub(name)
        r.unknown_keys(set(defaults))
        out[name] = {key: r.get(key, bool, default, "true or false") if isinstance(default, bool)
                     else r.get(key, float, float(default), "a number >= 0", _dollars)
                     for key, default in defaults.items()}
    return out


def _actions(root: _Reader) -> ActionSettings:
    r = root.sub("actions")
    r.unknown_keys({"kinds", "effect_days"})
    kinds = r.get("kinds", list, list(DEFAULT_ACTION_KINDS), "a list of action kinds such as [\"MP roundtable\"]",
                  lambda v: len(v) > 0)
    seen: set[str] = set()
    for i, kind in enumerate(kinds):
        if not isinstance(kind, str) or not kind.strip() or len(kind.strip()) > 60:
            raise ConfigError(r.file, f"{r.key('kinds')}[{i}]", f"a kind's name of 1 to 60 characters, got {kind!r}")
        if kind.strip().casefold() in seen:
            raise ConfigError(r.file, f"{r.key('kinds')}[{i}]", f"each kind once, got {kind!r} twice")
        seen.add(kind.strip().casefold())
    days = r.get("effect_days", int, DEFAULT_EFFECT_DAYS, "a whole number of days from 1 to 60",
                 lambda v: 1 <= v <= 60)
    return ActionSettings(tuple(k.strip() for k in kinds), days)


def parse_config(data: dict, file: str) -> Config:
    root = _Reader(file, data)
    root.unknown_keys({"database", "x_api", "bluesky", "mastodon", "collection", "metrics_refresh", "campaigns",
                       "regions", "dashboard", "reports", "privacy", "alerts", "mp_watch", "actions"})
    db = root.sub("database")
    db.unknown_keys({"url"})
    api = root.sub("x_api")
    api.unknown_keys({"enabled", "base_url", "timeout_seconds", "max_retries", "backoff_seconds",
                      "max_rate_limit_wait_seconds", "monthly_budget_usd", "budget_warning_share",
                      "price_per_post_read", "price_per_user_read", "price_per_owned_read", "mentions_timeline"})
    bsky = root.sub("bluesky")
    bsky.unknown_keys({"enabled", "base_url"})
    masto = root.sub("mastodon")
    masto.unknown_keys({"enabled"})
    col = root.sub("collection")
    col.unknown_keys({"interval_minutes"})
    mr = root.sub("metrics_refresh")
    mr.unknown_keys({"schedule_hours", "max_age_hours", "batch_size", "window_minutes", "selective",
                     "promising_engagements", "promising_impressions", "promising_followers"})
    reg = root.sub("regions")
    reg.unknown_keys({"display_names", "known_accounts", "district_branches"})
    dash = root.sub("dashboard")
    dash.unknown_keys({"monthly_budget_usd", "allowed_emails", "allowed_domains", "access_contact"})
    rep = root.sub("reports")
    rep.unknown_keys({"folder", "smtp"})
    priv = root.sub("privacy")
    priv.unknown_keys({"raw_json_days", "author_inactive_days"})
    watch = root.sub("mp_watch")
    watch.unknown_keys({"enabled", "interval_minutes"})

    campaigns_raw = root.get("campaigns", list, None, "a list of [[campaigns]] tables")
    if not campaigns_raw:
        root.fail("campaigns", "at least one [[campaigns]] table")
    campaigns = tuple(_campaign(file, c, i) for i, c in enumerate(campaigns_raw))
    _check_campaign_slugs(root, campaigns)

    schedule = mr.get("schedule_hours", list, list(MetricsRefresh.schedule_hours),
                      "a rising list of hours such as [1, 3, 8, 24]",
                      lambda v: all(isinstance(h, (int, float)) and h > 0 for h in v) and v == sorted(v))
    refresh = MetricsRefresh(
        schedule_hours=tuple(float(h) for h in schedule),
        max_age_hours=mr.get("max_age_hours", float, MetricsRefresh.max_age_hours, "a positive number of hours",
                             _positive),
        batch_size=mr.get("batch_size", int, 100, "a whole number from 1 to 100", lambda v: 1 <= v <= 100),
        window_minutes=mr.get("window_minutes", float, MetricsRefresh.window_minutes,
                              "a number of minutes from 0 to 1440", lambda v: 0 <= v <= 1440),
        selective=mr.get("selective", bool, MetricsRefresh.selective, "true or false"),
        promising_engagements=mr.get("promising_engagements", int, MetricsRefresh.promising_engagements,
                                     "a whole number >= 0", _dollars),
        promising_impressions=mr.get("promising_impressions", int, MetricsRefresh.promising_impressions,
                                     "a whole number >= 0", _dollars),
        promising_followers=mr.get("promising_followers", int, MetricsRefresh.promising_followers,
                                   "a whole number >= 0", _dollars),
    )
    display = reg.get("display_names", dict, {}, "a table of region key = display name")
    for k, v in display.items():
        if k not in REGIONS or not isinstance(v, str):
            raise ConfigError(file, f"regions.display_names.{k}",
                              f"a display name for one of {', '.join(REGIONS)}")
    url = db.get("url", str, DEFAULT_DATABASE_URL, "a database URL such as sqlite:///data/monitor.db")
    if database_scheme_problem(url):
        db.fail("url", database_scheme_problem(url))
    return Config(
        path=file,
        database_url=url,
        api_base_url=api.get("base_url", str, REAL_X_API, "an http(s) URL",
                             lambda v: v.startswith(("http://", "https://"))).rstrip("/"),
        request_timeout=api.get("timeout_seconds", float, 20.0, "a positive number of seconds", _positive),
        max_retries=api.get("max_retries", int, 4, "a whole number from 0 to 10", lambda v: 0 <= v <= 10),
        backoff_seconds=api.get("backoff_seconds", float, 2.0, "a number of seconds >= 0", lambda v: v >= 0),
        max_rate_limit_wait=api.get("max_rate_limit_wait_seconds", float, 900.0, "a positive number of seconds",
                                    _positive),
        interval_minutes=col.get("interval_minutes", float, 15.0,
                                 f"a number of minutes of at least {MIN_INTERVAL_MINUTES:g} (polling more often "
                                 "finds nothing more and spends API requests)", lambda v: v >= MIN_INTERVAL_MINUTES),
        campaigns=campaigns,
        metrics_refresh=refresh,
        mp_watch=MpWatch(enabled=watch.get("enabled", bool, False, "true or false"),
                         interval_minutes=watch.get("interval_minutes", float, 60.0, "a positive number of minutes",
                                                    _positive)),
        region_display_names=dict(display),
        known_accounts=_known_accounts(reg),
        district_branches=_district_branches(reg),
        monthly_budget_usd=_budget(file, api, dash),
        budget_warning_share=api.get("budget_warning_share", float, DEFAULT_WARNING_SHARE,
                                     "a share of the budget between 0 and 1 such as 0.8", lambda v: 0 < v <= 1),
        prices=_prices(api),
        mentions_timeline=_mentions_timeline(api, campaigns),
        allowed_emails=tuple(e.lower() for e in _str_list(dash, "allowed_emails", EMAIL_RE,
                                                            "e-mail addresses such as 'name@naht.org.uk'", "")),
        allowed_domains=tuple(d.lower() for d in _str_list(dash, "allowed_domains", DOMAIN_RE,
                                                             "e-mail domains such as 'naht.org.uk'", "@")),
        access_contact=dash.get("access_contact", str, None, "who to ask for access, such as an e-mail address",
                                lambda v: bool(v.strip())),
        reports_folder=rep.get("folder", str, "data/reports", "a folder path"),
        smtp=rep.get("smtp", dict, {}, "a table {host, port, from, to}"),
        privacy=Privacy(
            raw_json_days=priv.get("raw_json_days", int, Privacy.raw_json_days, "a whole number of days >= 1",
                                   _positive),
            author_inactive_days=priv.get("author_inactive_days", int, Privacy.author_inactive_days,
                                          "a whole number of days >= 1", _positive),
        ),
        alerts=_alerts(root),
        networks=_networks(data, campaigns, api, bsky, masto),
        bluesky_base_url=bsky.get("base_url", str, DEFAULT_BLUESKY_URL, "an http(s) URL",
                                  lambda v: v.startswith(("http://", "https://"))).rstrip("/"),
        actions=_actions(root),
    )


def _networks(data: dict, campaigns: tuple[Campaign, ...], api: _Reader, bsky: _Reader,
              masto: _Reader) -> tuple[str, ...]:
    """The networks collected. X unless `[x_api] enabled = false`; Bluesky and Mastodon when the file asks
    for them (a [bluesky] or [mastodon] table, a campaign's bluesky_mentions or mastodon_servers) and
    does not say `enabled = false`: a config written for X alone goes on collecting X alone."""
    flag = "true or false"
    on = []
    if api.get("enabled", bool, True, flag):
        on.append("x")
    wants_bluesky = "bluesky" in data or any(c.bluesky_mentions for c in campaigns)
    if bsky.get("enabled", bool, wants_bluesky, flag):
        on.append("bluesky")
    wants_mastodon = "mastodon" in data or any(c.mastodon_servers for c in campaigns)
    if masto.get("enabled", bool, wants_mastodon, flag):
        if not any(c.mastodon_servers for c in campaigns):
            masto.fail("enabled", "mastodon_servers in at least one campaign to read hashtags from")
        on.append("mastodon")
    return tuple(on)


def config_path(explicit: str | None) -> str | None:
    return explicit or os.environ.get(ENV_CONFIG) or None


def load_config(path: str | None = None) -> Config:
    """Read the config file (explicit path, $MONITOR_CONFIG, else built-in defaults)."""
    path = config_path(path)
    if path is None:
        return default_config()
    p = Path(path)
    if not p.is_file():
        raise ConfigError(path, "(file)", "a readable TOML file (not found)")
    try:
        data = tomllib.loads(p.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as e:
        raise ConfigError(path, "(syntax)", f"valid TOML ({e})") from None
    except UnicodeDecodeError:
        raise ConfigError(path, "(encoding)", "UTF-8 text") from None
    return parse_config(data, path)


# --- secrets -----------------------------------------------------------------------------

def _secrets_file() -> dict:
    path = os.environ.get(ENV_SECRETS_FILE)
    if not path:
        return {}
    try:
        return tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(path, "(file)", f"a readable secrets file ({ENV_SECRETS_FILE} points here)") from None
    except tomllib.TOMLDecodeError as e:
        raise ConfigError(path, "(syntax)", f"valid TOML ({e})") from None


def bearer_token(required: bool = True) -> str | None:
    token = os.environ.get(ENV_BEARER) or _secrets_file().get("x_bearer_token")
    if not token and required:
        raise SecretMissing("environment", ENV_BEARER,
                            f"the X API bearer token (set {ENV_BEARER}, or x_bearer_token in the file named by "
                            f"{ENV_SECRETS_FILE})")
    return token


def privacy_salt() -> str:
    """The key of the salted hashes that record privacy requests: from the environment or the secrets
    file, never from config.toml or the database (a hash keyed with a stored salt could be checked
    against a list of handles by anyone who can read the database)."""
    salt = os.environ.get(ENV_PRIVACY_SALT) or _secrets_file().get("privacy_salt")
    if not salt:
        raise SecretMissing("environment", ENV_PRIVACY_SALT,
                            f"a long random string keying the hash of handles in privacy requests (set "
                            f"{ENV_PRIVACY_SALT}, or privacy_salt in the file named by {ENV_SECRETS_FILE}; make one "
                            "with: python3 -c 'import secrets; print(secrets.token_hex(32))')")
    if len(salt) < PRIVACY_SALT_MIN_LENGTH:
        raise ConfigError("environment", ENV_PRIVACY_SALT,
                          f"a random string of at least {PRIVACY_SALT_MIN_LENGTH} characters, got {len(salt)}")
    return salt


def bluesky_credentials() -> tuple[str, str]:
    """The Bluesky handle and app password (never the account password: an app password can be revoked)."""
    secrets = _secrets_file()
    handle = os.environ.get(ENV_BLUESKY_HANDLE) or secrets.get("bluesky_handle")
    password = os.environ.get(ENV_BLUESKY_PASSWORD) or secrets.get("bluesky_app_password")
    if not handle or not password:
        missing = ENV_BLUESKY_HANDLE if not handle else ENV_BLUESKY_PASSWORD
        raise SecretMissing("environment", missing,
                            f"the Bluesky account to search with (set {ENV_BLUESKY_HANDLE} and {ENV_BLUESKY_PASSWORD}, "
                            f"an app password from the account's settings, or bluesky_handle and "
                            f"bluesky_app_password in the file named by {ENV_SECRETS_FILE}; or switch Bluesky off "
                            "with [bluesky] enabled = false)")
    return handle.strip().lstrip("@"), password


def mastodon_token_variable(server: str) -> str:
    """MASTODON_TOKEN_ and the server's host (and port), upper case, other characters as '_'."""
    host = re.sub(r"^https?://", "", server).split("/")[0]
    return ENV_MASTODON_TOKEN_PREFIX + re.sub(r"[^A-Za-z0-9]", "_", host).upper()


def mastodon_token(server: str) -> str | None:
    """A server's access token, when it has one (hashtag timelines are public on most servers)."""
    tokens = _secrets_file().get("mastodon_tokens") or {}
    host = re.sub(r"^https?://", "", server).split("/")[0]
    return os.environ.get(mastodon_token_variable(server)) or (tokens.get(host) if isinstance(tokens, dict) else None)


def database_url(config: Config) -> str:
    """The configured URL, overridden by $MONITOR_DATABASE_URL, with a password from the environment."""
    url = os.environ.get(ENV_DATABASE_URL) or config.database_url
    if os.environ.get(ENV_DATABASE_URL) and database_scheme_problem(url):
        raise ConfigError("environment", ENV_DATABASE_URL, database_scheme_problem(url))
    password = os.environ.get(ENV_DATABASE_PASSWORD) or _secrets_file().get("database_password")
    if password and "://" in url and "@" in url:
        from sqlalchemy.engine import make_url
        return make_url(url).set(password=password).render_as_string(hide_password=False)
    return url
