"""The Alembic revisions build exactly the schema the models describe, on both databases."""
from datetime import datetime, timezone
from functools import partial

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import column, insert, inspect, select, table

from monitor.db import make_engine, transaction, upgrade
from monitor.models import Author, Base, on_this_dialect
from monitor.parse import parse_author, stub_author


def test_models_and_migrations_agree(engine):
    upgrade(engine)  # idempotent: a second upgrade changes nothing
    with engine.connect() as conn:
        only_here = partial(on_this_dialect, dialect=conn.dialect.name)  # indexes made on one dialect only
        diff = compare_metadata(MigrationContext.configure(conn, opts={"include_object": only_here}), Base.metadata)
    assert diff == [], f"models differ from migrations (write a new revision): {diff}"



def test_migration_0010_marks_the_placeholders_already_stored(db_url):
    """A database at 0009 holding a placeholder author (raw '{}') and a full one: after the upgrade
    exactly the placeholder is flagged, on both databases."""
    now = datetime(2026, 11, 30, 9, 0, tzinfo=timezone.utc)
    full = parse_author({"id": "8", "username": "bob", "name": "Bob", "public_metrics": {"followers_count": 3}}, now)
    engine = make_engine(db_url)
    try:
        upgrade(engine, "0009")
        # The table as it was at 0009, read from the database (later revisions add columns to the model).
        present = {c["name"] for c in inspect(engine).get_columns("authors")}
        old = [c for c in Author.__table__.c if c.name in present]
        authors_0009 = table("authors", *[column(c.name, c.type) for c in old])
        rows = [{c.name: row[c.name] for c in old} for row in (stub_author("7", now), full)]
        with engine.begin() as conn:
            conn.execute(insert(authors_0009), rows)
        upgrade(engine)
        with transaction(engine) as s:
            assert dict(s.execute(select(Author.id, Author.placeholder)).all()) == {"7": True, "8": False}
    finally:
        engine.dispose()


def test_two_first_time_upgrades_at_once_both_end_well(db_url, tmp_path):
    """Two `campaign-monitor db upgrade` started together on a fresh database: before they were serialised
    the loser crashed with an IntegrityError on alembic_version (PostgreSQL, 3 of 3 tries). Now the
    second waits for the first and finds nothing to do; tried on three fresh databases."""
    import os
    import subprocess
    import sys

    from monitor.db import current_revision, head_revision
    from tests.helpers import ROOT as PROJECT_ROOT
    from tests.helpers import fresh_pg_database

    config = tmp_path / "config.toml"
    env = dict(os.environ, PYTHONPATH=str(PROJECT_ROOT))
    drops = []
    try:
        for attempt in range(3):
            if attempt == 0:
                url = db_url
            elif db_url.startswith("sqlite"):
                url = f"sqlite:///{tmp_path / f'attempt-{attempt}.db'}"
            else:
                url, drop = fresh_pg_database()
                drops.append(drop)
            config.write_text(f'[database]\nurl = "{url}"\n'
                              '[[campaigns]]\nname = "ipfs"\nhashtags = ["FundOurSchools"]\n')
            both = [subprocess.Popen([sys.executable, "-m", "monitor.cli", "--config", str(config), "db", "upgrade"],
                                     env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                    for _ in range(2)]
            results = [(p.communicate(timeout=180), p.returncode) for p in both]
            assert [code for _, code in results] == [0, 0], [err[-2000:] for (_, err), _ in results]
            assert all("is at the current schema" in out for (out, _), _ in results)
            engine = make_engine(url)
            assert current_revision(engine) == head_revision()
            engine.dispose()
    finally:
        for drop in drops:
            drop()
