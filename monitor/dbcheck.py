"""The database is still the one the collector opened: checked before every poll.

A SQLite file deleted (or replaced) under a running collector does not fail a single write: the open
connections keep writing into the deleted file, which vanishes with the process, while the log says
"completed, 1 new" for as long as it runs. So the collector notes the file's identity (device and
inode) when it starts and, before each poll, checks that the file at the path is still that file and
that the schema is still there; if not, it stops with one clear line (exit status 2) and never writes
into a deleted file. On PostgreSQL the schema check alone applies.
"""
from __future__ import annotations

import os
from pathlib import Path

from sqlalchemy.engine import Engine

from monitor.db import DATABASE_FAULTS, DatabaseUnavailable, db_error_reason, safe_url
from monitor.schema import current_revision, head_revision


class DatabaseGone(Exception):
    """The database the collector opened is not there any more: str() is one line (exit status 2)."""


def sqlite_path(engine: Engine) -> Path | None:
    """The SQLite file of an engine (None for PostgreSQL or an in-memory database)."""
    if engine.url.get_backend_name() != "sqlite" or engine.url.database in (None, "", ":memory:"):
        return None
    return Path(engine.url.database).resolve()


def _identity(path: Path) -> tuple[int, int]:
    st = os.stat(path)
    return st.st_dev, st.st_ino


class DatabaseIdentity:
    """Taken once the schema is in place (after `db upgrade` in `run`); check() before each poll."""

    def __init__(self, engine: Engine):
        self.engine = engine
        self.path = sqlite_path(engine)
        self.identity = _identity(self.path) if self.path else None
        self.head = head_revision()

    def check(self) -> None:
        """Raise DatabaseGone when the file was deleted or replaced or the schema is missing;
        DatabaseUnavailable when the database cannot be reached just now (the next poll tries again)."""
        if self.path is not None:
            advice = ("stopping so that nothing is written into a file that is gone; restore the file from a "
                      "backup (deploy/README.md, Backups) or run `campaign-monitor db upgrade` to start a new one, "
                      "then start the collector again")
            try:
                now = _identity(self.path)
            except FileNotFoundError:
                raise DatabaseGone(f"the SQLite database file {self.path} was deleted while the collector ran: "
                                   f"{advice}") from None
            if now != self.identity:
                raise DatabaseGone(f"the SQLite database file {self.path} was replaced by another file while the "
                                   f"collector ran: {advice}")
        try:
            revision = current_revision(self.engine)
        except DATABASE_FAULTS as e:
            raise DatabaseUnavailable(f"cannot check the database {safe_url(str(self.engine.url))}: "
                                      f"{db_error_reason(e)}") from None
        if revision != self.head:
            raise DatabaseGone(f"the database {safe_url(str(self.engine.url))} no longer holds the current schema "
                               f"(found {revision or 'none'}): stopping; run `campaign-monitor db upgrade`, then start "
                               "the collector again")
