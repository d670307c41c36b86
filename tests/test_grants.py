"""`campaign-monitor db grant-reader ROLE [--corrections]` on a real PostgreSQL server: the roles the
deploy guide sets up, a correction made through the dashboard's own code (the region page, run by
AppTest) as the reader, and one clear line for whatever a role lacks.

Set up as deploy/README.md used to say (hand-written grants), `regions correct` as the reader failed with
a 90-line traceback ending `permission denied for table summary_days`: a correction also rewrites the
summary tables, which the guide did not grant."""
from __future__ import annotations

import os
import subprocess
import sys
import uuid

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from streamlit.testing.v1 import AppTest

from monitor import metrics
from monitor.config import default_config
from monitor.db import make_engine
from monitor.grants import DASHBOARD_WRITES, correction_grants
from monitor.metrics import Filters
from monitor.models import Base
from monitor.schema import upgrade
from tests.dashboard.helpers import APP
from tests.helpers import PG_URL, fresh_pg_database
from tests.helpers import ROOT as PROJECT_ROOT
from tests.seed import CAMPAIGN, SMALL, seed_small

pytestmark = pytest.mark.postgres
PASSWORD = "reader-" + uuid.uuid4().hex[:8]


@pytest.fixture
def database():
    """A fresh database owned and migrated by the test role (the collector's owner role), seeded; and a
    login role with nothing granted, as `CREATE ROLE ... LOGIN` makes it. Yields (owner URL, role name).
    The role is dropped after the database, which holds its grants."""
    if not PG_URL:
        pytest.skip("MONITOR_TEST_PG_URL not set (make test sets it)")
    url, drop = fresh_pg_database()
    engine = make_engine(url)
    upgrade(engine)
    seed_small(engine, default_config())
    engine.dispose()
    name = f"reader_{uuid.uuid4().hex[:8]}"
    admin = create_engine(make_url(PG_URL), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"CREATE ROLE {name} LOGIN PASSWORD '{PASSWORD}'"))
    yield url, name
    drop()
    with admin.connect() as conn:
        conn.execute(text(f"DROP ROLE {name}"))
    admin.dispose()


@pytest.fixture
def owner_url(database):
    return database[0]


@pytest.fixture
def reader(database):
    return database[1]


def as_role(url: str, role: str) -> str:
    return make_url(url).set(username=role, password=PASSWORD).render_as_string(hide_password=False)


