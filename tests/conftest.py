"""Fixtures that build real databases (a SQLite file, a PostgreSQL database per test) and start
the simulated X API on loopback. Nothing here touches the user's files or the network."""
from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path

import pytest

from monitor.config import default_config
from monitor.db import make_engine
from monitor.schema import upgrade
from tests.helpers import CACHE_DIR, CHROMIUM, CHROMIUM_ARGS, PG_URL, SHARED_SAMPLES, fresh_pg_database


@pytest.fixture(autouse=True)
def isolated_environment(tmp_path, monkeypatch, tmp_path_factory):
    """Every test runs in its own folder with no config, token or database from the user."""
    for name in ("MONITOR_CONFIG", "X_BEARER_TOKEN", "MONITOR_DATABASE_URL", "MONITOR_DATABASE_PASSWORD",
                 "MONITOR_SECRETS_FILE"):
        monkeypatch.delenv(name, raising=False)
    # The built gazetteer is keyed by its version, so one cache inside the checkout serves every run.
    monkeypatch.setenv("MONITOR_CACHE_DIR", str(CACHE_DIR))
    monkeypatch.chdir(tmp_path)
    yield


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request, tmp_path):
    """A migrated-nothing database URL, on SQLite and on PostgreSQL."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'monitor.db'}"
        return
    if not PG_URL:
        if os.environ.get("CI"):
            pytest.fail("MONITOR_TEST_PG_URL is not set on CI: run the tests with `make test`")
        pytest.skip("MONITOR_TEST_PG_URL not set (make test sets it)")
    url, drop = fresh_pg_database()
    yield url
    drop()


@pytest.fixture
def sqlite_url(tmp_path):
    return f"sqlite:///{tmp_path / 'monitor.db'}"


@pytest.fixture
def engine(db_url):
    eng = make_engine(db_url)
    upgrade(eng)
    yield eng
    eng.dispose()


@pytest.fixture
def sqlite_engine(sqlite_url):
    eng = make_engine(sqlite_url)
    upgrade(eng)
    yield eng
    eng.dispose()


@pytest.fixture
def config():
    """The built-in defaults with fast retries for tests."""
    return replace(default_config(), backoff_seconds=0.01, max_retries=3, request_timeout=2.0)


@pytest.fixture
def shared_samples():
    if not SHARED_SAMPLES.is_dir():
        pytest.skip("../shared/data/x-api-v2-samples is not present")
    return SHARED_SAMPLES


@pytest.fixture(scope="session")
def browser():
    """One headless Chromium for the whole session. Playwright's sync API allows one instance per thread,
    so every browser test (dashboard pages, hostile content) shares this one."""
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} not installed (make system-deps)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


# Tests that start a Streamlit server or use the browser: under pytest-xdist (`TEST_WORKERS=N make test`, which
# passes --dist loadgroup) they all run on one worker, so there is one server and one browser at a time. Two of
# each on 2 cores made browser downloads time out (the Makefile's note), and the dashboard's session fixtures
# (the seeded database, its server) are then built once. Without workers the mark does nothing.
DASHBOARD_GROUP = pytest.mark.xdist_group("dashboard")
STARTS_A_DASHBOARD = ("tests/dashboard/", "tests/test_wheel.py", "tests/reliability/test_hostile_content.py")


def pytest_collection_modifyitems(config, items):
    for item in items:
        if item.nodeid.startswith(STARTS_A_DASHBOARD) or "browser" in getattr(item, "fixturenames", ()):
            item.add_marker(DASHBOARD_GROUP)
