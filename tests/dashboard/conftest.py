"""Dashboard fixtures: a realistic seeded SQLite file (built once), AppTest runs against it, and for the
browser tests a real `streamlit run` server on a free loopback port plus headless Chromium."""
from __future__ import annotations

import shutil
from contextlib import ExitStack
from pathlib import Path

import pytest

from monitor.config import default_config
from monitor.db import make_engine
from monitor.schema import upgrade
from tests.dashboard.helpers import ROOT, SCREENSHOTS, SeededDb, streamlit_server
from tests.seed import seed_realistic


@pytest.fixture(scope="session")
def seeded_db(tmp_path_factory) -> SeededDb:
    """Three weeks of simulated campaign posts ending now, with runs (a gap, a failed run): built once."""
    path = tmp_path_factory.mktemp("dashboard") / "seeded.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    facts = seed_realistic(engine, default_config())
    engine.dispose()
    return SeededDb(path, facts)


@pytest.fixture
def writable_db(seeded_db, tmp_path) -> SeededDb:
    """A copy of the seeded database for a test that changes it (a correction)."""
    engine = seeded_db.engine()
    with engine.connect() as conn:  # fold the WAL into the file before copying it
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    engine.dispose()
    copy = tmp_path / "copy.db"
    shutil.copy(seeded_db.path, copy)
    return SeededDb(copy, seeded_db.facts)


@pytest.fixture(autouse=True)
def development(monkeypatch):
    """Dashboard tests run it as a developer does (dashboard/app.py): an error is raised as itself, so
    AppTest and the browser see it, instead of the one line with an id a visitor gets."""
    monkeypatch.setenv("MONITOR_DEVELOPMENT", "1")
@pytest.fixture(scope="session")
def own_db(seeded_db, tmp_path_factory) -> SeededDb:
    """A copy of the seeded database for the browser tests that change it (corrections: each test moves an
    author of its own), whose newest runs were made by a collector polling every minute (the demo's)."""
    from datetime import datetime, timedelta, timezone

    from tests.seed import CAMPAIGN, add_run

    engine = seeded_db.engine()
    with engine.connect() as conn:  # fold the WAL into the file before copying it
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    engine.dispose()
    copy = tmp_path_factory.mktemp("own") / "own.db"
    shutil.copy(seeded_db.path, copy)
    db = SeededDb(copy, seeded_db.facts)
    now = datetime.now(timezone.utc)
    for minutes_ago in (3, 2, 1):
        add_run(db.engine(), CAMPAIGN, now - timedelta(minutes=minutes_ago), interval_minutes=1.0)
    return db


@pytest.fixture(scope="session")
def own_server(own_db, tmp_path_factory):
    with streamlit_server(own_db, tmp_path_factory.mktemp("streamlit-own") / "streamlit.log") as base_url:
        yield base_url


@pytest.fixture
def app_env(monkeypatch):
    """Point the dashboard (run in this process by AppTest) at a database."""
    def use(db: SeededDb):
        monkeypatch.setenv("MONITOR_DATABASE_URL", db.url)
        return db
    return use


@pytest.fixture(scope="session")
def dashboard_server(seeded_db, tmp_path_factory):
    """One server for the session against the seeded database; stopped at the end."""
    with streamlit_server(seeded_db, tmp_path_factory.mktemp("streamlit") / "streamlit.log") as base_url:
        yield base_url


@pytest.fixture
def fresh_server(seeded_db, tmp_path):
    """A new server process per test, for what only the first request a process serves can show."""
    with ExitStack() as stack:
        def start(cwd: Path = ROOT) -> str:
            return stack.enter_context(streamlit_server(seeded_db, tmp_path / "streamlit.log", cwd))
        yield start


@pytest.fixture
def page(browser, dashboard_server):
    context = browser.new_context(viewport={"width": 1440, "height": 1000}, accept_downloads=True,
                                  timezone_id="Europe/London")
    tab = context.new_page()
    tab.set_default_timeout(30_000)
    yield tab
    context.close()


@pytest.fixture(scope="session")
def screenshots() -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS
