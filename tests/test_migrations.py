"""The Alembic revisions build exactly the schema the models describe, on both databases."""
from datetime import datetime, timezone
from functools import partial

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import column, insert, select, table

from monitor.config import default_config
from monitor.db import make_engine, transaction, upgrade
from monitor.models import Author, Base, on_this_dialect
from monitor.parse import parse_author, stub_author

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
        # The table as it was at 0009: the model's columns without the new ones (0010, 0019).
        old = [c for c in Author.__table__.c if c.name not in ("placeholder", *NETWORK_COLUMNS)]
        authors_0009 = table("authors", *[column(c.name, c.type) for c in old])
        rows = [{c.name: row[c.name] for c in old} for row in (stub_author("7", now), full)]
        with engine.begin() as conn:
            conn.execute(insert(authors_0009), rows)
        upgrade(engine)
        with transaction(engine) as s:
            assert dict(s.execute(select(Author.id, Author.placeholder)).all()) == {"7": True, "8": False}
    finally:
        engine.dispose()


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
    """A database of X posts (posts, authors, matches, summaries, runs, cursors) taken back to 0010 and
    forward again: every row as it was, ids unchanged, each of them network 'x', on both databases."""
    from sqlalchemy import text

    from monitor.db import downgrade
    from monitor.models import DaySummary, Post, SearchCursor
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
        downgrade(engine, "0010")
        assert _snapshot(engine) == before
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
