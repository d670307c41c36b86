"""The weekly report's campaign actions: the week's actions and the earlier ones whose days after ended in the
week, each with its effect where known, in the XLSX, the PDF and the e-mail (the SMALL week: 16-22 Nov)."""
from __future__ import annotations

import shutil
import subprocess
from datetime import date
from pathlib import Path

import pytest

from monitor.actions import ActionInput, add_action
from monitor.reports import render
from monitor.reports.weekly_job import build_message
from tests.reports.helpers import build, records, workbook
from tests.seed import CAMPAIGN


@pytest.fixture
def with_actions(small, small_cfg):
    def add(day, kind, title, region):
        add_action(small, small_cfg, CAMPAIGN, ActionInput(day, kind, title, region), "lead@naht.org.uk")
    add(date(2026, 11, 18), "MP roundtable", "Roundtable in Camden", "London")   # this week: not over on the 23rd
    add(date(2026, 11, 11), "Letter-writing", "Letters evening", "London")      # 11-17 Nov after: ended this week
    add(date(2026, 11, 20), "Media", "Radio interview", None)                   # national, this week
    add(date(2026, 11, 3), "Media", "Too early", "London")                      # its days after ended before
    return small


def test_the_workbook_lists_the_weeks_actions_with_their_effect(with_actions, small_cfg):
    rows = records(workbook(build(with_actions, small_cfg))["Actions"])
    assert [(r["Action"], r["Region"]) for r in rows] == [
        ("Radio interview", "National"), ("Roundtable in Camden", "London"), ("Letters evening", "London")]
    camden = rows[1]
    # London (alice): 12 and 16 Nov before (11-17), her reply on the 18th after (18-24).
    assert (camden["Posts before"], camden["Posts after"]) == (2, 1)
    assert camden["Effect on posts"].startswith("not over yet: the 7 days from the action end on Tue 24 Nov 2026")
    assert rows[2]["Effect on posts"].startswith("collection began inside the 7 days before")
    assert camden["Recorded by"] == "lead@naht.org.uk"


def test_a_region_report_has_only_that_regions_actions(with_actions, small_cfg):
    rows = records(workbook(build(with_actions, small_cfg, region="Scotland"))["Actions"])
    assert rows[0]["Day (UK)"] == "No campaign actions this week."
    london = records(workbook(build(with_actions, small_cfg, region="London"))["Actions"])
    assert [r["Action"] for r in london] == ["Roundtable in Camden", "Letters evening"]


def test_the_email_lists_the_actions(with_actions, small_cfg, tmp_path):
    report = build(with_actions, small_cfg)
    paths = []
    for fmt in ("xlsx", "csv", "pdf"):
        path = Path(tmp_path) / f"report.{fmt}"
        path.write_bytes(render(report, fmt))
        paths.append(path)
    smtp = {"host": "127.0.0.1", "port": 25, "from": "monitor@naht.org.uk", "to": "comms@naht.org.uk"}
    body = build_message(smtp, report, paths).get_body(("plain",)).get_content()
    assert "  Campaign actions this week: 2" in body
    assert "    Wed 18 Nov: MP roundtable, Roundtable in Camden (London): not over yet" in body
    assert "Measured this week (earlier actions whose days after ended):" in body
    assert "    Wed 11 Nov: Letter-writing, Letters evening (London): collection began" in body
    assert "Too early" not in body


@pytest.mark.skipif(not shutil.which("pdftotext"), reason="needs poppler-utils (make system-deps)")
def test_the_pdf_has_the_actions(with_actions, small_cfg, tmp_path):
    pdf = tmp_path / "report.pdf"
    pdf.write_bytes(render(build(with_actions, small_cfg), "pdf"))
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True,
                          check=True).stdout
    lines = [" ".join(line.split()) for line in text.splitlines()]
    assert "Campaign actions" in lines
    # The title wraps in its column: the row's first line holds the rest.
    assert any(line.startswith("Wed 18 Nov MP roundtable Roundtable in") and "London 2 1 not over yet" in line
               for line in lines)
    assert any(line.startswith("Wed 11 Nov Letter-writing Letters evening London 0 2 collection began")
               for line in lines)
