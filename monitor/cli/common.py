"""What every command module shares: the App a command opens its config and database through, the exit
status of a mistake a person must fix, and the options several commands take alike."""
from __future__ import annotations

import sys
from contextlib import contextmanager

import click

from monitor.config import database_url, load_config
from monitor.db import make_engine
from monitor.metrics import Filters, preset_range
from monitor.reports import ReportError, resolve_region
from monitor.reports.model import chosen_campaign
from monitor.schema import require_schema
from monitor.sources import SourceFactory
from monitor.timeutil import uk_today

EXIT_USER_ERROR = 2


class App:
    """What every command needs, created on first use so `--help` never touches a database."""

    def __init__(self, config_path: str | None):
        self.config_path = config_path
        self._config = None
        self._engine = None

    @property
    def config(self):
        if self._config is None:
            self._config = load_config(self.config_path)
        return self._config

    def engine(self, require_current_schema: bool = True):
        if self._engine is None:
            self._engine = make_engine(database_url(self.config))
        if require_current_schema:
            require_schema(self._engine)
        return self._engine

    def sources(self) -> SourceFactory:
        """Each network's source on demand (monitor.sources), secrets from the environment."""
        return SourceFactory(self.config)


pass_app = click.make_pass_decorator(App)


def exit_user_error(message: str):
    """A mistake a person must fix: one line on stderr, exit status 2."""
    click.echo(f"error: {message}", err=True)
    sys.exit(EXIT_USER_ERROR)


@contextmanager
def failing_as_click_errors(*errors: type[Exception]):
    """The library's refusals (a bad value, an unknown id) as click's one-line `Error: ...`, exit status 1."""
    try:
        yield
    except errors as e:
        raise click.ClickException(str(e)) from None


def report_error_as_usage(e: ReportError) -> click.BadParameter:
    """A ReportError names the option it is about (e.param): a usage error on that option, exit status 2."""
    return click.BadParameter(str(e), param_hint=f"--{e.param}")


def options(*decorators):
    """Several click options as one decorator, listed in --help in the order given."""
    def wrap(command):
        for option in reversed(decorators):
            command = option(command)
        return command
    return wrap


campaign_option = click.option("--campaign", "campaign_name", metavar="NAME",
                               help="Campaign name (needed when several are configured).")

# What a listing command (`mps list`, `actions list`) takes; _period_filters reads them.
period_options = options(
    campaign_option,
    click.option("--from", "from_date", type=click.DateTime(["%Y-%m-%d"]), help="First UK day (default: 29 days ago)."),
    click.option("--to", "to_date", type=click.DateTime(["%Y-%m-%d"]), help="Last UK day (default: today)."),
    click.option("--region", metavar="REGION", help="One region (key or NAHT name); default all."),
    click.option("--format", "fmt", type=click.Choice(["table", "csv"]), default="table", show_default=True),
)


def period_filters(app: App, campaign_name, from_date, to_date, region) -> Filters:
    """The Filters a listing command's --campaign, --from, --to (default: the dashboard's "30 days" up to
    --to) and --region name; a wrong one is a usage error naming its option."""
    try:
        campaign = chosen_campaign(app.config, campaign_name)
        region_key = resolve_region(app.config, region)
    except ReportError as e:
        raise report_error_as_usage(e) from None
    end = to_date.date() if to_date else uk_today()
    start = from_date.date() if from_date else preset_range("30 days", end)[0]
    if start > end:
        raise click.BadParameter(f"{start} is after {end}", param_hint="--from")
    return Filters(campaign.name, start, end, region=region_key)
