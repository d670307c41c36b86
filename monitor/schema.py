"""The schema: Alembic's revisions (read from the installed package) applied, checked and reported, and
the data that comes with a schema upgrade (the packaged MP register)."""
from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config as AlembicConfig
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text
from sqlalchemy.engine import Engine

from monitor.db import DatabaseUnavailable, check_connection, safe_url
from monitor.mps.register import load_packaged_if_newer

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


def _alembic_config(engine: Engine):
    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.attributes["engine"] = engine
    return cfg


# PostgreSQL advisory lock key held by a schema upgrade (monitor.summary.ADVISORY_LOCK is another).
MIGRATION_LOCK = 7_304_115_012


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the schema to `revision` (used by `db upgrade`, `run`, `demo` and tests).

    Serialised, so that two started at once on a fresh database (two hosts' `run`, a deploy script and
    a person) both end well: the second waits for the first, then finds nothing left to do. PostgreSQL:
    an advisory lock held for the whole upgrade; SQLite: the upgrade is one exclusive transaction."""
    check_connection(engine)
    cfg = _alembic_config(engine)
    with engine.connect() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("SELECT pg_advisory_lock(:key)"), {"key": MIGRATION_LOCK})
            conn.commit()  # a session lock outlives this transaction; the migrations run in their own
        else:
            # Not deferred: the version is read under the write lock, so the second upgrade reads the
            # first one's result. The busy timeout (30 s, _sqlite_pragmas) is how long it waits.
            conn.exec_driver_sql("BEGIN EXCLUSIVE")
        cfg.attributes["connection"] = conn
        try:
            command.upgrade(cfg, revision)
        finally:
            if conn.dialect.name == "postgresql":
                conn.rollback()  # a failed migration leaves its transaction aborted: end it, then unlock
                conn.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": MIGRATION_LOCK})
                conn.commit()
    if revision == "head":
        # The MP register is data, not schema: loaded after the revisions (see migration 0016), once the
        # upgrade's lock is given back (on SQLite the load needs its own write transaction).
        load_packaged_if_newer(engine)


def downgrade(engine: Engine, revision: str) -> None:
    """Take the schema back to `revision` (tests of a migration over data stored before it)."""
    command.downgrade(_alembic_config(engine), revision)


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def head_revision() -> str:
    return ScriptDirectory(str(MIGRATIONS_DIR)).get_current_head()


def require_schema(engine: Engine) -> None:
    """Fail clearly when the schema is missing or behind, rather than erroring mid-run."""
    check_connection(engine)
    if current_revision(engine) != head_revision():
        raise DatabaseUnavailable(
            f"the database {safe_url(str(engine.url))} is not at the current schema: run `campaign-monitor db upgrade`")


def table_names(engine: Engine) -> list[str]:
    return inspect(engine).get_table_names()
