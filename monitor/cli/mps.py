"""`mps`: the MP register (import it, correct an MP's handles) and the MPs with their figures."""
from __future__ import annotations

import sys

import click

from monitor.cli.common import App, failing_as_click_errors, pass_app, period_filters, period_options
from monitor.exports import MP_COLUMNS, mp_values, mps_csv
from monitor.metrics import mp_table


@click.group()
def mps():
    """The MP register: import it, correct handles, list MPs with their figures."""


@mps.command("import")
@click.option("--lookup", required=True, type=click.Path(dir_okay=False), help="mp_lookup.csv (DfE mp-lookup).")
@click.option("--profiles", required=True, type=click.Path(dir_okay=False),
              help="official-profiles.xml (mySociety parlparse).")
@click.option("--social", required=True, type=click.Path(dir_okay=False),
              help="social-media-commons.xml (mySociety parlparse).")
@pass_app
def mps_import(app: App, lookup, profiles, social):
    """Rebuild the register from newer copies of its three source files (corrections are kept)."""
    from monitor.mps.register import import_files  # lazy: the register's readers (~40 ms on every --help)

    result = import_files(app.engine(), lookup, profiles, social)
    click.echo(f"{result.mps} MPs loaded ({result.x_handles} with an X handle, {result.bluesky_handles} with a "
               f"Bluesky handle); {result.corrections_kept} handle corrections kept; {result.left} no longer "
               f"sitting; {result.changed} added or changed")


@mps.command("set-handle")
@click.argument("member_id", type=int)
@click.option("--x", "x_handle", metavar="NAME", help="The MP's X handle ('' for none).")
@click.option("--bluesky", metavar="NAME", help="The MP's Bluesky handle ('' for none).")
@click.option("--by", "corrected_by", required=True, help="Who makes the correction (kept for audit).")
@click.option("--note")
@pass_app
def mps_set_handle(app: App, member_id, x_handle, bluesky, corrected_by, note):
    """Correct an MP's handles (audited; no later import overwrites it; their posts are found again)."""
    from monitor.mps.register import set_handle  # lazy: the register's readers (~40 ms on every --help)

    with failing_as_click_errors(ValueError):
        mp = set_handle(app.engine(), member_id, x=x_handle, bluesky=bluesky, corrected_by=corrected_by, note=note)
    click.echo(f"{mp.name} ({mp.constituency}): X {'@' + mp.x_username if mp.x_username else 'none'}, "
               f"Bluesky {mp.bluesky_handle or 'none'}")


@mps.command("list")
@period_options
@pass_app
def mps_list(app: App, campaign_name, from_date, to_date, region, fmt):
    """Every sitting MP with their figures in the period: engaged, mentioned or not reached."""
    rows = mp_table(app.engine(), period_filters(app, campaign_name, from_date, to_date, region))
    if fmt == "csv":
        sys.stdout.buffer.write(mps_csv(rows))
        return
    values = [[str(v) for v in mp_values(r).values()] for r in rows]
    widths = [max(len(c), *(len(v[i]) for v in values)) if values else len(c) for i, c in enumerate(MP_COLUMNS)]
    for line in [list(MP_COLUMNS), *values]:
        click.echo("  ".join(v.ljust(w) for v, w in zip(line, widths)).rstrip())


COMMANDS = (mps,)
