"""The README and config.example.toml are checked against the code, as datasette does."""
import re
from pathlib import Path

import click

from monitor.cli import main
from monitor.config import load_config

ROOT = Path(__file__).resolve().parents[1]


def documented_commands() -> set[tuple[str, ...]]:
    text = (ROOT / "README.md").read_text()
    found = set()
    for match in re.finditer(r"campaign-monitor((?: [a-z][a-z-]+)+)", text):
        found.add(tuple(match.group(1).split()))
    return found


def resolve(words: tuple[str, ...]) -> click.Command | None:
    command: click.Command = main
    for word in words:
        if not isinstance(command, click.Group):
            return command  # the rest are arguments
        if word not in command.commands:
            return None
        command = command.commands[word]
    return command


def test_every_command_in_the_readme_exists():
    missing = [" ".join(w) for w in documented_commands() if resolve(w) is None]
    assert not missing, f"README mentions commands the CLI lacks: {missing}"


def test_every_top_level_command_is_in_the_readme():
    text = (ROOT / "README.md").read_text()
    absent = [name for name in main.commands if f"campaign-monitor {name}" not in text]
    assert not absent, f"commands missing from the README: {absent}"


def test_example_config_is_valid_and_documents_every_section():
    config = load_config(str(ROOT / "config.example.toml"))
    assert config.campaigns and config.campaigns[0].hashtags
    text = (ROOT / "config.example.toml").read_text()
    for section in ("[database]", "[x_api]", "[collection]", "[metrics_refresh]", "[[campaigns]]", "[regions]",
                    "[dashboard]", "[reports]", "[alerts]", "[x_api.mentions_timeline]"):
        assert section in text


def test_readme_opens_with_the_two_commands():
    head = (ROOT / "README.md").read_text().split("\n## ")[0]
    assert "make demo" in head and "make test" in head
