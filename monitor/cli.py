"""`campaign-monitor`: a thin layer over the library (parse arguments, call, print).

Mistakes a person must fix (config, missing secret, unreachable database, refused credentials)
print one line to stderr and exit with status 2; a run that failed or halted exits 1.
"""
from __future__ import annotations

import sys

import click
from sqlalchemy.exc import SQLAlchemyError

from monitor.config import MIN_INTERVAL_MINUTES, ConfigError, database_url, load_config
from monitor.db import DatabaseUnavailable, describe_error, make_engine, require_schema, upgrade
from monitor.dbcheck import DatabaseGone
from monitor.grants import GrantError
from monitor.lease import LeaseHeld, LeaseLost
from monitor.regions import explain
from monitor.reports import FORMATS
from monitor.sources import SourceFactory
from monitor.sources.base import CollectionHalted, SourceConfigError

USER_ERRORS = (ConfigError, DatabaseUnavailable, SourceConfigError, LeaseHeld, LeaseLost, DatabaseGone, GrantError)
EXIT_USER_ERROR = 2


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
    """Create or migrate the database schema to the current revision (safe to start twice at once), and
    finish what a migration left for the config: matching stored posts again."""
    from monitor.db import safe_url
    from monitor.rematch import upgrade_and_rematch

    engine = app.engine(require_current_schema=False)
    rematched = upgrade_and_rematch(engine, app.config)
    if rematched:
        click.echo(rematched.describe())
    click.echo(f"database {safe_url(str(engine.url))} is at the current schema")


@db.command("grant-reader")
@click.argument("role")
@click.option("--corrections", is_flag=True,
              help="Also let it write what the dashboard's corrections write (region corrections, and their tables).")
@pass_app
def db_grant_reader(app: App, role, corrections):
    """Grant a PostgreSQL ROLE what the dashboard needs: read every table (and those later migrations add).

    Run it as the role that owns the schema (the collector's), after `db upgrade`.
    """
    from monitor.grants import grant_reader

    statements = grant_reader(app.engine(), role, corrections=corrections)
    click.echo(f"granted {role} reading" + (" and the dashboard's corrections" if corrections else "")
               + f" ({len(statements)} statements)")


@main.command()
@click.option("--once", is_flag=True, required=True, help="Run one poll of each campaign and exit.")
@click.option("--campaign", "campaign_name", metavar="NAME", help="Only this campaign.")
@pass_app
def collect(app: App, once, campaign_name):
    """Poll each network once for each campaign (or one) and store what it finds."""
    import threading

    from monitor.collector import collect_once
    from monitor.dbcheck import DatabaseIdentity
    from monitor.lease import holding_lease

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


@main.command()
@pass_app
def run(app: App):
    """Migrate, then collect every interval until stopped (SIGTERM/SIGINT stop cleanly)."""
    from monitor.attribution import recompute_if_stale
    from monitor.lease import Lease
    from monitor.rematch import pending_rematch
    from monitor.scheduler import CampaignScheduler

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
        click.echo(f"error: {scheduler.fatal_error}", err=True)
        sys.exit(EXIT_USER_ERROR)


@main.command("import")
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False))
@click.option("--progress/--no-progress", default=True, help="Show a progress bar.")
@pass_app
def import_(app: App, files, progress):
    """Import twarc2 / X API v2 JSONL files (one response page a line).

    Exit status 1 when a line could not be read (each is listed with the reason), 0 when every line was read.
    """
    from monitor.importer import import_jsonl

    engine = app.engine()
    complete = True
    for path in files:
        report = import_jsonl(engine, app.config, path, progress=progress)
        click.echo(f"{path}: {report.describe()}")
        complete = complete and report.complete
    if not complete:
        sys.exit(1)


