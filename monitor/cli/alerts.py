"""`alerts test`: send a test alert to every configured channel."""
from __future__ import annotations

import sys

import click

from monitor.cli.common import App, pass_app


@click.group()
def alerts():
    """Alert commands."""


@alerts.command("test")
@pass_app
def alerts_test(app: App):
    """Send a test alert to every channel ([alerts] in config.toml); exit 1 if one failed or none is set."""
    from monitor.alerts.engine import send_test  # lazy: e-mail and HTTP clients (~0.3 s on every --help)

    outcome = send_test(app.engine(), app.config)
    if not outcome:
        click.echo("no alert channel is configured: set [reports.smtp] for e-mail, or [[alerts.webhooks]]", err=True)
        sys.exit(1)
    for channel, error in outcome.items():
        click.echo(f"{channel}: {'sent' if error is None else 'FAILED: ' + error}")
    if any(error is not None for error in outcome.values()):
        sys.exit(1)


COMMANDS = (alerts,)
