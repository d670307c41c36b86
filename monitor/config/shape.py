"""The configuration's shape: Config and its parts, each field's default, and the built-in defaults
`make demo` runs on. Plain frozen dataclasses: monitor.config.load fills them from config.toml."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from monitor.alerts.settings import DEFAULT_MAX_PER_HOUR, DEFAULT_QUIET_HOURS, RULE_DEFAULTS
from monitor.billing import DEFAULT_PRICES, Prices
from monitor.config.errors import ConfigError
from monitor.regions import NATIONAL, KnownAccount

DEFAULT_DATABASE_URL = "sqlite:///data/monitor.db"
REAL_X_API = "https://api.twitter.com"
DEFAULT_BLUESKY_URL = "https://bsky.social"
# Polling more often than this finds nothing more (X's search index lags by seconds to minutes) and
# spends requests of the monthly budget.
MIN_INTERVAL_MINUTES = 1.0
DEFAULT_BUDGET_USD = 100.0
DEFAULT_WARNING_SHARE = 0.8
# Kinds of campaign action a person can record (monitor.actions); [actions] kinds replaces the list.
DEFAULT_ACTION_KINDS = ("MP roundtable", "Letter-writing", "School visit", "Media", "Conference", "Other")
DEFAULT_EFFECT_DAYS = 7   # an action's effect compares this many UK days after it with as many before


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
    # A post its network no longer serves is found when it is re-read. Posts past their metrics refresh (all
    # of Bluesky's and Mastodon's) are re-read for that alone (monitor.deletion_check): at most this many a
    # UTC day for each network (X's reads are billed; 0 = never), oldest-read first, once they have not been
    # read for deletion_check_after_days.
    deletion_check_posts_per_day: int = 100
    deletion_check_after_days: int = 7


@dataclass(frozen=True)
class MpWatch:
    # Off by default: every query costs requests and post reads (monitor.mps.watch).
    enabled: bool = False
    interval_minutes: float = 60.0


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