@main.command()
@pass_app
def status(app: App):
    """Last run per campaign, posts stored, next run due."""
    from monitor.lease import current_holder
    from monitor.metrics import collection_states
    from monitor.timeutil import uk_local

    def when(t):
        return uk_local(t).strftime("%Y-%m-%d %H:%M %Z") if t else "-"

    holder = current_holder(app.engine())
    click.echo(f"collector: {holder.describe()}" if holder else "collector: none running (no process holds the lease)")
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
def alerts():
    """Alert commands."""


@alerts.command("test")
@pass_app
def alerts_test(app: App):
    """Send a test alert to every channel ([alerts] in config.toml); exit 1 if one failed or none is set."""
    from monitor.alerts.engine import send_test

    outcome = send_test(app.engine(), app.config)
    if not outcome:
        click.echo("no alert channel is configured: set [reports.smtp] for e-mail, or [[alerts.webhooks]]", err=True)
        sys.exit(1)
    for channel, error in outcome.items():
        click.echo(f"{channel}: {'sent' if error is None else 'FAILED: ' + error}")
    if any(error is not None for error in outcome.values()):
        sys.exit(1)


@main.group()
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


@main.group()
def privacy():
    """Personal data: erasure and access requests, and retention (docs/privacy.md)."""


def _request_error(e) -> click.ClickException:
    return click.BadParameter(str(e), param_hint="HANDLE" if "handle" in str(e) else "--by")


@privacy.command("forget")
@click.argument("handle")
@click.option("--by", "requested_by", required=True, metavar="PERSON",
              help="Who asked for (or authorised) the erasure: recorded with the request.")
@pass_app
def privacy_forget(app: App, handle, requested_by):
    """Erase everything stored about an X account (@handle), in one transaction: profile, follower history,
    corrections, the personal fields of every post (they stay counted, with no author), and the handle in
    other people's posts. The request is recorded with a salted hash of the handle, never the handle."""
    from monitor.privacy import RequestError, forget

    try:
        result = forget(app.engine(), app.config, handle, requested_by)
    except RequestError as e:
        raise _request_error(e) from None
    click.echo(f"request {result.request_id}: erased {result.authors} account(s), removed {result.posts} posts "
               f"(still counted in the figures, with no author), and erased the handle from {result.mentions} "
               "other posts")
    if result.residue_cleared is False:
        click.echo("note: the SQLite write-ahead log was busy and still holds old pages: the next removal or "
                   "the nightly retention run empties it (or run `campaign-monitor privacy retention`)", err=True)


@privacy.command("export")
@click.argument("handle")
@click.option("--out", type=click.Path(dir_okay=False, writable=True),
              help="JSON file to write (default: privacy-export-HANDLE.json here).")
@click.option("--by", "requested_by", metavar="PERSON",
              help="Who asked for it: recorded with the request (default: the user running the command).")
@pass_app
def privacy_export(app: App, handle, out, requested_by):
    """Write everything stored about an X account (@handle) to a JSON file (readable by you only), and
    record the request."""
    import getpass

    from monitor.privacy import RequestError, export, normalise_handle, write_export

    try:
        result = export(app.engine(), handle, requested_by or getpass.getuser())
        path = write_export(out or f"privacy-export-{normalise_handle(handle)}.json", result.document)
    except RequestError as e:
        raise _request_error(e) from None
    click.echo(f"request {result.request_id}: {result.authors} account(s), {result.posts} posts, "
               f"named in {len(result.document['mentioned_in'])} other posts: {path}")


@privacy.command("compact")
@pass_app
def privacy_compact(app: App):
    """Rewrite the database so that nothing removed is left in its files (SQLite VACUUM, PostgreSQL
    VACUUM FULL). Removals already make the data unreachable; this also overwrites the freed space, and
    locks each table while it is copied: run it when an erasure must leave no bytes behind."""
    from monitor.privacy import clear_residue

    click.echo("compacting the database (tables are locked while they are copied)...", err=True)
    done = clear_residue(app.engine(), wait_ms=60_000, full=True)
    click.echo("done" if done else "compacted, but the SQLite write-ahead log was busy: run it again when quiet")


