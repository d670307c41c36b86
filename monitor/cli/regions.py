"""`regions`: explain a location's region, re-attribute every author, correct one author's region."""
from __future__ import annotations

import click

from monitor.attribution import correct_handle, count_authors, recompute_all
from monitor.cli.common import App, failing_as_click_errors, pass_app
from monitor.regions import explain


@click.group()
def regions():
    """Region attribution commands."""


@regions.command("explain")
@click.argument("location")
def regions_explain(location):
    """Show the region a profile location gives, and the evidence."""
    click.echo(explain(location))


@regions.command("recompute")
@click.option("--progress/--no-progress", default=True)
@pass_app
def regions_recompute(app: App, progress):
    """Re-attribute every stored author and post (after aliases, gazetteer or known accounts change)."""
    from tqdm import tqdm  # lazy: ~30 ms on every --help, for one command

    engine = app.engine()
    with tqdm(total=count_authors(engine), unit="authors", disable=not progress) as bar:
        authors, posts = recompute_all(engine, app.config, bar.update)
    click.echo(f"re-attributed {authors} authors and {posts} posts")


@regions.command("correct")
@click.argument("username")
@click.argument("region")
@click.option("--branch", help="Local authority (branch) name.")
@click.option("--by", "corrected_by", required=True, help="Who makes the correction (kept for audit).")
@click.option("--note")
@pass_app
def regions_correct(app: App, username, region, branch, corrected_by, note):
    """Correct an author's region (recorded with who and when; applied to their posts at once)."""
    with failing_as_click_errors(ValueError):
        correct_handle(app.engine(), app.config, username, region, branch=branch, corrected_by=corrected_by,
                       note=note)
    click.echo(f"@{username.lstrip('@')} is now {region}" + (f" ({branch})" if branch else ""))


COMMANDS = (regions,)
