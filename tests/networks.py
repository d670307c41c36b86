"""Every network's simulated server, source, campaign and config behind one small harness, so the collector,
crash and fault tests are written once and run for X, Bluesky and Mastodon (`@pytest.mark.parametrize(
"net", NETS, ids=...)`).

A harness knows what differs: which server to start and how to point a source (or a config file) at it,
the search endpoint's path (to aim faults at it), how many posts a full page holds, and what the search
cursor of each query must end at.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta, timezone
from typing import Callable

from monitor.config import Campaign
from monitor.fakenet import FakeBluesky, FakeMastodon
from monitor.fakenet.bluesky import did_for
from monitor.fakex import FakeX, SimClock
from monitor.fakex.generator import iso_time, to_ms
from monitor.networks import BLUESKY, MASTODON, X
from monitor.parse_bluesky import marker
from monitor.sources.bluesky import BlueskySession, BlueskySource
from monitor.sources.mastodon import MastodonSource
from monitor.sources.x import XSource
from monitor.timeutil import parse_api_time
from tests.helpers import HASHTAGS, TOKEN

BLUESKY_ACCOUNT = ("monitor-test.bsky.social", "test-app-password-5d1e")
CAMPAIGN_NAME = "ipfs"


@dataclass(frozen=True)
class Net:
    key: str
    search_path: str                   # the search endpoint (faults aimed at it: Fault(path_prefix=...))
    page_size: int                     # posts a full search page holds
    start: Callable[..., object]       # start(seed, days, posts_per_day) -> a started simulated server
    source: Callable[..., object]      # source(fake, timeout) -> a SearchSource pointed at it
    campaign: Callable[..., Campaign]  # campaign(fake, full) -> one query (full=False) or every term
    config_toml: Callable[[object], str]   # the config file's lines pointing this network at the fake
    env: Callable[[object], dict]      # the secrets a `campaign-monitor` process needs for it
    newest: Callable[[object, str], str]   # the marker the cursor of a query must end at

    def __repr__(self) -> str:
        return self.key

    def expected(self, fake, campaign: Campaign) -> set[str]:
        """The ids a collector holds after polling every query of the campaign."""
        found = set()
        for query in self.source(fake, 2.0).queries(campaign):
            found |= fake.visible_ids(query)
        return found


def _now() -> datetime:
    return datetime.now(timezone.utc).replace(microsecond=0)


# --- X ------------------------------------------------------------------------------------------

def _x_start(seed: int = 11, days: int = 2, posts_per_day: int = 250, token: str = TOKEN) -> FakeX:
    now = _now()
    return FakeX(seed=seed, start=now - timedelta(days=days), days=days, posts_per_day=posts_per_day,
                 bearer_token=token, clock=SimClock(now)).start()


def _x_campaign(fake, full: bool = False) -> Campaign:
    return Campaign(name=CAMPAIGN_NAME, title="IPFS", hashtags=HASHTAGS, mentions=("NAHTnews",))


X_NET = Net(X, "/2/tweets/search/recent", 100, _x_start, lambda fake, timeout=2.0: XSource(TOKEN, fake.base_url,
                                                                                           timeout=timeout),
            _x_campaign, lambda fake: "", lambda fake: {"X_BEARER_TOKEN": TOKEN},
            lambda fake, query: max(fake.visible_ids(query), key=int))


# --- Bluesky ------------------------------------------------------------------------------------

def _bluesky_start(seed: int = 11, days: int = 2, posts_per_day: int = 250) -> FakeBluesky:
    now = _now()
    return FakeBluesky(seed=seed, start=now - timedelta(days=days), days=days, posts_per_day=posts_per_day,
                       handle=BLUESKY_ACCOUNT[0], app_password=BLUESKY_ACCOUNT[1], clock=SimClock(now)).start()


def _bluesky_source(fake, timeout: float = 2.0) -> BlueskySource:
    return BlueskySource(BlueskySession(*BLUESKY_ACCOUNT, fake.base_url, timeout), timeout)


def _bluesky_campaign(fake, full: bool = False) -> Campaign:
    if full:
        return Campaign(name=CAMPAIGN_NAME, title="IPFS", hashtags=HASHTAGS, mentions=("NAHTnews",),
                        bluesky_mentions=(fake.mention_handle,))
    return Campaign(name=CAMPAIGN_NAME, title="IPFS", hashtags=HASHTAGS[:1], mentions=())


def _bluesky_newest(fake, query: str) -> str:
    now_ms = to_ms(fake.clock())
    posts = fake.matching(query, to_ms(fake.clock() - timedelta(days=7)), now_ms,
                          query[1:] if query.startswith("@") else None)
    return marker(parse_api_time(iso_time(posts[0].ms)))   # the time as the server writes it: whole seconds


BLUESKY_NET = Net(BLUESKY, "/xrpc/app.bsky.feed.searchPosts", 100, _bluesky_start, _bluesky_source,
                  _bluesky_campaign, lambda fake: f'[bluesky]\nbase_url = "{fake.base_url}"\n',
                  lambda fake: {"BLUESKY_HANDLE": BLUESKY_ACCOUNT[0], "BLUESKY_APP_PASSWORD": BLUESKY_ACCOUNT[1]},
                  _bluesky_newest)


# --- Mastodon -----------------------------------------------------------------------------------

def _mastodon_start(seed: int = 11, days: int = 2, posts_per_day: int = 250) -> FakeMastodon:
    now = _now()
    return FakeMastodon(seed=seed, start=now - timedelta(days=days), days=days, posts_per_day=posts_per_day,
                        clock=SimClock(now)).start()


def _mastodon_campaign(fake, full: bool = False) -> Campaign:
    if full:
        return Campaign(name=CAMPAIGN_NAME, title="IPFS", hashtags=HASHTAGS, mentions=(),
                        mastodon_servers=fake.base_urls)
    return Campaign(name=CAMPAIGN_NAME, title="IPFS", hashtags=HASHTAGS[:1], mentions=(),
                    mastodon_servers=fake.base_urls[:1])


def _mastodon_newest(fake, query: str) -> str:
    from monitor.fakenet.mastodon import local_id

    base, _, tag = query.rpartition(" #")
    domain = base.rsplit("/", 1)[-1]
    return local_id(domain, fake.timeline(domain, tag, to_ms(fake.clock()))[0])


MASTODON_NET = Net(MASTODON, "/", 40, _mastodon_start, lambda fake, timeout=2.0: MastodonSource({}, timeout),
                   _mastodon_campaign, lambda fake: "[mastodon]\nenabled = true\n", lambda fake: {},
                   _mastodon_newest)

NETS = (X_NET, BLUESKY_NET, MASTODON_NET)
NET_IDS = [n.key for n in NETS]


def campaign_toml(net: Net, fake, full: bool = False) -> str:
    """The [[campaigns]] table of the harness's campaign, for a config file."""
    c = net.campaign(fake, full)
    lines = [f'name = "{c.name}"', f"hashtags = {list(c.hashtags)!r}", f"mentions = {list(c.mentions)!r}"]
    if c.bluesky_mentions:
        lines.append(f"bluesky_mentions = {list(c.bluesky_mentions)!r}")
    if c.mastodon_servers:
        lines.append(f"mastodon_servers = {list(c.mastodon_servers)!r}")
    return "[[campaigns]]\n" + "\n".join(lines).replace("'", '"') + "\n"


