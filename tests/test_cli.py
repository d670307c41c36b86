"""The CLI as a person meets it: one clear line and exit status 2 for what they must fix."""
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
    (GOOD + "[collection]\ninterval_minutes = -5\n", "collection.interval_minutes", "a positive number"),
    (GOOD + "[x_api]\nbearer_token = 'abc'\n", "x_api.bearer_token", "no secret here"),
    (GOOD + "[databse]\nurl = 'x'\n", "databse", "unknown key"),
    ("[database]\nurl = 'sqlite:///x.db'\n", "campaigns", "at least one [[campaigns]]"),
    (GOOD + "[[regions.known_accounts]]\nusername = 'a'\nregion = 'Narnia'\n",
     "regions.known_accounts[0].region", "one of North East"),
    ("[[campaigns]\nname=", "(syntax)", "valid TOML"),
])
def test_bad_config_is_one_line_naming_file_key_and_expectation(tmp_path, text, key, expected):
    path = write(tmp_path, text)
    result = run_cli("--config", path, "db", "upgrade")
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(f"error: {path}: {key}: expected ")
    assert expected in lines[0]


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
