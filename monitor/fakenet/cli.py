"""`campaign-monitor fake-bluesky` and `fake-mastodon`: the simulated servers on loopback, to point a config
at and try things out, as `fake-x` serves the simulated X API (the same options where they mean the same).

The Bluesky account's app password is the simulated server's own (it never meets the real network):
give it with --app-password or BLUESKY_APP_PASSWORD; without either, any password signs in.
"""
from __future__ import annotations

import os

from monitor.fakex.command import serve_until_stopped, simulator_parser, timeline

from .bluesky import DEFAULT_START, FakeBluesky
from .mastodon import DEFAULT_DOMAINS, FakeMastodon


def bluesky_main(argv: list[str] | None = None) -> int:
    """`campaign-monitor fake-bluesky --port 8710 --handle monitor.bsky.social [--realtime]`."""
    parser = simulator_parser("campaign-monitor fake-bluesky", "a simulated Bluesky (AT Protocol XRPC)", 8710)
    parser.add_argument("--handle", default="monitor.bsky.social", help="the account that signs in")
    parser.add_argument("--app-password", default=None, help="its app password (default: $BLUESKY_APP_PASSWORD, "
                                                              "else any); never printed")
    parser.add_argument("--mention", default="nahtnews.bsky.social", help="the campaign account people mention")
    args = parser.parse_args(argv)
    password = args.app_password or os.environ.get("BLUESKY_APP_PASSWORD")
    fake = FakeBluesky(seed=args.seed, posts_per_day=args.posts_per_day, handle=args.handle, app_password=password,
                       mention=args.mention, host=args.host, port=args.port, churn=args.churn,
                       **timeline(args, DEFAULT_START))
    return serve_until_stopped(fake, ["{base}  simulated Bluesky: [bluesky] base_url = \"{base}\", "
                                      f"sign in as {args.handle}, bluesky_mentions = [\"{args.mention}\"]"])


def mastodon_main(argv: list[str] | None = None) -> int:
    """`campaign-monitor fake-mastodon --port 8720 --domain school.social --domain teachers.example`."""
    parser = simulator_parser("campaign-monitor fake-mastodon", "simulated Mastodon servers", 8720)
    parser.add_argument("--domain", action="append", default=None,
                        help=f"a server of the simulated fediverse (repeat; default: {', '.join(DEFAULT_DOMAINS)})")
    args = parser.parse_args(argv)
    fake = FakeMastodon(seed=args.seed, posts_per_day=args.posts_per_day, domains=tuple(args.domain or DEFAULT_DOMAINS),
                        host=args.host, port=args.port, churn=args.churn, **timeline(args, DEFAULT_START))
    fake.start()
    servers = ", ".join(f'"{url}"' for url in fake.base_urls)
    return serve_until_stopped(fake, [f"{url}  simulated Mastodon server" for url in fake.base_urls]
                               + [f"mastodon_servers = [{servers}]"])
