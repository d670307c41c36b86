"""`privacy`: a person's erasure and access requests, compaction, and the retention policy (docs/privacy.md)."""
from __future__ import annotations

import getpass

import click

from monitor.cli.common import App, pass_app


@click.group()
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
    from monitor.privacy import RequestError, forget  # lazy: monitor.privacy costs ~50 ms on every --help

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
    # lazy: monitor.privacy costs ~50 ms on every --help
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
    from monitor.privacy import clear_residue  # lazy: monitor.privacy costs ~50 ms on every --help

    click.echo("compacting the database (tables are locked while they are copied)...", err=True)
    done = clear_residue(app.engine(), wait_ms=60_000, full=True)
    click.echo("done" if done else "compacted, but the SQLite write-ahead log was busy: run it again when quiet")


@privacy.command("retention")
@pass_app
def privacy_retention(app: App):
    """Apply the retention policy now (the collector does it every night): drop old raw JSON and inactive
    authors' profiles, finish any removal still pending."""
    from monitor.privacy import run_retention  # lazy: monitor.privacy costs ~50 ms on every --help

    summary = run_retention(app.engine(), app.config)
    click.echo(f"retention run {summary.run_id}: {summary.describe()}")


COMMANDS = (privacy,)
