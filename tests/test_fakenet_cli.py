"""`campaign-monitor fake-bluesky` and `fake-mastodon` as a person uses them: started from the command line,
they print the lines to put in a config file, and `campaign-monitor collect` with that config stores their
posts; Ctrl-C stops them cleanly."""
from __future__ import annotations

import re
import signal
import subprocess
import sys

from sqlalchemy import func, select

from monitor.db import make_engine, transaction
from monitor.models import Post
from tests.helpers import ROOT, cli, cli_env

APP_PASSWORD = "cli-test-app-password"


def start(command: str, *args: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "monitor.cli", command, "--port", "0", "--realtime", "--days", "1",
                             "--posts-per-day", "40", *args], stdout=subprocess.PIPE, text=True,
                            env=cli_env(), cwd=ROOT)


def printed_until(process: subprocess.Popen, pattern: str) -> str:
    lines = []
    while not re.search(pattern, "".join(lines)):
        line = process.stdout.readline()
        assert line, f"the server stopped: {lines}"
        lines.append(line)
    return "".join(lines)


def stop(process: subprocess.Popen) -> None:
    process.send_signal(signal.SIGINT)
    assert process.wait(timeout=20) == 0


def test_the_simulated_bluesky_and_mastodon_from_the_command_line_feed_a_collection(tmp_path):
    bluesky = start("fake-bluesky", "--handle", "cli.bsky.social", "--app-password", APP_PASSWORD)
    mastodon = start("fake-mastodon", "--domain", "school.social", "--domain", "teachers.example")
    try:
        bluesky_url = re.search(r'base_url = "([^"]+)"', printed_until(bluesky, "base_url")).group(1)
        servers = re.search(r"mastodon_servers = (\[.*\])", printed_until(mastodon, "mastodon_servers = ")).group(1)
        assert APP_PASSWORD not in bluesky_url
        db = tmp_path / "monitor.db"
        config = tmp_path / "config.toml"
        config.write_text(f'[database]\nurl = "sqlite:///{db}"\n[x_api]\nenabled = false\n'
                          f'[bluesky]\nbase_url = "{bluesky_url}"\n[mastodon]\nenabled = true\n'
                          f'[[campaigns]]\nname = "ipfs"\nhashtags = ["InvestInPupilServices"]\n'
                          f'bluesky_mentions = ["nahtnews.bsky.social"]\nmastodon_servers = {servers}\n')
        subprocess.run([*cli(str(config), "db", "upgrade")], env=cli_env(), check=True, cwd=ROOT)
        env = dict(cli_env(), BLUESKY_HANDLE="cli.bsky.social", BLUESKY_APP_PASSWORD=APP_PASSWORD)
        done = subprocess.run(cli(str(config), "collect", "--once"), env=env, capture_output=True, text=True, cwd=ROOT)
        assert done.returncode == 0, done.stderr
        engine = make_engine(f"sqlite:///{db}")
        with transaction(engine) as s:
            found = dict(s.execute(select(Post.network, func.count()).group_by(Post.network)).all())
        engine.dispose()
        assert set(found) == {"bluesky", "mastodon"} and min(found.values()) > 0, found
    finally:
        for process in (bluesky, mastodon):
            stop(process)
