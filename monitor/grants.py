"""Database roles for the dashboard, granted by `campaign-monitor db grant-reader ROLE [--corrections]`.

The dashboard reads every table and, where staff correct data from it, writes a few. What each kind of
dashboard write touches is listed once, in DASHBOARD_WRITES, next to the models it names: a new kind of
write (MP handle corrections, campaign actions) adds its line there, and the grants follow. A test makes
each kind of write through the dashboard's own code as a role granted exactly this, on a real
PostgreSQL server, so the list cannot fall behind the code.
"""
from __future__ import annotations

import re

from sqlalchemy import inspect, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError

from monitor.models import SUMMARY_TABLES, Action, ActionVersion, Author, Post, RegionCorrection

# Every kind of write the dashboard makes: {table model: privileges}. A correction of an author's region is
# recorded, applied to the author and their posts, and the summary slices of those posts are deleted and
# aggregated again (monitor.summary.resync_authors).
DASHBOARD_WRITES: dict[str, dict[type, tuple[str, ...]]] = {
    "region corrections": {RegionCorrection: ("INSERT",), Author: ("UPDATE",), Post: ("UPDATE",),
                           **dict.fromkeys(SUMMARY_TABLES, ("INSERT", "DELETE"))},
    # A campaign action is recorded with its first version; an edit or a removal changes the action and adds a
    # version (monitor.actions): nothing is ever deleted.
    "campaign actions": {Action: ("INSERT", "UPDATE"), ActionVersion: ("INSERT",)},
}
WRITE_PRIVILEGES = ("INSERT", "UPDATE", "DELETE")
INSUFFICIENT_PRIVILEGE = "42501"  # PostgreSQL's SQLSTATE for "permission denied"


class GrantError(Exception):
    """The roles cannot be granted as asked: str() is one line (exit status 2)."""


def correction_grants() -> dict[str, set[str]]:
    """{table name: privileges} for every dashboard write, merged over the kinds of write."""
    grants: dict[str, set[str]] = {}
    for tables in DASHBOARD_WRITES.values():
        for model, privileges in tables.items():
            grants.setdefault(model.__tablename__, set()).update(privileges)
    return grants


def grant_command(role: str, corrections: bool) -> str:
    return f"campaign-monitor db grant-reader {role}" + (" --corrections" if corrections else "")


def _quote(engine: Engine, name: str) -> str:
    return engine.dialect.identifier_preparer.quote(name)


def grant_reader(engine: Engine, role: str, corrections: bool = False) -> list[str]:
    """Grant `role` what the dashboard needs: read everything (now and the tables later migrations add),
    and with `corrections` write what DASHBOARD_WRITES lists and use those tables' id sequences. Writes
    granted before and not asked for now are revoked. Run as the role that owns the schema. Returns the
    statements run."""
    if engine.dialect.name != "postgresql":
        raise GrantError("db grant-reader is for PostgreSQL: SQLite has no roles (whoever may read the "
                         "database file may read the data)")
    with engine.connect() as conn:
        if conn.execute(text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": role}).scalar() is None:
            raise GrantError(f"there is no database role {role!r}: create it first "
                             f"(CREATE ROLE {role} LOGIN PASSWORD '...'), "
                             f"then run `{grant_command(role, corrections)}`")
        database = conn.execute(text("SELECT current_database()")).scalar()
    who = _quote(engine, role)
    statements = [
        f"GRANT CONNECT ON DATABASE {_quote(engine, database)} TO {who}",
        f"GRANT USAGE ON SCHEMA public TO {who}",
        f"REVOKE {', '.join(WRITE_PRIVILEGES)} ON ALL TABLES IN SCHEMA public FROM {who}",
        f"GRANT SELECT ON ALL TABLES IN SCHEMA public TO {who}",
        # Tables a later migration adds (run by this owner role) are readable at once.
        f"ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT ON TABLES TO {who}",
    ]
    if corrections:
        tables = correction_grants()
        statements += [f"GRANT {', '.join(sorted(privileges))} ON {_quote(engine, table)} TO {who}"
                       for table, privileges in sorted(tables.items())]
        statements += [f"GRANT USAGE ON SEQUENCE {sequence} TO {who}" for sequence in _sequences(engine, tables)]
    with engine.begin() as conn:
        for statement in statements:
            conn.execute(text(statement))
    return statements


def _sequences(engine: Engine, tables) -> list[str]:
    """The id sequences of the tables a write inserts into (serial or identity columns)."""
    found = []
    with engine.connect() as conn:
        for table in sorted(tables):
            for column in inspect(conn).get_pk_constraint(table)["constrained_columns"]:
                sequence = conn.execute(text("SELECT pg_get_serial_sequence(:t, :c)"),
                                        {"t": table, "c": column}).scalar()
                if sequence:
                    found.append(sequence)
    return found


def permission_problem(error: Exception, role: str | None) -> str | None:
    """One line naming the missing grant and the command that grants it, for PostgreSQL's "permission
    denied"; None for any other error."""
    if not isinstance(error, DBAPIError) or getattr(error.orig, "sqlstate", None) != INSUFFICIENT_PRIVILEGE:
        return None
    message = str(error.orig).strip().splitlines()[0]
    found = re.search(r"permission denied for (table|sequence|schema|database) (\S+)", message)
    words = (error.statement or "").split(None, 1)
    action = words[0].upper() if words else ""
    if found and found.group(1) == "table" and action in ("SELECT", *WRITE_PRIVILEGES):
        need = f"{action} on table {found.group(2)}"
    else:
        need = f"USAGE on {found.group(1)} {found.group(2)}" if found else "a privilege"
    write = action in WRITE_PRIVILEGES or (found is not None and found.group(1) == "sequence")
    role = role or "this role"
    return (f"the database role {role} lacks a grant: {need} ({message}); as the role that owns the schema, "
            f"run `{grant_command(role, write)}`")