@privacy.command("retention")
@pass_app
def privacy_retention(app: App):
    """Apply the retention policy now (the collector does it every night): drop old raw JSON and inactive
    authors' profiles, finish any removal still pending."""
    from monitor.privacy import run_retention

    summary = run_retention(app.engine(), app.config)
    click.echo(f"retention run {summary.run_id}: {summary.describe()}")


@main.group()
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
    from monitor.mps.register import import_files

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
    from monitor.mps.register import set_handle

    try:
        mp = set_handle(app.engine(), member_id, x=x_handle, bluesky=bluesky, corrected_by=corrected_by, note=note)
    except ValueError as e:
        raise click.ClickException(str(e)) from None
    click.echo(f"{mp.name} ({mp.constituency}): X {'@' + mp.x_username if mp.x_username else 'none'}, "
               f"Bluesky {mp.bluesky_handle or 'none'}")


def _period_filters(app: App, campaign_name, from_date, to_date, region):
    """The Filters a listing command's --campaign, --from, --to (default the last 30 UK days) and --region
    name; a wrong one is a usage error naming its option."""
    from datetime import timedelta

    from monitor.metrics import Filters
    from monitor.reports import ReportError, resolve_region
    from monitor.reports.model import chosen_campaign
    from monitor.timeutil import uk_today

    try:
        campaign = chosen_campaign(app.config, campaign_name)
        region_key = resolve_region(app.config, region)
    except ReportError as e:
        raise click.BadParameter(str(e), param_hint=f"--{e.param}") from None
    end = to_date.date() if to_date else uk_today()
    start = from_date.date() if from_date else end - timedelta(days=29)
    if start > end:
        raise click.BadParameter(f"{start} is after {end}", param_hint="--from")
    return Filters(campaign.name, start, end, region=region_key)


@mps.command("list")
@click.option("--campaign", "campaign_name", metavar="NAME", help="Campaign name (needed when several are configured).")
@click.option("--from", "from_date", type=click.DateTime(["%Y-%m-%d"]), help="First UK day (default: 29 days ago).")
@click.option("--to", "to_date", type=click.DateTime(["%Y-%m-%d"]), help="Last UK day (default: today).")
@click.option("--region", metavar="REGION", help="One region (key or NAHT name); default all.")
@click.option("--format", "fmt", type=click.Choice(["table", "csv"]), default="table", show_default=True)
@pass_app
def mps_list(app: App, campaign_name, from_date, to_date, region, fmt):
    """Every sitting MP with their figures in the period: engaged, mentioned or not reached."""
    from monitor.exports import MP_COLUMNS, mp_values, mps_csv
    from monitor.metrics import mp_table

    rows = mp_table(app.engine(), _period_filters(app, campaign_name, from_date, to_date, region))
    if fmt == "csv":
        sys.stdout.buffer.write(mps_csv(rows))
        return
    values = [[str(v) for v in mp_values(r).values()] for r in rows]
    widths = [max(len(c), *(len(v[i]) for v in values)) if values else len(c) for i, c in enumerate(MP_COLUMNS)]
    for line in [list(MP_COLUMNS), *values]:
        click.echo("  ".join(v.ljust(w) for v, w in zip(line, widths)).rstrip())


@main.group()
def actions():
    """Campaign actions (roundtables, letters, visits): record, list, edit, remove, import a spreadsheet."""


