"""Load and validate config.toml; read secrets from the environment or a secrets file.

Every mistake raises ConfigError naming the file, the key and what was expected, so that
`campaign-monitor` can print one clear line and exit 2. Secrets are never read from config.toml:
a bearer token or password found there is refused, so it cannot end up committed.
"""
from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, Callable

from monitor.regions import REGIONS, KnownAccount

DEFAULT_DATABASE_URL = "sqlite:///data/monitor.db"
REAL_X_API = "https://api.twitter.com"
ENV_CONFIG = "MONITOR_CONFIG"
ENV_SECRETS_FILE = "MONITOR_SECRETS_FILE"
ENV_BEARER = "X_BEARER_TOKEN"
ENV_DATABASE_URL = "MONITOR_DATABASE_URL"
ENV_DATABASE_PASSWORD = "MONITOR_DATABASE_PASSWORD"
ENV_BLUESKY_HANDLE = "BLUESKY_HANDLE"
ENV_BLUESKY_PASSWORD = "BLUESKY_APP_PASSWORD"
ENV_MASTODON_TOKEN_PREFIX = "MASTODON_TOKEN_"   # + the server's host, e.g. MASTODON_TOKEN_MASTODON_SOCIAL
SECRET_KEYS = {"bearer_token", "x_bearer_token", "password", "database_password", "token", "app_password",
               "bluesky_app_password", "access_token"}
HANDLE_RE = re.compile(r"^[A-Za-z0-9_]{1,15}$")
HASHTAG_RE = re.compile(r"^\w{1,100}$")
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


@dataclass(frozen=True)
class Campaign:
    name: str
    title: str
    hashtags: tuple[str, ...]
    mentions: tuple[str, ...]
    start_date: date | None = None
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
    region_display_names: dict[str, str] = field(default_factory=dict)
    known_accounts: tuple[KnownAccount, ...] = ()
    monthly_budget_usd: float = 100.0
    reports_folder: str = "data/reports"
    smtp: dict[str, Any] = field(default_factory=dict)
    networks: tuple[str, ...] = ("x",)   # the networks collected (monitor.networks keys), see parse_config
    bluesky_base_url: str = DEFAULT_BLUESKY_URL

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
)


def default_config() -> Config:
    """The embedded defaults `make demo` runs on: SQLite file, one campaign."""
    return Config(path="<built-in defaults>", campaigns=(DEMO_CAMPAIGN,))


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
    r.unknown_keys({"name", "title", "hashtags", "mentions", "start_date", "bluesky_mentions", "mastodon_servers"})
    name = r.get("name", str, None, "a non-empty name", lambda v: bool(v.strip()))
    if name is None:
        r.fail("name", "a non-empty name (missing)")
    hashtags = _str_list(r, "hashtags", HASHTAG_RE, "hashtags such as 'InvestInPupilServices'", "#")
    mentions = _str_list(r, "mentions", HANDLE_RE, "X handles such as 'NAHTnews'", "@")
    if not hashtags and not mentions:
        r.fail("hashtags", "at least one hashtag or mention to search for")
    start = r.get("start_date", date, None, "a date such as 2026-11-01")
    title = r.get("title", str, name, "a string")
    bluesky = _str_list(r, "bluesky_mentions", BLUESKY_ACTOR_RE, "Bluesky handles such as 'naht.bsky.social'", "@")
    servers = tuple(s.rstrip("/") for s in _str_list(r, "mastodon_servers", SERVER_RE,
                                                      "Mastodon server URLs such as 'https://mastodon.social'", ""))
    return Campaign(name=name.strip(), title=title, hashtags=hashtags, mentions=mentions, start_date=start,
                    bluesky_mentions=bluesky, mastodon_servers=servers)


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
        region = kr.get("region", str, "", f"one of {', '.join(REGIONS)}",
                        lambda v: v in REGIONS)
        if not region:
            kr.fail("region", f"one of {', '.join(REGIONS)} (missing)")
        branch = kr.get("branch", str, None, "a local authority name")
        out.append(KnownAccount(user.lstrip("@"), region, branch))
    return tuple(out)


