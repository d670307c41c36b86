"""`campaign-monitor report`: one command, one file; a wrong --week/--region/--campaign is one clear error."""
import csv
from datetime import timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

from monitor.cli import main
from tests.reports.helpers import sql_posts
from tests.seed import CAMPAIGN, SMALL, seed_small


@pytest.fixture
def cli_config(tmp_path, sqlite_url, sqlite_engine, config):
    seed_small(sqlite_engine, config)
    path = tmp_path / "config.toml"
    path.write_text(f'[database]\nurl = "{sqlite_url}"\n'
                    f'[[campaigns]]\nname = "{CAMPAIGN}"\ntitle = "Invest in Pupil and Family Services"\n'
                    'hashtags = ["InvestInPupilServices"]\nmentions = ["NAHTnews"]\n'
                    '[[campaigns]]\nname = "other-campaign"\nhashtags = ["SomethingElse"]\n')
    return str(path)


def run(cli_config, *args):
    return CliRunner().invoke(main, ["--config", cli_config, "report", *args], catch_exceptions=False)


def test_writes_the_file_and_prints_its_path(cli_config, tmp_path, sqlite_engine):
    out = tmp_path / "out" / "week.xlsx"
    result = run(cli_config, "--week", "2026-W47", "--campaign", CAMPAIGN, "--format", "xlsx", "--out", str(out))
    assert result.exit_code == 0, result.output
    assert result.output.strip() == str(out)
    rows = list(load_workbook(out)["Posts"].iter_rows(values_only=True))[1:]
    assert {r[0] for r in rows} == set(sql_posts(sqlite_engine, *SMALL.week))
    assert [p.name for p in out.parent.iterdir()] == ["week.xlsx"]  # no temporary file left behind


def test_default_file_name_in_the_current_folder(cli_config, tmp_path, sqlite_engine):
    result = run(cli_config, "--week", "2026-w47", "--campaign", CAMPAIGN, "--region", "North West", "--format", "csv")
    assert result.exit_code == 0, result.output
    name = f"naht-{CAMPAIGN}-2026-W47-north-west.csv"
    assert result.output.strip() == name
    with open(tmp_path / name, encoding="utf-8-sig", newline="") as f:
        ids = {r["post_id"] for r in csv.DictReader(f)}
    assert ids == set(sql_posts(sqlite_engine, *SMALL.week, region="North West"))


@pytest.mark.parametrize("args, option, expected", [
    (["--week", "2026-47"], "--week", "an ISO week such as 2026-W47"),
    (["--week", "2026-W54"], "--week", "an ISO week such as 2026-W47"),
    (["--week", "2026-W47", "--region", "Narnia"], "--region", "expected one of North East"),
    (["--week", "2026-W47", "--campaign", "nope"], "--campaign", f"have: {CAMPAIGN}, other-campaign"),
])
def test_bad_parameters_exit_2_naming_what_was_expected(cli_config, args, option, expected):
    if "--campaign" not in args:
        args = [*args, "--campaign", CAMPAIGN]
    result = run(cli_config, *args, "--format", "pdf")
    assert result.exit_code == 2
    assert f"Invalid value for {option}" in result.output and expected in result.output


def test_campaign_must_be_named_when_several_are_configured(cli_config):
    result = run(cli_config, "--week", "2026-W47", "--format", "csv")
    assert result.exit_code == 2 and "several campaigns are configured" in result.output


def test_help_describes_the_command():
    result = CliRunner().invoke(main, ["report", "--help"])
    assert result.exit_code == 0 and "--week" in result.output and "xlsx|csv|pdf" in result.output


def test_a_week_that_has_not_started_is_refused_in_one_line(cli_config):
    """It used to exit 0 with a report saying "The week is not over" for a week with nothing in it yet."""
    from monitor.timeutil import uk_today

    year, week, _ = (uk_today() + timedelta(days=8)).isocalendar()  # next week, or the one after
    label = f"{year}-W{week:02d}"
    result = CliRunner().invoke(main, ["--config", cli_config, "report", "--week", label, "--campaign", CAMPAIGN,
                                       "--format", "pdf"])
    assert result.exit_code == 2
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"error: --week: {label} has not started yet"), result.output
    assert not list(Path().glob("*.pdf"))


def test_the_current_week_is_still_reported_as_running(cli_config):
    from monitor.timeutil import uk_today

    year, week, _ = uk_today().isocalendar()
    result = run(cli_config, "--week", f"{year}-W{week:02d}", "--campaign", CAMPAIGN, "--format", "csv")
    assert result.exit_code == 0, result.output
