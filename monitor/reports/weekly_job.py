"""Every Monday 07:00 UK time: last week's reports for every campaign, into a folder and by email.

Idempotent: a report whose three files are already in the folder is not rebuilt, and a week that was
emailed is not emailed again, so a re-run after a restart, a missed run caught up, or a second process
sends nothing twice. Each e-mail is recorded in the database (table report_emails): claimed before it
is sent, in one INSERT only one process can win, and marked sent after. A failed e-mail gives its claim
back: the next run of the job for that week tries again. A claim whose process died before marking it
(sent or not) is taken over after EMAIL_CLAIM_TIMEOUT.

Email goes out when [reports.smtp] has host, port, from and to. The password comes only from the
environment (MONITOR_SMTP_PASSWORD) and is never logged. Port 465 means SMTP over TLS; otherwise
STARTTLS is used when the server offers it (always, unless starttls = false), and a password is never
sent over a connection that is not encrypted.
"""
from __future__ import annotations

import logging
import os
import smtplib
import socket
import ssl
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.message import EmailMessage
from pathlib import Path

from apscheduler.triggers.cron import CronTrigger
from sqlalchemy import delete, update
from sqlalchemy.engine import Engine

from monitor.config import Config
from monitor.db import transaction
from monitor.models import ReportEmail
from monitor.reports import FORMATS, MEDIA_TYPES, build_weekly_report, filename, render, write_atomically
from monitor.reports import actions as report_actions
from monitor.reports.model import WeeklyReport
from monitor.store import insert_ignore
from monitor.timeutil import UK, uk_today, utcnow

log = logging.getLogger(__name__)

ENV_SMTP_PASSWORD = "MONITOR_SMTP_PASSWORD"
SMTP_REQUIRED = ("host", "port", "from", "to")
SMTP_TIMEOUT_SECONDS = 60
JOB_ID = "weekly-reports"
# A scheduler that was down at 07:00 (a restart, a sleeping laptop) still sends that day.
MISFIRE_GRACE_SECONDS = 12 * 3600
# A claim this old was left by a process that died while sending: it is taken over (the week may then be
# e-mailed twice if that process had sent it before dying; never not at all).
EMAIL_CLAIM_TIMEOUT = timedelta(hours=1)


class InsecureSmtp(Exception):
    pass


@dataclass
class WeeklyOutput:
    campaign: str
    week: str
    paths: list[Path] = field(default_factory=list)
    written: bool = False   # False: the files were already there
    emailed: bool = False   # True only when this call sent them
    error: str | None = None


def last_complete_week(now: datetime) -> tuple[int, int]:
    """The ISO week (UK time) that ended most recently before `now`."""
    today = uk_today(now)
    last_monday = today - timedelta(days=today.weekday() + 7)
    year, week, _ = last_monday.isocalendar()
    return year, week


def write_weekly_reports(engine: Engine, config: Config, now: datetime | None = None) -> list[WeeklyOutput]:
    """Write XLSX, CSV and PDF for the last complete week of every campaign into config.reports_folder,
    and email them when SMTP is configured. One campaign's failure does not stop the others."""
    now = now or utcnow()
    year, week = last_complete_week(now)
    outputs = []
    for campaign in config.campaigns:
        output = WeeklyOutput(campaign.name, f"{year}-W{week:02d}")
        try:
            _write_campaign(engine, config, campaign.name, year, week, now, output)
        except Exception as e:  # noqa: BLE001 - logged with its traceback, reported in the output
            log.exception("weekly report for %s %s failed", campaign.name, output.week)
            output.error = f"{type(e).__name__}: {e}"
        outputs.append(output)
    return outputs


