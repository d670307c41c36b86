"""Secrets come from the environment or a secrets file, and never reach a log line or the database."""
import os
import subprocess
import sys
from datetime import datetime, timedelta, timezone

from sqlalchemy import text

from monitor.config import bearer_token, database_url, default_config, load_config
from monitor.db import make_engine
from monitor.fakex import FakeX, SimClock
from monitor.schema import table_names

SECRET = "AAAA-very-secret-bearer-Zq81"


def test_token_and_password_from_a_secrets_file(tmp_path, monkeypatch):
    secrets = tmp_path / "secrets.toml"
    secrets.write_text('x_bearer_token = "from-file"\ndatabase_password = "p@ss word"\n')
    monkeypatch.setenv("MONITOR_SECRETS_FILE", str(secrets))
    assert bearer_token() == "from-file"
    config = load_config(str(_config(tmp_path, 'url = "postgresql+psycopg://monitor@db.internal/monitor"')))
    assert make_engine(database_url(config)).url.password == "p@ss word"


def test_environment_wins_over_the_secrets_file(tmp_path, monkeypatch):
    secrets = tmp_path / "secrets.toml"
    secrets.write_text('x_bearer_token = "from-file"\n')
    monkeypatch.setenv("MONITOR_SECRETS_FILE", str(secrets))
    monkeypatch.setenv("X_BEARER_TOKEN", "from-env")
    assert bearer_token() == "from-env"


def test_database_url_from_environment_overrides_config(monkeypatch):
    monkeypatch.setenv("MONITOR_DATABASE_URL", "sqlite:///elsewhere.db")
    assert database_url(default_config()) == "sqlite:///elsewhere.db"


def _config(tmp_path, database_line, extra=""):
    path = tmp_path / "config.toml"
    path.write_text(f"[database]\n{database_line}\n{extra}\n[[campaigns]]\nname = 'ipfs'\n"
                    "hashtags = ['InvestInPupilServices', 'PupilAndFamilyServices', 'FundOurSchools']\n"
                    "mentions = ['NAHTnews']\n")
    return path


def test_token_never_logged_even_at_debug_nor_stored(tmp_path):
    now = datetime.now(timezone.utc).replace(microsecond=0)
    fake = FakeX(seed=4, start=now - timedelta(days=1), days=1, posts_per_day=120, bearer_token=SECRET,
                 clock=SimClock(now)).start()
    db = tmp_path / "m.db"
    try:
        config = _config(tmp_path, f'url = "sqlite:///{db}"', f'[x_api]\nbase_url = "{fake.base_url}"')
        env = dict(os.environ, X_BEARER_TOKEN=SECRET)
        cli = [sys.executable, "-m", "monitor.cli", "--config", str(config), "--log-level", "DEBUG"]
        outputs = [subprocess.run(cli + args, capture_output=True, text=True, env=env, timeout=120)
                   for args in (["db", "upgrade"], ["collect", "--once"], ["status"])]
    finally:
        fake.stop()
    assert all(r.returncode == 0 for r in outputs), [r.stderr[-500:] for r in outputs]
    assert "DEBUG" in outputs[1].stderr  # debug logging really was on
    for r in outputs:
        assert SECRET not in r.stdout + r.stderr
    engine = make_engine(f"sqlite:///{db}")
    with engine.connect() as conn:
        for table in table_names(engine):
            for row in conn.execute(text(f'SELECT * FROM "{table}"')):
                assert SECRET not in repr(tuple(row)), table
    engine.dispose()
    assert SECRET.encode() not in db.read_bytes()
