"""The Alembic revisions build exactly the schema the models describe, on both databases."""
from datetime import datetime, timezone
from functools import partial

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import column, insert, inspect, select, table

from monitor.config import default_config
from monitor.db import make_engine, transaction
from monitor.models import Author, Base, on_this_dialect
from monitor.parse import parse_author, stub_author
from monitor.schema import upgrade

NETWORK_COLUMNS = ("network", "native_id", "url")   # migration 0019


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

    from monitor.schema import current_revision, head_revision
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


def _snapshot(engine, leave_out=NETWORK_COLUMNS) -> dict[str, list[tuple]]:
    """Every row of every table (but Alembic's own), sorted, without the columns 0019 added."""
    from sqlalchemy import MetaData

    meta = MetaData()
    meta.reflect(engine)
    found = {}
    with engine.connect() as conn:
        for name, t in meta.tables.items():
            if name == "alembic_version":
                continue
            columns = sorted(c.name for c in t.c if c.name not in leave_out)
            rows = conn.execute(select(*[t.c[c] for c in columns])).all()
            found[name] = sorted((tuple(str(v) for v in r) for r in rows))
    return found


def test_migration_0019_keeps_every_x_row_and_marks_it_x(db_url):
    """A database of X posts (posts, authors, matches, summaries, runs, cursors) taken back to 0017 and
    forward again: every row as it was, ids unchanged, each of them network 'x', on both databases."""
    from sqlalchemy import text

    from monitor.models import DaySummary, Post, SearchCursor
    from monitor.schema import downgrade
    from tests.seed import add_run, seed_small, utc

    engine = make_engine(db_url)
    try:
        upgrade(engine)
        seed_small(engine, default_config())
        run_id = add_run(engine, "ipfs", utc(20, 9))
        with transaction(engine) as s:
            s.add(SearchCursor(campaign="ipfs", query="(#A OR @b) -is:retweet", since_id="1860000000000000000",
                               updated_at=utc(20, 9)))
        before = _snapshot(engine)
        assert len(before["posts"]) > 5 and before["summary_days"] and run_id
        downgrade(engine, "0017")
        at_0017 = _snapshot(engine)   # the tables later revisions add (0020's actions) are gone, and empty
        assert at_0017 == {name: rows for name, rows in before.items() if name in at_0017}
        assert all(not before[name] for name in set(before) - set(at_0017))
        with engine.connect() as conn:
            assert "network" not in [r[1] for r in conn.execute(text("SELECT * FROM posts LIMIT 0")).cursor.description]
        upgrade(engine)
        assert _snapshot(engine) == before
        with transaction(engine) as s:
            assert set(s.scalars(select(Post.network))) == {"x"}
            assert set(s.scalars(select(DaySummary.network))) == {"x"}
            assert [(c.network, c.since_id) for c in s.scalars(select(SearchCursor))] == [("x", "1860000000000000000")]
    finally:
        engine.dispose()