def _write_campaign(engine: Engine, config: Config, campaign: str, year: int, week: int, now: datetime,
                    output: WeeklyOutput) -> None:
    folder = Path(config.reports_folder)
    output.paths = [folder / filename(campaign, year, week, None, fmt) for fmt in FORMATS]
    must_email = smtp_settings(config) is not None and not email_sent(engine, campaign, output.week)
    if all(p.exists() for p in output.paths) and not must_email:
        return
    report = build_weekly_report(engine, config, year, week, campaign=campaign, now=now)
    if not all(p.exists() for p in output.paths):
        # All three from one report, so they agree with each other to the figure.
        for fmt, path in zip(FORMATS, output.paths):
            write_atomically(path, render(report, fmt))
        output.written = True
        log.info("weekly report %s %s written to %s", campaign, output.week, folder)
    if must_email and claim_email(engine, campaign, output.week, now):
        output.emailed = _email(config, report, output.paths)
        settle_email(engine, campaign, output.week, utcnow() if output.emailed else None,
                     ", ".join(recipients(smtp_settings(config))))


# --- which weeks were e-mailed (table report_emails) -------------------------------------------

def _sender() -> str:
    """Who claims: the host and pid (for a person reading the table), and a token of this one claim."""
    return f"host {socket.gethostname()} pid {os.getpid()} claim {uuid.uuid4().hex[:12]}"


def email_sent(engine: Engine, campaign: str, week: str) -> bool:
    with transaction(engine) as s:
        row = s.get(ReportEmail, (campaign, week))
        return row is not None and row.sent_at is not None


def claim_email(engine: Engine, campaign: str, week: str, now: datetime) -> bool:
    """True when this process may send the week's e-mail: it inserted the claim, or took over one that a
    dead process left. False when it was sent, or another process is sending it now."""
    sender = _sender()
    with transaction(engine) as s:
        insert_ignore(s, ReportEmail, [{"campaign": campaign, "week": week, "claimed_by": sender,
                                        "claimed_at": now}], ["campaign", "week"])
    with transaction(engine) as s:
        row = s.get(ReportEmail, (campaign, week))
        if row.sent_at is not None:
            return False
        if row.claimed_by == sender:
            return True
        if now - row.claimed_at < EMAIL_CLAIM_TIMEOUT:
            log.info("weekly report %s %s is being e-mailed by %s", campaign, week, row.claimed_by)
            return False
        # Taken over only if nobody else took it over first (the same claim is still there).
        taken = s.execute(update(ReportEmail).where(ReportEmail.campaign == campaign, ReportEmail.week == week,
                                                    ReportEmail.claimed_at == row.claimed_at,
                                                    ReportEmail.sent_at.is_(None))
                          .values(claimed_by=sender, claimed_at=now)).rowcount
        return taken == 1


def settle_email(engine: Engine, campaign: str, week: str, sent_at: datetime | None, to: str) -> None:
    """Mark the claim sent, or give it back when sending failed (the next run tries again)."""
    where = (ReportEmail.campaign == campaign, ReportEmail.week == week, ReportEmail.sent_at.is_(None))
    with transaction(engine) as s:
        if sent_at is not None:
            s.execute(update(ReportEmail).where(*where).values(sent_at=sent_at, recipients=to))
        else:
            s.execute(delete(ReportEmail).where(*where))


# --- email -----------------------------------------------------------------------------------

def smtp_settings(config: Config) -> dict | None:
    """The [reports.smtp] table when it has everything email needs, else None (with a warning if partial)."""
    smtp = config.smtp or {}
    missing = [k for k in SMTP_REQUIRED if not smtp.get(k)]
    if not smtp:
        return None
    if missing:
        log.warning("%s: reports.smtp lacks %s: weekly reports are not emailed", config.path, ", ".join(missing))
        return None
    return smtp


def recipients(smtp: dict) -> list[str]:
    to = smtp["to"]
    return [to] if isinstance(to, str) else [str(t) for t in to]


def build_message(smtp: dict, report: WeeklyReport, paths: list[Path]) -> EmailMessage:
    msg = EmailMessage()
    msg["Subject"] = f"NAHT weekly summary: {report.campaign.title}, {report.week_label}"
    msg["From"] = smtp["from"]
    msg["To"] = ", ".join(recipients(smtp))
    msg.set_content(_email_body(report, paths))
    for path in paths:
        maintype, subtype = MEDIA_TYPES[path.suffix.lstrip(".")].split("/")
        msg.add_attachment(path.read_bytes(), maintype=maintype, subtype=subtype, filename=path.name)
    return msg


