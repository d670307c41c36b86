"""The Monday job: last week's files for every campaign, written once, emailed once, at 07:00 UK time."""
import logging
import os
import smtplib
import subprocess
import sys
from dataclasses import replace
from datetime import datetime, timezone
from email.message import EmailMessage

import pytest
from apscheduler.schedulers.background import BackgroundScheduler
from openpyxl import load_workbook

from monitor.reports.weekly_job import (
    ENV_SMTP_PASSWORD,
    JOB_ID,
    add_weekly_job,
    last_complete_week,
    write_weekly_reports,
)
from monitor.scheduler import CampaignScheduler
from monitor.timeutil import UK
from tests.reports.helpers import NOW, summary_figures
from tests.seed import CAMPAIGN, OTHER_CAMPAIGN, SMALL

SMTP = {"host": "smtp.example.org", "port": 587, "from": "monitor@naht.org.uk",
        "to": ["comms@naht.org.uk", "director@naht.org.uk"]}
PASSWORD = "s3cret-smtp-password"


def uk(*args) -> datetime:
    return datetime(*args, tzinfo=UK)


@pytest.mark.parametrize("now, expected", [
    (uk(2026, 11, 23, 7, 0), (2026, 47)),
    (uk(2026, 11, 22, 23, 59), (2026, 46)),   # Sunday night: that week is not over yet
    (uk(2026, 10, 26, 0, 30), (2026, 43)),    # the Monday after the clocks went back
    (uk(2026, 3, 30, 0, 30), (2026, 13)),     # 23:30 UTC on Sunday is already Monday in BST
    (uk(2027, 1, 4, 7, 0), (2026, 53)),       # 2026 has 53 ISO weeks
])
def test_last_complete_week_is_in_uk_time(now, expected):
    assert last_complete_week(now.astimezone(timezone.utc)) == expected


@pytest.fixture
def job_cfg(small_cfg, tmp_path):
    return replace(small_cfg, reports_folder=str(tmp_path / "reports"))


def test_writes_every_format_for_every_campaign_once(small, job_cfg, tmp_path):
    outputs = write_weekly_reports(small, job_cfg, now=NOW)
    assert [(o.campaign, o.week, o.written, o.error) for o in outputs] == [
        (CAMPAIGN, "2026-W47", True, None), (OTHER_CAMPAIGN, "2026-W47", True, None)]
    folder = tmp_path / "reports"
    assert sorted(p.name for p in folder.iterdir()) == sorted(
        f"naht-{c}-2026-W47-all-regions.{f}" for c in (CAMPAIGN, OTHER_CAMPAIGN) for f in ("csv", "pdf", "xlsx"))
    xlsx = folder / f"naht-{CAMPAIGN}-2026-W47-all-regions.xlsx"
    assert summary_figures(load_workbook(xlsx)["Summary"])["Posts"][0] == SMALL.posts
    before = {p: p.stat().st_mtime_ns for p in folder.iterdir()}
    again = write_weekly_reports(small, job_cfg, now=NOW)
    assert not any(o.written or o.emailed for o in again)
    assert {p: p.stat().st_mtime_ns for p in folder.iterdir()} == before


class FakeSMTP:
    """Stands in for smtplib.SMTP: records what the job says to the server."""
    sent: list[EmailMessage] = []
    logins: list[tuple] = []
    offers_starttls = True
    fail_with: Exception | None = None

    def __init__(self, host, port, timeout=None):
        self.address, self.tls = (host, port), False

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def ehlo(self):
        pass

    def has_extn(self, name):
        return name == "starttls" and self.offers_starttls

    def starttls(self, context=None):
        self.tls = True

    def login(self, user, password):
        assert self.tls, "password sent without TLS"
        FakeSMTP.logins.append((user, password))

    def send_message(self, msg):
        if FakeSMTP.fail_with:
            raise FakeSMTP.fail_with
        FakeSMTP.sent.append(msg)


@pytest.fixture
def smtp(monkeypatch):
    FakeSMTP.sent, FakeSMTP.logins, FakeSMTP.offers_starttls, FakeSMTP.fail_with = [], [], True, None
    monkeypatch.setattr(smtplib, "SMTP", FakeSMTP)
    monkeypatch.setenv(ENV_SMTP_PASSWORD, PASSWORD)
    return FakeSMTP


