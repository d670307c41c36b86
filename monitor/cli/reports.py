"""`report`: write the weekly summary of one ISO week as a file."""
from __future__ import annotations

import click

from monitor.cli.common import App, campaign_option, exit_user_error, pass_app, report_error_as_usage
from monitor.reports import (
    FORMATS,
    ReportError,
    WeekNotStarted,
    build_weekly_report,
    render,
    report_filename,
    write_atomically,
)
from monitor.timeutil import parse_iso_week


@click.command()
@click.option("--week", required=True, metavar="YYYY-Www", help="ISO week in UK time, such as 2026-W47.")
@click.option("--region", metavar="REGION",
              help="One region (key or NAHT name, e.g. London, 'NAHT Cymru'); default all.")
@campaign_option
@click.option("--format", "fmt", type=click.Choice(FORMATS), required=True,
              help="xlsx: workbook of every table; csv: the week's posts; pdf: A4 report.")
@click.option("--out", type=click.Path(dir_okay=False, writable=True),
              help="File to write (default: the report's name here).")
@pass_app
def report(app: App, week, region, campaign_name, fmt, out):
    """Write the weekly summary of one ISO week (Monday to Sunday, UK time)."""
    try:
        year, week_number = parse_iso_week(week)
    except ValueError as e:
        raise click.BadParameter(str(e), param_hint="--week") from None
    try:
        built = build_weekly_report(app.engine(), app.config, year, week_number, campaign=campaign_name, region=region)
    except WeekNotStarted as e:
        exit_user_error(f"--week: {e}")
    except ReportError as e:
        raise report_error_as_usage(e) from None
    path = write_atomically(out or report_filename(built, fmt), render(built, fmt))
    click.echo(str(path))


COMMANDS = (report,)