def cli(url: str, *args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MONITOR_")}
    env.update(MONITOR_DATABASE_URL=url, PYTHONPATH=str(PROJECT_ROOT))
    return subprocess.run([sys.executable, "-m", "monitor.cli", *args], env=env, capture_output=True, text=True,
                          timeout=120)


def one_line(result: subprocess.CompletedProcess) -> str:
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


WEEK = {"region": "London", "campaign": CAMPAIGN, "from": str(SMALL.week[0]), "to": str(SMALL.week[1])}


def correct_on_the_region_page(monkeypatch, url: str) -> AppTest:
    """The region page's correction form, submitted as a region lead does."""
    monkeypatch.setenv("MONITOR_DATABASE_URL", url)
    at = AppTest.from_file(str(APP), default_timeout=60)
    at.query_params.update(WEEK)
    at.switch_page("views/region.py")   # the region page's address opened directly, as a lead's link does
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    at.selectbox(key="correct_author").set_value("@alice")
    at.selectbox(key="correct_region").set_value("Wales")
    at.text_input(key="correct_by").input("lead@naht.org.uk")
    at.button[[b.label for b in at.button].index("Save correction")].click().run()
    from monitor.dashboard import data
    data._engine(url).dispose()  # the page's engine (a process-wide cache) lets go of the reader's sessions
    return at


def london_posts(url: str) -> int:
    engine = make_engine(url)
    try:
        return metrics.kpis(engine, Filters(CAMPAIGN, *SMALL.week, region="London")).posts
    finally:
        engine.dispose()


def test_every_write_list_names_tables_of_the_models():
    tables = set(Base.metadata.tables)
    assert DASHBOARD_WRITES and set(correction_grants()) <= tables
    assert {"region_corrections", "authors", "posts", "summary_days", "summary_hours", "summary_terms"} \
        <= set(correction_grants())


def test_a_role_without_grants_gets_one_line_naming_the_command(owner_url, reader):
    result = cli(as_role(owner_url, reader), "status")
    assert result.returncode == 2
    line = one_line(result)
    assert line.startswith(f"error: the database role {reader} lacks a grant: SELECT on table ")
    assert line.endswith(f"as the role that owns the schema, run `campaign-monitor db grant-reader {reader}`")


def test_a_reader_reads_but_may_not_correct_until_granted_corrections(owner_url, reader, monkeypatch):
    granted = cli(owner_url, "db", "grant-reader", reader)
    assert granted.returncode == 0, granted.stderr
    url = as_role(owner_url, reader)
    assert cli(url, "status").returncode == 0
    before = london_posts(owner_url)
    refused = cli(url, "regions", "correct", "alice", "Wales", "--by", "lead@naht.org.uk")
    assert refused.returncode == 2
    line = one_line(refused)
    assert f"the database role {reader} lacks a grant: INSERT on table region_corrections" in line
    assert line.endswith(f"run `campaign-monitor db grant-reader {reader} --corrections`")
    # The dashboard's form says the same in one line, with an id to quote, and no traceback.
    monkeypatch.delenv("MONITOR_DEVELOPMENT", raising=False)
    at = correct_on_the_region_page(monkeypatch, url)
    assert not at.exception
    [error] = [e.value for e in at.error]
    assert "lacks a grant: INSERT on table region_corrections" in error and "--corrections`" in error
    assert "error id " in error and "Traceback" not in error
    assert london_posts(owner_url) == before


def test_with_corrections_the_dashboard_corrects_as_the_reader(owner_url, reader, monkeypatch):
    assert cli(owner_url, "db", "grant-reader", reader, "--corrections").returncode == 0
    url = as_role(owner_url, reader)
    before = london_posts(owner_url)
    at = correct_on_the_region_page(monkeypatch, url)
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    assert "Correction saved" in at.success[0].value
    assert london_posts(owner_url) < before  # the summary tables were rewritten by the reader
    owner = make_engine(owner_url)
    with owner.connect() as conn:
        assert conn.execute(text("SELECT region, corrected_by FROM region_corrections")).one() == \
            ("Wales", "lead@naht.org.uk")
    owner.dispose()
    # Exactly what the dashboard needs: no other write.
    reader_engine = make_engine(url)
    with pytest.raises(Exception, match="permission denied for table collection_runs"), \
            reader_engine.begin() as conn:
            conn.execute(text("DELETE FROM collection_runs"))
    reader_engine.dispose()
    # Granted again without --corrections: the writes are taken back.
    assert cli(owner_url, "db", "grant-reader", reader).returncode == 0
    again = cli(url, "regions", "correct", "alice", "London", "--by", "lead@naht.org.uk")
    assert again.returncode == 2 and "--corrections`" in one_line(again)


def test_with_corrections_the_dashboard_records_edits_and_removes_actions_as_the_reader(owner_url, reader,
                                                                                       monkeypatch):
    from monitor.actions import edit_action, remove_action
    from monitor.dashboard import data

    assert cli(owner_url, "db", "grant-reader", reader).returncode == 0
    url = as_role(owner_url, reader)

    def add_on_the_actions_page() -> AppTest:
        monkeypatch.setenv("MONITOR_DATABASE_URL", url)
        at = AppTest.from_file(str(APP), default_timeout=60)
        at.query_params.update(WEEK)
        at.switch_page("views/actions.py")
        at.run()
        assert not at.exception, [e.value for e in at.exception]
        at.selectbox(key="actions_add_kind").set_value("Media")
        at.text_input(key="actions_add_title").input("Local radio")
        at.text_input(key="actions_add_by").input("lead@naht.org.uk")
        at.button[[b.label for b in at.button].index("Save action")].click().run()
        data._engine(url).dispose()
        return at

    monkeypatch.delenv("MONITOR_DEVELOPMENT", raising=False)
    refused = add_on_the_actions_page()
    assert "lacks a grant: INSERT on table actions" in refused.error[0].value
    assert cli(owner_url, "db", "grant-reader", reader, "--corrections").returncode == 0
    at = add_on_the_actions_page()
    assert not at.error, [e.value for e in at.error]
    assert "Action #" in at.success[0].value
    # An edit and a removal: the same library calls the page's forms make.
    reader_engine = make_engine(url)
    action_id = metrics.actions_in(reader_engine, Filters(CAMPAIGN, SMALL.week[0].replace(year=2000),
                                                          SMALL.week[1].replace(year=2100)))[0].id
    assert edit_action(reader_engine, default_config(), action_id, {"title": "Local radio, twice"}, "lead")
    remove_action(reader_engine, action_id, "lead", "test")
    assert [v.change for v in metrics.action_history(reader_engine, action_id)] == ["added", "edited", "removed"]
    reader_engine.dispose()


def test_tables_a_later_migration_adds_are_readable_at_once(owner_url, reader):
    assert cli(owner_url, "db", "grant-reader", reader).returncode == 0
    owner = create_engine(make_url(owner_url))
    with owner.begin() as conn:
        conn.execute(text("CREATE TABLE later_feature (id integer)"))
    owner.dispose()
    reader_engine = create_engine(make_url(as_role(owner_url, reader)))
    with reader_engine.connect() as conn:
        assert conn.execute(text("SELECT COUNT(*) FROM later_feature")).scalar() == 0
    reader_engine.dispose()


def test_unknown_role_and_sqlite_are_one_line(owner_url, tmp_path):
    missing = cli(owner_url, "db", "grant-reader", "nobody_here")
    assert missing.returncode == 2
    assert one_line(missing).startswith("error: there is no database role 'nobody_here': create it first")
    assert cli(f"sqlite:///{tmp_path / 'm.db'}", "db", "upgrade").returncode == 0
    sqlite = cli(f"sqlite:///{tmp_path / 'm.db'}", "db", "grant-reader", "someone")
    assert sqlite.returncode == 2
    assert "is for PostgreSQL: SQLite has no roles" in one_line(sqlite)
