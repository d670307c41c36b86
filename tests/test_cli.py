"""The CLI as a person meets it: one clear line and exit status 2 for what they must fix."""
import os
import subprocess
import sys

import click
import pytest
from click.testing import CliRunner

from monitor.cli import main

GOOD = """
[[campaigns]]
name = "ipfs"
hashtags = ["InvestInPupilServices"]
mentions = ["NAHTnews"]
"""


def run_cli(*args, env=None):
    """Run the installed console script in a real process, as a user would."""
    result = subprocess.run([sys.executable, "-m", "monitor.cli", *args], capture_output=True, text=True,
                            env=env, timeout=120)
    return result


def write(tmp_path, text, name="config.toml"):
    path = tmp_path / name
    path.write_text(text)
    return str(path)


@pytest.mark.parametrize("text, key, expected", [
    ("[[campaigns]]\nname = 'x'\nhashtags = 'NotAList'\n", "campaigns[0].hashtags", "a list of hashtags"),
    ("[[campaigns]]\nname = 'x'\nhashtags = ['has space']\n", "campaigns[0].hashtags[0]", "hashtags such as"),
    (GOOD + "[collection]\ninterval_minutes = -5\n", "collection.interval_minutes", "at least 1"),
    # 0.001 minutes made 395 search requests in 20 seconds: refused, and the minimum is said.
    (GOOD + "[collection]\ninterval_minutes = 0.001\n", "collection.interval_minutes", "of at least 1 (polling more"),
    # A mistyped scheme was a 50-line traceback and exit 1 (a restart loop under systemd).
    (GOOD + "[database]\nurl = 'sqlit:///data/m.db'\n", "database.url",
     "one of sqlite://, postgresql://, postgresql+psycopg:// (such as sqlite:///data/monitor.db), got sqlit://"),
    (GOOD + "[database]\nurl = 'postgress://monitor@127.0.0.1/monitor'\n", "database.url", "got postgress://"),
    (GOOD + "[database]\nurl = 'postgresql+psycopg2://monitor@127.0.0.1/monitor'\n", "database.url",
     "got postgresql+psycopg2://"),
    (GOOD + "[database]\nurl = 'data/monitor.db'\n", "database.url", "got no scheme"),
    # Slugs that collide: the second campaign's weekly report silently overwrote the first's.
    ("[[campaigns]]\nname = 'naht ipfs'\nhashtags = ['A']\n[[campaigns]]\nname = 'naht/ipfs'\nhashtags = ['B']\n",
     "campaigns[1].name",
     "differs from campaign 'naht ipfs' in its letters or digits (both 'naht ipfs' and 'naht/ipfs'"),
    ("[[campaigns]]\nname = 'ipfs'\nhashtags = ['A']\n[[campaigns]]\nname = 'ipfs'\nhashtags = ['B']\n",
     "campaigns[1].name", "differs from campaign 'ipfs'"),
    ("[[campaigns]]\nname = '!!!'\nhashtags = ['A']\n", "campaigns[0].name", "a name with a letter or digit"),
    (GOOD + "[dashboard]\nallowed_domains = ['@naht.org.uk', 'not a domain']\n", "dashboard.allowed_domains[1]",
     "e-mail domains such as 'naht.org.uk'"),
    (GOOD + "[dashboard]\nallowed_emails = ['someone']\n", "dashboard.allowed_emails[0]", "e-mail addresses"),
    (GOOD + "[x_api]\nbearer_token = 'abc'\n", "x_api.bearer_token", "no secret here"),
    (GOOD + "[databse]\nurl = 'x'\n", "databse", "unknown key"),
    ("[database]\nurl = 'sqlite:///x.db'\n", "campaigns", "at least one [[campaigns]]"),
    (GOOD + "[[regions.known_accounts]]\nusername = 'a'\nregion = 'Narnia'\n",
     "regions.known_accounts[0].region", "one of North East"),
    ("[[campaigns]\nname=", "(syntax)", "valid TOML"),
    (GOOD + "[actions]\nkinds = ['Roundtable', 'roundtable']\n", "actions.kinds[1]", "each kind once"),
    (GOOD + "[actions]\neffect_days = 0\n", "actions.effect_days", "a whole number of days from 1 to 60"),
])
def test_bad_config_is_one_line_naming_file_key_and_expectation(tmp_path, text, key, expected):
    path = write(tmp_path, text)
    result = run_cli("--config", path, "db", "upgrade")
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(f"error: {path}: {key}: expected ")
    assert expected in lines[0]


