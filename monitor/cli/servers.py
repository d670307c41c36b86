"""Servers: the simulated APIs on loopback (`fake-x`, `fake-bluesky`, `fake-mastodon`), the `dashboard`, and
the `demo` that starts them together."""
from __future__ import annotations

import sys

import click

from monitor.cli.common import App, pass_app
from monitor.config import MIN_INTERVAL_MINUTES
from monitor.serve import run_dashboard

# A simulated API's own options pass through untouched (its --help is --help-server).
PASS_THROUGH = {"ignore_unknown_options": True, "allow_extra_args": True}


def _server_args(ctx) -> list[str]:
    return ["--help" if a == "--help-server" else a for a in ctx.args]


@click.command("fake-x", context_settings=PASS_THROUGH)
@click.pass_context
def fake_x(ctx):
    """Serve the simulated X API v2 on loopback (see `campaign-monitor fake-x --help-server`)."""
    from monitor.fakex.server import main as fake_main  # lazy: the simulated API's data (~0.1 s on every --help)

    sys.exit(fake_main(_server_args(ctx)) or 0)


@click.command("fake-bluesky", context_settings=PASS_THROUGH)
@click.pass_context
def fake_bluesky(ctx):
    """Serve a simulated Bluesky on loopback (see `campaign-monitor fake-bluesky --help-server`)."""
    from monitor.fakenet.cli import bluesky_main  # lazy: the simulated networks (~0.3 s on every --help)

    sys.exit(bluesky_main(_server_args(ctx)) or 0)


@click.command("fake-mastodon", context_settings=PASS_THROUGH)
@click.pass_context
def fake_mastodon(ctx):
    """Serve simulated Mastodon servers on loopback (see `campaign-monitor fake-mastodon --help-server`)."""
    from monitor.fakenet.cli import mastodon_main  # lazy: the simulated networks (~0.3 s on every --help)

    sys.exit(mastodon_main(_server_args(ctx)) or 0)


@click.command()
@click.option("--port", default=8501, show_default=True)
@click.option("--address", default="127.0.0.1", show_default=True,
              help="Address to listen on: loopback behind a reverse proxy; 0.0.0.0 inside a container.")
@pass_app
def dashboard(app: App, port, address):
    """Start the Streamlit dashboard."""
    app.engine()  # fail clearly now if the database is unreachable or not migrated
    sys.exit(run_dashboard(app.config_path, port, address))


@click.command()
@click.option("--port", default=8501, show_default=True, help="Dashboard port.")
@click.option("--api-port", default=8700, show_default=True, help="Simulated X API port.")
@click.option("--interval", default=1.0, show_default=True, type=click.FloatRange(min=MIN_INTERVAL_MINUTES),
              help="Minutes between polls in the demo (at least 1).")
@pass_app
def demo(app: App, port, api_port, interval):
    """Migrate, start the simulated X API, the scheduler and the dashboard together."""
    from monitor.demo import run_demo  # lazy: the simulated X API's data (~0.35 s on every --help)

    sys.exit(run_demo(app, port=port, api_port=api_port, interval=interval))


COMMANDS = (fake_x, fake_bluesky, fake_mastodon, dashboard, demo)