def write_network_config(folder, db_url: str, net: Net, fake, *, max_retries: int | None = None,
                         full: bool = False) -> str:
    """A config.toml collecting only `net` from its simulated server into db_url, with fast retries."""
    from pathlib import Path

    x_api = f'base_url = "{fake.base_url}"\n' if net.key == X else 'base_url = "http://127.0.0.1:9"\nenabled = false\n'
    retries = f"max_retries = {max_retries}\n" if max_retries is not None else ""
    path = Path(folder) / "config.toml"
    path.write_text(f'[database]\nurl = "{db_url}"\n[x_api]\n{x_api}timeout_seconds = 5\nbackoff_seconds = 0.05\n'
                    f"{retries}{net.config_toml(fake)}{campaign_toml(net, fake, full)}")
    return str(path)


def config_for(net: Net, config, fake, campaign: Campaign):
    """The test config pointed at the fake for this network's source, with the one campaign."""
    extra = {"api_base_url": fake.base_url} if net.key == X else (
        {"bluesky_base_url": fake.base_url} if net.key == BLUESKY else {})
    return replace(config, campaigns=(campaign,), networks=(net.key,), **extra)


def bluesky_did(key: str) -> str:
    return did_for(key)


def collect_every_network(engine, config, *, days: int = 2, posts_per_day: int = 60, seed: int = 5,
                          campaign_name: str = CAMPAIGN_NAME):
    """One full poll of each network's simulated server into one database (a campaign of mixed networks);
    returns the UK day the servers' clocks stood at."""
    from monitor.collector import Collector
    from monitor.timeutil import uk_today

    started = [net.start(seed=seed, days=days, posts_per_day=posts_per_day) for net in NETS]
    try:
        for net, fake in zip(NETS, started):
            campaign = replace(net.campaign(fake, full=True), name=campaign_name)
            extra = {"api_base_url": fake.base_url} if net is X_NET else {}
            Collector(engine, replace(config, campaigns=(campaign,), **extra), net.source(fake, 2.0),
                      clock=fake.clock).collect_campaign(campaign)
        return uk_today(started[0].clock())
    finally:
        for fake in started:
            fake.stop()
