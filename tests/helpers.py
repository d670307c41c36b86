"""What the tests share that is not a fixture: the test token and browser settings, where the shared
samples and the test PostgreSQL are, and how to write a config file and run the CLI in a process of its own."""
from __future__ import annotations

import os
import sys
import uuid
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parents[1]
SHARED_SAMPLES = ROOT.parent / "shared" / "data" / "x-api-v2-samples"
PG_URL = os.environ.get("MONITOR_TEST_PG_URL")
TOKEN = "test-bearer-token-7f3a9c"
CACHE_DIR = ROOT / ".cache"
CHROMIUM = "/usr/bin/chromium"
# As root and in a closed network: no sandbox, no GPU, and none of Chromium's own connections out.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]
HASHTAGS = ("InvestInPupilServices", "PupilAndFamilyServices", "FundOurSchools")


def write_config(folder: Path, db_url: str, base_url: str, *, max_retries: int | None = None,
                 interval_minutes: float | None = None, refresh: str = "") -> str:
    """A config.toml for one campaign ("ipfs", the HASHTAGS and @NAHTnews) collected from the simulated API
    at base_url into db_url, with fast retries; `refresh` holds [metrics_refresh] keys."""
    retries = f"max_retries = {max_retries}\n" if max_retries is not None else ""
    collection = f"[collection]\ninterval_minutes = {interval_minutes}\n" if interval_minutes is not None else ""
    metrics_refresh = f"[metrics_refresh]\n{refresh}\n" if refresh else ""
    path = Path(folder) / "config.toml"
    path.write_text(f"""
[database]
url = "{db_url}"
[x_api]
base_url = "{base_url}"
timeout_seconds = 5
backoff_seconds = 0.05
{retries}{collection}{metrics_refresh}[[campaigns]]
name = "ipfs"
hashtags = {list(HASHTAGS)!r}
mentions = ["NAHTnews"]
""".replace("'", '"'))
    return str(path)


def cli(config_path: str, *args: str) -> list[str]:
    """The command line of `campaign-monitor --config PATH ARGS...` in a process of its own."""
    return [sys.executable, "-m", "monitor.cli", "--config", config_path, "--log-level", "ERROR", *args]


def cli_env() -> dict:
    """The environment of such a process: the test token, the project importable."""
    return dict(os.environ, X_BEARER_TOKEN=TOKEN, PYTHONPATH=str(ROOT))


def fresh_pg_database() -> tuple[str, callable]:
    """A new, empty PostgreSQL database on the test server: its URL, and the function that drops it."""
    admin = create_engine(make_url(PG_URL), isolation_level="AUTOCOMMIT")
    name = f"monitor_t_{uuid.uuid4().hex[:10]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))

    def drop():
        with admin.connect() as conn:
            # Only our own sessions: an autovacuum worker on the database belongs to the superuser (terminating
            # it fails for this role), and DROP DATABASE ends autovacuum workers itself.
            conn.execute(text(f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}' "
                              "AND usename = current_user AND pid <> pg_backend_pid()"))
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        admin.dispose()

    return make_url(PG_URL).set(database=name).render_as_string(hide_password=False), drop
