"""`actions`: record, edit, remove, list and import campaign actions (roundtables, letters, visits)."""
from __future__ import annotations

import sys

import click

from monitor.actions import (
    ActionError,
    ActionInput,
    ImportFileError,
    add_action,
    edit_action,
    import_csv,
    parse_day,
    parse_member_ids,
    parse_time,
    remove_action,
)
from monitor.cli.common import (
    App,
    campaign_option,
    exit_user_error,
    failing_as_click_errors,
    options,
    pass_app,
    period_filters,
    period_options,
)
from monitor.metrics import action_history, effects, region_display_name
from monitor.reports import ReportError
from monitor.reports.actions import actions_csv
from monitor.reports.model import chosen_campaign


@click.group()
def actions():
    """Campaign actions (roundtables, letters, visits): record, list, edit, remove, import a spreadsheet."""


def _action_options(required: bool):
    """The fields of an action as options: all needed to add one (date, kind, title), none to edit one."""
    return options(
        click.option("--date", "day", required=required, metavar="YYYY-MM-DD", help="The UK day it took place."),
        click.option("--kind", required=required, help="One of [actions] kinds (such as 'MP roundtable')."),
        click.option("--title", required=required, help="What happened, in a few words."),
        click.option("--time", "at_time", metavar="HH:MM", help="UK time (optional)."),
        click.option("--region", help="Region key or NAHT name; leave out (or '') for a national action."),
        click.option("--branch", help="Branch (optional)."),
        click.option("--mp", "mps", metavar="MEMBER_IDS", help="MPs' member ids, such as 4514;172 (MPs page)."),
        click.option("--link", help="A web address about it (optional)."),
        click.option("--notes", help="Notes (optional)."),
    )


def _action_fields(given: dict) -> dict:
    """The options given, as monitor.actions.ActionInput's fields (None: not given)."""
    parse = {"day": parse_day, "at_time": parse_time, "mps": parse_member_ids}
    names = {"mps": "mp_member_ids"}
    return {names.get(k, k): parse[k](v) if k in parse else v for k, v in given.items() if v is not None}


@actions.command("add")
@_action_options(required=True)
@campaign_option
@click.option("--by", "recorded_by", required=True, help="Who records it (kept with it).")
@pass_app
def actions_add(app: App, campaign_name, recorded_by, **given):
    """Record a campaign action."""
    with failing_as_click_errors(ActionError, ReportError):
        campaign = chosen_campaign(app.config, campaign_name)
        action_id = add_action(app.engine(), app.config, campaign.name, ActionInput(**_action_fields(given)),
                               recorded_by)
    click.echo(f"action #{action_id} recorded")


@actions.command("edit")
@click.argument("action_id", type=int)
@_action_options(required=False)
@click.option("--by", "edited_by", required=True, help="Who makes the change (kept with the version).")
@pass_app
def actions_edit(app: App, action_id, edited_by, **given):
    """Change an action: the version before is kept (see `actions history`)."""
    with failing_as_click_errors(ActionError):
        changed = edit_action(app.engine(), app.config, action_id, _action_fields(given), edited_by)
    click.echo(f"action #{action_id} " + ("changed" if changed else "unchanged: nothing given differs"))


@actions.command("remove")
@click.argument("action_id", type=int)
@click.option("--by", "removed_by", required=True, help="Who removes it (kept with the removal).")
@click.option("--reason", help="Why (kept with the removal).")
@pass_app
def actions_remove(app: App, action_id, removed_by, reason):
    """Take an action off the dashboard and reports; it and its history are kept for the audit."""
    with failing_as_click_errors(ActionError):
        remove_action(app.engine(), action_id, removed_by, reason)
    click.echo(f"action #{action_id} removed (its history is kept)")


@actions.command("list")
@period_options
@pass_app
def actions_list(app: App, campaign_name, from_date, to_date, region, fmt):
    """The actions of a period with their effect (posts in the region, the N days after against before)."""
    filters = period_filters(app, campaign_name, from_date, to_date, region)
    found = effects(app.engine(), filters, app.config.actions.effect_days)
    if fmt == "csv":
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
    versions = action_history(app.engine(), action_id)
    if not versions:
        raise click.ClickException(f"there is no action #{action_id}")
    for v in versions:
        click.echo(f"v{v.version} {v.change} by {v.saved_by} at {v.saved_at:%Y-%m-%d %H:%M} UTC: {v.day} {v.kind} "
                   f"{v.region or 'national'} {v.title!r}" + (f" (reason: {v.reason})" if v.reason else ""))


@actions.command("import")
@click.argument("file", type=click.Path(dir_okay=False))
@campaign_option
@click.option("--by", "recorded_by", required=True, help="Who records them (kept with each).")
@pass_app
def actions_import(app: App, file, campaign_name, recorded_by):
    """Import a spreadsheet (CSV) of actions; bad rows are listed by line and left out, the rest are added.

    Exit status 0: every row imported (or already there); 1: some rows were bad; 2: the file cannot be read."""
    try:
        campaign = chosen_campaign(app.config, campaign_name)
        result = import_csv(app.engine(), app.config, campaign.name, file, recorded_by)
    except ImportFileError as e:   # an ActionError too: the file itself is the mistake, exit status 2
        exit_user_error(str(e))
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


COMMANDS = (actions,)
