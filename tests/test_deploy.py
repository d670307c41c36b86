"""The deployment files in deploy/ do what their comments promise: the systemd units verify without a
warning, and the compose file runs the documented services with only the proxy published.

`systemd-analyze verify` said "Unknown key 'StartLimitIntervalSec' in section [Service], ignoring": the
collector's "stop after 5 failures in 10 minutes" was ignored, so with RestartSec=30 a failing collector
restarted forever."""
from __future__ import annotations

import configparser
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
DEPLOY = ROOT / "deploy"
UNITS = ("campaign-monitor-collector.service", "campaign-monitor-dashboard.service")
INSTALLED_VENV = "/opt/campaign-monitor/.venv/bin/"


def systemd_analyze() -> str:
    found = shutil.which("systemd-analyze")
    if found is None:
        if os.environ.get("CI"):
            pytest.fail("systemd-analyze is missing on CI: scripts/system-deps.sh installs Debian's systemd")
        pytest.skip("systemd-analyze not installed (make system-deps)")
    return found


@pytest.mark.parametrize("unit", UNITS)
def test_the_unit_verifies_without_a_warning(unit, tmp_path):
    # ExecStart must name a program that exists: this checkout's venv stands in for /opt/campaign-monitor's.
    venv_bin = f"{Path(sys.executable).parent}/"
    text = (DEPLOY / unit).read_text()
    assert INSTALLED_VENV in text
    (tmp_path / unit).write_text(text.replace(INSTALLED_VENV, venv_bin))
    result = subprocess.run([systemd_analyze(), "verify", "--man=no", str(tmp_path / unit)], capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 0 and result.stdout.strip() == "" and result.stderr.strip() == "", \
        result.stdout + result.stderr


def unit_sections(unit: str) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str  # systemd keys are case-sensitive
    parser.read_string((DEPLOY / unit).read_text().replace("\\\n", " "))
    return parser


@pytest.mark.parametrize("unit", UNITS)
def test_restarts_are_limited_where_systemd_reads_the_limit(unit):
    sections = unit_sections(unit)
    assert sections["Unit"]["StartLimitIntervalSec"] == "600" and sections["Unit"]["StartLimitBurst"] == "5"
    assert "StartLimitIntervalSec" not in sections["Service"] and sections["Service"]["Restart"] == "on-failure"


def test_the_collector_is_not_restarted_after_a_mistake_a_person_must_fix():
    assert unit_sections(UNITS[0])["Service"]["RestartPreventExitStatus"] == "2"


def compose() -> dict:
    return yaml.safe_load((DEPLOY / "compose.yaml").read_text())


def published(service: dict) -> list[str]:
    return [str(p) for p in service.get("ports", [])]


def test_compose_runs_the_documented_services():
    services = compose()["services"]
    assert set(services) == {"postgres", "collector", "dashboard", "caddy", "backup"}
    assert services["collector"]["command"][-1] == "run"
    # The image's entrypoint is campaign-monitor (deploy/Dockerfile): the dashboard runs as the CLI starts it,
    # listening inside the container where Caddy reaches it.
    assert 'ENTRYPOINT ["campaign-monitor"]' in (DEPLOY / "Dockerfile").read_text()
    assert "entrypoint" not in services["dashboard"]
    assert services["dashboard"]["command"] == ["dashboard", "--address", "0.0.0.0", "--port", "8501"]
    assert services["dashboard"]["depends_on"]["postgres"]["condition"] == "service_healthy"
    for name in ("collector", "dashboard"):
        assert services[name]["build"]["dockerfile"] == "deploy/Dockerfile"
        assert services[name]["environment"]["MONITOR_DATABASE_PASSWORD"] == "${POSTGRES_PASSWORD}"


def test_compose_publishes_only_the_proxy():
    """Only Caddy is reachable from outside (HTTPS, and HTTP for the redirect and certificates): the
    dashboard's 8501 and PostgreSQL's 5432 are never published on the host."""
    services = compose()["services"]
    publishing = {name for name, service in services.items() if published(service)}
    assert publishing == {"caddy"}
    assert sorted(published(services["caddy"])) == ["443:443", "80:80"]
    assert services["dashboard"]["expose"] == ["8501"]
    assert not any("8501" in p or "5432" in p for service in services.values() for p in published(service))
