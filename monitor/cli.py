"""`campaign-monitor`: a thin layer over the library (parse arguments, call, print).

Mistakes a person must fix (config, missing secret, unreachable database, refused credentials)
print one line to stderr and exit with status 2; a run that failed or halted exits 1.
"""
from __future__ import annotations

import sys

import click

from monitor.config import ConfigError, database_url, load_config
from monitor.db import DatabaseUnavailable, make_engine, require_schema, upgrade
from monitor.reports import FORMATS
from monitor.sources import SourceFactory
from monitor.sources.base import CollectionHalted, SourceConfigError

USER_ERRORS = (ConfigError, DatabaseUnavailable, SourceConfigError)
EXIT_USER_ERROR = 2


class MonitorGroup(click.Group):
    """Turns the errors a person must fix into one clear line and exit status 2."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except USER_ERRORS as e:
            click.echo(f"error: {e}", err=True)
            ctx.exit(EXIT_USER_ERROR)


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
    from monitor.logs import setup_logging

    setup_logging(log_level)
    ctx.obj = App(config_path)


@main.group()
def db():
    """Database schema commands."""


@db.command("upgrade")
@pass_app
def db_upgrade(app: App):
    """Create or migrate the database schema to the current revision."""
    from monitor.db import safe_url

    engine = app.engine(require_current_schema=False)
    upgrade(engine)
    click.echo(f"database {safe_url(str(engine.url))} is at the current schema")


@main.command()
@click.option("--once", is_flag=True, required=True, help="Run one poll of each campaign and exit.")
@click.option("--campaign", "campaign_name", metavar="NAME", help="Only this campaign.")
@pass_app
def collect(app: App, once, campaign_name):
    """Poll each network once for each campaign (or one) and store what it finds."""
    from monitor.collector import collect_once

    campaigns = [app.config.campaign(campaign_name)] if campaign_name else list(app.config.campaigns)
    engine = app.engine()
    factory = app.sources()
    factory.check_secrets()
    summaries, halted = [], False
    for network in app.config.networks:
        try:
            summaries += collect_once(engine, app.config, factory(network), campaigns)
        except CollectionHalted as e:   # X's cap or credits: the other networks are still collected
            click.echo(f"stopped: {e}", err=True)
            halted = True
    for s in summaries:
        click.echo(f"{s.campaign} ({s.network}): run {s.run_id} {s.status}: {s.pages} pages, {s.posts_new} new "
                   f"posts, {s.posts_updated} updated{'; ' + s.error if s.error else ''}")
    if halted:
        sys.exit(1)
    if any(s.status != "completed" for s in summaries):
        sys.exit(1)


@main.command()
@pass_app
def run(app: App):
    """Migrate, then collect every interval until stopped (SIGTERM/SIGINT stop cleanly)."""
    from monitor.attribution import recompute_if_stale
    from monitor.scheduler import CampaignScheduler

    engine = app.engine(require_current_schema=False)
    upgrade(engine)
    factory = app.sources()
    factory.check_secrets()  # fail now, not at the first job, when a token or password is missing
    recomputed = recompute_if_stale(engine, app.config)
    if recomputed:
        click.echo(f"regions changed since the last run: re-attributed {recomputed[0]} authors, "
                   f"{recomputed[1]} posts", err=True)
    scheduler = CampaignScheduler(engine, app.config, factory)
    scheduler.run()
    if scheduler.fatal_error:
        click.echo(f"error: {scheduler.fatal_error}", err=True)
        sys.exit(EXIT_USER_ERROR)


@main.command("import")
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False))
@click.option("--progress/--no-progress", default=True, help="Show a progress bar.")
@pass_app
def import_(app: App, files, progress):
    """Import twarc2 / X API v2 JSONL files (one response page a line)."""
    from monitor.importer import import_jsonl

    engine = app.engine()
    for path in files:
        report = import_jsonl(engine, app.config, path, progress=progress)
        click.echo(f"{path}: {report.describe()}")


@main.command()
@pass_app
def status(app: App):
    """Last run per campaign, posts stored, next run due."""
    from monitor.metrics import collection_states
    from monitor.timeutil import uk_local

    def when(t):
        return uk_local(t).strftime("%Y-%m-%d %H:%M %Z") if t else "-"

    for s in collection_states(app.engine(), app.config, count_posts=True):
        click.echo(f"{s.campaign}: {s.posts} posts stored")
        if s.last_run_id is None:
            click.echo("  no collection run yet")
            continue
        click.echo(f"  last run {s.last_run_id}: {s.last_status}, started {when(s.last_started)}, "
                   f"ended {when(s.last_ended)}")
        if s.last_error:
            click.echo(f"  error: {s.last_error}")
        click.echo(f"  next run due {when(s.next_due)}")


@main.command("fake-x", context_settings={"ignore_unknown_options": True, "allow_extra_args": True})
@click.pass_context
def fake_x(ctx):
    """Serve the simulated X API v2 on loopback (see `campaign-monitor fake-x --help-server`)."""
    from monitor.fakex.server import main as fake_main

    args = ["--help" if a == "--help-server" else a for a in ctx.args]
    sys.exit(fake_main(args) or 0)


@main.command("fake-bluesky", context_settings={"ignore_unknown_options": True, "allow_extra_args": True})
@click.pass_context
def fake_bluesky(ctx):
    """Serve a simulated Bluesky on loopback (see `campaign-monitor fake-bluesky --help-server`)."""
    from monitor.fakenet.cli import bluesky_main

    sys.exit(bluesky_main(["--help" if a == "--help-server" else a for a in ctx.args]) or 0)


@main.command("fake-mastodon", context_settings={"ignore_unknown_options": True, "allow_extra_args": True})
@click.pass_context
def fake_mastodon(ctx):
    """Serve simulated Mastodon servers on loopback (see `campaign-monitor fake-mastodon --help-server`)."""
    from monitor.fakenet.cli import mastodon_main

    sys.exit(mastodon_main(["--help" if a == "--help-server" else a for a in ctx.args]) or 0)


@main.group()
def regions():
    """Region attribution commands."""


@regions.command("explain")
@click.argument("location")
def regions_explain(location):
    """Show the region a profile location gives, and the evidence."""
    from monitor.regions import explain

    click.echo(explain(location))


@regions.command("recompute")
@click.option("--progress/--no-progress", default=True)
@pass_app
def regions_recompute(app: App, progress):
    """Re-attribute every stored author and post (after aliases, gazetteer or known accounts change)."""
    from tqdm import tqdm

    from monitor.attribution import count_authors, recompute_all

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
    from monitor.attribution import correct_handle

    try:
        correct_handle(app.engine(), app.config, username, region, branch=branch, corrected_by=corrected_by,
                       note=note)
    except ValueError as e:
        raise click.ClickException(str(e)) from None
    click.echo(f"@{username.lstrip('@')} is now {region}" + (f" ({branch})" if branch else ""))


@main.command()
@click.option("--week", required=True, metavar="YYYY-Www", help="ISO week in UK time, such as 2026-W47.")
@click.option("--region", metavar="REGION",
              help="One region (key or NAHT name, e.g. London, 'NAHT Cymru'); default all.")
@click.option("--campaign", "campaign_name", metavar="NAME", help="Campaign name (needed when several are configured).")
@click.option("--format", "fmt", type=click.Choice(FORMATS), required=True,
              help="xlsx: workbook of every table; csv: the week's posts; pdf: A4 report.")
@click.option("--out", type=click.Path(dir_okay=False, writable=True),
              help="File to write (default: the report's name here).")
@pass_app
def report(app: App, week, region, campaign_name, fmt, out):
    """Write the weekly summary of one ISO week (Monday to Sunday, UK time)."""
    from monitor.reports import ReportError, build_weekly_report, render, report_filename, write_atomically
    from monitor.timeutil import parse_iso_week

    try:
        year, week_number = parse_iso_week(week)
    except ValueError as e:
        raise click.BadParameter(str(e), param_hint="--week") from None
    try:
        built = build_weekly_report(app.engine(), app.config, year, week_number, campaign=campaign_name, region=region)
    except ReportError as e:
        raise click.BadParameter(str(e), param_hint=f"--{e.param}") from None
    path = write_atomically(out or report_filename(built, fmt), render(built, fmt))
    click.echo(str(path))


@main.command()
@click.option("--port", default=8501, show_default=True)
@click.option("--address", default="127.0.0.1", show_default=True,
              help="Address to listen on: loopback behind a reverse proxy; 0.0.0.0 inside a container.")
@pass_app
def dashboard(app: App, port, address):
    """Start the Streamlit dashboard."""
    from monitor.serve import run_dashboard

    app.engine()  # fail clearly now if the database is unreachable or not migrated
    sys.exit(run_dashboard(app.config_path, port, address))


@main.command()
@click.option("--port", default=8501, show_default=True, help="Dashboard port.")
@click.option("--api-port", default=8700, show_default=True, help="Simulated X API port.")
@click.option("--interval", default=1.0, show_default=True, help="Minutes between polls in the demo.")
@pass_app
def demo(app: App, port, api_port, interval):
    """Migrate, start the simulated X API, the scheduler and the dashboard together."""
    from monitor.demo import run_demo

    sys.exit(run_demo(app, port=port, api_port=api_port, interval=interval))


if __name__ == "__main__":
    main()
