"""The bearer token (and the privacy salt) never appears in any output of a whole run: every command at DEBUG, with
faults on the way, a wrong token, a halt, and every report format; then every byte written
under the run's folder (database, WAL, reports, inflated XLSX/PDF contents) is searched.

tests/test_secrets.py checks `collect` and `status` on a clean run; this extends it to the
rest: `run` (scheduler with metrics refresh), `import`, `regions`, `report`, error paths.
"""
from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import subprocess
import sys
import time
import zipfile
import zlib
from datetime import datetime, timedelta, timezone
from pathlib import Path

import requests
from sqlalchemy import update

from monitor.db import make_engine, transaction
from monitor.fakex import Fault
from monitor.models import Post
from monitor.sources.x import EXPANSIONS, PLACE_FIELDS, TWEET_FIELDS, USER_FIELDS
from tests.helpers import HASHTAGS, ROOT
from tests.reliability.helpers import runs, start_fake

SECRET = "XBT-9f81c2d7e6-distinctive-Secret-token"
WRONG_SECRET = "XBT-wrong-4b1e77aa-Secret"
SALT = "PRIVACY-SALT-5d0c8e1a-distinctive"   # keys the hash of handles in privacy requests


def _config(tmp_path: Path, db: Path, base_url: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(f'[database]\nurl = "sqlite:///{db}"\n'
                    f'[x_api]\nbase_url = "{base_url}"\ntimeout_seconds = 2\nbackoff_seconds = 0.05\n'
                    "max_retries = 3\nmax_rate_limit_wait_seconds = 5\n"
                    "[collection]\ninterval_minutes = 1\n"
                    "[[campaigns]]\nname = 'ipfs'\ntitle = 'Invest in Pupil and Family Services'\n"
                    f"hashtags = {json.dumps(list(HASHTAGS))}\nmentions = ['NAHTnews']\n")
    return path


def _inflated(path: Path) -> list[bytes]:
    """The bytes as written, plus what compression hides: XLSX members and PDF streams."""
    data = path.read_bytes()
    parts = [data]
    if zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as z:
            parts += [z.read(name) for name in z.namelist()]
    if data.startswith(b"%PDF"):
        for stream in re.findall(rb"stream\r?\n(.*?)endstream", data, re.S):
            with contextlib.suppress(zlib.error):
                parts.append(zlib.decompress(stream))
        with contextlib.suppress(FileNotFoundError):
            parts.append(subprocess.run(["pdftotext", str(path), "-"], capture_output=True, timeout=60).stdout)
    return parts


def test_the_token_is_in_no_output_of_a_whole_run(tmp_path):
    fake = start_fake(seed=8, days=2, posts_per_day=200, token=SECRET)
    db = tmp_path / "data" / "monitor.db"
    outputs: list[tuple[str, subprocess.CompletedProcess]] = []
    try:
        config = _config(tmp_path, db, fake.base_url)
        base = [sys.executable, "-m", "monitor.cli", "--config", str(config), "--log-level", "DEBUG"]
        env = dict(os.environ, X_BEARER_TOKEN=SECRET, MONITOR_PRIVACY_SALT=SALT, PYTHONPATH=str(ROOT))

        def cli(*args, token=SECRET, expect=0):
            result = subprocess.run(base + list(args), capture_output=True, text=True, timeout=120,
                                    env=dict(env, X_BEARER_TOKEN=token), cwd=tmp_path)
            outputs.append((" ".join(args), result))
            assert result.returncode == expect, (args, result.stderr[-1500:])
            return result

        cli("db", "upgrade")
        # a collection through faults: server errors, a dropped connection, a cut body, a rate limit
        for fault in (Fault("http", status=503), Fault("drop"), Fault("truncated"), Fault("rate_limit", reset_in=1),
                      Fault("missing_author")):
            fake.inject(fault)
        cli("collect", "--once")
        cli("status")
        cli("regions", "recompute", "--no-progress")
        cli("regions", "explain", "Sheffield")

        # import: one page fetched with the token, saved as a twarc2-style JSONL line
        page = requests.get(f"{fake.base_url}/2/tweets/search/recent", timeout=10, headers={
            "Authorization": f"Bearer {SECRET}"}, params={
            "query": fake.default_query, "max_results": 100, "tweet.fields": ",".join(TWEET_FIELDS),
            "expansions": ",".join(EXPANSIONS), "user.fields": ",".join(USER_FIELDS),
            "place.fields": ",".join(PLACE_FIELDS)}).json()
        (tmp_path / "archive.jsonl").write_text(json.dumps(page) + "\n" + "{not json\n")
        cli("import", "--no-progress", "archive.jsonl", expect=1)  # its second line cannot be read

        # the scheduler: polls and a metrics refresh (every post made due), then SIGTERM
        engine = make_engine(f"sqlite:///{db}")
        with transaction(engine) as s:
            s.execute(update(Post).values(next_refresh_at=datetime.now(timezone.utc) - timedelta(minutes=1)))
        fake.inject(Fault("http", status=500, path_prefix="/2/tweets"))
        proc = subprocess.Popen(base + ["run"], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                text=True, cwd=tmp_path)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not any(r.status == "completed" for r in runs(engine, "refresh")):
            time.sleep(0.3)
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=60)
        outputs.append(("run", subprocess.CompletedProcess(proc.args, proc.returncode, out, err)))
        assert proc.returncode == 0, err[-1500:]
        refreshed = [r for r in runs(engine, "refresh") if r.status == "completed"]
        assert refreshed and refreshed[0].posts_updated > 0
        engine.dispose()

        # every export format
        week = datetime.now(timezone.utc).strftime("%G-W%V")
        for fmt in ("xlsx", "csv", "pdf"):
            cli("report", "--week", week, "--campaign", "ipfs", "--format", fmt, "--out", f"reports/week.{fmt}")

        # privacy requests and retention, which use the salt
        cli("privacy", "export", "@NAHTnews", "--by", "dpo@example.org", "--out", "reports/export.json")
        cli("privacy", "forget", "@NoSuchAccountStored", "--by", "dpo@example.org")
        cli("privacy", "retention")

        # error paths: a halt, and a wrong token (itself a secret that must not be echoed)
        fake.inject(Fault("usage_cap", count=5))
        halted = cli("collect", "--once", expect=1)
        assert "usage cap" in halted.stderr
        fake.clear_faults()
        refused = cli("collect", "--once", token=WRONG_SECRET, expect=2)
        assert "401" in refused.stderr
    finally:
        fake.stop()

    # the run really happened, at DEBUG, with the token in use
    assert any("DEBUG" in r.stderr for _, r in outputs)
    assert sum(r["path"].startswith("/2/") for r in fake.requests) > 10
    for name, result in outputs:
        for secret in (SECRET, WRONG_SECRET, SALT):
            assert secret not in result.stdout + result.stderr, f"{name} printed the token"
    files = [p for p in tmp_path.rglob("*") if p.is_file()]
    names = {p.name for p in files}
    assert {"monitor.db", "week.xlsx", "week.csv", "week.pdf", "archive.jsonl", "export.json"} <= names, names
    for name in ("week.xlsx", "week.pdf"):   # the search does see inside compressed files
        [report] = [p for p in files if p.name == name]
        assert any(b"Invest in Pupil" in part for part in _inflated(report)[1:]), name
    for path in files:
        for part in _inflated(path):
            for secret in (SECRET, WRONG_SECRET, SALT):
                assert secret.encode() not in part, f"the token is in {path.relative_to(tmp_path)}"
                assert secret.encode("utf-16-le") not in part, f"the token (UTF-16) is in {path.name}"
