"""Collectors in processes of their own: start `campaign-monitor run` and wait until it holds the lease and
has polled, run a command and read its one-line error, stop a process."""
from __future__ import annotations

import signal
import subprocess
import time

import pytest

from monitor.lease import current_holder
from tests.helpers import cli, cli_env, write_config
from tests.reliability.helpers import runs


def lease_config(folder, db_url: str, base_url: str, interval_minutes: float = 15) -> str:
    """The config of these collectors: two retries, the interval given."""
    return write_config(folder, db_url, base_url, max_retries=2, interval_minutes=interval_minutes)


def run_cli(config_path: str, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(cli(config_path, *args), env=cli_env(), capture_output=True, text=True, timeout=120)


def wait_for(condition, timeout: float = 60, what: str = "the condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.2)
    pytest.fail(f"timed out waiting for {what}")


def start_run(config_path: str, engine) -> subprocess.Popen:
    """`campaign-monitor run`, returned once it holds the lease and its first poll is stored."""
    proc = subprocess.Popen(cli(config_path, "run"), env=cli_env(), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            text=True)

    def ready():
        if proc.poll() is not None:
            pytest.fail(f"run exited {proc.returncode}: {proc.stderr.read()}")
        try:
            holder = current_holder(engine)
            done = [r for r in runs(engine, "search") if r.status == "completed"]
        except Exception:  # noqa: BLE001 - the schema is not there yet
            return False
        return holder is not None and holder.pid == proc.pid and done

    wait_for(ready, what="the first `run` to hold the lease and finish its first poll")
    return proc


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def one_line(result: subprocess.CompletedProcess) -> str:
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]