def _email_body(report: WeeklyReport, paths: list[Path]) -> str:
    k = report.kpis

    def line(name: str, key: str) -> str:
        change = k.change(key)
        versus = f" ({change:+.0%} on the week before)" if change is not None else ""
        return f"  {name}: {getattr(k.current, key):,}{versus}"

    return "\n".join([
        f"{report.campaign.title}: weekly summary for {report.week_label} "
        f"(Monday {report.monday:%d %B} to Sunday {report.sunday:%d %B %Y}, UK time).", "",
        line("Posts", "posts"), line("Contributors", "contributors"), line("Potential reach", "potential_reach"),
        line("Engagements", "engagements"), "",
        *_mp_lines(report), "",
        *report_actions.email_lines(report.actions, report.monday, report.region_display), "",
        "Attached: the PDF report to circulate, the workbook (XLSX) with every table, and the week's posts (CSV).",
        *(f"  {p.name}" for p in paths), "",
        "Sent by campaign-monitor."])


def _mp_lines(report: WeeklyReport) -> list[str]:
    """MPs engaged this week and new this week, overall and per region with any."""
    week = report.mps
    lines = [f"  MPs engaged this week: {week.total_engaged:,} ({week.total_new:,} new)"]
    lines += [f"    {report.display_name(r.region)}: {r.engaged:,} of {r.total:,} MPs ({r.new:,} new)"
              for r in week.regions if r.engaged]
    new = [m for m in week.engaged if m.new]
    if new:
        lines.append("  New this week: " + "; ".join(f"{m.name} ({m.constituency})" for m in new))
    return lines


def _email(config: Config, report: WeeklyReport, paths: list[Path]) -> bool:
    smtp = smtp_settings(config)
    try:
        send(smtp, build_message(smtp, report, paths))
    except (smtplib.SMTPException, OSError, InsecureSmtp) as e:
        # The exception says what the server answered; it never holds the password.
        log.error("weekly report %s %s not emailed: %s: %s", report.campaign.name, report.week_label,
                  type(e).__name__, e)
        return False
    log.info("weekly report %s %s emailed to %d recipient(s)", report.campaign.name, report.week_label,
             len(recipients(smtp)))
    return True


def send(smtp: dict, msg: EmailMessage) -> None:
    host, port = smtp["host"], int(smtp["port"])
    password = os.environ.get(ENV_SMTP_PASSWORD)
    context = ssl.create_default_context()
    if port == 465:
        client = smtplib.SMTP_SSL(host, port, timeout=SMTP_TIMEOUT_SECONDS, context=context)
    else:
        client = smtplib.SMTP(host, port, timeout=SMTP_TIMEOUT_SECONDS)
    with client:
        encrypted = port == 465
        if not encrypted and smtp.get("starttls", True):
            client.ehlo()
            if client.has_extn("starttls"):
                client.starttls(context=context)
                client.ehlo()
                encrypted = True
        if password:
            if not encrypted:
                raise InsecureSmtp(f"{host}:{port} offers no TLS: refusing to send the SMTP password in clear")
            client.login(smtp.get("username") or smtp["from"], password)
        client.send_message(msg)


# --- the scheduler ---------------------------------------------------------------------------

def run_weekly_job(engine: Engine, config: Config) -> None:
    for output in write_weekly_reports(engine, config):
        if output.error:
            log.error("weekly report %s %s: %s", output.campaign, output.week, output.error)


def add_weekly_job(scheduler, engine: Engine, config: Config, job=None) -> None:
    """Register the Monday 07:00 Europe/London job on an APScheduler 3 scheduler: `job()` (the collector's,
    which checks its lease first), else run_weekly_job(engine, config)."""
    scheduler.add_job(job or run_weekly_job, CronTrigger(day_of_week="mon", hour=7, minute=0, timezone=UK),
                      args=[] if job else [engine, config], id=JOB_ID, name="weekly reports", max_instances=1,
                      coalesce=True, misfire_grace_time=MISFIRE_GRACE_SECONDS, replace_existing=True)
