"""Engines, sessions and database errors. The schema and its migrations are monitor.schema's."""
from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import ArgumentError, InterfaceError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from monitor.config import database_scheme_problem
from monitor.grants import permission_problem


class DatabaseUnavailable(Exception):
    """The database cannot be reached or opened; str() is one line without the password."""


# What a database that goes away mid-run raises: a lost PostgreSQL connection or server,
# a SQLite file on a full disk ("database or disk is full") or an I/O error.
DATABASE_FAULTS = (OperationalError, InterfaceError)


def db_error_reason(error: Exception) -> str:
    """The driver's first line (no SQL, no parameters, no password), or the exception's name."""
    orig = getattr(error, "orig", None)
    lines = str(orig if orig is not None else error).strip().splitlines()
    return lines[0] if lines else type(error).__name__


def describe_error(error: Exception, url, *, name_database: bool = True) -> str:
    """Any database error as one line for a person: a missing grant names the grant and the command
    (monitor.grants); anything else the driver's first line, after the database's URL unless
    name_database is False (a dashboard visitor is not shown where the server keeps its files)."""
    try:
        role = make_url(str(url)).username
    except ArgumentError:
        role = None
    where = f" on {safe_url(str(url))}" if name_database else ""
    return permission_problem(error, role) or f"database error{where}: {db_error_reason(error)}"


def safe_url(url: str) -> str:
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "<invalid database URL>"


def _sqlite_pragmas(dbapi_conn, _record):
    # WAL lets the dashboard read while the collector writes; busy_timeout waits for a lock
    # instead of failing with "database is locked"; foreign keys are off by default in SQLite.
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA busy_timeout=30000")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA synchronous=NORMAL")
    # Checkpoint the WAL every 4,000 pages (16 MB) instead of 1,000: the collector commits every API
    # page, and copying back index pages that the next few commits change again was a fifth of its
    # store time (bench/HISTORY.md, Ingest). A checkpoint is also when NORMAL syncs: after a power cut,
    # at most the last 16 MB of commits roll back together, consistently, and are collected again.
    cur.execute("PRAGMA wal_autocheckpoint=4000")
    # Freed space is overwritten with zeros, so a removed post's text or an erased profile does not
    # linger in the file's free pages or cells (monitor.privacy.storage). Many builds, Debian's among
    # them, default to it; it is set here for every build.
    cur.execute("PRAGMA secure_delete=ON")
    cur.close()


def make_engine(url: str) -> Engine:
    if database_scheme_problem(url):
        raise DatabaseUnavailable(f"database URL {safe_url(url)}: expected {database_scheme_problem(url)}")
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise DatabaseUnavailable(f"database URL {safe_url(url)} is not a valid SQLAlchemy URL") from None
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(parsed, connect_args={"timeout": 30})
        event.listen(engine, "connect", _sqlite_pragmas)
    else:
        if parsed.drivername == "postgresql":
            parsed = parsed.set(drivername="postgresql+psycopg")
        engine = create_engine(parsed, pool_pre_ping=True, connect_args={"connect_timeout": 10})
    return engine


def check_connection(engine: Engine) -> None:
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except OperationalError as e:
        raise DatabaseUnavailable(
            f"cannot reach the database {safe_url(str(engine.url))}: {db_error_reason(e)}") from None


def session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


@contextmanager
def transaction(engine: Engine) -> Iterator[Session]:
    """One unit of work: commit on success, roll back on any error."""
    with Session(engine, expire_on_commit=False) as session, session.begin():
        yield session