def test_emails_the_three_files_once_over_tls_and_never_logs_the_password(small, job_cfg, smtp, caplog):
    cfg = replace(job_cfg, smtp=SMTP, campaigns=job_cfg.campaigns[:1])
    caplog.set_level(logging.DEBUG)
    [output] = write_weekly_reports(small, cfg, now=NOW)
    assert output.emailed and len(smtp.sent) == 1
    msg = smtp.sent[0]
    assert msg["To"] == "comms@naht.org.uk, director@naht.org.uk" and "2026-W47" in msg["Subject"]
    attachments = {a.get_filename(): a.get_content_type() for a in msg.iter_attachments()}
    types = ["application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "text/csv", "application/pdf"]
    assert attachments == {p.name: t for p, t in zip(output.paths, types)}
    assert f"Posts: {SMALL.posts}" in msg.get_body(("plain",)).get_content()
    assert smtp.logins == [("monitor@naht.org.uk", PASSWORD)]
    assert PASSWORD not in caplog.text
    write_weekly_reports(small, cfg, now=NOW)
    assert len(smtp.sent) == 1  # not emailed twice


def test_a_failed_email_is_tried_again_on_the_next_run(small, job_cfg, smtp, caplog):
    cfg = replace(job_cfg, smtp=SMTP, campaigns=job_cfg.campaigns[:1])
    smtp.fail_with = smtplib.SMTPRecipientsRefused({"director@naht.org.uk": (550, b"no such user")})
    [first] = write_weekly_reports(small, cfg, now=NOW)
    assert first.written and not first.emailed and "not emailed" in caplog.text
    smtp.fail_with = None
    [second] = write_weekly_reports(small, cfg, now=NOW)
    assert not second.written and second.emailed and len(smtp.sent) == 1


def test_no_password_over_a_server_without_tls(small, job_cfg, smtp, caplog):
    smtp.offers_starttls = False
    cfg = replace(job_cfg, smtp=SMTP, campaigns=job_cfg.campaigns[:1])
    [output] = write_weekly_reports(small, cfg, now=NOW)
    assert output.written and not output.emailed and smtp.logins == [] and smtp.sent == []
    assert "refusing to send the SMTP password" in caplog.text and PASSWORD not in caplog.text


def test_incomplete_smtp_settings_write_files_and_say_what_is_missing(small, job_cfg, smtp, caplog):
    cfg = replace(job_cfg, smtp={"host": "smtp.example.org", "port": 587}, campaigns=job_cfg.campaigns[:1])
    [output] = write_weekly_reports(small, cfg, now=NOW)
    assert output.written and not output.emailed and smtp.sent == []
    assert "reports.smtp lacks from, to" in caplog.text


def test_monday_0700_uk_time_on_both_sides_of_the_clock_change(sqlite_engine, config):
    scheduler = BackgroundScheduler(timezone=UK)
    add_weekly_job(scheduler, sqlite_engine, config)
    job = scheduler.get_job(JOB_ID)
    assert job.max_instances == 1 and job.coalesce and job.misfire_grace_time >= 3600
    summer = job.trigger.get_next_fire_time(None, uk(2026, 10, 20, 12))
    winter = job.trigger.get_next_fire_time(None, uk(2026, 10, 26, 7, 1))
    assert summer.astimezone(timezone.utc) == datetime(2026, 10, 26, 7, tzinfo=timezone.utc)  # GMT from the 25th
    assert winter.astimezone(timezone.utc) == datetime(2026, 11, 2, 7, tzinfo=timezone.utc)
    spring = job.trigger.get_next_fire_time(None, uk(2026, 3, 29, 12))
    assert spring.astimezone(timezone.utc) == datetime(2026, 3, 30, 6, tzinfo=timezone.utc)  # 07:00 BST


def test_the_campaign_scheduler_registers_the_weekly_job(sqlite_engine, config):
    scheduler = CampaignScheduler(sqlite_engine, config, source_factory=lambda _network: None)
    scheduler.add_jobs()
    assert scheduler.scheduler.get_job(JOB_ID) is not None


SEND_ONCE = """
import sys
from dataclasses import replace
from monitor.config import default_config
from monitor.db import make_engine
from monitor.reports.weekly_job import write_weekly_reports
from tests.reports.helpers import NOW
from tests.seed import small_config
cfg = small_config(default_config())
cfg = replace(cfg, campaigns=cfg.campaigns[:1], reports_folder=sys.argv[2],
              smtp={"host": "127.0.0.1", "port": int(sys.argv[3]), "from": "monitor@naht.org.uk",
                    "to": ["comms@naht.org.uk"], "starttls": False})
[output] = write_weekly_reports(make_engine(sys.argv[1]), cfg, now=NOW)
print("emailed" if output.emailed else "not emailed", output.error or "")
"""


def test_a_week_is_emailed_once_across_processes_and_restarts(small, tmp_path):
    """Two collectors' weekly jobs at once (each with its own reports folder, as on two hosts), then a
    restart: one e-mail, recorded in the database. With a marker file beside the reports, each sent it."""
    from sqlalchemy import select

    from monitor.db import transaction
    from monitor.models import ReportEmail
    from tests.helpers import ROOT as PROJECT_ROOT
    from tests.smtp_server import LoopbackSMTP

    url = small.url.render_as_string(hide_password=False)
    env = dict(os.environ, PYTHONPATH=str(PROJECT_ROOT))

    def job(folder: str):
        return subprocess.Popen([sys.executable, "-c", SEND_ONCE, url, str(tmp_path / folder), str(server.port)],
                                env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

    with LoopbackSMTP() as server:
        both = [job("host-a"), job("host-b")]
        said = [p.communicate(timeout=120) for p in both]
        assert all(p.returncode == 0 for p in both), said
        assert sorted(out.split()[0] for out, _ in said) == ["emailed", "not"], said
        restart = job("host-a")
        out, err = restart.communicate(timeout=120)
        assert out.startswith("not emailed"), (out, err)
        assert len(server.messages) == 1
        sender, to, msg = server.messages[0]
        assert to == ["comms@naht.org.uk"] and "2026-W47" in msg["Subject"]
        assert len(list(msg.iter_attachments())) == 3
    with transaction(small) as s:
        [row] = s.scalars(select(ReportEmail)).all()
    assert (row.campaign, row.week, row.recipients) == (CAMPAIGN, "2026-W47", "comms@naht.org.uk")
    assert row.sent_at is not None