def _action_options(required: bool):
    """The fields of an action as options: all needed to add one (date, kind, title), none to edit one."""
    def wrap(command):
        for option in reversed([
            click.option("--date", "day", required=required, metavar="YYYY-MM-DD", help="The UK day it took place."),
            click.option("--kind", required=required, help="One of [actions] kinds (such as 'MP roundtable')."),
            click.option("--title", required=required, help="What happened, in a few words."),
            click.option("--time", "at_time", metavar="HH:MM", help="UK time (optional)."),
            click.option("--region", help="Region key or NAHT name; leave out (or '') for a national action."),
            click.option("--branch", help="Branch (optional)."),
            click.option("--mp", "mps", metavar="MEMBER_IDS", help="MPs' member ids, such as 4514;172 (MPs page)."),
            click.option("--link", help="A web address about it (optional)."),
            click.option("--notes", help="Notes (optional)."),
        ]):
            command = option(command)
        return command
    return wrap


def _action_fields(given: dict) -> dict:
    """The options given, as monitor.actions.ActionInput's fields (None: not given)."""
    from monitor.actions import parse_day, parse_member_ids, parse_time

    parse = {"day": parse_day, "at_time": parse_time, "mps": parse_member_ids}
    names = {"mps": "mp_member_ids"}
    return {names.get(k, k): parse[k](v) if k in parse else v for k, v in given.items() if v is not None}


@actions.command("add")
@_action_options(required=True)
@click.option("--campaign", "campaign_name", metavar="NAME", help="Campaign name (needed when several are configured).")
@click.option("--by", "recorded_by", required=True, help="Who records it (kept with it).")
@pass_app
def actions_add(app: App, campaign_name, recorded_by, **given):
    """Record a campaign action."""
    from monitor.actions import ActionError, ActionInput, add_action
    from monitor.reports import ReportError
    from monitor.reports.model import chosen_campaign

    try:
        campaign = chosen_campaign(app.config, campaign_name)
        action_id = add_action(app.engine(), app.config, campaign.name, ActionInput(**_action_fields(given)),
                               recorded_by)
    except (ActionError, ReportError) as e:
        raise click.ClickException(str(e)) from None
    click.echo(f"action #{action_id} recorded")


@actions.command("edit")
@click.argument("action_id", type=int)
@_action_options(required=False)
@click.option("--by", "edited_by", required=True, help="Who makes the change (kept with the version).")
@pass_app
def actions_edit(app: App, action_id, edited_by, **given):
    """Change an action: the version before is kept (see `actions history`)."""
    from monitor.actions import ActionError, edit_action

    try:
        changed = edit_action(app.engine(), app.config, action_id, _action_fields(given), edited_by)
    except ActionError as e:
        raise click.ClickException(str(e)) from None
    click.echo(f"action #{action_id} " + ("changed" if changed else "unchanged: nothing given differs"))


@actions.command("remove")
@click.argument("action_id", type=int)
@click.option("--by", "removed_by", required=True, help="Who removes it (kept with the removal).")
@click.option("--reason", help="Why (kept with the removal).")
@pass_app
def actions_remove(app: App, action_id, removed_by, reason):
    """Take an action off the dashboard and reports; it and its history are kept for the audit."""
    from monitor.actions import ActionError, remove_action

    try:
        remove_action(app.engine(), action_id, removed_by, reason)
    except ActionError as e:
        raise click.ClickException(str(e)) from None
    click.echo(f"action #{action_id} removed (its history is kept)")


@actions.command("list")
@click.option("--campaign", "campaign_name", metavar="NAME", help="Campaign name (needed when several are configured).")
@click.option("--from", "from_date", type=click.DateTime(["%Y-%m-%d"]), help="First UK day (default: 29 days ago).")
@click.option("--to", "to_date", type=click.DateTime(["%Y-%m-%d"]), help="Last UK day (default: today).")
@click.option("--region", metavar="REGION", help="One region (key or NAHT name); default all.")
@click.option("--format", "fmt", type=click.Choice(["table", "csv"]), default="table", show_default=True)
@pass_app
def actions_list(app: App, campaign_name, from_date, to_date, region, fmt):
    """The actions of a period with their effect (posts in the region, the N days after against before)."""
    from monitor.metrics import effects

    filters = _period_filters(app, campaign_name, from_date, to_date, region)
    found = effects(app.engine(), filters, app.config.actions.effect_days)
    if fmt == "csv":
        from monitor.exports import actions_csv
        from monitor.metrics import region_display_name

        sys.stdout.buffer.write(actions_csv(found, lambda key: region_display_name(app.config, key)))
        return
    for e in found:
        a = e.action
        change = e.effect("posts")
        said = (f"effect on posts {change * 100:+.0f} points" if change is not None else e.reason
                or "no posts before to compare with")
        click.echo(f"#{a.id}  {a.day}  {a.kind}  {a.region or 'national'}  {a.title}  "
                   f"(posts {e.area.before.posts:,} before, {e.area.after.posts:,} after: {said})")
    if not found:
        click.echo(f"no actions from {filters.from_date} to {filters.to_date}")


