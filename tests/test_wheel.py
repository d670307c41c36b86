"""The package as a user installs it: a wheel built with `pip wheel .` installs into a clean venv, and from it
`campaign-monitor demo` starts: the simulated API, the migrations (read from the wheel), the collector and
the dashboard (its page scripts read from the wheel) all work with no checkout on the path."""
from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import sysconfig
import time
import urllib.request
import venv
import zipfile
from pathlib import Path

import pytest

from monitor.serve import free_port, wait_until_healthy
from tests.helpers import ROOT

DEMO_START_SECONDS = 120


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> tuple[Path, Path]:
    """A venv holding only the wheel; the dependencies come from this venv's site-packages through a .pth
    line (whose own .pth files, the checkout's editable install among them, are not read)."""
    folder = tmp_path_factory.mktemp("wheel")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation",
                    "--wheel-dir", str(folder / "dist"), str(ROOT)], check=True, cwd=folder)
    [wheel] = (folder / "dist").glob("campaign_monitor-*.whl")
    clean = folder / "venv"
    venv.create(clean, with_pip=True)
    python = clean / "bin" / "python"
    subprocess.run([str(python), "-m", "pip", "install", "--quiet", "--no-deps", "--no-index", str(wheel)],
                   check=True, cwd=folder)
    site = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                          check=True, capture_output=True, text=True).stdout.strip()
    (Path(site) / "dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    return wheel, clean


@pytest.fixture(scope="module")
def installed(built) -> Path:
    return built[1]


def test_the_wheel_holds_one_top_level_package_with_its_files(built):
    with zipfile.ZipFile(built[0]) as wheel:
        names = wheel.namelist()
    assert {n.split("/")[0] for n in names if not n.split("/")[0].endswith(".dist-info")} == {"monitor"}
    for needed in ("monitor/migrations/versions/0001_initial_schema.py", "monitor/migrations/script.py.mako",
                   "monitor/dashboard/app.py", "monitor/dashboard/views/overview.py", "monitor/dashboard/icon.png",
                   "monitor/regions/aliases.csv", "monitor/mps/data/mps.csv", "monitor/mps/data/README.md"):
        assert needed in names


def test_demo_starts_from_the_installed_wheel(installed, tmp_path):
    port, api_port = free_port(), free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MONITOR_", "PYTHONPATH"))}
    env["MONITOR_CACHE_DIR"] = os.environ["MONITOR_CACHE_DIR"]   # the built gazetteer, not rebuilt here
    where = subprocess.run([str(installed / "bin" / "python"), "-c", "import monitor; print(monitor.__file__)"],
                           cwd=tmp_path, env=env, check=True, capture_output=True, text=True).stdout
    assert where.startswith(str(installed))
    log = tmp_path / "demo.log"
    with open(log, "wb") as out:
        demo = subprocess.Popen([str(installed / "bin" / "campaign-monitor"), "demo", "--port", str(port),
                                 "--api-port", str(api_port), "--interval", "1"],
                                cwd=tmp_path, env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        wait_until_healthy(f"http://127.0.0.1:{port}", demo, DEMO_START_SECONDS)
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=10) as page:
            assert page.status == 200 and b"<html" in page.read().lower()
        assert _posts_collected(tmp_path / "data" / "monitor.db", DEMO_START_SECONDS) > 0
    finally:
        demo.send_signal(signal.SIGINT)
        try:
            demo.wait(timeout=30)
        except subprocess.TimeoutExpired:
            demo.kill()
    assert "Traceback" not in log.read_text(errors="replace")


def _posts_collected(database: Path, timeout: float) -> int:
    """Posts the demo's collector stored, once its first poll has (waiting up to `timeout`)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if database.exists():
            with sqlite3.connect(database) as conn:
                try:
                    found = conn.execute("SELECT count(*) FROM posts").fetchone()[0]
                except sqlite3.OperationalError:   # the schema is still being made
                    found = 0
            if found:
                return found
        time.sleep(1)
    return 0
