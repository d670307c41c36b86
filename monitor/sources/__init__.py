"""The sources, one per network, behind one contract (monitor.sources.base.SearchSource), and the small
registry that makes them: the collector, the CLI and the scheduler ask for a network's source here and
never branch on the network themselves.

    factory = SourceFactory(config)
    for network in config.networks:
        collect_once(engine, config, factory(network))

Secrets come from the environment (monitor.config) when a source is first made, so a missing one is a
configuration error before any request. The factory keeps one Bluesky session for every poll of the
process: logins are rate-limited per day, so each poll reuses (and refreshes) it.
"""
from __future__ import annotations

from typing import Callable

from monitor.config import Config, bearer_token, bluesky_credentials, mastodon_token
from monitor.networks import BLUESKY, MASTODON, X
from monitor.sources.base import SearchSource
from monitor.sources.bluesky import BlueskySession, BlueskySource
from monitor.sources.mastodon import MastodonSource
from monitor.sources.x import XSource


def _x(config: Config, _factory: "SourceFactory"):
    return XSource(bearer_token(), config.api_base_url, config.request_timeout, config.mentions_timeline)


def _bluesky(config: Config, factory: "SourceFactory"):
    if factory.bluesky_session is None:
        handle, password = bluesky_credentials()
        factory.bluesky_session = BlueskySession(handle, password, config.bluesky_base_url, config.request_timeout)
    return BlueskySource(factory.bluesky_session, config.request_timeout)


def _mastodon(config: Config, _factory: "SourceFactory"):
    servers = {server for campaign in config.campaigns for server in campaign.mastodon_servers}
    return MastodonSource({server: mastodon_token(server) for server in sorted(servers)}, config.request_timeout)


REGISTRY: dict[str, Callable[[Config, "SourceFactory"], SearchSource]] = {X: _x, BLUESKY: _bluesky,
                                                                          MASTODON: _mastodon}


class SourceFactory:
    """`factory(network)`: a new source of that network (a poll's worth of state), sharing the session."""

    def __init__(self, config: Config):
        self.config = config
        self.bluesky_session = None

    def __call__(self, network: str) -> SearchSource:
        return REGISTRY[network](self.config, self)

    def check_secrets(self) -> None:
        """Make each configured network's source once: a missing secret fails now, not at the first job."""
        for network in self.config.networks:
            self(network)
