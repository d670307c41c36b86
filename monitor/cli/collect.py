"""Collecting: `collect --once`, `run` (the scheduled collector), `import` (twarc2 archives), `status`."""
from __future__ import annotations

import sys
import threading

import click

from monitor.attribution import recompute_if_stale
from monitor.cli.common import App, exit_user_error, pass_app
from monitor.dbcheck import DatabaseIdentity
from monitor.lease import Lease, current_holder, holding_lease
from monitor.metrics import collection_states
from monitor.schema import upgrade
from monitor.sources.base import CollectionHalted
from monitor.timeutil import uk_local


@click.command()
@click.option("--once", is_flag=True, required=True, help="Run one poll of each campaign and exit.")
@click.option("--campaign", "campaign_name", metavar="NAME", help="Only this campaign.")
@pass_app
def collect(app: App, once, campaign_name):
    """Poll each network once for each campaign (or one) and store what it finds."""
    from monitor.collector import collect_once  # lazy: the network clients cost ~0.5 s on every --help

    campaigns = [app.config.campaign(campaign_name)] if campaign_name else list(app.config.campaigns)
    engine = app.engine()
    factory = app.sources()
    factory.check_secrets()
    stop = threading.Event()
    summaries, halted = [], False
    with holding_lease(engine, app.config.interval_minutes, "collect --once", stop):
        for network in app.config.networks:
            try:
                summaries += collect_once(engine, app.config, factory(network), campaigns, stop=stop,
                                          guard=DatabaseIdentity(engine).check)
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


@click.command()
@pass_app
def run(app: App):
    """Migrate, then collect every interval until stopped (SIGTERM/SIGINT stop cleanly)."""
    from monitor.rematch import pending_rematch  # lazy: pulls in the store (~60 ms on every --help)
    from monitor.scheduler import CampaignScheduler  # lazy: APScheduler and the collector (~0.4 s)

    engine = app.engine(require_current_schema=False)
    upgrade(engine)   # the lease lives in the schema
    factory = app.sources()
    factory.check_secrets()  # fail now, not at the first job, when a token or password is missing
    lease = Lease(engine, app.config.interval_minutes, "run")
    lease.acquire()  # one collector per database: LeaseHeld names the other one
    try:
        rematched = pending_rematch(engine, app.config)
        if rematched:
            click.echo(rematched.describe(), err=True)
        recomputed = recompute_if_stale(engine, app.config)
        if recomputed:
            click.echo(f"regions changed since the last run: re-attributed {recomputed[0]} authors, "
                       f"{recomputed[1]} posts", err=True)
        scheduler = CampaignScheduler(engine, app.config, factory, lease=lease)
        scheduler.run()
    finally:
        lease.release()
    if scheduler.fatal_error:
        exit_user_error(scheduler.fatal_error)


@click.command("import")
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False))
@click.option("--progress/--no-progress", default=True, help="Show a progress bar.")
@pass_app
def import_(app: App, files, progress):
    """Import twarc2 / X API v2 JSONL files (one response page a line).

    Exit status 1 when a line could not be read (each is listed with the reason), 0 when every line was read.
    """
    from monitor.importer import import_jsonl  # lazy: the parser and the store (~0.3 s on every --help)

    engine = app.engine()
    complete = True
    for path in files:
        report = import_jsonl(engine, app.config, path, progress=progress)
        click.echo(f"{path}: {report.describe()}")
        complete = complete and report.complete
    if not complete:
        sys.exit(1)


def _when(t) -> str:
    return uk_local(t).strftime("%Y-%m-%d %H:%M %Z") if t else "-"


@click.command()
@pass_app
def status(app: App):
    """Last run per campaign, posts stored, next run due."""
    holder = current_holder(app.engine())
    click.echo(f"collector: {holder.describe()}" if holder else "collector: none running (no process holds the lease)")
    for s in collection_states(app.engine(), app.config, count_posts=True):
        click.echo(f"{s.campaign}: {s.posts} posts stored")
        if s.last_run_id is None:
            click.echo("  no collection run yet")
            continue
        click.echo(f"  last run {s.last_run_id}: {s.last_status}, started {_when(s.last_started)}, "
                   f"ended {_when(s.last_ended)}")
        if s.last_error:
            click.echo(f"  error: {s.last_error}")
        click.echo(f"  next run due {_when(s.next_due)}")


COMMANDS = (collect, run, import_, status)