@pytest.mark.parametrize("url", ["sqlit:///x.db", "postgress://monitor@127.0.0.1/monitor"])
def test_a_mistyped_database_url_in_the_environment_is_one_line(tmp_path, url):
    result = run_cli("db", "upgrade", env={**os.environ, "MONITOR_DATABASE_URL": url})
    assert result.returncode == 2, result.stderr
    assert result.stderr.strip().splitlines() == [
        f"error: environment: MONITOR_DATABASE_URL: expected a database URL starting with one of sqlite://, "
        f"postgresql://, postgresql+psycopg:// (such as sqlite:///data/monitor.db), got {url.split('://')[0]}://"]


def test_missing_config_file_names_it(tmp_path):
    result = run_cli("--config", str(tmp_path / "nope.toml"), "status")
    assert result.returncode == 2
    assert "nope.toml" in result.stderr and "not found" in result.stderr


def test_missing_token_is_a_clear_error(tmp_path):
    path = write(tmp_path, GOOD + f"[database]\nurl = 'sqlite:///{tmp_path}/m.db'\n")
    assert run_cli("--config", path, "db", "upgrade").returncode == 0
    result = run_cli("--config", path, "collect", "--once")
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0
    assert "X_BEARER_TOKEN" in result.stderr


def test_unreachable_database_is_a_clear_error_without_password(tmp_path):
    url = "postgresql+psycopg://someone:hunter2secret@127.0.0.1:1/nowhere"
    path = write(tmp_path, GOOD + f"[database]\nurl = '{url}'\n")
    result = run_cli("--config", path, "db", "upgrade")
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0
    assert "cannot reach the database" in result.stderr
    assert "hunter2secret" not in result.stderr + result.stdout


def test_unmigrated_database_says_what_to_run(tmp_path):
    path = write(tmp_path, GOOD + f"[database]\nurl = 'sqlite:///{tmp_path}/m.db'\n")
    result = run_cli("--config", path, "status")
    assert result.returncode == 2
    assert "campaign-monitor db upgrade" in result.stderr


def test_upgrade_then_status_reports_no_runs(tmp_path):
    path = write(tmp_path, GOOD + f"[database]\nurl = 'sqlite:///{tmp_path}/m.db'\n")
    assert run_cli("--config", path, "db", "upgrade").returncode == 0
    result = run_cli("--config", path, "status")
    assert result.returncode == 0
    assert "ipfs: 0 posts stored" in result.stdout
    assert "no collection run yet" in result.stdout


def test_default_config_uses_a_sqlite_file_under_data(tmp_path):
    result = CliRunner().invoke(main, ["db", "upgrade"])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "data" / "monitor.db").is_file()


def _commands(group: click.Group, prefix=()):
    for name, cmd in group.commands.items():
        yield prefix + (name,), cmd
        if isinstance(cmd, click.Group):
            yield from _commands(cmd, prefix + (name,))


@pytest.mark.parametrize("path, command", list(_commands(main)),
                         ids=lambda v: " ".join(v) if isinstance(v, tuple) else "")
def test_every_command_has_help_text(path, command):
    assert command.help and command.help.strip(), f"{' '.join(path)} has no help text"
    result = CliRunner().invoke(main, [*path, "--help"])
    assert result.exit_code == 0