@actions.command("history")
@click.argument("action_id", type=int)
@pass_app
def actions_history(app: App, action_id):
    """Every version of an action: who saved what, and when."""
    from monitor.metrics import action_history

    versions = action_history(app.engine(), action_id)
    if not versions:
        raise click.ClickException(f"there is no action #{action_id}")
    for v in versions:
        click.echo(f"v{v.version} {v.change} by {v.saved_by} at {v.saved_at:%Y-%m-%d %H:%M} UTC: {v.day} {v.kind} "
                   f"{v.region or 'national'} {v.title!r}" + (f" (reason: {v.reason})" if v.reason else ""))


@actions.command("import")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--campaign", "campaign_name", metavar="NAME", help="Campaign name (needed when several are configured).")
@click.option("--by", "recorded_by", required=True, help="Who records them (kept with each).")
@pass_app
def actions_import(app: App, file, campaign_name, recorded_by):
    """Import a spreadsheet (CSV) of actions; bad rows are listed by line and left out, the rest are added.

    Exit status 0: every row imported (or already there); 1: some rows were bad; 2: the file cannot be read."""
    from monitor.actions import ActionError, ImportFileError, import_csv
    from monitor.reports import ReportError
    from monitor.reports.model import chosen_campaign

    try:
        campaign = chosen_campaign(app.config, campaign_name)
        result = import_csv(app.engine(), app.config, campaign.name, file, recorded_by)
    except ImportFileError as e:
        click.echo(f"error: {e}", err=True)
        sys.exit(EXIT_USER_ERROR)
    except (ActionError, ReportError) as e:
        raise click.ClickException(str(e)) from None
    for line, reason in result.problems:
        click.echo(f"{file}: line {line}: {reason}", err=True)
    for line, reason in result.skipped:
        click.echo(f"{file}: line {line}: skipped, {reason}")
    click.echo(f"{len(result.imported)} actions imported, {len(result.problems)} bad rows left out, "
               f"{len(result.skipped)} already recorded (read as {result.encoding})")
    if result.problems:
        sys.exit(1)


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
    from monitor.reports import (
        ReportError,
        WeekNotStarted,
        build_weekly_report,
        render,
        report_filename,
        write_atomically,
    )
    from monitor.timeutil import parse_iso_week

    try:
        year, week_number = parse_iso_week(week)
    except ValueError as e:
        raise click.BadParameter(str(e), param_hint="--week") from None
    try:
        built = build_weekly_report(app.engine(), app.config, year, week_number, campaign=campaign_name, region=region)
    except WeekNotStarted as e:
        click.echo(f"error: --week: {e}", err=True)
        sys.exit(EXIT_USER_ERROR)
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
@click.option("--interval", default=1.0, show_default=True, type=click.FloatRange(min=MIN_INTERVAL_MINUTES),
              help="Minutes between polls in the demo (at least 1).")
@pass_app
def demo(app: App, port, api_port, interval):
    """Migrate, start the simulated X API, the scheduler and the dashboard together."""
    from monitor.demo import run_demo

    sys.exit(run_demo(app, port=port, api_port=api_port, interval=interval))


if __name__ == "__main__":
    main()
