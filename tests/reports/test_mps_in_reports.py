"""The weekly report's MPs: engaged this week and new this week, per region, in the XLSX, the PDF and the
email, against a week worked out by hand."""
from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from monitor.reports import render
from monitor.reports.weekly_job import build_message
from tests import pages
from tests.helpers_mps import mention, mp, mp_user
from tests.reports.helpers import NOW, build, workbook
from tests.seed import CAMPAIGN, TERMS, store_api_page, utc

TAG = ["InvestInPupilServices"]
KINNOCK, BLACKMAN, PHILLIPS = mp("skinnock"), mp("KirstySNP"), mp("jessphillips")


@pytest.fixture
def mps_week(small, small_cfg):
    """Week 47 (16-22 Nov): Kinnock posts (he also posted in week 46: not new), Blackman posts for the first
    time (new), Phillips is only mentioned (not engaged)."""
    posts = [pages.post(utc(10, 9), "500", "Week 46 #InvestInPupilServices", seq=60, tags=TAG),
             pages.post(utc(17, 9), "500", "Week 47 #InvestInPupilServices", seq=61, tags=TAG),
             pages.post(utc(18, 9), "600", "First time #InvestInPupilServices", seq=62, tags=TAG),
             mention(pages.post(utc(19, 9), "11", "Ask her #InvestInPupilServices", seq=63, tags=TAG),
                     "jessphillips", "700")]
    users = [mp_user("500", "skinnock"), mp_user("600", "KirstySNP"), pages.user("11", "alice", location="Camden")]
    store_api_page(small, small_cfg, pages.page(posts, users), NOW, CAMPAIGN, TERMS)
    return small


def test_the_workbook_has_the_mps_per_region_and_the_engaged_mps(mps_week, small_cfg):
    wb = workbook(build(mps_week, small_cfg))
    rows = [r[:5] if r[0] != "Member ID" and not str(r[0]).isdigit() else r
            for r in wb["MPs"].iter_rows(values_only=True)]
    by_key = {r[1]: r for r in rows[1:14] if r[1]}
    assert by_key["Wales"] == ("NAHT Cymru", "Wales", 32, 1, 0)
    assert by_key["Scotland"] == ("Scotland", "Scotland", 57, 1, 1)
    assert by_key["West Midlands"][3:] == (0, 0)   # Phillips was mentioned, not engaged
    assert rows[13] == ("All regions shown", None, 650, 2, 1)   # an empty cell
    listed = rows[rows.index(next(r for r in rows if r[0] == "Member ID")) + 1:]
    assert [(r[1], r[5], r[6]) for r in listed] == [("Kirsty Blackman", 1, "yes"), ("Stephen Kinnock", 1, "no")]


def test_a_region_report_has_only_that_regions_mps(mps_week, small_cfg):
    rows = list(workbook(build(mps_week, small_cfg, region="NAHT Cymru"))["MPs"].iter_rows(values_only=True))
    assert rows[1][:5] == ("NAHT Cymru", "Wales", 32, 1, 0)
    assert [r[1] for r in rows if r[0] == str(KINNOCK.member_id)] == ["Stephen Kinnock"]
    assert not any(r[1] == "Kirsty Blackman" for r in rows)


def test_the_email_says_how_many_mps_engaged_and_who_is_new(mps_week, small_cfg, tmp_path):
    report = build(mps_week, small_cfg)
    smtp = {"host": "127.0.0.1", "port": 25, "from": "monitor@naht.org.uk", "to": "comms@naht.org.uk"}
    paths = []
    for fmt in ("xlsx", "csv", "pdf"):
        path = Path(tmp_path) / f"report.{fmt}"
        path.write_bytes(render(report, fmt))
        paths.append(path)
    body = build_message(smtp, report, paths).get_body(("plain",)).get_content()
    assert "  MPs engaged this week: 2 (1 new)" in body
    assert "    NAHT Cymru: 1 of 32 MPs (0 new)" in body and "    Scotland: 1 of 57 MPs (1 new)" in body
    assert "  New this week: Kirsty Blackman (Aberdeen North)" in body
    assert "West Midlands" not in body


@pytest.mark.skipif(not shutil.which("pdftotext"), reason="needs poppler-utils (make system-deps)")
def test_the_pdfs_mps_page_lists_the_mps(mps_week, small_cfg, tmp_path):
    pdf = tmp_path / "report.pdf"
    pdf.write_bytes(render(build(mps_week, small_cfg), "pdf"))
    text = subprocess.run(["pdftotext", "-layout", "-f", "5", "-l", "5", str(pdf), "-"], capture_output=True,
                          text=True, check=True).stdout
    assert "MPs engaged this week" in text
    lines = [" ".join(line.split()) for line in text.splitlines()]
    assert "NAHT Cymru 32 1 0" in lines and "Scotland 57 1 1" in lines and "All regions shown 650 2 1" in lines
    assert any(line.startswith("Kirsty Blackman Aberdeen North") and line.endswith("1 new") for line in lines)
    assert any(line.startswith("Stephen Kinnock Aberafan Maesteg") for line in lines)
