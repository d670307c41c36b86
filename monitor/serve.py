"""The dashboard in a process of its own: one launcher for `campaign-monitor dashboard`, the demo, the tests
and the benches.

    with dashboard_server(env=dashboard_env(database_url="sqlite:///data/monitor.db")) as server:
        urllib.request.urlopen(server.url)

Streamlit runs the page script `monitor/dashboard/app.py` of this package, so the same command serves a
checkout and an installed wheel.
"""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator, Sequence

from monitor import brand
from monitor.config import ENV_CONFIG, ENV_DATABASE_URL

DASHBOARD_APP = Path(__file__).resolve().parent / "dashboard" / "app.py"
DEFAULT_ADDRESS = "127.0.0.1"   # loopback: people reach the dashboard through a reverse proxy
HEALTH_PATH = "/_stcore/health"
START_TIMEOUT_SECONDS = 60.0
STOP_TIMEOUT_SECONDS = 15.0


class DashboardDidNotStart(RuntimeError):
    pass


@dataclass(frozen=True)
class Server:
    url: str
    process: subprocess.Popen


# NAHT's theme (monitor.brand: the PDF report's navy too), light, for every launcher.
THEME = {"theme.base": "light", "theme.primaryColor": brand.NAVY, "theme.textColor": brand.TEXT,
         "theme.linkColor": brand.NAVY, "theme.backgroundColor": "#FFFFFF",
         "theme.secondaryBackgroundColor": "#F0F2F6"}


def dashboard_command(port: int, address: str = DEFAULT_ADDRESS, extra_args: Sequence[str] = ()) -> list[str]:
    """`streamlit run` of the dashboard: headless, no usage statistics, no file watcher (nothing to reload
    in production, and a watcher costs a thread per file), NAHT's theme, and no developer toolbar
    (Deploy, Rerun, Stop, Clear cache) for the people reading it."""
    theme = [arg for option, value in THEME.items() for arg in (f"--{option}", value)]
    return [sys.executable, "-m", "streamlit", "run", str(DASHBOARD_APP), "--server.port", str(port),
            "--server.address", address, "--server.headless", "true", "--browser.gatherUsageStats", "false",
            "--server.fileWatcherType", "none", "--server.enableXsrfProtection", "true",
            "--client.toolbarMode", "viewer", *theme, *extra_args]


def dashboard_env(database_url: str | None = None, config_path: str | None = None, base: dict | None = None,
                  **extra: str) -> dict[str, str]:
    """The dashboard's environment: `base` (default this process's), with the database URL and config
    path given here instead of any MONITOR_* the base holds (a test never reads the user's settings)."""
    env = dict(os.environ if base is None else base)
    if database_url is not None:
        env = {k: v for k, v in env.items() if not k.startswith("MONITOR_")}
        env[ENV_DATABASE_URL] = database_url
    if config_path is not None:
        env[ENV_CONFIG] = config_path
    env.update(extra)
    return env


def free_port() -> int:
    with socket.socket() as s:
        s.bind((DEFAULT_ADDRESS, 0))
        return s.getsockname()[1]


def wait_until_healthy(url: str, process: subprocess.Popen, timeout: float = START_TIMEOUT_SECONDS) -> None:
    """Until Streamlit answers its health check; a loud error if it exits or stays silent."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise DashboardDidNotStart(f"the dashboard exited with status {process.returncode}")
        try:
            with urllib.request.urlopen(url + HEALTH_PATH, timeout=2) as answer:
                if answer.read().strip() == b"ok":
                    return
        except OSError:
            time.sleep(0.3)
    raise DashboardDidNotStart(f"the dashboard did not answer on {url} within {timeout:g} s")


def stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=STOP_TIMEOUT_SECONDS)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@contextmanager
def dashboard_server(*, env: dict | None = None, port: int | None = None, address: str = DEFAULT_ADDRESS,
                     cwd: str | Path | None = None, log: Path | None = None, extra_args: Sequence[str] = (),
                     timeout: float = START_TIMEOUT_SECONDS) -> Iterator[Server]:
    """The dashboard started on `port` (a free one by default), healthy, stopped on leaving. `cwd` is where
    Streamlit looks for .streamlit/secrets.toml (sign-in); `log` takes its output."""
    port = port or free_port()
    with open(log, "wb") if log else nullcontext() as out:   # the child keeps its own copy of the file
        process = subprocess.Popen(dashboard_command(port, address, extra_args), cwd=cwd, env=env,
                                   stdout=out, stderr=subprocess.STDOUT if out else None)
    url = f"http://{address}:{port}"
    try:
        wait_until_healthy(url, process, timeout)
        yield Server(url, process)
    finally:
        stop(process)


def run_dashboard(config_path: str | None, port: int, address: str = DEFAULT_ADDRESS) -> int:
    """`campaign-monitor dashboard`: in the foreground until stopped; its exit status."""
    return subprocess.call(dashboard_command(port, address), env=dashboard_env(config_path=config_path))