def parse_config(data: dict, file: str) -> Config:
    root = _Reader(file, data)
    root.unknown_keys({"database", "x_api", "bluesky", "mastodon", "collection", "metrics_refresh", "campaigns",
                       "regions", "dashboard", "reports"})
    db = root.sub("database")
    db.unknown_keys({"url"})
    api = root.sub("x_api")
    api.unknown_keys({"enabled", "base_url", "timeout_seconds", "max_retries", "backoff_seconds",
                      "max_rate_limit_wait_seconds"})
    bsky = root.sub("bluesky")
    bsky.unknown_keys({"enabled", "base_url"})
    masto = root.sub("mastodon")
    masto.unknown_keys({"enabled"})
    col = root.sub("collection")
    col.unknown_keys({"interval_minutes"})
    mr = root.sub("metrics_refresh")
    mr.unknown_keys({"schedule_hours", "max_age_hours", "batch_size", "window_minutes"})
    reg = root.sub("regions")
    reg.unknown_keys({"display_names", "known_accounts"})
    dash = root.sub("dashboard")
    dash.unknown_keys({"monthly_budget_usd"})
    rep = root.sub("reports")
    rep.unknown_keys({"folder", "smtp"})

    campaigns_raw = root.get("campaigns", list, None, "a list of [[campaigns]] tables")
    if not campaigns_raw:
        root.fail("campaigns", "at least one [[campaigns]] table")
    campaigns = tuple(_campaign(file, c, i) for i, c in enumerate(campaigns_raw))
    names = [c.name for c in campaigns]
    if len(set(names)) != len(names):
        root.fail("campaigns", f"unique campaign names, got {names}")

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
    )
    display = reg.get("display_names", dict, {}, "a table of region key = display name")
    for k, v in display.items():
        if k not in REGIONS or not isinstance(v, str):
            raise ConfigError(file, f"regions.display_names.{k}",
                              f"a display name for one of {', '.join(REGIONS)}")
    return Config(
        path=file,
        database_url=db.get("url", str, DEFAULT_DATABASE_URL, "a SQLAlchemy URL such as sqlite:///data/monitor.db",
                            lambda v: "://" in v),
        api_base_url=api.get("base_url", str, REAL_X_API, "an http(s) URL",
                             lambda v: v.startswith(("http://", "https://"))).rstrip("/"),
        request_timeout=api.get("timeout_seconds", float, 20.0, "a positive number of seconds", _positive),
        max_retries=api.get("max_retries", int, 4, "a whole number from 0 to 10", lambda v: 0 <= v <= 10),
        backoff_seconds=api.get("backoff_seconds", float, 2.0, "a number of seconds >= 0", lambda v: v >= 0),
        max_rate_limit_wait=api.get("max_rate_limit_wait_seconds", float, 900.0, "a positive number of seconds",
                                    _positive),
        interval_minutes=col.get("interval_minutes", float, 15.0, "a positive number of minutes", _positive),
        campaigns=campaigns,
        metrics_refresh=refresh,
        region_display_names=dict(display),
        known_accounts=_known_accounts(reg),
        monthly_budget_usd=dash.get("monthly_budget_usd", float, 100.0, "a number of dollars >= 0", lambda v: v >= 0),
        reports_folder=rep.get("folder", str, "data/reports", "a folder path"),
        smtp=rep.get("smtp", dict, {}, "a table {host, port, from, to}"),
        networks=_networks(data, campaigns, api, bsky, masto),
        bluesky_base_url=bsky.get("base_url", str, DEFAULT_BLUESKY_URL, "an http(s) URL",
                                  lambda v: v.startswith(("http://", "https://"))).rstrip("/"),
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
    password = os.environ.get(ENV_DATABASE_PASSWORD) or _secrets_file().get("database_password")
    if password and "://" in url and "@" in url:
        from sqlalchemy.engine import make_url
        return make_url(url).set(password=password).render_as_string(hide_password=False)
    return url
