"""What a figure is asked for: the campaign, UK dates and optional region/branch, the named periods, and
the region keys and names shown for them, and the network (None: every network)."""
from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, timedelta

from monitor.config import Config
from monitor.networks import post_link
from monitor.regions import DEFAULT_DISPLAY_NAMES, REGIONS, UNKNOWN
from monitor.timeutil import uk_today


@dataclass(frozen=True)
class Filters:
    campaign: str
    from_date: date
    to_date: date
    region: str | None = None
    branch: str | None = None
    network: str | None = None   # a monitor.networks key; None: every network

    @property
    def days(self) -> int:
        return (self.to_date - self.from_date).days + 1

    def previous(self) -> "Filters":
        """The period of equal length that ends the day before this one starts."""
        return replace(self, from_date=self.from_date - timedelta(days=self.days),
                       to_date=self.from_date - timedelta(days=1))


PRESETS = ("Today", "7 days", "This week", "Last week", "30 days", "Custom")


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
    """Every region key a post can carry: the regions in ONS order, then Unknown."""
    return [*REGIONS, UNKNOWN]


def region_display_name(config: Config, key: str) -> str:
    return config.region_display_names.get(key) or DEFAULT_DISPLAY_NAMES.get(key, key)


def post_url(username: str | None, post_id: str, network: str = "x", native_id: str | None = None,
             url: str | None = None) -> str:
    """The post on its own network (monitor.networks.post_link): x.com, bsky.app, the Mastodon status page."""
    return post_link(network, username, post_id, native_id, url)
