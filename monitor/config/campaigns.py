"""The [[campaigns]] tables of config.toml, and the networks they (and [x_api], [bluesky], [mastodon]) switch on."""
from __future__ import annotations

import re
from datetime import date

from monitor.config.reader import BLUESKY_ACTOR_RE, HANDLE_RE, HASHTAG_RE, KEYWORD_RE, SERVER_RE, TableReader
from monitor.config.shape import Campaign


def slug(text: str) -> str:
    """Lower-case letters and digits joined by '-': a campaign's or region's part of a file name."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def read_campaigns(root: TableReader) -> tuple[Campaign, ...]:
    campaigns_raw = root.get("campaigns", list, None, "a list of [[campaigns]] tables")
    if not campaigns_raw:
        root.fail("campaigns", "at least one [[campaigns]] table")
    campaigns = tuple(_campaign(r) for _, r in root.tables("campaigns", campaigns_raw,
                                                           "a table with name and hashtags"))
    _check_campaign_slugs(root, campaigns)
    return campaigns


def _campaign(r: TableReader) -> Campaign:
    r.unknown_keys({"name", "title", "hashtags", "mentions", "start_date", "mp_watch_keywords", "bluesky_mentions",
                    "mastodon_servers"})
    name = r.need("name", str, "a non-empty name", lambda v: bool(v.strip()))
    hashtags = r.str_list("hashtags", HASHTAG_RE, "hashtags such as 'InvestInPupilServices'", "#")
    mentions = r.str_list("mentions", HANDLE_RE, "X handles such as 'NAHTnews'", "@")
    if not hashtags and not mentions:
        r.fail("hashtags", "at least one hashtag or mention to search for")
    start = r.get("start_date", date, None, "a date such as 2026-11-01")
    title = r.get("title", str, name, "a string")
    keywords = r.str_list("mp_watch_keywords", KEYWORD_RE, "keywords or phrases such as 'school funding'", "")
    bluesky = r.str_list("bluesky_mentions", BLUESKY_ACTOR_RE, "Bluesky handles such as 'naht.bsky.social'", "@")
    servers = tuple(s.rstrip("/") for s in r.str_list("mastodon_servers", SERVER_RE,
                                                      "Mastodon server URLs such as 'https://mastodon.social'", ""))
    return Campaign(name=name.strip(), title=title, hashtags=hashtags, mentions=mentions, start_date=start,
                    mp_watch_keywords=keywords, bluesky_mentions=bluesky, mastodon_servers=servers)


def _check_campaign_slugs(root: TableReader, campaigns: tuple[Campaign, ...]) -> None:
    """Campaigns are told apart in file names (reports) by their slug: two names with one slug would
    write one campaign's weekly report over the other's."""
    seen: dict[str, str] = {}
    for i, c in enumerate(campaigns):
        key = slug(c.name)
        if not key:
            root.fail(f"campaigns[{i}].name", f"a name with a letter or digit, got {c.name!r}")
        if key in seen:
            root.fail(f"campaigns[{i}].name",
                      f"a name that differs from campaign {seen[key]!r} in its letters or digits "
                      f"(both {seen[key]!r} and {c.name!r} are {key!r} in report file names)")
        seen[key] = c.name


def read_networks(data: dict, campaigns: tuple[Campaign, ...], api: TableReader, bsky: TableReader,
                  masto: TableReader) -> tuple[str, ...]:
    """The networks collected. X unless `[x_api] enabled = false`; Bluesky and Mastodon when the file asks
    for them (a [bluesky] or [mastodon] table, a campaign's bluesky_mentions or mastodon_servers) and
    does not say `enabled = false`: a config written for X alone goes on collecting X alone."""
    on = []
    if api.flag("enabled", True):
        on.append("x")
    wants_bluesky = "bluesky" in data or any(c.bluesky_mentions for c in campaigns)
    if bsky.flag("enabled", wants_bluesky):
        on.append("bluesky")
    wants_mastodon = "mastodon" in data or any(c.mastodon_servers for c in campaigns)
    if masto.flag("enabled", wants_mastodon):
        if not any(c.mastodon_servers for c in campaigns):
            masto.fail("enabled", "mastodon_servers in at least one campaign to read hashtags from")
        on.append("mastodon")
    return tuple(on)
