"""`db`: create or migrate the schema, and grant the dashboard's role what it reads."""
from __future__ import annotations

import click

from monitor.cli.common import App, pass_app
from monitor.db import safe_url
from monitor.grants import grant_reader


@click.group()
def db():
    """Database schema commands."""


@db.command("upgrade")
@pass_app
def db_upgrade(app: App):
    """Create or migrate the database schema to the current revision (safe to start twice at once), and
    finish what a migration left for the config: matching stored posts again."""
    from monitor.rematch import upgrade_and_rematch  # lazy: pulls in the store (~60 ms on every --help)

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
    statements = grant_reader(app.engine(), role, corrections=corrections)
    click.echo(f"granted {role} reading" + (" and the dashboard's corrections" if corrections else "")
               + f" ({len(statements)} statements)")


COMMANDS = (db,)
