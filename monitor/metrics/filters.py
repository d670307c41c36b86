"""What a figure is asked for: the campaign, UK dates, optional region/branch, class of author and network
(None: every network), the named periods (and their short names in a link), and the region keys and
names shown for them."""
from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, timedelta

from monitor.config import Config
from monitor.metrics.audience import Audience
from monitor.networks import post_link
from monitor.regions import DEFAULT_DISPLAY_NAMES, NATIONAL, REGIONS, UNKNOWN
from monitor.timeutil import uk_today


@dataclass(frozen=True)
class Filters:
    campaign: str
    from_date: date
    to_date: date
    region: str | None = None
    branch: str | None = None
    audience: Audience = Audience()   # all authors, or one class of them (monitor.metrics.audience)
    network: str | None = None   # a monitor.networks key; None: every network

    @property
    def days(self) -> int:
        return (self.to_date - self.from_date).days + 1

    def previous(self) -> "Filters":
        """The period of equal length that ends the day before this one starts."""
        return replace(self, from_date=self.from_date - timedelta(days=self.days),
                       to_date=self.from_date - timedelta(days=1))


PRESETS = ("Today", "7 days", "This week", "Last week", "30 days", "Custom")
# Each period's name in a link (?period=7d): a bookmark of "7 days" stays the last 7 days.
PRESET_CODES: dict[str, str] = {"Today": "today", "7 days": "7d", "This week": "week", "Last week": "lastweek",
                                "30 days": "30d", "Custom": "custom"}


def preset_range(preset: str, today: date | None = None) -> tuple[date, date]:
    """UK dates (inclusive) of a named range; weeks start on Monday."""
    today = today or uk_today()
    monday = today - timedelta(days=today.weekday())
    ranges = {
        "Today": (today, today),
        "7 days": (today - timedelta(days=6), today),
        "This week": (monday, today),
        "Last week": (monday - timedelta(days=7), monday - timedelta(days=1)),
        "30 days": (today - timedelta(days=29), today),
    }
    if preset not in ranges:
        raise ValueError(f"preset must be one of {', '.join(ranges)}, got {preset!r}")
    return ranges[preset]


# Regions a person can pick for a correction or a known account: every region, but not Unknown.
SELECTABLE_REGIONS: tuple[str, ...] = tuple(REGIONS)


def region_keys() -> list[str]:
    """Every region key a post can carry: the regions in ONS order, NAHT's national accounts, then Unknown."""
    return [*REGIONS, NATIONAL, UNKNOWN]


def region_display_name(config: Config, key: str) -> str:
    return config.region_display_names.get(key) or DEFAULT_DISPLAY_NAMES.get(key, key)


def _folded(text: str) -> str:
    """A region name as compared: any case, any spacing or punctuation ("east-of-england", "EASTERN")."""
    return "".join(c for c in text.casefold() if c.isalnum())


def find_region(config: Config, name: str | None) -> str | None:
    """The region key a person or a link names: its key or its display name, in any case (None: no region
    has that name; never a guess)."""
    wanted = _folded(name or "")
    if not wanted:
        return None
    for key in region_keys():
        if wanted in (_folded(key), _folded(region_display_name(config, key))):
            return key
    return None


def post_url(username: str | None, post_id: str, network: str = "x", native_id: str | None = None,
             url: str | None = None) -> str:
    """The post on its own network (monitor.networks.post_link): x.com, bsky.app, the Mastodon status page."""
    return post_link(network, username, post_id, native_id, url)
