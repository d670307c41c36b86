"""`campaign-monitor`: a thin layer over the library (parse arguments, call, print).

One module per command group; each command opens the database through `common.App` and calls one library
function. Mistakes a person must fix (config, missing secret, unreachable database, refused credentials)
print one line to stderr and exit with status 2; a run that failed or halted exits 1.
"""
from __future__ import annotations

import click
from sqlalchemy.exc import SQLAlchemyError

from monitor.cli import actions, alerts, collect, database, mps, privacy, regions, reports, servers
from monitor.cli.common import EXIT_USER_ERROR, App
from monitor.config import ConfigError
from monitor.db import DatabaseUnavailable, describe_error
from monitor.dbcheck import DatabaseGone
from monitor.grants import GrantError
from monitor.lease import LeaseHeld, LeaseLost
from monitor.logs import setup_logging
from monitor.sources.base import SourceConfigError

USER_ERRORS = (ConfigError, DatabaseUnavailable, SourceConfigError, LeaseHeld, LeaseLost, DatabaseGone, GrantError)


class MonitorGroup(click.Group):
    """Turns the errors a person must fix into one clear line and exit status 2: a config mistake, a
    database that is unreachable, gone or refuses a grant, another collector holding the database."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except USER_ERRORS as e:
            click.echo(f"error: {e}", err=True)
            ctx.exit(EXIT_USER_ERROR)
        except SQLAlchemyError as e:
            app = ctx.find_object(App)
            url = app._engine.url if app is not None and app._engine is not None else "the database"
            click.echo(f"error: {describe_error(e, url)}", err=True)
            ctx.exit(EXIT_USER_ERROR)


@click.group(cls=MonitorGroup)
@click.option("--config", "config_path", metavar="PATH",
              help="config.toml (default: $MONITOR_CONFIG, else built-in defaults)")
@click.option("--log-level", default="INFO", show_default=True,
              type=click.Choice(["DEBUG", "INFO", "WARNING", "ERROR"]),
              help="How much to log on stderr (secrets are always scrubbed).")
@click.version_option(package_name="campaign-monitor")
@click.pass_context
def main(ctx, config_path, log_level):
    """Collect X, Bluesky and Mastodon posts for NAHT campaigns, attribute them to regions, and report on them."""
    setup_logging(log_level)
    ctx.obj = App(config_path)


for _group in (database, collect, servers, alerts, regions, privacy, mps, actions, reports):
    for _command in _group.COMMANDS:
        main.add_command(_command)
